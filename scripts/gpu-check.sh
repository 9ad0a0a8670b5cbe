#!/usr/bin/env bash
# The device check of the cuda target, for a machine with an NVIDIA GPU and
# its driver: installs what is missing (apt; the CUDA toolkit must be at
# $CUDA_HOME or /usr/local/cuda), builds with every core, runs the cuda
# execution tests (test/CUDA: test/Integration's tests compiled with
# --target=cuda and called through NAME_host, against the float64
# references), the CUDA runtime's tests on the real driver, then times the
# workloads and the anchor shapes (benchmarks/gpu.py --target cuda, i.e.
# benchmarks/gpu_device.py: CUDA events, against the GPU's measured
# mma.sync and copy limits). Prints everything; exit status 1 when a test
# fails. Usage: scripts/gpu-check.sh [benchmark args...]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
nvidia-smi -L || { echo "gpu-check: no NVIDIA GPU (nvidia-smi -L)"; exit 1; }
bash scripts/setup.sh >/dev/null
jobs="$(nproc)"
bash scripts/build.sh -j"$jobs" recur-opt recur-compile recur-safetensors \
  RecurRuntime RecurCUDA >/dev/null || exit 1
status=0
/usr/lib/llvm-22/bin/lit -sv -j"$jobs" build/test/CUDA \
  build/test/Runtime/cuda_runtime.test \
  build/test/Tools/recur-compile/cuda-ptx.test || status=1
# What python/recur/runtime.py links a cuda-target model with.
export PYTHONPATH="$root/python" RECUR_COMPILE="$root/build/bin/recur-compile" \
  RECUR_CC=/usr/lib/llvm-22/bin/clang \
  RECUR_CUDA_LDFLAGS="$root/build/runtime/libRecurCUDA.a $root/build/runtime/libRecurRuntime.a -lpthread -ldl" \
  RECUR_RUNTIME_INCLUDE="$root/runtime/include"
/usr/bin/python3 benchmarks/gpu.py --target cuda "$@" || status=1
exit $status
