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


def sigmoid_gated_rms_norm(f: Function, x: Value, z: Value, weight: Value,
                           eps: float, dtype: Optional[str] = None) -> Value:
    """RMSNorm over the last dimension, then a sigmoid gate z: Kimi Delta
    Attention's rms_norm(x) * weight * sigmoid(z)."""
    normed = rms_norm(f, x, weight, eps, dtype="f32")
    return f.map(lambda n, g: n * expr.sigmoid(g), normed, z,
                 dtype=dtype or x.dtype)


def group_norm(f: Function, x: Value, groups: int, weight: Value,
               bias: Value, eps: float,
               dtype: Optional[str] = None) -> Value:
    """torch's GroupNorm over the channels of x [..., C]: each group of
    C / groups consecutive channels less its mean, over sqrt(its biased
    variance + eps), then times weight [C] plus bias [C]."""
    grouped = f.split_heads(x, groups)                    # [..., G, C / G]
    size = grouped.shape[-1]
    rows = _rows(grouped)
    total = f.sum(lambda a: a, grouped)
    centered = f.map(lambda a, s: a - s / size, grouped, (total, rows),
                     dtype="f32")
    squares = f.sum(lambda a: a * a, centered)
    normed = f.map(lambda a, s, w, b: a * expr.rsqrt(s / size + eps) * w + b,
                   centered, (squares, rows), f.split_heads(weight, groups),
                   f.split_heads(bias, groups), dtype=dtype or x.dtype)
    return f.merge_heads(normed)


def layer_norm(f: Function, x: Value, weight: Value, bias: Value,
               eps: float, dtype: Optional[str] = None) -> Value:
    """torch's LayerNorm over the last dimension (one group of
    group_norm)."""
    return group_norm(f, x, 1, weight, bias, eps, dtype=dtype)


def token_shift(f: Function, x: Value, state: Value):
    """x [B, T, D] one token later, and the next call's state: (y, last)
    with y_t = x_{t-1}, x_{-1} = state [B, D] (the previous call's last
    token), and last = x_{T-1} [B, D]. A conv1d of kernel 2 with the taps
    (1, 0) on every channel."""
    width = x.shape[-1]
    taps = f.concat_last(f.full((width, 1), 1.0, x.dtype),
                         f.full((width, 1), 0.0, x.dtype))
    shifted, last = f.conv1d(x, taps, state=f.split_heads(state, 1))
    return shifted, f.merge_dims(last, 1)


def token_positions(f: Function, x: Value, position: Value):
    """The position of each token of x [B, T, ...] in its sequence, [B, T]
    (f32), from `position` [B, 1], the tokens before the call; and the next
    call's position [B, 1]. The scan h_t = h_{t-1} + 1 from `position`
    gives position + t + 1, and its final state is the next position."""
    ones = f.map(lambda a: a * 0.0 + 1.0, f.slice_last(x, 0, 1))
    counted, position_next = f.scan(ones, ones, h0=position)
    return f.sum(lambda a: a - 1.0, counted), position_next


def l2_normalize(f: Function, x: Value, eps: float = 1e-6,
                 dtype: Optional[str] = None) -> Value:
    """x / sqrt(sum(x^2 over the last dimension) + eps) (the delta-rule
    kernels' query and key normalization)."""
    squares = f.sum(lambda a: a * a, x)
    return f.map(lambda a, s: a * expr.rsqrt(s + eps), x,
                 (squares, _rows(x)), dtype=dtype or x.dtype)


def rotary(f: Function, x: Value, positions: Value, base: float = 10000.0,
           dtype: Optional[str] = None) -> Value:
    """Rotary position embedding (RoPE, the halves form of GPT-NeoX) of
    x [B, T, H, D] (D even) at positions [B, T] (f32, any real values):
    channel i < D/2 and its partner i + D/2 rotate by the angle
    position * base^(-2i/D)."""
    if x.shape[-1] is None or x.shape[-1] % 2:
        raise ValueError("rotary needs a static, even last dimension")
    half = x.shape[-1] // 2
    freq = f.constant([base ** (-2.0 * i / (2 * half)) for i in range(half)])
    first, second = f.slice_last(x, 0, half), f.slice_last(x, half, half)
    rows = (positions, (0, 1))
    rotated = [
        f.map(lambda a, b, p, w: a * expr.cos(p * w) - b * expr.sin(p * w),
              first, second, rows, freq, dtype=dtype or x.dtype),
        f.map(lambda a, b, p, w: b * expr.cos(p * w) + a * expr.sin(p * w),
              first, second, rows, freq, dtype=dtype or x.dtype)]
    return f.concat_last(*rotated)
