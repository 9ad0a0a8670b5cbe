"""Times the ops on a GPU target.

    /usr/bin/python3 benchmarks/gpu.py [--target cuda|vulkan] [--quick]
        [--reps N] [--out DIR] [--static]

cuda, where a CUDA driver loads: benchmarks/gpu_device.py's table (the
GPU's measured mma.sync and copy limits, then each workload of
gpu_static.py, anchors included, timed on device buffers by CUDA events,
as % of those limits, beside the published anchors). Without a driver, or
with --static: gpu_static.py's figures (below).

vulkan (a smoke test on lavapipe, and the table this docstring describes
from here on): each workload (the ops at model sizes: linear attention of every gate kind
and the delta rule, the two scans, attention, conv1d; bf16 inputs where
models use them) is compiled with recur-compile for the GPU target and for
the CPU, called through the Python runtime (NAME_host on the GPU, which
includes the copies to and from the device, so the figures are upper
bounds of the kernels' time) and timed: the median of N calls after one
warm-up. Prints one table: op, shape, GPU ms, CPU ms (all threads), and
their ratio, and how far the two agree (the largest difference, relative
to the largest value). Linear attention is also timed in the
token-serial form (--linear-attention-form=recurrent: one thread per value
column) against the default chunked form. --quick runs small shapes (the vulkan
target on lavapipe, in CI-sized time). RECUR_COMPILE, RECUR_CC and the
RECUR_*_LDFLAGS variables of python/recur/runtime.py locate the tools.

--static (and --target cuda where no CUDA driver loads) runs nothing: it
prints benchmarks/gpu_static.py's table, ptxas's figures for each
workload's kernels, their occupancy and a roofline bound on an H100,
beside the published times of the hand-written kernels.
"""

import argparse
import ctypes
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))

import gpu_device  # noqa: E402
import gpu_static  # noqa: E402
from recur.model import Module  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.variants import add_linear_attention  # noqa: E402

DYN = (None, None)


def linear(gate_kind, delta, H, K, V, dtype):
    def build(f):
        add_linear_attention(f, H, K, V, dtype, gate_kind, delta)
    return build


def scan(D, dtype):
    def build(f):
        h, s = f.scan(f.arg("a", DYN + (D,), dtype), f.arg("b", DYN + (D,), dtype))
        f.ret(h, "h")
        f.ret(s, "h_last")
    return build


def selective(D, N, dtype):
    def build(f):
        y, s = f.selective_scan(
            f.arg("u", DYN + (D,), dtype), f.arg("delta", DYN + (D,), dtype),
            f.arg("A", (D, N)), f.arg("Bm", DYN + (1, N), dtype),
            f.arg("Cm", DYN + (1, N), dtype))
        f.ret(y, "y")
        f.ret(s, "h_last")
    return build


def attention(H, D, dtype):
    def build(f):
        shape = DYN + (H, D)
        o = f.attention(f.arg("q", shape, dtype),
                        f.arg("k", shape, dtype, dim_names=["B", "T"]),
                        f.arg("v", shape, dtype, dim_names=["B", "T"]),
                        causal=True)
        f.ret(o, "o")
    return build


def conv(C, W, dtype):
    def build(f):
        y, s = f.conv1d(f.arg("x", DYN + (C,), dtype), f.arg("w", (C, W)))
        f.ret(y, "y")
        f.ret(s, "state")
    return build


def workloads(quick):
    H, K = (2, 16) if quick else (16, 64)
    D = 64 if quick else 2048
    return [
        ("retnet", linear("head", False, H, K, K, "bf16")),
        ("mamba2", linear("scalar", False, H, K, K, "bf16")),
        ("gla", linear("key", False, H, K, K, "bf16")),
        ("gated_deltanet", linear("scalar", True, H, K, K, "bf16")),
        ("scan", scan(D, "f32")),
        ("selective_scan", selective(D if quick else 1536, 16, "f32")),
        ("attention", attention(H, K, "bf16")),
        ("conv1d", conv(D, 4, "bf16")),
    ]


# The linear attention workloads, also timed in the token-serial form.
LINEAR = ("retnet", "mamba2", "gla", "gated_deltanet")

RANGES = gpu_device.RANGES


def inputs_for(signature, dims, rng):
    values = {}
    for buffer in signature.buffers:
        if buffer.is_output:
            continue
        shape = [dims[d] if isinstance(d, str) else d for d in buffer.shape]
        low, high = RANGES.get(buffer.name, (-1, 1))
        values[buffer.name] = rng.uniform(low, high, shape)
    return values


def median_ms(model, name, values, reps):
    model.run(name, values)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        out = model.run(name, values)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), out


def cuda_driver():
    """Whether the CUDA driver library loads."""
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", default="cuda", choices=["cuda", "vulkan"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=None)
    parser.add_argument("--static", action="store_true",
                        help="ptxas's figures and roofline bounds, no run")
    args = parser.parse_args()
    if args.target == "cuda" and not args.static and not cuda_driver():
        print("no CUDA driver (libcuda.so.1) loads here: static figures")
        args.static = True
    if args.static:
        return gpu_static.run(quick=args.quick, workdir=args.out)
    if args.target == "cuda":
        return gpu_device.run(quick=args.quick, reps=max(args.reps, 5),
                              workdir=args.out)
    workdir = args.out or tempfile.mkdtemp(prefix="recur-gpu-bench-")
    B, T = (1, 64) if args.quick else (2, 2048)
    rng = np.random.default_rng(0)
    print(f"{'op':16} {'B x T':>10} {args.target + ' ms':>10} {'cpu ms':>10} "
          f"{'cpu/gpu':>8} {'max diff':>9} {'serial ms':>10} "
          f"{'serial/gpu':>10} {'its diff':>9}")
    for name, build in workloads(args.quick):
        m = Module()
        build(m.function(name))
        text = m.to_mlir()
        gpu = compile_module(text, os.path.join(workdir, name, args.target),
                             target=args.target)
        cpu = compile_module(text, os.path.join(workdir, name, "cpu"),
                             target="cpu")
        signature = gpu.signatures[name]
        values = inputs_for(signature, {"B": B, "T": T}, rng)
        gpu_ms, gpu_out = median_ms(gpu, name, values, args.reps)
        cpu_ms, cpu_out = median_ms(cpu, name, values, args.reps)
        def difference(out):
            return max(float(np.max(np.abs(out[k] - cpu_out[k])) /
                             max(1e-30, float(np.max(np.abs(cpu_out[k])))))
                       for k in cpu_out)
        serial = ""
        if name in LINEAR:
            # The same op in the token-serial form (one thread per value
            # column), in the same run.
            serial_model = compile_module(
                text, os.path.join(workdir, name, f"{args.target}-serial"),
                target=args.target,
                options=["--linear-attention-form=recurrent"])
            serial_ms, serial_out = median_ms(serial_model, name, values,
                                              args.reps)
            serial = (f"{serial_ms:10.3f} {serial_ms / gpu_ms:9.2f}x "
                      f"{difference(serial_out):9.1e}")
        print(f"{name:16} {f'{B} x {T}':>10} {gpu_ms:10.3f} {cpu_ms:10.3f} "
              f"{cpu_ms / gpu_ms:7.2f}x {difference(gpu_out):9.1e} "
              f"{serial:>31}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
