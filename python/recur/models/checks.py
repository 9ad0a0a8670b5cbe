"""Execution checks of a family's blocks and stacks, shared by the lit tests
of every family (test/Integration/model_blocks*.py).

`check_block` writes the block of config `c`, round-trips it through
recur-opt --verify-roundtrip, compiles it, checks that the interface file
names every weight's checkpoint tensor, runs it with weights that went
through a safetensors file and random initial states against the family's
float64 reference, and checks that a prefill followed by single-token calls
of the step function equals one call. `check_stack` does the same for a
stack of layers against `builder.stack_reference`, `check_layers` for a
stack of layers of different families (builder.build_layers); a state
with a named dynamic dimension (a KV cache's S) gets the length `sizes`
gives, and an appended state (builder.py) is appended before the next
call. `check_bad_config`
runs `python3 -m recur.models` on a bad config and checks its one-line
message and exit status 1.
"""

import json
import os
import subprocess
import sys
from typing import Dict, Optional

import numpy as np

from .. import safetensors
from ..runner import compile_module
from ..testing import check
from . import builder

PREFILL = 30   # tokens of the prefill before the single-token steps


def _recur_tool(name: str) -> str:
    return os.path.join(os.path.dirname(os.environ["RECUR_COMPILE"]), name)


def _compile(text: str, directory: str):
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, "block.mlir")
    with open(source, "w") as f:
        f.write(text)
    subprocess.run([_recur_tool("recur-opt"), source, "--verify-roundtrip",
                    "-o", os.devnull], check=True)
    return compile_module(text, directory)


# The length of a state's named dynamic dimension (a KV cache's S) unless
# `sizes` gives it.
NAMED_DIM_SIZE = 5


def random_states(rand, shapes: Dict[str, tuple], batch: int,
                  sizes: Optional[Dict[str, int]] = None):
    """Random states [B, ...]; a str dimension (a named dynamic one) has
    the length `sizes` gives it, else NAMED_DIM_SIZE."""
    sizes = sizes or {}

    def concrete(shape):
        return tuple(sizes.get(d, NAMED_DIM_SIZE) if isinstance(d, str)
                     else d for d in shape)
    return {name: rand.normal((batch,) + concrete(shape), scale=0.5)
            for name, shape in shapes.items()}


def _check_run(label, model, name, weights, x, states, reference,
               outputs=None):
    """Runs NAME on x and NAME_step token by token after a prefill, against
    `reference` = (out, {state: value}); `outputs` (state -> (result name,
    appended), default STATE_out replacing the state) says how a call's
    results become the next call's states (builder.advance_state)."""
    outputs = outputs or {n: (f"{n}_out", False) for n in states}

    def run(function, tokens, carried):
        inputs = {"hidden_states": tokens, **carried}
        inputs.update({builder.arg_name(k): v for k, v in weights.items()})
        out = model.run(function, inputs)
        return out["out"], {n: out[outputs[n][0]] for n in states}

    def advance(carried, results):
        return {n: builder.advance_state(outputs[n][1], carried[n],
                                         results[n]) for n in states}

    out, last = run(name, x, states)
    want, want_states = reference
    check(f"{label}.out", out, want, "f32")
    for state in states:
        check(f"{label}.{state}", last[state], want_states[state], "f32")
    time = x.shape[1]
    prefill = min(PREFILL, time - 2)
    carried, pieces = states, []
    piece, results = run(name, x[:, :prefill], carried)
    carried = advance(carried, results)
    pieces.append(piece)
    for t in range(prefill, time):
        piece, results = run(name + builder.STEP_SUFFIX, x[:, t:t + 1],
                             carried)
        carried = advance(carried, results)
        pieces.append(piece)
    check(f"{label}.steps.out", np.concatenate(pieces, axis=1), out, "f32")
    whole = advance(states, last)
    for state in states:
        check(f"{label}.steps.{state}", carried[state], whole[state], "f32")


def check_block(family, c, label: str, work: str, rand,
                batch: int = 2, time: int = 37,
                sizes: Optional[Dict[str, int]] = None) -> None:
    name = f"{family.FAMILY}_mixer"
    directory = os.path.join(work, label)
    model = _compile(builder.build_block(family, c, name), directory)
    for function in (name, name + builder.STEP_SUFFIX):
        recorded = {b.checkpoint_name: b.name for b in
                    model.signatures[function].buffers if b.checkpoint_name}
        expected = {k: builder.arg_name(k) for k in family.weight_shapes(c)}
        assert recorded == expected, (function, recorded)
    path = os.path.join(directory, "weights.safetensors")
    safetensors.save(path, family.random_weights(c, rand))
    weights = safetensors.load(path)
    # The inputs a stack computes for its layers (HGRN2's lower bound).
    weights.update({name: rand.uniform(shape, 0.0, 0.9) for name, shape in
                    builder.layer_inputs(family, c).items()})
    x = rand.normal((batch, time, c.hidden_size))
    states = random_states(rand, family.state_shapes(c), batch, sizes)
    out, *next_states = family.reference(c, weights, x, *states.values())
    _check_run(label, model, name, weights, x, states,
               (out, dict(zip(states, next_states))),
               builder.block_state_outputs(family, c))


def check_stack(family, c, layers: int, label: str, work: str, rand,
                batch: int = 2, time: int = 21,
                sizes: Optional[Dict[str, int]] = None) -> None:
    check_layers(builder.stack_layers(family, c, layers), label, work,
                 rand, batch, time, sizes)


def check_layers(layers, label: str, work: str, rand, batch: int = 2,
                 time: int = 21,
                 sizes: Optional[Dict[str, int]] = None) -> None:
    """check_stack for the stack of `layers` ((family, config) per layer,
    builder.build_layers) against builder.layers_reference."""
    hidden = layers[0][1].hidden_size
    model = _compile(builder.build_layers(layers, "stack"),
                     os.path.join(work, label))
    w = builder.random_layers_weights(layers, rand)
    x = rand.normal((batch, time, hidden))
    states = random_states(rand, builder.layers_state_shapes(layers), batch,
                           sizes)
    reference = builder.layers_reference(layers, w, x, states)
    _check_run(label, model, "stack", w, x, states, reference,
               builder.layers_state_outputs(layers))


def check_bad_config(family_name: str, fields, message: str,
                     work: str) -> None:
    """`python3 -m recur.models` on `fields` exits with status 1 and one
    line containing `message`."""
    path = os.path.join(work, "bad.json")
    with open(path, "w") as f:
        json.dump(fields, f)
    result = subprocess.run(
        [sys.executable, "-m", "recur.models", family_name, "--config", path,
         "-o", os.path.join(work, "bad.mlir")],
        capture_output=True, text=True)
    if result.returncode != 1 or message not in result.stderr or \
            len(result.stderr.strip().splitlines()) != 1:
        sys.exit(f"FAIL: bad {family_name} config {fields}: status "
                 f"{result.returncode}, {result.stderr!r}, expected "
                 f"{message!r}")
    print(f"ok bad config: {message}")
