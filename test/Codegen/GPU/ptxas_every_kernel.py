# Every kernel the cuda target writes goes through ptxas for sm_80 and
# sm_90 with no spill and no stack (but in kernels that compute a sine or
# cosine: libdevice's exact sinf and cosf keep the table of their range
# reduction for large arguments in local memory; such a kernel is told by
# 2/pi, 0f3F22F983, in its PTX): every op and option (each gate kind,
# the delta rule, the bonus, both scans with one and several groups,
# attention with GQA, a window and a KV cache, conv1d with bias and SiLU;
# f32 and bf16), the same with the anchors' heads of 128 in bf16, and the
# block of every model family that
# `python3 -m recur.models` writes from the example configs. Shared memory
# (the chunked forms' tiles, dynamic) stays within recur-compile's default
# budget for each arch (half an SM's). In the modules of recur ops alone
# (no projections), every matmul becomes tensor-core MMAs: none is left
# after --recur-gpu-mma-matmuls, and the kernels issue mma.sync.
#
# REQUIRES: cuda-ptxas
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src %ptxas

import os
import re
import subprocess
import sys

from recur.model import Module
from recur.models import FAMILIES
from recur.ptxas import kernel_usage
from recur.variants import LINEAR_ATTENTION_VARIANTS, add_linear_attention

DYN = (None, None)


def every_op() -> str:
    m = Module()
    for dtype in ("f32", "bf16"):
        for gate, delta, bonus in LINEAR_ATTENTION_VARIANTS:
            name = f"la_{gate}_{'delta' if delta else 'add'}" \
                   f"{'_bonus' if bonus else ''}_{dtype}"
            add_linear_attention(m.function(name), 3, 16, 24, dtype, gate,
                                 delta, bonus)
        f = m.function(f"scan_{dtype}")
        h, s = f.scan(f.arg("a", DYN + (3, 8), dtype),
                      f.arg("b", DYN + (3, 8), dtype), reverse=True)
        f.ret(h, "h")
        f.ret(s, "h_last")
        for groups in (1, 2):
            f = m.function(f"selective_{groups}_{dtype}")
            y, s = f.selective_scan(
                f.arg("u", DYN + (12,), dtype),
                f.arg("delta", DYN + (12,), dtype), f.arg("A", (12, 6)),
                f.arg("Bm", DYN + (groups, 6), dtype),
                f.arg("Cm", DYN + (groups, 6), dtype), D=f.arg("D", (12,)),
                z=f.arg("z", DYN + (12,), dtype))
            f.ret(y, "y")
            f.ret(s, "h_last")
        f = m.function(f"attention_{dtype}")
        o = f.attention(f.arg("q", DYN + (4, 16), dtype),
                        f.arg("k", DYN + (2, 16), dtype, dim_names=["B", "S"]),
                        f.arg("v", DYN + (2, 8), dtype, dim_names=["B", "S"]),
                        causal=True, window=5)
        f.ret(o, "o")
        f = m.function(f"conv1d_{dtype}")
        y, s = f.conv1d(f.arg("x", DYN + (10,), dtype), f.arg("w", (10, 4)),
                        bias=f.arg("bias", (10,)), activation="silu")
        f.ret(y, "y")
        f.ret(s, "state")
    return m.to_mlir()


def wide_heads() -> str:
    """The anchors' head sizes, whose tiles take the large budgets: every
    linear attention variant with K = V = 128 and attention with D = 128
    and GQA, in bf16."""
    m = Module()
    for gate, delta, bonus in LINEAR_ATTENTION_VARIANTS:
        name = f"la_{gate}_{'delta' if delta else 'add'}" \
               f"{'_bonus' if bonus else ''}"
        add_linear_attention(m.function(name), 2, 128, 128, "bf16", gate,
                             delta, bonus)
    f = m.function("attention")
    o = f.attention(f.arg("q", DYN + (8, 128), "bf16"),
                    f.arg("k", DYN + (2, 128), "bf16", dim_names=["B", "S"]),
                    f.arg("v", DYN + (2, 128), "bf16", dim_names=["B", "S"]),
                    causal=True)
    f.ret(o, "o")
    return m.to_mlir()


# recur-compile's default shared memory budget of a block, by arch.
BUDGETS = {"sm_80": 82944, "sm_90": 115712}


def kernel_bodies(path: str) -> dict:
    """Each kernel's PTX, by name."""
    with open(path) as f:
        text = f.read()
    bodies = {}
    for match in re.finditer(r"\.entry (\w+)\(", text):
        end = text.find("\n}", match.end())
        bodies[match.group(1)] = text[match.end():end]
    return bodies


def check(path: str, ptxas: str, arch: str) -> int:
    try:
        usage = kernel_usage(path, arch, ptxas)
    except RuntimeError as error:
        raise SystemExit(str(error))
    bodies = kernel_bodies(path)
    for kernel in usage:
        trigonometric = "0f3F22F983" in bodies.get(kernel.name, "")
        if kernel.spill_stores or kernel.spill_loads or (
                kernel.stack_bytes and not trigonometric):
            raise SystemExit(f"{path} ({arch}): kernel {kernel.name}: "
                             f"{kernel.stack_bytes} bytes stack, "
                             f"{kernel.spill_stores} bytes spill stores, "
                             f"{kernel.spill_loads} bytes spill loads")
    shared = max(kernel.shared_bytes for kernel in usage)
    # The chunk tiles of a block stay within the GPU policy's budget,
    # recur-compile's default for the arch: half an SM's shared memory.
    if shared > BUDGETS[arch]:
        raise SystemExit(f"{path} ({arch}): {shared} bytes of shared "
                         f"memory in a kernel, over {BUDGETS[arch]}")
    return len(usage), max(kernel.registers for kernel in usage), shared


def check_all_mma(source: str, ptx: str, opt_tool: str) -> None:
    """Every matmul of module `source` (recur ops only: all of them in
    the chunked forms' blocks, with sm_90's budget) is left to no FMA loop."""
    result = subprocess.run(
        [opt_tool, source,
         f"--recur-vulkan-pipeline=shared-memory-bytes={BUDGETS['sm_90']}",
         "--mlir-print-ir-after=recur-gpu-mma-matmuls", "-o", os.devnull],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"recur-opt {source}:\n{result.stderr}")
    if "linalg.matmul" in result.stderr or "__recur_mma_" not in result.stderr:
        raise SystemExit(f"{source}: a matmul is not on tensor cores")
    with open(ptx) as f:
        if "mma.sync.aligned.m16n8k16" not in f.read():
            raise SystemExit(f"{ptx}: no mma.sync")


def main(workdir: str, src: str, ptxas: str) -> None:
    compile_tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    opt_tool = os.path.join(os.path.dirname(compile_tool), "recur-opt") \
        if os.path.dirname(compile_tool) else "recur-opt"
    models = {"ops": every_op(), "wide_heads": wide_heads()}
    configs = os.path.join(src, "examples", "configs")
    for config in sorted(os.listdir(configs)):
        family = config[:-len("-tiny.json")]
        if family not in FAMILIES:
            continue        # a whole model's config (qwen3_next)
        text = subprocess.run(
            [sys.executable, "-m", "recur.models", family, "--config",
             os.path.join(configs, config)],
            capture_output=True, text=True, check=True).stdout
        models[family] = text
    for name, text in models.items():
        source = os.path.join(workdir, f"{name}.mlir")
        with open(source, "w") as f:
            f.write(text)
        for arch in ("sm_80", "sm_90"):
            ptx = os.path.join(workdir, f"{name}.{arch}.ptx")
            result = subprocess.run(
                [compile_tool, source, "--target=cuda", f"--gpu-arch={arch}",
                 "--emit=ptx", "-o", ptx], capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"recur-compile {name} {arch}:\n"
                                 f"{result.stderr}")
            count, registers, shared = check(ptx, ptxas, arch)
            if name in ("ops", "wide_heads") and arch == "sm_90":
                check_all_mma(source, ptx, opt_tool)
            print(f"ok {name} {arch}: {count} kernels, no spill, no stack "
                  f"(but libdevice's sin/cos), at most {registers} registers "
                  f"and {shared} bytes of shared memory")


if __name__ == "__main__":
    main(*sys.argv[1:4])
