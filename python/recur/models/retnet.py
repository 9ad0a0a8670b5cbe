"""The RetNet mixer (multi-scale retention), as flash-linear-attention's
MultiScaleRetention layer builds it from the fields of its RetNetConfig.

With d = hidden_size, H = num_heads, Hkv = num_kv_heads (default H,
G = H / Hkv), key_dim = int(d expand_k), value_dim = int(d expand_v),
hk = key_dim / H (even), hv = value_dim / H, and p the position of the
token (the tokens before it), per token:

    q = q_proj(x)  (H heads of hk);  k = k_proj(x), v = v_proj(x)  (Hkv
        heads of hk and hv, each repeated to G consecutive heads)
    q, k     = rope(q, p), rope(k, p)   rotary embedding of each head (the
               halves form, base 10000, angle p 10000^(-2i/hk))
    S        = gamma_h S + k v^T;   o = S^T q / sqrt(hk)   per head h,
               gamma_h = 1 - 2^(-5 - h)
    y        = rms_norm(o) * g_norm.weight * silu(g_proj(x))  per head (hv)
               (rms_norm(o) * g_norm.weight without use_output_gate)
    out      = o_proj(y)

The recurrence is recur.linear_attention with a `head` gate log(gamma_h)
(docs/ops.md). The states are the recurrent state [B, H, hk, hv] (the
transpose of fla's state_v_first [B, H, hv, hk]) and the position [B, 1]
(f32: the number of tokens before the call, which fla reads from its cache's
length), counted by a recur.scan. fla's RetNet block does not pass
use_short_conv or conv_size to its layer, so they change nothing here.
`reference` is the block in float64 NumPy, written from the family's
modeling code (a token loop), not from the builder.
"""

import math
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import pieces, reference as ref
from . import builder, gla
from .config import Config

FAMILY = "retnet"
# The model_type of its configs.
MODEL_TYPE = "retnet"

# Every field of fla's RetNetConfig (and the fields every saved config
# has); the block reads some, the model around it the others.
KNOWN = (
    "architectures", "attn", "attn_mode", "attnres_block_size",
    "bos_token_id", "conv_size", "dtype", "elementwise_affine",
    "eos_token_id", "expand_k", "expand_v", "feature_map",
    "fuse_cross_entropy", "fuse_linear_cross_entropy", "fuse_norm",
    "fuse_swiglu", "hidden_act", "hidden_ratio", "hidden_size",
    "initializer_range", "intermediate_size", "max_position_embeddings",
    "model_type", "norm_eps", "num_heads", "num_hidden_layers",
    "num_kv_heads", "pad_token_id", "tie_word_embeddings", "torch_dtype",
    "transformers_version", "use_cache", "use_l2warp", "use_output_gate",
    "use_short_conv", "vocab_size",
)

# The rotary embedding's base (fla's RotaryEmbedding default).
ROPE_BASE = 10000.0


@dataclass
class RetNetConfig:
    hidden_size: int
    num_heads: int
    key_dim: int
    value_dim: int
    num_kv_heads: int
    use_output_gate: bool = True
    fuse_norm: bool = True
    norm_eps: float = 1e-6
    use_short_conv = False     # fla's RetNet block has no short convs

    groups = gla.GLAConfig.groups
    head_k_dim = gla.GLAConfig.head_k_dim
    head_v_dim = gla.GLAConfig.head_v_dim
    kv_key_dim = gla.GLAConfig.kv_key_dim
    kv_value_dim = gla.GLAConfig.kv_value_dim
    norm_weight = gla.GLAConfig.norm_weight

    @property
    def decays(self):
        """gamma_h = 1 - 2^(-5 - h) of each head."""
        return [1.0 - 2.0 ** (-5.0 - h) for h in range(self.num_heads)]


def parse(config: Config) -> RetNetConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden, heads, key_dim, value_dim, kv_heads = gla.read_dims(config, 1.0,
                                                                2.0, 8)
    gla.check_common(config)
    if (key_dim // heads) % 2:
        raise config.fail("expand_k", f"gives an odd key head dim "
                          f"({key_dim // heads}); the rotary embedding "
                          "needs an even one")
    config.boolean("use_short_conv", False)
    config.integer("conv_size", 4)
    return RetNetConfig(
        hidden_size=hidden, num_heads=heads, key_dim=key_dim,
        value_dim=value_dim, num_kv_heads=kv_heads,
        use_output_gate=config.boolean("use_output_gate", True),
        fuse_norm=config.boolean("fuse_norm", True),
        norm_eps=config.number("norm_eps", 1e-6))


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight).
LAYERS_PREFIX = "model.layers"
MIXER_PREFIX = "attn."
PRE_NORM = "attn_norm.weight"
PRE_NORM_OFFSET = 0.0
# A whole model's layer: its MLP sublayer (fla_models.py) and that one's
# pre-norm.
MLP_PREFIX = "mlp."
MLP_NORM = "mlp_norm.weight"


def weight_shapes(c: RetNetConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    shapes = gla.projection_shapes(c)
    shapes.update(gla.output_shapes(c))
    return shapes


def state_shapes(c: RetNetConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"recurrent_state": (c.num_heads, c.head_k_dim, c.head_v_dim),
            "position": (1,)}


def random_weights(c: RetNetConfig, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (the defaults of random_weight)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit(f, c: RetNetConfig, x, w, state, position):
    """The block's ops in `f`: (out, recurrent state, position)."""
    q, k, v, _ = gla.emit_qkv(f, c, x, w, ())
    positions, position_next = pieces.token_positions(f, x, position)
    q = pieces.rotary(f, q, positions, ROPE_BASE)
    k = pieces.rotary(f, k, positions, ROPE_BASE)
    gate = f.constant([math.log(gamma) for gamma in c.decays])
    o, state_next = f.linear_attention(q, k, v, g=gate, gate_kind="head",
                                       h0=state, scale=c.head_k_dim ** -0.5)
    return gla.emit_output(f, c, x, o, w), state_next, position_next


def reference(c: RetNetConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, state: Optional[np.ndarray] = None,
              position: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, recurrent
    state [B, H, hk, hv], position [B, 1])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    q, k, v, _ = gla.reference_qkv(c, w, x, ())
    positions, position_next = ref.token_positions(position, batch, time)
    q = ref.rotary(q, positions, ROPE_BASE)
    k = ref.rotary(k, positions, ROPE_BASE)
    gamma = 1.0 - 2.0 ** (-5.0 - np.arange(c.num_heads))
    s = (np.zeros((batch, c.num_heads, c.head_k_dim, c.head_v_dim))
         if state is None else ref.to_float64(state).copy())
    o = np.zeros((batch, time, c.num_heads, c.head_v_dim))
    scale = c.head_k_dim ** -0.5
    for t in range(time):
        s = gamma[:, None, None] * s + \
            k[:, t, :, :, None] * v[:, t, :, None, :]
        o[:, t] = np.einsum("bhkv,bhk->bhv", s, q[:, t] * scale)
    return gla.reference_output(c, w, x, o), s, position_next


__all__ = ["FAMILY", "KNOWN", "RetNetConfig", "parse", "weight_shapes",
           "state_shapes", "random_weights", "emit", "reference"]
