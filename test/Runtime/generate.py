# The token generator of the runtime library (recur/runtime/generate.h)
# with a whole Nemotron-H model (Mamba-2, MLP and attention layers: replaced
# states and a growing KV cache), compiled by recur-compile and linked into
# a C program (Inputs/generate.c) that loads its bf16 weights from a
# sharded checkpoint directory: greedy generation of 2 sequences equals the
# float64 reference's tokens; seeded sampling gives the same tokens for the
# same seed; top_k 1 is greedy whatever the temperature; a stop id ends its
# sequence (the rest of the row -1) while the other goes on; the weights'
# memory (recur_weights_bytes) is every weight at 2 bytes (the packed
# matrices' panels padded to 16 rows); an id outside
# the vocabulary and an invalid sampling are refused with a message. On
# the vulkan target too (RECUR_TEST_TARGET=vulkan: the generator calls the
# tables through recur_vk_call_host).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %S/Inputs %recur_src %cc

import json
import os
import subprocess
import sys

import numpy as np

from recur import safetensors
from recur.models import whole
from recur.testing import Inputs, build_c_program, runtime_libraries

WORK, INPUTS, SRC, CC = sys.argv[1:5]
# The model's target: the CPU, or vulkan (test/Vulkan/generate.test).
TARGET = os.environ.get("RECUR_TEST_TARGET", "cpu")
TOKENS = 6
REPORTED = ""          # the program's stderr of the last run


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def build(model_dir):
    subprocess.run([sys.executable, "-m", "recur.models", "build", model_dir,
                    "-o", os.path.join(WORK, "model.mlir")], check=True,
                   capture_output=True)
    obj = os.path.join(WORK, "model.o")
    subprocess.run([os.environ["RECUR_COMPILE"],
                    os.path.join(WORK, "model.mlir"), "-o", obj,
                    f"--target={TARGET}"], check=True)
    if TARGET == "vulkan":
        # The tables through recur_vk_call_host (recur's Vulkan runtime).
        libs = ["-DRECUR_VULKAN", *os.environ["RECUR_VULKAN_LDFLAGS"].split(),
                "-lm"]
    else:
        libs = runtime_libraries()
    return build_c_program(CC, os.path.join(INPUTS, "generate.c"), obj, WORK,
                           SRC, os.path.join(WORK, "generate"), libs)


def run(program, model_dir, prompt, temperature=0.0, top_k=0, top_p=1.0,
        seed=0, stop=()):
    """(status, ids [B, TOKENS] or the message, counts)."""
    out = subprocess.run(
        [program, model_dir, str(prompt.shape[0]),
         ",".join(str(i) for i in prompt.ravel()), str(TOKENS),
         str(temperature), str(top_k), str(top_p), str(seed),
         ",".join(str(s) for s in stop) or "-"],
        capture_output=True, text=True)
    lines = out.stdout.splitlines()
    global REPORTED
    REPORTED = out.stderr
    if out.returncode:
        return out.returncode, lines[0] if lines else out.stderr, None
    rows = lines[0][len("ids:"):].split("|")
    ids = np.array([[int(i) for i in row.split()] for row in rows])
    counts = [int(c) for c in lines[1][len("counts:"):].split()]
    return 0, ids, counts


def main():
    model_dir = os.path.join(WORK, "model")
    os.makedirs(model_dir)
    with open(os.path.join(SRC, "examples", "configs",
                           "nemotron_h_model-tiny.json")) as f:
        fields = json.load(f)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(fields, f)
    m = whole.load(model_dir)
    rand = Inputs(seed=5)
    weights = whole.random_weights(m, rand)
    published = whole.published_weights(weights)
    safetensors.save_sharded(model_dir, published,
                             {name: "bf16" for name in published},
                             shard_bytes=64 * 1024)
    program = build(model_dir)
    prompt = rand.rng.integers(0, m.vocab_size, (2, 7)).astype(np.int32)

    status, ids, counts = run(program, model_dir, prompt)
    expected = whole.generate(
        lambda i, s: whole.reference(m, weights, i, s),
        lambda i, s: whole.reference(m, weights, i, s),
        m, prompt, TOKENS, whole.zero_states(m, 2))
    expect(status == 0 and np.array_equal(ids, expected) and
           counts == [TOKENS, TOKENS],
           f"greedy: {status} {ids} {counts}, the reference {expected}")
    print(f"ok greedy {ids.tolist()} (the reference's)")
    # recur_weights_bytes: every weight in bf16, a packed one in its panels
    # (the interface file's shape, its rows padded to 16).
    with open(os.path.join(WORK, "model.json")) as f:
        prefill = json.load(f)["functions"][0]
    buffers = {b["name"]: b for b in prefill["buffers"]}
    packed = [b for b in buffers.values() if "packed_rows" in b]
    expect(packed, "the model's matrices are packed")
    size = 2 * sum(int(np.prod(buffers[whole.builder.arg_name(name)]
                               ["shape"]))
                   for name in whole.weight_shapes(m))
    expect(f"weights: {size} bytes" in REPORTED, f"{REPORTED!r}, {size}")
    print(f"ok recur_weights_bytes: {size}")

    _, once, _ = run(program, model_dir, prompt, 1.0, 20, 0.9, seed=7)
    _, again, _ = run(program, model_dir, prompt, 1.0, 20, 0.9, seed=7)
    expect(np.array_equal(once, again), f"seed 7: {once} then {again}")
    _, other, _ = run(program, model_dir, prompt, 1.0, 0, 1.0, seed=8)
    _, top1, _ = run(program, model_dir, prompt, 5.0, 1, 1.0, seed=9)
    expect(np.array_equal(top1, expected), f"top_k 1: {top1}")
    print(f"ok sampling: seed 7 {once.tolist()} twice, seed 8 "
          f"{other.tolist()}, top_k 1 greedy")

    stop = int(expected[0, 1])
    status, ids, counts = run(program, model_dir, prompt, stop=[stop])
    first = list(expected[0]).index(stop) + 1
    second = list(expected[1]).index(stop) + 1 if stop in expected[1] \
        else TOKENS
    expect(status == 0 and counts == [first, second] and
           list(ids[0, :first]) == list(expected[0, :first]) and
           all(i == -1 for i in ids[0, first:]),
           f"stop {stop}: {ids} {counts}")
    print(f"ok stop {stop}: counts {counts}, {ids.tolist()}")

    bad = prompt.copy()
    bad[1, 3] = m.vocab_size
    status, message, _ = run(program, model_dir, bad)
    expect(status == 1 and "outside the vocabulary" in message, message)
    print(f"ok {message}")
    status, message, _ = run(program, model_dir, prompt, top_p=0.0)
    expect(status == 1 and "top_p" in message, message)
    print(f"ok {message}")
    print("generate: OK")


if __name__ == "__main__":
    main()
