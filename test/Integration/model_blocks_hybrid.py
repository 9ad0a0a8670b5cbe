# The hybrid stack of Nemotron-H (python/recur/models/nemotron_h.py): Mamba-2
# and attention layers in the order of the config's pattern, each with its
# pre-norm and residual, compiled and run against the layers' float64
# references chained. The example config ("M*M") and an odd one (its
# layers_block_type list, legacy mamba_d_conv, projection biases, 3 query
# heads on 1 KV head), each with an empty KV cache and a cache of 4 tokens;
# a prefill followed by single-token calls of the step function, each call's
# new keys and values appended to the caches, equals one call. The chained
# reference is also checked against a hand-written chain of the families'
# references. `python3 -m recur.models nemotron_h --layers N` writes the
# first N layers; bad configs give one message naming the field. (The MLP
# layers, "-", run in test/Integration/whole_models.py's Nemotron-H.)
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import subprocess
import sys

from recur import reference as ref
from recur.models import (Config, FAMILIES, attention, builder, checks,
                          load_config, mamba2, nemotron_h)
from recur.testing import Inputs, check

WORK, SRC = sys.argv[1], sys.argv[2]
EXAMPLE = os.path.join(SRC, "examples", "configs", "nemotron_h-tiny.json")
ODD = {"hidden_size": 24, "layers_block_type": ["linear_attention",
                                                "full_attention", "mamba"],
       "mamba_num_heads": 3, "mamba_head_dim": 16, "ssm_state_size": 8,
       "n_groups": 1, "mamba_d_conv": 3, "use_bias": True,
       "num_attention_heads": 3, "num_key_value_heads": 1,
       "attention_bias": True, "layer_norm_epsilon": 1e-6}


def chained(layers, weights, x, states):
    """The stack written out: pre-norm, the layer's family reference,
    residual, layer by layer."""
    h = x
    results = {}
    for i, (family, c) in enumerate(layers):
        prefix = f"backbone.layers.{i}."
        mixer = {name[len(prefix + "mixer."):]: value
                 for name, value in weights.items()
                 if name.startswith(prefix + "mixer.")}
        normed = ref.rms_norm(h, weights[prefix + "norm.weight"],
                              c.layer_norm_epsilon)
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
    check("hybrid.chain.out", out, want, "f32")
    assert set(results) == set(want_results) == {
        "layers_0_conv_state", "layers_0_ssm_state", "layers_1_k_cache",
        "layers_1_v_cache", "layers_2_conv_state", "layers_2_ssm_state"}
    for name in results:
        check(f"hybrid.chain.{name}", results[name], want_results[name],
              "f32")


def command_line():
    """--layers 2 writes layers 0 and 1; --layers 4 of 3 is an error."""
    result = subprocess.run(
        [sys.executable, "-m", "recur.models", "nemotron_h", "--config",
         EXAMPLE, "--layers", "2", "-o", os.path.join(WORK, "two.mlir")],
        capture_output=True, text=True, check=True)
    listed = {line.split()[1] for line in result.stderr.splitlines()}
    layers = nemotron_h.layers(load_config("nemotron_h", EXAMPLE), 2)
    assert listed == set(builder.layers_weight_shapes(layers)), listed
    assert not any(".2." in name for name in listed), listed
    with open(os.path.join(WORK, "two.mlir")) as f:
        text = f.read()
    assert 'recur.name = "layers_1_k_new"' in text
    assert 'recur.name = "layers_0_ssm_state_out"' in text
    result = subprocess.run(
        [sys.executable, "-m", "recur.models", "nemotron_h", "--config",
         EXAMPLE, "--layers", "4"], capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.startswith(
        "recur.models: error: --layers: nemotron_h: 4 layers asked") and \
        len(result.stderr.splitlines()) == 1, result.stderr
    print("ok command line")


# The fields of Nemotron-3's MoE layers.
MOE = {"n_routed_experts": 4, "num_experts_per_tok": 2,
       "moe_intermediate_size": 8, "moe_shared_expert_intermediate_size": 8}


def bad_configs():
    base = {k: v for k, v in ODD.items() if k != "layers_block_type"}
    base["hybrid_override_pattern"] = "M*M"
    cases = [
        ({**base, "hybrid_override_pattern": "M*E"},
         "missing field 'n_routed_experts'"),
        ({**base, "norm_eps": 1e-5}, "field 'norm_eps' other than "
         "layer_norm_epsilon (1e-06) is not supported"),
        ({**base, **MOE, "hybrid_override_pattern": "M*E", "n_group": 2},
         "field 'topk_group' less than n_group (2) is not supported "
         "(grouped top-k)"),
        ({**base, **MOE, "hybrid_override_pattern": "M*E",
          "num_experts_per_tok": 5},
         "field 'num_experts_per_tok' (5) must be at most n_routed_experts "
         "(4)"),
        ({**base, "hybrid_override_pattern": "M-M", "mlp_hidden_act": "gelu"},
         "field 'mlp_hidden_act' is not supported (only \"relu2\")"),
        ({**base, "hybrid_override_pattern": "M*X"},
         "field 'hybrid_override_pattern' layer 2 has the unknown type \"X\""),
        ({k: v for k, v in base.items() if k != "hybrid_override_pattern"},
         "missing field 'hybrid_override_pattern'"),
        ({**ODD, "layers_block_type": "M*M"},
         "field 'layers_block_type' must be a non-empty list of strings"),
        ({**base, "n_groups": 2}, "field 'n_groups' (2) must divide "
         "mamba_num_heads (3)"),
        ({**base, "mamba_n_groups": 2}, "field 'mamba_n_groups' (2) must "
         "divide mamba_num_heads (3)"),
        ({**base, "mamba_hidden_act": "relu"}, "field 'mamba_hidden_act' is "
         "not supported"),
        ({**base, "time_step_limit": [0.0, 1.0]}, "field 'time_step_limit' "
         "other than [0, inf] is not supported"),
        ({**base, "num_key_value_heads": 2}, "nemotron_h config: field "
         "'num_key_value_heads' (2) must divide num_attention_heads (3)"),
        ({**base, "sliding_window": 16}, "field 'sliding_window' is not "
         "supported"),
        ({**base, "rope_scaling": {"type": "yarn"}},
         "unknown field 'rope_scaling'"),
    ]
    for fields, message in cases:
        checks.check_bad_config("nemotron_h", fields, message, WORK)


def main():
    assert FAMILIES["nemotron_h"] is nemotron_h
    rand = Inputs(seed=11)
    example = load_config("nemotron_h", EXAMPLE)
    odd = nemotron_h.parse(Config(ODD, "nemotron_h", nemotron_h.KNOWN))
    assert odd.pattern == "M*M" and odd.mamba.conv_kernel == 3, odd
    assert (odd.mamba.intermediate, odd.attention.head_dim) == (48, 8), odd
    for label, c in (("example", example), ("odd", odd)):
        layers = nemotron_h.layers(c)
        assert [family for family, _ in layers] == \
            [mamba2, attention, mamba2], layers
        if label == "example":
            check_chain(layers, rand)
        for cached in (0, 4):
            checks.check_layers(layers, f"hybrid.{label}.S{cached}", WORK,
                                rand, sizes={"S": cached})
    command_line()
    bad_configs()
    print("model blocks hybrid: OK")


if __name__ == "__main__":
    main()
