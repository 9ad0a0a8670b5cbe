"""The README's main job: compile examples/gla_mixer.mlir with recur-compile,
link it into examples/gla_mixer_main.c, run it, and check what it computed
against the NumPy float64 reference.

    /usr/bin/python3 examples/run_gla_mixer.py <build dir> [B T repetitions]
"""

import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from recur import reference  # noqa: E402
from recur.runner import LINK_LIBS  # noqa: E402
from recur.testing import check  # noqa: E402

C, H, K, V = 128, 4, 32, 32


def run(command):
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def expected(inputs, batch, time):
    """The mixer in float64: projections, gate, recurrence, projection."""
    tokens = inputs["x"].reshape(batch * time, C)
    q, k, v, z = (tokens @ inputs[w] for w in ("w_q", "w_k", "w_v", "w_g"))
    g = -np.log1p(np.exp(-z)) / 16.0  # log-sigmoid / 16
    heads = lambda a: a.reshape(batch, time, H, K)  # noqa: E731
    o, h_last = reference.linear_attention(
        heads(q), heads(k), heads(v), g=heads(g), gate_kind="key",
        h0=inputs["h0"])
    y = o.reshape(batch * time, H * V) @ inputs["w_o"]
    return y.reshape(batch, time, C), h_last


def main():
    build = os.path.abspath(sys.argv[1])
    if len(sys.argv) not in (2, 5):
        sys.exit("usage: run_gla_mixer.py <build dir> [B T repetitions]")
    batch, time, repetitions = (int(a) for a in (sys.argv[2:5] or (2, 256, 10)))
    work = os.path.join(build, "example")
    os.makedirs(work, exist_ok=True)
    obj, program = (os.path.join(work, n) for n in ("gla_mixer.o", "gla_mixer"))

    run([os.path.join(build, "bin", "recur-compile"),
         os.path.join(HERE, "gla_mixer.mlir"), "--target=cpu", "-o", obj])
    cc = os.environ.get("CC", "/usr/lib/llvm-22/bin/clang")
    run([cc, "-O2", "-I", work, os.path.join(HERE, "gla_mixer_main.c"), obj,
         *LINK_LIBS, "-o", program])
    run([program, work, str(batch), str(time), str(repetitions)])

    def load(name, shape):
        path = os.path.join(work, f"{name}.bin")
        return np.fromfile(path, dtype=np.float32).astype(np.float64).reshape(shape)

    inputs = {"x": load("x", (batch, time, C)), "h0": load("h0", (batch, H, K, V))}
    for w in ("w_q", "w_k", "w_v", "w_g", "w_o"):
        inputs[w] = load(w, (C, C))
    y, h_last = expected(inputs, batch, time)
    check("gla_mixer.y", load("y", (batch, time, C)), y, "f32")
    check("gla_mixer.h_last", load("h_last", (batch, H, K, V)), h_last, "f32")
    print("result: matches the NumPy float64 reference")


if __name__ == "__main__":
    main()
