"""The Mamba-2 mixer block, from the fields of Hugging Face's Mamba2Config.

With d = hidden_size, I = expand * d = num_heads * head_dim, G = n_groups,
N = state_size, H = num_heads, P = head_dim, W = conv_kernel and
conv_dim = I + 2 G N, per token:

    z, xBC, dt = split(in_proj(x), [I, conv_dim, H])
    xBC        = silu(conv1d(xBC))                 depthwise, kernel W, state
    x, B, C    = split(xBC, [I, G N, G N])         heads of P, groups of N
    dt         = softplus(dt + dt_bias);  A = -exp(A_log)
    S_h        = exp(dt_h A_h) S_h + B_g(h) (dt_h x_h)^T    S_h: [N, P]
    y_h        = S_h^T C_g(h) + D_h x_h                     g(h) = h // (H/G)
    y          = rms_norm(y * silu(z)) * norm.weight, per group of I / G
    out        = out_proj(y)

The recurrence is recur.linear_attention with a scalar gate (q = C, k = B,
v = dt x, g = dt A, scale 1; docs/ops.md). The states are the conv state
[B, W - 1, conv_dim] and the SSM state [B, H, N, P] ([N, P] per head, the
transpose of the checkpoint code's [P, N]); builder.py writes the block's
function, which serves prefill and decode alike.

`reference` is the same block in float64 NumPy, written from the family's
modeling code (a token loop), not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function
from . import builder
from .config import Config, ConfigError

FAMILY = "mamba2"
# The model_type of its configs.
MODEL_TYPE = "mamba2"

# Every field of Mamba2Config; the block reads some, the model around it
# the others.
KNOWN = (
    "architectures", "bos_token_id", "chunk_size", "conv_kernel", "dtype",
    "eos_token_id", "expand", "head_dim", "hidden_act", "hidden_size",
    "initializer_range", "layer_norm_epsilon", "model_type", "n_groups",
    "num_heads", "num_hidden_layers", "pad_token_id",
    "rescale_prenorm_residual", "residual_in_fp32", "rms_norm", "state_size",
    "tie_word_embeddings", "time_step_floor", "time_step_limit",
    "time_step_max", "time_step_min", "time_step_rank", "torch_dtype",
    "transformers_version", "use_bias", "use_cache", "use_conv_bias",
    "vocab_size",
)


@dataclass
class Mamba2Config:
    hidden_size: int
    state_size: int
    num_heads: int
    head_dim: int
    n_groups: int = 1
    expand: int = 2
    conv_kernel: int = 4
    layer_norm_epsilon: float = 1e-5
    use_bias: bool = False
    use_conv_bias: bool = True

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon

    @property
    def intermediate(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def conv_dim(self) -> int:
        return self.intermediate + 2 * self.n_groups * self.state_size

    @property
    def projection(self) -> int:
        return self.intermediate + self.conv_dim + self.num_heads


def parse(config: Config) -> Mamba2Config:
    """The block's fields, checked; a ConfigError names the bad one."""
    c = Mamba2Config(
        hidden_size=config.integer("hidden_size"),
        state_size=config.integer("state_size"),
        num_heads=config.integer("num_heads"),
        head_dim=config.integer("head_dim"),
        n_groups=config.integer("n_groups", 8),
        expand=config.integer("expand", 2),
        conv_kernel=config.integer("conv_kernel", 4),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5),
        use_bias=config.boolean("use_bias", False),
        use_conv_bias=config.boolean("use_conv_bias", True))
    if c.expand * c.hidden_size != c.intermediate:
        raise config.fail(
            "expand", f"times hidden_size ({c.expand} x {c.hidden_size}) "
            f"must equal num_heads x head_dim ({c.num_heads} x "
            f"{c.head_dim})")
    if c.num_heads % c.n_groups:
        raise config.fail("n_groups", f"({c.n_groups}) must divide "
                          f"num_heads ({c.num_heads})")
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    if not config.boolean("rms_norm", True):
        config.unsupported("rms_norm", "false is not supported")
    check_time_step_limit(config, "time_step_limit")
    return c


def check_time_step_limit(config: Config, field: str) -> None:
    """The clamp of dt in `field` (Mamba-2 and Nemotron-H): only none."""
    limit = config.fields.get(field, [0.0, float("inf")])
    if not isinstance(limit, list) or limit != [0.0, float("inf")]:
        config.unsupported(field, "other than [0, inf] is not supported")


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight).
# The weights the block multiplies as matrices (f.linear), which a whole
# model keeps in the checkpoint's dtype; the others are widened to f32.
MATRIX_WEIGHTS = ("in_proj.weight", "out_proj.weight")
LAYERS_PREFIX = "backbone.layers"
# For whole models (whole.py): the token embedding and the final norm, and
# the default of `tie_word_embeddings` in the configuration class.
EMBEDDING = "backbone.embeddings.weight"
FINAL_NORM = "backbone.norm_f.weight"
TIED_BY_DEFAULT = False
MIXER_PREFIX = "mixer."
PRE_NORM = "norm.weight"
PRE_NORM_OFFSET = 0.0


def weight_shapes(c: Mamba2Config) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    shapes = {
        "in_proj.weight": (c.projection, c.hidden_size),
        "conv1d.weight": (c.conv_dim, 1, c.conv_kernel),
        "dt_bias": (c.num_heads,),
        "A_log": (c.num_heads,),
        "D": (c.num_heads,),
        "norm.weight": (c.intermediate,),
        "out_proj.weight": (c.hidden_size, c.intermediate),
    }
    if c.use_conv_bias:
        shapes["conv1d.bias"] = (c.conv_dim,)
    if c.use_bias:
        shapes["in_proj.bias"] = (c.projection,)
        shapes["out_proj.bias"] = (c.hidden_size,)
    return shapes


def state_shapes(c: Mamba2Config) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"conv_state": (c.conv_kernel - 1, c.conv_dim),
            "ssm_state": (c.num_heads, c.state_size, c.head_dim)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (decays exp(A_log) in
    [1, 8], softplus(dt_bias) small), for tests and examples."""
    return builder.random_decay_weights(weight_shapes(c), rand)


def _biased(f: Function, y, bias):
    return y if bias is None else f.map(lambda a, b: a + b, y, bias)


def emit(f: Function, c: Mamba2Config, x, w, conv_state, ssm_state):
    """The block's ops in `f`: (out, conv state, SSM state)."""
    inner, groups, heads = c.intermediate, c.n_groups, c.num_heads
    n = c.state_size
    projected = _biased(f, f.linear(x, w["in_proj.weight"]),
                        w.get("in_proj.bias"))
    z = f.slice_last(projected, 0, inner)
    xbc = f.slice_last(projected, inner, c.conv_dim)
    dt = f.slice_last(projected, inner + c.conv_dim, heads)

    conv_w = f.merge_dims(w["conv1d.weight"], 0)           # [conv_dim, W]
    xbc, conv_next = f.conv1d(xbc, conv_w, bias=w.get("conv1d.bias"),
                              state=conv_state, activation="silu")
    xs = f.split_heads(f.slice_last(xbc, 0, inner), heads)  # [B, T, H, P]
    per_head = heads // groups
    bm = f.repeat_heads(f.split_heads(f.slice_last(xbc, inner, groups * n),
                                      groups), per_head)    # [B, T, H, N]
    cm = f.repeat_heads(f.split_heads(
        f.slice_last(xbc, inner + groups * n, groups * n), groups), per_head)

    dt = f.map(lambda d, b: expr.softplus(d + b), dt, w["dt_bias"])
    gate = f.map(lambda d, a: d * -expr.exp(a), dt, w["A_log"])
    v = f.map(lambda a, d: a * d, xs, (dt, (0, 1, 2)))
    y, ssm_next = f.linear_attention(cm, bm, v, g=gate, gate_kind="scalar",
                                     h0=ssm_state, scale=1.0)
    y = f.map(lambda a, b, d: a + d * b, y, xs, (w["D"], (2,)))
    # The gated RMSNorm per group of I / G channels.
    y = f.split_heads(f.merge_heads(y), groups)
    gate_z = f.split_heads(z, groups)
    norm_w = f.split_heads(w["norm.weight"], groups)
    y = pieces.gated_rms_norm(f, y, gate_z, norm_w, c.layer_norm_epsilon,
                              norm_before_gate=False)
    out = _biased(f, f.linear(f.merge_heads(y), w["out_proj.weight"]),
                  w.get("out_proj.bias"))
    return out, conv_next, ssm_next


def reference(c: Mamba2Config, weights: Dict[str, np.ndarray],
              x: np.ndarray, conv_state: Optional[np.ndarray] = None,
              ssm_state: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, conv state,
    SSM state [B, H, N, P])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    inner, groups, heads = c.intermediate, c.n_groups, c.num_heads
    n, p = c.state_size, c.head_dim
    projected = ref.linear(x, w["in_proj.weight"], w.get("in_proj.bias"))
    z = projected[..., :inner]
    xbc = projected[..., inner:inner + c.conv_dim]
    dt = projected[..., inner + c.conv_dim:]
    xbc, conv_next = ref.conv1d(xbc, w["conv1d.weight"][:, 0, :],
                                bias=w.get("conv1d.bias"), state=conv_state,
                                activation="silu")
    xs = xbc[..., :inner].reshape(batch, time, heads, p)
    bm = xbc[..., inner:inner + groups * n].reshape(batch, time, groups, n)
    cm = xbc[..., inner + groups * n:].reshape(batch, time, groups, n)
    dt = ref.softplus(dt + w["dt_bias"])                    # [B, T, H]
    a = -np.exp(w["A_log"])
    # The checkpoint code's state is [P, N] per head.
    state = (np.zeros((batch, heads, p, n)) if ssm_state is None
             else ref.to_float64(ssm_state).transpose(0, 1, 3, 2).copy())
    y = np.zeros((batch, time, heads, p))
    group = np.arange(heads) // (heads // groups)
    for t in range(time):
        decay = np.exp(dt[:, t] * a)                        # [B, H]
        b_t, c_t = bm[:, t, group], cm[:, t, group]         # [B, H, N]
        update = (dt[:, t, :, None] * xs[:, t])[..., None] * b_t[:, :, None]
        state = decay[..., None, None] * state + update
        y[:, t] = np.einsum("bhpn,bhn->bhp", state, c_t) + \
            w["D"][:, None] * xs[:, t]
    y = y.reshape(batch, time, inner) * ref.silu(z)
    y = y.reshape(batch, time, groups, inner // groups)
    y = ref.rms_norm(y, w["norm.weight"].reshape(groups, -1),
                     c.layer_norm_epsilon).reshape(batch, time, inner)
    out = ref.linear(y, w["out_proj.weight"], w.get("out_proj.bias"))
    return out, conv_next, state.transpose(0, 1, 3, 2)


__all__ = ["FAMILY", "KNOWN", "Mamba2Config", "ConfigError", "parse",
           "check_time_step_limit", "weight_shapes", "state_shapes",
           "random_weights", "emit", "reference"]
