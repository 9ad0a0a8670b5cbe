# Execution test of attention's decode with its keys split (split-K,
# key_splits in an op's own recur.chunk_config) against the float64
# reference: parts of one key tile, parts left empty (5 parts of 3 tiles),
# GQA with a sliding window, queries that see no key (S < T), KV caches of
# one key to several tiles, f32 and bf16. Queries of T < serial-below (16)
# take the split form; a prefill of T = 20 takes the unsplit one.
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check

HD, DV = 16, 8
# name: (H, Hkv, causal, window, key splits, dtype)
VARIANTS = {
    "split3": (4, 2, True, 0, 3, "f32"),
    "split5_window": (6, 2, True, 9, 5, "f32"),
    "split2_full": (2, 1, False, 0, 2, "bf16"),
}


def build_module() -> Module:
    m = Module()
    for name, (heads, kv_heads, causal, window, splits, dtype) in \
            VARIANTS.items():
        f = m.function(name)
        q = f.arg("q", (None, None, heads, HD), dtype)
        k = f.arg("k", (None, None, kv_heads, HD), dtype, dim_names=["B", "S"])
        v = f.arg("v", (None, None, kv_heads, DV), dtype, dim_names=["B", "S"])
        config = {"chunk_size": 16, "serial_below": 16,
                  "state_pass": "sequential",
                  "linear_attention_form": "chunked", "key_splits": splits}
        f.ret(f.attention(q, k, v, causal=causal, window=window,
                          chunk_config=config), "o")
    return m


def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=11)
    for variant, (heads, kv_heads, causal, window, _, dtype) in \
            VARIANTS.items():
        for batch, queries, keys in ((2, 1, 1), (1, 1, 17), (3, 1, 37),
                                     (1, 3, 70), (2, 4, 2), (1, 20, 45)):
            inputs = {"q": rand.normal((batch, queries, heads, HD), dtype),
                      "k": rand.normal((batch, keys, kv_heads, HD), dtype),
                      "v": rand.normal((batch, keys, kv_heads, DV), dtype)}
            out = model.run(variant, inputs,
                            {"B": batch, "T": queries, "S": keys})
            check(f"{variant}[B={batch},T={queries},S={keys}].o", out["o"],
                  reference.attention(inputs["q"], inputs["k"], inputs["v"],
                                      causal=causal, window=window), dtype)


if __name__ == "__main__":
    main(sys.argv[1])
