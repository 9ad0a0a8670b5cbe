"""The RWKV-6 ("Finch") time-mix block, from the fields of the Rwkv6Config
of the Hugging Face-hosted RWKV-6 checkpoints (RWKV/v6-Finch-*-HF, their
modeling_rwkv6.py: Rwkv6SelfAttention, whose parameter names the weights
keep).

With d = hidden_size = attention_hidden_size, S = head_size, H = d / S,
R = 32 and Rd = 64 (64 and 128 when d = 4096, as the checkpoint code
fixes them), per token (x_{-1}: the previous call's last token):

    xx          = x_{t-1} - x_t                              token shift
    xxx         = x_t + xx * time_maa_x
    m_w .. m_g  = tanh(xxx @ time_maa_w1) [5, R], each @ time_maa_w2[i]
    x_c         = x_t + xx * (time_maa_c + m_c)        c in w, k, v, r, g
    r, k, v     = receptance(x_r), key(x_k), value(x_v)   heads of S
    g           = silu(gate(x_g))
    w           = time_decay + tanh(x_w @ time_decay_w1) @ time_decay_w2
    o_t         = r_t^T (S_{t-1} + diag(u) k_t v_t^T)      u = time_faaaa
    S_t         = diag(exp(-exp(w_t))) S_{t-1} + k_t v_t^T       [S, S]
    y           = GroupNorm(H groups, eps 1e-5 head_size_divisor^2)(o)
                  * ln_x.weight + ln_x.bias
    out         = output(y * g)

The recurrence is recur.linear_attention with a key gate (log decay
-exp(w)), the bonus u and scale 1 (docs/ops.md). The token shift is
pieces.token_shift (a conv1d of kernel 2 with fixed taps). The states are
the shift state [B, d] (the block's last input token, the checkpoint
code's state[0] of the layer) and the WKV state [B, H, S, S] ([K, V] per
head, the checkpoint code's layout); builder.py writes the block's
function.

The model's layers pre-normalize with a LayerNorm (ln1, with a bias), not
an RMSNorm; a whole model's add the channel mix (rwkv6_channel_mix.py).

`reference` is the same block in float64 NumPy, written from the
checkpoint's modeling code (a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function
from . import builder, rwkv6_channel_mix
from .config import Config

FAMILY = "rwkv6"
# The model_type of its configs.
MODEL_TYPE = "rwkv6"

# Every field of the checkpoints' Rwkv6Config and their config.json (which
# also has auto_map and an unused num_attention_heads); the block reads
# some, the model around it the others.
KNOWN = (
    "architectures", "attention_hidden_size", "auto_map", "bos_token_id",
    "eos_token_id", "head_size", "head_size_divisor", "hidden_size",
    "intermediate_size", "layer_norm_epsilon", "model_type",
    "num_attention_heads", "num_hidden_layers", "rescale_every",
    "tie_word_embeddings", "torch_dtype", "transformers_version",
    "use_cache", "vocab_size",
)

# The LoRA order of time_maa_w1 / time_maa_w2.
MIXES = ("w", "k", "v", "r", "g")


@dataclass
class Rwkv6Config:
    hidden_size: int
    head_size: int = 64
    head_size_divisor: float = 8.0
    layer_norm_epsilon: float = 1e-5

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon

    @property
    def num_heads(self) -> int:
        return self.hidden_size // self.head_size

    @property
    def group_norm_eps(self) -> float:
        """ln_x's epsilon."""
        return 1e-5 * self.head_size_divisor ** 2

    @property
    def mix_rank(self) -> int:
        """The rank of the 5-way interpolation LoRA (time_maa_w1/w2)."""
        return 64 if self.hidden_size == 4096 else 32

    @property
    def decay_rank(self) -> int:
        """The rank of the decay LoRA (time_decay_w1/w2)."""
        return 128 if self.hidden_size == 4096 else 64


def parse(config: Config) -> Rwkv6Config:
    """The block's fields, checked; a ConfigError names the bad one."""
    c = Rwkv6Config(
        hidden_size=config.integer("hidden_size"),
        head_size=config.integer("head_size", 64),
        head_size_divisor=config.number("head_size_divisor", 8.0),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5))
    # null (the class's default) means hidden_size.
    attention = c.hidden_size
    if config.fields.get("attention_hidden_size") is not None:
        attention = config.integer("attention_hidden_size")
    if attention != c.hidden_size:
        raise config.fail(
            "attention_hidden_size", f"({attention}) other than "
            f"hidden_size ({c.hidden_size}) is not supported (ln_x "
            "normalizes hidden_size channels)")
    if c.hidden_size % c.head_size:
        raise config.fail("head_size", f"({c.head_size}) must divide "
                          f"attention_hidden_size ({c.hidden_size})")
    return c


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm, a LayerNorm (ln1, with a bias). A whole model's layers
# add the channel mix (rwkv6_channel_mix.py) under feed_forward., after
# ln2; its first layer's pre_ln (on the embeddings) is the whole model's
# (rwkv6_model.py).
LAYERS_PREFIX = "rwkv.blocks"
MIXER_PREFIX = "attention."
PRE_NORM = "ln1.weight"
PRE_NORM_BIAS = "ln1.bias"
PRE_NORM_OFFSET = 0.0
MLP_PREFIX = "feed_forward."
MLP_NORM = "ln2.weight"
MLP_NORM_BIAS = "ln2.bias"
MLP_MODULE = rwkv6_channel_mix
MATRIX_WEIGHTS = ("receptance.weight", "key.weight", "value.weight",
                  "gate.weight", "output.weight")


def weight_shapes(c: Rwkv6Config) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    d, heads, size = c.hidden_size, c.num_heads, c.head_size
    shapes = {f"time_maa_{name}": (1, 1, d) for name in ("x",) + MIXES}
    shapes.update({
        "time_maa_w1": (d, len(MIXES) * c.mix_rank),
        "time_maa_w2": (len(MIXES), c.mix_rank, d),
        "time_decay": (1, 1, d),
        "time_decay_w1": (d, c.decay_rank),
        "time_decay_w2": (c.decay_rank, d),
        "time_faaaa": (heads, size),
        "receptance.weight": (d, d),
        "key.weight": (d, d),
        "value.weight": (d, d),
        "gate.weight": (d, d),
        "output.weight": (d, d),
        "ln_x.weight": (d,),
        "ln_x.bias": (d,),
    })
    return shapes


def state_shapes(c: Rwkv6Config) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"shift_state": (c.hidden_size,),
            "wkv_state": (c.num_heads, c.head_size, c.head_size)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (interpolations in [0, 1],
    decays exp(-exp(w)) with w about -6 to -1, small LoRA outputs), for
    tests and examples."""
    w = {name: builder.random_weight(rand, name, shape)
         for name, shape in weight_shapes(c).items()}
    d = c.hidden_size
    for name in ("x",) + MIXES:
        w[f"time_maa_{name}"] = rand.uniform((1, 1, d), 0.0, 1.0)
    # x @ W matrices ([in, out]): variance 1 / in.
    w["time_maa_w1"] = rand.normal(w["time_maa_w1"].shape, scale=d ** -0.5)
    w["time_maa_w2"] = rand.normal(w["time_maa_w2"].shape,
                                   scale=0.5 * c.mix_rank ** -0.5)
    w["time_decay"] = rand.uniform((1, 1, d), -6.0, -1.0)
    w["time_decay_w1"] = rand.normal(w["time_decay_w1"].shape,
                                     scale=d ** -0.5)
    w["time_decay_w2"] = rand.normal(w["time_decay_w2"].shape,
                                     scale=0.5 * c.decay_rank ** -0.5)
    w["time_faaaa"] = rand.uniform(w["time_faaaa"].shape, -1.0, 1.0)
    w["ln_x.weight"] = rand.uniform((d,), 0.5, 1.5)
    w["ln_x.bias"] = rand.normal((d,), scale=0.1)
    return w


def emit(f: Function, c: Rwkv6Config, x, w, shift_state, wkv_state):
    """The block's ops in `f`: (out, shift state, WKV state)."""
    d, heads = c.hidden_size, c.num_heads

    def vector(name):
        """A (1, 1, n) parameter as [n]."""
        return f.merge_dims(f.merge_dims(w[name], 0), 0)

    shifted, shift_next = pieces.token_shift(f, x, shift_state)
    xx = f.map(lambda s, a: s - a, shifted, x)
    xxx = f.map(lambda a, s, mu: a + s * mu, x, xx, vector("time_maa_x"))
    lora = f.map(expr.tanh, f.matmul(xxx, w["time_maa_w1"]))  # [B, T, 5R]
    # [B, T, 5, R] times [5, R, d], each mix's own matrix: [B, T, 5 d].
    mixes = f.merge_heads(f.head_linear(f.split_heads(lora, len(MIXES)),
                                        w["time_maa_w2"]))
    mixed = {}
    for i, name in enumerate(MIXES):
        mixed[name] = f.map(lambda a, s, mu, m: a + s * (mu + m), x, xx,
                            vector(f"time_maa_{name}"),
                            f.slice_last(mixes, i * d, d))

    r = f.linear(mixed["r"], w["receptance.weight"])
    k = f.linear(mixed["k"], w["key.weight"])
    v = f.linear(mixed["v"], w["value.weight"])
    g = f.linear(mixed["g"], w["gate.weight"])
    decay = f.matmul(f.map(expr.tanh, f.matmul(mixed["w"],
                                               w["time_decay_w1"])),
                     w["time_decay_w2"])
    log_decay = f.map(lambda a, b: -expr.exp(a + b), decay,
                      vector("time_decay"))

    o, wkv_next = f.linear_attention(
        f.split_heads(r, heads), f.split_heads(k, heads),
        f.split_heads(v, heads), g=f.split_heads(log_decay, heads),
        gate_kind="key", bonus=w["time_faaaa"], h0=wkv_state, scale=1.0)
    y = pieces.group_norm(f, f.merge_heads(o), heads, w["ln_x.weight"],
                          w["ln_x.bias"], c.group_norm_eps)
    y = f.map(lambda a, b: a * expr.silu(b), y, g)
    return f.linear(y, w["output.weight"]), shift_next, wkv_next


def reference(c: Rwkv6Config, weights: Dict[str, np.ndarray],
              x: np.ndarray, shift_state: Optional[np.ndarray] = None,
              wkv_state: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, shift state
    [B, d], WKV state [B, H, S, S])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, d = x.shape
    heads, size, rank = c.num_heads, c.head_size, c.mix_rank
    maa = {name: w[f"time_maa_{name}"].reshape(d)
           for name in ("x",) + MIXES}
    previous = (np.zeros((batch, d)) if shift_state is None
                else ref.to_float64(shift_state).copy())
    state = (np.zeros((batch, heads, size, size)) if wkv_state is None
             else ref.to_float64(wkv_state).copy())
    u = w["time_faaaa"]
    out = np.zeros((batch, time, d))
    for t in range(time):
        xt = x[:, t]
        xx = previous - xt
        lora = np.tanh((xt + xx * maa["x"]) @ w["time_maa_w1"])
        lora = lora.reshape(batch, len(MIXES), rank)
        m = np.einsum("bir,ird->bid", lora, w["time_maa_w2"])
        mix = {name: xt + xx * (maa[name] + m[:, i])
               for i, name in enumerate(MIXES)}
        r = (mix["r"] @ w["receptance.weight"].T).reshape(batch, heads, size)
        k = (mix["k"] @ w["key.weight"].T).reshape(batch, heads, size)
        v = (mix["v"] @ w["value.weight"].T).reshape(batch, heads, size)
        g = ref.silu(mix["g"] @ w["gate.weight"].T)
        decay = w["time_decay"].reshape(d) + \
            np.tanh(mix["w"] @ w["time_decay_w1"]) @ w["time_decay_w2"]
        decay = np.exp(-np.exp(decay)).reshape(batch, heads, size)
        kv = k[..., :, None] * v[..., None, :]                 # [B, H, K, V]
        o = np.einsum("bhk,bhkv->bhv", r, state + u[..., None] * kv)
        state = decay[..., None] * state + kv
        # GroupNorm with H groups: per head, over its S channels.
        o = (o - o.mean(axis=-1, keepdims=True)) / np.sqrt(
            o.var(axis=-1, keepdims=True) + c.group_norm_eps)
        y = o.reshape(batch, d) * w["ln_x.weight"] + w["ln_x.bias"]
        out[:, t] = (y * g) @ w["output.weight"].T
        previous = xt
    return out, previous, state


__all__ = ["FAMILY", "KNOWN", "Rwkv6Config", "parse", "weight_shapes",
           "state_shapes", "random_weights", "emit", "reference"]
