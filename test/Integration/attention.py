# Execution test of recur.attention against the float64 reference: causal and
# not, KV cache (S > T), sliding window, GQA and MQA, explicit scale, f16/bf16,
# queries that see no key, and decode steps against one long causal call.
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check

HD, DV = 16, 8
# name: (H, Hkv, causal, window, scale, dtype)
VARIANTS = {
    "causal": (4, 4, True, 0, None, "f32"),
    "full": (2, 2, False, 0, None, "f32"),
    "gqa": (6, 2, True, 0, None, "f32"),
    "mqa": (4, 1, True, 0, 0.3, "f32"),
    "window": (4, 2, True, 5, None, "f32"),
    "gqa_f16": (4, 2, True, 0, None, "f16"),
    "window_bf16": (2, 1, True, 7, None, "bf16"),
}


def build_module() -> Module:
    m = Module()
    for name, (heads, kv_heads, causal, window, scale, dtype) in VARIANTS.items():
        f = m.function(name)
        q = f.arg("q", (None, None, heads, HD), dtype)
        k = f.arg("k", (None, None, kv_heads, HD), dtype, dim_names=["B", "S"])
        v = f.arg("v", (None, None, kv_heads, DV), dtype, dim_names=["B", "S"])
        f.ret(f.attention(q, k, v, causal=causal, window=window, scale=scale),
              "o")
    return m


def make_inputs(rand, variant, batch, queries, keys):
    heads, kv_heads, *_rest, dtype = VARIANTS[variant]
    return {"q": rand.normal((batch, queries, heads, HD), dtype),
            "k": rand.normal((batch, keys, kv_heads, HD), dtype),
            "v": rand.normal((batch, keys, kv_heads, DV), dtype)}


def expected(variant, inputs):
    _, _, causal, window, scale, _ = VARIANTS[variant]
    return reference.attention(inputs["q"], inputs["k"], inputs["v"],
                               causal=causal, window=window, scale=scale)


def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=5)
    for variant, (*_rest, dtype) in VARIANTS.items():
        # S == T, a KV cache (S > T), a decode step, and S < T, where the
        # first causal queries see no key at all.
        for batch, queries, keys in ((2, 23, 23), (1, 9, 30), (3, 1, 17),
                                     (1, 12, 5)):
            inputs = make_inputs(rand, variant, batch, queries, keys)
            out = model.run(variant, inputs,
                            {"B": batch, "T": queries, "S": keys})
            check(f"{variant}[B={batch},T={queries},S={keys}].o", out["o"],
                  expected(variant, inputs), dtype)

        if not VARIANTS[variant][2]:
            continue
        # Decoding token t against the cache of tokens 0..t equals row t of
        # one causal call over the whole sequence.
        inputs = make_inputs(rand, variant, 2, 19, 19)
        whole = model.run(variant, inputs, {"B": 2, "T": 19, "S": 19})
        for t in (0, 1, 10, 18):
            step = {"q": inputs["q"][:, t:t + 1], "k": inputs["k"][:, :t + 1],
                    "v": inputs["v"][:, :t + 1]}
            out = model.run(variant, step, {"B": 2, "T": 1, "S": t + 1})
            check(f"{variant}.decode[{t}].o", out["o"], whole["o"][:, t:t + 1],
                  dtype)


if __name__ == "__main__":
    main(sys.argv[1])
