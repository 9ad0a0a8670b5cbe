# The default pipeline compiled for CPUs without AVX-512: a generic x86-64
# (SSE2 only) and x86-64-v3 (AVX2). recur-compile tiles for the target's
# vector width; the code must use no register the target lacks and must
# agree with the float64 reference on every linear-attention variant (odd
# head sizes, a partial chunk, and T = 1 through the token-serial form).
#
# RUN: rm -rf %t && %python %s %t

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linear_attention as la  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402

# target CPU: registers its code must not use
TARGETS = {"x86-64": ("%ymm", "%zmm"), "x86-64-v3": ("%zmm",)}
SHAPES = ((2, 37), (1, 1))


def main(workdir: str) -> None:
    text = la.build_module().to_mlir()
    rand = Inputs(seed=5)
    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    for cpu, forbidden in TARGETS.items():
        directory = os.path.join(workdir, cpu)
        model = compile_module(text, directory, options=[f"--mcpu={cpu}"])
        assembly = subprocess.run(
            [tool, os.path.join(directory, "model.mlir"), f"--mcpu={cpu}",
             "--emit=asm", "-o", "-"], check=True, capture_output=True,
            text=True).stdout
        for register in forbidden:
            if register in assembly:
                sys.exit(f"FAIL: code for {cpu} uses {register}")
        for variant in la.VARIANTS:
            for batch, time in SHAPES:
                inputs = la.make_inputs(rand, variant, batch, time)
                out = model.run(variant, inputs, {"B": batch, "T": time})
                o, h_last = la.expected(variant, inputs)
                label = f"{variant}[{cpu},B={batch},T={time}]"
                check(f"{label}.o", out["o"], o, la.VARIANTS[variant][3])
                check(f"{label}.h_last", out["h_last"], h_last, "f32")
    print("generic targets: OK")


if __name__ == "__main__":
    main(sys.argv[1])
