"""The recurrent block of Griffin / RecurrentGemma (the RG-LRU), from the
fields of Hugging Face's RecurrentGemmaConfig.

With d = hidden_size, w = lru_width, H = num_attention_heads (the blocks
of the block-diagonal gates), P = w / H and W = conv1d_width, per token:

    y     = gelu_tanh(linear_y(x))                      [w]
    u     = conv_1d(linear_x(x))          depthwise, kernel W, bias, state
    i, r  = sigmoid(u_h W_i[h] + b_i[h]), sigmoid(u_h W_r[h] + b_r[h])
                                          per head h of P channels, W_*[h]
                                          [P, P] read as (in, out)
    log_a = -8 r softplus(recurrent_param);  a = exp(log_a)
    h     = a h + sqrt(1 - a^2) (i u)                   state [w]
    out   = linear_out(h y)

The recurrence is recur.scan (elementwise over the w channels), the gates
a per-head matmul (Function.head_linear). The states are the conv state
[B, W - 1, w] (the transpose of the checkpoint code's [B, w, W - 1]) and
the RG-LRU state [B, w] (f32, as the checkpoint code keeps it).

Positions: the checkpoint code resets the recurrence at position 0 of a
sequence (there a = 0, so h = i u: the input is not scaled). The block
takes a third state, the position [B, 1] (f32: the tokens before the call,
counted on by recur.scan as in retnet.py), and resets at every token whose
position is below 0.5: a new sequence passes zero states and position 0,
and gets the checkpoint code's prefill exactly.

`reference` is the block in float64 NumPy, written from the family's
modeling code (a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function
from . import builder
from .config import Config

FAMILY = "recurrent_gemma"
# The model_type of its configs.
MODEL_TYPE = "recurrent_gemma"

# Every field of RecurrentGemmaConfig (with the attributes it derives and
# saves, and those of the published checkpoints' config.json); the block
# reads some, the model around it the others.
KNOWN = (
    "_block_types", "architectures", "attention_bias", "attention_dropout",
    "attention_window_size", "block_types", "bos_token_id", "conv1d_width",
    "dtype", "embeddings_scale_by_sqrt_dim", "eos_token_id",
    "final_w_init_variance_scale", "head_dim", "hidden_activation",
    "hidden_size", "intermediate_size", "logits_soft_cap", "lru_width",
    "model_type", "num_attention_heads", "num_hidden_layers",
    "num_key_value_heads", "pad_token_id", "partial_rotary_factor",
    "rms_norm_eps", "rope_parameters", "rope_theta", "tie_word_embeddings",
    "torch_dtype", "transformers_version", "use_cache", "vocab_size",
    "w_init_variance_scale",
)

BLOCK_TYPES = ("recurrent", "attention")

# The RG-LRU's fixed scale of log a (the paper's c).
GATE_SCALE = 8.0


@dataclass
class RecurrentGemmaConfig:
    hidden_size: int
    lru_width: int
    num_attention_heads: int
    conv1d_width: int = 4
    rms_norm_eps: float = 1e-6

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps

    @property
    def block_width(self) -> int:
        return self.lru_width // self.num_attention_heads


def parse(config: Config) -> RecurrentGemmaConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden = config.integer("hidden_size")
    c = RecurrentGemmaConfig(
        hidden_size=hidden,
        lru_width=hidden if config.fields.get("lru_width") is None
        else config.integer("lru_width"),
        num_attention_heads=config.integer("num_attention_heads", 10),
        conv1d_width=config.integer("conv1d_width", 4, minimum=2),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6))
    if c.lru_width % c.num_attention_heads:
        raise config.fail("num_attention_heads",
                          f"({c.num_attention_heads}) must divide lru_width "
                          f"({c.lru_width})")
    activation = config.text("hidden_activation", "gelu_pytorch_tanh")
    if activation != "gelu_pytorch_tanh":
        config.unsupported("hidden_activation", "is not supported (only "
                           "\"gelu_pytorch_tanh\")")
    if "recurrent" not in read_block_types(config, list(BLOCK_TYPES[:1])):
        raise config.fail("block_types", "has no \"recurrent\" block")
    return c


def read_block_types(config: Config, default: list) -> list:
    """block_types, checked: a non-empty list of "recurrent" and
    "attention" (default `default`). Hugging Face's saved configs name it
    `_block_types` (the configuration class keeps it under that name);
    both names must agree."""
    names = [name for name in ("block_types", "_block_types")
             if config.fields.get(name) is not None]
    if len(names) == 2 and config.fields[names[0]] != \
            config.fields[names[1]]:
        raise config.fail("_block_types", "differs from block_types")
    name = names[0] if names else "block_types"
    types = config.fields.get(name, default)
    if not isinstance(types, list) or not types or \
            any(t not in BLOCK_TYPES for t in types):
        raise config.fail(name, "must be a non-empty list of "
                          "\"recurrent\" and \"attention\"")
    return types


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight). A stack
# here is recurrent layers only, without the layers' MLP blocks; a whole
# model's layer (recurrent_gemma_model.py) has its MLP block under
# MLP_PREFIX after the MLP_NORM pre-norm.
LAYERS_PREFIX = "model.layers"
MIXER_PREFIX = "temporal_block."
PRE_NORM = "temporal_pre_norm.weight"
PRE_NORM_OFFSET = 1.0
MLP_PREFIX = "mlp_block."
MLP_NORM = "channel_pre_norm.weight"


def weight_shapes(c: RecurrentGemmaConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    d, w, heads, p = (c.hidden_size, c.lru_width, c.num_attention_heads,
                      c.block_width)
    return {
        "linear_y.weight": (w, d),
        "linear_y.bias": (w,),
        "linear_x.weight": (w, d),
        "linear_x.bias": (w,),
        "conv_1d.weight": (w, 1, c.conv1d_width),
        "conv_1d.bias": (w,),
        "rg_lru.input_gate_weight": (heads, p, p),
        "rg_lru.input_gate_bias": (heads, p),
        "rg_lru.recurrent_gate_weight": (heads, p, p),
        "rg_lru.recurrent_gate_bias": (heads, p),
        "rg_lru.recurrent_param": (w,),
        "linear_out.weight": (d, w),
        "linear_out.bias": (d,),
    }


def state_shapes(c: RecurrentGemmaConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"conv_state": (c.conv1d_width - 1, c.lru_width),
            "recurrent_state": (c.lru_width,), "position": (1,)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (a^(1/r) = exp(-8
    softplus(recurrent_param)) in [0.81, 0.998]^4, as the checkpoint code
    initializes it; gate matrices with variance 1 / P), for tests and
    examples."""
    w = {name: builder.random_weight(rand, name, shape)
         for name, shape in weight_shapes(c).items()}
    p = c.block_width
    for gate in ("input", "recurrent"):
        name = f"rg_lru.{gate}_gate_weight"
        w[name] = rand.normal(w[name].shape, scale=p ** -0.5)
    # softplus(recurrent_param) = -log(s) / 2 for s in [0.9^2, 0.999^2].
    s = rand.uniform((c.lru_width,), 0.81, 0.998)
    w["rg_lru.recurrent_param"] = np.log(s ** -0.5 - 1.0)
    return w


def _biased(f: Function, y, bias):
    return f.map(lambda a, b: a + b, y, bias)


def emit(f: Function, c: RecurrentGemmaConfig, x, w, conv_state,
         recurrent_state, position):
    """The block's ops in `f`: (out, conv state, RG-LRU state,
    position)."""
    heads = c.num_attention_heads
    y = f.map(lambda a, b: expr.gelu_tanh(a + b),
              f.linear(x, w["linear_y.weight"]), w["linear_y.bias"])
    u = _biased(f, f.linear(x, w["linear_x.weight"]), w["linear_x.bias"])
    conv_w = f.merge_dims(w["conv_1d.weight"], 0)          # [w, W]
    u, conv_next = f.conv1d(u, conv_w, bias=w["conv_1d.bias"],
                            state=conv_state)
    uh = f.split_heads(u, heads)                           # [B, T, H, P]
    gate_i = f.head_linear(uh, w["rg_lru.input_gate_weight"])
    gate_r = f.head_linear(uh, w["rg_lru.recurrent_gate_weight"])
    # softplus(recurrent_param) once per call, not per token.
    rate = f.map(lambda lam: -GATE_SCALE * expr.softplus(lam),
                 f.split_heads(w["rg_lru.recurrent_param"], heads))  # [H, P]
    # a = 0 at the first token of a sequence (the reset), and then
    # sqrt(1 - a^2) = 1: the input is not scaled there.
    positions, position_next = pieces.token_positions(f, x, position)
    a = f.map(lambda r, br, c, p: expr.where_less(
                  p, 0.5, 0.0, expr.exp(c * expr.sigmoid(r + br))),
              gate_r, w["rg_lru.recurrent_gate_bias"], rate,
              (positions, (0, 1)))
    # sqrt(1 - a^2): exp(2 log a) is a^2.
    b = f.map(lambda v, i, bi, a_: v * expr.sigmoid(i + bi) *
              expr.sqrt(1.0 - a_ * a_),
              uh, gate_i, w["rg_lru.input_gate_bias"], a)
    h, state_next = f.scan(f.merge_heads(a), f.merge_heads(b),
                           h0=recurrent_state)
    mixed = f.map(lambda a_, b_: a_ * b_, h, y)
    out = _biased(f, f.linear(mixed, w["linear_out.weight"]),
                  w["linear_out.bias"])
    return out, conv_next, state_next, position_next


def reference(c: RecurrentGemmaConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, conv_state: Optional[np.ndarray] = None,
              recurrent_state: Optional[np.ndarray] = None,
              position: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, conv state
    [B, W - 1, w], RG-LRU state [B, w], position [B, 1]). The recurrence
    resets (a = 0, the input not scaled) at a token of position 0 (below
    0.5), as the checkpoint code does at the start of a sequence."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    width, heads, p = c.lru_width, c.num_attention_heads, c.block_width
    y = ref.gelu_tanh(ref.linear(x, w["linear_y.weight"], w["linear_y.bias"]))
    u = ref.linear(x, w["linear_x.weight"], w["linear_x.bias"])
    # The checkpoint's depthwise Conv1d: [w, 1, W], padded by W - 1 in front.
    history = (np.zeros((batch, c.conv1d_width - 1, width))
               if conv_state is None else ref.to_float64(conv_state))
    padded = np.concatenate([history, u], axis=1)
    kernel = w["conv_1d.weight"][:, 0, :]                  # [w, W]
    conv = np.zeros((batch, time, width))
    for t in range(time):
        window = padded[:, t:t + c.conv1d_width]           # [B, W, w]
        conv[:, t] = np.einsum("bjc,cj->bc", window, kernel) + \
            w["conv_1d.bias"]
    conv_next = padded[:, time:].copy()

    positions, position_next = ref.token_positions(position, batch, time)
    softplus_param = ref.softplus(w["rg_lru.recurrent_param"])
    state = (np.zeros((batch, width)) if recurrent_state is None
             else ref.to_float64(recurrent_state).copy())
    h = np.zeros((batch, time, width))
    for t in range(time):
        xt = conv[:, t].reshape(batch, heads, p)
        gate_i = ref.sigmoid(
            np.einsum("bhi,hij->bhj", xt, w["rg_lru.input_gate_weight"]) +
            w["rg_lru.input_gate_bias"]).reshape(batch, width)
        gate_r = ref.sigmoid(
            np.einsum("bhi,hij->bhj", xt, w["rg_lru.recurrent_gate_weight"])
            + w["rg_lru.recurrent_gate_bias"]).reshape(batch, width)
        log_a = -GATE_SCALE * gate_r * softplus_param
        a = np.exp(log_a)
        multiplier = np.sqrt(1.0 - np.exp(2.0 * log_a))
        start = positions[:, t, None] < 0.5                # the reset
        a = np.where(start, 0.0, a)
        multiplier = np.where(start, 1.0, multiplier)
        state = a * state + multiplier * gate_i * conv[:, t]
        h[:, t] = state
    out = ref.linear(h * y, w["linear_out.weight"], w["linear_out.bias"])
    return out, conv_next, state, position_next


__all__ = ["FAMILY", "KNOWN", "RecurrentGemmaConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
