"""The Mamba (Mamba-1) mixer block, from the fields of Hugging Face's
MambaConfig.

With d = hidden_size, I = intermediate size = int(expand * d),
N = state_size, R = time_step_rank ("auto": ceil(d / 16)) and
W = conv_kernel, per token:

    x, z     = split(in_proj(x), [I, I])
    x        = silu(conv1d(x))                      depthwise, kernel W, state
    dt, B, C = split(x_proj(x), [R, N, N])
    dt       = softplus(dt_proj(dt))                dt_proj has a bias: [I]
    A        = -exp(A_log)                          [I, N]
    h[i, n]  = exp(dt[i] A[i, n]) h[i, n] + dt[i] B[n] x[i]
    y[i]     = sum_n C[n] h[i, n] + D[i] x[i]
    out      = out_proj(y * silu(z))

The recurrence is recur.selective_scan with one group of B and C, the
skip D, the gate z and dt_proj's bias as the delta bias (delta_softplus;
docs/ops.md). The states are the conv state [B, W - 1, I] (the last W - 1
inputs of the convolution; the checkpoint code's cache keeps W of them as
[B, I, W], whose last W - 1 columns are this state transposed) and the SSM
state [B, I, N] (the layout of the checkpoint code's cache). builder.py
writes the block's function, which serves prefill and decode alike.

`reference` is the same block in float64 NumPy, written from the family's
modeling code (a token loop), not from the builder.
"""

import math
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, reference as ref
from ..model import Function
from . import builder
from .config import Config, ConfigError

FAMILY = "mamba"
# The model_type of its configs.
MODEL_TYPE = "mamba"

# Every field of MambaConfig (and those the converted state-spaces/*-hf
# checkpoints carry besides: d_model, n_layer, rms_norm, ...); the block
# reads some, the model around it the others.
KNOWN = (
    "architectures", "bos_token_id", "conv_kernel", "d_model", "dtype",
    "eos_token_id", "expand", "fused_add_norm", "hidden_act", "hidden_size",
    "initializer_range", "intermediate_size", "layer_norm_epsilon",
    "model_type", "n_layer", "num_hidden_layers", "pad_token_id",
    "pad_vocab_size_multiple", "rescale_prenorm_residual",
    "residual_in_fp32", "rms_norm", "ssm_cfg", "state_size",
    "tie_word_embeddings", "time_step_floor", "time_step_init_scheme",
    "time_step_max", "time_step_min", "time_step_rank", "time_step_scale",
    "torch_dtype", "transformers_version", "use_associative_scan",
    "use_bias", "use_cache", "use_conv_bias", "use_mambapy", "vocab_size",
)


@dataclass
class MambaConfig:
    hidden_size: int
    state_size: int
    intermediate: int
    time_step_rank: int
    conv_kernel: int = 4
    layer_norm_epsilon: float = 1e-5
    use_bias: bool = False
    use_conv_bias: bool = True

    @property
    def norm_eps(self) -> float:
        return self.layer_norm_epsilon

    @property
    def ssm_parameters(self) -> int:
        """The width of x_proj's output: dt (R), B and C (N each)."""
        return self.time_step_rank + 2 * self.state_size


def parse(config: Config) -> MambaConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden = config.integer("hidden_size")
    expand = config.number("expand", 2)
    intermediate = int(expand * hidden)
    if intermediate < 1:
        raise config.fail("expand", f"times hidden_size ({expand} x "
                          f"{hidden}) must be >= 1")
    if "intermediate_size" in config.fields and \
            config.integer("intermediate_size") != intermediate:
        raise config.fail(
            "intermediate_size", f"({config.fields['intermediate_size']}) "
            f"must equal int(expand x hidden_size) ({intermediate})")
    if config.fields.get("time_step_rank", "auto") == "auto":
        rank = math.ceil(hidden / 16)
    else:
        rank = config.integer("time_step_rank")
    c = MambaConfig(
        hidden_size=hidden,
        state_size=config.integer("state_size"),
        intermediate=intermediate,
        time_step_rank=rank,
        conv_kernel=config.integer("conv_kernel", 4),
        layer_norm_epsilon=config.number("layer_norm_epsilon", 1e-5),
        use_bias=config.boolean("use_bias", False),
        use_conv_bias=config.boolean("use_conv_bias", True))
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    if not config.boolean("rms_norm", True):
        config.unsupported("rms_norm", "false is not supported")
    return c


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight).
# The weights the block multiplies as matrices (f.linear), which a whole
# model keeps in the checkpoint's dtype; the others are widened to f32.
MATRIX_WEIGHTS = ("in_proj.weight", "x_proj.weight", "dt_proj.weight",
                  "out_proj.weight")
LAYERS_PREFIX = "backbone.layers"
# For whole models (whole.py): the token embedding and the final norm, and
# the default of `tie_word_embeddings` in the configuration class.
EMBEDDING = "backbone.embeddings.weight"
FINAL_NORM = "backbone.norm_f.weight"
TIED_BY_DEFAULT = True
MIXER_PREFIX = "mixer."
PRE_NORM = "norm.weight"
PRE_NORM_OFFSET = 0.0


def weight_shapes(c: MambaConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    inner = c.intermediate
    shapes = {
        "in_proj.weight": (2 * inner, c.hidden_size),
        "conv1d.weight": (inner, 1, c.conv_kernel),
        "x_proj.weight": (c.ssm_parameters, inner),
        "dt_proj.weight": (inner, c.time_step_rank),
        "dt_proj.bias": (inner,),
        "A_log": (inner, c.state_size),
        "D": (inner,),
        "out_proj.weight": (c.hidden_size, inner),
    }
    if c.use_conv_bias:
        shapes["conv1d.bias"] = (inner,)
    if c.use_bias:
        shapes["in_proj.bias"] = (2 * inner,)
        shapes["out_proj.bias"] = (c.hidden_size,)
    return shapes


def state_shapes(c: MambaConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"conv_state": (c.conv_kernel - 1, c.intermediate),
            "ssm_state": (c.intermediate, c.state_size)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (decays exp(A_log) in
    [1, 16], softplus(dt_proj.bias) small), for tests and examples."""
    return builder.random_decay_weights(
        weight_shapes(c), rand, largest=16.0, dt_bias="dt_proj.bias",
        dt_range=(-5.0, -2.0))


def _biased(f: Function, y, bias):
    return y if bias is None else f.map(lambda a, b: a + b, y, bias)


def emit(f: Function, c: MambaConfig, x, w, conv_state, ssm_state):
    """The block's ops in `f`: (out, conv state, SSM state)."""
    inner, n, rank = c.intermediate, c.state_size, c.time_step_rank
    projected = _biased(f, f.linear(x, w["in_proj.weight"]),
                        w.get("in_proj.bias"))
    xs = f.slice_last(projected, 0, inner)
    z = f.slice_last(projected, inner, inner)

    conv_w = f.merge_dims(w["conv1d.weight"], 0)            # [I, W]
    xs, conv_next = f.conv1d(xs, conv_w, bias=w.get("conv1d.bias"),
                             state=conv_state, activation="silu")
    params = f.linear(xs, w["x_proj.weight"])               # [B, T, R + 2N]
    delta = f.linear(f.slice_last(params, 0, rank), w["dt_proj.weight"])
    bm = f.split_heads(f.slice_last(params, rank, n), 1)    # [B, T, 1, N]
    cm = f.split_heads(f.slice_last(params, rank + n, n), 1)
    a = f.map(lambda v: -expr.exp(v), w["A_log"])           # [I, N]
    y, ssm_next = f.selective_scan(xs, delta, a, bm, cm, D=w["D"], z=z,
                                   delta_bias=w["dt_proj.bias"],
                                   h0=ssm_state, delta_softplus=True)
    out = _biased(f, f.linear(y, w["out_proj.weight"]),
                  w.get("out_proj.bias"))
    return out, conv_next, ssm_next


def reference(c: MambaConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, conv_state: Optional[np.ndarray] = None,
              ssm_state: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, conv state
    [B, W - 1, I], SSM state [B, I, N])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    inner, n, rank = c.intermediate, c.state_size, c.time_step_rank
    width = c.conv_kernel
    projected = ref.linear(x, w["in_proj.weight"], w.get("in_proj.bias"))
    xs, z = projected[..., :inner], projected[..., inner:]
    kernel = w["conv1d.weight"][:, 0, :]                    # [I, W]
    conv_bias = w.get("conv1d.bias", np.zeros(inner))
    window = (np.zeros((batch, width - 1, inner)) if conv_state is None
              else ref.to_float64(conv_state).copy())
    a = -np.exp(w["A_log"])                                 # [I, N]
    h = (np.zeros((batch, inner, n)) if ssm_state is None
         else ref.to_float64(ssm_state).copy())
    y = np.zeros((batch, time, inner))
    for t in range(time):
        # The causal convolution over the last W inputs (oldest first).
        window = np.concatenate([window, xs[:, t:t + 1]], axis=1)
        u = ref.silu(np.einsum("bwi,iw->bi", window, kernel) + conv_bias)
        window = window[:, 1:]
        params = u @ w["x_proj.weight"].T                   # [B, R + 2N]
        dt_low = params[:, :rank]
        b_t, c_t = params[:, rank:rank + n], params[:, rank + n:]
        dt = ref.softplus(dt_low @ w["dt_proj.weight"].T + w["dt_proj.bias"])
        h = np.exp(dt[:, :, None] * a) * h + \
            (dt * u)[:, :, None] * b_t[:, None, :]
        y[:, t] = (np.einsum("bin,bn->bi", h, c_t) + w["D"] * u) * \
            ref.silu(z[:, t])
    out = ref.linear(y, w["out_proj.weight"], w.get("out_proj.bias"))
    return out, window, h


__all__ = ["FAMILY", "KNOWN", "MambaConfig", "ConfigError", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
