# Execution test of linear attention with its sequences split into parts
# (sequence_splits in an op's own recur.chunk_config, --recur-split-sequences)
# against the float64 reference and the unsplit chunked form: every gate
# kind, the delta rule with each gate, the bonus, bf16 and f16; parts of
# several chunks with a partial last one (T = 96 in 4 parts of 24 tokens),
# parts of whole chunks (T = 64 in 2), parts shorter than serial-below,
# which take the token-serial form (T = 45 in 3 parts of 15), and, on the
# CPU, the chunk-parallel state pass inside each part. Batches of 1 and 3
# (a run-time B). The GPU targets run a subset (lavapipe is slow).
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linear_attention as la  # noqa: E402
from recur.model import Module  # noqa: E402
from recur.runner import compile_module, test_target  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402

# (T, parts, state pass)
SPLITS = [(96, 4, "sequential"), (64, 2, "sequential"), (45, 3, "sequential")]
VARIANTS = list(la.VARIANTS)
if test_target() == "cpu":
    SPLITS.append((64, 2, "parallel"))
else:
    # lavapipe: every gate kind, the delta rule with and without a gate,
    # the bonus and a 16-bit type, in parts of several chunks and parts
    # shorter than serial-below.
    SPLITS = SPLITS[::2]
    VARIANTS = ["plain", "retnet", "mamba2", "gla", "gated_deltanet",
                "key_delta", "rwkv6_bf16"]


def config(parts: int, state_pass: str):
    return {"chunk_size": 16, "serial_below": 16, "state_pass": state_pass,
            "linear_attention_form": "chunked", "sequence_splits": parts}


def function_name(variant, time, parts, state_pass):
    return f"{variant}_t{time}_p{parts}_{state_pass}"


def build_module() -> Module:
    m = Module()
    for variant in VARIANTS:
        gate_kind, delta, bonus, dtype = la.VARIANTS[variant]
        for time, parts, state_pass in SPLITS:
            if state_pass == "parallel" and delta:
                continue  # the delta rule's state pass is sequential
            f = m.function(function_name(variant, time, parts, state_pass))
            shape = (None, time, la.H)
            q = f.arg("q", shape + (la.K,), dtype)
            k = f.arg("k", shape + (la.K,), dtype)
            v = f.arg("v", shape + (la.V,), dtype)
            g = None
            if gate_kind == "head":
                g = f.arg("g", (la.H,))
            elif gate_kind == "scalar":
                g = f.arg("g", shape)
            elif gate_kind == "key":
                g = f.arg("g", shape + (la.K,))
            beta = f.arg("beta", shape) if delta else None
            u = f.arg("bonus", (la.H, la.K)) if bonus else None
            h0 = f.arg("h0", (None, la.H, la.K, la.V))
            scale = 0.5 if variant == "mamba2" else None
            o, state = f.linear_attention(
                q, k, v, g=g, gate_kind=gate_kind, beta=beta, bonus=u, h0=h0,
                scale=scale, chunk_config=config(parts, state_pass))
            f.ret(o, "o")
            f.ret(state, "h_last")
    return m


def main(workdir: str) -> None:
    model = compile_module(build_module().to_mlir(), workdir)
    rand = Inputs(seed=19)
    for variant in VARIANTS:
        _, delta, _, dtype = la.VARIANTS[variant]
        for time, parts, state_pass in SPLITS:
            if state_pass == "parallel" and delta:
                continue
            name = function_name(variant, time, parts, state_pass)
            for batch in (1, 3):
                inputs = la.make_inputs(rand, variant, batch, time)
                out = model.run(name, inputs, {"B": batch})
                o, h_last = la.expected(variant, inputs)
                label = f"{name}[B={batch}]"
                check(f"{label}.o", out["o"], o, dtype)
                check(f"{label}.h_last", out["h_last"], h_last, "f32")


if __name__ == "__main__":
    main(sys.argv[1])
