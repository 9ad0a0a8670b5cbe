# Execution test of recur.selective_scan (Mamba-1) against the float64
# reference: every optional operand, softplus on and off, groups G = 1 and
# G > 1, f16/bf16 activations, T = 1 and prefill + decode chaining.
#
# RUN: rm -rf %t && %python %s %t

import sys

import numpy as np

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check, check_chained

D, N = 12, 6
# name: (groups, dtype, skip, gate, delta bias, softplus)
VARIANTS = {
    "mamba": (1, "f32", True, True, True, True),
    "bare": (1, "f32", False, False, False, False),
    "groups": (3, "f32", True, False, True, True),
    "mamba_bf16": (2, "bf16", True, True, True, True),
    "mamba_f16": (1, "f16", True, True, False, True),
}


def build_module() -> Module:
    m = Module()
    for name, (groups, dtype, skip, gate, bias, softplus) in VARIANTS.items():
        f = m.function(name)
        u = f.arg("u", (None, None, D), dtype)
        delta = f.arg("delta", (None, None, D), dtype)
        A = f.arg("A", (D, N))
        Bm = f.arg("Bm", (None, None, groups, N), dtype)
        Cm = f.arg("Cm", (None, None, groups, N), dtype)
        Dskip = f.arg("D", (D,)) if skip else None
        z = f.arg("z", (None, None, D), dtype) if gate else None
        delta_bias = f.arg("delta_bias", (D,)) if bias else None
        h0 = f.arg("h0", (None, D, N))
        y, state = f.selective_scan(u, delta, A, Bm, Cm, D=Dskip, z=z,
                                    delta_bias=delta_bias, h0=h0,
                                    delta_softplus=softplus)
        f.ret(y, "y")
        f.ret(state, "h_last")
    return m


def make_inputs(rand, variant, batch, time):
    groups, dtype, skip, gate, bias, softplus = VARIANTS[variant]
    inputs = {
        "u": rand.normal((batch, time, D), dtype),
        # Raw deltas go through softplus; without it they must be positive.
        "delta": (rand.normal((batch, time, D), dtype) if softplus
                  else rand.uniform((batch, time, D), 0.01, 0.5, dtype)),
        "A": -np.exp(rand.normal((D, N), scale=0.5)),
        "Bm": rand.normal((batch, time, groups, N), dtype),
        "Cm": rand.normal((batch, time, groups, N), dtype),
        "h0": rand.normal((batch, D, N), scale=0.5),
    }
    if skip:
        inputs["D"] = rand.normal((D,))
    if gate:
        inputs["z"] = rand.normal((batch, time, D), dtype)
    if bias:
        inputs["delta_bias"] = rand.uniform((D,), -2.0, 0.0)
    return inputs


def expected(variant, inputs):
    softplus = VARIANTS[variant][5]
    return reference.selective_scan(
        inputs["u"], inputs["delta"], inputs["A"], inputs["Bm"], inputs["Cm"],
        D=inputs.get("D"), z=inputs.get("z"),
        delta_bias=inputs.get("delta_bias"), h0=inputs["h0"],
        delta_softplus=softplus)


def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=11)
    per_token = ("u", "delta", "Bm", "Cm", "z")
    for variant, (_, dtype, *_rest) in VARIANTS.items():
        for batch, time in ((2, 33), (1, 1), (3, 4)):
            inputs = make_inputs(rand, variant, batch, time)
            out = model.run(variant, inputs, {"B": batch, "T": time})
            y, h_last = expected(variant, inputs)
            label = f"{variant}[B={batch},T={time}]"
            check(f"{label}.y", out["y"], y, dtype)
            check(f"{label}.h_last", out["h_last"], h_last, "f32")

        check_chained(model, variant, make_inputs(rand, variant, 2, 24),
                      per_token=per_token, state=("h0", "h_last"),
                      outputs={"y": dtype}, split=21)

if __name__ == "__main__":
    main(sys.argv[1])
