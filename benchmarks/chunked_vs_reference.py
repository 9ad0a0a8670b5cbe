"""Times the chunked lowering (`--pipeline=default`) against the reference
lowering (`--pipeline=reference`) on mixer shapes at T = 4096, one thread.

    /usr/bin/python3 benchmarks/chunked_vs_reference.py [--time T] [--reps N]
        [--only NAME ...] [--workdir DIR] [--default-option=OPT ...]

For each model it compiles both pipelines, links a C timing harness (random
inputs in the ranges the models use; one warm-up call, then the median of N
timed calls), and prints the time per call of each and their ratio, which
are measured in the same run on the same machine. Useful work is reported
as GFLOP/s of the token-by-token formulation (about 4 K V flops per token and
head, 6 K V for the delta rule), not of the chunked form's own flop count,
and as a percentage of this CPU's single-thread FP32 FMA peak, measured in
the same run by benchmarks/fma_peak.c.
Run scripts/build.sh first; RECUR_COMPILE and RECUR_CC override the tools.
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))

from recur.model import Module  # noqa: E402
from recur.runner import LINK_LIBS, STORAGE, parse_header  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

# name: (heads, key dim, value dim, gate kind, delta rule, scale, flops/KV)
MODELS = {
    "gla": (16, 64, 64, "key", False, None, 4),
    "gated_deltanet": (16, 64, 64, "scalar", True, None, 6),
    "mamba2": (16, 128, 64, "scalar", False, 1.0, 4),
}

# How each input is filled: (low, high) of a uniform distribution.
RANGES = {"q": (-1, 1), "k": (-0.2, 0.2), "v": (-1, 1), "g": (-0.3, -0.01),
          "beta": (0, 1)}


def build(name: str) -> str:
    heads, key, value, gate_kind, delta, scale, _ = MODELS[name]
    m = Module()
    f = m.function(name)
    dyn = (1, None)
    q = f.arg("q", dyn + (heads, key))
    k = f.arg("k", dyn + (heads, key))
    v = f.arg("v", dyn + (heads, value))
    g = f.arg("g", dyn + ((heads, key) if gate_kind == "key" else (heads,)))
    beta = f.arg("beta", dyn + (heads,)) if delta else None
    o, state = f.linear_attention(q, k, v, g=g, gate_kind=gate_kind,
                                  beta=beta, scale=scale)
    f.ret(o, "o")
    f.ret(state, "h_last")
    return m.to_mlir()


def harness(sig) -> str:
    lines = [f'#include "{sig.name}.h"', "#include <stdio.h>",
             "#include <stdlib.h>", "#include <time.h>", "",
             "static double now(void) {", "  struct timespec ts;",
             "  clock_gettime(CLOCK_MONOTONIC, &ts);",
             "  return ts.tv_sec + 1e-9 * ts.tv_nsec;", "}",
             "static int cmp(const void *a, const void *b) {",
             "  double x = *(const double *)a, y = *(const double *)b;",
             "  return (x > y) - (x < y);", "}", "",
             "int main(int argc, char **argv) {",
             "  int64_t T = atoll(argv[1]);", "  int reps = atoi(argv[2]);",
             "  srand(1);"]
    call = ["T"]
    for buf in sig.buffers:
        count = " * ".join(f"(size_t)({d})" for d in buf.shape)
        lines.append(f"  float *{buf.name} = malloc({count} * sizeof(float));")
        if not buf.is_output:
            low, high = RANGES[buf.name]
            lines.append(f"  for (size_t i = 0; i < {count}; ++i) "
                         f"{buf.name}[i] = {low} + ({high} - ({low})) * "
                         "(rand() / (float)RAND_MAX);")
        call.append(buf.name)
    invoke = f"{sig.name}({', '.join(call)});"
    lines += [f"  {invoke}", "  double *times = malloc(reps * sizeof(double));",
              "  for (int r = 0; r < reps; ++r) {", "    double start = now();",
              f"    {invoke}", "    times[r] = now() - start;", "  }",
              "  qsort(times, reps, sizeof(double), cmp);",
              '  printf("%.6f\\n", times[reps / 2]);', "  return 0;", "}", ""]
    return "\n".join(lines)


def compile_and_time(name: str, pipeline: str, workdir: str, time: int,
                     reps: int, options=()) -> float:
    directory = os.path.join(workdir, f"{name}-{pipeline}")
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, f"{name}.mlir")
    with open(source, "w") as f:
        f.write(build(name))
    tool = os.environ.get("RECUR_COMPILE",
                          os.path.join(ROOT, "build", "bin", "recur-compile"))
    obj = os.path.join(directory, f"{name}.o")
    subprocess.run([tool, source, f"--pipeline={pipeline}", *options, "-o",
                    obj], check=True)
    with open(os.path.join(directory, f"{name}.h")) as f:
        sig = parse_header(f.read())[name]
    assert all(STORAGE[b.dtype][0] == "float" for b in sig.buffers)
    main = os.path.join(directory, "bench.c")
    with open(main, "w") as f:
        f.write(harness(sig))
    binary = os.path.join(directory, "bench")
    subprocess.run([os.environ.get("RECUR_CC", "/usr/lib/llvm-22/bin/clang"),
                    "-O2", "-I", directory, main, obj, *LINK_LIBS, "-o", binary],
                   check=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([binary, str(time), str(reps)], check=True,
                         capture_output=True, text=True, env=env)
    return float(out.stdout)


def measure_peak(workdir: str) -> float:
    """The single-thread FP32 FMA peak in GFLOP/s (benchmarks/fma_peak.c)."""
    binary = os.path.join(workdir, "fma_peak")
    subprocess.run([os.environ.get("RECUR_CC", "/usr/lib/llvm-22/bin/clang"),
                    "-O2", "-march=native",
                    os.path.join(ROOT, "benchmarks", "fma_peak.c"), "-o",
                    binary], check=True)
    out = subprocess.run([binary], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=int, default=4096)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(MODELS))
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--default-option", action="append", default=[],
                        help="a recur-compile option for the default "
                             "pipeline only, e.g. --default-option=--serial-below=0")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="recur-bench-")
    os.makedirs(workdir, exist_ok=True)
    peak = measure_peak(workdir)
    print(f"T = {args.time}, B = 1, one thread, median of {args.reps} calls; "
          f"FP32 FMA peak of this CPU: {peak:.1f} GFLOP/s")
    print(f"{'model':16} {'H':>3} {'K':>4} {'V':>4} {'reference ms':>13} "
          f"{'default ms':>11} {'speed-up':>9} {'GFLOP/s':>8} "
          f"{'% peak':>7} {'ref % peak':>10}")
    for name in args.only:
        heads, key, value, _, _, _, per_kv = MODELS[name]
        ref = compile_and_time(name, "reference", workdir, args.time, args.reps)
        fast = compile_and_time(name, "default", workdir, args.time, args.reps,
                                args.default_option)
        flops = per_kv * key * value * heads * args.time
        rate, ref_rate = flops / fast / 1e9, flops / ref / 1e9
        print(f"{name:16} {heads:3} {key:4} {value:4} {ref * 1e3:13.3f} "
              f"{fast * 1e3:11.3f} {ref / fast:8.1f}x {rate:8.2f} "
              f"{100 * rate / peak:6.1f}% {100 * ref_rate / peak:9.2f}%")


if __name__ == "__main__":
    main()
