#!/usr/bin/env bash
# The sanitizer configuration: builds recur's own code with ASan and UBSan in
# build-asan/ and runs the whole lit suite with those tools. Not part of CI
# (it doubles the build); run it after changes to passes or verifiers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
build="$root/build-asan"
BUILD_DIR="$build" RECUR_CMAKE_ARGS=-DRECUR_ENABLE_SANITIZERS=ON \
  bash "$root/scripts/build.sh" recur-opt recur-compile recur-safetensors \
  RecurRuntime >/dev/null
if ninja -C "$build" -t query RecurVulkan >/dev/null 2>&1; then
  BUILD_DIR="$build" bash "$root/scripts/build.sh" RecurVulkan >/dev/null
fi
if ninja -C "$build" -t query RecurCUDA >/dev/null 2>&1; then
  BUILD_DIR="$build" bash "$root/scripts/build.sh" RecurCUDA >/dev/null
fi
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in our
# instrumented code and hands memory out from Debian's uninstrumented
# libMLIR, which does not unpoison it; those reports are false positives.
# A report exits with 86 (ASan) or 87 (UBSan), never with a tool's own
# error status (test/Runtime/safetensors.py expects exactly 1).
ASAN_OPTIONS=allow_user_poisoning=0:exitcode=86 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
  exec /usr/lib/llvm-22/bin/lit -sv "$build/test"
