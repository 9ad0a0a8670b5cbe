#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds recur, and runs every
# lit test (dialect, conversions, tools, the NumPy references' own tests, and
# the execution tests that compile, link, run and compare with NumPy).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" recur-opt recur-compile recur-safetensors RecurRuntime >/dev/null
# The Vulkan runtime, where CMake found Vulkan (Runtime/vulkan_runtime.test).
if ninja -C "$build" -t query RecurVulkan >/dev/null 2>&1; then
  bash "$root/scripts/build.sh" RecurVulkan >/dev/null
fi
# The CUDA runtime, where CMake found cuda.h (Runtime/cuda_runtime.test).
if ninja -C "$build" -t query RecurCUDA >/dev/null 2>&1; then
  bash "$root/scripts/build.sh" RecurCUDA >/dev/null
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
/usr/lib/llvm-22/bin/lit -sv "$build/test" | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | head -1)
failed=$(awk '/^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ {n += $(NF-1)} END {print n + 0}' "$log")
echo "${passed:-0} passed, ${failed} failed"
exit "$status"
