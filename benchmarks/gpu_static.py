"""The cuda target's kernels without a GPU: what ptxas reports for each
workload's kernels, the occupancy that allows on an H100, and a roofline
bound, beside the published times of the hand-written kernels recur is
measured against.

    /usr/bin/python3 benchmarks/gpu_static.py [--arch sm_90] [--quick]
        [--out DIR]

(also `benchmarks/gpu.py --static`, and what `benchmarks/gpu.py --target
cuda` falls back to where no CUDA driver loads). Per workload: the number
of kernels; for its heaviest kernel (most registers) its registers,
shared memory and spill bytes and the H100 occupancy (resident threads per
SM over 2048, blocks of 128 threads); the FLOPs of the op's chunked form
and the bytes it must move (inputs and outputs once); the roofline bound,
max(FLOPs / 989 TFLOP/s, bytes / 3.35 TB/s), the H100 SXM's published
dense bf16 tensor-core and HBM3 peaks; and the anchor: the hand-written
kernel's published time on an H100 and its ratio to the bound. Nothing is
executed, so there is no recur time: these figures show what limits the
kernels (spills, occupancy, shared memory), not how fast they are.

FLOPs of chunked linear attention, per token and head, with chunk C = 64:
2C(K + V) + 4KV (the intra-chunk scores and their product with V, the
queries against the state and the state update), and 4C(K + V) + 6KV with
the delta rule (its WY transforms and the correction against the state);
causal attention: 2 T D per query and head (half of the 4 T D of
Q K^T and P V), 4 S D for a decode step against S cached keys; the scans
and conv1d: a few per element (memory-bound).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))

from recur.model import Module  # noqa: E402
from recur.ptxas import H100, kernel_usage, occupancy  # noqa: E402
from recur.variants import add_linear_attention  # noqa: E402

DTYPE_BYTES = {"f32": 4, "f16": 2, "bf16": 2, "i32": 4, "i64": 8}
CHUNK = 64


def linear(gate_kind, delta, B, T, H, K, V):
    def build(f):
        add_linear_attention(f, H, K, V, "bf16", gate_kind, delta,
                             batch_time=(B, T))
    per_token = (4 * CHUNK * (K + V) + 6 * K * V if delta
                 else 2 * CHUNK * (K + V) + 4 * K * V)
    if T == 1:  # a decode step reads and updates the state
        per_token = (6 if delta else 4) * K * V
    return build, B * T * H * per_token


def attention(B, T, H, D):
    def build(f):
        shape = (B, T, H, D)
        o = f.attention(f.arg("q", shape, "bf16"), f.arg("k", shape, "bf16"),
                        f.arg("v", shape, "bf16"), causal=True)
        f.ret(o, "o")
    return build, 2 * B * H * T * T * D


def attention_decode(B, S, H, D):
    """One query position of B sequences against a KV cache of S keys."""
    def build(f):
        o = f.attention(f.arg("q", (B, 1, H, D), "bf16"),
                        f.arg("k", (B, S, H, D), "bf16"),
                        f.arg("v", (B, S, H, D), "bf16"), causal=True)
        f.ret(o, "o")
    return build, 4 * B * H * S * D


def selective(B, T, D, N):
    def build(f):
        y, s = f.selective_scan(
            f.arg("u", (B, T, D), "bf16"), f.arg("delta", (B, T, D), "bf16"),
            f.arg("A", (D, N)), f.arg("Bm", (B, T, 1, N), "bf16"),
            f.arg("Cm", (B, T, 1, N), "bf16"))
        f.ret(y, "y")
        f.ret(s, "h_last")
    return build, 9 * B * T * D * N


def scan(B, T, D):
    def build(f):
        h, s = f.scan(f.arg("a", (B, T, D), "bf16"),
                      f.arg("b", (B, T, D), "bf16"))
        f.ret(h, "h")
        f.ret(s, "h_last")
    return build, 2 * B * T * D


def conv(B, T, C, W):
    def build(f):
        y, s = f.conv1d(f.arg("x", (B, T, C), "bf16"), f.arg("w", (C, W)))
        f.ret(y, "y")
        f.ret(s, "state")
    return build, 2 * B * T * C * W


def workloads(quick):
    """(name, shape, (build, flops), anchor): the CPU table's shapes and the
    anchor shapes of the hand-written kernels (times in ms on an H100,
    bf16, forward, as published)."""
    T = 256 if quick else 4096
    rows = [
        (name, f"B=1 T={T} H=16 K=V=64", linear(gate, delta, 1, T, 16, 64, 64),
         "")
        for name, gate, delta in (("retnet", "head", False),
                                  ("mamba2", "scalar", False),
                                  ("gla", "key", False),
                                  ("deltanet", "none", True),
                                  ("gated_deltanet", "scalar", True))]
    rows += [
        ("attention", f"B=1 T={T} H=16 D=64", attention(1, T, 16, 64), ""),
        ("selective_scan", f"B=1 T={T} D=1536 N=16",
         selective(1, T, 1536, 16), ""),
        ("scan", f"B=1 T={T} D=3072", scan(1, T, 3072), ""),
        ("conv1d", f"B=1 T={T} C=3072 W=4", conv(1, T, 3072, 4), ""),
    ]
    if quick:
        return rows
    return rows + [
        ("gated_deltanet", "B=8 T=8192 H=16 K=V=128",
         linear("scalar", True, 8, 8192, 16, 128, 128),
         "FlashInfer 0.380, fla 2.18"),
        ("gated_deltanet", "B=1 T=8192 H=32 K=V=128",
         linear("scalar", True, 1, 8192, 32, 128, 128),
         "FlashInfer 0.272, fla 0.552"),
        ("retnet", "B=1 T=8192 H=96 K=V=128",
         linear("head", False, 1, 8192, 96, 128, 128), "fla 0.96"),
        ("linear", "B=1 T=8192 H=96 K=V=128",
         linear("none", False, 1, 8192, 96, 128, 128), "fla 0.73"),
        ("gla", "B=1 T=8192 H=96 K=V=128",
         linear("key", False, 1, 8192, 96, 128, 128), "fla (2-3x its GDN)"),
        ("mamba2", "B=1 T=8192 H=80 K=128 V=64",
         linear("scalar", False, 1, 8192, 80, 128, 64), ""),
        ("selective_scan", "B=1 T=4096 D=2048 N=16",
         selective(1, 4096, 2048, 16), "mamba-ssm"),
        ("attention", "B=1 T=4096 H=16 D=128", attention(1, 4096, 16, 128),
         "FlashAttention-2"),
    ] + [
        ("gdn_decode", f"B={B} T=1 H=16 K=V=128",
         linear("scalar", True, B, 1, 16, 128, 128),
         "cuLA/tilus 0.006-0.015" if B == 1 else "")
        for B in (1, 16, 64)] + [
        ("attn_decode", f"B={B} S=4096 H=16 D=128",
         attention_decode(B, 4096, 16, 128),
         "FlashAttention-2 (split-KV)" if B == 1 else "")
        for B in (1, 16, 64)]


def compile_workload(name, build, workdir, arch):
    """The interface (buffers) and the PTX of workload `name`."""
    os.makedirs(workdir, exist_ok=True)
    m = Module()
    build(m.function(name))
    source = os.path.join(workdir, "model.mlir")
    with open(source, "w") as f:
        f.write(m.to_mlir())
    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    for emit, output in (("obj", "model.o"), ("ptx", "model.ptx")):
        result = subprocess.run(
            [tool, source, "--target=cuda", f"--gpu-arch={arch}",
             f"--emit={emit}", "-o", os.path.join(workdir, output)],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"recur-compile {name}:\n{result.stderr}")
    with open(os.path.join(workdir, "model.json")) as f:
        interface = json.load(f)
    return interface["functions"][0], os.path.join(workdir, "model.ptx")


def moved_bytes(function):
    total = 0
    for buffer in function["buffers"]:
        count = 1
        for size in buffer["shape"]:
            count *= size
        total += count * DTYPE_BYTES[buffer["dtype"]]
    return total


def anchor_ms(anchor):
    """The first published time in `anchor` ("name ms, ..." or
    "name low-high", written with a decimal point), or None."""
    for word in anchor.replace(",", " ").split():
        first = word.split("-")[0]
        if "." not in first:
            continue
        try:
            return float(first)
        except ValueError:
            continue
    return None


def anchor_ratio(anchor, ms):
    """The anchor's published time over `ms`, as a ratio, or ''."""
    value = anchor_ms(anchor)
    return "" if value is None else f"{value / ms:6.1f}x"


def run(arch="sm_90", quick=False, workdir=None):
    workdir = workdir or tempfile.mkdtemp(prefix="recur-gpu-static-")
    cuda = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    ptxas = os.path.join(cuda, "bin", "ptxas")
    print(f"cuda target, {arch}, static figures (nothing runs): ptxas's "
          f"heaviest kernel per workload; occupancy on an {H100.name} with "
          f"blocks of 128 threads; roofline bound over "
          f"{H100.bf16_tflops:.0f} TFLOP/s and {H100.hbm_gbs / 1000:.2f} TB/s")
    print(f"{'op':15} {'shape':26} {'kern':>4} {'regs':>4} {'smem':>6} "
          f"{'spill':>5} {'occ':>5} {'GFLOP':>8} {'MB':>8} {'bound ms':>9} "
          f"  anchor ms (published)  anchor/bound")
    for index, (name, shape, (build, flops), anchor) in enumerate(
            workloads(quick)):
        function, ptx = compile_workload(
            name, build, os.path.join(workdir, f"{index:02d}-{name}"), arch)
        usage = kernel_usage(ptx, arch, ptxas)
        heaviest = max(usage, key=lambda k: (k.registers, k.shared_bytes))
        spills = sum(k.spill_stores + k.spill_loads for k in usage)
        nbytes = moved_bytes(function)
        bound_ms = max(flops / (H100.bf16_tflops * 1e12),
                       nbytes / (H100.hbm_gbs * 1e9)) * 1e3
        print(f"{name:15} {shape:26} {len(usage):4d} {heaviest.registers:4d} "
              f"{heaviest.shared_bytes:6d} {spills:5d} "
              f"{occupancy(heaviest, 128):5.0%} {flops / 1e9:8.2f} "
              f"{nbytes / 1e6:8.1f} {bound_ms:9.4f}   {anchor:22} "
              f"{anchor_ratio(anchor, bound_ms):>12}", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    return run(args.arch, args.quick, args.out)


if __name__ == "__main__":
    sys.exit(main())
