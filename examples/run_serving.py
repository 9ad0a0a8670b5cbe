"""Serving a whole model with pooled states: three prompts of different
lengths packed into one prefill call, then speculative decoding (draft
tokens verified in one call, the accepted prefix kept), all on slots of a
state pool, each step checked against the float64 reference run one
sequence at a time.

    PYTHONPATH=python python3 examples/run_serving.py BUILD_DIR

(BUILD_DIR: where recur-compile is, build/ by default.)
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from recur.models import builder, serving, whole  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs  # noqa: E402

SLOTS, DRAFTS = 8, 4


def main(build_dir: str) -> None:
    os.environ.setdefault("RECUR_COMPILE",
                          os.path.join(build_dir, "bin", "recur-compile"))
    work = tempfile.mkdtemp(prefix="recur-serving-")
    model_dir = os.path.join(work, "mamba2")
    os.makedirs(model_dir)
    with open(os.path.join(HERE, "configs", "mamba2-tiny.json")) as f:
        config = json.load(f)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f)
    # The description with the serving functions, compiled for the CPU.
    text = subprocess.run(
        [sys.executable, "-m", "recur.models", "build", model_dir,
         "--serving"], check=True, capture_output=True, text=True).stdout
    model = compile_module(text, work, target="cpu")
    m = whole.load(model_dir)
    weights = whole.random_weights(m, Inputs(seed=5))
    w = {builder.arg_name(name): value for name, value in weights.items()}
    # The pool: every slot a fresh sequence.
    pool = {name: np.zeros((SLOTS,) + shape)
            for name, shape in whole.state_shapes(m).items()}
    rng = np.random.default_rng(7)

    # Three prompts (5, 9 and 3 tokens) on slots 6, 1 and 3, one call.
    prompts = [rng.integers(0, m.vocab_size, n).astype(np.int32)
               for n in (5, 9, 3)]
    slots = np.array([6, 1, 3], dtype=np.int32)
    offsets = np.cumsum([0] + [len(p) for p in prompts]).astype(np.int32)
    out = model.run("model_pool_prefill", {
        **w, **pool, "input_ids": np.concatenate(prompts)[None],
        "state_indices": slots, "cu_seqlens": offsets})
    pool = {name: out[name] for name in pool}
    for row, prompt in enumerate(prompts):
        logits, _ = whole.reference(m, weights, prompt[None],
                                    whole.zero_states(m, 1))
        if np.argmax(out["logits"][row, -1]) != np.argmax(logits[0, -1]):
            raise SystemExit(f"prompt {row}: not the reference's token")
    print(f"prefill: {len(prompts)} prompts of {[len(p) for p in prompts]} "
          f"tokens on slots {slots.tolist()}, one call (matches the "
          f"reference)")

    # Speculative steps: each row drafts DRAFTS tokens, the model verifies
    # them in one call, and each row keeps its drafts up to the first that
    # differs from the model's own choice, plus that choice. The drafts
    # here come from a perfect draft model (the float64 reference's greedy
    # tokens), one of them spoiled per round.
    greedy = [whole.generate(
        lambda i, s: whole.reference(m, weights, i, s),
        lambda i, s: whole.reference(m, weights, i, s),
        m, prompt[None], 3 * DRAFTS + 1, whole.zero_states(m, 1))[0]
        for prompt in prompts]
    tokens = [[int(np.argmax(out["logits"][row, -1]))]
              for row in range(len(prompts))]
    for round_ in range(3):
        drafts = np.array([greedy[row][len(t) - 1:len(t) - 1 + DRAFTS]
                           for row, t in enumerate(tokens)], dtype=np.int32)
        spoiled = 1 + round_ % (DRAFTS - 1)
        drafts[round_, spoiled] = (drafts[round_, spoiled] + 1) % m.vocab_size
        checked = model.run("model_pool_verify", {
            **w, **pool, "input_ids": drafts, "state_indices": slots})
        chosen = np.argmax(checked["logits"], axis=-1)
        accepted = np.ones(len(prompts), dtype=np.int32)
        for row in range(len(prompts)):
            while accepted[row] < DRAFTS and \
                    drafts[row, accepted[row]] == chosen[row,
                                                         accepted[row] - 1]:
                accepted[row] += 1
            tokens[row] += drafts[row, 1:accepted[row]].tolist()
            tokens[row].append(int(chosen[row, accepted[row] - 1]))
        steps = {name + serving.STEPS_SUFFIX:
                 checked[name + serving.STEPS_SUFFIX] for name in pool}
        kept = model.run("model_pool_accept", {
            **pool, **steps, "state_indices": slots, "accepted": accepted})
        pool = {name: kept[name] for name in pool}
        print(f"round {round_}: accepted {accepted.tolist()} of {DRAFTS} "
              "drafts")

    # The same tokens as greedy decoding, one sequence at a time in float64.
    for row, row_tokens in enumerate(tokens):
        if greedy[row][:len(row_tokens)].tolist() != row_tokens:
            raise SystemExit(f"row {row}: {row_tokens}, the reference "
                             f"{greedy[row][:len(row_tokens)].tolist()}")
        print(f"row {row}: {row_tokens} (matches the reference)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build")
