# Differential test of the tiled online-softmax form of recur.attention (the
# `default` pipeline) against the reference lowering and the float64
# reference, with sequences spanning many query and key tiles: chunk sizes
# 16 and 64, S == T, a KV cache (S > T), S < T (early causal queries see no
# key), decode (T = 1) through padded and one-position query tiles, sliding
# windows that skip whole key tiles, GQA/MQA groups, f16/bf16.
#
# RUN: rm -rf %t && %python %s %t

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attention  # noqa: E402
from recur.runner import compile_module  # noqa: E402
from recur.testing import Inputs, check  # noqa: E402

SHAPES = ((2, 100, 100), (1, 40, 130), (1, 70, 50), (2, 1, 77))


def main(workdir: str) -> None:
    text = attention.build_module().to_mlir()
    oracle = compile_module(text, os.path.join(workdir, "reference"),
                            pipeline="reference")
    rand = Inputs(seed=17)
    # Chunk 16 with every query length tiled alike (serial-below=0, so the
    # decode step runs through a padded tile); chunk 64 with the default
    # serial-below, where the decode step takes one-position query tiles.
    for chunk, serial_below in ((16, 0), (64, 16)):
        model = compile_module(text, os.path.join(workdir, f"chunk{chunk}"),
                               options=[f"--chunk-size={chunk}",
                                        f"--serial-below={serial_below}"])
        for variant, (*_rest, dtype) in attention.VARIANTS.items():
            for batch, queries, keys in SHAPES:
                inputs = attention.make_inputs(rand, variant, batch, queries,
                                               keys)
                dims = {"B": batch, "T": queries, "S": keys}
                out = model.run(variant, inputs, dims)
                label = f"{variant}[C={chunk},B={batch},T={queries},S={keys}]"
                check(f"{label}.o", out["o"],
                      attention.expected(variant, inputs), dtype)
                check(f"{label}.o~reference", out["o"],
                      oracle.run(variant, inputs, dims)["o"], dtype)


if __name__ == "__main__":
    main(sys.argv[1])
