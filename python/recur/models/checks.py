"""Execution checks of a family's blocks and stacks, shared by the lit tests
of every family (test/Integration/model_blocks*.py).

`check_block` writes the block of config `c`, round-trips it through
recur-opt --verify-roundtrip, compiles it, checks that the interface file
names every weight's checkpoint tensor, runs it with weights that went
through a safetensors file and random initial states against the family's
float64 reference, and checks that a prefill followed by single-token calls
of the step function equals one call. `check_stack` does the same for a
stack of layers against `builder.stack_reference`. `check_bad_config`
runs `python3 -m recur.models` on a bad config and checks its one-line
message and exit status 1.
"""

import json
import os
import subprocess
import sys
from typing import Dict

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


def random_states(rand, shapes: Dict[str, tuple], batch: int):
    return {name: rand.normal((batch,) + shape, scale=0.5)
            for name, shape in shapes.items()}


def _check_run(label, model, name, weights, x, states, reference):
    """Runs NAME on x and NAME_step token by token after a prefill, against
    `reference` = (out, {state: value})."""
    def run(function, tokens, carried):
        inputs = {"hidden_states": tokens, **carried}
        inputs.update({builder.arg_name(k): v for k, v in weights.items()})
        out = model.run(function, inputs)
        return out["out"], {n: out[f"{n}_out"] for n in states}

    out, last = run(name, x, states)
    want, want_states = reference
    check(f"{label}.out", out, want, "f32")
    for state in states:
        check(f"{label}.{state}", last[state], want_states[state], "f32")
    time = x.shape[1]
    prefill = min(PREFILL, time - 2)
    carried, pieces = states, []
    piece, carried = run(name, x[:, :prefill], carried)
    pieces.append(piece)
    for t in range(prefill, time):
        piece, carried = run(name + builder.STEP_SUFFIX, x[:, t:t + 1],
                             carried)
        pieces.append(piece)
    check(f"{label}.steps.out", np.concatenate(pieces, axis=1), out, "f32")
    for state in states:
        check(f"{label}.steps.{state}", carried[state], last[state], "f32")


def check_block(family, c, label: str, work: str, rand,
                batch: int = 2, time: int = 37) -> None:
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
    x = rand.normal((batch, time, c.hidden_size))
    states = random_states(rand, family.state_shapes(c), batch)
    out, *next_states = family.reference(c, weights, x, *states.values())
    _check_run(label, model, name, weights, x, states,
               (out, dict(zip(states, next_states))))


def stack_weights(family, c, layers: int, rand) -> Dict[str, np.ndarray]:
    """Random weights of a stack, by checkpoint name."""
    w = {}
    for layer in range(layers):
        prefix = builder.layer_prefix(family, layer)
        # Pre-norm scales near 1 (the norm multiplies by offset + weight).
        w[prefix + family.PRE_NORM] = rand.uniform(
            (c.hidden_size,), -0.2, 0.2) + 1.0 - family.PRE_NORM_OFFSET
        for leaf, value in family.random_weights(c, rand).items():
            w[prefix + family.MIXER_PREFIX + leaf] = value
    assert set(w) == set(builder.stack_weight_shapes(family, c, layers))
    return w


def check_stack(family, c, layers: int, label: str, work: str, rand,
                batch: int = 2, time: int = 21) -> None:
    model = _compile(builder.build_stack(family, c, layers, "stack"),
                     os.path.join(work, label))
    w = stack_weights(family, c, layers, rand)
    x = rand.normal((batch, time, c.hidden_size))
    states = random_states(
        rand, builder.stack_state_shapes(family, c, layers), batch)
    reference = builder.stack_reference(family, c, layers, w, x, states)
    _check_run(label, model, "stack", w, x, states, reference)


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
