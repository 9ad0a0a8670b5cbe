# recur.attention with NaN and infinities in its inputs, in both lowerings
# against the float64 reference: NaN in a query shows in that query's output
# (it used to give 0), a logit beyond the f32 range (+inf) takes the whole
# weight (the one-hot limit of softmax; it used to give a zero row), an
# infinite key element gives the reference's infinite logits, and a query
# that sees no key gives 0 whatever its values; an infinite value of a key
# a query does not see does not reach it.
#
# RUN: rm -rf %t && %python %s %t

import sys

import numpy as np

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check_specials

HD, DV, H, HKV = 8, 4, 4, 2


def build_module() -> Module:
    m = Module()
    f = m.function("attend")
    q = f.arg("q", (1, None, H, HD))
    k = f.arg("k", (1, None, HKV, HD), dim_names=["S"])
    v = f.arg("v", (1, None, HKV, DV), dim_names=["S"])
    f.ret(f.attention(q, k, v, causal=True), "o")
    return m


def special_inputs(rand, queries, keys):
    q = rand.normal((1, queries, H, HD))
    k = rand.normal((1, keys, HKV, HD))
    v = rand.normal((1, keys, HKV, DV))
    offset = keys - queries
    # Query 3 of head 1 is NaN.
    q[0, 3, 1, :] = np.nan
    # Key 5 of key/value head 0 makes the logits of every later query of
    # heads 0 and 1 overflow f32: those queries take value 5 alone.
    q[0, :, 0:2, :] = np.abs(q[0, :, 0:2, :]) + 2.0
    k[0, 5, 0, :] = 3e38
    # One element of key 7 of head 1 is -inf: its logit is -inf or +inf by
    # the sign of the query element it meets.
    k[0, 7, 1, 2] = -np.inf
    # Value 10 of head 1 is +inf: the queries that see key 10 give inf (or
    # NaN where its weight is 0), the earlier ones, in the same tiles, stay
    # finite (the chunked form used to let 0 * inf through).
    if keys > 10:
        v[0, 10, 1, :] = np.inf
    # A query that sees no key (S < T) gives 0, even a NaN one.
    if offset < 0:
        q[0, 0, 3, :] = np.nan
    return {"q": q, "k": k, "v": v}


def main(workdir: str) -> None:
    text = build_module().to_mlir()
    models = {
        "default": compile_module(text, f"{workdir}/default",
                                  options=["--chunk-size=4"]),
        "reference": compile_module(text, f"{workdir}/reference",
                                    pipeline="reference"),
    }
    rand = Inputs(seed=11)
    for queries, keys in ((12, 12), (6, 12), (12, 9)):
        inputs = special_inputs(rand, queries, keys)
        with np.errstate(invalid="ignore", over="ignore"):
            expected = reference.attention(inputs["q"], inputs["k"],
                                           inputs["v"], causal=True)
        # The cases the inputs were made for are really in the reference.
        assert np.isnan(expected[0, 3, 1]).all()
        assert np.isfinite(expected[0, 6:, 0]).all()
        first_seeing = 10 - (keys - queries)   # the first query that sees key 10
        if keys > 10 and first_seeing > 0:
            assert np.isfinite(expected[0, max(first_seeing - 2, 0):first_seeing, 2]).all()
        for pipeline, model in models.items():
            out = model.run("attend", inputs, {"T": queries, "S": keys})
            check_specials(f"{pipeline} T={queries} S={keys}", out["o"],
                           expected, "f32")


if __name__ == "__main__":
    main(sys.argv[1])
