#!/usr/bin/env bash
# The main job on the built-in example: installs what is missing, builds
# recur, compiles examples/gla_mixer.mlir with recur-compile, links it into
# examples/gla_mixer_main.c, runs it, and checks the result against the NumPy
# float64 reference. Arguments: [B T repetitions] (default 2 256 10).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" recur-compile >/dev/null
exec /usr/bin/python3 "$root/examples/run_gla_mixer.py" "${BUILD_DIR:-$root/build}" "$@"
