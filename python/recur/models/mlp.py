"""The channel-mixing sublayers of whole models: an MLP, a gated MLP and a
sparse mixture of experts (Qwen3-Next's), each the second half of a layer

    h = h + mlp(rms_norm(h) * (offset + norm weight))

after the layer's mixer (builder.py; the mixer's family names the
sublayer's place in the checkpoint: MLP_PREFIX, MLP_NORM).

A gated MLP of width I (SwiGLU with "silu", GeGLU with "gelu_pytorch_tanh"):

    mlp(x) = down_proj(act(gate_proj(x)) * up_proj(x))

An MLP of width I (Nemotron-H's, with "relu2", relu(x)^2):

    mlp(x) = down_proj(act(up_proj(x)))

A mixture of E experts, each a gated MLP of width I, k of them per token,
and a shared expert of width Is:

    p          = softmax(gate(x))                       [E]
    top        = the k largest p (ties to the lower expert), renormalized
                 to sum 1 when norm_topk_prob
    moe(x)     = sum over the k chosen e of p_e expert_e(x)
                 + sigmoid(shared_expert_gate(x)) shared_expert(x)

The experts' weights are one argument each, [E, out, in], whose checkpoint
name has "*" for the expert (model.layers.N.mlp.experts.*.up_proj.weight):
the loaders stack the published per-expert tensors (whole.py). A token's
slot reads only its expert's rows (Function.expert_linear): k experts'
weights per token, not E.

`reference` is each in float64 NumPy, an expert loop as the modeling code
has it.
"""

from dataclasses import dataclass
from typing import Dict

import numpy as np

from .. import expr, reference as ref
from ..model import Function

# The activations of a gated MLP: config name -> (expr, reference).
ACTIVATIONS = {
    "silu": (expr.silu, ref.silu),
    "gelu_pytorch_tanh": (expr.gelu_tanh, ref.gelu_tanh),
    "relu2": (lambda x: expr.maximum(x, 0.0) * expr.maximum(x, 0.0),
              lambda x: np.maximum(x, 0.0) ** 2),
}

# The expert's index in a stacked weight's checkpoint name.
STACKED = "*"


@dataclass(frozen=True)
class MLPConfig:
    hidden_size: int
    intermediate_size: int
    activation: str = "relu2"
    bias: bool = False


@dataclass(frozen=True)
class GatedMLPConfig:
    hidden_size: int
    intermediate_size: int
    activation: str = "silu"
    bias: bool = False


@dataclass(frozen=True)
class MoEConfig:
    hidden_size: int
    num_experts: int
    experts_per_token: int
    expert_size: int                  # moe_intermediate_size
    shared_expert_size: int           # 0: none
    norm_topk_prob: bool = True
    activation: str = "silu"


PROJECTIONS = ("gate_proj", "up_proj", "down_proj")


def _gated_shapes(hidden: int, width: int, prefix: str = "",
                  bias: bool = False) -> Dict[str, tuple]:
    shapes = {f"{prefix}gate_proj.weight": (width, hidden),
              f"{prefix}up_proj.weight": (width, hidden),
              f"{prefix}down_proj.weight": (hidden, width)}
    if bias:
        shapes.update({f"{prefix}gate_proj.bias": (width,),
                       f"{prefix}up_proj.bias": (width,),
                       f"{prefix}down_proj.bias": (hidden,)})
    return shapes


def weight_shapes(c) -> Dict[str, tuple]:
    """Checkpoint name (less the sublayer's prefix) -> shape."""
    if isinstance(c, MLPConfig):
        return {name: shape for name, shape in _gated_shapes(
            c.hidden_size, c.intermediate_size, bias=c.bias).items()
            if not name.startswith("gate_proj.")}
    if isinstance(c, GatedMLPConfig):
        return _gated_shapes(c.hidden_size, c.intermediate_size,
                             bias=c.bias)
    shapes = {"gate.weight": (c.num_experts, c.hidden_size)}
    for name, shape in _gated_shapes(c.hidden_size, c.expert_size,
                                     f"experts.{STACKED}.").items():
        shapes[name] = (c.num_experts,) + shape
    if c.shared_expert_size:
        shapes.update(_gated_shapes(c.hidden_size, c.shared_expert_size,
                                    "shared_expert."))
        shapes["shared_expert_gate.weight"] = (1, c.hidden_size)
    return shapes


def matrix_weights(c):
    """The weights the sublayer multiplies as matrices (kept in a
    checkpoint's bf16 or f16)."""
    return tuple(name for name in weight_shapes(c)
                 if name.endswith(".weight"))


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights for tests and examples (variance 1 / fan-in, the router's
    too: a router of 4 times larger logits made the routing weights so
    sharp that f32 rounding, a few ulps in each op, grew tenfold a layer;
    small biases, as trained ones are, which would otherwise push every
    token the same way)."""
    w = {}
    for name, shape in weight_shapes(c).items():
        if len(shape) == 1:
            w[name] = rand.normal(shape, scale=0.05)
            continue
        w[name] = rand.normal(shape, scale=shape[-1] ** -0.5)
    return w


def _biased(f: Function, y, w, name: str):
    bias = w.get(f"{name}.bias")
    return y if bias is None else f.map(lambda a, b: a + b, y, bias)


def _gated(f: Function, x, w, prefix: str, activation: str):
    act = ACTIVATIONS[activation][0]
    gate = _biased(f, f.linear(x, w[f"{prefix}gate_proj.weight"]), w,
                   f"{prefix}gate_proj")
    up = _biased(f, f.linear(x, w[f"{prefix}up_proj.weight"]), w,
                 f"{prefix}up_proj")
    hidden = f.map(lambda g, u: act(g) * u, gate, up)
    return _biased(f, f.linear(hidden, w[f"{prefix}down_proj.weight"]), w,
                   f"{prefix}down_proj")


def emit(f: Function, c, x, w):
    """The sublayer's ops in `f` on x [B, T, d]: its output [B, T, d]."""
    if isinstance(c, MLPConfig):
        act = ACTIVATIONS[c.activation][0]
        up = _biased(f, f.linear(x, w["up_proj.weight"]), w, "up_proj")
        return _biased(f, f.linear(f.map(act, up), w["down_proj.weight"]),
                       w, "down_proj")
    if isinstance(c, GatedMLPConfig):
        return _gated(f, x, w, "", c.activation)
    act = ACTIVATIONS[c.activation][0]
    logits = f.linear(x, w["gate.weight"])                 # [B, T, E]
    top, experts = f.top_k(logits, c.experts_per_token)    # [B, T, k]
    # softmax(logits) at the chosen experts: exp(l - l_max) / sum exp(.);
    # the largest logit is the first chosen.
    first = (f.sum(lambda a: a, f.slice_last(top, 0, 1)), (0, 1))
    total = f.sum(lambda a, m: expr.exp(a - m),
                  top if c.norm_topk_prob else logits, first)
    weights = f.map(lambda a, m, s: expr.exp(a - m) / s, top, first,
                    (total, (0, 1)))
    stacked = f"experts.{STACKED}."
    gate = f.expert_linear(x, w[stacked + "gate_proj.weight"], experts)
    up = f.expert_linear(x, w[stacked + "up_proj.weight"], experts)
    hidden = f.map(lambda g, u: act(g) * u, gate, up)      # [B, T, k, I]
    routed = f.expert_linear(hidden, w[stacked + "down_proj.weight"],
                             experts, mix=weights)          # [B, T, d]
    if not c.shared_expert_size:
        return routed
    shared = _gated(f, x, w, "shared_expert.", c.activation)
    # The gate's one output [B, T, 1] as [B, T].
    shared_gate = f.sum(lambda a: a, f.linear(
        x, w["shared_expert_gate.weight"]))
    return f.map(lambda r, s, g: r + expr.sigmoid(g) * s, routed, shared,
                 (shared_gate, (0, 1)))


def _reference_gated(x, w, prefix: str, activation: str):
    act = ACTIVATIONS[activation][1]
    gate = ref.linear(x, w[f"{prefix}gate_proj.weight"],
                      w.get(f"{prefix}gate_proj.bias"))
    up = ref.linear(x, w[f"{prefix}up_proj.weight"],
                    w.get(f"{prefix}up_proj.bias"))
    return ref.linear(act(gate) * up, w[f"{prefix}down_proj.weight"],
                      w.get(f"{prefix}down_proj.bias"))


def reference(c, weights: Dict[str, np.ndarray], x: np.ndarray):
    """The sublayer in float64 (weights by checkpoint name less the
    sublayer's prefix, the experts' stacked)."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    if isinstance(c, MLPConfig):
        up = ref.linear(x, w["up_proj.weight"], w.get("up_proj.bias"))
        return ref.linear(ACTIVATIONS[c.activation][1](up),
                          w["down_proj.weight"], w.get("down_proj.bias"))
    if isinstance(c, GatedMLPConfig):
        return _reference_gated(x, w, "", c.activation)
    act = ACTIVATIONS[c.activation][1]
    logits = ref.linear(x, w["gate.weight"])
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    out = np.zeros_like(x)
    stacked = f"experts.{STACKED}."
    for index in np.ndindex(*x.shape[:-1]):
        # torch.topk's order: descending, ties to the lower index.
        chosen = np.argsort(-p[index], kind="stable")[:c.experts_per_token]
        share = p[index][chosen]
        if c.norm_topk_prob:
            share = share / share.sum()
        for e, s in zip(chosen, share):
            gate = w[stacked + "gate_proj.weight"][e] @ x[index]
            up = w[stacked + "up_proj.weight"][e] @ x[index]
            out[index] += s * (w[stacked + "down_proj.weight"][e] @
                               (act(gate) * up))
    if c.shared_expert_size:
        shared = _reference_gated(x, w, "shared_expert.", c.activation)
        out += ref.sigmoid(ref.linear(
            x, w["shared_expert_gate.weight"])) * shared
    return out


def unstack_experts(weights: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The weights as a checkpoint publishes them: each stacked weight
    as its per-expert tensors."""
    out = {}
    for name, value in weights.items():
        if STACKED in name:
            for e in range(value.shape[0]):
                out[name.replace(STACKED, str(e))] = value[e]
        else:
            out[name] = value
    return out


__all__ = ["MLPConfig", "GatedMLPConfig", "MoEConfig", "ACTIVATIONS",
           "STACKED", "weight_shapes", "matrix_weights", "random_weights", "emit",
           "reference", "unstack_experts"]
