#!/usr/bin/env bash
# The CPU benchmark (benchmarks/cpu.py): installs what is missing (with
# matplotlib for the plot), builds recur-compile, then measures this CPU's
# peak, bandwidth and exp and every workload against them. Arguments go to
# benchmarks/cpu.py (--quick, --reps N, --only NAME..., --out DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --bench
bash "$root/scripts/build.sh" recur-compile >/dev/null
exec /usr/bin/python3 "$root/benchmarks/cpu.py" "$@"
