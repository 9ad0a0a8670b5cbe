# The scans tiled in blocks of channels (--recur-tile-batch-heads takes the
# largest divisor of a static channel count from 16 to 512 for recur.scan,
# to 256 for recur.selective_scan): recur.scan with D = 1040 (blocks of 260,
# two features) and a single-group recur.selective_scan with D = 272
# (blocks of 136) and every option, with
# one and two threads, against the float64 references. A selective scan
# with two groups is not tiled by channel and is checked too.
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recur import reference  # noqa: E402
from recur.model import Module  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402

SCAN_D, SEL_D, N = 1040, 272, 4


def build() -> Module:
    m = Module()
    f = m.function("scan")
    a = f.arg("a", (None, None, 2, SCAN_D))
    b = f.arg("b", (None, None, 2, SCAN_D))
    h0 = f.arg("h0", (None, 2, SCAN_D))
    h, last = f.scan(a, b, h0=h0)
    f.ret(h, "h")
    f.ret(last, "h_last")
    for name, groups in (("selective", 1), ("grouped", 2)):
        f = m.function(name)
        rows = (None, None, SEL_D)
        u, delta = f.arg("u", rows), f.arg("delta", rows)
        A = f.arg("A", (SEL_D, N))
        Bm = f.arg("Bm", (None, None, groups, N))
        Cm = f.arg("Cm", (None, None, groups, N))
        Dskip, z = f.arg("D", (SEL_D,)), f.arg("z", rows)
        bias = f.arg("delta_bias", (SEL_D,))
        h0 = f.arg("h0", (None, SEL_D, N))
        y, last = f.selective_scan(u, delta, A, Bm, Cm, D=Dskip, z=z,
                                   delta_bias=bias, h0=h0,
                                   delta_softplus=True)
        f.ret(y, "y")
        f.ret(last, "h_last")
    return m


def main(workdir: str) -> None:
    model = compile_module(build().to_mlir(), workdir)
    rand = Inputs(seed=7)
    batch, time = 2, 37
    scan_in = {"a": rand.uniform((batch, time, 2, SCAN_D), 0.5, 1.0),
               "b": rand.normal((batch, time, 2, SCAN_D)),
               "h0": rand.normal((batch, 2, SCAN_D))}
    scan_h, scan_last = reference.scan(scan_in["a"], scan_in["b"],
                                       h0=scan_in["h0"])
    for threads in (1, 2):
        out = model.run("scan", scan_in, {"B": batch, "T": time},
                        threads=threads)
        check(f"scan[{threads}].h", out["h"], scan_h, "f32")
        check(f"scan[{threads}].h_last", out["h_last"], scan_last, "f32")
        for name, groups in (("selective", 1), ("grouped", 2)):
            inputs = {
                "u": rand.normal((batch, time, SEL_D)),
                "delta": rand.normal((batch, time, SEL_D)),
                "A": -np.exp(rand.normal((SEL_D, N), scale=0.5)),
                "Bm": rand.normal((batch, time, groups, N)),
                "Cm": rand.normal((batch, time, groups, N)),
                "D": rand.normal((SEL_D,)), "z": rand.normal((batch, time, SEL_D)),
                "delta_bias": rand.normal((SEL_D,), scale=0.5),
                "h0": rand.normal((batch, SEL_D, N), scale=0.5)}
            y, last = reference.selective_scan(
                inputs["u"], inputs["delta"], inputs["A"], inputs["Bm"],
                inputs["Cm"], D=inputs["D"], z=inputs["z"],
                delta_bias=inputs["delta_bias"], h0=inputs["h0"],
                delta_softplus=True)
            out = model.run(name, inputs, {"B": batch, "T": time},
                            threads=threads)
            check(f"{name}[{threads}].y", out["y"], y, "f32")
            check(f"{name}[{threads}].h_last", out["h_last"], last, "f32")
    print("channel blocks: OK")


if __name__ == "__main__":
    main(sys.argv[1])
