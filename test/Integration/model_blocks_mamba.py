# The Mamba (Mamba-1) block from config.json (python/recur/models/mamba.py)
# compiled and run against its float64 NumPy reference (a token loop
# written from Hugging Face's MambaMixer): the example config
# (time_step_rank "auto", conv bias, no projection biases) and an odd one
# (expand 1.5 giving 30 channels, state size 5, time_step_rank 3, kernel 3,
# projection biases on, no conv bias). Weights go through a safetensors
# file, initial states are random, a prefill followed by single-token calls
# of the step function equals one call; a stack of 2 layers (pre-norm,
# mixer, residual) of the odd config matches the layers' references
# chained. Bad configs (missing, unknown, inconsistent, unsupported field)
# give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, ConfigError, load_config, mamba
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 20, "state_size": 5, "expand": 1.5,
       "time_step_rank": 3, "conv_kernel": 3, "use_bias": True,
       "use_conv_bias": False, "layer_norm_epsilon": 1e-6}


def bad_configs():
    cases = [
        ({k: v for k, v in ODD.items() if k != "state_size"},
         "missing field 'state_size'"),
        ({**ODD, "hidden_sise": 20}, "unknown field 'hidden_sise'"),
        ({**ODD, "intermediate_size": 40}, "field 'intermediate_size' (40) "
         "must equal int(expand x hidden_size) (30)"),
        ({**ODD, "time_step_rank": "full"},
         "field 'time_step_rank' must be an integer"),
        ({**ODD, "conv_kernel": 0}, "field 'conv_kernel' must be >= 1"),
        ({**ODD, "use_bias": "yes"}, "field 'use_bias' must be true or "
         "false"),
        ({**ODD, "hidden_act": "gelu"}, "field 'hidden_act' is not "
         "supported"),
        ({**ODD, "rms_norm": False}, "field 'rms_norm' false is not "
         "supported"),
    ]
    for fields, message in cases:
        checks.check_bad_config("mamba", fields, message, WORK)


def main():
    rand = Inputs(seed=23)
    example = load_config("mamba", os.path.join(SRC, "examples", "configs",
                                                "mamba-tiny.json"))
    assert example.time_step_rank == 4 and example.intermediate == 128
    checks.check_block(mamba, example, "mamba.example", WORK, rand)
    odd = mamba.parse(Config(ODD, "mamba", mamba.KNOWN))
    assert odd.intermediate == 30 and odd.time_step_rank == 3
    checks.check_block(mamba, odd, "mamba.odd", WORK, rand)
    checks.check_stack(mamba, odd, 2, "mamba.stack", WORK, rand)
    try:
        Config({**ODD, "d_state": 5}, "mamba", mamba.KNOWN)
        sys.exit("FAIL: unknown field d_state accepted")
    except ConfigError as error:
        assert "unknown field 'd_state'" in str(error), error
    bad_configs()
    print("mamba blocks: OK")


if __name__ == "__main__":
    main()
