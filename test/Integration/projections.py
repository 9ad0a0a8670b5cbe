# Projections (`Function.linear`, x [..., in] times a torch Linear's weight
# [out, in]) against the float64 NumPy reference, at shapes that take every
# path of the CPU's blocked GEMM (--recur-cpu-projections): inputs below
# one vector, a partial last vector, more than one input block (1600 > the
# 1536 of an f32 block, with a 64-input tail), outputs below one register
# tile, whole tiles plus a rest, and more than one column block plus a
# partial one (200 outputs in blocks of 84); token rows in whole tiles of
# four plus single rows (B x T = 1, 3, 6, 10); x of rank 2, 3 and 4; f32,
# bf16 and f16 weights with f32 or bf16 activations; a projection of a
# projection; the prefill and the step function. Each shape runs twice: with
# the weights as stored, and packed in panels of 16 outputs
# (Function.arg(packed=True), given as [N, K] and packed by the runtime),
# which takes the panel GEMM: a partial last panel (3, 13 and 200
# outputs), blocks of panels in threads plus the rest, more than one input
# block (1600 > 256) with a tail, and rows in tiles of 12, 4 and 1. Runs
# on the test target (the vulkan target lowers the same descriptions its
# own way, the panels unpacked).
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check

# (inputs, outputs)
SHAPES = [(5, 3, False), (37, 13, False), (64, 8, False), (1600, 200, False),
          (5, 3, True), (37, 13, True), (300, 280, True), (1600, 200, True)]
# (B, T) per layout: for panels, rows of 12 + 4 + 1 (17) and 12 + 1 (13).
BATCHES = {False: ((1, 1), (1, 3), (2, 3), (2, 5)),
           True: ((1, 1), (1, 3), (1, 17), (2, 13))}
# (activation dtype, weight dtype)
DTYPES = [("f32", "f32"), ("f32", "bf16"), ("bf16", "bf16"), ("f32", "f16")]


def build(inputs, outputs, x_dtype, w_dtype, packed):
    m = Module()

    def weight(f, name, shape):
        return f.arg(name, shape, w_dtype, packed=packed)

    f = m.function("prefill")
    x = f.arg("x", (None, None, inputs), x_dtype, dim_names=["B", "T"])
    w = weight(f, "w", (outputs, inputs))
    f.ret(f.linear(x, w), "y")
    f.ret(f.linear(x, w, dtype=x_dtype), "y_rounded")
    # One projection's result is the next one's x.
    w2 = weight(f, "w2", (outputs, outputs))
    f.ret(f.linear(f.linear(x, w), w2), "chained")
    f = m.function("step")
    x = f.arg("x", (None, 1, inputs), x_dtype, dim_names=["B"])
    w = weight(f, "w", (outputs, inputs))
    f.ret(f.linear(x, w), "y")
    f = m.function("flat")
    x = f.arg("x", (None, inputs), x_dtype, dim_names=["B"])
    w = weight(f, "w", (outputs, inputs))
    f.ret(f.linear(x, w), "y")
    f = m.function("heads")
    x = f.arg("x", (None, None, 2, inputs), x_dtype, dim_names=["B", "T"])
    w = weight(f, "w", (outputs, inputs))
    f.ret(f.linear(x, w), "y")
    # A packed weight read by something else than a projection: unpacked.
    f = m.function("weight")
    w = weight(f, "w", (outputs, inputs))
    f.ret(f.map(lambda v: v * 2.0, w), "twice")
    return m.to_mlir()


def main(workdir, only_packed=False):
    rand = Inputs(seed=19)
    for inputs, outputs, packed in SHAPES:
        if only_packed and not packed:
            continue
        for x_dtype, w_dtype in DTYPES:
            layout = "panels" if packed else "rows"
            name = f"{inputs}x{outputs}.{x_dtype}.{w_dtype}.{layout}"
            model = compile_module(
                build(inputs, outputs, x_dtype, w_dtype, packed),
                f"{workdir}/{name}")
            w = rand.normal((outputs, inputs), w_dtype, scale=inputs ** -0.5)
            w2 = rand.normal((outputs, outputs), w_dtype,
                             scale=outputs ** -0.5)
            twice = model.run("weight", {"w": w})["twice"]
            check(f"{name}.weight", twice, 2.0 * w, w_dtype)
            for batch, time in BATCHES[packed]:
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
    main(sys.argv[1], only_packed=sys.argv[2:] == ["--only-packed"])
