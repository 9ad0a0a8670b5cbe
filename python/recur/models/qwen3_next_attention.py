"""The gated attention layers of Qwen3-Next (Hugging Face's
Qwen3NextAttention), from the fields of Qwen3NextConfig.

With d = hidden_size, H = num_attention_heads, Hkv = num_key_value_heads,
D = head_dim, R = int(D partial_rotary_factor) rotated dims and p the
position of the token, per token t of a call, after the S tokens of the
cache:

    q_t, g_t  = q_proj(x_t) per head as [q (D) | gate (D)]      H heads
    k_t, v_t  = k_proj(x_t), v_proj(x_t)                        Hkv heads
    q_t, k_t  = rms_norm(q_t) (1 + q_norm), rms_norm(k_t) (1 + k_norm)
                per head (eps rms_norm_eps)
    q_t, k_t  = rope(q_t, p), rope(k_t, p) on each head's first R dims
                (the halves form, base rope_theta); the rest passes
    o_t[h]    = sum_j softmax_j(q_t[h] . k_j[g] / sqrt(D)) v_j[g]
                over the cached tokens and the new ones up to t,
                g = h // (H / Hkv)
    out_t     = o_proj(o_t * sigmoid(g_t))
    (each projection with a bias when attention_bias)

States: the KV cache `k_cache` and `v_cache` [B, S, Hkv, D] (keys after
the norm and the rotary embedding, as the modeling code caches them; "S"
is dynamic and may be 0), whose call returns only the new tokens' keys
and values `k_new` and `v_new` for the caller to append (APPENDED_STATES,
as attention.py), and the position [B, 1] (f32, the tokens before the
call, as recurrent_gemma_attention.py counts it).

`reference` is the layer in float64 NumPy, written from the modeling code
(a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function
from . import builder, gated_deltanet
from .attention import (Heads, projected, reference_attend,
                        reference_caches)
from .config import Config
from .recurrent_gemma_attention import (ROPE_FIELDS, partial_rotary,
                                        reference_partial_rotary,
                                        rope_fields)

FAMILY = "qwen3_next_attention"
# The model_type of its configs.
MODEL_TYPE = "qwen3_next"

# Every field of Qwen3NextConfig (gated_deltanet.py lists them).
KNOWN = gated_deltanet.KNOWN


@dataclass(frozen=True)
class Qwen3NextAttentionConfig(Heads):
    hidden_size: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rotary_dim: int
    rope_theta: float = 10000.0
    attention_bias: bool = False
    rms_norm_eps: float = 1e-6

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps


# Qwen3.5's rope_parameters also give its M-RoPE sections, which rotate by
# the token's position for text (its three positions are equal).
MROPE_FIELDS = ROPE_FIELDS + ("mrope_section", "mrope_interleaved")


def parse(config: Config, mrope: bool = False) -> Qwen3NextAttentionConfig:
    """The layer's fields, checked; a ConfigError names the bad one. With
    `mrope`, rope_parameters may give M-RoPE sections (Qwen3.5)."""
    heads = config.integer("num_attention_heads", 16)
    kv_heads = config.integer("num_key_value_heads", 2)
    if heads % kv_heads:
        raise config.fail("num_key_value_heads", f"({kv_heads}) must "
                          f"divide num_attention_heads ({heads})")
    head_dim = config.integer("head_dim", 256)
    theta, factor, factor_field = rope_fields(
        config, 0.25, MROPE_FIELDS if mrope else ROPE_FIELDS)
    rotary = int(head_dim * factor)
    if rotary < 2 or rotary % 2:
        raise config.fail(factor_field, f"({factor}) gives {rotary} rotated "
                          f"dims of head_dim {head_dim}; the rotary "
                          "embedding needs an even number, at least 2")
    if config.fields.get("rope_scaling") is not None:
        config.unsupported("rope_scaling", "is not supported (only null)")
    return Qwen3NextAttentionConfig(
        hidden_size=config.integer("hidden_size"), num_heads=heads,
        num_kv_heads=kv_heads, head_dim=head_dim, rotary_dim=rotary,
        rope_theta=theta,
        attention_bias=config.boolean("attention_bias", False),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6))


# For stacks (builder.py): the layer's place in the checkpoint, its
# pre-norm (Qwen3-Next's norms multiply by 1 + weight), its MLP's.
LAYERS_PREFIX = gated_deltanet.LAYERS_PREFIX
MIXER_PREFIX = "self_attn."
PRE_NORM = gated_deltanet.PRE_NORM
PRE_NORM_OFFSET = gated_deltanet.PRE_NORM_OFFSET
MLP_PREFIX = gated_deltanet.MLP_PREFIX
MLP_NORM = gated_deltanet.MLP_NORM
MATRIX_WEIGHTS = ("q_proj.weight", "k_proj.weight", "v_proj.weight",
                  "o_proj.weight")

# The KV cache: a call returns only the new tokens' keys and values, which
# the caller appends to the cache (builder.py); the position is replaced.
APPENDED_STATES = {"k_cache": "k_new", "v_cache": "v_new"}


def weight_shapes(c: Qwen3NextAttentionConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the layer reads."""
    q_dim, kv_dim = c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim
    shapes = {"q_proj.weight": (2 * q_dim, c.hidden_size),
              "k_proj.weight": (kv_dim, c.hidden_size),
              "v_proj.weight": (kv_dim, c.hidden_size),
              "o_proj.weight": (c.hidden_size, q_dim),
              "q_norm.weight": (c.head_dim,),
              "k_norm.weight": (c.head_dim,)}
    if c.attention_bias:
        shapes.update({"q_proj.bias": (2 * q_dim,), "k_proj.bias": (kv_dim,),
                       "v_proj.bias": (kv_dim,),
                       "o_proj.bias": (c.hidden_size,)})
    return shapes


def state_shapes(c: Qwen3NextAttentionConfig) -> Dict[str, tuple]:
    """The KV cache [B, S, Hkv, D] and the position [B, 1], less B."""
    return {"k_cache": ("S", c.num_kv_heads, c.head_dim),
            "v_cache": ("S", c.num_kv_heads, c.head_dim),
            "position": (1,)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in; the q and k
    norms' weights near 0, their scale 1 + weight near 1)."""
    w = {name: builder.random_weight(rand, name, shape)
         for name, shape in weight_shapes(c).items()}
    for name in ("q_norm.weight", "k_norm.weight"):
        w[name] = rand.uniform((c.head_dim,), -0.2, 0.2)
    return w


def emit(f: Function, c: Qwen3NextAttentionConfig, x, w, k_cache, v_cache,
         position):
    """The layer's ops in `f`: (out, new keys, new values, position)."""
    both = projected(f, x, w, "q_proj", c.num_heads)      # [B, T, H, 2D]
    q = f.slice_last(both, 0, c.head_dim)
    gate = f.slice_last(both, c.head_dim, c.head_dim)    # [B, T, H, D]
    k = projected(f, x, w, "k_proj", c.num_kv_heads)      # [B, T, Hkv, D]
    v = projected(f, x, w, "v_proj", c.num_kv_heads)

    def normed(value, name):
        scale = f.map(lambda a: a + 1.0, w[name])
        return pieces.rms_norm(f, value, scale, c.rms_norm_eps)

    positions, position_next = pieces.token_positions(f, x, position)
    q = partial_rotary(f, c, normed(q, "q_norm.weight"), positions)
    k = partial_rotary(f, c, normed(k, "k_norm.weight"), positions)
    o = f.attention(q, f.concat_time(k_cache, k), f.concat_time(v_cache, v),
                    causal=True, scale=c.scale)
    # Per head: the gate is a strided view of q_proj's output, which the
    # GPU targets cannot merge into [B, T, H D] without a copy.
    gated = f.merge_heads(f.map(lambda a, g: a * expr.sigmoid(g), o, gate))
    return projected(f, gated, w, "o_proj", None), k, v, position_next


def reference(c: Qwen3NextAttentionConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, k_cache: Optional[np.ndarray] = None,
              v_cache: Optional[np.ndarray] = None,
              position: Optional[np.ndarray] = None):
    """The layer in float64 over a cache of k_cache / v_cache [B, S, Hkv,
    D] (default empty) from position [B, 1] (default 0): (out, the new
    tokens' keys, values [B, T, Hkv, D], the next position [B, 1])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads, kv_heads, dim = c.num_heads, c.num_kv_heads, c.head_dim
    k_cache, v_cache = reference_caches(batch, kv_heads, dim, k_cache,
                                        v_cache)
    positions, position_next = ref.token_positions(position, batch, time)
    both = ref.linear(x, w["q_proj.weight"], w.get("q_proj.bias")).reshape(
        batch, time, heads, 2 * dim)
    q, gate = both[..., :dim], both[..., dim:].reshape(batch, time, -1)
    k = ref.linear(x, w["k_proj.weight"], w.get("k_proj.bias")).reshape(
        batch, time, kv_heads, dim)
    v = ref.linear(x, w["v_proj.weight"], w.get("v_proj.bias")).reshape(
        batch, time, kv_heads, dim)
    q = ref.rms_norm(q, 1.0 + w["q_norm.weight"], c.rms_norm_eps)
    k = ref.rms_norm(k, 1.0 + w["k_norm.weight"], c.rms_norm_eps)
    q = reference_partial_rotary(c, q, positions)
    k = reference_partial_rotary(c, k, positions)
    o = reference_attend(c, q, k_cache, k, v_cache, v)
    gated = o.reshape(batch, time, heads * dim) * ref.sigmoid(gate)
    out = ref.linear(gated, w["o_proj.weight"], w.get("o_proj.bias"))
    return out, k, v, position_next


__all__ = ["FAMILY", "KNOWN", "Qwen3NextAttentionConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference", "APPENDED_STATES"]
