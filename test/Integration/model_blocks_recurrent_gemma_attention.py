# The local attention block of Griffin / RecurrentGemma
# (python/recur/models/recurrent_gemma_attention.py, Hugging Face's
# RecurrentGemmaSdpaAttention) compiled and run against its float64 NumPy
# reference (a token loop written from the modeling code, with its own
# partial rotary embedding): the example config (4 query heads on 1 KV head,
# head_dim 16 of which 8 rotate, a window of 8 tokens, shorter than the
# calls) and an odd one (3 query heads on 1 KV head, head_dim 12 of which 6
# rotate, window 5, q/k/v biases, rope_parameters with theta 500), each with
# an empty KV cache (S = 0) and caches of earlier tokens (one longer than
# the window), from random positions. A prefill followed by single-token
# calls of the step function, each call's new keys and values appended to
# the cache, equals one call. The reference gives the same output with the
# cache trimmed to its last window - 1 entries (the caller's contract).
# The hybrid stack (recurrent_gemma_hybrid: recurrent, recurrent, attention
# from block_types, temporal pre-norm with 1 + weight, residual) matches
# the layers' references chained, and so do its steps; `--layers 2` writes
# the first two layers. Bad configs give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import subprocess
import sys

import numpy as np

from recur import reference as ref
from recur.models import (Config, FAMILIES, builder, checks, load_config,
                          recurrent_gemma, recurrent_gemma_attention,
                          recurrent_gemma_hybrid)
from recur.testing import Inputs, check

WORK, SRC = sys.argv[1], sys.argv[2]
FAMILY = recurrent_gemma_attention
EXAMPLE = os.path.join(SRC, "examples", "configs",
                       "recurrent_gemma_attention-tiny.json")
ODD = {"hidden_size": 36, "num_attention_heads": 3, "num_key_value_heads": 1,
       "attention_window_size": 5, "attention_bias": True,
       "rope_parameters": {"rope_type": "default", "rope_theta": 500.0,
                           "partial_rotary_factor": 0.5},
       "block_types": ["recurrent", "attention"], "rms_norm_eps": 1e-5}


def bad_configs():
    name = FAMILY.FAMILY
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "attention_window": 5}, "unknown field 'attention_window'"),
        ({**ODD, "num_key_value_heads": 2}, "field 'num_key_value_heads' "
         "(2) must divide num_attention_heads (3)"),
        ({**ODD, "num_attention_heads": 5}, "field 'num_attention_heads' "
         "(5) must divide hidden_size (36)"),
        ({**ODD, "head_dim": 16}, "field 'head_dim' (16) must be "
         "hidden_size / num_attention_heads (12)"),
        ({**ODD, "attention_window_size": 0}, "field "
         "'attention_window_size' must be >= 1, got 0"),
        ({**ODD, "attention_bias": "no"}, "field 'attention_bias' must be "
         "true or false"),
        ({**ODD, "rope_parameters": None, "partial_rotary_factor": 1.0},
         "field 'partial_rotary_factor' (1.0) must rotate half of each "
         "head's 12 dims"),
        ({**ODD, "rope_parameters": None, "partial_rotary_factor": 0.25},
         "field 'partial_rotary_factor' (0.25) must rotate half"),
        ({**ODD, "rope_parameters": {"partial_rotary_factor": 0.3}},
         "field 'rope_parameters.partial_rotary_factor' (0.3) must rotate "
         "half"),
        ({**ODD, "hidden_size": 18, "rope_parameters": None},
         "field 'partial_rotary_factor' gives an odd rotary part (3 of "
         "head_dim 6)"),
        ({**ODD, "rope_parameters": {"rope_type": "linear"}},
         "field 'rope_parameters' with a rope_type other than \"default\" "
         "is not supported"),
        ({**ODD, "rope_parameters": {"factor": 2.0}},
         "unknown field 'rope_parameters.factor'"),
        ({**ODD, "rope_parameters": [10000.0]},
         "field 'rope_parameters' must be an object"),
        ({**ODD, "rope_parameters": {"rope_theta": -1}}, "field "
         "'rope_parameters.rope_theta' must be > 0"),
        ({**ODD, "rope_theta": "big", "rope_parameters": None},
         "field 'rope_theta' must be a finite number"),
        ({**ODD, "block_types": ["recurrent"]}, "field 'block_types' has "
         "no \"attention\" block"),
        ({**ODD, "block_types": ["attention", "mlp"]},
         "field 'block_types' must be a non-empty list"),
    ]
    for fields, message in cases:
        checks.check_bad_config(name, fields, message, WORK)
    hybrid = [
        ({**ODD, "lru_width": 31}, "recurrent_gemma_hybrid config: field "
         "'num_attention_heads' (3) must divide lru_width (31)"),
        ({**ODD, "num_hidden_layers": 0}, "field 'num_hidden_layers' must "
         "be >= 1, got 0"),
        ({**ODD, "block_types": ["recurrent", "local"]},
         "field 'block_types' must be a non-empty list"),
    ]
    for fields, message in hybrid:
        checks.check_bad_config("recurrent_gemma_hybrid", fields, message,
                                WORK)


def check_window_and_trim(c, rand):
    """The window matters at the test's lengths, and the reference gives
    the same output from the cache's last window - 1 entries."""
    w = FAMILY.random_weights(c, rand)
    x = rand.normal((2, 12, c.hidden_size))
    states = checks.random_states(rand, FAMILY.state_shapes(c), 2,
                                  {"S": c.window + 3})
    k, v, position = states.values()
    out, *_ = FAMILY.reference(c, w, x, k, v, position)
    keep = c.window - 1
    trimmed, *_ = FAMILY.reference(c, w, x, k[:, -keep:], v[:, -keep:],
                                   position)
    assert np.array_equal(out, trimmed)
    wide = FAMILY.RecurrentGemmaAttentionConfig(
        **{**c.__dict__, "window": 1000})
    unlimited, *_ = FAMILY.reference(wide, w, x, k, v, position)
    assert np.abs(out - unlimited).max() > 1e-2
    print("ok window: the last window - 1 cached entries suffice")


def chained(layers, weights, x, states):
    """The stack written out: temporal pre-norm (1 + weight), the layer's
    family reference, residual, layer by layer."""
    h = x
    results = {}
    for i, (family, c) in enumerate(layers):
        prefix = f"model.layers.{i}."
        mixer = {name[len(prefix + "temporal_block."):]: value
                 for name, value in weights.items()
                 if name.startswith(prefix + "temporal_block.")}
        normed = ref.rms_norm(h, 1.0 + weights[prefix +
                                               "temporal_pre_norm.weight"],
                              c.rms_norm_eps)
        names = list(family.state_shapes(c))
        mixed, *new = family.reference(
            c, mixer, normed, *[states[f"layers_{i}_{n}"] for n in names])
        h = h + mixed
        results.update({f"layers_{i}_{n}": v for n, v in zip(names, new)})
    return h, results


def check_chain(layers, rand):
    weights = builder.random_layers_weights(layers, rand)
    x = rand.normal((2, 6, layers[0][1].hidden_size))
    states = checks.random_states(rand, builder.layers_state_shapes(layers),
                                  2)
    out, results = builder.layers_reference(layers, weights, x, states)
    want, want_results = chained(layers, weights, x, states)
    check("rg_hybrid.chain.out", out, want, "f32")
    assert set(results) == set(want_results) == {
        "layers_0_conv_state", "layers_0_recurrent_state",
        "layers_0_position", "layers_1_conv_state",
        "layers_1_recurrent_state", "layers_1_position", "layers_2_k_cache",
        "layers_2_v_cache", "layers_2_position"}
    for name in results:
        check(f"rg_hybrid.chain.{name}", results[name], want_results[name],
              "f32")


def command_line():
    """--layers 2 writes the two recurrent layers."""
    result = subprocess.run(
        [sys.executable, "-m", "recur.models", "recurrent_gemma_hybrid",
         "--config", EXAMPLE, "--layers", "2", "-o",
         os.path.join(WORK, "two.mlir")],
        capture_output=True, text=True, check=True)
    listed = {line.split()[1] for line in result.stderr.splitlines()}
    c = load_config("recurrent_gemma_hybrid", EXAMPLE)
    assert listed == set(builder.layers_weight_shapes(
        recurrent_gemma_hybrid.layers(c, 2))), listed
    assert "model.layers.1.temporal_pre_norm.weight" in listed, listed
    assert not any(".2." in name for name in listed), listed
    print("ok command line")


def main():
    assert FAMILIES[FAMILY.FAMILY] is FAMILY
    assert FAMILIES["recurrent_gemma_hybrid"] is recurrent_gemma_hybrid
    rand = Inputs(seed=31)
    example = load_config(FAMILY.FAMILY, EXAMPLE)
    assert (example.num_heads, example.num_kv_heads, example.head_dim,
            example.rotary_dim, example.window) == (4, 1, 16, 8, 8), example
    odd = FAMILY.parse(Config(ODD, FAMILY.FAMILY, FAMILY.KNOWN))
    assert (odd.head_dim, odd.rotary_dim, odd.rope_theta, odd.window) == \
        (12, 6, 500.0, 5), odd
    assert set(FAMILY.weight_shapes(odd)) == {
        f"{p}_proj.{k}" for p in "qkvo" for k in ("weight", "bias")}
    assert set(FAMILY.weight_shapes(example)) == {
        "q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight",
        "o_proj.bias"}
    check_window_and_trim(example, rand)
    for label, c, caches in (("example", example, (0, 5, 11)),
                             ("odd", odd, (0, 4))):
        for cached in caches:
            checks.check_block(FAMILY, c, f"rg_attention.{label}.S{cached}",
                               WORK, rand, sizes={"S": cached})
    text = builder.build_block(FAMILY, odd, "rg_attention_mixer")
    assert 'recur.name = "k_cache", recur.dim_names = ["B", "S"]' in text
    assert 'recur.name = "k_new"' in text and "k_cache_out" not in text
    assert 'recur.name = "position_out"' in text
    assert "window = 5 : i64" in text
    hybrid = load_config("recurrent_gemma_hybrid", EXAMPLE)
    layers = recurrent_gemma_hybrid.layers(hybrid)
    assert [family for family, _ in layers] == \
        [recurrent_gemma, recurrent_gemma, FAMILY], layers
    check_chain(layers, rand)
    for cached in (0, 4):
        checks.check_layers(layers, f"rg_hybrid.S{cached}", WORK, rand,
                            sizes={"S": cached})
    command_line()
    bad_configs()
    print("model blocks recurrent_gemma_attention: OK")


if __name__ == "__main__":
    main()
