# Differential test of the chunked forms of recur.scan and
# recur.selective_scan (the `default` pipeline) against the reference
# lowering and the float64 references: both state passes (sequential, and
# parallel chunk summaries), chunk sizes 16 and 64, T spanning several
# chunks with a partial last one, T = 1, T less than a chunk, T equal to two
# chunks, forward and reverse, every selective-scan option and dtype.
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scan  # noqa: E402
import selective_scan  # noqa: E402
from recur import reference  # noqa: E402
from recur.runner import compile_module, test_target  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402

CONFIGS = (("sequential", 16), ("parallel", 16), ("parallel", 64))
# The GPU targets carry the state from chunk to chunk in one loop
# (--state-pass=parallel is a CPU option, an error there).
if test_target() != "cpu":
    CONFIGS = (("sequential", 16),)
SHAPES = ((2, 100), (1, 1), (3, 11), (1, 32))


def compare(label, out, ref_out, expected, dtypes):
    for name, value in expected.items():
        check(f"{label}.{name}", out[name], value, dtypes[name])
        check(f"{label}.{name}~reference", out[name], ref_out[name],
              dtypes[name])


def main(workdir: str) -> None:
    rand = Inputs(seed=5)
    scan_text = scan.build_module().to_mlir()
    selective_text = selective_scan.build_module().to_mlir()
    scan_ref = compile_module(scan_text, os.path.join(workdir, "scan-ref"),
                              pipeline="reference")
    selective_ref = compile_module(selective_text,
                                   os.path.join(workdir, "sel-ref"),
                                   pipeline="reference")
    for state_pass, chunk in CONFIGS:
        options = [f"--chunk-size={chunk}", f"--state-pass={state_pass}"]
        tag = f"{state_pass},C={chunk}"
        model = compile_module(scan_text,
                               os.path.join(workdir, f"scan-{tag}"),
                               options=options)
        for name, (features, dtype, reverse) in scan.VARIANTS.items():
            for batch, time in SHAPES:
                inputs = scan.make_inputs(rand, features, dtype, batch, time)
                dims = {"B": batch, "T": time}
                h, h_last = reference.scan(inputs["a"], inputs["b"],
                                           h0=inputs["h0"], reverse=reverse)
                compare(f"{name}[{tag},B={batch},T={time}]",
                        model.run(name, inputs, dims),
                        scan_ref.run(name, inputs, dims),
                        {"h": h, "h_last": h_last},
                        {"h": dtype, "h_last": "f32"})

        model = compile_module(selective_text,
                               os.path.join(workdir, f"sel-{tag}"),
                               options=options)
        for name, (_, dtype, *_rest) in selective_scan.VARIANTS.items():
            for batch, time in SHAPES:
                inputs = selective_scan.make_inputs(rand, name, batch, time)
                dims = {"B": batch, "T": time}
                y, h_last = selective_scan.expected(name, inputs)
                compare(f"{name}[{tag},B={batch},T={time}]",
                        model.run(name, inputs, dims),
                        selective_ref.run(name, inputs, dims),
                        {"y": y, "h_last": h_last},
                        {"y": dtype, "h_last": "f32"})


if __name__ == "__main__":
    main(sys.argv[1])
