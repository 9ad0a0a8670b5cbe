"""Times the cuda target's kernels on the GPU this machine has, beside the
GPU's own measured limits and the published times of the hand-written
kernels recur is measured against (what `benchmarks/gpu.py --target cuda`
runs where a CUDA driver loads).

    /usr/bin/python3 benchmarks/gpu_device.py [--quick] [--reps N]
        [--out DIR]

First, in the same run, the two limits the kernels are held to: the
tensor cores' bf16 throughput through mma.sync m16n8k16 (the instruction
recur's chunked kernels issue; on an H100 it reaches less than the wgmma
peak NVIDIA publishes) and the device's copy bandwidth, from the
microkernels of benchmarks/peaks.ptx. Then each workload of
benchmarks/gpu_static.py (the CPU table's shapes and the anchor shapes,
bf16) is compiled for the GPU's arch, its inputs uploaded once, and its
device entry point (NAME, on device buffers, the legacy default stream,
stream-ordered temporaries) timed with CUDA events: the median of N calls
after one warm-up. Printed per workload: ms, TFLOP/s (the FLOPs of
gpu_static.py), GB/s (its inputs and outputs once), both as % of the
measured limits, and the anchor's published time over recur's.

Nothing here has run on a GPU yet (no GPU has been lent to this project):
treat its first output with care. RECUR_COMPILE, RECUR_CC,
RECUR_CUDA_LDFLAGS and RECUR_RUNTIME_INCLUDE locate the tools, as for
python/recur/runtime.py.
"""

import argparse
import ctypes
import os
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))

import gpu_static  # noqa: E402
from recur.runtime import (STORAGE, link_shared, load_interface,  # noqa: E402
                           to_storage)

PEAKS_PTX = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "peaks.ptx")
# recur_peak_mma: MMAs per warp and loop iteration, FLOPs per MMA.
MMAS_PER_ITERATION, MMA_FLOPS = 8, 2 * 16 * 8 * 16
# The arches recur-compile takes, by compute capability.
ARCHES = {(8, 0): "sm_80", (8, 6): "sm_86", (8, 9): "sm_89", (9, 0): "sm_90"}
# Input ranges by buffer name, as benchmarks/gpu.py draws them.
RANGES = {"g": (-0.3, -0.01), "beta": (0, 1), "a": (0.5, 1.0),
          "delta": (0.01, 0.1), "A": (-2, -0.1), "k": (-0.2, 0.2)}
CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75
CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76


class Device:
    """The driver calls the timing needs (CUDA events), on the context the
    recur runtime of `lib` made current on this thread."""

    def __init__(self, lib):
        self.cuda = ctypes.CDLL("libcuda.so.1")
        self.lib = lib
        for name, restype, argtypes in (
                ("recur_cuda_check_context", ctypes.c_int, []),
                ("recur_cuda_error_message", ctypes.c_char_p, []),
                ("recur_cuda_malloc", ctypes.c_void_p,
                 [ctypes.c_uint64, ctypes.c_int64]),
                ("recur_cuda_free", None, [ctypes.c_void_p, ctypes.c_int64]),
                ("recur_cuda_sync", ctypes.c_int, [ctypes.c_int64]),
                ("recur_cuda_upload", ctypes.c_int,
                 [ctypes.c_int64, ctypes.c_int64, ctypes.c_int64]),
                ("recur_cuda_launch", ctypes.c_int, [ctypes.c_int64] * 9)):
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
        self.check(lib.recur_cuda_check_context(), "recur_cuda_check_context")

    def check(self, status, what):
        if status:
            raise RuntimeError(f"{what}: status {status}: "
                               f"{self.lib.recur_cuda_error_message()}")

    def driver(self, name, *args):
        result = getattr(self.cuda, name)(*args)
        if result != 0:
            raise RuntimeError(f"{name} failed: CUresult {result}")

    def arch(self):
        device = ctypes.c_int()
        self.driver("cuCtxGetDevice", ctypes.byref(device))
        major, minor = ctypes.c_int(), ctypes.c_int()
        self.driver("cuDeviceGetAttribute", ctypes.byref(major),
                    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)
        self.driver("cuDeviceGetAttribute", ctypes.byref(minor),
                    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device)
        capability = (major.value, minor.value)
        if capability not in ARCHES:
            # Newer GPUs run sm_90 code's PTX.
            return "sm_90" if capability > (9, 0) else None
        return ARCHES[capability]

    def malloc(self, nbytes):
        pointer = self.lib.recur_cuda_malloc(nbytes, 0)
        if not pointer:
            raise RuntimeError(f"recur_cuda_malloc({nbytes}): "
                               f"{self.lib.recur_cuda_error_message()}")
        return pointer

    def time_ms(self, call, reps):
        """The median time of `call()` on the default stream, by CUDA
        events, after one warm-up."""
        start, end = ctypes.c_void_p(), ctypes.c_void_p()
        self.driver("cuEventCreate", ctypes.byref(start), 0)
        self.driver("cuEventCreate", ctypes.byref(end), 0)
        call()
        self.check(self.lib.recur_cuda_sync(0), "recur_cuda_sync")
        times = []
        for _ in range(reps):
            self.driver("cuEventRecord", start, None)
            call()
            self.driver("cuEventRecord", end, None)
            self.driver("cuEventSynchronize", end)
            elapsed = ctypes.c_float()
            self.driver("cuEventElapsedTime", ctypes.byref(elapsed), start,
                        end)
            times.append(elapsed.value)
        self.driver("cuEventDestroy_v2", start)
        self.driver("cuEventDestroy_v2", end)
        return statistics.median(times)


def measure_peaks(device, reps):
    """(mma.sync bf16 TFLOP/s, copy GB/s) of this GPU."""
    with open(PEAKS_PTX, "rb") as f:
        image = ctypes.create_string_buffer(f.read())  # NUL-terminated
    names = {name: ctypes.create_string_buffer(name.encode())
             for name in ("recur_peak_mma", "recur_peak_copy")}

    def launch(name, params, grid, block):
        record = (ctypes.c_int64 * 5)(ctypes.addressof(image),
                                      len(image.raw),
                                      ctypes.addressof(names[name]),
                                      len(params), 0)
        args = (ctypes.c_int64 * (2 * len(params)))(
            *[x for param in params for x in param])
        device.check(device.lib.recur_cuda_launch(
            ctypes.addressof(record), grid, 1, 1, block, 1, 1,
            ctypes.addressof(args), 0), name)

    blocks, threads, iterations = 1024, 256, 256
    out = device.malloc(blocks * threads * 4)
    mma_ms = device.time_ms(
        lambda: launch("recur_peak_mma", [(out, 8), (iterations, 4)], blocks,
                       threads), reps)
    flops = (blocks * threads // 32 * iterations * MMAS_PER_ITERATION *
             MMA_FLOPS)
    device.lib.recur_cuda_free(out, 0)
    vectors = (512 << 20) // 16
    src, dst = device.malloc(vectors * 16), device.malloc(vectors * 16)
    copy_ms = device.time_ms(
        lambda: launch("recur_peak_copy", [(dst, 8), (src, 8), (vectors, 8)],
                       4096, 256), reps)
    device.lib.recur_cuda_free(src, 0)
    device.lib.recur_cuda_free(dst, 0)
    return flops / (mma_ms * 1e9), 2 * vectors * 16 / (copy_ms * 1e6)


class Workload:
    """One compiled workload: its device buffers, inputs uploaded, and its
    device entry point."""

    def __init__(self, device, name, build, workdir, arch):
        function, _ = gpu_static.compile_workload(name, build, workdir, arch)
        self.nbytes = gpu_static.moved_bytes(function)
        shared = os.path.join(workdir, "model.so")
        link_shared(os.path.join(workdir, "model.o"), shared, target="cuda")
        lib = ctypes.CDLL(shared)
        signature = load_interface(os.path.join(workdir, "model.json"))[name]
        if signature.dims:
            raise RuntimeError(f"{name}: the benchmark's shapes are static")
        rng = np.random.default_rng(0)
        self.device, self.pointers = device, []
        for buffer in signature.buffers:
            nbytes = int(np.prod(buffer.shape)) * \
                np.dtype(STORAGE[buffer.dtype]).itemsize
            pointer = device.malloc(max(nbytes, 1))
            if not buffer.is_output:
                low, high = RANGES.get(buffer.name, (-1, 1))
                host = to_storage(rng.uniform(low, high, buffer.shape),
                                  buffer.dtype)
                device.check(device.lib.recur_cuda_upload(
                    pointer, host.ctypes.data, nbytes), "recur_cuda_upload")
            self.pointers.append(pointer)
        self.entry = getattr(lib, name)
        self.entry.restype = ctypes.c_int
        self.entry.argtypes = ([ctypes.c_void_p] * len(self.pointers) +
                               [ctypes.c_int64, ctypes.c_void_p])
        self.name = name

    def call(self):
        self.device.check(self.entry(*self.pointers, 0, None), self.name)

    def free(self):
        for pointer in self.pointers:
            self.device.lib.recur_cuda_free(pointer, 0)


def run(quick=False, reps=20, workdir=None):
    workdir = workdir or tempfile.mkdtemp(prefix="recur-gpu-device-")
    # Any compiled model carries the runtime: the first workload's.
    rows = gpu_static.workloads(quick)
    name, _, (build, _), _ = rows[0]
    probe = os.path.join(workdir, "probe")
    gpu_static.compile_workload(name, build, probe, "sm_80")
    link_shared(os.path.join(probe, "model.o"),
                os.path.join(probe, "model.so"), target="cuda")
    device = Device(ctypes.CDLL(os.path.join(probe, "model.so")))
    arch = device.arch()
    if arch is None:
        raise SystemExit("this GPU is older than sm_80, which the cuda "
                         "target needs")
    tflops, gbs = measure_peaks(device, reps)
    print(f"cuda target, {arch}, measured here: mma.sync bf16 "
          f"{tflops:.1f} TFLOP/s, device copy {gbs:.0f} GB/s; median of "
          f"{reps} calls by CUDA events")
    print(f"{'op':15} {'shape':26} {'ms':>9} {'TFLOP/s':>8} {'GB/s':>7} "
          f"{'%mma':>5} {'%copy':>5}   anchor ms (published)  anchor/recur")
    for index, (name, shape, (build, flops), anchor) in enumerate(rows):
        workload = Workload(device, name, build,
                            os.path.join(workdir, f"{index:02d}-{name}"), arch)
        ms = device.time_ms(workload.call, reps)
        workload.free()
        achieved_tflops = flops / (ms * 1e9)
        achieved_gbs = workload.nbytes / (ms * 1e6)
        print(f"{name:15} {shape:26} {ms:9.4f} {achieved_tflops:8.2f} "
              f"{achieved_gbs:7.0f} {achieved_tflops / tflops:5.0%} "
              f"{achieved_gbs / gbs:5.0%}   {anchor:22} "
              f"{gpu_static.anchor_ratio(anchor, ms):>12}", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    return run(args.quick, args.reps, args.out)


if __name__ == "__main__":
    sys.exit(main())
