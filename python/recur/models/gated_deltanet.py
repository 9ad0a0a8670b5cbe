"""The Gated DeltaNet mixer of Qwen3-Next (its linear-attention layers),
from the fields of Hugging Face's Qwen3NextConfig.

With d = hidden_size, nk / nv = linear_num_key_heads / _value_heads
(r = nv / nk value heads per key head), hk / hv = linear_key_head_dim /
_value_head_dim, W = linear_conv_kernel_dim, per token:

    q, k, v, z = in_proj_qkvz(x), grouped per key head as
                 [nk, hk | hk | r hv | r hv]         (v, z: nv heads of hv)
    b, a       = in_proj_ba(x), grouped as [nk, r | r]   (nv each)
    q, k, v    = silu(conv1d(concat(q, k, v)))       depthwise, no bias
    q, k       = l2_normalize per head (eps 1e-6), repeated to the nv heads
    beta       = sigmoid(b);  g = -exp(A_log) softplus(a + dt_bias)
    S          = exp(g) S;  S += beta k (v - S^T k)^T;  o = S^T q / sqrt(hk)
    y          = rms_norm(o) * norm.weight * silu(z)  per head (hv)
    out        = out_proj(y)

Qwen3.5's checkpoints (`separate_projections`) have separate projections
instead, not grouped per key head: in_proj_qkv ([q of the nk heads | k |
v of the nv heads], the conv's channel order), in_proj_z, in_proj_b and
in_proj_a; the rest is the same.

The recurrence is recur.linear_attention with a scalar gate and the delta
rule. The states are the conv state [B, W - 1, 2 nk hk + nv hv] and the
recurrent state [B, nv, hk, hv] (the checkpoint code's layout); builder.py
writes the block's function. `reference` is the block in float64 NumPy,
written from the family's modeling code (a token loop).
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from . import builder
from .config import Config

FAMILY = "gated_deltanet"
# The model_type of its configs.
MODEL_TYPE = "qwen3_next"

# Every field of Qwen3NextConfig: the block reads the linear_* fields and
# hidden_size / rms_norm_eps / hidden_act, the rest of the model the others.
KNOWN = (
    "architectures", "attention_bias", "attention_dropout", "bos_token_id",
    "decoder_sparse_step", "eos_token_id", "full_attention_interval",
    "head_dim", "hidden_act", "hidden_size", "initializer_range",
    "intermediate_size", "layer_types", "linear_conv_kernel_dim",
    "linear_key_head_dim", "linear_num_key_heads", "linear_num_value_heads",
    "linear_value_head_dim", "max_position_embeddings", "mlp_only_layers",
    "model_type", "moe_intermediate_size", "norm_topk_prob",
    "num_attention_heads", "num_experts", "num_experts_per_tok",
    "num_hidden_layers", "num_key_value_heads", "output_router_logits",
    "partial_rotary_factor", "rms_norm_eps", "rope_scaling", "rope_theta",
    "router_aux_loss_coef", "shared_expert_intermediate_size",
    "tie_word_embeddings", "torch_dtype", "transformers_version",
    "use_cache", "vocab_size",
)

# The query and key normalization of the delta-rule kernels.
L2_EPS = 1e-6


@dataclass
class GatedDeltaNetConfig:
    hidden_size: int
    num_key_heads: int
    num_value_heads: int
    key_head_dim: int
    value_head_dim: int
    conv_kernel: int = 4
    rms_norm_eps: float = 1e-6
    # Qwen3.5's layout: in_proj_qkv, in_proj_z, in_proj_b, in_proj_a.
    separate_projections: bool = False

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps

    @property
    def per_key_head(self) -> int:
        return self.num_value_heads // self.num_key_heads

    @property
    def key_dim(self) -> int:
        return self.num_key_heads * self.key_head_dim

    @property
    def value_dim(self) -> int:
        return self.num_value_heads * self.value_head_dim

    @property
    def conv_dim(self) -> int:
        return 2 * self.key_dim + self.value_dim


def parse(config: Config) -> GatedDeltaNetConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    c = GatedDeltaNetConfig(
        hidden_size=config.integer("hidden_size"),
        num_key_heads=config.integer("linear_num_key_heads"),
        num_value_heads=config.integer("linear_num_value_heads"),
        key_head_dim=config.integer("linear_key_head_dim"),
        value_head_dim=config.integer("linear_value_head_dim"),
        conv_kernel=config.integer("linear_conv_kernel_dim", 4),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6))
    if c.num_value_heads % c.num_key_heads:
        raise config.fail("linear_num_key_heads",
                          f"({c.num_key_heads}) must divide "
                          f"linear_num_value_heads ({c.num_value_heads})")
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    return c


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight).
LAYERS_PREFIX = "model.layers"
MIXER_PREFIX = "linear_attn."
PRE_NORM = "input_layernorm.weight"
PRE_NORM_OFFSET = 1.0
# A whole model's layer: its MLP sublayer (mlp.py) and that one's pre-norm.
MLP_PREFIX = "mlp."
MLP_NORM = "post_attention_layernorm.weight"


def _projection_shapes(c: GatedDeltaNetConfig) -> Dict[str, tuple]:
    """The input projections' shapes, in the checkpoint's layout."""
    d = c.hidden_size
    if c.separate_projections:
        return {"in_proj_qkv.weight": (c.conv_dim, d),
                "in_proj_z.weight": (c.value_dim, d),
                "in_proj_b.weight": (c.num_value_heads, d),
                "in_proj_a.weight": (c.num_value_heads, d)}
    return {"in_proj_qkvz.weight": (2 * c.key_dim + 2 * c.value_dim, d),
            "in_proj_ba.weight": (2 * c.num_value_heads, d)}


def matrix_weights(c: GatedDeltaNetConfig):
    """The weights the block multiplies as matrices (f.linear), which a
    whole model keeps in the checkpoint's dtype."""
    return tuple(_projection_shapes(c)) + ("out_proj.weight",)


def weight_shapes(c: GatedDeltaNetConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    return {
        **_projection_shapes(c),
        "conv1d.weight": (c.conv_dim, 1, c.conv_kernel),
        "dt_bias": (c.num_value_heads,),
        "A_log": (c.num_value_heads,),
        "norm.weight": (c.value_head_dim,),
        "out_proj.weight": (c.hidden_size, c.value_dim),
    }


def state_shapes(c: GatedDeltaNetConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"conv_state": (c.conv_kernel - 1, c.conv_dim),
            "recurrent_state": (c.num_value_heads, c.key_head_dim,
                                c.value_head_dim)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (decays exp(A_log) in
    [1, 8], softplus(dt_bias) small), for tests and examples."""
    return builder.random_decay_weights(weight_shapes(c), rand)


def _projected(f, c: GatedDeltaNetConfig, x, w):
    """The input projections: (the conv's input [B, T, nk hk | nk hk |
    nv hv] of q, k and v; z [B, T, nv, hv]; b, a [B, T, nv])."""
    if c.separate_projections:
        return (f.linear(x, w["in_proj_qkv.weight"]),
                f.split_heads(f.linear(x, w["in_proj_z.weight"]),
                              c.num_value_heads),
                f.linear(x, w["in_proj_b.weight"]),
                f.linear(x, w["in_proj_a.weight"]))
    r, hk, hv = c.per_key_head, c.key_head_dim, c.value_head_dim
    nk = c.num_key_heads
    # [B, T, nk, hk | hk | r hv | r hv] and [B, T, nk, r | r].
    qkvz = f.split_heads(f.linear(x, w["in_proj_qkvz.weight"]), nk)
    ba = f.split_heads(f.linear(x, w["in_proj_ba.weight"]), nk)

    def value_heads(start):
        """Each key head's r value heads at column `start` of its qkvz
        group: [B, T, nv, hv]."""
        part = f.slice_last(qkvz, start, r * hv)          # [B, T, nk, r hv]
        return f.merge_dims(f.split_heads(part, r), 2)

    def gates(start):
        """Each key head's r gate inputs at column `start` of its ba
        group: [B, T, nv]."""
        return f.merge_heads(f.slice_last(ba, start, r))

    q = f.merge_heads(f.slice_last(qkvz, 0, hk))          # [B, T, nk hk]
    k = f.merge_heads(f.slice_last(qkvz, hk, hk))
    v = f.merge_heads(value_heads(2 * hk))                # [B, T, nv hv]
    return (f.concat_last(q, k, v), value_heads(2 * hk + r * hv),
            gates(0), gates(r))


def emit(f, c: GatedDeltaNetConfig, x, w, conv_state, state):
    """The block's ops in `f`: (out, conv state, recurrent state)."""
    nk, r = c.num_key_heads, c.per_key_head
    hk = c.key_head_dim
    qkv, z, b, a = _projected(f, c, x, w)
    conv_w = f.merge_dims(w["conv1d.weight"], 0)          # [conv_dim, W]
    mixed, conv_next = f.conv1d(qkv, conv_w, state=conv_state,
                                activation="silu")
    q = f.slice_last(mixed, 0, c.key_dim)
    k = f.slice_last(mixed, c.key_dim, c.key_dim)
    v = f.split_heads(f.slice_last(mixed, 2 * c.key_dim, c.value_dim),
                      c.num_value_heads)

    def heads(part):
        normed = pieces.l2_normalize(f, f.split_heads(part, nk), L2_EPS)
        return f.repeat_heads(normed, r)                  # [B, T, nv, hk]

    beta = f.map(expr.sigmoid, b)
    gate = f.map(lambda al, av, dt: -expr.exp(al) * expr.softplus(av + dt),
                 (w["A_log"], (2,)), a, w["dt_bias"])
    o, state_next = f.linear_attention(heads(q), heads(k), v, g=gate,
                                       gate_kind="scalar", beta=beta,
                                       h0=state, scale=hk ** -0.5)
    y = pieces.gated_rms_norm(f, o, z, w["norm.weight"], c.rms_norm_eps,
                              norm_before_gate=True)
    out = f.linear(f.merge_heads(y), w["out_proj.weight"])
    return out, conv_next, state_next


def reference(c: GatedDeltaNetConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, conv_state: Optional[np.ndarray] = None,
              state: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, conv state,
    recurrent state [B, nv, hk, hv])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    nk, nv, r = c.num_key_heads, c.num_value_heads, c.per_key_head
    hk, hv = c.key_head_dim, c.value_head_dim
    if c.separate_projections:
        mixed = ref.linear(x, w["in_proj_qkv.weight"])
        z = ref.linear(x, w["in_proj_z.weight"]).reshape(batch, time, nv, hv)
        b = ref.linear(x, w["in_proj_b.weight"])
        a = ref.linear(x, w["in_proj_a.weight"])
    else:
        qkvz = ref.linear(x, w["in_proj_qkvz.weight"]).reshape(
            batch, time, nk, 2 * hk + 2 * r * hv)
        ba = ref.linear(x, w["in_proj_ba.weight"]).reshape(batch, time, nk,
                                                           2 * r)
        q, k = qkvz[..., :hk], qkvz[..., hk:2 * hk]
        v = qkvz[..., 2 * hk:2 * hk + r * hv].reshape(batch, time, nv, hv)
        z = qkvz[..., 2 * hk + r * hv:].reshape(batch, time, nv, hv)
        b = ba[..., :r].reshape(batch, time, nv)
        a = ba[..., r:].reshape(batch, time, nv)
        mixed = np.concatenate([q.reshape(batch, time, -1),
                                k.reshape(batch, time, -1),
                                v.reshape(batch, time, -1)], axis=-1)
    mixed, conv_next = ref.conv1d(mixed, w["conv1d.weight"][:, 0, :],
                                  state=conv_state, activation="silu")
    q = mixed[..., :c.key_dim].reshape(batch, time, nk, hk)
    k = mixed[..., c.key_dim:2 * c.key_dim].reshape(batch, time, nk, hk)
    v = mixed[..., 2 * c.key_dim:].reshape(batch, time, nv, hv)
    q = np.repeat(ref.l2_normalize(q, L2_EPS), r, axis=2) * hk ** -0.5
    k = np.repeat(ref.l2_normalize(k, L2_EPS), r, axis=2)
    beta = ref.sigmoid(b)
    g = -np.exp(w["A_log"]) * ref.softplus(a + w["dt_bias"])     # [B, T, nv]
    s = (np.zeros((batch, nv, hk, hv)) if state is None
         else ref.to_float64(state).copy())
    o = np.zeros((batch, time, nv, hv))
    for t in range(time):
        s = s * np.exp(g[:, t])[..., None, None]
        memory = np.einsum("bhkv,bhk->bhv", s, k[:, t])
        delta = (v[:, t] - memory) * beta[:, t, :, None]
        s = s + k[:, t, :, :, None] * delta[:, :, None, :]
        o[:, t] = np.einsum("bhkv,bhk->bhv", s, q[:, t])
    y = ref.gated_rms_norm(o, z, w["norm.weight"], c.rms_norm_eps,
                           norm_before_gate=True)
    out = ref.linear(y.reshape(batch, time, -1), w["out_proj.weight"])
    return out, conv_next, s


__all__ = ["FAMILY", "KNOWN", "GatedDeltaNetConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
