"""Serving functions of a whole model: pooled states, packed
variable-length prefill, speculative steps.

`build(m, name)` writes, beside the model's NAME and NAME_step
(whole.py), four functions whose states live in pools (recur.pools): an
argument [slots, ...] per state, read and written in place, and
`state_indices` [B] (i32), the slot of each row (-1: a row to skip).

    NAME_pool_step(input_ids [B, 1], weights, pools, state_indices)
        -> logits [B, 1, V]
      One token per row, from and into the rows' slots.

    NAME_pool_prefill(input_ids [1, N], weights, pools, state_indices [B],
                      cu_seqlens [B + 1]) -> logits [B, 1, V]
      B prompts packed in one row of N tokens: prompt b is tokens
      [cu_seqlens[b], cu_seqlens[b + 1]); it continues from its slot's
      state and leaves its state there; its logits are those of its last
      token (zeros for an empty prompt or a row of -1).

    NAME_pool_verify(input_ids [B, T], weights, pools, state_indices)
        -> logits [B, T, V], and per state STATE_steps [B, T, ...]
      T draft tokens per row (speculative decoding): the logits of every
      position and the state after each token; the pools are only read.

    NAME_pool_accept(pools, state_indices, each STATE_steps [B, T, ...],
                     accepted [B]) -> (the pools, in place)
      Keeps the first accepted[b] tokens of row b: its slot takes the state
      after token accepted[b] (from STATE_steps); 0, a count above T, or a
      row of -1 leave the slot as it was.

A row's work equals the model's own functions on that sequence alone
(test/Integration/serving.py). Each prompt of a packed prefill runs the
model's prefill on its own tokens (the projections of one prompt at a
time). Only models whose states all have static shapes (no KV cache) have
these functions: `supports(m)`.

The entry refuses slot indices outside [-1, slots) or given twice, and
offsets that do not run from 0 to N without decreasing or are not B + 1,
on the CPU (IndexChecks); on every target a bad index reads the nearest
slot and writes nothing.
"""

import dataclasses
from contextlib import contextmanager
from typing import Dict, List, Tuple

from .. import pools
from ..model import Function, Module, Value
from . import builder, whole

POOL_STEP, POOL_PREFILL = "_pool_step", "_pool_prefill"
POOL_VERIFY, POOL_ACCEPT = "_pool_verify", "_pool_accept"
STEPS_SUFFIX = "_steps"


def supports(m: whole.WholeModel) -> bool:
    """Whether every state of the model has a static shape (less the
    batch) and is replaced by each call (no KV cache)."""
    outputs = builder.layers_state_outputs(m.stack)
    return all(isinstance(d, int) for shape in whole.state_shapes(m).values()
               for d in shape) and not any(
        appended for _, appended in outputs.values())


def build(m: whole.WholeModel, name: str) -> str:
    """The model's description with the serving functions beside NAME and
    NAME_step."""
    if not supports(m):
        raise ValueError("serving functions need states of static shapes "
                         "(a model without KV caches)")
    # The prefills give the logits of each prompt's last token.
    m = dataclasses.replace(m, all_logits=False)
    module = Module()
    prefill_layers = builder.layer_functions(module, name, m.stack, None,
                                             m.weight_dtype)
    step_layers = builder.layer_functions(module, name + builder.STEP_SUFFIX,
                                          m.stack, 1, m.weight_dtype)
    whole.model_function(module.function(name), m, None, prefill_layers)
    whole.model_function(module.function(name + builder.STEP_SUFFIX), m, 1,
                         step_layers)
    # The model on one batch of rows, writing over its destinations: what
    # the pooled functions call per prompt or per token.
    prefill = module.function(name + "_sequence", private=True)
    whole.model_function(prefill, m, None, prefill_layers, in_place=True)
    step = module.function(name + "_token", private=True)
    whole.model_function(step, m, 1, step_layers, in_place=True)
    _pool_step(module.function(name + POOL_STEP), m, step)
    _pool_prefill(module.function(name + POOL_PREFILL), m, prefill)
    _pool_verify(module.function(name + POOL_VERIFY), m, step)
    _pool_accept(module.function(name + POOL_ACCEPT), m)
    return module.to_mlir()


def _weights(f: Function, m: whole.WholeModel,
             callee: Function) -> List[Value]:
    """The model's weights, each packed where `callee`, the private model
    function they are passed to, takes it packed."""
    packed = callee.packed_args()
    return [f.arg(name, shape, m.weight_dtype, checkpoint_name=weight,
                  packed=name in packed)
            for weight, shape in whole.weight_shapes(m).items()
            for name in [builder.arg_name(weight)]]


def _pools(f: Function, m: whole.WholeModel) -> Dict[str, Value]:
    return {state: pools.pool_arg(f, state, shape)
            for state, shape in whole.state_shapes(m).items()}


def _logits_into(f: Function, m: whole.WholeModel, rows: Value,
                 time) -> Value:
    """A zero-filled logits destination [rows' B, time, V]."""
    return f._destination((None, time, m.vocab_size), "f32", [(rows, 0)],
                          zero=True)


@contextmanager
def _region(f: Function):
    """Lines emitted inside a nested region (a loop's body): the constants
    made there stay there."""
    constants = dict(f._constants)
    yield
    f._constants = constants


def _index(f: Function, tensor: Value, at: str) -> str:
    """Entry `at` (an index) of the i32 vector `tensor`, as an index."""
    raw, value = f._fresh("e"), f._fresh("i")
    f.body.append(f"{raw} = tensor.extract {tensor.name}[{at}] : "
                  f"{tensor.type}")
    f.body.append(f"{value} = arith.index_cast {raw} : i32 to index")
    return value


def _rows(f: Function, x: Value, start: str, size: str) -> Value:
    """x[start : start + size] along dimension 0 (sizes dynamic)."""
    rank = len(x.shape)
    sizes = [size] + [f._size(x, i, False) if d is None else str(d)
                      for i, d in enumerate(x.shape) if i > 0]
    result = Value(f._fresh("rows"), (None,) + x.shape[1:], x.dtype)
    f.body.append(f"{result.name} = tensor.extract_slice {x.name}"
                  f"[{start}{', 0' * (rank - 1)}] [{', '.join(sizes)}] "
                  f"[{', '.join(['1'] * rank)}] : {x.type} to {result.type}")
    return result


def _insert(f: Function, part: Value, into: Value, offsets: List[str]) -> Value:
    """`into` with `part` (of its rank) written at `offsets`."""
    rank = len(into.shape)
    sizes = [f._size(part, i, False) if d is None else str(d)
             for i, d in enumerate(part.shape)]
    result = Value(f._fresh("put"), into.shape, into.dtype)
    f.body.append(f"{result.name} = tensor.insert_slice {part.name} into "
                  f"{into.name}[{', '.join(offsets)}] [{', '.join(sizes)}] "
                  f"[{', '.join(['1'] * rank)}] : {part.type} into "
                  f"{into.type}")
    return result


def _call_model(f: Function, callee: Function, ids: Value,
                weights: List[Value], states: List[Value],
                logits: Value) -> Tuple[Value, List[Value]]:
    """The private model function `callee` on `ids` from `states`, its
    logits written over `logits`: (logits, next states)."""
    out, *next_states = f.call(callee, [ids] + weights + states + [logits])
    return out, next_states


def _pool_step(f: Function, m: whole.WholeModel, step: Function) -> None:
    ids = f.arg("input_ids", (None, 1), "i32", dim_names=["B"])
    weights = _weights(f, m, step)
    pooled = _pools(f, m)
    indices = pools.slot_indices(f)
    states = [pools.gather_rows(f, pool, indices) for pool in pooled.values()]
    logits, next_states = _call_model(f, step, ids, weights, states,
                                      _logits_into(f, m, ids, 1))
    f.ret(logits, "logits")
    for pool, value in zip(pooled.values(), next_states):
        f.update(pool, pools.scatter_rows(f, value, pool, indices))


def _loop(f: Function, count: str, carried: List[Value]):
    """Opens `scf.for %b = 0 to count` carrying `carried`: (the row index,
    the carried values inside, the loop's results), the body to be emitted
    next and closed by _end_loop."""
    zero, one = f._constant("0", "index"), f._constant("1", "index")
    row, name = f._fresh("b"), f._fresh("loop")
    inner = [Value(f._fresh("carry"), v.shape, v.dtype) for v in carried]
    iter_args = ", ".join(f"{i.name} = {v.name}"
                          for i, v in zip(inner, carried))
    types = ", ".join(v.type for v in carried)
    f.body.append(f"{name}:{len(carried)} = scf.for {row} = {zero} to "
                  f"{count} step {one} iter_args({iter_args}) -> ({types}) {{")
    results = [Value(f"{name}#{i}", v.shape, v.dtype)
               for i, v in enumerate(carried)]
    return row, inner, results


def _if(f: Function, condition: str, values: List[Value]) -> List[Value]:
    """Opens `scf.if condition` yielding values of the types of `values`
    (its else branch yields `values` themselves), closed by _end_if:
    its results."""
    name = f._fresh("when")
    types = ", ".join(v.type for v in values)
    f.body.append(f"{name}:{len(values)} = scf.if {condition} -> ({types}) {{")
    return [Value(f"{name}#{i}", v.shape, v.dtype)
            for i, v in enumerate(values)]


def _yield(f: Function, values: List[Value]) -> None:
    f.body.append(f"scf.yield {', '.join(v.name for v in values)} : "
                  f"{', '.join(v.type for v in values)}")


def _end_if(f: Function, taken: List[Value], otherwise: List[Value]) -> None:
    _yield(f, taken)
    f.body.append("} else {")
    _yield(f, otherwise)
    f.body.append("}")


def _end_loop(f: Function, values: List[Value]) -> None:
    _yield(f, values)
    f.body.append("}")


def _pool_prefill(f: Function, m: whole.WholeModel,
                  prefill: Function) -> None:
    ids = f.arg("input_ids", (1, None), "i32", dim_names=["N"])
    weights = _weights(f, m, prefill)
    pooled = _pools(f, m)
    indices = pools.slot_indices(f)
    offsets = pools.sequence_offsets(f, "N")
    logits = _logits_into(f, m, indices, 1)
    count = f._size(indices, 0, False)
    carried = list(pooled.values()) + [logits]
    row, inner, results = _loop(f, count, carried)
    with _region(f):
        one = f._constant("1", "index")
        zero = f._constant("0", "index")
        start = _index(f, offsets, row)
        after = f._fresh("next")
        f.body.append(f"{after} = arith.addi {row}, {one} : index")
        end = _index(f, offsets, after)
        length = f._fresh("length")
        f.body.append(f"{length} = arith.subi {end}, {start} : index")
        slot = _index(f, indices, row)
        runs = [f._fresh("some"), f._fresh("pooled"), f._fresh("runs")]
        f.body += [f"{runs[0]} = arith.cmpi sgt, {length}, {zero} : index",
                   f"{runs[1]} = arith.cmpi sge, {slot}, {zero} : index",
                   f"{runs[2]} = arith.andi {runs[0]}, {runs[1]} : i1"]
        branch = _if(f, runs[2], inner)
        with _region(f):
            one_row = _rows(f, indices, row, one)
            tokens = _prompt(f, ids, start, length)
            states = [pools.gather_rows(f, pool, one_row)
                      for pool in inner[:-1]]
            out = f._destination((None, 1, m.vocab_size), "f32",
                                 [(one_row, 0)], zero=False)
            out, next_states = _call_model(f, prefill, tokens, weights,
                                           states, out)
            written = [pools.scatter_rows(f, value, pool, one_row)
                       for value, pool in zip(next_states, inner[:-1])]
            placed = _insert(f, out, inner[-1], [row, "0", "0"])
            _end_if(f, written + [placed], inner)
        _end_loop(f, branch)
    f.ret(results[-1], "logits")
    for pool, value in zip(pooled.values(), results[:-1]):
        f.update(pool, value)


def _prompt(f: Function, ids: Value, start: str, length: str) -> Value:
    """ids[:, start : start + length] of the packed ids [1, N], as a
    [B, T] batch of one row."""
    one = f._constant("1", "index")
    result = Value(f._fresh("prompt"), (None, None), ids.dtype)
    f.body.append(f"{result.name} = tensor.extract_slice {ids.name}"
                  f"[0, {start}] [{one}, {length}] [1, 1] : {ids.type} to "
                  f"{result.type}")
    return result


def _pool_verify(f: Function, m: whole.WholeModel, step: Function) -> None:
    ids = f.arg("input_ids", (None, None), "i32", dim_names=["B", "T"])
    weights = _weights(f, m, step)
    pooled = _pools(f, m)
    indices = pools.slot_indices(f)
    states = [pools.gather_rows(f, pool, indices) for pool in pooled.values()]
    logits = f._destination((None, None, m.vocab_size), "f32",
                            [(ids, 0), (ids, 1)], zero=False)
    steps = [f._destination((None, None) + tuple(shape), "f32",
                            [(ids, 0), (ids, 1)], zero=False)
             for shape in whole.state_shapes(m).values()]
    time = f._size(ids, 1, False)
    row, inner, results = _loop(f, time, states + [logits] + steps)
    count = len(states)
    with _region(f):
        token = _column(f, ids, row)
        out = f._destination((None, 1, m.vocab_size), "f32", [(ids, 0)],
                             zero=False)
        out, next_states = _call_model(f, step, token, weights,
                                       inner[:count], out)
        placed = _insert(f, out, inner[count], ["0", row, "0"])
        kept = [_insert(f, _with_time(f, value), into,
                        ["0", row] + ["0"] * (len(into.shape) - 2))
                for value, into in zip(next_states, inner[count + 1:])]
        _end_loop(f, next_states + [placed] + kept)
    f.ret(results[count], "logits")
    for state, value in zip(pooled, results[count + 1:]):
        f.ret(value, state + STEPS_SUFFIX)


def _column(f: Function, ids: Value, at: str) -> Value:
    """ids[:, at : at + 1] of ids [B, T]: [B, 1]."""
    batch = f._size(ids, 0, False)
    result = Value(f._fresh("token"), (None, 1), ids.dtype)
    f.body.append(f"{result.name} = tensor.extract_slice {ids.name}"
                  f"[0, {at}] [{batch}, 1] [1, 1] : {ids.type} to "
                  f"{result.type}")
    return result


def _with_time(f: Function, state: Value) -> Value:
    """A state [B, ...] as [B, 1, ...]."""
    rank = len(state.shape)
    groups = ["[0, 1]"] + [f"[{i + 1}]" for i in range(1, rank)]
    result = Value(f._fresh("timed"), (state.shape[0], 1) + state.shape[1:],
                   state.dtype)
    batch = f._size(state, 0, False)
    sizes = ", ".join([batch, "1"] + [str(d) for d in state.shape[1:]])
    f.body.append(f"{result.name} = tensor.expand_shape {state.name} "
                  f"[{', '.join(groups)}] output_shape [{sizes}] : "
                  f"{state.type} into {result.type}")
    return result


def _pool_accept(f: Function, m: whole.WholeModel) -> None:
    pooled = _pools(f, m)
    indices = pools.slot_indices(f)
    steps = [f.arg(state + STEPS_SUFFIX, (None, None) + tuple(shape),
                   dim_names=["B", "T"])
             for state, shape in whole.state_shapes(m).items()]
    accepted = f.arg("accepted", (None,), "i32", dim_names=["B"])
    count = f._size(indices, 0, False)
    row, inner, results = _loop(f, count, list(pooled.values()))
    with _region(f):
        zero, one = f._constant("0", "index"), f._constant("1", "index")
        time = f._size(steps[0], 1, False)
        taken = _index(f, accepted, row)
        slot = _index(f, indices, row)
        keep = [f._fresh(stem) for stem in ("some", "within", "pooled",
                                            "keep", "keeps")]
        f.body += [
            f"{keep[0]} = arith.cmpi sgt, {taken}, {zero} : index",
            f"{keep[1]} = arith.cmpi sle, {taken}, {time} : index",
            f"{keep[2]} = arith.cmpi sge, {slot}, {zero} : index",
            f"{keep[3]} = arith.andi {keep[0]}, {keep[1]} : i1",
            f"{keep[4]} = arith.andi {keep[3]}, {keep[2]} : i1"]
        branch = _if(f, keep[4], inner)
        with _region(f):
            last = f._fresh("last")
            f.body.append(f"{last} = arith.subi {taken}, {one} : index")
            one_row = _rows(f, indices, row, one)
            written = [pools.scatter_rows(f, _step_state(f, kept, row, last),
                                          pool, one_row)
                       for kept, pool in zip(steps, inner)]
            _end_if(f, written, inner)
        _end_loop(f, branch)
    for pool, value in zip(pooled.values(), results):
        f.update(pool, value)


def _step_state(f: Function, steps: Value, row: str, at: str) -> Value:
    """steps[row, at] of steps [B, T, ...] as a state [1, ...]."""
    rank = len(steps.shape)
    rest = [str(d) for d in steps.shape[2:]]
    result = Value(f._fresh("kept"), (None,) + steps.shape[2:], steps.dtype)
    one = f._constant("1", "index")
    f.body.append(f"{result.name} = tensor.extract_slice {steps.name}"
                  f"[{row}, {at}{', 0' * (rank - 2)}] "
                  f"[{one}, 1, {', '.join(rest)}] [{', '.join(['1'] * rank)}]"
                  f" : {steps.type} to {result.type}")
    return result
