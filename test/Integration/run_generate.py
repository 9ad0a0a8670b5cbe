# The runner, python3 -m recur.run, on a checkpoint directory as a user has
# one: config.json (Mamba-2, bf16) and random weights in the published
# layout, sharded behind model.safetensors.index.json. Greedy generation
# equals the float64 reference's tokens; seeded sampling (temperature,
# top-k, top-p) gives the same tokens twice; a stop token ends generation
# with it; a prompt id outside the vocabulary, a missing shard, a weight of
# the wrong shape and a bad argument each give one line naming it.
#
# RUN: rm -rf %t && %python %s %t

import json
import os
import shutil
import subprocess
import sys

import numpy as np

from recur import safetensors
from recur.models import whole
from recur.models.config import Config
from recur.runner import test_target
from recur.testing import Inputs

SOURCE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(SOURCE, "..", "..", "examples", "configs")
PROMPT = [3, 141, 59, 26, 53]
TOKENS = 6


def run(model_dir, workdir, *args):
    """(exit status, stdout, stderr) of the runner."""
    out = subprocess.run(
        [sys.executable, "-m", "recur.run", model_dir, "--target",
         test_target(), "--workdir", workdir, *args],
        capture_output=True, text=True)
    return out.returncode, out.stdout.strip(), out.stderr.strip()


def expect(condition, what):
    if not condition:
        raise SystemExit(f"FAIL: {what}")


def main(workdir: str) -> None:
    model_dir = os.path.join(workdir, "mamba2")
    os.makedirs(model_dir)
    with open(os.path.join(CONFIGS, "mamba2-tiny.json")) as f:
        fields = json.load(f)
    fields["torch_dtype"] = "bfloat16"
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(fields, f)
    m = whole.parse(Config(fields, "mamba2", whole.mamba2.KNOWN), "mamba2")
    weights = whole.random_weights(m, Inputs(seed=31))
    shards = safetensors.save_sharded(
        model_dir, weights, {name: "bf16" for name in weights},
        shard_bytes=40000)
    expect(len(shards) > 1, f"one shard only: {shards}")
    build = os.path.join(workdir, "build")

    # Greedy: the reference's tokens.
    status, out, err = run(model_dir, build, "--prompt",
                           ",".join(map(str, PROMPT)), "--tokens",
                           str(TOKENS))
    expect(status == 0, f"greedy: {status} {err}")
    tokens = [int(t) for t in out.split()]
    prompt = np.array([PROMPT])
    expected = whole.generate(
        lambda i, s: whole.reference(m, weights, i, s),
        lambda i, s: whole.reference(m, weights, i, s), m, prompt, TOKENS,
        whole.zero_states(m, 1))[0].tolist()
    expect(tokens == expected, f"greedy {tokens}, the reference {expected}")
    expect("tokens/s" in err, f"no rates: {err!r}")
    size = whole.weights_bytes(m) / 2**20
    expect(f"weights: {size:.2f} MiB ({m.weight_dtype})" in err,
           f"no weights' memory: {err!r}")
    print(f"ok greedy from {len(shards)} shards: {tokens}; {err}")

    # Seeded sampling: the same tokens twice.
    sampling = ["--temperature", "0.8", "--top-k", "20", "--top-p", "0.9",
                "--seed", "7"]
    first = run(model_dir, build, "--prompt", "1 2 3", *sampling)
    second = run(model_dir, build, "--prompt", "1 2 3", *sampling)
    expect(first[0] == 0 and first[1] == second[1],
           f"sampling: {first} then {second}")
    sampled = [int(t) for t in first[1].split()]
    expect(len(sampled) == 16 and all(0 <= t < m.vocab_size
                                      for t in sampled), sampled)
    print(f"ok seeded sampling: {sampled}")

    # A stop token ends generation with it.
    status, out, _ = run(model_dir, build, "--prompt",
                         ",".join(map(str, PROMPT)), "--tokens",
                         str(TOKENS), "--stop", str(expected[1]))
    stopped = [int(t) for t in out.split()]
    expect(status == 0 and stopped == expected[:expected.index(
        expected[1]) + 1], f"stop: {status} {stopped}")
    print(f"ok stop at {expected[1]}: {stopped}")

    # Bad input: one line each.
    broken = os.path.join(workdir, "broken")
    shutil.copytree(model_dir, broken)
    os.remove(os.path.join(broken, shards[-1]))
    wrong = os.path.join(workdir, "wrong")
    os.makedirs(wrong)
    shutil.copy(os.path.join(model_dir, "config.json"), wrong)
    safetensors.save(os.path.join(wrong, "model.safetensors"),
                     {**weights, "backbone.norm_f.weight":
                      np.ones(3, np.float32)})
    for label, directory, args, message in [
            ("an id outside the vocabulary", model_dir, ["--prompt", "256"],
             "prompt ids must be in [0, 256)"),
            ("a missing shard", broken, ["--prompt", "1"],
             f"shard {shards[-1]} is missing"),
            ("a weight of the wrong shape", wrong, ["--prompt", "1"],
             "weight 'backbone.norm_f.weight' has shape [3], expected [64]"),
            ("no tokens", model_dir, ["--prompt", "1", "--tokens", "0"],
             "--tokens must be >= 1"),
            ("a bad top-p", model_dir,
             ["--prompt", "1", "--temperature", "1", "--top-p", "0"],
             "top-p must be in (0, 1]")]:
        status, out, err = run(directory, build, *args)
        expect(status == 1 and err.startswith("recur.run: error: ") and
               message in err and len(err.splitlines()) == 1,
               f"{label}: {status} {err!r}, expected {message!r}")
        print(f"ok {label}: {err}")


if __name__ == "__main__":
    main(sys.argv[1])
