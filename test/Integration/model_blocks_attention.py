# The attention layer of a hybrid model (python/recur/models/attention.py,
# Nemotron-H's NemotronHAttention) compiled and run against its float64
# NumPy reference (a token loop written from the modeling code): the example
# config (4 query heads on 2 KV heads) and an odd one (3 query heads on 1 KV
# head, head_dim from hidden_size / heads, projection biases), each with an
# empty KV cache (S = 0) and a cache of 5 and 1 earlier tokens. A prefill
# followed by single-token calls of the step function, each call's new keys
# and values appended to the cache, equals one call. A stack of 2 layers
# (pre-norm, attention, residual) matches the layers' references chained,
# and so do its steps. Bad configs give one message naming the field.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import os
import sys

from recur.models import Config, FAMILIES, attention, load_config
from recur.models import builder, checks
from recur.testing import Inputs

WORK, SRC = sys.argv[1], sys.argv[2]
ODD = {"hidden_size": 24, "num_attention_heads": 3, "num_key_value_heads": 1,
       "attention_bias": True, "layer_norm_epsilon": 1e-6}


def bad_configs():
    cases = [
        ({**ODD, "num_key_value_heads": 2}, "field 'num_key_value_heads' (2) "
         "must divide num_attention_heads (3)"),
        ({k: v for k, v in ODD.items() if k != "num_attention_heads"},
         "missing field 'num_attention_heads'"),
        ({**ODD, "num_attention_head": 3}, "unknown field "
         "'num_attention_head'"),
        ({**ODD, "rope_scaling": {"type": "yarn"}},
         "unknown field 'rope_scaling'"),
        ({**ODD, "sliding_window": 128}, "field 'sliding_window' is not "
         "supported"),
        ({**ODD, "num_attention_heads": 5}, "field 'num_attention_heads' (5) "
         "must divide hidden_size (24) when head_dim is absent"),
        ({**ODD, "head_dim": 0}, "field 'head_dim' must be >= 1, got 0"),
        ({**ODD, "attention_bias": 1}, "field 'attention_bias' must be true "
         "or false"),
    ]
    for fields, message in cases:
        checks.check_bad_config("attention", fields, message, WORK)


def main():
    assert FAMILIES["attention"] is attention
    rand = Inputs(seed=7)
    example = load_config("attention", os.path.join(
        SRC, "examples", "configs", "attention-tiny.json"))
    assert (example.num_heads, example.num_kv_heads, example.head_dim) == \
        (4, 2, 16), example
    odd = attention.parse(Config(ODD, "attention", attention.KNOWN))
    assert (odd.head_dim, odd.attention_bias) == (8, True), odd
    assert set(attention.weight_shapes(odd)) == {
        f"{p}_proj.{k}" for p in "qkvo" for k in ("weight", "bias")}
    for label, c in (("example", example), ("odd", odd)):
        for cached in (0, 5, 1):
            checks.check_block(attention, c, f"attention.{label}.S{cached}",
                               WORK, rand, sizes={"S": cached})
    for cached in (0, 3):
        checks.check_stack(attention, odd, 2, f"attention.stack.S{cached}",
                           WORK, rand, sizes={"S": cached})
    # The interface: the caches' length is the dimension S; the results
    # are the new tokens' keys and values.
    text = builder.build_block(attention, odd, "attention_mixer")
    assert 'recur.name = "k_cache", recur.dim_names = ["B", "S"]' in text
    assert 'recur.name = "k_new"' in text and "k_cache_out" not in text
    bad_configs()
    print("model blocks attention: OK")


if __name__ == "__main__":
    main()
