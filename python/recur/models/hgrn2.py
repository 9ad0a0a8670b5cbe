"""The HGRN2 mixer, as flash-linear-attention's HGRN2Attention layer builds
it from the fields of its HGRN2Config.

With d = hidden_size, e = expand_ratio (default 128, or d / num_heads when
null), H = d / e heads (num_heads is recomputed so when expand_ratio is
set), forget_dim = H e, per token:

    q, f, i  = q_proj(x), f_proj(x), i_proj(x)   (forget_dim, forget_dim, d)
    q, f, i  = conv1d(q), conv1d(f), conv1d(i)   only with use_short_conv
                                                 (kernel conv_size,
                                                 depthwise, no bias, no
                                                 activation)
    q        = silu(q);  g = log_sigmoid(f);  k = 1 - exp(g)
    S        = diag(exp(g)) S + k i^T;  o = S^T q / sqrt(e)   per head
               (H heads: q, k, g of e channels, i of d / H)
    out      = o_proj(rms_norm(o) * g_norm.weight)  (the norm over all d)

The recurrence is recur.linear_attention with a `key` gate (docs/ops.md).
With use_lower_bound (fla's default), the model lifts each layer's forget
gate by a lower bound: from the parameter model.lower_bounds [L, forget_dim]
(L = num_hidden_layers), p = softmax over the layers, and layer l's bound
lb_l = p_1 + ... + p_l (0 for the first layer), then

    g = log(lb + (1 - lb) sigmoid(f));  k = 1 - exp(g)

(for lb = 0 this is the form above). A block takes its bound as the input
`lower_bound` [forget_dim] (layer_inputs); a stack or a whole model reads
model.lower_bounds (model_weights) and computes each layer's. The states are the recurrent state [B, H, e, d / H]
(the transpose of fla's state_v_first [B, H, d / H, e]) and, with
use_short_conv, the conv states of q, f and i, each [B, conv_size - 1,
channels] (fla keeps [B, channels, conv_size]); builder.py writes the
block's function. `reference` is the block in float64 NumPy, written from
the family's modeling code (a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from . import builder, gla
from .config import Config

FAMILY = "hgrn2"
# The model_type of its configs.
MODEL_TYPE = "hgrn2"

# Every field of fla's HGRN2Config (and the fields every saved config has);
# the block reads some, the model around it the others.
KNOWN = (
    "architectures", "attn", "attn_mode", "attnres_block_size",
    "bos_token_id", "conv_size", "dtype", "elementwise_affine",
    "eos_token_id", "expand_ratio", "fuse_cross_entropy",
    "fuse_linear_cross_entropy", "fuse_norm", "fuse_swiglu", "hidden_act",
    "hidden_ratio", "hidden_size", "initializer_range", "intermediate_size",
    "max_position_embeddings", "model_type", "norm_eps", "num_heads",
    "num_hidden_layers", "pad_token_id", "tie_word_embeddings",
    "torch_dtype", "transformers_version", "use_cache", "use_l2warp",
    "use_lower_bound", "use_short_conv", "vocab_size",
)


@dataclass
class HGRN2Config:
    hidden_size: int
    num_heads: int
    expand_ratio: int
    use_short_conv: bool = False
    conv_size: int = 4
    norm_eps: float = 1e-6
    use_lower_bound: bool = False
    num_layers: int = 24            # num_hidden_layers (the bounds' rows)

    @property
    def forget_dim(self) -> int:
        return self.num_heads * self.expand_ratio

    @property
    def head_i_dim(self) -> int:
        return self.hidden_size // self.num_heads


def parse(config: Config) -> HGRN2Config:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden = config.integer("hidden_size")
    ratio = None
    if config.fields.get("expand_ratio", 128) is not None:
        ratio = config.integer("expand_ratio", 128)
    if ratio is None:
        if config.fields.get("num_heads") is None:
            raise config.fail("expand_ratio", "and num_heads are both "
                              "missing or null (one is needed)")
        ratio = hidden // config.integer("num_heads")
        if ratio == 0:
            raise config.fail("num_heads", f"must be <= hidden_size "
                              f"({hidden})")
    heads = hidden // ratio
    if heads == 0:
        raise config.fail("expand_ratio", f"({ratio}) must be <= "
                          f"hidden_size ({hidden})")
    if hidden % heads:
        raise config.fail("expand_ratio", f"({ratio}) gives {heads} heads, "
                          f"which do not divide hidden_size ({hidden})")
    if config.text("attn_mode", "chunk") not in gla.MODES:
        raise config.fail("attn_mode",
                          f"must be one of {', '.join(gla.MODES)}")
    if not config.boolean("elementwise_affine", True):
        config.unsupported("elementwise_affine", "false is not supported")
    if config.fields.get("attn") is not None:
        raise config.fail("attn", "(hybrid softmax-attention layers) is not "
                          "supported")
    if config.fields.get("attnres_block_size") is not None:
        config.unsupported("attnres_block_size", "is not supported (only "
                           "null)")
    return HGRN2Config(
        hidden_size=hidden, num_heads=heads, expand_ratio=ratio,
        use_short_conv=config.boolean("use_short_conv", False),
        conv_size=config.integer("conv_size", 4),
        norm_eps=config.number("norm_eps", 1e-6),
        use_lower_bound=config.boolean("use_lower_bound", True),
        num_layers=config.integer("num_hidden_layers", 24))


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

# The projections (and short convs) in the order of the conv states.
PROJECTIONS = ("q", "f", "i")


def _widths(c: HGRN2Config):
    return {"q": c.forget_dim, "f": c.forget_dim, "i": c.hidden_size}


def weight_shapes(c: HGRN2Config) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    widths = _widths(c)
    shapes = {f"{name}_proj.weight": (widths[name], c.hidden_size)
              for name in PROJECTIONS}
    if c.use_short_conv:
        for name in PROJECTIONS:
            shapes[f"{name}_conv1d.weight"] = (widths[name], 1, c.conv_size)
    shapes["g_norm.weight"] = (c.hidden_size,)
    shapes["o_proj.weight"] = (c.hidden_size, c.hidden_size)
    return shapes


def state_shapes(c: HGRN2Config) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    shapes = {"recurrent_state": (c.num_heads, c.expand_ratio,
                                  c.head_i_dim)}
    if c.use_short_conv:
        widths = _widths(c)
        for name in PROJECTIONS:
            shapes[f"{name}_conv_state"] = (c.conv_size - 1, widths[name])
    return shapes


LOWER_BOUNDS = "model.lower_bounds"


def layer_inputs(c: HGRN2Config) -> Dict[str, tuple]:
    """The inputs a layer takes besides its weights and states: its lower
    bound, computed by the stack (use_lower_bound)."""
    return {"lower_bound": (c.forget_dim,)} if c.use_lower_bound else {}


def model_weights(c: HGRN2Config) -> Dict[str, tuple]:
    """The model-level weights a stack of these layers reads."""
    return {LOWER_BOUNDS: (c.num_layers, c.forget_dim)} \
        if c.use_lower_bound else {}


def emit_layer_inputs(f, c: HGRN2Config, w, layer: int):
    """Layer `layer`'s inputs from the model-level weights `w`: its lower
    bound, the sum of the layers' softmax (over the layers, per channel)
    from the second layer to it."""
    if not c.use_lower_bound:
        return {}
    exp = f.transpose(f.map(expr.exp, w[LOWER_BOUNDS]))    # [forget, L]
    total = f.sum(lambda a: a, exp)
    if layer == 0:
        return {"lower_bound": f.full((c.forget_dim,), 0.0)}
    below = f.sum(lambda a: a, f.slice_last(exp, 1, layer))
    return {"lower_bound": f.map(lambda a, z: a / z, below, total)}


def reference_layer_inputs(c: HGRN2Config, weights, layer: int):
    """emit_layer_inputs in float64 (fla's softmax, cumsum less the first
    row)."""
    if not c.use_lower_bound:
        return {}
    bounds = ref.to_float64(weights[LOWER_BOUNDS])
    p = np.exp(bounds - bounds.max(axis=0))
    p /= p.sum(axis=0)
    return {"lower_bound": (np.cumsum(p, axis=0) - p[0])[layer]}


def random_weights(c: HGRN2Config, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (the defaults of random_weight)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit(f, c: HGRN2Config, x, w, state, *conv_states):
    """The block's ops in `f`: (out, recurrent state[, q, f, i conv
    states])."""
    projected = [f.linear(x, w[f"{name}_proj.weight"])
                 for name in PROJECTIONS]
    conv_next = []
    if c.use_short_conv:
        convolved = []
        for name, value, conv_state in zip(PROJECTIONS, projected,
                                           conv_states):
            kernel = f.merge_dims(w[f"{name}_conv1d.weight"], 0)  # [C, W]
            y, conv_state = f.conv1d(value, kernel, state=conv_state)
            convolved.append(y)
            conv_next.append(conv_state)
        projected = convolved
    q, forget, i = (f.split_heads(value, c.num_heads) for value in projected)
    q = f.map(expr.silu, q)
    if c.use_lower_bound:
        bound = f.split_heads(w["lower_bound"], c.num_heads)     # [H, e]
        g = f.map(lambda a, b: expr.log(b + (1.0 - b) * expr.sigmoid(a)),
                  forget, bound)
    else:
        g = f.map(expr.log_sigmoid, forget)
    k = f.map(lambda a: 1.0 - expr.exp(a), g)
    o, state_next = f.linear_attention(q, k, i, g=g, gate_kind="key",
                                       h0=state,
                                       scale=c.expand_ratio ** -0.5)
    y = pieces.rms_norm(f, f.merge_heads(o), w["g_norm.weight"], c.norm_eps)
    return (f.linear(y, w["o_proj.weight"]), state_next, *conv_next)


def reference(c: HGRN2Config, weights: Dict[str, np.ndarray], x: np.ndarray,
              state: Optional[np.ndarray] = None, *conv_states):
    """The block in float64 (weights by checkpoint name): (out, recurrent
    state [B, H, e, d / H][, q, f, i conv states])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    heads, e, p = c.num_heads, c.expand_ratio, c.head_i_dim
    q = ref.linear(x, w["q_proj.weight"])
    fg = ref.linear(x, w["f_proj.weight"])
    i = ref.linear(x, w["i_proj.weight"])
    conv_next = []
    if c.use_short_conv:
        states = [ref.to_float64(s) for s in conv_states] or [None] * 3
        out = []
        for name, value, conv_state in zip("qfi", (q, fg, i), states):
            y, conv_state = ref.conv1d(value, w[f"{name}_conv1d.weight"][:, 0],
                                       state=conv_state)
            out.append(y)
            conv_next.append(conv_state)
        q, fg, i = out
    q = ref.silu(q).reshape(batch, time, heads, e)
    if c.use_lower_bound:
        # fla: the first layer's (bound 0) log_sigmoid, the others' bound.
        bound = w["lower_bound"]
        g = ref.log_sigmoid(fg) if not bound.any() else \
            np.log(bound + (1.0 - bound) * ref.sigmoid(fg))
    else:
        g = ref.log_sigmoid(fg)
    k = (1.0 - np.exp(g)).reshape(batch, time, heads, e)
    g = g.reshape(batch, time, heads, e)
    i = i.reshape(batch, time, heads, p)
    s = (np.zeros((batch, heads, e, p)) if state is None
         else ref.to_float64(state).copy())
    o = np.zeros((batch, time, heads, p))
    for t in range(time):
        s = np.exp(g[:, t])[..., None] * s + \
            k[:, t, :, :, None] * i[:, t, :, None, :]
        o[:, t] = np.einsum("bhkv,bhk->bhv", s, q[:, t]) * e ** -0.5
    o = o.reshape(batch, time, c.hidden_size)
    normed = o / np.sqrt(np.mean(o * o, axis=-1, keepdims=True) + c.norm_eps)
    out = ref.linear(normed * w["g_norm.weight"], w["o_proj.weight"])
    return (out, s, *conv_next)


__all__ = ["FAMILY", "KNOWN", "HGRN2Config", "parse", "weight_shapes",
           "state_shapes", "layer_inputs", "model_weights",
           "emit_layer_inputs", "reference_layer_inputs", "random_weights",
           "emit", "reference"]
