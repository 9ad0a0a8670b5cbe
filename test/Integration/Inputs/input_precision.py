# The 16-bit variants of linear_attention.py on a GPU target compiled with
# --matmul-precision=input: the chunked forms' matmuls take their operands
# rounded to the op's input type (one tensor-core MMA a step, as hand-written
# 16-bit kernels do), so every result, the f32 final state included, has the
# accuracy of 16-bit operands: it is checked at the input type's tolerance,
# against the same float64 references. (The default, split, keeps f32
# accuracy: linear_attention.py checks the state at the f32 tolerance.)
# Run by test/Vulkan and test/CUDA, not on the CPU target, which rejects
# the option.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))

import linear_attention as la  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs, check, error_ratios  # noqa: E402


def main(workdir: str) -> None:
    variants = {name: variant for name, variant in la.VARIANTS.items()
                if variant[3] != "f32"}
    model = compile_module(la.build_module(variants=variants).to_mlir(),
                           workdir, options=["--matmul-precision=input"])
    rand = Inputs(seed=7)
    for variant, (_, _, _, dtype) in variants.items():
        for batch, time in ((la.B, la.T), (3, 5)):
            inputs = la.make_inputs(rand, variant, batch, time)
            out = model.run(variant, inputs, {"B": batch, "T": time})
            o, h_last = la.expected(variant, inputs)
            label = f"{variant}[B={batch},T={time}]"
            check(f"{label}.o", out["o"], o, dtype)
            check(f"{label}.h_last", out["h_last"], h_last, dtype)
            if time == la.T:
                # The option took effect: over 37 tokens (chunked, MMAs)
                # the f32 state carries the operands' 16-bit rounding, far
                # outside the f32 tolerance that the default keeps.
                f32_error = float(error_ratios(out["h_last"], h_last,
                                               "f32").max())
                if f32_error <= 1.0:
                    raise AssertionError(
                        f"{label}.h_last: within the f32 tolerance "
                        f"({f32_error:.2f}x): 16-bit operands expected")
                print(f"ok {label}.h_last has 16-bit operand rounding "
                      f"({f32_error:.0f}x the f32 tolerance)")


if __name__ == "__main__":
    main(sys.argv[1])
