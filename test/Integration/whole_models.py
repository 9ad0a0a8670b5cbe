# Execution test of whole models (python3 -m recur.models build MODEL_DIR:
# token ids in, logits out) against the float64 reference, for Mamba (tied
# embeddings, the default of its config class), Mamba-2 (an lm_head of its
# own) and Qwen3-Next (Gated DeltaNet and gated attention layers as
# layer_types lays them out, or, without it, full_attention_interval; a
# mixture of experts with a shared expert, top-k routing and renormalized
# weights; a dense SwiGLU layer from mlp_only_layers) and RecurrentGemma (recurrent and
# local attention layers as block_types lays them out, the window shorter
# than prompt and generation, GeGLU MLP blocks with biases, embeddings
# scaled by sqrt(d) in bf16, logits soft-capped, a tied lm_head) and
# Nemotron-H (Mamba-2, attention, squared-ReLU MLP and Nemotron-3's MoE
# layers of its pattern: a sigmoid router whose score correction bias
# changes the choice, a routed scale, a shared expert; bf16 weights) and fla's GLA, RetNet and HGRN2 (SwiGLU MLPs of
# fla's default width; HGRN2's forget gates lifted by the model's lower
# bounds) and RWKV-6 (time mix and channel mix blocks with LayerNorms,
# the embeddings' pre_ln, head.weight) and Kimi Linear (KDA and MLA
# layers as linear_attn_config lays them out, a dense first MLP, then
# mixtures of experts with DeepSeek-V3's sigmoid router and a shared
# expert; bf16 weights) and Qwen3.5 (a multimodal config's text_config;
# the Gated DeltaNet's separate projections, M-RoPE sections, names under
# model.language_model), each from a checkpoint directory's
# config.json in the published format: the prefill's logits of the last
# position, the logits of every position (--all-logits), greedy generation
# through the step function (the attention layers' KV caches growing)
# equal to the reference's tokens, token ids outside the vocabulary, which
# the compiled embedding clamps (no read outside the table) and `generate`
# refuses, and bf16 and f16 checkpoints (`torch_dtype`, `dtype`), whose
# weights stay in their type.
#
# RUN: rm -rf %t && %python %s %t

import json
import os
import subprocess
import sys

import numpy as np

from recur.models import whole
from recur.models.config import Config
from recur.runner import compile_module
from recur.testing import Inputs, check

SOURCE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(SOURCE, "..", "..", "examples", "configs")
BATCH, PROMPT, GENERATED = 2, 7, 6
# The example config of each family's whole model, and whether its
# lm_head is the embedding.
EXAMPLES = {"mamba": ("mamba-tiny.json", True),
            "mamba2": ("mamba2-tiny.json", False),
            "nemotron_h": ("nemotron_h_model-tiny.json", False),
            "qwen3_next": ("qwen3_next-tiny.json", False),
            "recurrent_gemma": ("recurrent_gemma_hybrid-tiny.json", True),
            "gla": ("gla-tiny.json", False),
            "retnet": ("retnet-tiny.json", False),
            "hgrn2": ("hgrn2_model-tiny.json", False),
            "rwkv6": ("rwkv6-tiny.json", False),
            "kimi_linear": ("kimi_linear-tiny.json", False),
            "qwen3_5": ("qwen3_5-tiny.json", False)}


def build(model_dir: str, output: str, *flags) -> None:
    """python3 -m recur.models build, as a user runs it."""
    subprocess.run([sys.executable, "-m", "recur.models", "build", model_dir,
                    "-o", output, *flags], check=True, capture_output=True)


def run_model(model, m, weights, function, ids, states):
    """(logits, next states) of one call."""
    return whole.call(model, m, weights, function, ids, states)


def test_family(family: str, workdir: str, rand: Inputs,
                dtype_field=None) -> None:
    """`dtype_field`: (field, value) of the checkpoint's dtype, e.g.
    ("torch_dtype", "bfloat16"): the weights are of that type."""
    label = family if dtype_field is None else f"{family}.{dtype_field[1]}"
    model_dir = os.path.join(workdir, label)
    os.makedirs(model_dir)
    example, tied = EXAMPLES[family]
    with open(os.path.join(CONFIGS, example)) as f:
        fields = json.load(f)
    if dtype_field:
        fields[dtype_field[0]] = dtype_field[1]
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(fields, f)
    module = whole.FAMILY_MODULES[family]
    m = whole.parse(Config(fields, family, module.KNOWN), family)
    assert m.tied == tied, family
    family = label
    weights = whole.random_weights(m, rand)
    ids = rand.rng.integers(0, m.vocab_size, (BATCH, PROMPT)).astype(np.int32)
    states = whole.zero_states(m, BATCH)

    # The last position's logits, and every position's.
    build(model_dir, os.path.join(model_dir, "model.mlir"))
    with open(os.path.join(model_dir, "model.mlir")) as f:
        model = compile_module(f.read(), os.path.join(model_dir, "last"))
    logits, next_states = run_model(model, m, weights, "model", ids, states)
    expected, expected_states = whole.reference(m, weights, ids, states)
    check(f"{family}.logits", logits, expected, "f32")
    for state in states:
        check(f"{family}.{state}", next_states[state],
              expected_states[state], "f32")

    build(model_dir, os.path.join(model_dir, "all.mlir"), "--all-logits")
    with open(os.path.join(model_dir, "all.mlir")) as f:
        every = compile_module(f.read(), os.path.join(model_dir, "all"))
    m.all_logits = True
    logits, _ = run_model(every, m, weights, "model", ids, states)
    check(f"{family}.all_logits", logits,
          whole.reference(m, weights, ids, states)[0], "f32")
    m.all_logits = False

    # Greedy generation: a prefill, then one step per token.
    tokens = whole.generate(
        lambda i, s: run_model(model, m, weights, "model_step", i, s),
        lambda i, s: run_model(model, m, weights, "model", i, s),
        m, ids, GENERATED, states)
    expected_tokens = whole.generate(
        lambda i, s: whole.reference(m, weights, i, s),
        lambda i, s: whole.reference(m, weights, i, s),
        m, ids, GENERATED, states)
    if not np.array_equal(tokens, expected_tokens):
        raise SystemExit(f"{family}: generated {tokens.tolist()}, the "
                         f"reference {expected_tokens.tolist()}")
    if len(set(tokens.ravel().tolist())) < 3:
        raise SystemExit(f"{family}: degenerate generation {tokens.tolist()}")
    print(f"ok {family}.generate {tokens.tolist()}")

    # Ids outside the vocabulary read the clamped rows, never past the
    # table; generate refuses them.
    wild = ids.copy()
    wild[0, 0], wild[1, -1] = -5, m.vocab_size + 3
    logits, _ = run_model(model, m, weights, "model", wild, states)
    clamped = np.clip(wild, 0, m.vocab_size - 1)
    check(f"{family}.clamped_ids", logits,
          whole.reference(m, weights, clamped, states)[0], "f32")
    try:
        whole.generate(None, None, m, wild, 1, states)
    except ValueError as error:
        print(f"ok {family}.refused: {error}")
    else:
        raise SystemExit(f"{family}: generate took ids outside the "
                         "vocabulary")


def interval_layout() -> None:
    """Without layer_types, every full_attention_interval-th Qwen3-Next
    layer is attention."""
    with open(os.path.join(CONFIGS, EXAMPLES["qwen3_next"][0])) as f:
        fields = json.load(f)
    del fields["layer_types"]
    fields.update(num_hidden_layers=8, full_attention_interval=4,
                  mlp_only_layers=[])
    module = whole.FAMILY_MODULES["qwen3_next"]
    m = whole.parse(Config(fields, "qwen3_next", module.KNOWN),
                    "qwen3_next")
    kinds = "".join("F" if layer.family.FAMILY == "qwen3_next_attention"
                    else "L" for layer in m.stack)
    if kinds != "LLLFLLLF":
        raise SystemExit(f"full_attention_interval 4 laid out {kinds}")
    print(f"ok full_attention_interval 4: {kinds}")


def main(workdir: str) -> None:
    interval_layout()
    rand = Inputs(seed=23)
    for family in sorted(whole.FAMILY_MODULES):
        test_family(family, workdir, rand)
    # Weights in a checkpoint's 16-bit types: the projections and the
    # embeddings read them as they are, the rest is widened; the reference
    # takes the same rounded values.
    test_family("mamba2", workdir, rand, ("torch_dtype", "bfloat16"))
    test_family("mamba", workdir, rand, ("dtype", "float16"))
    test_family("qwen3_next", workdir, rand, ("torch_dtype", "bfloat16"))
    test_family("rwkv6", workdir, rand, ("torch_dtype", "bfloat16"))


if __name__ == "__main__":
    main(sys.argv[1])
