"""The channel-mixing sublayers of whole models: an MLP, a gated MLP and a
sparse mixture of experts (Qwen3-Next's), each the second half of a layer

    h = h + mlp(rms_norm(h) * (offset + norm weight))

after the layer's mixer (builder.py; the mixer's family names the
sublayer's place in the checkpoint: MLP_PREFIX, MLP_NORM).

A gated MLP of width I (SwiGLU with "silu", GeGLU with "gelu_pytorch_tanh"):

    mlp(x) = down_proj(act(gate_proj(x)) * up_proj(x))

An MLP of width I (Nemotron-H's, with "relu2", relu(x)^2):

    mlp(x) = down_proj(act(up_proj(x)))

A mixture of E experts, each a gated MLP of width I (or, with
`gated_experts` false, an MLP), k of them per token, and a shared expert
of width Is. Qwen3-Next's (router "softmax"):

    p          = softmax(gate(x))                       [E]
    top        = the k largest p (ties to the lower expert), renormalized
                 to sum 1 when norm_topk_prob
    moe(x)     = sum over the k chosen e of p_e expert_e(x)
                 + sigmoid(shared_expert_gate(x)) shared_expert(x)

DeepSeek-V3's, which Nemotron-3 and Kimi Linear use (router "sigmoid"):

    p          = sigmoid(gate(x))                       [E]
    top        = the k experts of the largest p + gate.e_score_correction_bias,
                 their p renormalized to sum 1 (+ 1e-20) when
                 norm_topk_prob, times routed_scaling_factor
    moe(x)     = sum over the k chosen e of p_e expert_e(x)
                 + shared_experts(x)

(with one expert group: the configs' grouped top-k of more than one group
is refused by the families).

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


PROJECTIONS = ("gate_proj", "up_proj", "down_proj")


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
    # "softmax" (Qwen3-Next) or "sigmoid" (DeepSeek-V3's, with the score
    # correction bias), and the routing weights' scale.
    router: str = "softmax"
    routed_scale: float = 1.0
    # Gated experts (gate, up and down projections) or MLPs (up, down),
    # the experts' names of (gate, up, down), and the shared expert's
    # prefix; Qwen3-Next's shared expert is gated by shared_expert_gate.
    gated_experts: bool = True
    expert_names: tuple = PROJECTIONS
    shared_prefix: str = "shared_expert."

    @property
    def shared_gate(self) -> bool:
        return self.router == "softmax"


# The bias added to the sigmoid router's scores to choose the experts.
SCORE_BIAS = "gate.e_score_correction_bias"


def _mlp_shapes(hidden: int, width: int, prefix: str = "",
                  bias: bool = False, gated: bool = True,
                  names=PROJECTIONS) -> Dict[str, tuple]:
    """The shapes of a gated MLP's projections (`names`: gate, up, down),
    or without `gated` an MLP's (up, down)."""
    gate, up, down = names
    shapes = {f"{prefix}{gate}.weight": (width, hidden),
              f"{prefix}{up}.weight": (width, hidden),
              f"{prefix}{down}.weight": (hidden, width)}
    if bias:
        shapes.update({f"{prefix}{gate}.bias": (width,),
                       f"{prefix}{up}.bias": (width,),
                       f"{prefix}{down}.bias": (hidden,)})
    return {name: shape for name, shape in shapes.items()
            if gated or not name.startswith(f"{prefix}{gate}.")}


def weight_shapes(c) -> Dict[str, tuple]:
    """Checkpoint name (less the sublayer's prefix) -> shape."""
    if isinstance(c, MLPConfig):
        return _mlp_shapes(c.hidden_size, c.intermediate_size,
                             bias=c.bias, gated=False)
    if isinstance(c, GatedMLPConfig):
        return _mlp_shapes(c.hidden_size, c.intermediate_size,
                             bias=c.bias)
    shapes = {"gate.weight": (c.num_experts, c.hidden_size)}
    if c.router == "sigmoid":
        shapes[SCORE_BIAS] = (c.num_experts,)
    for name, shape in _mlp_shapes(
            c.hidden_size, c.expert_size, f"experts.{STACKED}.",
            gated=c.gated_experts, names=c.expert_names).items():
        shapes[name] = (c.num_experts,) + shape
    if c.shared_expert_size:
        shapes.update(_mlp_shapes(c.hidden_size, c.shared_expert_size,
                                    c.shared_prefix,
                                    gated=c.gated_experts))
        if c.shared_gate:
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
        if name == SCORE_BIAS:
            # As large as the scores' spread, so that it changes choices.
            w[name] = rand.normal(shape, scale=0.1)
            continue
        if len(shape) == 1:
            w[name] = rand.normal(shape, scale=0.05)
            continue
        w[name] = rand.normal(shape, scale=shape[-1] ** -0.5)
    return w


def _biased(f: Function, y, w, name: str):
    bias = w.get(f"{name}.bias")
    return y if bias is None else f.map(lambda a, b: a + b, y, bias)


def _projected(f: Function, x, w, prefix: str, activation: str,
               gated: bool = True, names=PROJECTIONS):
    """A gated MLP (`names`: its gate, up and down projections) on x, or
    without `gated` an MLP (up, down)."""
    act = ACTIVATIONS[activation][0]
    gate, up, down = (f"{prefix}{name}" for name in names)
    hidden = _biased(f, f.linear(x, w[f"{up}.weight"]), w, up)
    if gated:
        hidden = f.map(lambda g, u: act(g) * u, _biased(
            f, f.linear(x, w[f"{gate}.weight"]), w, gate), hidden)
    else:
        hidden = f.map(act, hidden)
    return _biased(f, f.linear(hidden, w[f"{down}.weight"]), w, down)


def _routing(f: Function, c: "MoEConfig", x, w):
    """(the weights [B, T, k] of the chosen experts, their indices)."""
    logits = f.linear(x, w["gate.weight"])                 # [B, T, E]
    if c.router == "sigmoid":
        scores = f.map(expr.sigmoid, logits)
        choice = f.map(lambda p, b: p + b, scores, w[SCORE_BIAS])
        top, experts = f.top_k(choice, c.experts_per_token, values=scores)
        if not c.norm_topk_prob:
            return f.map(lambda a: a * c.routed_scale, top), experts
        total = (f.sum(lambda a: a, top), (0, 1))
        return f.map(lambda a, s: a / (s + 1e-20) * c.routed_scale, top,
                     total), experts
    top, experts = f.top_k(logits, c.experts_per_token)    # [B, T, k]
    # softmax(logits) at the chosen experts: exp(l - l_max) / sum exp(.);
    # the largest logit is the first chosen.
    first = (f.sum(lambda a: a, f.slice_last(top, 0, 1)), (0, 1))
    total = f.sum(lambda a, m: expr.exp(a - m),
                  top if c.norm_topk_prob else logits, first)
    return f.map(lambda a, m, s: expr.exp(a - m) / s, top, first,
                 (total, (0, 1))), experts


def emit(f: Function, c, x, w):
    """The sublayer's ops in `f` on x [B, T, d]: its output [B, T, d]."""
    if isinstance(c, MLPConfig):
        return _projected(f, x, w, "", c.activation, gated=False)
    if isinstance(c, GatedMLPConfig):
        return _projected(f, x, w, "", c.activation)
    act = ACTIVATIONS[c.activation][0]
    weights, experts = _routing(f, c, x, w)
    gate, up, down = (f"experts.{STACKED}.{name}.weight"
                      for name in c.expert_names)
    hidden = f.expert_linear(x, w[up], experts)            # [B, T, k, I]
    if c.gated_experts:
        hidden = f.map(lambda g, u: act(g) * u,
                       f.expert_linear(x, w[gate], experts), hidden)
    else:
        hidden = f.map(act, hidden)
    routed = f.expert_linear(hidden, w[down], experts,
                             mix=weights)                   # [B, T, d]
    if not c.shared_expert_size:
        return routed
    shared = _projected(f, x, w, c.shared_prefix, c.activation,
                        c.gated_experts)
    if not c.shared_gate:
        return f.map(lambda r, s: r + s, routed, shared)
    # The gate's one output [B, T, 1] as [B, T].
    shared_gate = f.sum(lambda a: a, f.linear(
        x, w["shared_expert_gate.weight"]))
    return f.map(lambda r, s, g: r + expr.sigmoid(g) * s, routed, shared,
                 (shared_gate, (0, 1)))


def _reference_projected(x, w, prefix: str, activation: str,
                         gated: bool = True, names=PROJECTIONS):
    act = ACTIVATIONS[activation][1]
    gate, up, down = (f"{prefix}{name}" for name in names)
    hidden = ref.linear(x, w[f"{up}.weight"], w.get(f"{up}.bias"))
    if gated:
        hidden = act(ref.linear(x, w[f"{gate}.weight"],
                                w.get(f"{gate}.bias"))) * hidden
    else:
        hidden = act(hidden)
    return ref.linear(hidden, w[f"{down}.weight"], w.get(f"{down}.bias"))


def _reference_routing(c: "MoEConfig", w, x):
    """Per token: (the chosen experts, their weights), as the modeling
    code's routers."""
    logits = ref.linear(x, w["gate.weight"])
    if c.router == "sigmoid":
        p = ref.sigmoid(logits)
        choice = p + w[SCORE_BIAS]
    else:
        p = np.exp(logits - logits.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        choice = p
    routes = {}
    for index in np.ndindex(*x.shape[:-1]):
        # torch.topk's order: descending, ties to the lower index.
        chosen = np.argsort(-choice[index],
                            kind="stable")[:c.experts_per_token]
        share = p[index][chosen]
        if c.norm_topk_prob:
            share = share / (share.sum() + (1e-20 if c.router == "sigmoid"
                                            else 0.0))
        routes[index] = chosen, share * c.routed_scale
    return routes


def reference(c, weights: Dict[str, np.ndarray], x: np.ndarray):
    """The sublayer in float64 (weights by checkpoint name less the
    sublayer's prefix, the experts' stacked)."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    if isinstance(c, MLPConfig):
        return _reference_projected(x, w, "", c.activation, gated=False)
    if isinstance(c, GatedMLPConfig):
        return _reference_projected(x, w, "", c.activation)
    out = np.zeros_like(x)
    expert = {name: w[f"experts.{STACKED}.{name}.weight"]
              for name in c.expert_names
              if f"experts.{STACKED}.{name}.weight" in w}
    for index, (chosen, share) in _reference_routing(c, w, x).items():
        for e, s in zip(chosen, share):
            one = {f"{name}.weight": value[e]
                   for name, value in expert.items()}
            out[index] += s * _reference_projected(
                x[index], one, "", c.activation, c.gated_experts,
                c.expert_names)
    if c.shared_expert_size:
        shared = _reference_projected(x, w, c.shared_prefix, c.activation,
                                      c.gated_experts)
        if c.shared_gate:
            shared = shared * ref.sigmoid(ref.linear(
                x, w["shared_expert_gate.weight"]))
        out += shared
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
