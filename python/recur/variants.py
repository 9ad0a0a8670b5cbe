"""The variants of recur.linear_attention that tests and benchmarks sweep:
each gate kind, the RWKV-6 bonus, and the delta rule with and without a
gate, as a function's arguments and results."""

from typing import Tuple

# (gate kind, delta rule, bonus) of every variant.
LINEAR_ATTENTION_VARIANTS = (("none", False, False), ("head", False, False),
                             ("scalar", False, False), ("key", False, False),
                             ("key", False, True), ("none", True, False),
                             ("scalar", True, False), ("key", True, False))


def add_linear_attention(f, H: int, K: int, V: int, dtype: str = "f32",
                         gate: str = "none", delta: bool = False,
                         bonus: bool = False,
                         batch_time: Tuple = (None, None)) -> None:
    """Gives function `f` the arguments of one linear attention (q, k, v in
    `dtype`; g, beta, bonus and the initial state h0 in f32; sizes
    `batch_time` + (H, ...), None for dynamic) and its results o and
    h_last."""
    tokens = tuple(batch_time) + (H,)
    q = f.arg("q", tokens + (K,), dtype)
    k = f.arg("k", tokens + (K,), dtype)
    v = f.arg("v", tokens + (V,), dtype)
    g = None
    if gate != "none":
        g = f.arg("g", {"head": (H,), "scalar": tokens,
                        "key": tokens + (K,)}[gate])
    beta = f.arg("beta", tokens) if delta else None
    u = f.arg("bonus", (H, K)) if bonus else None
    h0 = f.arg("h0", (batch_time[0], H, K, V))
    o, s = f.linear_attention(q, k, v, g=g, gate_kind=gate, beta=beta,
                              bonus=u, h0=h0)
    f.ret(o, "o")
    f.ret(s, "h_last")
