"""The README's main job, second part: a whole model from a checkpoint
directory, generating tokens.

    /usr/bin/python3 examples/run_whole_model.py <build dir>

1. writes a checkpoint directory as Hugging Face ships one: config.json
   (examples/configs/mamba2-tiny.json with 4 layers and bf16 weights) and
   random weights in the published layout (backbone.embeddings.weight,
   backbone.layers.N.*, ...), sharded behind model.safetensors.index.json;
2. generates 16 tokens greedily from a prompt with recur.run's Generator
   (the description from recur.models.whole, compiled by recur-compile,
   the weights loaded in bf16), on the CPU and, where a Vulkan device
   loads, through the vulkan target (lavapipe where there is no GPU);
3. checks the tokens against the float64 NumPy reference's, and prints the
   prefill's and the decode's tokens per second (exit status 1 on a
   mismatch).
"""

import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from recur import safetensors  # noqa: E402
from recur.models import whole  # noqa: E402
from recur.models.config import Config  # noqa: E402
from recur.run import Generator, Sampling  # noqa: E402
from recur.testing import Inputs  # noqa: E402

LAYERS, TOKENS = 4, 16
PROMPT = [[17, 4, 250, 99, 3, 61, 8, 200]]


def targets(build: str):
    """The targets to run on: cpu, and vulkan where its runtime was built
    and a device loads (not in the sanitizer build, whose runtime library
    needs the sanitizers' runtime, which this process does not have)."""
    found = ["cpu"]
    library = os.path.join(build, "runtime", "libRecurVulkan.a")
    sanitized = "-fsanitize" in os.environ.get("RECUR_RUNTIME_LDFLAGS", "")
    if os.path.exists(library) and not sanitized:
        try:
            import ctypes
            ctypes.CDLL("libvulkan.so.1")
            found.append("vulkan")
        except OSError:
            pass
    return found


def main(build: str) -> int:
    os.environ.setdefault("RECUR_COMPILE",
                          os.path.join(build, "bin", "recur-compile"))
    os.environ.setdefault("RECUR_CC", "/usr/lib/llvm-22/bin/clang")
    runtime = os.path.join(build, "runtime")
    os.environ.setdefault(
        "RECUR_VULKAN_LDFLAGS",
        f"{runtime}/libRecurVulkan.a {runtime}/libRecurRuntime.a "
        "-lpthread -ldl")
    os.environ.setdefault("RECUR_RUNTIME_INCLUDE",
                          os.path.join(HERE, "..", "runtime", "include"))
    work = tempfile.mkdtemp(prefix="recur-whole-model-")
    model_dir = os.path.join(work, "mamba2-checkpoint")
    os.makedirs(model_dir)
    with open(os.path.join(HERE, "configs", "mamba2-tiny.json")) as f:
        fields = json.load(f)
    fields.update(num_hidden_layers=LAYERS, torch_dtype="bfloat16")
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(fields, f, indent=2)
    m = whole.parse(Config(fields, "mamba2", whole.mamba2.KNOWN), "mamba2")
    weights = whole.random_weights(m, Inputs(seed=5))
    shards = safetensors.save_sharded(
        model_dir, weights, {name: "bf16" for name in weights},
        shard_bytes=64 << 10)
    print(f"checkpoint: {model_dir}: config.json, "
          f"{safetensors.INDEX_NAME} and {len(shards)} bf16 shards")

    prompt = np.array(PROMPT)
    expected = whole.generate(
        lambda i, s: whole.reference(m, weights, i, s),
        lambda i, s: whole.reference(m, weights, i, s), m, prompt, TOKENS,
        whole.zero_states(m, 1))[0].tolist()
    failed = False
    for target in targets(build):
        generator = Generator(model_dir, target,
                              os.path.join(work, f"build-{target}"))
        ids, prefill, decode = generator.generate(prompt, TOKENS, Sampling())
        tokens = ids[0].tolist()
        same = tokens == expected
        failed |= not same
        print(f"{target}: prompt {PROMPT[0]} -> {tokens} "
              f"({'matches' if same else 'DIFFERS FROM'} the reference); "
              f"prefill {prompt.shape[1] / prefill:.0f} tokens/s, decode "
              f"{(len(tokens) - 1) / decode:.0f} tokens/s")
    if failed:
        print(f"reference: {expected}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(HERE, "..", "build")))
