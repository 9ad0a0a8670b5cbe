# The batch x head loops on OpenMP threads: every linear-attention variant
# and every attention variant run on 1 and 2 threads, agree with
# the float64 references, and the two thread counts give bit-identical
# results (each head is computed by one thread, in the same order). With
# --openmp=false the code has no OpenMP call at all.
#
# RUN: rm -rf %t && %python %s %t

import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attention  # noqa: E402
import linear_attention as la  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402


def run_threads(model, function, inputs, dims):
    """The outputs with 1 and with 2 threads, which must be identical."""
    outputs = []
    for threads in (1, 2):
        outputs.append(model.run(function, inputs, dims, threads=threads))
    for name, value in outputs[0].items():
        if not np.array_equal(value, outputs[1][name], equal_nan=True):
            sys.exit(f"FAIL: {function}.{name} differs between 1 and 2 "
                     "threads")
    return outputs[1]


def main(workdir: str) -> None:
    rand = Inputs(seed=3)
    la_model = compile_module(la.build_module().to_mlir(),
                              os.path.join(workdir, "linear"))
    for variant, (*_rest, dtype) in la.VARIANTS.items():
        for batch, time in ((2, 37), (3, 1)):
            inputs = la.make_inputs(rand, variant, batch, time)
            out = run_threads(la_model, variant, inputs,
                              {"B": batch, "T": time})
            o, h_last = la.expected(variant, inputs)
            check(f"{variant}[B={batch},T={time}].o", out["o"], o, dtype)
            check(f"{variant}[B={batch},T={time}].h_last", out["h_last"],
                  h_last, "f32")
    att_model = compile_module(attention.build_module().to_mlir(),
                               os.path.join(workdir, "attention"))
    for variant, (*_rest, dtype) in attention.VARIANTS.items():
        inputs = attention.make_inputs(rand, variant, 2, 23, 23)
        out = run_threads(att_model, variant, inputs, {"B": 2, "T": 23,
                                                        "S": 23})
        check(f"{variant}.o", out["o"], attention.expected(variant, inputs),
              dtype)

    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    source = os.path.join(workdir, "linear", "model.mlir")
    for openmp, expect in (("true", True), ("false", False)):
        llvm_ir = subprocess.run(
            [tool, source, f"--openmp={openmp}", "--emit=llvm", "-o", "-"],
            check=True, capture_output=True, text=True).stdout
        if ("__kmpc_fork_call" in llvm_ir) != expect:
            sys.exit(f"FAIL: --openmp={openmp}: OpenMP calls "
                     f"{'missing' if expect else 'present'}")
    print("threads: OK")


if __name__ == "__main__":
    main(sys.argv[1])
