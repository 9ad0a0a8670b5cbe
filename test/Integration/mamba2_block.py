# The Mamba-2 mixer block from a config.json (python/recur/models/mamba2.py)
# compiled and run against its float64 NumPy reference (a token loop written
# from the family's modeling code): the example config (2 groups of 4 heads)
# and an odd one (3 heads, 1 group, kernel 3, projection biases), weights
# written to and read from a safetensors file, random initial states; a
# prefill followed by single-token steps equals one call; bad configs give
# one message naming the field. The description round-trips through
# recur-opt --verify-roundtrip.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import json
import os
import subprocess
import sys

import numpy as np

from recur import safetensors
from recur.models import Config, ConfigError, load_config, mamba2
from recur.runner import compile_module
from recur.testing import Inputs, check

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 24, "state_size": 8, "num_heads": 3, "head_dim": 16,
       "n_groups": 1, "expand": 2, "conv_kernel": 3, "use_bias": True,
       "layer_norm_epsilon": 1e-6}


def weights(rand, c):
    values = {}
    for name, shape in mamba2.weight_shapes(c).items():
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


def call(model, c, w, x, conv_state, ssm_state):
    inputs = {"hidden_states": x, "conv_state": conv_state,
              "ssm_state": ssm_state}
    inputs.update({mamba2.arg_name(k): v for k, v in w.items()})
    out = model.run("mamba2_mixer", inputs)
    return out["out"], out["conv_state_out"], out["ssm_state_out"]


def test_config(label, c, rand):
    text = mamba2.build(c)
    directory = os.path.join(WORK, label)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "block.mlir"), "w") as f:
        f.write(text)
    subprocess.run([os.path.join(os.path.dirname(os.environ["RECUR_COMPILE"]),
                                 "recur-opt"),
                    os.path.join(directory, "block.mlir"),
                    "--verify-roundtrip", "-o", os.devnull], check=True)
    model = compile_module(text, directory)
    path = os.path.join(directory, "weights.safetensors")
    safetensors.save(path, weights(rand, c))
    w = safetensors.load(path)

    batch, time = 2, 37
    x = rand.normal((batch, time, c.hidden_size))
    conv_state = rand.normal((batch, c.conv_kernel - 1, c.conv_dim))
    ssm_state = rand.normal((batch, c.num_heads, c.state_size, c.head_dim),
                            scale=0.5)
    got = call(model, c, w, x, conv_state, ssm_state)
    want = mamba2.reference(c, w, x, conv_state, ssm_state)
    for name, a, b in zip(("out", "conv_state", "ssm_state"), got, want):
        check(f"{label}.{name}", a, b, "f32")

    # A prefill of 30 tokens, then single-token steps, equals one call.
    conv, ssm, pieces = conv_state, ssm_state, []
    for start, stop in [(0, 30)] + [(t, t + 1) for t in range(30, time)]:
        out, conv, ssm = call(model, c, w, x[:, start:stop], conv, ssm)
        pieces.append(out)
    check(f"{label}.chained.out", np.concatenate(pieces, axis=1), got[0],
          "f32")
    check(f"{label}.chained.conv_state", conv, got[1], "f32")
    check(f"{label}.chained.ssm_state", ssm, got[2], "f32")


def bad_configs():
    base = dict(ODD)
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
    example = load_config("mamba2", os.path.join(SRC, "examples", "configs",
                                                 "mamba2-tiny.json"))
    test_config("example", example, rand)
    test_config("odd", mamba2.parse(Config(ODD, "mamba2", mamba2.KNOWN)),
                rand)
    try:
        Config({"vocab": 1}, "mamba2", mamba2.KNOWN)
    except ConfigError as error:
        assert "unknown field 'vocab'" in str(error), error
    bad_configs()
    print("mamba2 block: OK")


if __name__ == "__main__":
    main()
