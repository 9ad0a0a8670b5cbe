# The recurrent block of Griffin / RecurrentGemma (RG-LRU) from config.json
# (python/recur/models/recurrent_gemma.py), compiled and run against its
# float64 NumPy reference (a token loop written from the family's modeling
# code), for the example config (lru_width = hidden_size, 4 gate blocks,
# conv width 4) and an odd one (lru_width 30 != hidden_size 20, 3 gate
# blocks of 10, conv width 3): weights through a safetensors file, random
# initial states, a prefill followed by single-token calls of the step
# function equals one call, and the description round-trips through
# recur-opt --verify-roundtrip. A stack of 2 layers (temporal pre-norm with
# 1 + weight, recurrent block, residual) of the odd config matches the
# layers' references chained. The reference's fresh start (the checkpoint
# code's reset at position 0) ignores the states. Bad configs (missing,
# unknown, mistyped, inconsistent or unsupported fields) give one message
# naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

import numpy as np

from recur.models import Config, checks, load_config, recurrent_gemma
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
FAMILY = recurrent_gemma
ODD = {"hidden_size": 20, "lru_width": 30, "num_attention_heads": 3,
       "conv1d_width": 3, "rms_norm_eps": 1e-5,
       "block_types": ["recurrent", "attention"],
       "hidden_activation": "gelu_pytorch_tanh"}


def bad_configs():
    name = FAMILY.FAMILY
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "lru_widht": 30}, "unknown field 'lru_widht'"),
        ({**ODD, "num_attention_heads": 4}, "field 'num_attention_heads' "
         "(4) must divide lru_width (30)"),
        ({**ODD, "lru_width": "30"}, "field 'lru_width' must be an integer"),
        ({**ODD, "conv1d_width": 1}, "field 'conv1d_width' must be >= 2, "
         "got 1"),
        ({**ODD, "hidden_activation": "gelu"}, "field 'hidden_activation' "
         "is not supported"),
        ({**ODD, "block_types": ["attention"]}, "field 'block_types' has "
         "no \"recurrent\" block"),
        ({**ODD, "block_types": ["recurrent", "mlp"]},
         "field 'block_types' must be a non-empty list"),
        ({**ODD, "rms_norm_eps": 0}, "field 'rms_norm_eps' must be > 0"),
    ]
    for fields, message in cases:
        checks.check_bad_config(name, fields, message, WORK)


def check_fresh(c, rand):
    """A fresh start of the reference ignores the states it is given."""
    w = FAMILY.random_weights(c, rand)
    x = rand.normal((2, 5, c.hidden_size))
    states = checks.random_states(rand, FAMILY.state_shapes(c), 2)
    given = FAMILY.reference(c, w, x, *states.values(), fresh=True)
    zero = FAMILY.reference(c, w, x, fresh=True)
    for a, b in zip(given, zero):
        assert np.array_equal(a, b)
    print("ok fresh start ignores the states")


def main():
    rand = Inputs(seed=23)
    example = load_config(FAMILY.FAMILY, os.path.join(
        SRC, "examples", "configs", "recurrent_gemma-tiny.json"))
    checks.check_block(FAMILY, example, "recurrent_gemma.example", WORK, rand)
    odd = FAMILY.parse(Config(ODD, FAMILY.FAMILY, FAMILY.KNOWN))
    assert (odd.lru_width, odd.block_width) == (30, 10), odd
    checks.check_block(FAMILY, odd, "recurrent_gemma.odd", WORK, rand)
    checks.check_stack(FAMILY, odd, 2, "recurrent_gemma.stack", WORK, rand)
    default = FAMILY.parse(Config({"hidden_size": 40, "lru_width": None},
                                  FAMILY.FAMILY, FAMILY.KNOWN))
    assert (default.lru_width, default.num_attention_heads) == (40, 10)
    check_fresh(odd, rand)
    bad_configs()
    print("recurrent_gemma blocks: OK")


if __name__ == "__main__":
    main()
