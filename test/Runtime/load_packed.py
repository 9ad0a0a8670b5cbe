# A weight passed in panels (Function.arg(packed=True), recur.packed_rows)
# through the runtime's loader: the header's table gives packed_rows and
# the panels' shape, recur_load_weights and recur_map_weights read the
# checkpoint's [N, K] tensor (F32 and BF16 data) and pack it (never
# mapped), the same bytes as recur_pack_panels, and the call equals NumPy.
# A tensor of the wrong shape is refused with its message and nothing left
# allocated.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %S/Inputs %recur_src %cc

import os
import subprocess
import sys

import numpy as np

from recur import safetensors
from recur.model import Module
from recur.testing import build_c_program

WORK, INPUTS, SRC, CC = sys.argv[1:5]
# 37 outputs: two whole panels and a partial one.
OUTPUTS, INPUTS_K = 37, 5


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def build():
    m = Module()
    f = m.function("model")
    x = f.arg("x", (None, INPUTS_K), dim_names=["B"])
    w = f.arg("w", (OUTPUTS, INPUTS_K), packed=True,
              checkpoint_name="layers.0.proj.weight")
    f.ret(f.linear(x, w), "y", dim_names=["B"])
    source = os.path.join(WORK, "packed.mlir")
    with open(source, "w") as out:
        out.write(m.to_mlir())
    obj = os.path.join(WORK, "packed.o")
    subprocess.run([os.environ["RECUR_COMPILE"], source, "-o", obj],
                   check=True)
    with open(os.path.join(WORK, "packed.h")) as header:
        text = header.read()
    expect("a weight [37, 5] packed in panels of 16 rows" in text,
           "the header documents the packed weight")
    return build_c_program(CC, os.path.join(INPUTS, "load_packed.c"), obj,
                           WORK, SRC, os.path.join(WORK, "load_packed"))


def run(program, weight, dtype, mode):
    path = os.path.join(WORK, "w.safetensors")
    safetensors.save(path, {"layers.0.proj.weight": weight},
                     {"layers.0.proj.weight": dtype})
    out = subprocess.run([program, path, mode], capture_output=True,
                         text=True)
    return out.returncode, out.stdout


def main():
    program = build()
    rng = np.random.default_rng(5)
    weight = rng.integers(-8, 8, (OUTPUTS, INPUTS_K)).astype(np.float32)
    want = weight @ np.arange(1, INPUTS_K + 1, dtype=np.float64)
    for dtype in ("f32", "bf16"):
        for mode in ("load", "map", "pack"):
            if mode == "pack" and dtype != "f32":
                continue
            status, out = run(program, weight, dtype, mode)
            lines = out.splitlines()
            expect(status == 0 and lines[0] == "packed_rows 37, panels 3 x "
                   "5 x 16, copied", f"{dtype} {mode}: {status} {out!r}")
            if mode == "pack":
                expect(lines[1] == "recur_pack_panels: same", lines[1])
            expect("call: 0" in lines, f"{dtype} {mode}: {out!r}")
            got = np.array([float(v) for v in lines[-1].split()[1:]])
            expect(np.array_equal(got, want),
                   f"{dtype} {mode}: y {got} != {want}")
            print(f"ok {dtype} {mode}: {lines[0]}")
    status, out = run(program, weight[:, :4], "f32", "load")
    expect(status == 1 and out.startswith(
        "load: MISMATCH: tensor 'layers.0.proj.weight' has shape [37, 4], "
        "expected [37, 5]") and "left allocated" not in out,
        f"wrong shape: {status} {out!r}")
    print(f"ok wrong shape: {out.strip()}")
    print("load packed: OK")


if __name__ == "__main__":
    main()
