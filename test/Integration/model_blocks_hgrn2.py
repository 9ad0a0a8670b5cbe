# The HGRN2 block from config.json (python/recur/models/hgrn2.py, after
# flash-linear-attention's HGRN2Attention)
# compiled and run against its float64 NumPy reference (a token loop
# written from fla's layer): the example config (expand_ratio 16: 4 heads of
# forget dim 16, input dim 16); an odd one (num_heads 3, expand_ratio null:
# 3 heads of 8 on hidden_size 24, short convs of kernel 3 on q, f and i);
# and an uneven one (hidden_size 24, expand_ratio 5: 4 heads of forget dim
# 5 and input dim 6). Weights go through a safetensors
# file, initial states are random, a prefill followed by single-token steps
# equals one call, and a stack of 2 layers of the odd config matches the
# layers' references chained. With use_lower_bound (fla's default): the
# block with its bound as an input, and stacks of all 3 and of the first 2
# of 3 layers, each layer's bound computed from model.lower_bounds (the
# first layer's 0). Bad configs give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, hgrn2, load_config
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
BASE = {"use_lower_bound": False}
ODD = {**BASE, "hidden_size": 24, "num_heads": 3, "expand_ratio": None,
       "use_short_conv": True, "conv_size": 3, "norm_eps": 1e-5}
UNEVEN = {**BASE, "hidden_size": 24, "expand_ratio": 5}
LOWER = {**UNEVEN, "use_lower_bound": True, "num_hidden_layers": 3,
         "use_short_conv": True}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "num_head": 3}, "unknown field 'num_head'"),
        ({**ODD, "num_heads": None}, "field 'expand_ratio' and num_heads "
         "are both missing or null"),
        ({**UNEVEN, "hidden_size": 30, "expand_ratio": 7},
         "field 'expand_ratio' (7) gives 4 "
         "heads, which do not divide hidden_size (30)"),
        ({**UNEVEN, "expand_ratio": 64}, "field 'expand_ratio' (64) must be "
         "<= hidden_size (24)"),
        ({**LOWER, "num_hidden_layers": 0},
         "field 'num_hidden_layers' must be >= 1"),
        ({**UNEVEN, "attn_mode": "parallel"}, "field 'attn_mode' must be one "
         "of"),
        ({**UNEVEN, "elementwise_affine": False},
         "field 'elementwise_affine' false is not supported"),
        ({**UNEVEN, "conv_size": 0}, "field 'conv_size' must be >= 1"),
    ]
    for fields, message in cases:
        checks.check_bad_config("hgrn2", fields, message, WORK)


def main():
    rand = Inputs(seed=31)
    example = load_config("hgrn2", os.path.join(SRC, "examples", "configs",
                                                "hgrn2-tiny.json"))
    assert (example.num_heads, example.expand_ratio) == (4, 16), example
    checks.check_block(hgrn2, example, "hgrn2.example", WORK, rand)
    odd = hgrn2.parse(Config(ODD, "hgrn2", hgrn2.KNOWN))
    assert (odd.num_heads, odd.expand_ratio) == (3, 8), odd
    checks.check_block(hgrn2, odd, "hgrn2.odd", WORK, rand)
    uneven = hgrn2.parse(Config(UNEVEN, "hgrn2", hgrn2.KNOWN))
    assert (uneven.num_heads, uneven.head_i_dim) == (4, 6), uneven
    checks.check_block(hgrn2, uneven, "hgrn2.uneven", WORK, rand)
    checks.check_stack(hgrn2, odd, 2, "hgrn2.stack", WORK, rand)
    lower = hgrn2.parse(Config(LOWER, "hgrn2", hgrn2.KNOWN))
    assert lower.use_lower_bound
    checks.check_block(hgrn2, lower, "hgrn2.lower_bound", WORK, rand)
    checks.check_stack(hgrn2, lower, 3, "hgrn2.lower_bound_stack", WORK,
                       rand)
    checks.check_stack(hgrn2, lower, 2, "hgrn2.lower_bound_first_2", WORK,
                       rand)
    bad_configs()
    print("model blocks hgrn2: OK")


if __name__ == "__main__":
    main()
