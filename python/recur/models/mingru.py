"""The minGRU mixer block ("Were RNNs All We Needed?", Feng et al. 2024),
as lucidrains/minGRU-pytorch writes it (its `minGRU` module inside the
`minLM` language model).

There is no Hugging Face configuration class; the config.json fields are
named in its style after minLM's arguments:

    hidden_size        dim (d)
    expansion_factor   expansion (default 1): I = int(d * expansion_factor)
    proj_out           whether to_out exists (default: expansion_factor != 1)
    rms_norm_eps       eps of the pre-norm (torch.nn.RMSNorm's default: the
                       f32 machine epsilon)
    num_hidden_layers  depth;  vocab_size  num_tokens
    ff_mult, dropout   the feed-forward after the mixer (not in the block)
    use_lstm           minLSTM instead of minGRU (rejected)
    enable_conv        a causal convolution before each layer (rejected)
    conv_kernel_size   its kernel

Per token:

    hidden, gate = split(to_hidden_and_gate(x), [I, I])     no bias
    h~           = g(hidden),  g(v) = v + 1/2 for v >= 0, sigmoid(v) else
    z            = sigmoid(gate)
    h            = (1 - z) h + z h~
    out          = to_out(h)       (no bias; h itself without proj_out)

The recurrence is recur.scan with a = 1 - z = sigmoid(-gate) and b = z h~.
g is written without a select: g(v) = max(v, 0) + sigmoid(min(v, 0)). The
state is h [B, I] (the module's `prev_hidden`, which it keeps as
[B, 1, I]). builder.py writes the block's function, which serves prefill
and decode alike.

`reference` is the same block in float64 NumPy, written from the module's
sequential (one token at a time) path, not from the builder.
"""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from .. import expr, reference as ref
from ..model import Function
from . import builder
from .config import Config, ConfigError

FAMILY = "mingru"
# The model_type of its configs.
MODEL_TYPE = "mingru"

# Every field of the config: the block reads hidden_size, expansion_factor,
# proj_out and rms_norm_eps, the model around it the others.
KNOWN = (
    "architectures", "conv_kernel_size", "dropout", "enable_conv",
    "expansion_factor", "ff_mult", "hidden_size", "model_type",
    "num_hidden_layers", "proj_out", "rms_norm_eps", "tie_word_embeddings",
    "torch_dtype", "use_lstm", "vocab_size",
)

# torch.nn.RMSNorm's eps when none is given: float32's machine epsilon.
F32_EPS = float(np.finfo(np.float32).eps)


@dataclass
class MinGRUConfig:
    hidden_size: int
    intermediate: int
    proj_out: bool
    rms_norm_eps: float = F32_EPS

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps


def parse(config: Config) -> MinGRUConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    hidden = config.integer("hidden_size")
    expansion = config.number("expansion_factor", 1.0)
    intermediate = int(hidden * expansion)
    if intermediate < 1:
        raise config.fail("expansion_factor", f"times hidden_size "
                          f"({expansion} x {hidden}) must be >= 1")
    if config.fields.get("proj_out") is None:
        proj_out = expansion != 1.0
    else:
        proj_out = config.boolean("proj_out")
    if not proj_out and intermediate != hidden:
        raise config.fail(
            "proj_out", f"false needs int(hidden_size x expansion_factor) "
            f"({intermediate}) to equal hidden_size ({hidden})")
    if config.boolean("use_lstm", False):
        config.unsupported("use_lstm", "true (minLSTM) is not supported")
    if config.boolean("enable_conv", False):
        config.unsupported("enable_conv", "true is not supported")
    return MinGRUConfig(
        hidden_size=hidden, intermediate=intermediate, proj_out=proj_out,
        rms_norm_eps=config.number("rms_norm_eps", F32_EPS))


# For stacks (builder.py): minLM's state dict has layer i's modules as
# layers.i.0 (the optional conv), .1 (the pre-norm, torch.nn.RMSNorm),
# .2 (minGRU), .3 and .4 (the feed-forward and its norm, not in the stack).
LAYERS_PREFIX = "layers"
MIXER_PREFIX = "2."
PRE_NORM = "1.weight"
PRE_NORM_OFFSET = 0.0


def weight_shapes(c: MinGRUConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    shapes = {"to_hidden_and_gate.weight": (2 * c.intermediate,
                                            c.hidden_size)}
    if c.proj_out:
        shapes["to_out.weight"] = (c.hidden_size, c.intermediate)
    return shapes


def state_shapes(c: MinGRUConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    return {"prev_hidden": (c.intermediate,)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in)."""
    return {name: builder.random_weight(rand, name, shape)
            for name, shape in weight_shapes(c).items()}


def emit(f: Function, c: MinGRUConfig, x, w, prev_hidden):
    """The block's ops in `f`: (out, hidden state)."""
    inner = c.intermediate
    projected = f.linear(x, w["to_hidden_and_gate.weight"])
    hidden = f.slice_last(projected, 0, inner)
    gate = f.slice_last(projected, inner, inner)
    a = f.map(lambda v: expr.sigmoid(-v), gate)
    b = f.map(lambda v, h: expr.sigmoid(v) * (
        expr.maximum(h, 0.0) + expr.sigmoid(expr.minimum(h, 0.0))),
        gate, hidden)
    h, h_next = f.scan(a, b, h0=prev_hidden)
    out = f.linear(h, w["to_out.weight"]) if c.proj_out else h
    return out, h_next


def reference(c: MinGRUConfig, weights: Dict[str, np.ndarray],
              x: np.ndarray, prev_hidden: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, hidden
    state [B, I])."""
    w = {k: ref.to_float64(v) for k, v in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    inner = c.intermediate
    h = (np.zeros((batch, inner)) if prev_hidden is None
         else ref.to_float64(prev_hidden).copy())
    hs = np.zeros((batch, time, inner))
    for t in range(time):
        projected = x[:, t] @ w["to_hidden_and_gate.weight"].T
        hidden, gate = projected[:, :inner], projected[:, inner:]
        candidate = np.where(hidden >= 0, hidden + 0.5, ref.sigmoid(hidden))
        z = ref.sigmoid(gate)
        h = h + z * (candidate - h)                 # torch.lerp(h, h~, z)
        hs[:, t] = h
    out = hs @ w["to_out.weight"].T if c.proj_out else hs
    return out, h


__all__ = ["FAMILY", "KNOWN", "MinGRUConfig", "ConfigError", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
