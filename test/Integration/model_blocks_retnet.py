# The RetNet block from config.json (python/recur/models/retnet.py, after
# flash-linear-attention's MultiScaleRetention) compiled and run against its
# float64 NumPy reference (a token loop written from fla's layer: rotary
# embedding of q and k at each token's position, per-head decays
# 1 - 2^(-5 - h)): the example config (4 heads, fused swish-gated norm); an
# odd one (3 query heads sharing 1 key/value head, key and value head dims
# 6 and 10, the unfused g_norm); and one without the output gate (5 heads).
# Weights go through a safetensors file, the initial states (the recurrent
# state and the position) are random, a prefill followed by single-token
# steps equals one call, and a stack of 2 layers of the odd config matches
# the layers' references chained. Bad configs give one message naming the
# field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, load_config, retnet
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 18, "expand_k": 1.0, "expand_v": 1.6667,
       "num_heads": 3, "num_kv_heads": 1, "fuse_norm": False,
       "norm_eps": 1e-5}
UNGATED = {"hidden_size": 40, "expand_k": 0.5, "expand_v": 0.5,
           "num_heads": 5, "use_output_gate": False}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "num_head": 3}, "unknown field 'num_head'"),
        ({**ODD, "expand_v": 0.6}, "field 'expand_v' gives a dimension "
         "(10) that num_heads (3) does not divide"),
        ({**ODD, "expand_k": 0.5}, "field 'expand_k' gives an odd key head "
         "dim (3)"),
        ({**ODD, "num_kv_heads": 2}, "field 'num_kv_heads' (2) must divide "
         "num_heads (3)"),
        ({**ODD, "feature_map": "relu"}, "field 'feature_map' is not "
         "supported"),
        ({**ODD, "hidden_act": "gelu"}, "field 'hidden_act' is not "
         "supported"),
        ({**ODD, "attn": {"layers": [1], "num_heads": 2}},
         "field 'attn' (hybrid softmax-attention layers) is not supported"),
        ({**ODD, "elementwise_affine": False},
         "field 'elementwise_affine' false is not supported"),
    ]
    for fields, message in cases:
        checks.check_bad_config("retnet", fields, message, WORK)


def main():
    rand = Inputs(seed=29)
    example = load_config("retnet", os.path.join(SRC, "examples", "configs",
                                                 "retnet-tiny.json"))
    checks.check_block(retnet, example, "retnet.example", WORK, rand)
    odd = retnet.parse(Config(ODD, "retnet", retnet.KNOWN))
    assert (odd.head_k_dim, odd.head_v_dim) == (6, 10), odd
    checks.check_block(retnet, odd, "retnet.odd", WORK, rand)
    ungated = retnet.parse(Config(UNGATED, "retnet", retnet.KNOWN))
    checks.check_block(retnet, ungated, "retnet.ungated", WORK, rand)
    checks.check_stack(retnet, odd, 2, "retnet.stack", WORK, rand)
    bad_configs()
    print("model blocks retnet: OK")


if __name__ == "__main__":
    main()
