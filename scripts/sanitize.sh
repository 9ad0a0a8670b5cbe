#!/usr/bin/env bash
# The sanitizer configuration: builds recur's own code with ASan and UBSan in
# build-asan/ and runs the whole lit suite with those tools. Not part of CI
# (it doubles the build); run it after changes to passes or verifiers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q 'install ok installed'; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libclang-rt-22-dev >/dev/null
fi
build="$root/build-asan"
BUILD_DIR="$build" RECUR_CMAKE_ARGS=-DRECUR_ENABLE_SANITIZERS=ON \
  bash "$root/scripts/build.sh" recur-opt recur-compile >/dev/null
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in our
# instrumented code and hands memory out from Debian's uninstrumented
# libMLIR, which does not unpoison it; those reports are false positives.
ASAN_OPTIONS=allow_user_poisoning=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  exec /usr/lib/llvm-22/bin/lit -sv "$build/test"
