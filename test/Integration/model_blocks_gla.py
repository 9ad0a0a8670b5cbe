# The GLA block from config.json (python/recur/models/gla.py, after
# flash-linear-attention's GatedLinearAttention) compiled and run against
# its float64 NumPy reference (a token loop written from fla's layer): the
# example config (4 heads, fused swish-gated norm); an odd one (3 query
# heads sharing 1 key/value head, key and value dims 8 and 12, short convs
# of kernel 3 on q, k and v, clamp_min, the unfused g_norm); and one without
# the output gate (5 heads). Weights go through a safetensors file, initial
# states are random, a prefill followed by single-token steps equals one
# call, and a stack of 2 layers of the odd config matches the layers'
# references chained. Bad configs give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, gla, load_config
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 24, "expand_k": 1.0, "expand_v": 1.5, "num_heads": 3,
       "num_kv_heads": 1, "use_short_conv": True, "conv_size": 3,
       "clamp_min": -0.05, "fuse_norm": False, "norm_eps": 1e-5}
UNGATED = {"hidden_size": 40, "expand_k": 0.5, "expand_v": 0.5,
           "num_heads": 5, "use_output_gate": False}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "num_head": 3}, "unknown field 'num_head'"),
        ({**ODD, "expand_k": 0.7}, "field 'expand_k' gives a dimension "
         "(16) that num_heads (3) does not divide"),
        ({**ODD, "num_kv_heads": 2}, "field 'num_kv_heads' (2) must divide "
         "num_heads (3)"),
        ({**ODD, "feature_map": "relu"}, "field 'feature_map' is not "
         "supported"),
        ({**ODD, "hidden_act": "gelu"}, "field 'hidden_act' is not "
         "supported"),
        ({**ODD, "clamp_min": 0.5}, "field 'clamp_min' must be <= 0"),
        ({**ODD, "attn": {"layers": [1], "num_heads": 2}},
         "field 'attn' (hybrid softmax-attention layers) is not supported"),
        ({**ODD, "elementwise_affine": False},
         "field 'elementwise_affine' false is not supported"),
        ({**ODD, "attn_mode": "parallel"}, "field 'attn_mode' must be one "
         "of"),
    ]
    for fields, message in cases:
        checks.check_bad_config("gla", fields, message, WORK)


def main():
    rand = Inputs(seed=23)
    example = load_config("gla", os.path.join(SRC, "examples", "configs",
                                              "gla-tiny.json"))
    checks.check_block(gla, example, "gla.example", WORK, rand)
    odd = gla.parse(Config(ODD, "gla", gla.KNOWN))
    checks.check_block(gla, odd, "gla.odd", WORK, rand)
    ungated = gla.parse(Config(UNGATED, "gla", gla.KNOWN))
    checks.check_block(gla, ungated, "gla.ungated", WORK, rand)
    checks.check_stack(gla, odd, 2, "gla.stack", WORK, rand)
    bad_configs()
    print("model blocks gla: OK")


if __name__ == "__main__":
    main()
