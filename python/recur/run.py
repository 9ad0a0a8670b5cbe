"""python3 -m recur.run MODEL_DIR --prompt IDS [--tokens N] [sampling]

Generates token ids with the whole model of a checkpoint directory
(config.json and its weights: model.safetensors, or the shards of
model.safetensors.index.json): writes the model's description
(recur.models.whole), compiles it with recur-compile for --target (cached
in --workdir), loads the weights in their dtype, prefills the prompt and
decodes one token per step, sampling greedily (the default) or with a
seeded temperature, top-k and top-p. Prints the generated ids, then the
prefill's and the decode's tokens per second on stderr. Tokenization stays
outside: ids in, ids out.

A bad model directory, config, weight or argument gives one line
"recur.run: error: ..." and exit status 1.
"""

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import safetensors
from .models import ConfigError, whole
from .runner import compile_module


@dataclass
class Sampling:
    """How the next token is picked from a position's logits: the most
    likely (temperature 0), or drawn with `seed` from the softmax of
    logits / temperature, restricted to the `top_k` most likely (0: all)
    and to the smallest set whose probability reaches `top_p`."""
    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int = 0

    def check(self) -> None:
        if not np.isfinite(self.temperature) or self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got "
                             f"{self.temperature}")
        if self.top_k < 0:
            raise ValueError(f"top-k must be >= 0, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top-p must be in (0, 1], got {self.top_p}")


def pick(logits: np.ndarray, sampling: Sampling,
         rng: np.random.Generator) -> np.ndarray:
    """The next token of each sequence from its logits [B, V]."""
    if sampling.temperature == 0:
        return np.argmax(logits, axis=-1).astype(np.int32)
    chosen = []
    for row in np.asarray(logits, dtype=np.float64):
        order = np.argsort(-row, kind="stable")
        if sampling.top_k:
            order = order[:sampling.top_k]
        scaled = row[order] / sampling.temperature
        probabilities = np.exp(scaled - scaled.max())
        probabilities /= probabilities.sum()
        # The smallest prefix whose probability reaches top_p.
        keep = int(np.searchsorted(np.cumsum(probabilities),
                                   sampling.top_p) + 1)
        probabilities = probabilities[:keep] / probabilities[:keep].sum()
        chosen.append(order[rng.choice(len(probabilities),
                                       p=probabilities)])
    return np.array(chosen, dtype=np.int32)


class Generator:
    """A compiled whole model and its weights."""

    def __init__(self, model_dir: str, target: str = "cpu",
                 workdir: Optional[str] = None):
        self.m = whole.load(model_dir)
        self.model = compile_module(
            whole.build(self.m, "model"),
            workdir or tempfile.mkdtemp(prefix="recur-run-"), target=target)
        try:
            tensors = safetensors.load_checkpoint(model_dir)
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"{model_dir}: weights: {error}") from None
        try:
            self.weights = whole.checkpoint_weights(self.m, tensors)
        except ConfigError as error:
            raise ConfigError(f"{model_dir}: {error}") from None

    def weights_bytes(self) -> int:
        """The weights' memory in the model's dtype (what the compiled
        model reads)."""
        return whole.weights_bytes(self.m)

    def call(self, function: str, ids: np.ndarray,
             states: Dict[str, np.ndarray]):
        """(logits of the last position [B, V], next states)."""
        logits, states = whole.call(self.model, self.m, self.weights,
                                    function, ids, states)
        return logits[:, -1], states

    def generate(self, prompt: np.ndarray, tokens: int, sampling: Sampling,
                 stop: Sequence[int] = ()):
        """(generated ids [B, n], prefill seconds, decode seconds): up to
        `tokens` tokens a sequence, fewer once every sequence has produced
        a stop token (a sequence that has stops with it, the others go
        on)."""
        sampling.check()
        prompt = np.asarray(prompt)
        if prompt.ndim != 2 or prompt.shape[1] < 1 or prompt.shape[0] < 1:
            raise ValueError(f"the prompt must be [B, T] with B, T >= 1, got "
                             f"{list(prompt.shape)}")
        if prompt.min() < 0 or prompt.max() >= self.m.vocab_size:
            raise ValueError(f"prompt ids must be in [0, "
                             f"{self.m.vocab_size})")
        if any(not 0 <= s < self.m.vocab_size for s in stop):
            raise ValueError(f"stop ids must be in [0, {self.m.vocab_size})")
        rng = np.random.default_rng(sampling.seed)
        states = whole.zero_states(self.m, prompt.shape[0])
        start = time.perf_counter()
        logits, states = self.call("model", prompt.astype(np.int32), states)
        prefill = time.perf_counter() - start
        generated: List[np.ndarray] = []
        done = np.zeros(prompt.shape[0], dtype=bool)
        start = time.perf_counter()
        for index in range(tokens):
            ids = pick(logits, sampling, rng)
            generated.append(ids)
            done |= np.isin(ids, list(stop))
            if done.all() or index + 1 == tokens:
                break
            logits, states = self.call("model_step", ids[:, None], states)
        decode = time.perf_counter() - start
        return np.stack(generated, axis=1), prefill, decode


def parse_ids(text: str) -> List[int]:
    try:
        ids = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise ConfigError(f"--prompt: token ids must be integers, got "
                          f"{text[:40]!r}") from None
    if not ids:
        raise ConfigError("--prompt: no token ids")
    return ids


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m recur.run",
        description="Generate token ids with the whole model of a "
                    "checkpoint directory.")
    parser.add_argument("model_dir")
    parser.add_argument("--prompt", required=True,
                        help="the prompt's token ids, e.g. '1,2,3'")
    parser.add_argument("--tokens", type=int, default=16,
                        help="tokens to generate (default 16)")
    parser.add_argument("--temperature", type=float, default=0.0,
                        help="0 (default): greedy")
    parser.add_argument("--top-k", type=int, default=0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stop", default="",
                        help="token ids that end generation, e.g. '2'")
    parser.add_argument("--target", default="cpu",
                        choices=["cpu", "vulkan", "cuda"])
    parser.add_argument("--workdir", default=None,
                        help="where the compiled model goes (default: a "
                             "new temporary directory)")
    args = parser.parse_args(argv)
    try:
        if args.tokens < 1:
            raise ConfigError(f"--tokens must be >= 1, got {args.tokens}")
        prompt = np.array([parse_ids(args.prompt)], dtype=np.int64)
        stop = parse_ids(args.stop) if args.stop.strip() else []
        generator = Generator(args.model_dir, args.target, args.workdir)
        sampling = Sampling(args.temperature, args.top_k, args.top_p,
                            args.seed)
        ids, prefill, decode = generator.generate(prompt, args.tokens,
                                                  sampling, stop)
    except (ConfigError, ValueError, RuntimeError) as error:
        print(f"recur.run: error: {error}", file=sys.stderr)
        return 1
    print(" ".join(str(int(i)) for i in ids[0]))
    print(f"weights: {generator.weights_bytes() / 2**20:.2f} MiB "
          f"({generator.m.weight_dtype})", file=sys.stderr)
    steps = ids.shape[1] - 1
    print(f"prefill: {prompt.shape[1]} tokens in {prefill * 1e3:.2f} ms "
          f"({prompt.shape[1] / max(prefill, 1e-9):.1f} tokens/s); decode: "
          f"{steps} steps in {decode * 1e3:.2f} ms"
          + (f" ({steps / max(decode, 1e-9):.1f} tokens/s)" if steps else ""),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
