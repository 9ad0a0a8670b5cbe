"""CPU benchmark of recur's compiled code against this machine's own limits.

    /usr/bin/python3 benchmarks/cpu.py [--quick] [--reps N] [--only NAME ...]
        [--out DIR]

Measures, in the same run:
  - the single-thread FP32 FMA peak (benchmarks/fma_peak.c), next to the
    figure the CPU's clock, vector width and two FMA units would give;
  - the single-thread memory bandwidth (benchmarks/triad.c);
  - the time of the vectorized exp the default pipeline emits;
then compiles every workload with recur-compile (T, B dynamic), links a C
timing harness (one warm-up call, the median of N timed calls), and prints
one table: op, shape, form, threads, median ms, the rate (GFLOP/s for the
attentions, GB/s for the scan and conv1d, state updates/s for the selective
scan), its share of the peak or of the bandwidth, the speed-up over
`--pipeline=reference` and over one thread. Raw rows go to OUT/results.json
and the crossover of the linear-attention forms to OUT/crossover.png
(python3-matplotlib). Run scripts/build.sh first (scripts/bench.sh does
both); RECUR_COMPILE and RECUR_CC override the tools.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))

from recur.model import Module  # noqa: E402
from recur.runtime import LINK_LIBS, load_interface  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CC = os.environ.get("RECUR_CC", "/usr/lib/llvm-22/bin/clang")
TOOL = os.environ.get("RECUR_COMPILE",
                      os.path.join(ROOT, "build", "bin", "recur-compile"))
H = 16

# How each input is filled: uniform in (low, high), by buffer name.
RANGES = {"q": (-1, 1), "k": (-0.2, 0.2), "v": (-1, 1), "g": (-0.3, -0.01),
          "beta": (0, 1), "bonus": (-0.5, 0.5), "h0": (-0.1, 0.1),
          "a": (0.5, 1.0), "b": (-1, 1), "u": (-1, 1), "delta": (0.01, 0.1),
          "A": (-2, -0.1), "Bm": (-1, 1), "Cm": (-1, 1), "x": (-1, 1),
          "w": (-0.5, 0.5), "state": (-1, 1)}

# Linear-attention variants: (gate kind, delta rule, bonus).
LINEAR = {
    "retnet": ("head", False, False),
    "mamba2": ("scalar", False, False),
    "gla": ("key", False, False),
    "rwkv6": ("key", False, True),
    "deltanet": ("none", True, False),
    "gated_deltanet": ("scalar", True, False),
    "kda": ("key", True, False),
}


# -- model descriptions ---------------------------------------------------

def module(outputs, build):
    """A module of one function @run: `build(f)` declares its arguments and
    returns its results, named by `outputs`."""
    m = Module()
    f = m.function("run")
    results = build(f)
    for name, value in zip(outputs, results):
        f.ret(value, name)
    return m.to_mlir()


def linear_module(variant, key, value):
    gate_kind, delta, bonus = LINEAR[variant]
    dyn = (None, None)

    def build(f):
        q = f.arg("q", dyn + (H, key))
        k = f.arg("k", dyn + (H, key))
        v = f.arg("v", dyn + (H, value))
        g = None
        if gate_kind != "none":
            g = f.arg("g", {"head": (H,), "scalar": dyn + (H,),
                            "key": dyn + (H, key)}[gate_kind])
        beta = f.arg("beta", dyn + (H,)) if delta else None
        u = f.arg("bonus", (H, key)) if bonus else None
        h0 = f.arg("h0", (None, H, key, value))
        return f.linear_attention(q, k, v, g=g, gate_kind=gate_kind,
                                  beta=beta, bonus=u, h0=h0)
    return module(("o", "h_last"), build)


def selective_module(channels, state):
    rows = (None, None, channels)
    return module(("y", "h_last"), lambda f: f.selective_scan(
        f.arg("u", rows), f.arg("delta", rows), f.arg("A", (channels, state)),
        f.arg("Bm", (None, None, 1, state)),
        f.arg("Cm", (None, None, 1, state))))


def attention_module(dim, window):
    shape = (None, None, H, dim)
    return module(("o",), lambda f: [f.attention(
        f.arg("q", shape), f.arg("k", shape, dim_names=["B", "T"]),
        f.arg("v", shape, dim_names=["B", "T"]), causal=True,
        window=window)])


def scan_module(channels):
    rows = (None, None, channels)
    return module(("h", "h_last"),
                  lambda f: f.scan(f.arg("a", rows), f.arg("b", rows)))


def conv_module(channels, width):
    return module(("y", "state"), lambda f: f.conv1d(
        f.arg("x", (None, None, channels)), f.arg("w", (channels, width))))


# The exp bound: the pipeline's own exp over a static tile (so that
# recur-vectorize takes it, as it takes the chunked forms' exps), 128 K
# elements that stay in L2.
EXP_ROWS, EXP_COLUMNS = 2048, 64
EXP_MODULE = f"""
func.func @run(%x: tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>)
    -> (tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32> {{recur.name = "y"}}) {{
  %e = tensor.empty() : tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>
  %y = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                         affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}}
      ins(%x : tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>)
      outs(%e : tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>) {{
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  }} -> tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>
  return %y : tensor<{EXP_ROWS}x{EXP_COLUMNS}xf32>
}}
"""


# -- compiling and timing ---------------------------------------------------

def harness(sig) -> str:
    lines = [f'#include "{sig.name}.h"', "#include <stdio.h>",
             "#include <stdlib.h>", "#include <time.h>", "",
             "static double now(void) {", "  struct timespec ts;",
             "  clock_gettime(CLOCK_MONOTONIC, &ts);",
             "  return ts.tv_sec + 1e-9 * ts.tv_nsec;", "}",
             "static int cmp(const void *a, const void *b) {",
             "  double x = *(const double *)a, y = *(const double *)b;",
             "  return (x > y) - (x < y);", "}", "",
             "int main(int argc, char **argv) {", "  int reps = atoi(argv[1]);",
             "  srand(1);"]
    for i, dim in enumerate(sig.dims):
        lines.append(f"  int64_t {dim} = atoll(argv[{i + 2}]);")
    call = list(sig.dims)
    for buf in sig.buffers:
        count = " * ".join(f"(size_t)({d})" for d in buf.shape) or "1"
        lines.append(f"  float *{buf.name} = malloc({count} * sizeof(float) "
                     "+ 64);")
        low, high = RANGES.get(buf.name, (-1, 1))
        lines.append(f"  for (size_t i = 0; i < {count}; ++i) "
                     f"{buf.name}[i] = {low} + ({high} - ({low})) * "
                     "(rand() / (float)RAND_MAX);")
        call.append(buf.name)
    invoke = f"run({', '.join(call)})"
    lines += [f"  if ({invoke}) return 1;",
              "  double *times = malloc(reps * sizeof(double));",
              "  for (int r = 0; r < reps; ++r) {", "    double start = now();",
              f"    {invoke};", "    times[r] = now() - start;", "  }",
              "  qsort(times, reps, sizeof(double), cmp);",
              '  printf("%.9f\\n", times[reps / 2]);', "  return 0;", "}", ""]
    return "\n".join(lines)


class Compiled:
    """One model description compiled with one set of options."""

    def __init__(self, workdir, label, text, options):
        self.directory = os.path.join(workdir, label)
        os.makedirs(self.directory, exist_ok=True)
        source = os.path.join(self.directory, "run.mlir")
        with open(source, "w") as f:
            f.write(text)
        obj = os.path.join(self.directory, "run.o")
        subprocess.run([TOOL, source, *options, "-o", obj], check=True)
        self.sig = load_interface(os.path.join(self.directory,
                                               "run.json"))["run"]
        assert all(b.dtype == "f32" for b in self.sig.buffers)
        main = os.path.join(self.directory, "bench.c")
        with open(main, "w") as f:
            f.write(harness(self.sig))
        self.binary = os.path.join(self.directory, "bench")
        subprocess.run([CC, "-O2", "-I", self.directory, main, obj,
                        *LINK_LIBS, "-o", self.binary], check=True)

    def time(self, dims, reps, threads=1) -> float:
        """Median seconds per call."""
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        argv = [self.binary, str(reps)] + [str(dims[d]) for d in self.sig.dims]
        out = subprocess.run(argv, check=True, capture_output=True, text=True,
                             env=env)
        return float(out.stdout)


def run_c(workdir, name, args=()):
    binary = os.path.join(workdir, name)
    subprocess.run([CC, "-O2", "-march=native",
                    os.path.join(ROOT, "benchmarks", f"{name}.c"), "-o",
                    binary], check=True)
    out = subprocess.run([binary, *args], check=True, capture_output=True,
                         text=True)
    return float(out.stdout)


def measured_limits(workdir):
    """(FMA peak GFLOP/s, triad GB/s) of one thread, measured now and
    printed with the CPU's name."""
    model, _, lanes = cpu_description()
    peak = run_c(workdir, "fma_peak")
    bandwidth = run_c(workdir, "triad")
    print(f"cpu: {model}, {lanes} f32 lanes")
    print(f"FMA peak, one thread: {peak:.1f} GFLOP/s; memory bandwidth "
          f"(triad), one thread: {bandwidth:.1f} GB/s")
    return peak, bandwidth


def cpu_description():
    model, mhz = platform.processor() or "unknown", None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("cpu MHz") and mhz is None:
                    mhz = float(line.split(":", 1)[1])
                elif line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
    except OSError:
        flags = []
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    return model, mhz, lanes


# -- the workloads ------------------------------------------------------------

def visible_pairs(time, window):
    """Query-key pairs a causal (windowed) attention computes."""
    if not window or window >= time:
        return time * (time + 1) // 2
    return window * (window + 1) // 2 + (time - window) * window


def workloads(quick):
    """Yields (group, name, shape text, model text, dims per T, metric(T, B)
    -> (amount, unit), forms, times, batch)."""
    sizes = ((64, 64),) if quick else ((64, 64), (128, 128))
    times = (1, 4096) if quick else (1, 512, 4096, 16384)
    for variant, (_, delta, _) in LINEAR.items():
        for key, value in sizes:
            flops = (6 if delta else 4) * H * key * value

            def metric(t, b, flops=flops):
                return flops * t * b, "GFLOP/s"
            yield ("linear", variant, f"H={H} K={key} V={value}",
                   linear_module(variant, key, value), metric,
                   ("recurrent", "chunked"), times, 1)
    # The Mamba-2 shape (scalar gate, K = 128, V = 64).
    yield ("linear", "mamba2", f"H={H} K=128 V=64",
           linear_module("mamba2", 128, 64),
           lambda t, b: (4 * H * 128 * 64 * t * b, "GFLOP/s"),
           ("recurrent", "chunked"), (4096,), 1)
    # Decode: B = 8, T = 1, every variant; the time to read and write the
    # state once is the bound.
    for variant in LINEAR:
        for key, value in sizes:
            yield ("decode", variant, f"B=8 H={H} K={key} V={value}",
                   linear_module(variant, key, value),
                   lambda t, b, kv=key * value: (2 * 4 * b * H * kv, "GB/s"),
                   ("auto",), (1,), 8)
    yield ("selective_scan", "selective_scan", "D=1536 N=16",
           selective_module(1536, 16),
           lambda t, b: (1536 * 16 * t * b, "Gupd/s"), ("auto",), (4096,), 1)
    for window in (0, 1024):
        yield ("attention", "attention" + (f"_w{window}" if window else ""),
               f"H={H} D=64 causal" + (f" window={window}" if window else ""),
               attention_module(64, window),
               lambda t, b, w=window: (4 * H * 64 * visible_pairs(t, w) * b,
                                       "GFLOP/s"), ("auto",), (4096,), 1)
    yield ("scan", "scan", "D=3072", scan_module(3072),
           lambda t, b: (3 * 4 * 3072 * t * b, "GB/s"), ("auto",), (4096,), 1)
    yield ("conv1d", "conv1d", "C=3072 W=4", conv_module(3072, 4),
           lambda t, b: (2 * 4 * 3072 * t * b, "GB/s"), ("auto",), (4096,), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="K = V = 64 and T in {1, 4096} only")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None,
                        help="workload names to run (e.g. gla scan)")
    parser.add_argument("--out", default=None,
                        help="where results.json and crossover.png go "
                             "(default: a new temporary directory)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="recur-bench-")
    os.makedirs(out, exist_ok=True)
    work = os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)

    model, mhz, lanes = cpu_description()
    peak = run_c(work, "fma_peak")
    bandwidth = run_c(work, "triad")
    exp_model = Compiled(work, "exp", EXP_MODULE, ["--openmp=false"])
    exp_seconds = exp_model.time({}, 101) / (EXP_ROWS * EXP_COLUMNS)
    print(f"CPU: {model}, {os.cpu_count()} cores visible")
    expected = (f"; clock {mhz:.0f} MHz x {lanes} lanes x 2 FMA units x 2 "
                f"= {mhz * lanes * 4 / 1e3:.1f} GFLOP/s, measured "
                f"{100 * peak / (mhz * lanes * 4 / 1e3):.0f}% of it"
                if mhz else "")
    print(f"FP32 FMA peak, one thread: {peak:.1f} GFLOP/s{expected}")
    print(f"memory bandwidth (triad), one thread: {bandwidth:.1f} GB/s")
    print(f"vectorized exp: {exp_seconds * 1e9:.3f} ns per element")
    print()
    header = (f"{'op':16} {'shape':26} {'T':>6} {'form':9} {'thr':>3} "
              f"{'ms':>10} {'rate':>15} {'of limit':>9} {'vs ref':>7} "
              f"{'vs 1 thr':>8}")
    print(header)
    print("-" * len(header))
    rows = []
    for (group, name, shape, text, metric, forms, times,
         batch) in workloads(args.quick):
        if args.only and name not in args.only and group not in args.only:
            continue
        reference = None
        compiled = {}
        for form in forms:
            options = ([f"--linear-attention-form={form}"]
                       if group == "linear" else [])
            label = f"{name}-{shape}-{form}".replace(" ", "_").replace("=", "")
            compiled[form] = Compiled(work, label, text, options)
        for t in times:
            dims = {"B": batch, "T": t}
            if group == "linear" and t == 4096 or group not in ("linear",
                                                                "decode"):
                if reference is None:
                    label = f"{name}-{shape}-ref".replace(" ", "_")
                    reference = Compiled(work, label.replace("=", ""), text,
                                         ["--pipeline=reference"])
                ref_seconds = reference.time(dims, 1 if t > 1024 else
                                             args.reps)
            else:
                ref_seconds = None
            for form, model_ in compiled.items():
                thread_counts = (1, 2) if t >= 4096 else (1,)
                one = None
                for threads in thread_counts:
                    seconds = model_.time(dims, args.reps, threads)
                    amount, unit = metric(t, batch)
                    rate = amount / seconds / 1e9
                    if unit == "GFLOP/s":
                        limit = f"{100 * rate / peak / threads:.1f}% pk"
                    elif unit == "GB/s":
                        limit = f"{bandwidth / rate:.2f}x bw"
                    else:
                        bound = exp_seconds * amount
                        limit = f"{seconds / bound:.2f}x exp"
                    one = one or seconds
                    row = {"op": name, "group": group, "shape": shape,
                           "T": t, "B": batch, "form": form,
                           "threads": threads, "seconds": seconds,
                           "rate": rate, "unit": unit,
                           "reference_seconds": ref_seconds}
                    rows.append(row)
                    speedup = (f"{ref_seconds / seconds:6.1f}x"
                               if ref_seconds and threads == 1 else "")
                    scaling = (f"{one / seconds:7.2f}x" if threads > 1
                               else "")
                    print(f"{name:16} {shape:26} {t:6} {form:9} {threads:3} "
                          f"{seconds * 1e3:10.3f} {rate:9.2f} {unit:>5} "
                          f"{limit:>9} {speedup:>7} {scaling:>8}",
                          flush=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"cpu": model, "fma_peak_gflops": peak,
                   "triad_gbs": bandwidth, "exp_ns": exp_seconds * 1e9,
                   "rows": rows}, f, indent=1)
    print(f"\nraw results: {os.path.join(out, 'results.json')}")
    plot(rows, peak, os.path.join(out, "crossover.png"))


def plot(rows, peak, path):
    """Throughput against T of each linear-attention form (one thread)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: python3-matplotlib is not installed "
              "(scripts/bench.sh installs it)")
        return
    curves = {}
    for row in rows:
        if row["group"] == "linear" and row["threads"] == 1:
            curves.setdefault(row["op"], {}).setdefault(
                (row["shape"], row["form"]), []).append((row["T"], row["rate"]))
    ops = sorted(op for op, lines in curves.items()
                 if any(len(points) > 1 for points in lines.values()))
    if not ops:
        return
    columns = min(4, len(ops))
    grid_rows = (len(ops) + columns - 1) // columns
    figure, axes = plt.subplots(grid_rows, columns, squeeze=False,
                                figsize=(4 * columns, 3.2 * grid_rows))
    for axis, op in zip(axes.flat, ops):
        for (shape, form), points in sorted(curves[op].items()):
            if len(points) < 2:
                continue
            points.sort()
            axis.plot([p[0] for p in points], [p[1] for p in points],
                      "-" if form == "recurrent" else "--", marker="o",
                      label=f"{shape.replace('H=16 ', '')} {form}")
        axis.axhline(peak, color="black", linewidth=0.5)
        axis.set_xscale("log", base=2)
        axis.set_title(op, fontsize=9)
        axis.set_xlabel("T", fontsize=8)
        axis.set_ylabel("GFLOP/s (1 thread)", fontsize=8)
        axis.legend(fontsize=6)
    for axis in list(axes.flat)[len(ops):]:
        axis.set_visible(False)
    figure.suptitle("linear attention: token-serial (solid) vs chunked "
                    "(dashed); line: FMA peak")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
