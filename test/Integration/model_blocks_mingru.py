# The minGRU block from config.json (python/recur/models/mingru.py, after
# lucidrains/minGRU-pytorch) compiled and run against its float64 NumPy
# reference (a token loop of the module's sequential path): the example
# config (expansion 1.5, so to_out projects back) and an odd one (13
# channels, expansion 1, no to_out), and one with expansion 1 but proj_out
# true. Weights go through a safetensors file, initial states are random,
# a prefill followed by single-token calls of the step function equals one
# call; a stack of 2 layers (pre-norm, mixer, residual) matches the layers'
# references chained. Bad configs (missing, unknown, inconsistent,
# unsupported field) give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, load_config, mingru
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 13, "expansion_factor": 1, "rms_norm_eps": 1e-6}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**ODD, "expansion": 2}, "unknown field 'expansion'"),
        ({**ODD, "expansion_factor": 2, "proj_out": False},
         "field 'proj_out' false needs int(hidden_size x expansion_factor) "
         "(26) to equal hidden_size (13)"),
        ({**ODD, "expansion_factor": 0.01},
         "field 'expansion_factor' times hidden_size (0.01 x 13) must be "
         ">= 1"),
        ({**ODD, "use_lstm": True}, "field 'use_lstm' true (minLSTM) is "
         "not supported"),
        ({**ODD, "enable_conv": True}, "field 'enable_conv' true is not "
         "supported"),
        ({**ODD, "rms_norm_eps": 0}, "field 'rms_norm_eps' must be > 0"),
    ]
    for fields, message in cases:
        checks.check_bad_config("mingru", fields, message, WORK)


def main():
    rand = Inputs(seed=29)
    example = load_config("mingru", os.path.join(SRC, "examples", "configs",
                                                 "mingru-tiny.json"))
    assert example.intermediate == 96 and example.proj_out
    checks.check_block(mingru, example, "mingru.example", WORK, rand)
    odd = mingru.parse(Config(ODD, "mingru", mingru.KNOWN))
    assert odd.intermediate == 13 and not odd.proj_out
    checks.check_block(mingru, odd, "mingru.odd", WORK, rand)
    projected = mingru.parse(Config({**ODD, "proj_out": True}, "mingru",
                                    mingru.KNOWN))
    checks.check_block(mingru, projected, "mingru.proj_out", WORK, rand)
    checks.check_stack(mingru, example, 2, "mingru.stack", WORK, rand)
    bad_configs()
    print("mingru blocks: OK")


if __name__ == "__main__":
    main()
