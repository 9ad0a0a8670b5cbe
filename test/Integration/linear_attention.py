# Execution test of recur.linear_attention against the float64 reference:
# every gate kind, the delta rule, the bonus, initial and final state, f16 and
# bf16 inputs, B > 1, T not a power of two, T = 1, and prefill + decode steps.
#
# RUN: rm -rf %t && %python %s %t

import sys

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.testing import Inputs, check, check_chained

B, T, H, K, V = 2, 37, 3, 16, 8
DYN = (None, None)  # dynamic batch and sequence length

# name: (gate kind, delta rule, bonus, dtype)
VARIANTS = {
    "plain": ("none", False, False, "f32"),
    "retnet": ("head", False, False, "f32"),
    "mamba2": ("scalar", False, False, "f32"),
    "gla": ("key", False, False, "f32"),
    "deltanet": ("none", True, False, "f32"),
    "gated_deltanet": ("scalar", True, False, "f32"),
    "key_delta": ("key", True, False, "f32"),
    "rwkv6": ("key", False, True, "f32"),
    "gla_bf16": ("key", False, False, "bf16"),
    "gdn_f16": ("scalar", True, False, "f16"),
    "rwkv6_bf16": ("key", False, True, "bf16"),
}


def gate_shape(gate_kind: str, key: int = K):
    return {"head": (H,), "scalar": DYN + (H,), "key": DYN + (H, key)}[gate_kind]


def build_module(key: int = K, value: int = V, variants=VARIANTS) -> Module:
    m = Module()
    for name in variants:
        gate_kind, delta, bonus, dtype = VARIANTS[name]
        f = m.function(name)
        q = f.arg("q", DYN + (H, key), dtype)
        k = f.arg("k", DYN + (H, key), dtype)
        v = f.arg("v", DYN + (H, value), dtype)
        g = f.arg("g", gate_shape(gate_kind, key)) if gate_kind != "none" else None
        beta = f.arg("beta", DYN + (H,)) if delta else None
        u = f.arg("bonus", (H, key)) if bonus else None
        h0 = f.arg("h0", (None, H, key, value))
        scale = 0.5 if name == "mamba2" else None
        o, state = f.linear_attention(q, k, v, g=g, gate_kind=gate_kind,
                                      beta=beta, bonus=u, h0=h0, scale=scale)
        f.ret(o, "o")
        f.ret(state, "h_last")
    return m


def make_inputs(rand: Inputs, variant: str, batch: int, time: int,
                key: int = K, value: int = V):
    gate_kind, delta, bonus, dtype = VARIANTS[variant]
    inputs = {
        "q": rand.normal((batch, time, H, key), dtype),
        "k": (rand.unit_keys if delta else rand.normal)((batch, time, H, key),
                                                       dtype),
        "v": rand.normal((batch, time, H, value), dtype),
        "h0": rand.normal((batch, H, key, value), "f32", scale=0.5),
    }
    if gate_kind == "head":
        inputs["g"] = rand.log_decay((H,))
    elif gate_kind != "none":
        shape = (batch, time) + gate_shape(gate_kind, key)[2:]
        inputs["g"] = rand.log_decay(shape)
    if delta:
        inputs["beta"] = rand.uniform((batch, time, H), 0.0, 1.0)
    if bonus:
        inputs["bonus"] = rand.normal((H, key), scale=0.5)
    return inputs


def expected(variant: str, inputs):
    gate_kind = VARIANTS[variant][0]
    o, h_last = reference.linear_attention(
        inputs["q"], inputs["k"], inputs["v"], g=inputs.get("g"),
        gate_kind=gate_kind, beta=inputs.get("beta"),
        bonus=inputs.get("bonus"), h0=inputs["h0"],
        scale=0.5 if variant == "mamba2" else None)
    return o, h_last



def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=7)
    for variant, (gate_kind, _, _, dtype) in VARIANTS.items():
        for batch, time in ((B, T), (1, 1), (3, 5)):
            inputs = make_inputs(rand, variant, batch, time)
            out = model.run(variant, inputs, {"B": batch, "T": time})
            o, h_last = expected(variant, inputs)
            label = f"{variant}[B={batch},T={time}]"
            check(f"{label}.o", out["o"], o, dtype)
            check(f"{label}.h_last", out["h_last"], h_last, "f32")

        # A prefill of 29 tokens then 8 single-token steps equals one call.
        check_chained(model, variant, make_inputs(rand, variant, B, T),
                      per_token=("q", "k", "v", "beta") +
                      (("g",) if gate_kind in ("scalar", "key") else ()),
                      state=("h0", "h_last"), outputs={"o": dtype}, split=29)

if __name__ == "__main__":
    main(sys.argv[1])
