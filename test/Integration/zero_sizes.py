# Zero-size dimensions, static and dynamic, on both pipelines, for every op
# (issue 15, item 3): recur.scan, recur.selective_scan (skip, gate,
# delta_bias, softplus), recur.linear_attention (no gate, a key gate, and
# the delta rule with a scalar gate), causal recur.attention with a KV cache
# (S > T) and GQA, and recur.conv1d (bias, SiLU, carried state). Each of an
# op's dims is set to 0 in turn (B, T, H and the op's feature dims; not the
# ones the verifiers require to be >= 1: G of the selective scan, Hkv of
# attention, W of conv1d, whose W = 1 gives a zero-row state instead):
#
# - static: the zero in the tensor types (all sizes static);
# - dynamic: every dim dynamic, and (the shapes of a model's functions) only
#   B and T (and S) dynamic, called with the zero size at run time;
#
# each compiled with --pipeline=default, --pipeline=default with
# --serial-below=0 (the chunked forms of attention and linear attention
# even for short T) and --pipeline=reference, and compared with the float64
# references: empty results must have the right shape, and results that are
# not empty must be right (the final state of a T = 0 call is the random
# initial state; linear attention with K = 0 gives o = 0; the selective
# scan with N = 0 gives y = Dskip * u * silu(z); attention with D = 0 gives
# the mean of the visible values). Outputs are filled with NaN before each
# call, so an entry the compiled code leaves unwritten fails the check.
#
# Every case is tried: a module that fails to compile is compiled again one
# function at a time to name the cases that fail, and each call runs in a
# child process (a crash or a hang is reported for its case). The failures
# are listed at the end, one line per case, and the exit status is 1.
#
# RUN: rm -rf %t && %python %s %t

import os
import select
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from recur import reference
from recur.model import Module
from recur.runner import compile_module
from recur.runtime import STORAGE, from_storage, to_storage
from recur.testing import Inputs, check

# (label, --pipeline, further recur-compile options) of each compilation.
PIPELINES = (
    ("default", "default", []),
    ("default-chunked", "default", ["--serial-below=0"]),
    ("reference", "reference", []),
)
# Seconds a call may take before it counts as a hang.
CALL_TIMEOUT = 60


# -- the ops ----------------------------------------------------------------

@dataclass
class Op:
    """One op with its options: the letters of each argument's and result's
    dimensions (one upper-case letter per dimension), the sizes of a call
    with no zero, the zero cases (label, sizes that differ), the letters
    of the token dims (dynamic in the "dynamic-bt" functions), `emit`
    (calls the op on the arguments, returns the results), `make` (random
    inputs for given sizes) and `expect` (the float64 references)."""
    name: str
    args: List[Tuple[str, str]]
    results: List[Tuple[str, str]]
    sizes: Dict[str, int]
    zeros: List[Tuple[str, Dict[str, int]]]
    token_dims: str
    emit: Callable
    make: Callable
    expect: Callable


def scan_make(rand, s):
    return {"a": rand.uniform((s["B"], s["T"], s["D"]), -1.0, 1.0),
            "b": rand.normal((s["B"], s["T"], s["D"])),
            "h0": rand.normal((s["B"], s["D"]))}


def scan_expect(reverse):
    def expect(i):
        h, h_last = reference.scan(i["a"], i["b"], h0=i["h0"], reverse=reverse)
        return {"h": h, "h_last": h_last}
    return expect


def scan_op(name, reverse):
    return Op(
        name, [("a", "BTD"), ("b", "BTD"), ("h0", "BD")],
        [("h", "BTD"), ("h_last", "BD")], {"B": 2, "T": 3, "D": 4},
        [("B", {"B": 0}), ("T", {"T": 0}), ("D", {"D": 0})], "BT",
        lambda f, a: f.scan(a["a"], a["b"], h0=a["h0"], reverse=reverse),
        scan_make, scan_expect(reverse))


def selective_scan_make(rand, s):
    B, T, D, N, G = s["B"], s["T"], s["D"], s["N"], s["G"]
    return {"u": rand.normal((B, T, D)),
            "delta": rand.normal((B, T, D), scale=0.5),
            "A": -np.exp(rand.uniform((D, N), -1.0, 1.0)),
            "Bm": rand.normal((B, T, G, N)),
            "Cm": rand.normal((B, T, G, N)),
            "Dskip": rand.normal((D,)),
            "z": rand.normal((B, T, D)),
            "db": rand.normal((D,), scale=0.5),
            "h0": rand.normal((B, D, N))}


def selective_scan_expect(i):
    y, h_last = reference.selective_scan(
        i["u"], i["delta"], i["A"], i["Bm"], i["Cm"], D=i["Dskip"], z=i["z"],
        delta_bias=i["db"], h0=i["h0"], delta_softplus=True)
    return {"y": y, "h_last": h_last}


SELECTIVE_SCAN = Op(
    "selective_scan",
    [("u", "BTD"), ("delta", "BTD"), ("A", "DN"), ("Bm", "BTGN"),
     ("Cm", "BTGN"), ("Dskip", "D"), ("z", "BTD"), ("db", "D"),
     ("h0", "BDN")],
    [("y", "BTD"), ("h_last", "BDN")],
    {"B": 2, "T": 3, "D": 4, "N": 3, "G": 2},
    # G >= 1 (verifier); D = 0 keeps D % G == 0.
    [("B", {"B": 0}), ("T", {"T": 0}), ("D", {"D": 0}), ("N", {"N": 0})],
    "BT",
    lambda f, a: f.selective_scan(a["u"], a["delta"], a["A"], a["Bm"],
                                  a["Cm"], D=a["Dskip"], z=a["z"],
                                  delta_bias=a["db"], h0=a["h0"],
                                  delta_softplus=True),
    selective_scan_make, selective_scan_expect)

# The explicit scale: the default one needs a static K > 0.
LA_SCALE = 0.5
LA_GATE_LETTERS = {"none": None, "key": "BTHK", "scalar": "BTH"}


def linear_attention_op(name, gate_kind, delta):
    args = [("q", "BTHK"), ("k", "BTHK"), ("v", "BTHV")]
    if gate_kind != "none":
        args.append(("g", LA_GATE_LETTERS[gate_kind]))
    if delta:
        args.append(("beta", "BTH"))
    args.append(("h0", "BHKV"))

    def emit(f, a):
        return f.linear_attention(a["q"], a["k"], a["v"], g=a.get("g"),
                                  gate_kind=gate_kind, beta=a.get("beta"),
                                  h0=a["h0"], scale=LA_SCALE)

    def make(rand, s):
        B, T, H, K, V = s["B"], s["T"], s["H"], s["K"], s["V"]
        inputs = {"q": rand.normal((B, T, H, K)),
                  "k": rand.normal((B, T, H, K), scale=0.5),
                  "v": rand.normal((B, T, H, V)),
                  "h0": rand.normal((B, H, K, V))}
        if gate_kind == "key":
            inputs["g"] = rand.log_decay((B, T, H, K))
        elif gate_kind == "scalar":
            inputs["g"] = rand.log_decay((B, T, H))
        if delta:
            inputs["beta"] = rand.uniform((B, T, H), 0.1, 0.9)
        return inputs

    def expect(i):
        o, h_last = reference.linear_attention(
            i["q"], i["k"], i["v"], g=i.get("g"), gate_kind=gate_kind,
            beta=i.get("beta"), h0=i["h0"], scale=LA_SCALE)
        return {"o": o, "h_last": h_last}

    return Op(name, args, [("o", "BTHV"), ("h_last", "BHKV")],
              {"B": 2, "T": 3, "H": 2, "K": 3, "V": 4},
              [(d, {d: 0}) for d in "BTHKV"], "BT", emit, make, expect)


ATT_SCALE = 0.5


def attention_make(rand, s):
    B, T, S, H, G, D, E = (s[c] for c in "BTSHGDE")
    return {"q": rand.normal((B, T, H, D)), "k": rand.normal((B, S, G, D)),
            "v": rand.normal((B, S, G, E))}


ATTENTION = Op(
    "attention", [("q", "BTHD"), ("k", "BSGD"), ("v", "BSGE")],
    [("o", "BTHE")],
    # G is Hkv and E is Dv; S > T: a KV cache of 2 tokens.
    {"B": 2, "T": 3, "S": 5, "H": 4, "G": 2, "D": 3, "E": 4},
    # Hkv >= 1 (verifier); H = 0 keeps H % Hkv == 0. S = 0 with T = 0 (a
    # fresh cache), and S < T (allowed: no query sees a key, o = 0).
    [("B", {"B": 0}), ("T", {"T": 0}), ("H", {"H": 0}), ("D", {"D": 0}),
     ("Dv", {"E": 0}), ("S,T", {"S": 0, "T": 0}), ("S", {"S": 0})],
    "BTS",
    lambda f, a: (f.attention(a["q"], a["k"], a["v"], causal=True,
                              scale=ATT_SCALE),),
    attention_make,
    lambda i: {"o": reference.attention(i["q"], i["k"], i["v"], causal=True,
                                        scale=ATT_SCALE)})


def conv1d_make(rand, s):
    B, T, C, W = s["B"], s["T"], s["C"], s["W"]
    return {"x": rand.normal((B, T, C)), "w": rand.normal((C, W), scale=0.5),
            "bias": rand.normal((C,)), "state": rand.normal((B, W - 1, C))}


def conv1d_expect(i):
    y, state = reference.conv1d(i["x"], i["w"], bias=i["bias"],
                                state=i["state"], activation="silu")
    return {"y": y, "state_out": state}


CONV1D = Op(
    "conv1d", [("x", "BTC"), ("w", "CW"), ("bias", "C"), ("state", "BLC")],
    [("y", "BTC"), ("state_out", "BLC")],
    # L is the state's W - 1 rows.
    {"B": 2, "T": 3, "C": 4, "W": 3, "L": 2},
    # W >= 1 (verifier): W = 1 gives the zero-row state.
    [("B", {"B": 0}), ("T", {"T": 0}), ("C", {"C": 0}),
     ("W=1", {"W": 1, "L": 0})],
    "BT",
    lambda f, a: f.conv1d(a["x"], a["w"], bias=a["bias"], state=a["state"],
                          activation="silu"),
    conv1d_make, conv1d_expect)

OPS = [
    scan_op("scan", False),
    scan_op("scan_reverse", True),
    SELECTIVE_SCAN,
    linear_attention_op("la_plain", "none", False),
    linear_attention_op("la_key_gate", "key", False),
    linear_attention_op("la_delta", "scalar", True),
    ATTENTION,
    CONV1D,
]


# -- functions and cases -----------------------------------------------------

@dataclass
class Function:
    """A compiled function: its op, the sizes of its static dims (None for
    dynamic) and the calls (zero-case label, sizes) it is checked with."""
    name: str
    op: Op
    kind: str                       # static, dynamic, dynamic-bt
    static: Dict[str, Optional[int]]
    calls: List[Tuple[str, Dict[str, int]]]


def functions() -> List[Function]:
    result = []
    for op in OPS:
        letters = set(op.sizes)
        for label, zero in op.zeros:
            sizes = dict(op.sizes, **zero)
            result.append(Function(f"{op.name}_{tag(label)}", op, "static",
                                   sizes, [(label, sizes)]))
        calls = [("none", dict(op.sizes))] + \
            [(label, dict(op.sizes, **zero)) for label, zero in op.zeros]
        result.append(Function(f"{op.name}_dyn", op, "dynamic",
                               {c: None for c in letters}, calls))
        token = {c: (None if c in op.token_dims else op.sizes[c])
                 for c in letters}
        result.append(Function(
            f"{op.name}_dynbt", op, "dynamic-bt", token,
            [(label, sizes) for label, sizes in calls
             if all(token[c] is None for c in sizes
                    if sizes[c] != op.sizes[c])]))
    return result


def tag(label: str) -> str:
    """A C name for a zero case: "S,T" -> "S0_T0", "W=1" -> "W1"."""
    if "=" in label:
        return label.replace("=", "")
    return "_".join(f"{dim}0" for dim in label.split(","))


def shape_of(letters: str, static: Dict[str, Optional[int]]):
    shape = tuple(static[c] for c in letters)
    names = [c for c in letters if static[c] is None]
    return shape, (names or None)


def add_function(module: Module, fn: Function) -> None:
    f = module.function(fn.name)
    values = {}
    for name, letters in fn.op.args:
        shape, names = shape_of(letters, fn.static)
        values[name] = f.arg(name, shape, dim_names=names)
    outs = fn.op.emit(f, values)
    for (name, letters), value in zip(fn.op.results, outs):
        _, names = shape_of(letters, fn.static)
        f.ret(value, name, dim_names=names)


def describe(fn: Function, label: str, pipeline: str) -> str:
    """e.g. "attention [S = T = 0] dynamic reference"."""
    if label == "none":
        zero = "no zero"
    elif "=" in label:
        zero = label.replace("=", " = ")
    else:
        zero = " = ".join(label.split(",")) + " = 0"
    return f"{fn.op.name} [{zero}] {fn.kind} {pipeline}"


# -- compiling ---------------------------------------------------------------

def first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() and not line.startswith("recur-compile failed"):
            return line
    return lines[-1] if lines else "(no output)"


def compile_group(workdir: str, stem: str, group: List[Function],
                  pipeline: str, options: List[str]):
    """Compiles `group` as one module; if that fails, each function alone.
    Returns {function name: (module or None, error)}."""
    def build(functions, name):
        module = Module()
        for fn in functions:
            add_function(module, fn)
        try:
            return compile_module(module.to_mlir(), workdir, stem=name,
                                  pipeline=pipeline, options=options), ""
        except RuntimeError as error:
            return None, first_error(str(error))

    model, error = build(group, stem)
    if model is not None:
        return {fn.name: (model, "") for fn in group}
    print(f"note: {stem} does not compile ({error}); compiling its "
          f"{len(group)} functions one by one", flush=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        alone = list(pool.map(lambda fn: build([fn], f"{stem}.{fn.name}"),
                              group))
    return {fn.name: result for fn, result in zip(group, alone)}


# -- calling -----------------------------------------------------------------

def call_nan(model, function: str, inputs: Dict[str, np.ndarray]):
    """Like CompiledModule.run, with every output filled with NaN before
    the call (so that an entry the code does not write shows)."""
    library = model.library
    sig = library.signatures[function]
    values = library.dims_of(function, inputs)
    arrays, outputs = [], []
    for buf in sig.buffers:
        shape = [values[d] if isinstance(d, str) else d for d in buf.shape]
        if buf.is_output:
            array = to_storage(np.full(shape, np.nan), buf.dtype)
            assert array.dtype == STORAGE[buf.dtype]
            outputs.append((buf, array))
        else:
            array = to_storage(inputs[buf.name], buf.dtype)
        arrays.append(array)
    run, message = library._functions[function]
    status = run(*([values[d] for d in sig.dims] +
                   [a.ctypes.data for a in arrays]))
    if status != 0:
        raise RuntimeError(f"status {status}: "
                           f"{message(status).decode(errors='replace')}")
    return {buf.name: from_storage(array, buf.dtype) for buf, array in outputs}


def in_child(work: Callable[[], None]) -> str:
    """Runs `work` in a forked child process: '' if it returns, else what
    went wrong (its exception, a signal, or a hang)."""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            work()
            text = ""
        except BaseException as error:  # reported to the parent
            text = f"{type(error).__name__}: {error}"
        sys.stdout.flush()
        os.write(write, text.encode(errors="replace"))
        os._exit(0)
    os.close(write)
    chunks, deadline = [], time.monotonic() + CALL_TIMEOUT
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([read], [], [], max(left, 0))
        if not ready:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return f"no answer within {CALL_TIMEOUT} s (killed)"
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return b"".join(chunks).decode(errors="replace")


def check_call(model, fn: Function, label: str, sizes: Dict[str, int],
               what: str) -> str:
    rand = Inputs(seed=sum(map(ord, fn.name + label)))
    inputs = fn.op.make(rand, sizes)
    expected = fn.op.expect(inputs)

    def work():
        out = call_nan(model, fn.name, inputs)
        errors = []
        for name, value in expected.items():
            try:
                check(f"{what}: {name} {tuple(value.shape)}", out[name],
                      value, "f32")
            except AssertionError as error:
                errors.append(str(error))
        if errors:
            raise AssertionError("; ".join(errors))

    return in_child(work)


def main(workdir: str) -> None:
    started = time.monotonic()
    all_functions = functions()
    groups = {kind: [fn for fn in all_functions if fn.kind == kind]
              for kind in ("static", "dynamic", "dynamic-bt")}
    jobs = [(pipeline, name, options, kind, group)
            for name, pipeline, options in PIPELINES
            for kind, group in groups.items()]

    def compile_job(job):
        pipeline, name, options, kind, group = job
        return compile_group(os.path.join(workdir, name), kind, group,
                             pipeline, options)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        compiled = list(pool.map(compile_job, jobs))
    print(f"compiled in {time.monotonic() - started:.0f} s", flush=True)

    cases, failures = 0, []
    for (pipeline, name, options, kind, group), models in zip(jobs, compiled):
        for fn in group:
            model, error = models[fn.name]
            for label, sizes in fn.calls:
                what = describe(fn, label, name)
                cases += 1
                if model is None:
                    failures.append(f"{what}: compile: {error}")
                    continue
                problem = check_call(model, fn, label, sizes, what)
                if problem:
                    failures.append(f"{what}: run: {problem}")
    print(f"{cases} cases in {time.monotonic() - started:.0f} s, "
          f"{len(failures)} failed")
    for line in failures:
        print(f"FAIL {line}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
