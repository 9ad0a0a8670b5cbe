# Projections (`Function.linear`, x [..., in] times a torch Linear's weight
# [out, in]) against the float64 NumPy reference, at shapes that take every
# path of the CPU's blocked GEMM (--recur-cpu-projections): inputs below
# one vector, a partial last vector, more than one input block (1600 > the
# 1536 of an f32 block, with a 64-input tail), outputs below one register
# tile, whole tiles plus a rest, and more than one column block plus a
# partial one (200 outputs in blocks of 84); token rows in whole tiles of
# four plus single rows (B x T = 1, 3, 6, 10); x of rank 2, 3 and 4; f32,
# bf16 and f16 weights with f32 or bf16 activations; a projection of a
# projection; the prefill and the step function. Runs on the test target
# (the vulkan target takes its own lowering of the same descriptions).
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check

# (inputs, outputs)
SHAPES = [(5, 3), (37, 13), (64, 8), (1600, 200)]
# (activation dtype, weight dtype)
DTYPES = [("f32", "f32"), ("f32", "bf16"), ("bf16", "bf16"), ("f32", "f16")]


def build(inputs, outputs, x_dtype, w_dtype):
    m = Module()
    f = m.function("prefill")
    x = f.arg("x", (None, None, inputs), x_dtype, dim_names=["B", "T"])
    w = f.arg("w", (outputs, inputs), w_dtype)
    f.ret(f.linear(x, w), "y")
    f.ret(f.linear(x, w, dtype=x_dtype), "y_rounded")
    # One projection's result is the next one's x.
    w2 = f.arg("w2", (outputs, outputs), w_dtype)
    f.ret(f.linear(f.linear(x, w), w2), "chained")
    f = m.function("step")
    x = f.arg("x", (None, 1, inputs), x_dtype, dim_names=["B"])
    w = f.arg("w", (outputs, inputs), w_dtype)
    f.ret(f.linear(x, w), "y")
    f = m.function("flat")
    x = f.arg("x", (None, inputs), x_dtype, dim_names=["B"])
    w = f.arg("w", (outputs, inputs), w_dtype)
    f.ret(f.linear(x, w), "y")
    f = m.function("heads")
    x = f.arg("x", (None, None, 2, inputs), x_dtype, dim_names=["B", "T"])
    w = f.arg("w", (outputs, inputs), w_dtype)
    f.ret(f.linear(x, w), "y")
    return m.to_mlir()


def main(workdir):
    rand = Inputs(seed=19)
    for inputs, outputs in SHAPES:
        for x_dtype, w_dtype in DTYPES:
            name = f"{inputs}x{outputs}.{x_dtype}.{w_dtype}"
            model = compile_module(build(inputs, outputs, x_dtype, w_dtype),
                                   f"{workdir}/{name}")
            w = rand.normal((outputs, inputs), w_dtype, scale=inputs ** -0.5)
            w2 = rand.normal((outputs, outputs), w_dtype,
                             scale=outputs ** -0.5)
            for batch, time in ((1, 1), (1, 3), (2, 3), (2, 5)):
                label = f"{name}.B{batch}T{time}"
                x = rand.normal((batch, time, inputs), x_dtype)
                out = model.run("prefill", {"x": x, "w": w, "w2": w2},
                                {"B": batch, "T": time})
                want = reference.linear(x, w)
                check(f"{label}.chained", out["chained"],
                      reference.linear(want, w2), "f32")
                check(f"{label}.y", out["y"], want, "f32")
                check(f"{label}.y_rounded", out["y_rounded"], want, x_dtype)
                step = model.run("step", {"x": x[:, :1], "w": w},
                                 {"B": batch})
                check(f"{label}.step", step["y"], want[:, :1], "f32")
                flat = model.run("flat", {"x": x[0], "w": w}, {"B": time})
                check(f"{label}.flat", flat["y"], want[0], "f32")
                heads = rand.normal((batch, time, 2, inputs), x_dtype)
                out = model.run("heads", {"x": heads, "w": w},
                                {"B": batch, "T": time})
                check(f"{label}.heads", out["y"],
                      reference.linear(heads, w), "f32")
    print("projections: OK")


if __name__ == "__main__":
    main(sys.argv[1])
