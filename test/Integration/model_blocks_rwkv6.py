# The RWKV-6 ("Finch") time-mix block from config.json
# (python/recur/models/rwkv6.py) compiled and run against its float64 NumPy
# reference (a token loop written from the checkpoints' modeling_rwkv6.py):
# token shift with a carried state, the 5-way data-dependent interpolation
# LoRA, the decay LoRA, the WKV recurrence with its bonus
# (recur.linear_attention, key gate), the per-head GroupNorm with
# head_size_divisor's epsilon, the SiLU gate and the output projection. It
# runs the example config (4 heads of 16) and an odd one (3 heads of 12,
# head_size_divisor 4, attention_hidden_size null); weights go through a
# safetensors file, initial states are random, and a prefill followed by
# single-token calls of the step function (T = 1) equals one call. Bad
# configs give one message naming the field. A 2-layer stack (LayerNorm
# pre-norm ln1 with its bias, time mix, residual) matches the layers'
# references chained, with prefill then steps. The config.json fields of the 1B6 and 7B checkpoints
# parse to their weight shapes (LoRA ranks 32 / 64, 64 / 128 at 4096).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, FAMILIES, load_config, rwkv6
from recur.models import checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"model_type": "rwkv6", "hidden_size": 36, "head_size": 12,
       "attention_hidden_size": None, "head_size_divisor": 4,
       "num_attention_heads": 64, "layer_norm_epsilon": 1e-6}


def bad_configs():
    base = dict(ODD)
    cases = [
        ({k: v for k, v in base.items() if k != "hidden_size"},
         "missing field 'hidden_size'"),
        ({**base, "hidden_sise": 36}, "unknown field 'hidden_sise'"),
        ({**base, "head_size": 8}, "field 'head_size' (8) must divide "
         "attention_hidden_size (36)"),
        ({**base, "attention_hidden_size": 48},
         "field 'attention_hidden_size' (48) other than hidden_size (36) "
         "is not supported"),
        ({**base, "head_size": 0}, "field 'head_size' must be >= 1, got 0"),
        ({**base, "hidden_size": "36"},
         "field 'hidden_size' must be an integer"),
        ({**base, "head_size_divisor": 0},
         "field 'head_size_divisor' must be > 0"),
    ]
    for fields, message in cases:
        checks.check_bad_config("rwkv6", fields, message, WORK)


def real_configs():
    """The shapes of RWKV/v6-Finch-1B6-HF's and -7B-HF's config.json
    (parsed only): 32 heads of 64, LoRA ranks 32 / 64, and 64 / 128 at
    hidden_size 4096."""
    for hidden, ranks in ((2048, (32, 64)), (4096, (64, 128))):
        fields = {"architectures": ["Rwkv6ForCausalLM"],
                  "auto_map": {"AutoConfig": "configuration_rwkv6."
                               "Rwkv6Config"},
                  "attention_hidden_size": hidden, "head_size": 64,
                  "head_size_divisor": 8, "hidden_size": hidden,
                  "intermediate_size": hidden * 7 // 2,
                  "layer_norm_epsilon": 1e-5, "model_type": "rwkv6",
                  "num_attention_heads": 64, "num_hidden_layers": 24,
                  "rescale_every": 6, "tie_word_embeddings": False,
                  "transformers_version": "4.34.0", "use_cache": True,
                  "vocab_size": 65536}
        c = rwkv6.parse(Config(fields, "rwkv6", rwkv6.KNOWN))
        shapes = rwkv6.weight_shapes(c)
        assert shapes["time_faaaa"] == (hidden // 64, 64), shapes
        assert shapes["time_maa_w2"] == (5, ranks[0], hidden), shapes
        assert shapes["time_decay_w1"] == (hidden, ranks[1]), shapes


def main():
    assert FAMILIES["rwkv6"] is rwkv6
    rand = Inputs(seed=6)
    example = load_config("rwkv6", os.path.join(SRC, "examples", "configs",
                                                "rwkv6-tiny.json"))
    assert (example.num_heads, example.head_size) == (4, 16), example
    checks.check_block(rwkv6, example, "rwkv6.example", WORK, rand)
    odd = rwkv6.parse(Config(ODD, "rwkv6", rwkv6.KNOWN))
    assert odd.num_heads == 3 and abs(odd.group_norm_eps - 16e-5) < 1e-12
    checks.check_block(rwkv6, odd, "rwkv6.odd", WORK, rand)
    checks.check_stack(rwkv6, odd, 2, "rwkv6.stack", WORK, rand)
    bad_configs()
    real_configs()
    print("rwkv6 model blocks: OK")


if __name__ == "__main__":
    main()
