# Differential test of the chunked form of recur.linear_attention (the
# `default` pipeline) against the reference lowering and the float64
# reference: every variant of linear_attention.py, chunk sizes 16, 32 and 64
# with the sequential state pass and 16 with the chunk-parallel one, the
# token-serial form on chunk tiles (chunk sizes 16 and 64) and the form
# `auto` picks,
# T not a multiple of the chunk, T = 1, T smaller than a chunk, T equal to
# a chunk, B > 1, odd head sizes (K = 48, V = 80), and prefill + decode steps
# through the chunked form.
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linear_attention as la  # noqa: E402
from recur.runner import compile_module, test_target  # noqa: E402
from recur.testing import Inputs, check, check_chained  # noqa: E402

# (chunk size, state pass, serial-below, form of longer sequences): every
# length in the chunked form or the token-serial form on tiles
# (serial-below 0), and the default 16, where T = 1 and T = 11 take the
# token-serial form on the tokens themselves and T = 16 and T = 100 the
# long form, chosen at run time.
CONFIGS = ((16, "sequential", 0, "chunked"), (32, "sequential", 0, "chunked"),
           (64, "sequential", 0, "chunked"), (16, "parallel", 0, "chunked"),
           (64, "sequential", 16, "chunked"), (16, "sequential", 0, "recurrent"),
           (64, "sequential", 16, "recurrent"), (64, "sequential", 16, "auto"))
# The GPU targets carry the state from chunk to chunk in one loop
# (--state-pass=parallel is a CPU option, an error there).
if test_target() != "cpu":
    CONFIGS = tuple(c for c in CONFIGS if c[1] != "parallel")
# (batch, time): several chunks with a partial last one, one token, less
# than a chunk, exactly one chunk of 16.
SHAPES = ((2, 100), (1, 1), (3, 11), (1, 16))
ODD_HEADS = (48, 80)  # K, V
ODD_VARIANTS = ("gla", "gated_deltanet", "key_delta", "rwkv6", "mamba2")
# Wide keys (K, V): on the GPU targets their tiles take chunks of 8 and
# narrow value blocks (4 columns with the delta rule) to fit a block.
WIDE_HEADS = (128, 32)
WIDE_VARIANTS = ("gla", "gated_deltanet")


def compare(label, out, reference_out, inputs, variant, dtype):
    o, h_last = la.expected(variant, inputs)
    check(f"{label}.o", out["o"], o, dtype)
    check(f"{label}.h_last", out["h_last"], h_last, "f32")
    # The oracle lowering, run on the same inputs, agrees as closely.
    check(f"{label}.o~reference", out["o"], reference_out["o"], dtype)
    check(f"{label}.h_last~reference", out["h_last"], reference_out["h_last"],
          "f32")


def main(workdir: str) -> None:
    text = la.build_module().to_mlir()
    reference = compile_module(text, os.path.join(workdir, "reference"),
                               pipeline="reference")
    rand = Inputs(seed=11)
    for chunk, state_pass, serial_below, form in CONFIGS:
        model = compile_module(
            text,
            os.path.join(workdir, f"{state_pass}{chunk}-{serial_below}-{form}"),
            options=[f"--chunk-size={chunk}", f"--state-pass={state_pass}",
                     f"--serial-below={serial_below}",
                     f"--linear-attention-form={form}"])
        for variant, (gate_kind, _, _, dtype) in la.VARIANTS.items():
            for batch, time in SHAPES:
                inputs = la.make_inputs(rand, variant, batch, time)
                dims = {"B": batch, "T": time}
                compare(f"{variant}[{form},{state_pass},C={chunk},"
                        f"serial<{serial_below},B={batch},T={time}]",
                        model.run(variant, inputs, dims),
                        reference.run(variant, inputs, dims), inputs, variant,
                        dtype)
        if chunk == 16 and serial_below == 0:
            # A prefill spanning chunks, then single-token steps through
            # the long form itself (both state passes of the chunked form,
            # and the token-serial form on tiles).
            for variant, (gate_kind, _, _, dtype) in la.VARIANTS.items():
                check_chained(
                    model, variant, la.make_inputs(rand, variant, 2, 40),
                    per_token=("q", "k", "v", "beta") +
                    (("g",) if gate_kind in ("scalar", "key") else ()),
                    state=("h0", "h_last"), outputs={"o": dtype}, split=35)

    key, value = ODD_HEADS
    odd_text = la.build_module(key, value, ODD_VARIANTS).to_mlir()
    odd_reference = compile_module(odd_text, os.path.join(workdir, "odd-ref"),
                                   pipeline="reference")
    for form in ("chunked", "recurrent"):
        odd = compile_module(odd_text, os.path.join(workdir, f"odd-{form}"),
                             options=["--chunk-size=32", "--serial-below=0",
                                      f"--linear-attention-form={form}"])
        for variant in ODD_VARIANTS:
            dtype = la.VARIANTS[variant][3]
            inputs = la.make_inputs(rand, variant, 2, 70, key, value)
            dims = {"B": 2, "T": 70}
            compare(f"{variant}[{form},K={key},V={value},C=32]",
                    odd.run(variant, inputs, dims),
                    odd_reference.run(variant, inputs, dims), inputs, variant,
                    dtype)

    key, value = WIDE_HEADS
    wide_text = la.build_module(key, value, WIDE_VARIANTS).to_mlir()
    wide = compile_module(wide_text, os.path.join(workdir, "wide"))
    wide_reference = compile_module(
        wide_text, os.path.join(workdir, "wide-ref"), pipeline="reference")
    for variant in WIDE_VARIANTS:
        dtype = la.VARIANTS[variant][3]
        for batch, time in ((1, 20), (1, 1)):
            inputs = la.make_inputs(rand, variant, batch, time, key, value)
            dims = {"B": batch, "T": time}
            compare(f"{variant}[K={key},V={value},B={batch},T={time}]",
                    wide.run(variant, inputs, dims),
                    wide_reference.run(variant, inputs, dims), inputs,
                    variant, dtype)


if __name__ == "__main__":
    main(sys.argv[1])
