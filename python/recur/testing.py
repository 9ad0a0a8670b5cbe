"""Helpers for execution tests: random inputs, dtype rounding, comparisons.

Tolerances. The compiled code computes in f32 what the references compute in
float64, so an f32 result differs by accumulated f32 rounding: a few hundred
ulps at most for the sizes the tests use (sums over K <= 64 terms repeated
over T <= 64 steps), hence F32_RTOL = 1e-4 (~800 ulps). A result stored as
f16 or bf16 is further rounded once to its storage type: half an ulp, i.e.
2^-11 (f16) or 2^-8 (bf16) relative; the tolerances allow 4 such half-ulps
(2 ulps). Every
comparison is |actual - expected| <= rtol * (|expected| + typical), where
`typical` is the RMS of the expected values, so that entries near zero do not
demand more relative accuracy than the arithmetic around them can give. A
wrong formula produces errors of order 1 relative, far above these bounds.
"""

import os
import subprocess
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from . import reference
from .runtime import LINK_LIBS

F32_RTOL = 1e-4
RTOL = {"f32": F32_RTOL, "f16": 4 * 2.0**-11, "bf16": 4 * 2.0**-8}


def quantize(x: np.ndarray, dtype: str) -> np.ndarray:
    """float64 values exactly representable in `dtype` (what the compiled
    code reads when given `x` in that storage type)."""
    return reference.round_to_dtype(np.asarray(x, dtype=np.float64), dtype)


class Inputs:
    """Random test inputs, rounded to the dtype they are passed in."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def normal(self, shape, dtype="f32", scale=1.0):
        return quantize(self.rng.standard_normal(shape) * scale, dtype)

    def uniform(self, shape, low, high, dtype="f32"):
        return quantize(self.rng.uniform(low, high, shape), dtype)

    def log_decay(self, shape, dtype="f32"):
        """Gates in log space, g in about [-2, -0.01]: decays of 0.13..0.99."""
        return quantize(-np.exp(self.rng.uniform(-4.5, 0.7, shape)), dtype)

    def unit_keys(self, shape, dtype="f32"):
        """Keys with unit L2 norm over the last axis (stable delta rule)."""
        k = self.rng.standard_normal(shape)
        return quantize(k / np.linalg.norm(k, axis=-1, keepdims=True), dtype)


def error_ratios(actual: np.ndarray, expected: np.ndarray,
                 dtype: str) -> np.ndarray:
    """Each element's error relative to the tolerance for results stored as
    `dtype` (above 1: outside it)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    typical = float(np.sqrt(np.mean(expected**2))) if expected.size else 0.0
    bound = RTOL[dtype] * (np.abs(expected) + typical) + 1e-30
    return np.abs(actual - expected) / bound


def check(label: str, actual: np.ndarray, expected: np.ndarray,
          dtype: str) -> float:
    """Asserts that `actual` matches `expected` within the tolerance for
    results stored as `dtype`; returns the worst error relative to it."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise AssertionError(f"{label}: shape {actual.shape} != {expected.shape}")
    if not np.all(np.isfinite(actual)):
        raise AssertionError(f"{label}: non-finite values in the result")
    ratio = error_ratios(actual, expected, dtype)
    worst = float(ratio.max()) if ratio.size else 0.0
    if worst > 1.0:
        index = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        raise AssertionError(
            f"{label}: mismatch at {index}: got {actual[index]!r}, expected "
            f"{expected[index]!r} (error {worst:.2f}x the {dtype} tolerance)")
    print(f"ok {label} (worst error {worst:.3f}x tolerance)")
    return worst


def check_specials(label: str, actual: np.ndarray, expected: np.ndarray,
                   dtype: str) -> None:
    """Like `check`, for results that may hold NaN and infinities: those
    must be exactly where `expected` has them, the rest within tolerance."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    for what, test in (("NaN", np.isnan), ("+inf", np.isposinf),
                       ("-inf", np.isneginf)):
        wrong = test(actual) != test(expected)
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            raise AssertionError(
                f"{label}: {what} differs at {index}: got {actual[index]!r}, "
                f"expected {expected[index]!r}")
    finite = np.isfinite(expected)
    check(f"{label} (finite part)", actual[finite], expected[finite], dtype)


def check_all(label: str, actual: Dict[str, np.ndarray],
              expected: Dict[str, np.ndarray], dtypes: Dict[str, str]) -> None:
    for name, value in expected.items():
        check(f"{label}.{name}", actual[name], value, dtypes[name])


def check_chained(model, function: str, inputs: Dict[str, np.ndarray],
                  per_token: Sequence[str], state: Tuple[str, str],
                  outputs: Dict[str, str], split: int,
                  state_dtype: str = "f32") -> None:
    """Checks that calling `function` on the first `split` tokens and then on
    one token at a time, passing the final state (output `state[1]`) back as
    the initial state (input `state[0]`), gives what one call over all tokens
    gives. `per_token` names the inputs with time on axis 1; `outputs` maps
    each per-token output to its dtype; the state is compared as
    `state_dtype`."""
    state_in, state_out = state
    batch, time = inputs[per_token[0]].shape[:2]
    whole = model.run(function, inputs, {"B": batch, "T": time})
    carried = inputs[state_in]
    pieces = [(0, split)] + [(t, t + 1) for t in range(split, time)]
    for start, stop in pieces:
        step = {name: (value[:, start:stop] if name in per_token else value)
                for name, value in inputs.items()}
        step[state_in] = carried
        out = model.run(function, step, {"B": batch, "T": stop - start})
        for name, dtype in outputs.items():
            check(f"{function}.chained.{name}[{start}:{stop}]", out[name],
                  whole[name][:, start:stop], dtype)
        carried = out[state_out]
    check(f"{function}.chained.{state_out}", carried, whole[state_out],
          state_dtype)


def runtime_libraries() -> list:
    """What a C program that calls the runtime library links with: the
    static library beside RECUR_COMPILE's build, LINK_LIBS and
    RECUR_RUNTIME_LDFLAGS (the sanitizers' runtime in that build)."""
    runtime = os.path.join(os.path.dirname(os.path.dirname(
        os.environ["RECUR_COMPILE"])), "runtime", "libRecurRuntime.a")
    return [runtime, *LINK_LIBS,
            *os.environ.get("RECUR_RUNTIME_LDFLAGS", "").split()]


def build_c_program(cc: str, source: str, obj: str, work: str, src: str,
                    output: str, libs: Optional[Sequence[str]] = None) -> str:
    """Compiles the C program `source` (-Wall -Wextra -Werror) with the
    header recur-compile wrote beside `obj` in `work` and the runtime's
    headers (under the source tree `src`), links it with `obj` and `libs`
    (default: runtime_libraries()), and returns `output`."""
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                    "-I", work, "-I", os.path.join(src, "runtime", "include"),
                    source, obj,
                    *(runtime_libraries() if libs is None else libs),
                    "-o", output], check=True)
    return output
