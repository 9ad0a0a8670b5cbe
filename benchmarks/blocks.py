"""Cost per token of every model family's compiled block, at its example
config (examples/configs/FAMILY-tiny.json), of the 2-layer stacks of the
README's main job, and of the hybrid stacks (all the example's layers).

    /usr/bin/python3 benchmarks/blocks.py [--batch B] [--time T]
        [--reps N] [--only FAMILY ...]

For each family: writes the block (python3 -m recur.models' builder),
compiles it with recur-compile, links benchmarks/blocks.c (a harness
generic over the header's function tables), and times on one thread
(OMP_NUM_THREADS=1) the prefill function on B x T tokens and the step
function on B x 1 after T tokens (medians), from zero states with small
random weights. Prints microseconds per token, and the rate of the
projections alone (2 FLOPs per weight of every matrix, per token; the
recurrence, norms and activations not counted) as a share of the FMA peak
measured in the same run (benchmarks/fma_peak.c). Run scripts/build.sh
first (scripts/bench.sh builds); RECUR_COMPILE and RECUR_CC override the
tools.
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, HERE)

from cpu import CC, TOOL, cpu_description, run_c  # noqa: E402
from recur.models import FAMILIES, builder, load_config  # noqa: E402
from recur.runtime import LINK_LIBS  # noqa: E402

ROOT = os.path.join(HERE, "..")
STACK_LAYERS = 2


def projection_flops(shapes) -> int:
    """2 FLOPs per weight of every matrix (rank 2: [out, in]) a token
    passes through."""
    total = 0
    for shape in shapes.values():
        if len(shape) == 2:
            total += 2 * shape[0] * shape[1]
    return total


def build_harness(work, name, text, prefill, step):
    """Compiles module `text` and links benchmarks/blocks.c over its
    functions `prefill` and `step`; returns the binary."""
    directory = os.path.join(work, name)
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, "block.mlir")
    with open(source, "w") as f:
        f.write(text)
    obj = os.path.join(directory, "block.o")
    subprocess.run([TOOL, source, "--target=cpu", "-o", obj], check=True)
    binary = os.path.join(directory, "blocks")
    subprocess.run([CC, "-std=c11", "-O2", "-I", directory,
                    '-DHEADER="block.h"', f"-DPREFILL={prefill}_info",
                    f"-DSTEP={step}_info", os.path.join(HERE, "blocks.c"),
                    obj, *LINK_LIBS, "-o", binary], check=True)
    return binary


def run_harness(binary, batch, time, steps, reps, threads=1):
    """(prefill us per token, decode us per step) of a build_harness
    binary on `threads` threads."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([binary, str(batch), str(time), str(steps),
                          str(reps)], check=True, capture_output=True,
                         text=True, env=env)
    prefill, step = (float(v) for v in out.stdout.split())
    return prefill, step


def measure(work, name, text, batch, time, reps):
    """(prefill us per token, decode us per step) of module `text`, whose
    functions are NAME and NAME_step."""
    binary = build_harness(work, name, text, name,
                           f"{name}{builder.STEP_SUFFIX}")
    return run_harness(binary, batch, time, 10 * reps + 1, reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--time", type=int, default=256)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="recur-blocks-")
    model, _, _ = cpu_description()
    peak = run_c(work, "fma_peak")
    print(f"CPU: {model}; FP32 FMA peak, one thread: {peak:.1f} GFLOP/s")
    print(f"B = {args.batch}, prefill T = {args.time}, decode: one token "
          f"per sequence after T; one thread")
    header = (f"{'block':36} {'d':>4} {'proj MFLOP/tok':>14} "
              f"{'prefill us/tok':>14} {'% peak':>7} {'decode us/step':>14} "
              f"{'% peak':>7}")
    print(header)
    print("-" * len(header))
    for family_name, family in sorted(FAMILIES.items()):
        if args.only and family_name not in args.only:
            continue
        path = os.path.join(ROOT, "examples", "configs",
                            f"{family_name}-tiny.json")
        if not os.path.exists(path):
            continue
        c = load_config(family_name, path)
        if hasattr(family, "layers"):
            # A hybrid stack: all the layers of the example's pattern.
            layers = family.layers(c)
            name = f"{family_name}_stack"
            cases = [(name, f"{len(layers)}-layer stack",
                      builder.build_layers(layers, name),
                      builder.layers_weight_shapes(layers))]
        else:
            cases = [(f"{family_name}_mixer", "block",
                      builder.build_block(family, c, f"{family_name}_mixer"),
                      family.weight_shapes(c))]
        if family_name in ("mamba2", "gated_deltanet"):
            name = f"{family_name}_stack"
            cases.append((name, f"{STACK_LAYERS}-layer stack",
                          builder.build_stack(family, c, STACK_LAYERS, name),
                          builder.stack_weight_shapes(family, c,
                                                      STACK_LAYERS)))
        for name, label, text, shapes in cases:
            flops = projection_flops(shapes)
            prefill, step = measure(work, name, text, args.batch, args.time,
                                    args.reps)
            prefill_share = 100 * flops / (prefill * 1e3) / peak
            step_share = 100 * flops * args.batch / (step * 1e3) / peak
            print(f"{family_name + ' ' + label:36} {c.hidden_size:4} "
                  f"{flops / 1e6:14.3f} {prefill:14.2f} {prefill_share:6.1f}% "
                  f"{step:14.2f} {step_share:6.1f}%", flush=True)


if __name__ == "__main__":
    main()
