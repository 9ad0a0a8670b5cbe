# Execution test of recur.conv1d against the float64 reference: bias, SiLU,
# carried state in and out, widths 1 and 4, T shorter than the history,
# whole chunks (T = 150: two chunks of 64 and a partial one), two channel
# blocks (160 channels), f16/bf16, a static width of 20 (above the 16 taps
# the chunked form unrolls: the whole-sequence form), and prefill + single-token steps against
# one long call, and static T (T = 1 to 70 with widths 2 to 4: a step
# function's shapes, whose final state is taken at a known time). The
# default pipeline (the chunked form) is also compared
# with the reference lowering on the same inputs.
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check, check_chained

# name: (channels, width, bias, state, activation, dtype)
VARIANTS = {
    "mamba_conv": (10, 4, True, True, "silu", "f32"),
    "plain": (10, 3, False, False, "none", "f32"),
    "width1": (10, 1, True, True, "none", "f32"),
    "conv_bf16": (10, 4, True, True, "silu", "bf16"),
    "conv_f16": (10, 4, False, True, "none", "f16"),
    "blocks": (160, 4, True, True, "silu", "f32"),
    # Wider than the chunked form unrolls (16): the whole-sequence form.
    "wide": (10, 20, True, True, "silu", "f32"),
}
# (time, width) of the functions with a static T.
STATIC = ((1, 2), (2, 3), (1, 4), (3, 4), (5, 4), (70, 4), (30, 20))
STATIC_CHANNELS = 10


def build_module() -> Module:
    m = Module()
    for name, (C, width, bias, state, activation, dtype) in VARIANTS.items():
        f = m.function(name)
        x = f.arg("x", (None, None, C), dtype)
        w = f.arg("w", (C, width))
        b = f.arg("bias", (C,)) if bias else None
        s = f.arg("state", (None, width - 1, C), dtype) if state else None
        y, s_out = f.conv1d(x, w, bias=b, state=s, activation=activation)
        f.ret(y, "y")
        f.ret(s_out, "state_out")
    for time, width in STATIC:
        f = m.function(f"static_t{time}_w{width}")
        x = f.arg("x", (None, time, STATIC_CHANNELS))
        w = f.arg("w", (STATIC_CHANNELS, width))
        s = f.arg("state", (None, width - 1, STATIC_CHANNELS))
        y, s_out = f.conv1d(x, w, state=s, activation="silu")
        f.ret(y, "y")
        f.ret(s_out, "state_out")
    return m


def make_inputs(rand, variant, batch, time):
    C, width, bias, state, _, dtype = VARIANTS[variant]
    inputs = {"x": rand.normal((batch, time, C), dtype),
              "w": rand.normal((C, width), scale=0.5)}
    if bias:
        inputs["bias"] = rand.normal((C,))
    if state:
        inputs["state"] = rand.normal((batch, width - 1, C), dtype)
    return inputs


def main(workdir: str) -> None:
    text = build_module().to_mlir()
    model = compile_module(text, workdir)
    oracle = compile_module(text, os.path.join(workdir, "reference"),
                            pipeline="reference")
    rand = Inputs(seed=13)
    for variant, (_, width, _, has_state, activation,
                  dtype) in VARIANTS.items():
        for batch, time in ((2, 31), (1, 1), (3, 2), (2, 150)):
            inputs = make_inputs(rand, variant, batch, time)
            out = model.run(variant, inputs, {"B": batch, "T": time})
            y, state_out = reference.conv1d(
                inputs["x"], inputs["w"], bias=inputs.get("bias"),
                state=inputs.get("state"), activation=activation)
            label = f"{variant}[B={batch},T={time}]"
            check(f"{label}.y", out["y"], y, dtype)
            check(f"{label}.state_out", out["state_out"], state_out, dtype)
            ref = oracle.run(variant, inputs, {"B": batch, "T": time})
            check(f"{label}.y~reference", out["y"], ref["y"], dtype)
            check(f"{label}.state_out~reference", out["state_out"],
                  ref["state_out"], dtype)

        if not has_state:
            continue
        check_chained(model, variant, make_inputs(rand, variant, 2, 70),
                      per_token=("x",), state=("state", "state_out"),
                      outputs={"y": dtype}, split=66, state_dtype=dtype)

    for time, width in STATIC:
        C = STATIC_CHANNELS
        inputs = {"x": rand.normal((3, time, C)),
                  "w": rand.normal((C, width), scale=0.5),
                  "state": rand.normal((3, width - 1, C))}
        out = model.run(f"static_t{time}_w{width}", inputs)
        y, state_out = reference.conv1d(inputs["x"], inputs["w"],
                                        state=inputs["state"],
                                        activation="silu")
        check(f"static[T={time},W={width}].y", out["y"], y, "f32")
        check(f"static[T={time},W={width}].state_out", out["state_out"],
              state_out, "f32")

if __name__ == "__main__":
    main(sys.argv[1])
