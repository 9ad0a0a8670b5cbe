"""The local attention block of Griffin / RecurrentGemma (Hugging Face's
RecurrentGemmaSdpaAttention), from the fields of RecurrentGemmaConfig.

With d = hidden_size, H = num_attention_heads, Hkv = num_key_value_heads
(usually 1: multi-query), D = d / H, R = D / 2 rotated dims
(partial_rotary_factor 0.5), W = attention_window_size and p the position
of the token (the tokens before it), per token t of a call, after the S
tokens of the cache:

    q_t, k_t, v_t = q_proj(x_t), k_proj(x_t), v_proj(x_t)
                                     heads of D: H, Hkv and Hkv of them
    q_t, k_t      = rope(q_t, p), rope(k_t, p)    on each head's first R
                    dims only (the halves form on them: dim i < R/2 and
                    i + R/2 rotate by p theta^(-2i/R), theta = rope_theta);
                    the last D - R dims pass unchanged
    o_t[h]        = sum_j softmax_j(q_t[h] . k_j[g] / sqrt(D)) v_j[g]
                    over the keys j of positions p - W < p_j <= p (the
                    window counts the token itself), g = h // (H / Hkv)
    out_t         = o_proj(o_t)       (with a bias; q/k/v_proj with biases
                                       only when attention_bias)

The attention is recur.attention (causal, window W, GQA/MQA) over the cache
followed by the new tokens: its window (query i sees key j when
j > i + (S - T) - window) is the modeling code's sliding window of W keys
ending at the token itself, so `window` = attention_window_size. The rotary
embedding is pieces.rotary on the first R dims of each head.

States: the KV cache `k_cache` and `v_cache` [B, S, Hkv, D] (keys after the
rotary embedding, as the modeling code caches them; "S" is the dynamic
dimension of the interface and may be 0), whose call returns only the new
tokens' keys and values `k_new` and `v_new` [B, T, Hkv, D] for the caller
to append (APPENDED_STATES, as attention.py), and the position [B, 1] (f32:
the number of tokens before the call, counted by a recur.scan as in
retnet.py), since the cache's length is not the position once it is
trimmed: the next call's first token sees only the last W - 1 cached
entries, so the caller may drop all but the last W - 1 (keep the position).
Hugging Face keeps a ring buffer of W entries [B, Hkv, W, D].

`reference` is the same block in float64 NumPy, written from the modeling
code (a token loop with its own rotary embedding), not from the builder.
It follows the sliding window for any T, as the modeling code's decoding
steps and its prefills of T <= W do (its prefill of T > W keeps only the
last W keys for every query: the one difference).
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import pieces, reference as ref
from ..model import Function
from . import attention, builder, recurrent_gemma
from .attention import (Heads, projected, reference_attend,
                        reference_caches)
from .config import Config

FAMILY = "recurrent_gemma_attention"
# The model_type of its configs.
MODEL_TYPE = "recurrent_gemma"

# Every field of RecurrentGemmaConfig (recurrent_gemma.py lists them); the
# block reads the attention fields, the rest of the model the others.
KNOWN = recurrent_gemma.KNOWN

# The rotary embedding's fields that rope_parameters may hold.
ROPE_FIELDS = ("rope_type", "rope_theta", "partial_rotary_factor")


@dataclass
class RecurrentGemmaAttentionConfig(Heads):
    hidden_size: int
    num_heads: int
    num_kv_heads: int
    window: int
    rotary_dim: int
    rope_theta: float = 10000.0
    attention_bias: bool = False
    rms_norm_eps: float = 1e-6

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def norm_eps(self) -> float:
        """The eps of the layer's temporal pre-norm (in a stack)."""
        return self.rms_norm_eps


def rope_fields(config: Config, factor: float = 0.5, known=ROPE_FIELDS):
    """(rope_theta, partial_rotary_factor, the field that gave the factor)
    from rope_parameters (whose fields are `known`) where it has them, else
    the top-level fields (default 10000 and `factor`)."""
    theta = config.number("rope_theta", 10000.0)
    factor_field = "partial_rotary_factor"
    factor = config.number(factor_field, factor)
    if config.fields.get("rope_parameters") is None:
        return theta, factor, factor_field
    params = config.section("rope_parameters", known)
    if params.text("rope_parameters.rope_type", "default") != "default":
        config.unsupported("rope_parameters", "with a rope_type other than "
                           "\"default\" is not supported")
    theta = params.number("rope_parameters.rope_theta", theta)
    if "rope_parameters.partial_rotary_factor" in params.fields:
        factor_field = "rope_parameters.partial_rotary_factor"
        factor = params.number(factor_field)
    return theta, factor, factor_field


def read_block_types(config: Config) -> list:
    """block_types (recurrent_gemma.read_block_types), default the
    configuration class's."""
    return recurrent_gemma.read_block_types(
        config, ["recurrent", "recurrent", "attention"])


def parse(config: Config) -> RecurrentGemmaAttentionConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden = config.integer("hidden_size")
    heads = config.integer("num_attention_heads", 10)
    # A null or absent num_key_value_heads means one per query head, as in
    # the configuration class.
    kv_heads = (heads if config.fields.get("num_key_value_heads") is None
                else config.integer("num_key_value_heads"))
    if hidden % heads:
        raise config.fail("num_attention_heads", f"({heads}) must divide "
                          f"hidden_size ({hidden})")
    head_dim = hidden // heads
    # The configuration class derives head_dim; a saved one must agree
    # (the modeling code views the heads' outputs as [.., hidden_size]).
    if config.fields.get("head_dim") is not None and \
            config.integer("head_dim") != head_dim:
        raise config.fail("head_dim", f"({config.fields['head_dim']}) must "
                          f"be hidden_size / num_attention_heads "
                          f"({head_dim})")
    if heads % kv_heads:
        raise config.fail("num_key_value_heads", f"({kv_heads}) must "
                          f"divide num_attention_heads ({heads})")
    theta, factor, factor_field = rope_fields(config)
    # The modeling code splits each head into int(1 / factor) chunks and
    # unpacks two (the rotated first half and the rest), and its rotary
    # frequencies cover int(head_dim factor) dims: only a factor that
    # gives half of an even head_dim, itself even, works there.
    # (The first test keeps 1 / factor finite: factor >= 1 / head_dim.)
    rotary = int(head_dim * factor)
    if 2 * rotary != head_dim or int(1.0 / factor) != 2:
        raise config.fail(factor_field, f"({factor}) must rotate half of "
                          f"each head's {head_dim} dims (int(1 / factor) = "
                          "2 and int(head_dim factor) = head_dim / 2, the "
                          "modeling code's halves)")
    if rotary % 2:
        raise config.fail(factor_field, f"gives an odd rotary part "
                          f"({rotary} of head_dim {head_dim}); the rotary "
                          "embedding needs an even one")
    if "attention" not in read_block_types(config):
        raise config.fail("block_types", "has no \"attention\" block")
    return RecurrentGemmaAttentionConfig(
        hidden_size=hidden, num_heads=heads, num_kv_heads=kv_heads,
        window=config.integer("attention_window_size", 2048),
        rotary_dim=rotary, rope_theta=theta,
        attention_bias=config.boolean("attention_bias", False),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6))


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight): the
# layers' temporal pre-norm, as for the recurrent block.
LAYERS_PREFIX = recurrent_gemma.LAYERS_PREFIX
MIXER_PREFIX = recurrent_gemma.MIXER_PREFIX
PRE_NORM = recurrent_gemma.PRE_NORM
PRE_NORM_OFFSET = recurrent_gemma.PRE_NORM_OFFSET
MLP_PREFIX = recurrent_gemma.MLP_PREFIX
MLP_NORM = recurrent_gemma.MLP_NORM

# The KV cache: a call returns only the new tokens' keys and values, which
# the caller appends to the cache (builder.py); the position is replaced.
APPENDED_STATES = {"k_cache": "k_new", "v_cache": "v_new"}


def weight_shapes(c: RecurrentGemmaAttentionConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads: those of
    attention.py, and o_proj's bias always."""
    shapes = attention.weight_shapes(c)
    shapes["o_proj.bias"] = (c.hidden_size,)
    return shapes


def state_shapes(c: RecurrentGemmaAttentionConfig) -> Dict[str, tuple]:
    """The KV cache [B, S, Hkv, D] less B ("S" its dynamic length) and the
    position [B, 1] (argument names)."""
    return {"k_cache": ("S", c.num_kv_heads, c.head_dim),
            "v_cache": ("S", c.num_kv_heads, c.head_dim),
            "position": (1,)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def partial_rotary(f: Function, c, x, positions):
    """The rotary embedding of the first c.rotary_dim dims of each head of
    x [B, T, heads, c.head_dim] (base c.rope_theta); the others pass."""
    rest = c.head_dim - c.rotary_dim
    rotated = pieces.rotary(f, f.slice_last(x, 0, c.rotary_dim), positions,
                            c.rope_theta)
    return f.concat_last(rotated, f.slice_last(x, c.rotary_dim, rest))


def emit(f: Function, c: RecurrentGemmaAttentionConfig, x, w, k_cache,
         v_cache, position):
    """The block's ops in `f`: (out, new keys, new values, position)."""
    q = projected(f, x, w, "q_proj", c.num_heads)         # [B, T, H, D]
    k = projected(f, x, w, "k_proj", c.num_kv_heads)      # [B, T, Hkv, D]
    v = projected(f, x, w, "v_proj", c.num_kv_heads)
    positions, position_next = pieces.token_positions(f, x, position)
    q = partial_rotary(f, c, q, positions)
    k = partial_rotary(f, c, k, positions)
    o = f.attention(q, f.concat_time(k_cache, k), f.concat_time(v_cache, v),
                    causal=True, window=c.window, scale=c.scale)
    out = projected(f, f.merge_heads(o), w, "o_proj", None)
    return out, k, v, position_next


def reference_partial_rotary(c, x: np.ndarray,
                             positions: np.ndarray) -> np.ndarray:
    """The modeling code's partial rotary embedding of x [B, T, heads, D]
    at positions [B, T]: x_rot cos + rotate_half(x_rot) sin on the first
    rotary_dim dims, cos and sin of (positions inv_freq) repeated twice."""
    dim = c.rotary_dim
    inv_freq = 1.0 / c.rope_theta ** (np.arange(0, dim, 2) / dim)
    freqs = positions[:, :, None] * inv_freq                 # [B, T, R/2]
    emb = np.concatenate([freqs, freqs], axis=-1)[:, :, None, :]
    rot, rest = x[..., :dim], x[..., dim:]
    rotate_half = np.concatenate([-rot[..., dim // 2:], rot[..., :dim // 2]],
                                 axis=-1)
    rot = rot * np.cos(emb) + rotate_half * np.sin(emb)
    return np.concatenate([rot, rest], axis=-1)


def reference(c: RecurrentGemmaAttentionConfig,
              weights: Dict[str, np.ndarray], x: np.ndarray,
              k_cache: Optional[np.ndarray] = None,
              v_cache: Optional[np.ndarray] = None,
              position: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name) over a cache of
    k_cache / v_cache [B, S, Hkv, D] (default empty; the S tokens just
    before the call) from position [B, 1] (default 0): (out, the new
    tokens' keys, values [B, T, Hkv, D], the next position [B, 1])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads, kv_heads, dim = c.num_heads, c.num_kv_heads, c.head_dim
    k_cache, v_cache = reference_caches(batch, kv_heads, dim, k_cache,
                                        v_cache)
    positions, position_next = ref.token_positions(position, batch, time)
    q = ref.linear(x, w["q_proj.weight"], w.get("q_proj.bias"))
    k = ref.linear(x, w["k_proj.weight"], w.get("k_proj.bias"))
    v = ref.linear(x, w["v_proj.weight"], w.get("v_proj.bias"))
    q = reference_partial_rotary(c, q.reshape(batch, time, heads, dim),
                                 positions)
    k = reference_partial_rotary(c, k.reshape(batch, time, kv_heads, dim),
                                 positions)
    v = v.reshape(batch, time, kv_heads, dim)
    # The window: the W entries ending at the token itself.
    o = reference_attend(c, q, k_cache, k, v_cache, v, window=c.window)
    out = ref.linear(o.reshape(batch, time, heads * dim),
                     w["o_proj.weight"], w["o_proj.bias"])
    return out, k, v, position_next


__all__ = ["FAMILY", "KNOWN", "RecurrentGemmaAttentionConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference", "APPENDED_STATES", "rope_fields", "partial_rotary",
           "reference_partial_rotary"]
