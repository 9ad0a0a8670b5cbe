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
# layers' references chained. The reset at position 0 (the checkpoint
# code's start of a sequence) discards the recurrent state, in the reference
# and in the compiled block. Bad configs (missing,
# unknown, mistyped, inconsistent or unsupported fields) give one message
# naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

import numpy as np

from recur.models import (Config, builder, checks, load_config,
                          recurrent_gemma)
from recur.runner import compile_module
from recur.testing import Inputs, check

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


def check_reset(c, rand):
    """At position 0 the recurrence restarts (a = 0, the input unscaled),
    as the checkpoint code's prefill does: the reference then ignores the
    recurrent state it is given, which it does not at position 5; the
    compiled block agrees, from position 0 and from position -2 (the first
    three tokens, below 0.5, reset)."""
    w = FAMILY.random_weights(c, rand)
    x = rand.normal((2, 7, c.hidden_size))
    conv = rand.normal((2, c.conv1d_width - 1, c.lru_width))
    states = [rand.normal((2, c.lru_width)) for _ in range(2)]
    for start, same in ((0.0, True), (5.0, False)):
        position = np.full((2, 1), start)
        outs = [FAMILY.reference(c, w, x, conv, h, position)[0]
                for h in states]
        assert np.array_equal(outs[0], outs[1]) == same, start
    name = f"{FAMILY.FAMILY}_mixer"
    model = compile_module(builder.build_block(FAMILY, c, name),
                           os.path.join(WORK, "reset"))
    inputs = {"hidden_states": x, "conv_state": conv,
              "recurrent_state": states[0]}
    inputs.update({builder.arg_name(k): v for k, v in w.items()})
    for start in (0.0, -2.0):
        position = np.full((2, 1), start)
        got = model.run(name, {**inputs, "position": position})
        want = FAMILY.reference(c, w, x, conv, states[0], position)
        for label, value in zip(("out", "conv_state", "recurrent_state",
                                 "position"), want):
            check(f"reset[p={start}].{label}", got[f"{label}_out"
                                                  if label != "out"
                                                  else "out"], value, "f32")
    print("ok the reset at position 0")


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
    check_reset(odd, rand)
    bad_configs()
    print("recurrent_gemma blocks: OK")


if __name__ == "__main__":
    main()
