# The block pieces (python/recur/model.py's map, sum, linear, slice_last,
# split_heads, merge_heads, and python/recur/pieces.py) compiled and run
# against their float64 NumPy references: activations (SiLU, softplus,
# sigmoid, log-sigmoid, tanh-GeLU) with a broadcast bias, RMSNorm, the
# gated RMSNorms (SiLU after or before the norm, sigmoid), group norm,
# LayerNorm, L2 normalization, a projection, per-head and plain matmuls,
# slicing into heads, the token shift with its state, RoPE, and
# concatenation along time with an empty and a non-empty first part; f32
# and bf16. Every emitted module also round-trips through recur-opt
# --verify-roundtrip.
#
# RUN: rm -rf %t && %python %s %t

import os
import subprocess
import sys

import numpy as np

from recur import expr, pieces, reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check

D, OUT, EPS = 24, 20, 1e-5
ACTIVATIONS = {
    "silu": (expr.silu, reference.silu),
    "softplus": (expr.softplus, reference.softplus),
    "sigmoid": (expr.sigmoid, reference.sigmoid),
    "log_sigmoid": (expr.log_sigmoid, reference.log_sigmoid),
    "gelu_tanh": (expr.gelu_tanh, reference.gelu_tanh),
}


def build(dtype):
    m = Module()
    f = m.function("activations")
    x = f.arg("x", (None, None, D), dtype)
    bias = f.arg("bias", (D,))
    for name, (fn, _) in ACTIVATIONS.items():
        f.ret(f.map(lambda a, b, fn=fn: fn(a + b), x, bias), name)

    f = m.function("norms")
    x = f.arg("x", (None, None, D), dtype)
    z = f.arg("z", (None, None, D), dtype)
    w = f.arg("w", (D,))
    f.ret(pieces.rms_norm(f, x, w, EPS), "rms")
    f.ret(pieces.gated_rms_norm(f, x, z, w, EPS, norm_before_gate=False),
          "gated_after")
    f.ret(pieces.gated_rms_norm(f, x, z, w, EPS, norm_before_gate=True),
          "gated_before")
    f.ret(pieces.sigmoid_gated_rms_norm(f, x, z, w, EPS), "gated_sigmoid")
    bias = f.arg("bias", (D,))
    f.ret(pieces.group_norm(f, x, 3, w, bias, EPS), "group")
    f.ret(pieces.layer_norm(f, x, w, bias, EPS), "layer")
    f.ret(pieces.l2_normalize(f, x), "l2")

    f = m.function("sequence")
    x = f.arg("x", (None, None, D), dtype)
    state = f.arg("state", (None, D), dtype)
    positions = f.arg("positions", (None, None))
    cache = f.arg("cache", (None, None, 4, 6), dtype, dim_names=["B", "S"])
    shifted, last = pieces.token_shift(f, x, state)
    f.ret(shifted, "shifted")
    f.ret(last, "last")
    heads = f.split_heads(x, 4)                           # [B, T, 4, 6]
    f.ret(pieces.rotary(f, heads, positions), "rotated")
    f.ret(f.concat_time(cache, heads), "appended", dim_names=["B", "U"])

    f = m.function("project")
    x = f.arg("x", (None, None, D), dtype)
    w = f.arg("w", (OUT, D))
    y = f.linear(x, w, dtype=dtype)
    heads = f.split_heads(f.slice_last(y, 4, 16), 4)    # [B, T, 4, 4]
    f.ret(y, "y")
    f.ret(f.map(lambda h: h * 2.0, heads), "heads")
    f.ret(f.merge_heads(heads), "merged")
    per_head = f.arg("per_head", (4, 6, 5))
    f.ret(f.head_linear(f.split_heads(x, 4), per_head, dtype=dtype),
          "per_head_y")
    plain = f.arg("plain", (D, 7))
    f.ret(f.matmul(x, plain, dtype=dtype), "plain_y")
    return m.to_mlir()


def main(workdir):
    rand = Inputs(seed=11)
    for dtype in ("f32", "bf16"):
        text = build(dtype)
        directory = os.path.join(workdir, dtype)
        os.makedirs(directory, exist_ok=True)
        source = os.path.join(directory, "pieces.mlir")
        with open(source, "w") as f:
            f.write(text)
        subprocess.run([os.path.join(os.path.dirname(os.environ[
            "RECUR_COMPILE"]), "recur-opt"), source, "--verify-roundtrip",
            "-o", os.devnull], check=True)
        model = compile_module(text, directory)
        batch, time = 2, 5
        x = rand.normal((batch, time, D), dtype, scale=3.0)
        bias = rand.normal((D,))
        out = model.run("activations", {"x": x, "bias": bias})
        for name, (_, ref) in ACTIVATIONS.items():
            check(f"{dtype}.{name}", out[name], ref(x + bias), dtype)

        z = rand.normal((batch, time, D), dtype)
        w = rand.normal((D,))
        norm_bias = rand.normal((D,))
        out = model.run("norms", {"x": x, "z": z, "w": w, "bias": norm_bias})
        check(f"{dtype}.rms", out["rms"], reference.rms_norm(x, w, EPS), dtype)
        for name, before in (("gated_after", False), ("gated_before", True)):
            check(f"{dtype}.{name}", out[name],
                  reference.gated_rms_norm(x, z, w, EPS, before), dtype)
        check(f"{dtype}.gated_sigmoid", out["gated_sigmoid"],
              reference.sigmoid_gated_rms_norm(x, z, w, EPS), dtype)
        check(f"{dtype}.group", out["group"],
              reference.group_norm(x, 3, w, norm_bias, EPS), dtype)
        check(f"{dtype}.layer", out["layer"],
              reference.layer_norm(x, w, norm_bias, EPS), dtype)
        check(f"{dtype}.l2", out["l2"], reference.l2_normalize(x), dtype)

        state = rand.normal((batch, D), dtype)
        positions = rand.uniform((batch, time), 0.0, 50.0)
        for past in (0, 3):
            cache = rand.normal((batch, past, 4, 6), dtype)
            out = model.run("sequence", {"x": x, "state": state,
                                         "positions": positions,
                                         "cache": cache},
                            {"B": batch, "T": time, "S": past,
                             "U": past + time})
            shifted, last = reference.token_shift(x, state)
            check(f"{dtype}.shifted", out["shifted"], shifted, dtype)
            check(f"{dtype}.last", out["last"], last, dtype)
            heads = x.reshape(batch, time, 4, 6)
            check(f"{dtype}.rotated", out["rotated"],
                  reference.rotary(heads, positions), dtype)
            check(f"{dtype}.appended[S={past}]", out["appended"],
                  np.concatenate([cache, heads], axis=1), dtype)

        weight = rand.normal((OUT, D), scale=0.3)
        per_head = rand.normal((4, 6, 5), scale=0.4)
        plain = rand.normal((D, 7), scale=0.2)
        out = model.run("project", {"x": x, "w": weight,
                                    "per_head": per_head, "plain": plain})
        check(f"{dtype}.per_head_y", out["per_head_y"], reference.head_linear(
            x.reshape(batch, time, 4, 6), per_head), dtype)
        check(f"{dtype}.plain_y", out["plain_y"], x @ plain, dtype)
        y = reference.linear(x, weight)
        check(f"{dtype}.y", out["y"], y, dtype)
        heads = reference.round_to_dtype(y, dtype)[..., 4:20]
        check(f"{dtype}.heads", out["heads"],
              2.0 * heads.reshape(batch, time, 4, 4), dtype)
        check(f"{dtype}.merged", out["merged"], heads, dtype)
    print("block pieces: OK")


if __name__ == "__main__":
    main(sys.argv[1])
