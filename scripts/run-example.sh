#!/usr/bin/env bash
# The main job on the built-in example: installs what is missing, builds
# recur and its runtime library, writes a 2-layer Mamba-2 stack and a
# 2-layer Gated DeltaNet stack from examples/configs/ (python3 -m
# recur.models), compiles them with recur-compile, writes small random
# weights to safetensors files, links both objects into
# examples/linked_models.c, and runs it: a prefill, then decode steps,
# with the time per token of each and every output checked against the
# NumPy float64 reference (examples/run_linked_models.py). Then a whole
# model from a checkpoint directory: a 4-layer Mamba-2 with bf16 weights
# sharded behind model.safetensors.index.json, generating 16 tokens on the
# CPU and through the vulkan target, checked against the reference's
# tokens (examples/run_whole_model.py).
# Arguments: [B T steps repetitions] (default 1 256 32 5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" recur-compile RecurRuntime >/dev/null
# The vulkan target's runtime, where Vulkan was found.
bash "$root/scripts/build.sh" RecurVulkan >/dev/null 2>&1 || true
/usr/bin/python3 "$root/examples/run_linked_models.py" "$build" "$@"
exec /usr/bin/python3 "$root/examples/run_whole_model.py" "$build"
