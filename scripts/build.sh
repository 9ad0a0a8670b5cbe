#!/usr/bin/env bash
# Configures (once) and builds recur in build/ with Debian's LLVM/MLIR 22.
# BUILD_DIR overrides the directory, RECUR_CMAKE_ARGS adds configure options
# (read when the directory is first configured); extra arguments go to ninja.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
llvm=/usr/lib/llvm-22

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" -DMLIR_LINK_MLIR_DYLIB=ON \
    -DLLVM_EXTERNAL_LIT="$llvm/bin/lit" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$llvm/bin/clang" -DCMAKE_CXX_COMPILER="$llvm/bin/clang++" \
    -DLLVM_USE_LINKER=lld ${RECUR_CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$build" "$@"
