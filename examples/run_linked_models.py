"""The README's main job: two real-model stacks, compiled and linked into a
C program that loads their checkpoints, prefills and decodes.

    /usr/bin/python3 examples/run_linked_models.py <build dir> \
        [B T steps repetitions]

For Mamba-2 and Gated DeltaNet (Qwen3-Next), from the example configs in
examples/configs/:
1. `python3 -m recur.models FAMILY --config ... --layers 2` writes the
   2-layer stack's description (a prefill function and a step function);
2. recur-compile compiles it (object, header with the function tables,
   interface file);
3. small random weights are written to FAMILY/weights.safetensors under
   the checkpoint's tensor names, and the inputs, with the float64 NumPy
   reference's outputs and final states (recur.models.builder's
   stack_reference, from zero states), to FAMILY/check.safetensors;
4. examples/linked_models.c is compiled and linked with both objects and
   the runtime library (build/runtime/libRecurRuntime.a), and run: it
   prints the time per token of the prefill and of the decode steps, and
   checks every output and final state against the reference (exit
   status 1 on a mismatch).

CC picks the C compiler (default: Debian's clang 22); RECUR_RUNTIME_LDFLAGS
adds link flags (the sanitizer build's runtime library needs
-fsanitize=address,undefined).
"""

import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from recur import safetensors  # noqa: E402
from recur.models import FAMILIES, builder, load_config  # noqa: E402
from recur.runner import LINK_LIBS  # noqa: E402
from recur.testing import Inputs  # noqa: E402

LAYERS = 2
CONFIGS = {"mamba2": "mamba2-tiny.json",
           "gated_deltanet": "gated_deltanet-tiny.json"}


def run(command, **kwargs):
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def prepare(family_name, build, work, batch, total, rand):
    """Description, object and data files of one family's stack."""
    family = FAMILIES[family_name]
    config_path = os.path.join(HERE, "configs", CONFIGS[family_name])
    c = load_config(family_name, config_path)
    directory = os.path.join(work, family_name)
    os.makedirs(directory, exist_ok=True)
    name = f"{family_name}_stack"
    source = os.path.join(directory, f"{name}.mlir")
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..", "python"))
    run([sys.executable, "-m", "recur.models", family_name, "--config",
         config_path, "--layers", str(LAYERS), "-o", source],
        env=env, stderr=subprocess.DEVNULL)
    obj = os.path.join(directory, f"{name}.o")
    run([os.path.join(build, "bin", "recur-compile"), source, "--target=cpu",
         "-o", obj])

    weights = builder.random_stack_weights(family, c, LAYERS, rand)
    safetensors.save(os.path.join(directory, "weights.safetensors"),
                     {k: v.astype(np.float32) for k, v in weights.items()})
    x = rand.normal((batch, total, c.hidden_size))
    states = {state: np.zeros((batch,) + shape)
              for state, shape in builder.stack_state_shapes(
                  family, c, LAYERS).items()}
    out, final = builder.stack_reference(family, c, LAYERS, weights, x,
                                         states)
    check = {"hidden_states": x, "out": out, **final}
    safetensors.save(os.path.join(directory, "check.safetensors"),
                     {k: v.astype(np.float32) for k, v in check.items()})
    return obj, directory


def main():
    if len(sys.argv) not in (2, 6):
        sys.exit("usage: run_linked_models.py <build dir> "
                 "[B T steps repetitions]")
    build = os.path.abspath(sys.argv[1])
    batch, time, steps, repetitions = (
        int(a) for a in (sys.argv[2:6] or (1, 256, 32, 5)))
    work = os.path.join(build, "example")
    os.makedirs(work, exist_ok=True)
    rand = Inputs(seed=8)
    objects, includes = [], []
    for family_name in CONFIGS:
        obj, directory = prepare(family_name, build, work, batch,
                                 time + steps, rand)
        objects.append(obj)
        includes += ["-I", directory]
    program = os.path.join(work, "linked_models")
    cc = os.environ.get("CC", "/usr/lib/llvm-22/bin/clang")
    run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", *includes,
         "-I", os.path.join(HERE, "..", "runtime", "include"),
         os.path.join(HERE, "linked_models.c"), *objects,
         os.path.join(build, "runtime", "libRecurRuntime.a"), *LINK_LIBS,
         *os.environ.get("RECUR_RUNTIME_LDFLAGS", "").split(), "-o",
         program])
    result = subprocess.run([program, work, str(batch), str(time),
                             str(steps), str(repetitions)])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
