# The model blocks from config.json (python/recur/models) compiled and run
# against their float64 NumPy references (token loops written from each
# family's modeling code), for each family's example config and an odd one:
# Mamba-2 (2 groups of 4 heads; 3 heads in 1 group, kernel 3, projection
# biases) and Qwen3-Next's Gated DeltaNet (2 value heads per key head; 3
# key heads with 1 value head each, kernel 2). Weights are written to and
# read from a safetensors file, initial states are random; a prefill
# followed by single-token calls of the step function (T = 1) equals one
# call; bad configs give one
# message naming the field. Each description round-trips through recur-opt
# --verify-roundtrip. Stacks of 2 layers (pre-norm, mixer, residual) of each
# family's odd config match the layers' references chained, and a prefill
# followed by steps. Every family's example config in examples/configs
# builds through the command line and round-trips.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import subprocess
import sys


from recur.models import (Config, ConfigError, FAMILIES,
                          gated_deltanet, load_config, mamba2)
from recur.models import checks
from recur.testing import Inputs

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
    for fields, message in cases:
        checks.check_bad_config("mamba2", fields, message, WORK)
    result = subprocess.run([sys.executable, "-m", "recur.models", "mamba2",
                             "--config", os.path.join(WORK, "absent.json")],
                            capture_output=True, text=True)
    if result.returncode != 1 or "No such file" not in result.stderr:
        sys.exit(f"FAIL: absent config: {result.stderr!r}")


def every_family_example():
    """`python3 -m recur.models FAMILY --config examples/configs/
    FAMILY-tiny.json` works for every family, and its description
    round-trips through recur-opt; --help lists the families."""
    opt = os.path.join(os.path.dirname(os.environ["RECUR_COMPILE"]),
                       "recur-opt")
    for name in FAMILIES:
        out = os.path.join(WORK, f"{name}.example.mlir")
        subprocess.run([sys.executable, "-m", "recur.models", name,
                        "--config", os.path.join(SRC, "examples", "configs",
                                                 f"{name}-tiny.json"),
                        "-o", out], check=True, capture_output=True)
        subprocess.run([opt, out, "--verify-roundtrip", "-o", os.devnull],
                       check=True)
    listing = subprocess.run([sys.executable, "-m", "recur.models", "--help"],
                             check=True, capture_output=True,
                             text=True).stdout
    missing = [name for name in FAMILIES if name not in listing]
    if missing:
        sys.exit(f"FAIL: --help does not list {missing}")
    print(f"ok every family's example config ({len(FAMILIES)} families)")


def main():
    rand = Inputs(seed=21)
    for name in ODD:
        family = FAMILIES[name]
        example = load_config(name, os.path.join(SRC, "examples", "configs",
                                                 EXAMPLES[name]))
        checks.check_block(family, example, f"{name}.example", WORK, rand)
        odd = family.parse(Config(ODD[name], name, family.KNOWN))
        checks.check_block(family, odd, f"{name}.odd", WORK, rand)
        checks.check_stack(family, odd, 2, f"{name}.stack", WORK, rand)
    try:
        Config({"vocab": 1}, "mamba2", mamba2.KNOWN)
    except ConfigError as error:
        assert "unknown field 'vocab'" in str(error), error
    bad_configs()
    every_family_example()
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
