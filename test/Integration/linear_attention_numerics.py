# Numerics of the chunked recur.linear_attention over a long sequence
# (T = 65536, B = H = 1, K = V = 8, chunk 64) against the float64 reference:
#   - key gate with log-gates uniform in [-20, 0] (decays down to 2e-9 per
#     token: the cumulative log-gate of a chunk reaches about -640, so any
#     exp(-b) factor would overflow f32; the sub-chunk factorization must
#     keep every exponent <= 0),
#   - the same per-row (scalar gate),
#   - no decay at all (the state is a sum of 65536 outer products),
#   - the gated delta rule with beta uniform in [0, 2] (the transition
#     I - beta k k^T reflects at beta = 2) and log-gates in [-1, 0],
#   - the ungated delta rule with beta in [0, 2].
# The results must be finite and within the f32 tolerance of
# recur.testing (1e-4 relative to |expected| + RMS), the same as for short
# sequences. Why that bound holds: every decay factor is exp of an exponent
# <= 0, so nothing overflows; the cumulative log-gate of a chunk reaches
# about -640 with strong decay, so a difference b_i - b_j of two of them
# carries an absolute rounding error of a few times 640 * 2^-24 ~ 4e-5,
# which becomes a relative error of that size in a decay factor (measured:
# 0.54x the tolerance for the scalar gate, 0.35x for the key gate); the
# undecayed sum of 65536 outer products is accumulated per chunk from zero
# and then added to the state once per chunk, so its rounding grows with
# the number of chunks (measured 0.03x; 0.33x when each chunk's products
# were accumulated into the state directly); the delta-rule transitions have norm <= 1 for
# beta in [0, 2] and unit keys, so errors do not grow (measured 0.06x).
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

import numpy as np

from recur import reference
from recur.model import Module
from recur.runner import compile_module, test_target
from recur.testing import Inputs, check

T, H, K, V = 65536, 1, 8, 8
DYN = (None, None)

# name: (gate kind, delta rule, log-gate range, beta range)
CASES = {
    "key_strong": ("key", False, (-20.0, 0.0), None),
    "scalar_strong": ("scalar", False, (-20.0, 0.0), None),
    "no_decay": ("none", False, None, None),
    "gated_delta": ("scalar", True, (-1.0, 0.0), (0.0, 2.0)),
    "delta": ("none", True, None, (0.0, 2.0)),
}


def build_module() -> Module:
    m = Module()
    for name, (gate_kind, delta, _, _) in CASES.items():
        f = m.function(name)
        q = f.arg("q", DYN + (H, K))
        k = f.arg("k", DYN + (H, K))
        v = f.arg("v", DYN + (H, V))
        g = None
        if gate_kind != "none":
            g = f.arg("g", DYN + ((H, K) if gate_kind == "key" else (H,)))
        beta = f.arg("beta", DYN + (H,)) if delta else None
        o, state = f.linear_attention(q, k, v, g=g, gate_kind=gate_kind,
                                      beta=beta)
        f.ret(o, "o")
        f.ret(state, "h_last")
    return m


def main(workdir: str) -> None:
    text = build_module().to_mlir()
    model = compile_module(text, workdir)
    # The chunk-parallel state pass combines 1024 chunk summaries instead
    # (a CPU option: the GPU targets carry the state in one loop).
    compiled = [("sequential", model)]
    if test_target() == "cpu":
        compiled.append(("parallel", compile_module(
            text, os.path.join(workdir, "parallel"),
            options=["--state-pass=parallel"])))
    rand = Inputs(seed=3)
    for name, (gate_kind, delta, gate_range, beta_range) in CASES.items():
        inputs = {
            "q": rand.normal((1, T, H, K)),
            "k": (rand.unit_keys if delta else rand.normal)((1, T, H, K)),
            "v": rand.normal((1, T, H, V)),
        }
        if gate_kind != "none":
            shape = (1, T, H, K) if gate_kind == "key" else (1, T, H)
            inputs["g"] = rand.uniform(shape, *gate_range)
        if delta:
            inputs["beta"] = rand.uniform((1, T, H), *beta_range)
        o, h_last = reference.linear_attention(
            inputs["q"], inputs["k"], inputs["v"], g=inputs.get("g"),
            gate_kind=gate_kind, beta=inputs.get("beta"))
        for label, library in compiled:
            if delta and label == "parallel":
                continue  # the delta rule's state pass is always sequential
            out = library.run(name, inputs, {"B": 1, "T": T})
            assert np.all(np.isfinite(out["o"]))
            assert np.all(np.isfinite(out["h_last"]))
            check(f"{name}[{label}].o", out["o"], o, "f32")
            check(f"{name}[{label}].h_last", out["h_last"], h_last, "f32")


if __name__ == "__main__":
    main(sys.argv[1])
