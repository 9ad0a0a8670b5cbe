"""What ptxas reports for each kernel of a PTX file, and the occupancy that
allows on a GPU.

    usage = kernel_usage("model.ptx", "sm_90", ptxas="/usr/local/cuda/bin/ptxas")
    occupancy(usage[0], threads_per_block=128, gpu=H100)
"""

import os
import re
import subprocess
from dataclasses import dataclass
from typing import List


@dataclass
class KernelUsage:
    name: str
    registers: int
    shared_bytes: int       # static and dynamic shared memory of a block
    stack_bytes: int
    spill_stores: int
    spill_loads: int


@dataclass
class GPULimits:
    """The per-SM limits occupancy is computed from."""
    name: str
    registers: int          # 32-bit registers per SM
    shared_bytes: int       # shared memory per SM a kernel may take
    threads: int            # resident threads per SM
    blocks: int             # resident blocks per SM
    block_reserved_shared: int  # shared memory the driver keeps per block
    sms: int
    bf16_tflops: float      # dense bf16 tensor-core peak, published
    hbm_gbs: float          # memory bandwidth, published


# NVIDIA H100 SXM5 (sm_90): 132 SMs, 228 KiB of shared memory per SM,
# 989 TFLOP/s dense bf16, 3.35 TB/s HBM3.
H100 = GPULimits("H100 SXM", 65536, 228 * 1024, 2048, 32, 1024, 132,
                 989.4, 3350.0)


def kernel_usage(ptx_path: str, arch: str, ptxas: str = "ptxas") -> List[KernelUsage]:
    """Runs `ptxas -v` for `arch` on `ptx_path`; one entry per kernel.
    Raises RuntimeError when ptxas fails or reports a kernel incompletely."""
    result = subprocess.run([ptxas, f"-arch={arch}", "-v", ptx_path, "-o",
                             os.devnull], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ptxas {arch} {ptx_path}:\n{result.stderr}")
    # recur-compile --emit=ptx says which kernels take dynamic shared
    # memory, which ptxas does not see.
    with open(ptx_path) as ptx:
        dynamic = {match.group(1): int(match.group(2)) for match in re.finditer(
            r"^// recur: (\S+) takes (\d+) bytes of dynamic shared memory$",
            ptx.read(), re.MULTILINE)}
    kernels = []
    sections = re.split(r"Compiling entry function '([^']+)'", result.stderr)
    for name, report in zip(sections[1::2], sections[2::2]):
        frame = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill "
                          r"stores, (\d+) bytes spill loads", report)
        registers = re.search(r"Used (\d+) registers", report)
        if not frame or not registers:
            raise RuntimeError(f"ptxas {arch} {ptx_path}: no report for "
                               f"{name}:\n{report}")
        shared = re.search(r"(\d+) bytes smem", report)
        kernels.append(KernelUsage(
            name, int(registers.group(1)),
            (int(shared.group(1)) if shared else 0) + dynamic.get(name, 0),
            int(frame.group(1)), int(frame.group(2)), int(frame.group(3))))
    if not kernels:
        raise RuntimeError(f"ptxas {arch} {ptx_path}: no kernel:\n"
                           f"{result.stderr}")
    return kernels


def blocks_per_sm(usage: KernelUsage, threads_per_block: int,
                  gpu: GPULimits = H100) -> int:
    """Resident blocks of `threads_per_block` threads per SM, by registers
    (allocated per warp in units of 256), shared memory and threads."""
    warps = -(-threads_per_block // 32)
    per_warp = -(-max(usage.registers, 1) * 32 // 256) * 256
    by_registers = gpu.registers // (per_warp * warps)
    by_shared = (gpu.shared_bytes //
                 (usage.shared_bytes + gpu.block_reserved_shared))
    by_threads = gpu.threads // (warps * 32)
    return max(0, min(by_registers, by_shared, by_threads, gpu.blocks))


def occupancy(usage: KernelUsage, threads_per_block: int,
              gpu: GPULimits = H100) -> float:
    """The fraction of an SM's threads that resident blocks fill."""
    return (blocks_per_sm(usage, threads_per_block, gpu) *
            threads_per_block / gpu.threads)
