"""The projections of model descriptions (`Function.linear`: x [B, T, in]
times a torch Linear's weight [out, in]) at published sizes, against this
machine's limits measured in the same run.

    /usr/bin/python3 benchmarks/projections.py [--reps N] [--dtype f32 bf16]
        [--layout rows panels] [--time T ...] [--threads N ...]
        [--only NAME ...]

For each shape, weight dtype and weight layout (`rows`: the torch Linear's
[out, in] as stored; `panels`: packed at load in panels of 16 outputs,
`Function.arg(packed=True)`): writes a description of two functions,
`proj` on B x T tokens and `proj_step` on B x 1 (python/recur/model.py),
compiles it with recur-compile, links benchmarks/blocks.c (the generic
timing harness of the block benchmark) and times them with OMP_NUM_THREADS
set. Prints, per prefill length T, the GFLOP/s of the call (2 FLOPs per
weight per token) and its share of the FMA peak (benchmarks/fma_peak.c,
one thread, times the threads), and for the step (decode, B = 1) the
weight bytes read per second and their share of the bandwidth that
reading the weight once allows (benchmarks/triad.c, one thread). The
1-token prefill's time is shown beside the step's: the prefill form must
not cost more for one token. Run scripts/build.sh first; RECUR_COMPILE and
RECUR_CC override the tools.
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, HERE)

from blocks import build_harness, run_harness  # noqa: E402
from cpu import measured_limits  # noqa: E402
from recur.model import Module  # noqa: E402

# (name, in, out): projections of published models.
SHAPES = [
    ("mamba2-2.7b.in_proj", 2560, 10576),
    ("mamba2-2.7b.out_proj", 5120, 2560),
    ("qwen3-next.mlp.gate", 2048, 5120),
    ("rwkv6-1b6.key", 2048, 2048),
]
BYTES = {"f32": 4, "bf16": 2, "f16": 2}


def description(inputs: int, outputs: int, dtype: str,
                packed: bool = False) -> str:
    m = Module()
    for name, tokens in (("proj", None), ("proj_step", 1)):
        f = m.function(name)
        x = f.arg("x", (None, tokens, inputs),
                  dim_names=["B", "T"] if tokens is None else ["B"])
        w = f.arg("w", (outputs, inputs), dtype=dtype, packed=packed)
        f.ret(f.linear(x, w), "y")
    return m.to_mlir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--dtype", nargs="*", default=["f32", "bf16"])
    parser.add_argument("--layout", nargs="*", default=["rows", "panels"],
                        choices=["rows", "panels"])
    parser.add_argument("--time", type=int, nargs="*",
                        default=[1, 16, 64, 512])
    parser.add_argument("--threads", type=int, nargs="*", default=[1])
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="recur-proj-")
    peak, bandwidth = measured_limits(work)
    header = (f"{'projection':24} {'dtype':5} {'layout':6} {'thr':>3} "
              f"{'T':>5} "
              f"{'us/token':>9} {'GFLOP/s':>8} {'%peak':>6}")
    print(header)
    for name, inputs, outputs in SHAPES:
        if args.only and name not in args.only:
            continue
        for dtype in args.dtype:
            for layout in args.layout:
                report(work, name, inputs, outputs, dtype, layout, args,
                       peak, bandwidth)


def report(work, name, inputs, outputs, dtype, layout, args, peak,
           bandwidth) -> None:
    """The rows of one projection in one dtype and layout."""
    flops = 2.0 * inputs * outputs
    binary = build_harness(work, f"{name}-{dtype}-{layout}",
                           description(inputs, outputs, dtype,
                                       layout == "panels"),
                           "proj", "proj_step")
    what = f"{name:24} {dtype:5} {layout:6}"
    for threads in args.threads:
        limit = peak * threads
        step = None
        for time in args.time:
            per_token, step = (v * 1e-6 for v in run_harness(
                binary, 1, time, args.reps, args.reps, threads))
            rate = flops / per_token * 1e-9
            print(f"{what} {threads:3} {time:5} {per_token * 1e6:9.1f} "
                  f"{rate:8.1f} {100 * rate / limit:5.1f}%")
        weight_bytes = inputs * outputs * BYTES[dtype]
        rate = weight_bytes / step * 1e-9
        bound = bandwidth * threads
        print(f"{what} {threads:3} {'step':>5} {step * 1e6:9.1f}  "
              f"{rate:6.1f} GB/s of weight, {100 * rate / bound:5.1f}% of "
              f"{bound:.1f} GB/s")

if __name__ == "__main__":
    main()
