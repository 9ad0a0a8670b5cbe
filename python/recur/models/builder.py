"""Model descriptions of a family's block, or of a stack of its layers.

A family module (mamba2, gated_deltanet) provides `weight_shapes(c)`
(checkpoint name -> shape), `state_shapes(c)` (state argument -> shape
less the batch), `emit(f, c, x, weights, *states)` -> (out, *states),
`reference(c, weights, x, *states)`, and, for stacks, `LAYERS_PREFIX`,
`MIXER_PREFIX`, `PRE_NORM` and `PRE_NORM_OFFSET` (and `PRE_NORM_BIAS`
for a LayerNorm pre-norm).

The block function takes the hidden states [B, T, d], the weights
(checkpoint names with '.' as '_', and the checkpoint name itself in
`recur.checkpoint_name`, which the header and the interface file carry)
and the states, and returns `out` and
each state as `STATE_out`. The stack function does that for `layers`
layers, each

    h = h + mixer(rms_norm(h) * (PRE_NORM_OFFSET + pre-norm weight))

or, for a family whose `PRE_NORM_BIAS` names the pre-norm's bias (RWKV's
LayerNorm), h + mixer(layer_norm(h) * weight + bias), with the layers'
weights under `LAYERS_PREFIX.i.` and their states named
`layers_i_STATE`.

Each description has two functions with one state layout: NAME, the
prefill (any T, the states in and the final states out), and NAME_step,
the same for exactly one token per sequence (T = 1 static, so the
compiled step has no time loop). A step after a prefill equals a longer
prefill.

A family also provides `random_weights(c, rand)` (a recur.testing.Inputs):
weights in the ranges a trained checkpoint has, for tests and examples;
`random_weight` is the default for a weight without special range.

A state whose length grows (a KV cache): a str in a `state_shapes` shape
is a dynamic dimension of that name (the argument's `recur.dim_names`),
e.g. {"k_cache": ("S", Hkv, D)}, and the optional family attribute
`APPENDED_STATES` (state -> result name, e.g. {"k_cache": "k_new"}) names
the states whose call returns only the entries to append along dimension
1 (the new tokens' keys [B, T, ...]) instead of the next state; the caller
appends them (`advance_state`) before the next call. Without it, every
state's result `STATE_out` replaces the state.

A hybrid stack mixes families: `build_layers` and the `layers_*`
functions take a list of (family, config), one per layer (the layers'
prefixes, pre-norms and `norm_eps` their own, `hidden_size` shared);
`build_stack` is the list of `layers` times (family, c).

A family may also have model-level weights that its layers read through
per-layer inputs (HGRN2's lower bounds): `model_weights(c)` (checkpoint
name -> shape, beside the layers' weights), `layer_inputs(c)` (input ->
shape: what a block takes as arguments and a layer function as its last
arguments), and `emit_layer_inputs(f, c, w, layer)` /
`reference_layer_inputs(c, weights, layer)`, which compute layer `layer`'s
inputs from them; the inputs reach the family's emit and reference among
its weights.

A whole model's layer may also have an MLP sublayer (a `Layer` with
`mlp`, a config of the mixer family's MLP_MODULE, mlp.py where it names
none), after its mixer:

    h = h + mlp(rms_norm(h) * (PRE_NORM_OFFSET + MLP_NORM weight))

(a LayerNorm with the bias MLP_NORM_BIAS where the family names one),
with its weights under the mixer family's MLP_PREFIX (or
`mlp_prefix(mlp)` where the sublayer's kind decides). A sublayer module
has the block interface:
`weight_shapes`, `matrix_weights`, `random_weights`, `emit(f, c, x, w)`
-> out and `reference(c, w, x)` -> out; one with states (RWKV-6's channel
mix) also has `state_shapes(c)`, and its emit and reference take and
return them after the output, as a block's do. Its states follow the
mixer's among the layer's.
"""

from typing import Dict, List, NamedTuple, Optional

import numpy as np

from .. import pieces, reference as ref
from ..model import Function, Module
from . import mlp as mlps


class Layer(NamedTuple):
    """One layer: its mixer's family and config, and its MLP sublayer's
    config (mlp.py), if it has one. A (family, config) pair is a layer
    without an MLP."""
    family: object
    c: object
    mlp: Optional[object] = None


def mlp_module(family):
    """The module of the family's MLP sublayers (MLP_MODULE; mlp.py)."""
    return getattr(family, "MLP_MODULE", mlps)


def mlp_prefix(family, mlp) -> str:
    """Where the MLP sublayer `mlp` of a layer of `family` has its weights
    (under the layer's prefix): MLP_PREFIX, or the family's
    `mlp_prefix(mlp)` where the sublayer's kind decides."""
    if hasattr(family, "mlp_prefix"):
        return family.mlp_prefix(mlp)
    return family.MLP_PREFIX


def _mlp_state_shapes(layer: Layer) -> Dict[str, tuple]:
    """The states of the layer's MLP sublayer (none for most)."""
    shapes = getattr(mlp_module(layer.family), "state_shapes", None)
    return shapes(layer.mlp) if layer.mlp is not None and shapes else {}


def _layer_state_shapes(layer: Layer) -> Dict[str, tuple]:
    """State -> shape (less B) of a layer: its mixer's, then its MLP's."""
    return {**layer.family.state_shapes(layer.c), **_mlp_state_shapes(layer)}


class Relocated:
    """`family` with its layers' weights under another checkpoint prefix
    (Qwen3.5's model.language_model.layers); every other attribute is the
    family's."""

    def __init__(self, family, layers_prefix: str):
        self.family = family
        self.LAYERS_PREFIX = layers_prefix

    def __getattr__(self, name):
        return getattr(self.family, name)


def as_layers(layers) -> List[Layer]:
    """`layers` (Layers or (family, config) pairs) as Layers."""
    return [Layer(*layer) for layer in layers]


def arg_name(weight: str) -> str:
    """The function argument (a C name) of a checkpoint weight (of experts
    stacked, mlp.py: without the expert's "*")."""
    return weight.replace(".*", "").replace(".", "_")


STEP_SUFFIX = "_step"


def state_arg(f, state: str, shape):
    """The argument [B, ...] of a state of shape `shape` (less B), whose
    str entries are dynamic dimensions of that name."""
    names = [d for d in shape if isinstance(d, str)]
    dims = tuple(None if isinstance(d, str) else d for d in shape)
    return f.arg(state, (None,) + dims,
                 dim_names=["B"] + names if names else None)


def output_name(family, state: str, prefix: str = "") -> str:
    """The result of `state` (argument prefix + state): prefix +
    STATE_out, or prefix + its name in the family's APPENDED_STATES."""
    appended = getattr(family, "APPENDED_STATES", {})
    if state in appended:
        return prefix + appended[state]
    return f"{prefix}{state}_out"


def advance_state(appended: bool, old: np.ndarray, new: np.ndarray):
    """The state for the next call from a call's result for it: the
    result, or for an appended state the old one followed by it along
    dimension 1."""
    return np.concatenate([old, new], axis=1) if appended else new


def random_weight(rand, name: str, shape) -> np.ndarray:
    """A weight for tests: norm scales near 1, other vectors and matrices
    normal with variance 1 / fan-in."""
    if len(shape) == 1 and "norm" in name:
        return rand.uniform(shape, 0.5, 1.5)
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return rand.normal(shape, scale=fan_in ** -0.5)


def random_decay_weights(shapes: Dict[str, tuple], rand,
                         largest: float = 8.0, dt_bias: str = "dt_bias",
                         dt_range=(-3.0, -1.0)) -> Dict[str, np.ndarray]:
    """Random weights (`random_weight`) of a block with a Mamba-style decay,
    in a trained checkpoint's ranges: exp(A_log) in [1, largest] and
    softplus(dt_bias) small (dt_bias in `dt_range`)."""
    w = {name: random_weight(rand, name, shape)
         for name, shape in shapes.items()}
    w["A_log"] = np.log(rand.uniform(w["A_log"].shape, 1.0, largest))
    w[dt_bias] = rand.uniform(w[dt_bias].shape, *dt_range)
    return w


def _functions(name: str):
    """(function name, time dimension) of the prefill and the step."""
    return ((name, None), (name + STEP_SUFFIX, 1))


def build_block(family, c, name: str) -> str:
    """The family's block as a model description: NAME (prefill) and
    NAME_step, each weight that the block reads only as a `linear` weight
    declared packed (linear_weights)."""
    packed = linear_weights(lambda f, time, packed: _block_function(
        f, family, c, time, packed))
    m = Module()
    for function, time in _functions(name):
        _block_function(m.function(function), family, c, time, packed)
    return m.to_mlir()


def linear_weights(build) -> List[str]:
    """The arguments that `build(f, time, packed)` (which writes the
    prefill, time None, or the step, time 1, into `f`, its arguments named
    in `packed` declared packed) reads only as `linear` weights in both
    functions: each built once with none packed, into a function that no
    module holds. The prefill and the step then agree on each weight's
    layout, so that one weight buffer serves both."""
    found = []
    for _, time in _functions("trace"):
        trace = Function("trace", private=True)
        build(trace, time, ())
        found.append(set(trace.linear_only_args()))
    return sorted(set.intersection(*found))


def _block_function(f, family, c, time, packed) -> None:
    x = f.arg("hidden_states", (None, time, c.hidden_size))
    w = {weight: f.arg(arg_name(weight), shape, checkpoint_name=weight,
                       packed=arg_name(weight) in packed)
         for weight, shape in family.weight_shapes(c).items()}
    w.update({name: f.arg(name, shape)
              for name, shape in layer_inputs(family, c).items()})
    states = [state_arg(f, state, shape)
              for state, shape in family.state_shapes(c).items()]
    out, *next_states = family.emit(f, c, x, w, *states)
    f.ret(out, "out")
    for state, value in zip(family.state_shapes(c), next_states):
        f.ret(value, output_name(family, state))


def block_state_outputs(family, c) -> Dict[str, tuple]:
    """State -> (result name, appended) of the block."""
    appended = getattr(family, "APPENDED_STATES", {})
    return {state: (output_name(family, state), state in appended)
            for state in family.state_shapes(c)}


def layer_prefix(family, layer: int) -> str:
    return f"{family.LAYERS_PREFIX}.{layer}."


def stack_weight_shapes(family, c, layers: int) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight of a stack."""
    return layers_weight_shapes(stack_layers(family, c, layers))


def stack_layers(family, c, layers: int) -> List[tuple]:
    """The (family, config) of each layer of a one-family stack."""
    return [(family, c)] * layers


def layer_inputs(family, c) -> Dict[str, tuple]:
    """Input -> shape of what a layer of `family` takes beyond its weights
    and states (computed from model-level weights)."""
    inputs = getattr(family, "layer_inputs", None)
    return inputs(c) if inputs else {}


def layers_weight_shapes(layers) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight of the stack of `layers`
    ((family, config) per layer): the layers', then the families'
    model-level ones."""
    shapes = _layers_own_weight_shapes(layers)
    for family, c, _ in as_layers(layers):
        model = getattr(family, "model_weights", None)
        shapes.update(model(c) if model else {})
    return shapes


def _layers_own_weight_shapes(layers) -> Dict[str, tuple]:
    """Checkpoint name -> shape of the weights under the layers'
    prefixes."""
    shapes = {}
    for layer, (family, c, mlp) in enumerate(as_layers(layers)):
        prefix = layer_prefix(family, layer)
        shapes.update(_norm_shapes(family, family.PRE_NORM, prefix,
                                   c.hidden_size))
        for weight, shape in family.weight_shapes(c).items():
            shapes[prefix + family.MIXER_PREFIX + weight] = shape
        if mlp is not None:
            shapes.update(_norm_shapes(family, family.MLP_NORM, prefix,
                                       c.hidden_size))
            for weight, shape in \
                    mlp_module(family).weight_shapes(mlp).items():
                shapes[prefix + mlp_prefix(family, mlp) + weight] = shape
    return shapes


def _norm_shapes(family, norm: str, prefix: str,
                 size: int) -> Dict[str, tuple]:
    """The norm `norm`'s weight and, for a LayerNorm, its bias."""
    names = [norm, _norm_bias(family, norm)]
    return {prefix + name: (size,) for name in names if name}


def _norm_bias(family, norm: str):
    """The bias of the family's norm `norm` (PRE_NORM or MLP_NORM): its
    PRE_NORM_BIAS or MLP_NORM_BIAS, or None (an RMSNorm)."""
    name = "PRE_NORM_BIAS" if norm == family.PRE_NORM else "MLP_NORM_BIAS"
    return getattr(family, name, None)


def layers_state_shapes(layers) -> Dict[str, tuple]:
    """State argument -> shape (less B) of the stack of `layers`."""
    return {f"layers_{layer}_{state}": shape
            for layer, each in enumerate(as_layers(layers))
            for state, shape in _layer_state_shapes(each).items()}


def layers_state_outputs(layers) -> Dict[str, tuple]:
    """State argument -> (result name, appended) of the stack of
    `layers`."""
    outputs = {}
    for layer, each in enumerate(as_layers(layers)):
        prefix = f"layers_{layer}_"
        for state, (name, appended) in \
                block_state_outputs(each.family, each.c).items():
            outputs[prefix + state] = (prefix + name, appended)
        for state in _mlp_state_shapes(each):
            outputs[prefix + state] = (f"{prefix}{state}_out", False)
    return outputs


def build_layers(layers, name: str) -> str:
    """The stack of `layers` ((family, config) per layer: pre-norm, mixer,
    residual) as a model description: NAME (prefill) and NAME_step, each
    calling a layer function per distinct layer (layer_functions)."""
    m = Module()
    for function, time in _functions(name):
        functions = layer_functions(m, function, layers, time)
        _layers_function(m.function(function), layers, time,
                         layers[0][1].hidden_size, functions)
    return m.to_mlir()


def _layers_function(f, layers, time, hidden_size: int, functions) -> None:
    h = f.arg("hidden_states", (None, time, hidden_size))
    packed = packed_weights(layers, functions)
    w = {weight: f.arg(arg_name(weight), shape, checkpoint_name=weight,
                       packed=weight in packed)
         for weight, shape in layers_weight_shapes(layers).items()}
    states = {state: state_arg(f, state, shape)
              for state, shape in layers_state_shapes(layers).items()}
    outputs = layers_state_outputs(layers)
    h, next_states = emit_layer_calls(f, layers, functions, h, w, states)
    f.ret(h, "out")
    for state, value in zip(states, next_states):
        f.ret(value, outputs[state][0])


def packed_weights(layers, functions) -> List[str]:
    """The checkpoint names of the weights of `layers` that their layer
    functions `functions` (layer_functions) take packed: what a function
    that passes them declares packed."""
    names = []
    for index, (layer, function) in enumerate(zip(as_layers(layers),
                                                  functions)):
        packed = function.packed_args()
        names += [weight for parameter, weight in
                  _layer_weight_names(layer, index)
                  if arg_name(parameter) in packed]
    return names


def _layer_weight_names(layer: Layer, index: int) -> List[tuple]:
    """(name as layer 0, which its layer function's parameter takes; name
    as layer `index`) of each of `layer`'s own weights, in the layer
    function's order."""
    first = layer_prefix(layer.family, 0)
    prefix = layer_prefix(layer.family, index)
    return [(weight, prefix + weight[len(first):])
            for weight in _layers_own_weight_shapes([layer])]


def layer_functions(module, name: str, layers, time,
                    weight_dtype: str = "f32"):
    """For each layer of `layers`, the private function of its kind (one
    per distinct (family, config), NAME_layer, NAME_layer1, ...): the
    layer (pre-norm, mixer, residual) on hidden states of `time` tokens,
    taking (hidden states, the layer's weights as layer 0 names them, its
    states, and for each state whose result is new entries to append
    (APPENDED_STATES, a KV cache) a destination [B, T, ...] for them) and
    returning (hidden states, its next states), each written over its
    argument, so that the compiled layer returns no buffer of its own
    (a GPU target could not free it across the call). The weights are of
    `weight_dtype` (a
    checkpoint's bf16 or f16): the family's MATRIX_WEIGHTS stay so (the
    projections widen them as they multiply), the others are widened to
    f32 once per call. The weights that a layer reads only as `linear`
    weights (linear_weights) are its packed parameters, kept in
    `weight_dtype` too."""
    kinds: List[Layer] = []
    functions = []
    made: Dict[int, object] = {}
    for layer in as_layers(layers):
        key = next((i for i, kind in enumerate(kinds) if kind == layer),
                   None)
        if key is None:
            key = len(kinds)
            kinds.append(layer)
            suffix = "" if key == 0 else str(key)
            packed = linear_weights(
                lambda f, each, packed: _layer_function(f, layer, each,
                                                        "f32", packed))
            made[key] = _layer_function(
                module.function(f"{name}_layer{suffix}", private=True),
                layer, time, weight_dtype, packed)
        functions.append(made[key])
    return functions


def _matrix_weights(layer: Layer) -> List[str]:
    """The checkpoint names (as layer 0) of the weights that `layer`
    multiplies as matrices: its families' MATRIX_WEIGHTS (or
    `matrix_weights(c)`, where they depend on the config)."""
    family = layer.family
    prefix = layer_prefix(family, 0)
    matrices = family.matrix_weights(layer.c) \
        if hasattr(family, "matrix_weights") \
        else getattr(family, "MATRIX_WEIGHTS", ())
    names = [prefix + family.MIXER_PREFIX + weight for weight in matrices]
    if layer.mlp is not None:
        names += [prefix + mlp_prefix(family, layer.mlp) + weight
                  for weight in mlp_module(family).matrix_weights(layer.mlp)]
    return names


def _widened(f, layer: Layer, w: Dict[str, object],
             weight_dtype: str) -> Dict[str, object]:
    """The weights `w` of `layer` (by their names as layer 0) with all but
    its matrices and its packed weights widened from `weight_dtype` to
    f32."""
    if weight_dtype == "f32":
        return w
    matrices = _matrix_weights(layer)
    return {name: value if name in matrices or value.panels is not None
            else f.map(lambda a: a, value, dtype="f32")
            for name, value in w.items()}


def _layer_function(f, layer: Layer, time, weight_dtype: str,
                    packed=()):
    c = layer.c
    h = f.arg("hidden_states", (None, time, c.hidden_size))
    w = _widened(f, layer, {
        weight: f.arg(arg_name(weight), shape, weight_dtype,
                      packed=arg_name(weight) in packed)
        for weight, shape in _layers_own_weight_shapes([layer]).items()},
        weight_dtype)
    states = {state: state_arg(f, state, shape)
              for state, shape in layers_state_shapes([layer]).items()}
    outputs = layers_state_outputs([layer])
    into = {state: f.arg(outputs[state][0], (None, time) + shape[1:])
            for state, shape in layers_state_shapes([layer]).items()
            if outputs[state][1]}
    mixer = layer_prefix(layer.family, 0) + layer.family.MIXER_PREFIX
    w.update({mixer + name: f.arg(name, shape) for name, shape in
              layer_inputs(layer.family, c).items()})
    h, next_states = emit_layers(f, [layer], h, w, states, in_place=True)
    f.ret(h, "out")
    for (state, arg), value in zip(states.items(), next_states):
        f.ret(f.copy_into(value, into.get(state, arg)), outputs[state][0])
    return f


def emit_layer_calls(f, layers, functions, h, w, states,
                     writable_states: bool = False):
    """emit_layers through the layer functions `functions`
    (layer_functions), with the layers' weights `w` and states `states`
    by their names in the calling function. A layer function writes its
    next states over its state arguments; unless the states are
    `writable_states` (the caller's own to overwrite), each is first
    copied into a fresh tensor, which empty-tensor elimination places in
    the buffer of the result it becomes (a public function's output), so
    that the update happens there with one copy and no temporary. The
    states whose calls return only new entries (APPENDED_STATES, a KV
    cache) are only read and never copied."""
    outputs = layers_state_outputs(layers)
    if not writable_states:
        states = {name: value if outputs[name][1] else
                  f.copy_into(value, f.empty(value.shape, value.dtype, value))
                  for name, value in states.items()}
    next_states: List = []
    for index, (layer, function) in enumerate(zip(as_layers(layers),
                                                  functions)):
        family, c = layer.family, layer.c
        layer_w = [w[weight]
                   for _, weight in _layer_weight_names(layer, index)]
        layer_states = [states[f"layers_{index}_{state}"]
                        for state in _layer_state_shapes(layer)]
        # The destinations of the new entries of appended states.
        appended = getattr(family, "APPENDED_STATES", {})
        into = [f.empty(h.shape[:2] + tuple(shape[1:]), "f32", h)
                for state, shape in family.state_shapes(c).items()
                if state in appended]
        inputs = []
        if layer_inputs(family, c):
            inputs = list(family.emit_layer_inputs(f, c, w, index).values())
        h, *layer_next = f.call(function, [h] + layer_w + layer_states +
                                into + inputs)
        next_states += layer_next
    return h, next_states


def emit_layers(f, layers, h, w, states, in_place: bool = False):
    """The layers of `layers` ((family, config) per layer: pre-norm,
    mixer, residual) on the hidden states `h`, with the weights `w` and
    the states `states` by name (layers_weight_shapes,
    layers_state_shapes): (h, the states' next values in order). With
    `in_place`, each residual sum is written over the hidden states it
    adds to (a layer function's result is then its argument's buffer)."""
    next_states: List = []
    for layer, each in enumerate(as_layers(layers)):
        family, c, mlp = each
        prefix = layer_prefix(family, layer)

        def normed(name):
            norm = w[prefix + name]
            offset = family.PRE_NORM_OFFSET
            if offset:
                norm = f.map(lambda a: a + offset, norm)
            if _norm_bias(family, name):
                return pieces.layer_norm(
                    f, h, norm, w[prefix + _norm_bias(family, name)],
                    c.norm_eps)
            return pieces.rms_norm(f, h, norm, c.norm_eps)

        layer_states = [states[f"layers_{layer}_{state}"]
                        for state in _layer_state_shapes(each)]
        count = len(family.state_shapes(c))
        mixed, *layer_next = family.emit(
            f, c, normed(family.PRE_NORM),
            _under(w, prefix + family.MIXER_PREFIX), *layer_states[:count])
        h = f.map(lambda a, b: a + b, h, mixed,
                  into=h if in_place else None)
        if mlp is not None:
            out = mlp_module(family).emit(
                f, mlp, normed(family.MLP_NORM),
                _under(w, prefix + mlp_prefix(family, mlp)),
                *layer_states[count:])
            if _mlp_state_shapes(each):
                out, *mlp_next = out
                layer_next += mlp_next
            h = f.map(lambda a, b: a + b, h, out,
                      into=h if in_place else None)
        next_states += layer_next
    return h, next_states


def _under(w: Dict[str, object], prefix: str) -> Dict[str, object]:
    """The entries of `w` whose names start with `prefix`, by the rest of
    their names."""
    return {name[len(prefix):]: value for name, value in w.items()
            if name.startswith(prefix)}


def layers_reference(layers, weights: Dict[str, np.ndarray], x: np.ndarray,
                     states: Dict[str, np.ndarray]):
    """The stack of `layers` in float64: (out, {state: its result})."""
    h = ref.to_float64(x)
    next_states = {}
    for layer, each in enumerate(as_layers(layers)):
        family, c, mlp = each
        prefix = layer_prefix(family, layer)

        def normed(name):
            norm = family.PRE_NORM_OFFSET + ref.to_float64(
                weights[prefix + name])
            if _norm_bias(family, name):
                return ref.layer_norm(
                    h, norm, weights[prefix + _norm_bias(family, name)],
                    c.norm_eps)
            return ref.rms_norm(h, norm, c.norm_eps)

        names = [f"layers_{layer}_{state}" for state in family.state_shapes(c)]
        mixer = _under(weights, prefix + family.MIXER_PREFIX)
        if layer_inputs(family, c):
            mixer.update(family.reference_layer_inputs(c, weights, layer))
        mixed, *layer_next = family.reference(
            c, mixer, normed(family.PRE_NORM), *[states[n] for n in names])
        h = h + mixed
        if mlp is not None:
            mlp_names = [f"layers_{layer}_{state}"
                         for state in _mlp_state_shapes(each)]
            out = mlp_module(family).reference(
                mlp, _under(weights, prefix + mlp_prefix(family, mlp)),
                normed(family.MLP_NORM), *[states[n] for n in mlp_names])
            if mlp_names:
                out, *mlp_next = out
                names += mlp_names
                layer_next += mlp_next
            h = h + out
        next_states.update(zip(names, layer_next))
    return h, next_states


def random_stack_weights(family, c, layers: int,
                         rand) -> Dict[str, np.ndarray]:
    """Random weights of a stack (`random_weights` per layer), by
    checkpoint name."""
    return random_layers_weights(stack_layers(family, c, layers), rand)


def random_layers_weights(layers, rand) -> Dict[str, np.ndarray]:
    """Random weights of the stack of `layers` ((family, config) per
    layer; `random_weights` per layer), by checkpoint name."""
    w = {}
    for layer, (family, c, mlp) in enumerate(as_layers(layers)):
        prefix = layer_prefix(family, layer)
        # Pre-norm scales near 1 (the norm multiplies by offset + weight).
        norms = [family.PRE_NORM] + ([family.MLP_NORM] if mlp else [])
        for norm in norms:
            w[prefix + norm] = rand.uniform(
                (c.hidden_size,), -0.2, 0.2) + 1.0 - family.PRE_NORM_OFFSET
        for norm in norms:
            if _norm_bias(family, norm):
                w[prefix + _norm_bias(family, norm)] = rand.normal(
                    (c.hidden_size,), scale=0.1)
        for leaf, value in family.random_weights(c, rand).items():
            w[prefix + family.MIXER_PREFIX + leaf] = value
        if mlp is not None:
            for leaf, value in \
                    mlp_module(family).random_weights(mlp, rand).items():
                w[prefix + mlp_prefix(family, mlp) + leaf] = value
    for name, shape in layers_weight_shapes(layers).items():
        if name not in w:          # the model-level weights
            w[name] = random_weight(rand, name, shape)
    assert set(w) == set(layers_weight_shapes(layers))
    return w


def stack_state_shapes(family, c, layers: int) -> Dict[str, tuple]:
    return layers_state_shapes(stack_layers(family, c, layers))


def build_stack(family, c, layers: int, name: str) -> str:
    """A stack of `layers` of the family's layers (pre-norm, mixer,
    residual) as a model description: NAME (prefill) and NAME_step."""
    return build_layers(stack_layers(family, c, layers), name)


def stack_reference(family, c, layers: int, weights: Dict[str, np.ndarray],
                    x: np.ndarray, states: Dict[str, np.ndarray]):
    """The stack in float64: (out, {state: new state})."""
    return layers_reference(stack_layers(family, c, layers), weights, x,
                            states)
