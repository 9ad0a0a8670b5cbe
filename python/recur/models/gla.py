"""The Gated Linear Attention (GLA) mixer, as flash-linear-attention's
GatedLinearAttention layer builds it from the fields of its GLAConfig.

With d = hidden_size, H = num_heads, Hkv = num_kv_heads (default H,
G = H / Hkv), key_dim = int(d expand_k), value_dim = int(d expand_v),
hk = key_dim / H, hv = value_dim / H, per token:

    q = q_proj(x)  (H heads of hk);  k = k_proj(x), v = v_proj(x)  (Hkv
        heads of hk and hv, each repeated to G consecutive heads)
    q, k, v  = silu(conv1d(q)), ...       only with use_short_conv (kernel
                                          conv_size, depthwise, no bias)
    gk       = log_sigmoid(gk_proj.1(gk_proj.0(x))) / 16   per key channel
               (max(gk, clamp_min) with clamp_min), repeated as k
    S        = diag(exp(gk)) S + k v^T;   o = S^T q / sqrt(hk)   per head
    y        = rms_norm(o) * g_norm.weight * silu(g_proj(x))  per head (hv)
               (rms_norm(o) * g_norm.weight without use_output_gate)
    out      = o_proj(y)

The recurrence is recur.linear_attention with a `key` gate (docs/ops.md).
The states are the recurrent state [B, H, hk, hv] (the transpose of fla's
state_v_first [B, H, hv, hk]) and, with use_short_conv, the conv states of
q, k and v, each [B, conv_size - 1, channels] (fla keeps [B, channels,
conv_size]); builder.py writes the block's function. `reference` is the
block in float64 NumPy, written from the family's modeling code (a token
loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from . import builder
from .config import Config

FAMILY = "gla"
# The model_type of its configs.
MODEL_TYPE = "gla"

# Every field of fla's GLAConfig (and the fields every saved config has);
# the block reads some, the model around it the others.
KNOWN = (
    "architectures", "attn", "attn_mode", "attnres_block_size",
    "bos_token_id", "clamp_min", "conv_size", "dtype", "elementwise_affine",
    "eos_token_id", "expand_k", "expand_v", "feature_map",
    "fuse_cross_entropy", "fuse_linear_cross_entropy", "fuse_norm",
    "fuse_swiglu", "hidden_act",
    "hidden_ratio", "hidden_size", "initializer_range", "intermediate_size",
    "max_position_embeddings", "model_type", "norm_eps", "num_heads",
    "num_hidden_layers", "num_kv_heads", "pad_token_id",
    "tie_word_embeddings", "torch_dtype", "transformers_version",
    "use_cache", "use_gk", "use_gv", "use_l2warp", "use_output_gate",
    "use_short_conv", "vocab_size",
)

# Constants of the layer that GLAConfig does not set.
GATE_LOGIT_NORMALIZER = 16
GATE_LOW_RANK_DIM = 16
MODES = ("chunk", "fused_recurrent", "fused_chunk")


@dataclass
class GLAConfig:
    hidden_size: int
    num_heads: int
    key_dim: int
    value_dim: int
    num_kv_heads: int
    use_short_conv: bool = False
    conv_size: int = 4
    use_output_gate: bool = True
    fuse_norm: bool = True
    clamp_min: Optional[float] = None
    norm_eps: float = 1e-6

    @property
    def groups(self) -> int:
        return self.num_heads // self.num_kv_heads

    @property
    def head_k_dim(self) -> int:
        return self.key_dim // self.num_heads

    @property
    def head_v_dim(self) -> int:
        return self.value_dim // self.num_heads

    @property
    def kv_key_dim(self) -> int:
        return self.key_dim // self.groups

    @property
    def kv_value_dim(self) -> int:
        return self.value_dim // self.groups

    @property
    def norm_weight(self) -> str:
        """The output norm's checkpoint name: fla fuses the norm with the
        swish gate (g_norm_swish_gate) with fuse_norm and the gate."""
        fused = self.fuse_norm and self.use_output_gate
        return "g_norm_swish_gate.weight" if fused else "g_norm.weight"


def read_dims(config: Config, expand_k: float, expand_v: float,
              heads: int):
    """(hidden_size, num_heads, key_dim, value_dim, num_kv_heads) as fla's
    layers compute them from expand_k and expand_v (the defaults given
    with that of num_heads), checked."""
    hidden = config.integer("hidden_size")
    heads = config.integer("num_heads", heads)
    key_dim = int(hidden * config.number("expand_k", expand_k))
    value_dim = int(hidden * config.number("expand_v", expand_v))
    kv_heads = heads
    if config.fields.get("num_kv_heads") is not None:
        kv_heads = config.integer("num_kv_heads")
    for field, dim in (("expand_k", key_dim), ("expand_v", value_dim)):
        if dim == 0 or dim % heads:
            raise config.fail(field, f"gives a dimension ({dim}) that "
                              f"num_heads ({heads}) does not divide")
    if heads % kv_heads:
        raise config.fail("num_kv_heads", f"({kv_heads}) must divide "
                          f"num_heads ({heads})")
    return hidden, heads, key_dim, value_dim, kv_heads


def check_common(config: Config) -> None:
    """The fields GLA and RetNet read alike: options outside the block's
    math are rejected."""
    if config.fields.get("feature_map") is not None:
        config.unsupported("feature_map", "is not supported (only null)")
    if config.text("attn_mode", "chunk") not in MODES:
        raise config.fail("attn_mode", f"must be one of {', '.join(MODES)}")
    if config.text("hidden_act", "swish") not in ("swish", "silu"):
        config.unsupported("hidden_act", "is not supported (only \"swish\", "
                           "the output gate's activation)")
    if not config.boolean("elementwise_affine", True):
        config.unsupported("elementwise_affine", "false is not supported")
    if config.fields.get("attn") is not None:
        raise config.fail("attn", "(hybrid softmax-attention layers) is not "
                          "supported")
    if config.fields.get("attnres_block_size") is not None:
        config.unsupported("attnres_block_size", "is not supported (only "
                           "null)")


def parse(config: Config) -> GLAConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden, heads, key_dim, value_dim, kv_heads = read_dims(config, 0.5, 1.0, 4)
    check_common(config)
    clamp_min = None
    if config.fields.get("clamp_min") is not None:
        clamp_min = config.number("clamp_min", positive=False)
        if clamp_min > 0:
            raise config.fail("clamp_min", f"must be <= 0 (a log decay), "
                              f"got {clamp_min}")
    return GLAConfig(
        hidden_size=hidden, num_heads=heads, key_dim=key_dim,
        value_dim=value_dim, num_kv_heads=kv_heads,
        use_short_conv=config.boolean("use_short_conv", False),
        conv_size=config.integer("conv_size", 4),
        use_output_gate=config.boolean("use_output_gate", True),
        fuse_norm=config.boolean("fuse_norm", True), clamp_min=clamp_min,
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


def projection_shapes(c) -> Dict[str, tuple]:
    """The q, k, v (and short conv) weights GLA and RetNet share."""
    d = c.hidden_size
    shapes = {"q_proj.weight": (c.key_dim, d),
              "k_proj.weight": (c.kv_key_dim, d),
              "v_proj.weight": (c.kv_value_dim, d)}
    if c.use_short_conv:
        for name, dim in (("q", c.key_dim), ("k", c.kv_key_dim),
                          ("v", c.kv_value_dim)):
            shapes[f"{name}_conv1d.weight"] = (dim, 1, c.conv_size)
    return shapes


def output_shapes(c) -> Dict[str, tuple]:
    """The output gate, norm and projection GLA and RetNet share."""
    shapes = {}
    if c.use_output_gate:
        shapes["g_proj.weight"] = (c.value_dim, c.hidden_size)
    shapes[c.norm_weight] = (c.head_v_dim,)
    shapes["o_proj.weight"] = (c.hidden_size, c.value_dim)
    return shapes


def weight_shapes(c: GLAConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    shapes = projection_shapes(c)
    shapes.update({
        "gk_proj.0.weight": (GATE_LOW_RANK_DIM, c.hidden_size),
        "gk_proj.1.weight": (c.kv_key_dim, GATE_LOW_RANK_DIM),
        "gk_proj.1.bias": (c.kv_key_dim,),
    })
    shapes.update(output_shapes(c))
    return shapes


def state_shapes(c) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    shapes = {"recurrent_state": (c.num_heads, c.head_k_dim, c.head_v_dim)}
    if c.use_short_conv:
        history = c.conv_size - 1
        shapes.update({"q_conv_state": (history, c.key_dim),
                       "k_conv_state": (history, c.kv_key_dim),
                       "v_conv_state": (history, c.kv_value_dim)})
    return shapes


def random_weights(c: GLAConfig, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (the defaults of random_weight)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit_qkv(f, c, x, w, conv_states):
    """q [B, T, H, hk], k [B, T, H, hk], v [B, T, H, hv] (k and v
    repeated to the query heads) and the conv states' next values."""
    q = f.linear(x, w["q_proj.weight"])
    k = f.linear(x, w["k_proj.weight"])
    v = f.linear(x, w["v_proj.weight"])
    conv_next = []
    if c.use_short_conv:
        convolved = []
        for name, value, state in zip("qkv", (q, k, v), conv_states):
            kernel = f.merge_dims(w[f"{name}_conv1d.weight"], 0)  # [C, W]
            y, state_next = f.conv1d(value, kernel, state=state,
                                     activation="silu")
            convolved.append(y)
            conv_next.append(state_next)
        q, k, v = convolved
    q = f.split_heads(q, c.num_heads)
    return q, kv_heads(f, c, k), kv_heads(f, c, v), conv_next


def kv_heads(f, c, x):
    """x [B, T, Hkv d] as [B, T, H, d]: each key/value head repeated to
    its G query heads."""
    x = f.split_heads(x, c.num_kv_heads)
    return x if c.groups == 1 else f.repeat_heads(x, c.groups)


def emit_output(f, c, x, o, w):
    """The gated per-head RMSNorm of o [B, T, H, hv] and o_proj."""
    weight = w[c.norm_weight]
    if c.use_output_gate:
        g = f.split_heads(f.linear(x, w["g_proj.weight"]), c.num_heads)
        y = pieces.gated_rms_norm(f, o, g, weight, c.norm_eps,
                                  norm_before_gate=True)
    else:
        y = pieces.rms_norm(f, o, weight, c.norm_eps)
    return f.linear(f.merge_heads(y), w["o_proj.weight"])


def emit(f, c: GLAConfig, x, w, state, *conv_states):
    """The block's ops in `f`: (out, recurrent state[, q, k, v conv
    states])."""
    q, k, v, conv_next = emit_qkv(f, c, x, w, conv_states)
    low = f.linear(x, w["gk_proj.0.weight"])
    gk = f.linear(low, w["gk_proj.1.weight"])

    def log_gate(a, b):
        g = expr.log_sigmoid(a + b) / GATE_LOGIT_NORMALIZER
        return g if c.clamp_min is None else expr.maximum(g, c.clamp_min)

    gk = f.map(log_gate, gk, w["gk_proj.1.bias"])
    gk = kv_heads(f, c, gk)
    o, state_next = f.linear_attention(q, k, v, g=gk, gate_kind="key",
                                       h0=state, scale=c.head_k_dim ** -0.5)
    return (emit_output(f, c, x, o, w), state_next, *conv_next)


# -- the float64 reference ------------------------------------------------


def reference_qkv(c, w, x, conv_states):
    """q, k, v per head ([B, T, H, ...], k and v repeated to the query
    heads as fla's `repeat '... (h d) -> ... (h g) d'`) and the conv
    states."""
    batch, time, _ = x.shape
    q = ref.linear(x, w["q_proj.weight"])
    k = ref.linear(x, w["k_proj.weight"])
    v = ref.linear(x, w["v_proj.weight"])
    conv_next = []
    if c.use_short_conv:
        states = list(conv_states) or [None] * 3
        out = []
        for name, value, state in zip("qkv", (q, k, v), states):
            y, state = ref.conv1d(value, w[f"{name}_conv1d.weight"][:, 0],
                                  state=state, activation="silu")
            out.append(y)
            conv_next.append(state)
        q, k, v = out
    q = q.reshape(batch, time, c.num_heads, c.head_k_dim)
    k = np.repeat(k.reshape(batch, time, c.num_kv_heads, c.head_k_dim),
                  c.groups, axis=2)
    v = np.repeat(v.reshape(batch, time, c.num_kv_heads, c.head_v_dim),
                  c.groups, axis=2)
    return q, k, v, conv_next


def reference_output(c, w, x, o):
    """fla's output path: per-head RMSNorm (times silu of g_proj(x)), then
    o_proj."""
    batch, time = x.shape[:2]
    normed = o / np.sqrt(np.mean(o * o, axis=-1, keepdims=True) + c.norm_eps)
    normed = normed * w[c.norm_weight]
    if c.use_output_gate:
        g = ref.linear(x, w["g_proj.weight"]).reshape(normed.shape)
        normed = normed * ref.silu(g)
    return ref.linear(normed.reshape(batch, time, -1), w["o_proj.weight"])


def reference(c: GLAConfig, weights: Dict[str, np.ndarray], x: np.ndarray,
              state: Optional[np.ndarray] = None, *conv_states):
    """The block in float64 (weights by checkpoint name): (out, recurrent
    state [B, H, hk, hv][, q, k, v conv states])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    conv_states = [ref.to_float64(s) for s in conv_states]
    batch, time, _ = x.shape
    q, k, v, conv_next = reference_qkv(c, w, x, conv_states)
    gk = ref.linear(ref.linear(x, w["gk_proj.0.weight"]),
                    w["gk_proj.1.weight"], w["gk_proj.1.bias"])
    gk = ref.log_sigmoid(gk) / GATE_LOGIT_NORMALIZER
    if c.clamp_min is not None:
        gk = np.maximum(gk, c.clamp_min)
    gk = np.repeat(gk.reshape(batch, time, c.num_kv_heads, c.head_k_dim),
                   c.groups, axis=2)
    s = (np.zeros((batch, c.num_heads, c.head_k_dim, c.head_v_dim))
         if state is None else ref.to_float64(state).copy())
    o = np.zeros((batch, time, c.num_heads, c.head_v_dim))
    scale = c.head_k_dim ** -0.5
    for t in range(time):
        s = np.exp(gk[:, t])[..., None] * s + \
            k[:, t, :, :, None] * v[:, t, :, None, :]
        o[:, t] = np.einsum("bhkv,bhk->bhv", s, q[:, t] * scale)
    return (reference_output(c, w, x, o), s, *conv_next)


__all__ = ["FAMILY", "KNOWN", "GLAConfig", "parse", "weight_shapes",
           "state_shapes", "random_weights", "emit", "reference"]
