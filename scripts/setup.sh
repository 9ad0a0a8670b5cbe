#!/usr/bin/env bash
# Installs every system package recur needs on a Debian 12 machine.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

packages=(
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  clang-22 lld-22 libomp-22-dev
  # ASan for the run-time check tests, sanitize.sh, fuzz.sh; the builtins,
  # whose names the build reserves
  libclang-rt-22-dev
  cmake ninja-build ccache
  pkgconf  # the installed runtime's pkg-config file (test/Package)
  python3  # the build reads reserved names (lib/Emit/gen_reserved_names.py)
  python3-numpy python3-pytest
  # the vulkan target's runtime and its tests on lavapipe
  mesa-vulkan-drivers libvulkan-dev spirv-tools
)

# The benchmark's plot (scripts/bench.sh) also needs matplotlib.
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-matplotlib)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
