"""The multi-head latent attention (MLA) layers of Kimi Linear (its
full-attention layers), from the fields of KimiLinearConfig (the
checkpoint's KimiMLAAttention, modeling_kimi.py).

With d = hidden_size, H = num_attention_heads, Dn = qk_nope_head_dim,
Dr = qk_rope_head_dim, Dv = v_head_dim and L = kv_lora_rank, per token:

    q           = q_proj(x)                              [H, Dn + Dr]
    c, k_r      = kv_a_proj_with_mqa(x)                  [L], [Dr]
    k_n, v      = kv_b_proj(rms_norm(c) * kv_a_layernorm.weight)
                                                         [H, Dn], [H, Dv]
    k           = (k_n, k_r)                             [H, Dn + Dr]
                                          k_r shared by every head
    o           = causal softmax attention of q over k, v, scale
                  (Dn + Dr)^-1/2
    out         = o_proj(o)

Kimi Linear's MLA applies no rotary embedding (`mla_use_nope`, true in
every published config; false is refused) and has no query
low-rank projection (`q_lora_rank` null; else refused). kv_a_layernorm's
eps is the modeling code's default, 1e-6 (not rms_norm_eps).

The state is the latent cache [B, S, 1, L + Dr]: each token's normed c
and its k_r, whose new entries a call returns (APPENDED_STATES) for the
caller to append, as attention.py's KV cache; L + Dr values a token and
layer, 1/18 of the full keys and values at the published sizes. The
compiled layer never expands it: kv_b_proj is absorbed into the query and
the output, per head h (W_k, W_v: kv_b_proj's rows of head h's keys and
values),

    q'          = (W_k^T q_n, q_r)                       [L + Dr]
    o'          = causal softmax attention of q' over the cache (one
                  key/value head: keys the whole entries, values their
                  first L), scale (Dn + Dr)^-1/2         [L]
    o           = W_v o'                                 [Dv]

which is the same function (q_n . W_k c = W_k^T q_n . c). `reference` is
the layer in float64 NumPy as the modeling code computes it, the keys and
values expanded from the cache (attention.reference_attend).
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import pieces, reference as ref
from ..model import Function
from . import attention, builder, kda
from .attention import Heads
from .config import Config

FAMILY = "kimi_mla"
MODEL_TYPE = kda.MODEL_TYPE
KNOWN = kda.KNOWN

# The eps of kv_a_layernorm (KimiRMSNorm's default).
LATENT_NORM_EPS = 1e-6


@dataclass(frozen=True)
class MlaConfig(Heads):
    hidden_size: int
    num_heads: int
    nope_dim: int
    rope_dim: int
    v_dim: int
    latent_dim: int                    # kv_lora_rank
    rms_norm_eps: float = 1e-5

    @property
    def num_kv_heads(self) -> int:
        return self.num_heads

    @property
    def head_dim(self) -> int:
        """The query and key dimension (the scale's)."""
        return self.nope_dim + self.rope_dim

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps


def parse(config: Config) -> MlaConfig:
    """The layer's fields, checked; a ConfigError names the bad one."""
    c = MlaConfig(
        hidden_size=config.integer("hidden_size"),
        num_heads=config.integer("num_attention_heads"),
        nope_dim=config.integer("qk_nope_head_dim"),
        rope_dim=config.integer("qk_rope_head_dim", minimum=0),
        v_dim=config.integer("v_head_dim"),
        latent_dim=config.integer("kv_lora_rank"),
        rms_norm_eps=config.number("rms_norm_eps", 1e-5))
    if not config.boolean("mla_use_nope", False):
        config.unsupported("mla_use_nope", "false (MLA with a rotary "
                           "embedding) is not supported")
    if config.fields.get("q_lora_rank") is not None:
        config.unsupported("q_lora_rank", "is not supported (only null: "
                           "no query low-rank projection)")
    return c


# For stacks (builder.py): as Kimi Linear's KDA layers.
LAYERS_PREFIX = kda.LAYERS_PREFIX
MIXER_PREFIX = kda.MIXER_PREFIX
PRE_NORM = kda.PRE_NORM
PRE_NORM_OFFSET = kda.PRE_NORM_OFFSET
MLP_NORM = kda.MLP_NORM
mlp_prefix = kda.mlp_prefix
MATRIX_WEIGHTS = ("q_proj.weight", "kv_a_proj_with_mqa.weight",
                  "kv_b_proj.weight", "o_proj.weight")
APPENDED_STATES = {"latent_cache": "latent_new"}


def weight_shapes(c: MlaConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the layer reads."""
    heads, d = c.num_heads, c.hidden_size
    return {
        "q_proj.weight": (heads * c.head_dim, d),
        "kv_a_proj_with_mqa.weight": (c.latent_dim + c.rope_dim, d),
        "kv_a_layernorm.weight": (c.latent_dim,),
        "kv_b_proj.weight": (heads * (c.nope_dim + c.v_dim), c.latent_dim),
        "o_proj.weight": (d, heads * c.v_dim),
    }


def state_shapes(c: MlaConfig) -> Dict[str, tuple]:
    """The latent cache [B, S, 1, L + Dr] less B."""
    return {"latent_cache": ("S", 1, c.latent_dim + c.rope_dim)}


def random_weights(c: MlaConfig, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in, the latent
    norm near 1)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit(f: Function, c: MlaConfig, x, w, latent_cache):
    """The layer's ops in `f`: (out, the new tokens' latent entries)."""
    latent, rope = c.latent_dim, c.rope_dim
    q = f.split_heads(f.linear(x, w["q_proj.weight"]), c.num_heads)
    compressed = f.linear(x, w["kv_a_proj_with_mqa.weight"])
    new = pieces.rms_norm(f, f.slice_last(compressed, 0, latent),
                          w["kv_a_layernorm.weight"], LATENT_NORM_EPS)
    # kv_b_proj per head: [H, Dn + Dv, L], its key rows and value rows.
    per_head = f.split_dim(w["kv_b_proj.weight"], 0, c.num_heads)
    query = f.head_linear(f.slice_last(q, 0, c.nope_dim),
                          f.slice_dim(per_head, 1, 0, c.nope_dim))
    if rope:
        new = f.concat_last(new, f.slice_last(compressed, latent, rope))
        query = f.concat_last(query, f.slice_last(q, c.nope_dim, rope))
    new = f.split_heads(new, 1)                       # [B, T, 1, L + Dr]
    keys = f.concat_time(latent_cache, new)
    o = f.attention(query, keys, f.slice_last(keys, 0, latent), causal=True,
                    scale=c.scale)                    # [B, T, H, L]
    o = f.head_linear(o, f.slice_dim(per_head, 1, c.nope_dim, c.v_dim),
                      transposed=True)                # [B, T, H, Dv]
    return f.linear(f.merge_heads(o), w["o_proj.weight"]), new


def _expanded(c: MlaConfig, w, entries: np.ndarray):
    """The keys [B, S, H, Dn + Dr] and values [B, S, H, Dv] of latent
    entries [B, S, 1, L + Dr], as the modeling code computes them."""
    batch, length = entries.shape[:2]
    heads = c.num_heads
    kv = ref.linear(entries[:, :, 0, :c.latent_dim],
                    w["kv_b_proj.weight"]).reshape(
        batch, length, heads, c.nope_dim + c.v_dim)
    shared = np.broadcast_to(entries[:, :, :, c.latent_dim:],
                             (batch, length, heads, c.rope_dim))
    return (np.concatenate([kv[..., :c.nope_dim], shared], axis=-1),
            kv[..., c.nope_dim:])


def reference(c: MlaConfig, weights: Dict[str, np.ndarray], x: np.ndarray,
              latent_cache: Optional[np.ndarray] = None):
    """The layer in float64 over a latent cache (default empty): (out, the
    new tokens' latent entries [B, T, 1, L + Dr])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads = c.num_heads
    if latent_cache is None:
        latent_cache = np.zeros((batch, 0, 1, c.latent_dim + c.rope_dim))
    q = ref.linear(x, w["q_proj.weight"]).reshape(batch, time, heads, -1)
    compressed = ref.linear(x, w["kv_a_proj_with_mqa.weight"])
    latent = ref.rms_norm(compressed[..., :c.latent_dim],
                          w["kv_a_layernorm.weight"], LATENT_NORM_EPS)
    new = np.concatenate([latent, compressed[..., c.latent_dim:]],
                         axis=-1)[:, :, None]
    k_cache, v_cache = _expanded(c, w, ref.to_float64(latent_cache))
    k, v = _expanded(c, w, new)
    o = attention.reference_attend(c, q, k_cache, k, v_cache, v)
    out = ref.linear(o.reshape(batch, time, heads * c.v_dim),
                     w["o_proj.weight"])
    return out, new


__all__ = ["FAMILY", "MlaConfig", "parse", "weight_shapes", "state_shapes",
           "random_weights", "emit", "reference"]
