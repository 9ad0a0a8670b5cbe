# The Kimi Delta Attention block of Kimi Linear from config.json
# (python/recur/models/kda.py, after the checkpoint's modeling_kimi.py)
# compiled and run against its float64 NumPy reference (a token loop
# written from the family's modeling code): the example config (4 heads of
# 16, conv kernel 4) and an odd one (3 heads of 12 with hidden size 20,
# conv kernel 2, no full-attention layers). Weights go through a
# safetensors file, initial states (three conv states and the recurrent
# state) are random, a prefill followed by single-token calls of the step
# function equals one call, and each description round-trips through
# recur-opt --verify-roundtrip. A stack of 2 layers (pre-norm, mixer,
# residual) of the odd config matches the layers' references chained. Bad
# configs (missing, unknown, mistyped, inconsistent or unsupported fields,
# also inside linear_attn_config) give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, checks, kda, load_config
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
LINEAR = {"num_heads": 3, "head_dim": 12, "short_conv_kernel_size": 2,
          "kda_layers": [1, 2], "full_attn_layers": []}
ODD = {"hidden_size": 20, "num_hidden_layers": 2, "rms_norm_eps": 1e-6,
       "linear_attn_config": LINEAR}


def linear(**fields):
    """ODD with these fields of linear_attn_config changed (None: left
    out)."""
    changed = {k: v for k, v in {**LINEAR, **fields}.items()
               if v is not None}
    return {**ODD, "linear_attn_config": changed}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        (linear(head_dim=None),
         "missing field 'linear_attn_config.head_dim'"),
        ({k: v for k, v in ODD.items() if k != "linear_attn_config"},
         "missing field 'linear_attn_config'"),
        ({**ODD, "hidden_sise": 20}, "unknown field 'hidden_sise'"),
        (linear(lower_bound=-5.0),
         "unknown field 'linear_attn_config.lower_bound'"),
        (linear(num_heads="3"),
         "field 'linear_attn_config.num_heads' must be an integer"),
        (linear(short_conv_kernel_size=1),
         "field 'linear_attn_config.short_conv_kernel_size' must be >= 2"),
        (linear(full_attn_layers=[2]),
         "field 'linear_attn_config.kda_layers' and full_attn_layers both "
         "name layer 2"),
        (linear(kda_layers=[1, 3]),
         "field 'linear_attn_config.kda_layers' or full_attn_layers name "
         "layer 3, beyond num_hidden_layers (2)"),
        (linear(kda_layers=[0]),
         "field 'linear_attn_config.kda_layers' must be a list of layer "
         "numbers"),
        (linear(kda_layers=[], full_attn_layers=[1, 2]),
         "field 'linear_attn_config.kda_layers' is empty (a model without "
         "KDA layers is not supported)"),
        ({**ODD, "linear_attn_config": None},
         "field 'linear_attn_config' null (a model without KDA layers) is "
         "not supported"),
        ({**ODD, "linear_attn_config": [3, 12]},
         "field 'linear_attn_config' must be an object"),
        ({**ODD, "rms_norm_eps": 0}, "field 'rms_norm_eps' must be > 0"),
    ]
    for fields, message in cases:
        checks.check_bad_config("kda", fields, message, WORK)


def main():
    rand = Inputs(seed=29)
    example = load_config("kda", os.path.join(SRC, "examples", "configs",
                                              "kda-tiny.json"))
    checks.check_block(kda, example, "kda.example", WORK, rand)
    odd = kda.parse(Config(ODD, "kda", kda.KNOWN))
    checks.check_block(kda, odd, "kda.odd", WORK, rand)
    checks.check_stack(kda, odd, 2, "kda.stack", WORK, rand)
    bad_configs()
    print("kda model blocks: OK")


if __name__ == "__main__":
    main()
