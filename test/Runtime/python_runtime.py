# recur.runtime: compiled functions called in process through ctypes, from
# the interface file. Dimensions come from the inputs' shapes; bad calls
# (wrong shape, inconsistent dimensions, a missing input, an unknown
# function, threads on a single-threaded library) raise before the call;
# two libraries exporting the same function name, loaded side by side, each
# run their own code (-Bsymbolic, RTLD_LOCAL).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t

import os
import sys

import numpy as np

from recur import reference
from recur.runner import compile_module

WORK = sys.argv[1]
SCAN = """
func.func @step(%a: tensor<?x?x8xf32> {recur.name = "a"},
                %b: tensor<?x?x8xf32> {recur.name = "b"},
                %h0: tensor<?x8xf32> {recur.name = "h0"})
    -> (tensor<?x?x8xf32> {recur.name = "h"},
        tensor<?x8xf32> {recur.name = "h_last"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %batch = tensor.dim %a, %c0 : tensor<?x?x8xf32>
  %time = tensor.dim %a, %c1 : tensor<?x?x8xf32>
  %h_init = tensor.empty(%batch, %time) : tensor<?x?x8xf32>
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>)
      outs(%h_init, %h0 : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %last : tensor<?x?x8xf32>, tensor<?x8xf32>
}
"""


def expect_error(kind, text, call):
    try:
        call()
    except kind as error:
        if text not in str(error):
            sys.exit(f"FAIL: expected {text!r} in {error!r}")
        return
    sys.exit(f"FAIL: no {kind.__name__} ({text!r})")


rng = np.random.default_rng(5)
inputs = {"a": rng.uniform(0.5, 1.0, (2, 9, 8)), "b": rng.normal(size=(2, 9, 8)),
          "h0": rng.normal(size=(2, 8))}
h, last = reference.scan(inputs["a"], inputs["b"], h0=inputs["h0"])

# The same function name in two libraries: the chunked form and the oracle.
models = [compile_module(SCAN, os.path.join(WORK, pipeline),
                         pipeline=pipeline)
          for pipeline in ("default", "reference")]
for model in models:
    out = model.run("step", inputs)  # B and T from the inputs' shapes
    for name, want in (("h", h), ("h_last", last)):
        if not np.allclose(out[name], want, rtol=1e-5, atol=1e-5):
            sys.exit(f"FAIL: {name} differs from the reference")
model = models[0]
out = model.run("step", inputs, {"B": 2, "T": 9}, threads=2)
if not np.allclose(out["h"], h, rtol=1e-5, atol=1e-5):
    sys.exit("FAIL: 2 threads")

expect_error(ValueError, "'b' has shape (2, 8, 8)", lambda: model.run(
    "step", {**inputs, "b": inputs["b"][:, :8]}))
expect_error(ValueError, "'a' has shape (2, 9, 8), expected ['B', 'T', 8]",
             lambda: model.run("step", inputs, {"T": 4}))
expect_error(ValueError, "'a' has shape (2, 9), expected", lambda: model.run(
    "step", {**inputs, "a": inputs["a"][:, :, 0]}))
expect_error(ValueError, "missing input(s) ['h0']", lambda: model.run(
    "step", {"a": inputs["a"], "b": inputs["b"]}))
expect_error(KeyError, "no function 'steps'", lambda: model.run("steps",
                                                                 inputs))
single = compile_module(SCAN, os.path.join(WORK, "single"),
                        options=["--openmp=false"])
expect_error(ValueError, "compiled with --openmp=false",
             lambda: single.run("step", inputs, threads=2))
print("python runtime: OK")
