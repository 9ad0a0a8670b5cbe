# Execution test of recur.scan against the float64 reference: forward and
# reverse, one and two feature dimensions, initial state, f16/bf16 inputs,
# negative transitions, T = 1 and prefill + decode chaining.
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check, check_chained

# name: (feature dims, dtype, reverse)
VARIANTS = {
    "forward": ((24,), "f32", False),
    "reverse": ((24,), "f32", True),
    "two_features": ((3, 5), "f32", False),
    "forward_bf16": ((24,), "bf16", False),
    "reverse_f16": ((24,), "f16", True),
}


def build_module() -> Module:
    m = Module()
    for name, (features, dtype, reverse) in VARIANTS.items():
        f = m.function(name)
        a = f.arg("a", (None, None) + features, dtype)
        b = f.arg("b", (None, None) + features, dtype)
        h0 = f.arg("h0", (None,) + features)
        h, state = f.scan(a, b, h0=h0, reverse=reverse)
        f.ret(h, "h")
        f.ret(state, "h_last")
    # Static shapes and no initial state.
    f = m.function("static_no_state")
    a = f.arg("a", (2, 13, 8))
    b = f.arg("b", (2, 13, 8))
    h, state = f.scan(a, b)
    f.ret(h, "h")
    f.ret(state, "h_last")
    return m


def make_inputs(rand, features, dtype, batch, time):
    shape = (batch, time) + features
    return {"a": rand.uniform(shape, -1.0, 1.0, dtype),
            "b": rand.normal(shape, dtype),
            "h0": rand.normal((batch,) + features)}


def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=3)
    for name, (features, dtype, reverse) in VARIANTS.items():
        for batch, time in ((3, 29), (1, 1), (2, 64)):
            inputs = make_inputs(rand, features, dtype, batch, time)
            out = model.run(name, inputs, {"B": batch, "T": time})
            h, h_last = reference.scan(inputs["a"], inputs["b"], h0=inputs["h0"],
                                       reverse=reverse)
            label = f"{name}[B={batch},T={time}]"
            check(f"{label}.h", out["h"], h, dtype)
            check(f"{label}.h_last", out["h_last"], h_last, "f32")
        if reverse:
            continue
        # Prefill then single steps, carrying the state, equals one call.
        check_chained(model, name, make_inputs(rand, features, dtype, 2, 20),
                      per_token=("a", "b"), state=("h0", "h_last"),
                      outputs={"h": dtype}, split=17)

    inputs = make_inputs(rand, (8,), "f32", 2, 13)
    del inputs["h0"]
    out = model.run("static_no_state", inputs)
    h, h_last = reference.scan(inputs["a"], inputs["b"])
    check("static_no_state.h", out["h"], h, "f32")
    check("static_no_state.h_last", out["h_last"], h_last, "f32")


if __name__ == "__main__":
    main(sys.argv[1])
