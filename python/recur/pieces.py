"""Pieces of sequence-mixing blocks, written with `model.Function`'s
generic ops (map, sum, linear, ...); each has its float64 NumPy reference
of the same name in `recur.reference`.

    from recur import pieces
    y = pieces.rms_norm(f, x, weight, eps=1e-5)
"""

from typing import Optional

from . import expr
from .model import Function, Value


def _rows(x: Value):
    """Per-row statistics of x [..., D]: indexes x's leading dimensions."""
    return tuple(range(len(x.shape) - 1))


def rms_norm(f: Function, x: Value, weight: Value, eps: float,
             dtype: Optional[str] = None) -> Value:
    """x / sqrt(mean(x^2 over the last dimension) + eps) * weight [D], in
    f32, rounded to `dtype` (default: x's)."""
    width = x.shape[-1]
    if width is None:
        raise ValueError("rms_norm needs a static last dimension")
    squares = f.sum(lambda a: a * a, x)
    return f.map(lambda a, s, w: a * expr.rsqrt(s / width + eps) * w,
                 x, (squares, _rows(x)), weight, dtype=dtype or x.dtype)


def gated_rms_norm(f: Function, x: Value, z: Value, weight: Value, eps: float,
                   norm_before_gate: bool,
                   dtype: Optional[str] = None) -> Value:
    """RMSNorm over the last dimension with a SiLU gate z: Mamba-2's
    rms_norm(x * silu(z)) (norm_before_gate=False) or Qwen3-Next's
    rms_norm(x) * silu(z)."""
    dtype = dtype or x.dtype
    if norm_before_gate:
        normed = rms_norm(f, x, weight, eps, dtype="f32")
        return f.map(lambda n, g: n * expr.silu(g), normed, z, dtype=dtype)
    gated = f.map(lambda a, g: a * expr.silu(g), x, z, dtype="f32")
    return rms_norm(f, gated, weight, eps, dtype=dtype)


def l2_normalize(f: Function, x: Value, eps: float = 1e-6,
                 dtype: Optional[str] = None) -> Value:
    """x / sqrt(sum(x^2 over the last dimension) + eps) (the delta-rule
    kernels' query and key normalization)."""
    squares = f.sum(lambda a: a * a, x)
    return f.map(lambda a, s: a * expr.rsqrt(s + eps), x,
                 (squares, _rows(x)), dtype=dtype or x.dtype)
