"""Whole models (token ids in, logits out; python/recur/models/whole.py) at
the sizes of published checkpoints, against this machine's limits measured
in the same run.

    /usr/bin/python3 benchmarks/models.py [--only NAME ...] [--layers N]
        [--dtype bf16 f32] [--time T ...] [--batch B ...]
        [--threads N ...] [--reps N]

For each model: its published config (MODELS: every size as published)
with `num_hidden_layers` cut to --layers (default 2; the embedding, the
final norm and the lm_head whole), in the weight dtype --dtype (the
checkpoints' bf16 by default). Writes the model's description (prefill
NAME and step NAME_step), compiles it with recur-compile, links
benchmarks/blocks.c (the generic timing harness) and times, with
OMP_NUM_THREADS set, from zero states with small random weights:

- the prefill of one sequence of T tokens (--time, default 1 16 512
  4096): tokens per second, and the share of the FMA peak that its FLOPs
  reach (2 per weight of every layer matrix per token, 2 per lm_head
  weight per sequence: only the last token's logits are computed);
- the decode step of B sequences (--batch, default 1 16) after one token:
  tokens per second, the share of the FMA peak, and the share of the
  bandwidth bound, every weight but the embedding table (which a step
  reads one row of, unless it is the tied lm_head) read once per step.

The FMA peak (benchmarks/fma_peak.c) and the bandwidth (benchmarks/triad.c)
are measured on one thread in the same run; the limits of N threads are N
times them. Run scripts/build.sh first; RECUR_COMPILE and RECUR_CC
override the tools.
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, HERE)

from blocks import build_harness, run_harness  # noqa: E402
from cpu import measured_limits  # noqa: E402
from recur.models import builder, whole  # noqa: E402
from recur.models.config import Config  # noqa: E402

# Published configs (the fields that set sizes; the rest are defaults).
MODELS = {
    # state-spaces/mamba2-2.7b (as transformers' Mamba2 converts it).
    "mamba2-2.7b": {
        "model_type": "mamba2", "hidden_size": 2560, "state_size": 128,
        "num_heads": 80, "head_dim": 64, "n_groups": 1, "expand": 2,
        "conv_kernel": 4, "layer_norm_epsilon": 1e-5, "use_bias": False,
        "use_conv_bias": True, "rms_norm": True, "hidden_act": "silu",
        "num_hidden_layers": 64, "vocab_size": 50288,
        "tie_word_embeddings": True},
    # RWKV/v6-Finch-1B6-HF.
    "rwkv6-1b6": {
        "model_type": "rwkv6", "hidden_size": 2048,
        "attention_hidden_size": 2048, "head_size": 64,
        "head_size_divisor": 8, "intermediate_size": 7168,
        "layer_norm_epsilon": 1e-5, "num_hidden_layers": 24,
        "vocab_size": 65536, "tie_word_embeddings": False},
    # fla-hub/gla-1.3B-100B.
    "gla-1.3b": {
        "model_type": "gla", "hidden_size": 2048, "expand_k": 0.5,
        "expand_v": 1, "num_heads": 4, "feature_map": None,
        "attn_mode": "chunk", "use_short_conv": False, "conv_size": 4,
        "use_output_gate": True, "hidden_act": "swish",
        "elementwise_affine": True, "norm_eps": 1e-6, "use_gk": True,
        "use_gv": False, "fuse_norm": True, "hidden_ratio": 4,
        "intermediate_size": None, "num_hidden_layers": 24,
        "vocab_size": 32000, "tie_word_embeddings": False},
}
DTYPES = {"bf16": "bfloat16", "f32": "float32"}
BYTES = {"f32": 4, "bf16": 2, "f16": 2}


def model(name: str, layers: int, dtype: str) -> whole.WholeModel:
    """The published model `name` with `layers` layers, weights in
    `dtype`."""
    fields = dict(MODELS[name], num_hidden_layers=layers,
                  torch_dtype=DTYPES[dtype])
    family = fields["model_type"]
    module = whole.FAMILY_MODULES[family]
    return whole.parse(Config(fields, family, module.KNOWN), family)


def sizes(m: whole.WholeModel):
    """(weights of the layers' matrices, weights of the lm_head, weights a
    step reads): every weight of rank 2 or more under the layers is
    multiplied once per token."""
    layers = sum(_count(shape) for shape in
                 builder.layers_weight_shapes(m.stack).values()
                 if len(shape) >= 2)
    head = m.vocab_size * m.hidden_size
    read = sum(_count(shape) for name, shape in
               whole.weight_shapes(m).items()
               if name != m.embedding or m.tied)
    return layers, head, read


def _count(shape) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None,
                        choices=sorted(MODELS))
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dtype", nargs="*", default=["bf16"],
                        choices=sorted(DTYPES))
    parser.add_argument("--time", type=int, nargs="*",
                        default=[1, 16, 512, 4096])
    parser.add_argument("--batch", type=int, nargs="*", default=[1, 16])
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="recur-models-")
    peak, bandwidth = measured_limits(work)
    print(f"{'model':12} {'dtype':5} {'thr':>3} {'call':8} {'tokens/s':>9} "
          f"{'ms/call':>9} {'%FMA':>6} {'%BW':>6}")
    for name in args.only or MODELS:
        for dtype in args.dtype:
            report(work, name, dtype, args, peak, bandwidth)


def report(work, name, dtype, args, peak, bandwidth) -> None:
    """The rows of one model in one weight dtype."""
    m = model(name, args.layers, dtype)
    layers, head, read = sizes(m)
    print(f"# {name}: {args.layers} layers, {layers / 1e6:.0f}M layer "
          f"matrix weights, {head / 1e6:.0f}M lm_head weights, "
          f"{read * BYTES[dtype] / 1e9:.2f} GB read per step")
    binary = build_harness(work, f"{name}-{dtype}",
                           whole.build(m, "model"), "model", "model_step")
    for threads in args.threads:
        what = f"{name:12} {dtype:5} {threads:3}"

        def row(call, tokens, seconds, flops, bytes_read):
            fma = 100 * flops / seconds * 1e-9 / (peak * threads)
            bw = 100 * bytes_read / seconds * 1e-9 / (bandwidth * threads)
            print(f"{what} {call:8} {tokens / seconds:9.1f} "
                  f"{seconds * 1e3:9.2f} {fma:5.1f}% {bw:5.1f}%")

        for time in args.time:
            per_token, _ = run_harness(binary, 1, time, 1, args.reps,
                                       threads)
            seconds = per_token * 1e-6 * time
            row(f"T={time}", time, seconds, 2 * (layers * time + head),
                read * BYTES[dtype])
        for batch in args.batch:
            _, step = run_harness(binary, batch, 1, args.reps, 1, threads)
            seconds = step * 1e-6
            row(f"B={batch}", batch, seconds, 2 * (layers + head) * batch,
                read * BYTES[dtype])


if __name__ == "__main__":
    main()
