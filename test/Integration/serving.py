# Execution test of the serving functions of whole models (serving.py)
# against the float64 reference run one sequence at a time, for every
# family whose states have static shapes (no KV cache): a pooled step whose
# rows pick slots in any order, one row skipped (-1); a packed
# variable-length prefill with an empty prompt and a skipped row; speculative
# verification of draft tokens (the logits of every position and the state
# after each token, the pools untouched) and the acceptance of a prefix of
# each row's drafts. The slots no row names keep their bits. Bad slot
# indices and offsets get a status naming the entry before anything is
# written. Models with KV caches are refused.
#
# RUN: rm -rf %t && %python %s %t

import json
import os
import subprocess
import sys

import numpy as np

from recur.models import builder, serving, whole
from recur.models.config import Config
from recur.runner import compile_module
from recur.testing import Inputs, check

SOURCE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(SOURCE, "..", "..", "examples", "configs")
EXAMPLES = {"mamba": "mamba-tiny.json", "mamba2": "mamba2-tiny.json",
            "gla": "gla-tiny.json", "retnet": "retnet-tiny.json",
            "hgrn2": "hgrn2_model-tiny.json", "rwkv6": "rwkv6-tiny.json"}
SLOTS = 5


def weights_in(weights):
    """The weights by their argument names."""
    return {builder.arg_name(name): value for name, value in weights.items()}


def reference(m, weights, ids, pool, slot):
    """The model's reference on one sequence `ids` [1, T] from slot
    `slot` of the pools: (logits of the last token [1, 1, V], states)."""
    states = {name: value[slot:slot + 1] for name, value in pool.items()}
    return whole.reference(m, weights, ids, states)


def expect_unchanged(label, before, after, slots):
    for name in before:
        for slot in slots:
            if not np.array_equal(before[name][slot], after[name][slot]):
                raise SystemExit(f"{label}: slot {slot} of {name} changed")


def expect_status(label, model, function, inputs, words):
    try:
        model.run(function, inputs)
    except RuntimeError as error:
        if not all(word in str(error) for word in words):
            raise SystemExit(f"{label}: unexpected message {error}")
        print(f"ok {label}: {error}")
        return
    raise SystemExit(f"{label}: no status")


def build(workdir, label, fields, *flags):
    """python3 -m recur.models build --serving, as a user runs it: the
    description, or the CompletedProcess of a refusal."""
    model_dir = os.path.join(workdir, label + ".checkpoint")
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(fields, f)
    result = subprocess.run([sys.executable, "-m", "recur.models", "build",
                             model_dir, "--serving", *flags],
                            capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else result


def refusals(workdir):
    """A model with KV caches, and --all-logits, are refused."""
    for label, example, flags, words in (
            ("kv_caches", "qwen3_next-tiny.json", (), "has KV caches"),
            ("all_logits", "mamba2-tiny.json", ("--all-logits",),
             "do not go together")):
        with open(os.path.join(CONFIGS, example)) as f:
            result = build(workdir, label, json.load(f), *flags)
        if isinstance(result, str) or result.returncode != 1 or \
                words not in result.stderr:
            raise SystemExit(f"{label}: not refused")
        print(f"ok refused {label}: {result.stderr.strip()}")


def test_family(family, workdir, rand):
    with open(os.path.join(CONFIGS, EXAMPLES[family])) as f:
        fields = json.load(f)
    m = whole.parse(Config(fields, family, whole.FAMILY_MODULES[family].KNOWN),
                    family)
    assert serving.supports(m), family
    model = compile_module(build(workdir, family, fields),
                           os.path.join(workdir, family))
    weights = whole.random_weights(m, rand)
    w = weights_in(weights)
    pool = {name: rand.normal((SLOTS,) + shape, scale=0.5)
            for name, shape in whole.state_shapes(m).items()}
    vocab = m.vocab_size

    # A pooled step: rows take slots 3, none, 0, 1.
    slots = np.array([3, -1, 0, 1], dtype=np.int32)
    ids = rand.rng.integers(0, vocab, (len(slots), 1)).astype(np.int32)
    out = model.run("model_pool_step",
                    {**w, **pool, "input_ids": ids, "state_indices": slots})
    for row, slot in enumerate(slots):
        if slot < 0:
            continue
        logits, states = reference(m, weights, ids[row:row + 1], pool, slot)
        check(f"{family}.pool_step.logits{row}", out["logits"][row:row + 1],
              logits, "f32")
        for name in pool:
            check(f"{family}.pool_step.{name}{row}", out[name][slot:slot + 1],
                  states[name], "f32")
    expect_unchanged(f"{family}.pool_step", pool, out, [2, 4])

    # A packed prefill: prompts of 4, 0, 5 (skipped) and 6 tokens.
    slots = np.array([2, 0, -1, 4], dtype=np.int32)
    offsets = np.array([0, 4, 4, 9, 15], dtype=np.int32)
    ids = rand.rng.integers(0, vocab, (1, offsets[-1])).astype(np.int32)
    inputs = {**w, **pool, "input_ids": ids, "state_indices": slots,
              "cu_seqlens": offsets}
    out = model.run("model_pool_prefill", inputs)
    for row, slot in enumerate(slots):
        start, end = offsets[row], offsets[row + 1]
        if slot < 0 or end == start:
            if np.any(out["logits"][row]):
                raise SystemExit(f"{family}: logits of skipped row {row}")
            continue
        logits, states = reference(m, weights, ids[:, start:end], pool, slot)
        check(f"{family}.pool_prefill.logits{row}",
              out["logits"][row:row + 1], logits, "f32")
        for name in pool:
            check(f"{family}.pool_prefill.{name}{row}",
                  out[name][slot:slot + 1], states[name], "f32")
    expect_unchanged(f"{family}.pool_prefill", pool, out, [0, 1, 3])

    # Speculative decoding: 3 draft tokens for rows on slots 1 and 3; the
    # first keeps 2 of them, the second none.
    slots = np.array([1, 3], dtype=np.int32)
    drafts = rand.rng.integers(0, vocab, (2, 3)).astype(np.int32)
    out = model.run("model_pool_verify",
                    {**w, **pool, "input_ids": drafts, "state_indices": slots})
    for row, slot in enumerate(slots):
        states = {name: value[slot:slot + 1] for name, value in pool.items()}
        for t in range(drafts.shape[1]):
            logits, states = whole.reference(
                m, weights, drafts[row:row + 1, t:t + 1], states)
            check(f"{family}.pool_verify.logits{row}.{t}",
                  out["logits"][row:row + 1, t:t + 1], logits, "f32")
            for name in pool:
                check(f"{family}.pool_verify.{name}{row}.{t}",
                      out[name + serving.STEPS_SUFFIX][row:row + 1, t],
                      states[name], "f32")
    steps = {name + serving.STEPS_SUFFIX: out[name + serving.STEPS_SUFFIX]
             for name in pool}
    accepted = np.array([2, 0], dtype=np.int32)
    kept = model.run("model_pool_accept", {**pool, **steps,
                                           "state_indices": slots,
                                           "accepted": accepted})
    for name in pool:
        if not np.array_equal(kept[name][1],
                              steps[name + serving.STEPS_SUFFIX][0, 1]):
            raise SystemExit(f"{family}: slot 1 of {name} is not the state "
                             "after the second accepted token")
    expect_unchanged(f"{family}.pool_accept", pool, kept, [0, 2, 3, 4])
    print(f"ok {family}.pool_accept")
    return model, w, pool


def bad_inputs(model, w, pool):
    step = {**w, **pool, "input_ids": np.zeros((2, 1), np.int32)}
    for label, slots, words in (
            ("slot_range", [1, SLOTS], ["'state_indices'[1] = 5", "slots"]),
            ("slot_negative", [-2, 0], ["'state_indices'[0] = -2"]),
            ("slot_twice", [3, 3], ["gives slot 3 to two rows",
                                    "second at 1"])):
        expect_status(label, model, "model_pool_step",
                      {**step, "state_indices": np.array(slots, np.int32)},
                      words)
    prefill = {**w, **pool, "input_ids": np.zeros((1, 6), np.int32)}
    for label, rows, offsets, words in (
            ("offsets_size", 2, [0, 6], ["'cu_seqlens' has 2 entries",
                                         "B + 1 = 3"]),
            ("offsets_start", 2, [1, 3, 6], ["'cu_seqlens'[0] = 1, not 0"]),
            ("offsets_decrease", 3, [0, 4, 3, 6],
             ["'cu_seqlens'[2] = 3 is less than the entry before"]),
            ("offsets_end", 2, [0, 3, 5], ["ends at 5", "N = 6 tokens"])):
        expect_status(label, model, "model_pool_prefill",
                      {**prefill, "cu_seqlens": np.array(offsets, np.int32),
                       "state_indices": np.arange(rows, dtype=np.int32)},
                      words)


def main(workdir):
    refusals(workdir)
    rand = Inputs(seed=41)
    compiled = None
    for family in sorted(EXAMPLES):
        result = test_family(family, workdir, rand)
        compiled = compiled or (result, family)
    (model, w, pool), family = compiled
    bad_inputs(model, w, pool)


if __name__ == "__main__":
    main(sys.argv[1])
