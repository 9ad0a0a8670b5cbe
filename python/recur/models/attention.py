"""The self-attention layer of a hybrid model (Nemotron-H's
NemotronHAttention), from the fields of Hugging Face's NemotronHConfig.

With d = hidden_size, H = num_attention_heads, Hkv = num_key_value_heads
(H / Hkv query heads per key/value head) and D = head_dim, per token t of
a call, after the S tokens of the cache:

    q_t, k_t, v_t = q_proj(x_t), k_proj(x_t), v_proj(x_t)
                                     heads of D: H, Hkv and Hkv of them
    o_t[h]        = sum_j softmax_j(q_t[h] . k_j[g] / sqrt(D)) v_j[g]
                    over the S cached tokens j and the new ones up to t,
                    g = h // (H / Hkv)
    out_t         = o_proj(o_t)
    (each projection with a bias when attention_bias)

There is no positional encoding (Nemotron-H's attention layers have no
rotary embedding) and no window. The attention is recur.attention (causal,
GQA) over the cache followed by the new tokens.

The KV cache, and the caller's contract: the block takes `k_cache` and
`v_cache` [B, S, Hkv, D] (the keys and values of the sequence's S earlier
tokens; S is the dynamic dimension "S" of the interface and may be 0 for a
fresh sequence; Hugging Face's cache is [B, Hkv, S, D]) and returns, besides
`out`, only the new tokens' keys and values, `k_new` and `v_new`
[B, T, Hkv, D]: a compiled function's result cannot be [B, S + T, ...].
The caller appends them to its cache along dimension 1 before the next
call (the family's APPENDED_STATES; builder.advance_state). In a stack
every attention layer's cache has the same S. builder.py writes the block's
function, which serves prefill and decode alike.

`reference` is the same block in float64 NumPy, written from the family's
modeling code (a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import reference as ref
from ..model import Function
from . import builder
from .config import Config

FAMILY = "attention"
# The model_type of its configs.
MODEL_TYPE = "nemotron_h"

# Every field of NemotronHConfig, with the legacy names it still accepts
# and those of NVIDIA's original configuration (attention_head_dim,
# rms_norm_eps, ...); the block reads the attention fields, the rest of
# the model the others.
KNOWN = (
    "architectures", "attention_bias", "attention_dropout",
    "attention_head_dim", "auto_map", "bos_token_id", "chunk_size",
    "conv_kernel", "dtype", "eos_token_id", "expand", "head_dim", "hidden_act",
    "hidden_dropout", "hidden_size", "hybrid_override_pattern",
    "initializer_range", "intermediate_size", "layer_norm_epsilon",
    "layers_block_type", "mamba_chunk_size", "mamba_conv_bias", "mamba_d_conv",
    "mamba_dt_init_floor", "mamba_dt_limit", "mamba_dt_max", "mamba_dt_min",
    "mamba_expand", "mamba_head_dim", "mamba_hidden_act", "mamba_n_groups",
    "mamba_num_heads", "mamba_proj_bias", "mamba_ssm_cache_dtype",
    "max_position_embeddings", "mlp_bias", "mlp_hidden_act", "model_type",
    "moe_intermediate_size", "moe_latent_size",
    "moe_shared_expert_intermediate_size", "moe_shared_expert_overlap",
    "mtp_hybrid_override_pattern", "mtp_layers_block_type", "n_group",
    "n_groups", "n_routed_experts", "n_shared_experts", "norm_eps",
    "norm_topk_prob", "num_attention_heads", "num_experts_per_tok",
    "num_hidden_layers", "num_key_value_heads", "num_logits_to_keep",
    "num_nextn_predict_layers", "pad_token_id", "partial_rotary_factor",
    "rescale_prenorm_residual", "residual_in_fp32", "rms_norm_eps",
    "rope_theta", "routed_scaling_factor", "sliding_window", "ssm_state_size",
    "tie_word_embeddings", "time_step_floor", "time_step_limit",
    "time_step_max", "time_step_min", "time_step_rank", "topk_group",
    "torch_dtype", "transformers_version", "use_bias", "use_cache",
    "use_conv_bias", "use_mamba_kernels", "vocab_size",
)


class Heads:
    """What an attention config derives from its num_heads, num_kv_heads
    and head_dim."""

    @property
    def per_kv_head(self) -> int:
        return self.num_heads // self.num_kv_heads

    @property
    def scale(self) -> float:
        return self.head_dim ** -0.5


@dataclass
class AttentionConfig(Heads):
    hidden_size: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    attention_bias: bool = False
    layer_norm_epsilon: float = 1e-5

    @property
    def norm_eps(self) -> float:
        """The eps of the layer's pre-norm (in a stack)."""
        return self.layer_norm_epsilon


def _head_dim(config: Config, heads: int) -> int:
    """head_dim, or the original configuration's attention_head_dim, or
    hidden_size / num_attention_heads."""
    for name in ("head_dim", "attention_head_dim"):
        if config.fields.get(name) is not None:
            return config.integer(name)
    hidden = config.integer("hidden_size")
    if hidden % heads:
        raise config.fail("num_attention_heads", f"({heads}) must divide "
                          f"hidden_size ({hidden}) when head_dim is absent")
    return hidden // heads


def ignore_rotary_fields(config: Config) -> None:
    """Nemotron-3's configs give rotary fields (rope_theta,
    partial_rotary_factor) that its attention never applies: listed as
    ignored, once."""
    for name in ("rope_theta", "partial_rotary_factor"):
        why = "Nemotron-H's attention applies no rotary embedding"
        if name in config.fields and (name, why) not in config.ignored:
            config.ignored.append((name, why))


def parse(config: Config) -> AttentionConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    ignore_rotary_fields(config)
    heads = config.integer("num_attention_heads")
    # A null num_key_value_heads means one per query head, as in the
    # configuration class; absent, its default (8).
    kv_heads = (heads if config.fields.get("num_key_value_heads", 8) is None
                else config.integer("num_key_value_heads", 8))
    c = AttentionConfig(
        hidden_size=config.integer("hidden_size"),
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=_head_dim(config, heads),
        attention_bias=config.boolean("attention_bias", False),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5))
    if c.num_heads % c.num_kv_heads:
        raise config.fail("num_key_value_heads", f"({c.num_kv_heads}) must "
                          f"divide num_attention_heads ({c.num_heads})")
    if config.fields.get("sliding_window") is not None:
        config.unsupported("sliding_window", "is not supported (Nemotron-H's "
                           "attention has no window; only null)")
    return c


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight).
LAYERS_PREFIX = "backbone.layers"
MIXER_PREFIX = "mixer."
PRE_NORM = "norm.weight"
PRE_NORM_OFFSET = 0.0

# The KV cache: a call returns only the new tokens' keys and values, which
# the caller appends to the cache (builder.py).
APPENDED_STATES = {"k_cache": "k_new", "v_cache": "v_new"}


def weight_shapes(c: AttentionConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    q_dim = c.num_heads * c.head_dim
    kv_dim = c.num_kv_heads * c.head_dim
    shapes = {
        "q_proj.weight": (q_dim, c.hidden_size),
        "k_proj.weight": (kv_dim, c.hidden_size),
        "v_proj.weight": (kv_dim, c.hidden_size),
        "o_proj.weight": (c.hidden_size, q_dim),
    }
    if c.attention_bias:
        shapes.update({"q_proj.bias": (q_dim,), "k_proj.bias": (kv_dim,),
                       "v_proj.bias": (kv_dim,),
                       "o_proj.bias": (c.hidden_size,)})
    return shapes


def state_shapes(c: AttentionConfig) -> Dict[str, tuple]:
    """The KV cache (argument names), each [B, S, Hkv, D] less B; "S" is
    the cache's dynamic length."""
    return {"k_cache": ("S", c.num_kv_heads, c.head_dim),
            "v_cache": ("S", c.num_kv_heads, c.head_dim)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def projected(f: Function, x, w, name: str, heads: int):
    y = f.linear(x, w[f"{name}.weight"])
    if f"{name}.bias" in w:
        y = f.map(lambda a, b: a + b, y, w[f"{name}.bias"])
    return y if heads is None else f.split_heads(y, heads)


def emit(f: Function, c: AttentionConfig, x, w, k_cache, v_cache):
    """The block's ops in `f`: (out, new keys, new values)."""
    q = projected(f, x, w, "q_proj", c.num_heads)        # [B, T, H, D]
    k = projected(f, x, w, "k_proj", c.num_kv_heads)     # [B, T, Hkv, D]
    v = projected(f, x, w, "v_proj", c.num_kv_heads)
    o = f.attention(q, f.concat_time(k_cache, k), f.concat_time(v_cache, v),
                    causal=True, scale=c.scale)
    out = projected(f, f.merge_heads(o), w, "o_proj", None)
    return out, k, v


def reference(c: AttentionConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, k_cache: Optional[np.ndarray] = None,
              v_cache: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name) over a cache of
    k_cache / v_cache [B, S, Hkv, D] (default empty): (out, the new
    tokens' keys, values [B, T, Hkv, D])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads, kv_heads, dim = c.num_heads, c.num_kv_heads, c.head_dim
    k_cache, v_cache = reference_caches(batch, kv_heads, dim, k_cache,
                                        v_cache)
    q = ref.linear(x, w["q_proj.weight"], w.get("q_proj.bias"))
    k = ref.linear(x, w["k_proj.weight"], w.get("k_proj.bias"))
    v = ref.linear(x, w["v_proj.weight"], w.get("v_proj.bias"))
    q = q.reshape(batch, time, heads, dim)
    k = k.reshape(batch, time, kv_heads, dim)
    v = v.reshape(batch, time, kv_heads, dim)
    o = reference_attend(c, q, k_cache, k, v_cache, v)
    out = ref.linear(o.reshape(batch, time, heads * dim),
                     w["o_proj.weight"], w.get("o_proj.bias"))
    return out, k, v


def reference_caches(batch: int, kv_heads: int, dim: int, k_cache,
                     v_cache):
    """The KV caches of a reference in float64: the given ones, or empty
    [B, 0, Hkv, D] where None."""
    empty = np.zeros((batch, 0, kv_heads, dim))
    return (empty if k_cache is None else ref.to_float64(k_cache),
            empty if v_cache is None else ref.to_float64(v_cache))


def reference_attend(c: Heads, q, k_cache, k, v_cache, v,
                     window: int = 0) -> np.ndarray:
    """The modeling code's attention in float64, a token loop: the queries
    q [B, T, H, D] of the new tokens over the cache k_cache / v_cache
    [B, S, Hkv, D] followed by the new keys and values k / v [B, T, Hkv,
    D]. Token t sees the entries up to its own (S + t), the last `window`
    of them where window > 0; query head h reads key head h //
    c.per_kv_head. Returns o [B, T, H, D]."""
    keys = np.concatenate([k_cache, k], axis=1)            # [B, S + T, ...]
    values = np.concatenate([v_cache, v], axis=1)
    cached = k_cache.shape[1]
    batch, time, heads, dim = q.shape
    o = np.zeros((batch, time, heads, values.shape[-1]))
    for t in range(time):
        end = cached + t + 1                 # the cache and tokens <= t
        first = max(0, end - window) if window else 0
        for h in range(heads):
            g = h // c.per_kv_head
            scores = np.einsum("bd,bsd->bs", q[:, t, h],
                               keys[:, first:end, g]) * c.scale
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            o[:, t, h] = np.einsum("bs,bsd->bd", p, values[:, first:end, g])
    return o


__all__ = ["FAMILY", "KNOWN", "Heads", "AttentionConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference", "reference_attend", "reference_caches",
           "APPENDED_STATES"]
