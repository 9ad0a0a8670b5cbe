#!/usr/bin/env bash
# The main job on the built-in example: installs what is missing, builds
# recur and its runtime library, writes a 2-layer Mamba-2 stack and a
# 2-layer Gated DeltaNet stack from examples/configs/ (python3 -m
# recur.models), compiles them with recur-compile, writes small random
# weights to safetensors files, links both objects into
# examples/linked_models.c, and runs it: a prefill, then decode steps,
# with the time per token of each and every output checked against the
# NumPy float64 reference (examples/run_linked_models.py).
# Arguments: [B T steps repetitions] (default 1 256 32 5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" recur-compile RecurRuntime >/dev/null
exec /usr/bin/python3 "$root/examples/run_linked_models.py" "${BUILD_DIR:-$root/build}" "$@"
