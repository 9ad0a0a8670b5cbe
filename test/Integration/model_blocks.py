# The model blocks from config.json (python/recur/models) compiled and run
# against their float64 NumPy references (token loops written from each
# family's modeling code), for each family's example config and an odd one:
# Mamba-2 (2 groups of 4 heads; 3 heads in 1 group, kernel 3, projection
# biases) and Qwen3-Next's Gated DeltaNet (2 value heads per key head; 3
# key heads with 1 value head each, kernel 2). Weights are written to and
# read from a safetensors file, initial states are random; a prefill
# followed by single-token steps equals one call; bad configs give one
# message naming the field. Each description round-trips through recur-opt
# --verify-roundtrip. Stacks of 2 layers (pre-norm, mixer, residual) of each
# family's odd config match the layers' references chained, and a prefill
# followed by steps.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import json
import os
import subprocess
import sys

import numpy as np

from recur import safetensors
from recur.models import (Config, ConfigError, FAMILIES, builder,
                          gated_deltanet, load_config, mamba2)
from recur.runner import compile_module
from recur.testing import Inputs, check

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {
    "mamba2": {"hidden_size": 24, "state_size": 8, "num_heads": 3,
               "head_dim": 16, "n_groups": 1, "expand": 2, "conv_kernel": 3,
               "use_bias": True, "layer_norm_epsilon": 1e-6},
    "gated_deltanet": {"hidden_size": 20, "linear_num_key_heads": 3,
                       "linear_num_value_heads": 3, "linear_key_head_dim": 8,
                       "linear_value_head_dim": 12,
                       "linear_conv_kernel_dim": 2, "rms_norm_eps": 1e-5},
}
EXAMPLES = {"mamba2": "mamba2-tiny.json",
            "gated_deltanet": "gated_deltanet-tiny.json"}


def weights(rand, family, c):
    values = {}
    for name, shape in family.weight_shapes(c).items():
        if name == "A_log":
            values[name] = np.log(rand.uniform(shape, 1.0, 8.0))
        elif name == "dt_bias":
            values[name] = rand.uniform(shape, -3.0, -1.0)
        elif name == "norm.weight":
            values[name] = rand.uniform(shape, 0.5, 1.5)
        else:
            fan_in = shape[-1] if len(shape) > 1 else 1
            values[name] = rand.normal(shape, scale=fan_in ** -0.5)
    return values


def state_names(family):
    """The recurrent state's argument: [B, heads, K, V]."""
    return "ssm_state" if family is mamba2 else "recurrent_state"


def call(family, model, w, x, conv_state, state):
    name = state_names(family)
    inputs = {"hidden_states": x, "conv_state": conv_state, name: state}
    inputs.update({builder.arg_name(k): v for k, v in w.items()})
    out = model.run(f"{family.FAMILY}_mixer", inputs)
    return out["out"], out["conv_state_out"], out[f"{name}_out"]


def state_shape(family, c, batch):
    if family is mamba2:
        return (batch, c.num_heads, c.state_size, c.head_dim)
    return (batch, c.num_value_heads, c.key_head_dim, c.value_head_dim)


def test_config(family, label, c, rand):
    text = builder.build_block(family, c, f"{family.FAMILY}_mixer")
    directory = os.path.join(WORK, label)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "block.mlir"), "w") as f:
        f.write(text)
    subprocess.run([os.path.join(os.path.dirname(os.environ["RECUR_COMPILE"]),
                                 "recur-opt"),
                    os.path.join(directory, "block.mlir"),
                    "--verify-roundtrip", "-o", os.devnull], check=True)
    model = compile_module(text, directory)
    # The interface file names each weight's checkpoint tensor.
    recorded = {b.checkpoint_name: b.name for b in
                model.signatures[f"{family.FAMILY}_mixer"].buffers
                if b.checkpoint_name}
    assert recorded == {k: builder.arg_name(k)
                        for k in family.weight_shapes(c)}, recorded
    path = os.path.join(directory, "weights.safetensors")
    safetensors.save(path, weights(rand, family, c))
    w = safetensors.load(path)

    batch, time = 2, 37
    x = rand.normal((batch, time, c.hidden_size))
    conv_state = rand.normal((batch, c.conv_kernel - 1, c.conv_dim))
    state = rand.normal(state_shape(family, c, batch), scale=0.5)
    got = call(family, model, w, x, conv_state, state)
    want = family.reference(c, w, x, conv_state, state)
    for name, a, b in zip(("out", "conv_state", "state"), got, want):
        check(f"{label}.{name}", a, b, "f32")

    # A prefill of 30 tokens, then single-token steps, equals one call.
    conv, carried, pieces = conv_state, state, []
    for start, stop in [(0, 30)] + [(t, t + 1) for t in range(30, time)]:
        out, conv, carried = call(family, model, w, x[:, start:stop], conv,
                                  carried)
        pieces.append(out)
    check(f"{label}.chained.out", np.concatenate(pieces, axis=1), got[0],
          "f32")
    check(f"{label}.chained.conv_state", conv, got[1], "f32")
    check(f"{label}.chained.state", carried, got[2], "f32")


def test_stack(family, label, c, layers, rand):
    """A stack of `layers` layers against builder.stack_reference, and a
    prefill followed by steps."""
    text = builder.build_stack(family, c, layers, "stack")
    model = compile_module(text, os.path.join(WORK, label))
    w = {}
    for layer in range(layers):
        prefix = builder.layer_prefix(family, layer)
        # Pre-norm scales near 1 (the norm multiplies by offset + weight).
        w[prefix + family.PRE_NORM] = rand.uniform(
            (c.hidden_size,), -0.2, 0.2) + 1.0 - family.PRE_NORM_OFFSET
        for leaf, value in weights(rand, family, c).items():
            w[prefix + family.MIXER_PREFIX + leaf] = value
    assert set(w) == set(builder.stack_weight_shapes(family, c, layers))
    batch, time = 2, 21
    x = rand.normal((batch, time, c.hidden_size))
    shapes = builder.stack_state_shapes(family, c, layers)
    states = {name: rand.normal((batch,) + shape, scale=0.5)
              for name, shape in shapes.items()}

    def run(tokens, carried):
        inputs = {"hidden_states": tokens, **carried}
        inputs.update({builder.arg_name(k): v for k, v in w.items()})
        out = model.run("stack", inputs)
        return out["out"], {n: out[f"{n}_out"] for n in shapes}

    out, last = run(x, states)
    want, want_states = builder.stack_reference(family, c, layers, w, x,
                                                states)
    check(f"{label}.out", out, want, "f32")
    for name in shapes:
        check(f"{label}.{name}", last[name], want_states[name], "f32")
    carried, pieces = states, []
    for start, stop in [(0, 16)] + [(t, t + 1) for t in range(16, time)]:
        piece, carried = run(x[:, start:stop], carried)
        pieces.append(piece)
    check(f"{label}.chained.out", np.concatenate(pieces, axis=1), out, "f32")
    for name in shapes:
        check(f"{label}.chained.{name}", carried[name], last[name], "f32")


def bad_configs():
    base = dict(ODD["mamba2"])
    cases = [
        ({k: v for k, v in base.items() if k != "state_size"},
         "missing field 'state_size'"),
        ({**base, "hidden_sise": 24}, "unknown field 'hidden_sise'"),
        ({**base, "expand": 3}, "field 'expand' times hidden_size (3 x 24) "
         "must equal num_heads x head_dim (3 x 16)"),
        ({**base, "n_groups": 2}, "field 'n_groups' (2) must divide "
         "num_heads (3)"),
        ({**base, "head_dim": 0}, "field 'head_dim' must be >= 1, got 0"),
        ({**base, "num_heads": "3"}, "field 'num_heads' must be an integer"),
        ({**base, "hidden_act": "gelu"}, "field 'hidden_act' is not "
         "supported"),
        ({**base, "rms_norm": False}, "field 'rms_norm' false is not "
         "supported"),
        ({**base, "layer_norm_epsilon": -1.0},
         "field 'layer_norm_epsilon' must be > 0"),
    ]
    for index, (fields, message) in enumerate(cases):
        path = os.path.join(WORK, f"bad{index}.json")
        with open(path, "w") as f:
            json.dump(fields, f)
        result = subprocess.run(
            [sys.executable, "-m", "recur.models", "mamba2", "--config", path,
             "-o", os.path.join(WORK, "bad.mlir")],
            capture_output=True, text=True)
        if result.returncode != 1 or message not in result.stderr or \
                len(result.stderr.strip().splitlines()) != 1:
            sys.exit(f"FAIL: bad config {index}: status {result.returncode}, "
                     f"{result.stderr!r}, expected {message!r}")
    result = subprocess.run([sys.executable, "-m", "recur.models", "mamba2",
                             "--config", os.path.join(WORK, "absent.json")],
                            capture_output=True, text=True)
    if result.returncode != 1 or "No such file" not in result.stderr:
        sys.exit(f"FAIL: absent config: {result.stderr!r}")


def main():
    rand = Inputs(seed=21)
    for name, family in FAMILIES.items():
        example = load_config(name, os.path.join(SRC, "examples", "configs",
                                                 EXAMPLES[name]))
        test_config(family, f"{name}.example", example, rand)
        odd = family.parse(Config(ODD[name], name, family.KNOWN))
        test_config(family, f"{name}.odd", odd, rand)
        test_stack(family, f"{name}.stack", odd, 2, rand)
    try:
        Config({"vocab": 1}, "mamba2", mamba2.KNOWN)
    except ConfigError as error:
        assert "unknown field 'vocab'" in str(error), error
    bad_configs()
    bad = dict(ODD["gated_deltanet"], linear_num_key_heads=2)
    try:
        gated_deltanet.parse(Config(bad, "gated_deltanet",
                                    gated_deltanet.KNOWN))
        sys.exit("FAIL: 2 key heads for 3 value heads accepted")
    except ConfigError as error:
        assert "field 'linear_num_key_heads' (2) must divide " \
               "linear_num_value_heads (3)" in str(error), error
    print("model blocks: OK")


if __name__ == "__main__":
    main()
