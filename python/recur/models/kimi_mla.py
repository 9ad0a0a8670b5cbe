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

The states are the KV cache of the full keys and values, k_cache [B, S,
H, Dn + Dr] and v_cache [B, S, H, Dv], whose new entries a call returns
(APPENDED_STATES) for the caller to append, as attention.py's. That is
H (2 Dn + Dr + Dv) / (L + Dr) times the memory of caching the latent c
and k_r (about 20 times at the published sizes): caching the latent and
absorbing kv_b_proj into the query and output is not done yet.
`reference` is the layer in float64 NumPy (attention.reference_attend).
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
APPENDED_STATES = attention.APPENDED_STATES


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
    """The KV cache, each [B, S, H, ...] less B."""
    return {"k_cache": ("S", c.num_heads, c.head_dim),
            "v_cache": ("S", c.num_heads, c.v_dim)}


def random_weights(c: MlaConfig, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in, the latent
    norm near 1)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit(f: Function, c: MlaConfig, x, w, k_cache, v_cache):
    """The layer's ops in `f`: (out, new keys, new values)."""
    q = f.split_heads(f.linear(x, w["q_proj.weight"]), c.num_heads)
    compressed = f.linear(x, w["kv_a_proj_with_mqa.weight"])
    latent = pieces.rms_norm(f, f.slice_last(compressed, 0, c.latent_dim),
                             w["kv_a_layernorm.weight"], LATENT_NORM_EPS)
    kv = f.split_heads(f.linear(latent, w["kv_b_proj.weight"]), c.num_heads)
    k = f.slice_last(kv, 0, c.nope_dim)
    v = f.slice_last(kv, c.nope_dim, c.v_dim)
    if c.rope_dim:
        # The shared k_r [B, T, Dr] for every head: [B, T, H, Dr].
        shared = f.slice_last(compressed, c.latent_dim, c.rope_dim)
        every = f.map(lambda a, r: r, f.slice_last(q, c.nope_dim,
                                                   c.rope_dim),
                      (shared, (0, 1, 3)))
        k = f.concat_last(k, every)
    o = f.attention(q, f.concat_time(k_cache, k), f.concat_time(v_cache, v),
                    causal=True, scale=c.scale)
    return f.linear(f.merge_heads(o), w["o_proj.weight"]), k, v


def reference(c: MlaConfig, weights: Dict[str, np.ndarray], x: np.ndarray,
              k_cache: Optional[np.ndarray] = None,
              v_cache: Optional[np.ndarray] = None):
    """The layer in float64 over a cache k_cache / v_cache (default
    empty): (out, the new tokens' keys, values)."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads = c.num_heads
    if k_cache is None:
        k_cache = np.zeros((batch, 0, heads, c.head_dim))
        v_cache = np.zeros((batch, 0, heads, c.v_dim))
    q = ref.linear(x, w["q_proj.weight"]).reshape(batch, time, heads, -1)
    compressed = ref.linear(x, w["kv_a_proj_with_mqa.weight"])
    latent = ref.rms_norm(compressed[..., :c.latent_dim],
                          w["kv_a_layernorm.weight"], LATENT_NORM_EPS)
    kv = ref.linear(latent, w["kv_b_proj.weight"]).reshape(
        batch, time, heads, c.nope_dim + c.v_dim)
    shared = np.broadcast_to(compressed[:, :, None, c.latent_dim:],
                             (batch, time, heads, c.rope_dim))
    k = np.concatenate([kv[..., :c.nope_dim], shared], axis=-1)
    v = kv[..., c.nope_dim:]
    o = attention.reference_attend(c, q, ref.to_float64(k_cache), k,
                                   ref.to_float64(v_cache), v)
    out = ref.linear(o.reshape(batch, time, heads * c.v_dim),
                     w["o_proj.weight"])
    return out, k, v


__all__ = ["FAMILY", "MlaConfig", "parse", "weight_shapes", "state_shapes",
           "random_weights", "emit", "reference"]
