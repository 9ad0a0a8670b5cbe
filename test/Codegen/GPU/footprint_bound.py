# The GPU policy's shared-memory footprints are upper bounds: every
# variant of linear attention (each gate kind, the bonus, the delta rule
# with and without a gate) and GQA attention (up to 32 query heads a
# key/value head), in f32 and bf16, with head
# sizes that make the policy shrink the chunk and the value block, compiles
# for the vulkan target without --recur-gpu-flatten-buffers finding a
# block over the budget (an underestimate there is a compile error, not a
# wrong kernel, but it turns a model the policy said fits into one that
# does not compile).
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t

import os
import subprocess
import sys

from recur.model import Module
from recur.variants import LINEAR_ATTENTION_VARIANTS, add_linear_attention

DYN = (None, None)


def linear(dtype, gate, delta, bonus, K, V) -> Module:
    m = Module()
    add_linear_attention(m.function("la"), 2, K, V, dtype, gate, delta, bonus)
    return m


def attention(dtype, D, G) -> Module:
    m = Module()
    f = m.function("att")
    kv = DYN + (2, D)
    o = f.attention(f.arg("q", DYN + (2 * G, D), dtype),
                    f.arg("k", kv, dtype, dim_names=["B", "S"]),
                    f.arg("v", kv, dtype, dim_names=["B", "S"]), causal=True)
    f.ret(o, "o")
    return m


def main(workdir: str) -> None:
    models = {}
    for dtype in ("f32", "bf16"):
        for gate, delta, bonus in LINEAR_ATTENTION_VARIANTS:
            for K in (96, 128):
                name = f"la_{dtype}_{gate}{'_delta' if delta else ''}" \
                       f"{'_bonus' if bonus else ''}_K{K}"
                models[name] = linear(dtype, gate, delta, bonus, K, 64)
        # G = 32: query tiles of one position hold more rows than a chunk.
        for D, G in ((64, 1), (128, 8), (32, 32)):
            models[f"att_{dtype}_D{D}_G{G}"] = attention(dtype, D, G)
    tool = os.environ.get("RECUR_COMPILE", "recur-compile")
    for name, model in models.items():
        source = os.path.join(workdir, f"{name}.mlir")
        with open(source, "w") as f:
            f.write(model.to_mlir())
        result = subprocess.run(
            [tool, source, "--target=vulkan", "--emit=mlir", "-o",
             os.path.join(workdir, f"{name}.out.mlir")],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{name}: {result.stderr}")
    print(f"ok {len(models)} models within the shared-memory budget")


if __name__ == "__main__":
    main(sys.argv[1])
