#!/usr/bin/env bash
# test/Package/install.test: the consumer built by hand against the
# installed prefix $1/prefix through pkg-config (recur-runtime.pc) and the
# installed recur-compile, with the C compiler $2, from the sources in $3;
# runs it on $1/w.safetensors.
set -euo pipefail
work="$1/pkg-config" cc="$2" src="$3"
mkdir -p "$work"
export PKG_CONFIG_PATH="$1/prefix/lib/pkgconfig"
"$1/prefix/bin/recur-compile" "$src/scaled.mlir" -o "$work/scaled.o"
# shellcheck disable=SC2046
"$cc" $(pkg-config --cflags recur-runtime) -I"$work" "$src/main.c" \
  "$work/scaled.o" $(pkg-config --libs recur-runtime) -lomp -lm \
  -o "$work/consumer"
"$work/consumer" "$1/w.safetensors"
