"""Model descriptions of a family's block, or of a stack of its layers.

A family module (mamba2, gated_deltanet) provides `weight_shapes(c)`
(checkpoint name -> shape), `state_shapes(c)` (state argument -> shape
less the batch), `emit(f, c, x, weights, *states)` -> (out, *states),
`reference(c, weights, x, *states)`, and, for stacks, `LAYERS_PREFIX`,
`MIXER_PREFIX`, `PRE_NORM` and `PRE_NORM_OFFSET`.

The block function takes the hidden states [B, T, d], the weights
(checkpoint names with '.' as '_', and the checkpoint name itself in
`recur.checkpoint_name`, which the header and the interface file carry)
and the states, and returns `out` and
each state as `STATE_out`. The stack function does that for `layers`
layers, each

    h = h + mixer(rms_norm(h) * (PRE_NORM_OFFSET + pre-norm weight))

with the layers' weights under `LAYERS_PREFIX.i.` and their states named
`layers_i_STATE`.

Each description has two functions with one state layout: NAME, the
prefill (any T, the states in and the final states out), and NAME_step,
the same for exactly one token per sequence (T = 1 static, so the
compiled step has no time loop). A step after a prefill equals a longer
prefill.

A family also provides `random_weights(c, rand)` (a recur.testing.Inputs):
weights in the ranges a trained checkpoint has, for tests and examples;
`random_weight` is the default for a weight without special range.
"""

from typing import Dict, List

import numpy as np

from .. import pieces, reference as ref
from ..model import Module


def arg_name(weight: str) -> str:
    """The function argument (a C name) of a checkpoint weight."""
    return weight.replace(".", "_")


STEP_SUFFIX = "_step"


def random_weight(rand, name: str, shape) -> np.ndarray:
    """A weight for tests: norm scales near 1, other vectors and matrices
    normal with variance 1 / fan-in."""
    if len(shape) == 1 and "norm" in name:
        return rand.uniform(shape, 0.5, 1.5)
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return rand.normal(shape, scale=fan_in ** -0.5)


def _functions(name: str):
    """(function name, time dimension) of the prefill and the step."""
    return ((name, None), (name + STEP_SUFFIX, 1))


def build_block(family, c, name: str) -> str:
    """The family's block as a model description: NAME (prefill) and
    NAME_step."""
    m = Module()
    for function, time in _functions(name):
        _block_function(m.function(function), family, c, time)
    return m.to_mlir()


def _block_function(f, family, c, time) -> None:
    x = f.arg("hidden_states", (None, time, c.hidden_size))
    w = {weight: f.arg(arg_name(weight), shape, checkpoint_name=weight)
         for weight, shape in family.weight_shapes(c).items()}
    states = [f.arg(state, (None,) + shape)
              for state, shape in family.state_shapes(c).items()]
    out, *next_states = family.emit(f, c, x, w, *states)
    f.ret(out, "out")
    for state, value in zip(family.state_shapes(c), next_states):
        f.ret(value, f"{state}_out")


def layer_prefix(family, layer: int) -> str:
    return f"{family.LAYERS_PREFIX}.{layer}."


def stack_weight_shapes(family, c, layers: int) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight of a stack."""
    shapes = {}
    for layer in range(layers):
        prefix = layer_prefix(family, layer)
        shapes[prefix + family.PRE_NORM] = (c.hidden_size,)
        for weight, shape in family.weight_shapes(c).items():
            shapes[prefix + family.MIXER_PREFIX + weight] = shape
    return shapes


def stack_state_shapes(family, c, layers: int) -> Dict[str, tuple]:
    return {f"layers_{layer}_{state}": shape
            for layer in range(layers)
            for state, shape in family.state_shapes(c).items()}


def build_stack(family, c, layers: int, name: str) -> str:
    """A stack of `layers` of the family's layers (pre-norm, mixer,
    residual) as a model description: NAME (prefill) and NAME_step."""
    m = Module()
    for function, time in _functions(name):
        _stack_function(m.function(function), family, c, layers, time)
    return m.to_mlir()


def _stack_function(f, family, c, layers: int, time) -> None:
    h = f.arg("hidden_states", (None, time, c.hidden_size))
    w = {weight: f.arg(arg_name(weight), shape, checkpoint_name=weight)
         for weight, shape in stack_weight_shapes(family, c, layers).items()}
    states = {state: f.arg(state, (None,) + shape)
              for state, shape in stack_state_shapes(family, c,
                                                     layers).items()}
    next_states: List = []
    offset = family.PRE_NORM_OFFSET
    for layer in range(layers):
        prefix = layer_prefix(family, layer)
        norm = w[prefix + family.PRE_NORM]
        if offset:
            norm = f.map(lambda a: a + offset, norm)
        normed = pieces.rms_norm(f, h, norm, c.norm_eps)
        mixer = {weight[len(prefix + family.MIXER_PREFIX):]: value
                 for weight, value in w.items()
                 if weight.startswith(prefix + family.MIXER_PREFIX)}
        layer_states = [states[f"layers_{layer}_{state}"]
                        for state in family.state_shapes(c)]
        mixed, *layer_next = family.emit(f, c, normed, mixer, *layer_states)
        h = f.map(lambda a, b: a + b, h, mixed)
        next_states += layer_next
    f.ret(h, "out")
    for state, value in zip(states, next_states):
        f.ret(value, f"{state}_out")


def stack_reference(family, c, layers: int, weights: Dict[str, np.ndarray],
                    x: np.ndarray, states: Dict[str, np.ndarray]):
    """The stack in float64: (out, {state: new state})."""
    h = ref.to_float64(x)
    next_states = {}
    for layer in range(layers):
        prefix = layer_prefix(family, layer)
        norm = ref.to_float64(weights[prefix + family.PRE_NORM])
        normed = ref.rms_norm(h, family.PRE_NORM_OFFSET + norm, c.norm_eps)
        mixer = {weight[len(prefix + family.MIXER_PREFIX):]: value
                 for weight, value in weights.items()
                 if weight.startswith(prefix + family.MIXER_PREFIX)}
        names = [f"layers_{layer}_{state}" for state in family.state_shapes(c)]
        mixed, *layer_next = family.reference(c, mixer, normed,
                                              *[states[n] for n in names])
        h = h + mixed
        next_states.update(zip(names, layer_next))
    return h, next_states
