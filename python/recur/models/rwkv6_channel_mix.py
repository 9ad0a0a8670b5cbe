"""RWKV-6's channel mix (the checkpoints' Rwkv6FeedForward, modeling_rwkv6.py
of RWKV/v6-Finch-*-HF): the second half of every RWKV-6 block,

    h = h + channel_mix(layer_norm(h) * ln2.weight + ln2.bias)

after its time mix (rwkv6.py names the sublayer's place: feed_forward.,
ln2). With d = hidden_size and I = intermediate_size (null: int(3.5 d)
rounded down to a multiple of 32), per token (x_{-1}: the previous call's
last input of the sublayer):

    xx          = x_{t-1} - x_t                              token shift
    k           = relu(key(x_t + xx * time_maa_k))^2         [I]
    r           = sigmoid(receptance(x_t + xx * time_maa_r)) [d]
    out         = r * value(k)                               [d]

Its state is the shift state [B, d] (the sublayer's last input token, the
checkpoint code's state[2] of the layer). `reference` is the sublayer in
float64 NumPy, a token loop as the checkpoint code has it.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function


@dataclass(frozen=True)
class ChannelMixConfig:
    hidden_size: int
    intermediate_size: int


def default_width(hidden_size: int) -> int:
    """The checkpoint code's intermediate_size where the config's is
    null."""
    return int(hidden_size * 3.5) // 32 * 32


def weight_shapes(c: ChannelMixConfig) -> Dict[str, tuple]:
    """Checkpoint name (less the sublayer's prefix) -> shape."""
    d, width = c.hidden_size, c.intermediate_size
    return {"time_maa_k": (1, 1, d), "time_maa_r": (1, 1, d),
            "key.weight": (width, d), "receptance.weight": (d, d),
            "value.weight": (d, width)}


def matrix_weights(c: ChannelMixConfig):
    """The weights multiplied as matrices (kept in a checkpoint's bf16)."""
    return ("key.weight", "receptance.weight", "value.weight")


def state_shapes(c: ChannelMixConfig) -> Dict[str, tuple]:
    """The sublayer's state (argument name), [B, d] less B."""
    return {"ffn_shift_state": (c.hidden_size,)}


def random_weights(c: ChannelMixConfig, rand) -> Dict[str, np.ndarray]:
    """Interpolations in [0, 1], matrices of variance 1 / fan-in."""
    w = {name: rand.normal(shape, scale=shape[-1] ** -0.5)
         for name, shape in weight_shapes(c).items()}
    for name in ("time_maa_k", "time_maa_r"):
        w[name] = rand.uniform((1, 1, c.hidden_size), 0.0, 1.0)
    return w


def emit(f: Function, c: ChannelMixConfig, x, w, shift_state):
    """The sublayer's ops in `f` on x [B, T, d]: (out, next shift
    state)."""
    def vector(name):
        return f.merge_dims(f.merge_dims(w[name], 0), 0)

    shifted, shift_next = pieces.token_shift(f, x, shift_state)
    mixed = {name: f.map(lambda a, s, mu: a + (s - a) * mu, x, shifted,
                         vector(f"time_maa_{name}"))
             for name in ("k", "r")}
    key = f.map(lambda a: expr.maximum(a, 0.0) * expr.maximum(a, 0.0),
                f.linear(mixed["k"], w["key.weight"]))
    value = f.linear(key, w["value.weight"])
    receptance = f.linear(mixed["r"], w["receptance.weight"])
    return f.map(lambda r, v: expr.sigmoid(r) * v, receptance,
                 value), shift_next


def reference(c: ChannelMixConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, shift_state: Optional[np.ndarray] = None):
    """The sublayer in float64: (out, next shift state [B, d])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, d = x.shape
    previous = (np.zeros((batch, d)) if shift_state is None
                else ref.to_float64(shift_state).copy())
    out = np.zeros_like(x)
    for t in range(time):
        xt = x[:, t]
        xx = previous - xt
        k = xt + xx * w["time_maa_k"].reshape(d)
        r = xt + xx * w["time_maa_r"].reshape(d)
        k = np.maximum(k @ w["key.weight"].T, 0.0) ** 2
        out[:, t] = ref.sigmoid(r @ w["receptance.weight"].T) * \
            (k @ w["value.weight"].T)
        previous = xt
    return out, previous


__all__ = ["ChannelMixConfig", "default_width", "weight_shapes",
           "matrix_weights", "state_shapes", "random_weights", "emit",
           "reference"]
