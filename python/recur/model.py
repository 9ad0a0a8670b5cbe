"""Writes recur model descriptions (textual MLIR) from Python.

A `Module` holds `Function`s; a `Function` has named tensor arguments, recur
ops called as methods, and named results. Shapes use None for a dynamic
dimension, whose C name is given by `dim_names` (default: B for dimension 0,
T for dimension 1, as recur-compile assumes). Result types follow the op
semantics of docs/ops.md, so a description written here verifies.

    m = Module()
    f = m.function("mixer")
    q = f.arg("q", (None, None, 4, 64), "bf16")
    ...
    o, s = f.linear_attention(q, k, v, g=g, gate_kind="key")
    f.ret(o, "o"), f.ret(s, "h_last")
    text = m.to_mlir()
"""

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

DTYPES = ("f32", "f16", "bf16")


def tensor_type(shape: Sequence[Optional[int]], dtype: str) -> str:
    dims = "".join(("?" if d is None else str(d)) + "x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def _dim_names_attr(shape, dim_names) -> Optional[str]:
    """The recur.dim_names attribute text, if the names differ from the default."""
    if dim_names is None:
        return None
    dynamic = [i for i, d in enumerate(shape) if d is None]
    if len(dim_names) != len(dynamic):
        raise ValueError(f"dim_names {dim_names} must name the {len(dynamic)} "
                         f"dynamic dimensions of {shape}")
    names = ", ".join(f'"{n}"' for n in dim_names)
    return f"recur.dim_names = [{names}]"


@dataclass
class Value:
    name: str
    shape: Tuple[Optional[int], ...]
    dtype: str

    @property
    def type(self) -> str:
        return tensor_type(self.shape, self.dtype)


def _float(value: float) -> str:
    return f"{float(value):.9e} : f32"


@dataclass
class Function:
    name: str
    args: List[Tuple[Value, List[str]]] = field(default_factory=list)
    body: List[str] = field(default_factory=list)
    results: List[Tuple[Value, List[str]]] = field(default_factory=list)
    _counter: int = 0

    def arg(self, name: str, shape, dtype: str = "f32", dim_names=None) -> Value:
        if dtype not in DTYPES:
            raise ValueError(f"unsupported dtype {dtype}")
        value = Value(f"%{name}", tuple(shape), dtype)
        attrs = [f'recur.name = "{name}"']
        extra = _dim_names_attr(value.shape, dim_names)
        if extra:
            attrs.append(extra)
        self.args.append((value, attrs))
        return value

    def ret(self, value: Value, name: str, dim_names=None) -> None:
        attrs = [f'recur.name = "{name}"']
        extra = _dim_names_attr(value.shape, dim_names)
        if extra:
            attrs.append(extra)
        self.results.append((value, attrs))

    # -- ops ---------------------------------------------------------------

    def _emit(self, op: str, operands: str, clauses: List[str], attrs: List[str],
              inputs: List[Value], outputs: List[Tuple[Tuple, str]]):
        names = [f"%v{self._counter}_{i}" for i in range(len(outputs))]
        self._counter += 1
        results = [Value(n, tuple(s), d) for n, (s, d) in zip(names, outputs)]
        text = f"{', '.join(names)} = recur.{op} {operands}"
        if clauses:
            text += " " + " ".join(clauses)
        if attrs:
            text += " {" + ", ".join(attrs) + "}"
        in_types = ", ".join(v.type for v in inputs)
        out_types = ", ".join(r.type for r in results)
        text += f" : ({in_types}) -> ({out_types})"
        self.body.append(text)
        return results

    @staticmethod
    def _optional(keyword: str, value: Optional[Value], inputs: List[Value],
                  clauses: List[str]) -> None:
        if value is not None:
            inputs.append(value)
            clauses.append(f"{keyword}({value.name})")

    def scan(self, a: Value, b: Value, h0: Optional[Value] = None,
             reverse: bool = False):
        inputs, clauses = [a, b], []
        self._optional("initial", h0, inputs, clauses)
        if reverse:
            clauses.append("reverse")
        state = (a.shape[0],) + tuple(a.shape[2:])
        return self._emit("scan", f"{a.name}, {b.name}", clauses, [], inputs,
                          [(a.shape, b.dtype), (state, "f32")])

    def selective_scan(self, u, delta, A, Bm, Cm, D=None, z=None,
                       delta_bias=None, h0=None, delta_softplus=False):
        inputs, clauses = [u, delta, A, Bm, Cm], []
        self._optional("skip", D, inputs, clauses)
        self._optional("gate", z, inputs, clauses)
        self._optional("delta_bias", delta_bias, inputs, clauses)
        self._optional("initial", h0, inputs, clauses)
        if delta_softplus:
            clauses.append("delta_softplus")
        operands = ", ".join(v.name for v in (u, delta, A, Bm, Cm))
        state = (u.shape[0], u.shape[2], A.shape[1])
        return self._emit("selective_scan", operands, clauses, [], inputs,
                          [(u.shape, u.dtype), (state, "f32")])

    def linear_attention(self, q, k, v, g=None, gate_kind="none", beta=None,
                         bonus=None, h0=None, scale=None):
        inputs, clauses = [q, k, v], []
        if (g is None) != (gate_kind == "none"):
            raise ValueError("gate_kind 'none' exactly when g is absent")
        if g is not None:
            inputs.append(g)
            clauses.append(f"gate {gate_kind}({g.name})")
        self._optional("beta", beta, inputs, clauses)
        self._optional("bonus", bonus, inputs, clauses)
        self._optional("initial", h0, inputs, clauses)
        attrs = [f"scale = {_float(scale)}"] if scale is not None else []
        state = (q.shape[0], q.shape[2], q.shape[3], v.shape[3])
        return self._emit("linear_attention", f"{q.name}, {k.name}, {v.name}",
                          clauses, attrs, inputs,
                          [(q.shape[:3] + (v.shape[3],), v.dtype),
                           (state, "f32")])

    def attention(self, q, k, v, causal=False, window=0, scale=None):
        clauses = ["causal"] if causal else []
        attrs = []
        if window:
            attrs.append(f"window = {int(window)} : i64")
        if scale is not None:
            attrs.append(f"scale = {_float(scale)}")
        out = q.shape[:3] + (v.shape[3],)
        return self._emit("attention", f"{q.name}, {k.name}, {v.name}",
                          clauses, attrs, [q, k, v], [(out, q.dtype)])[0]

    def conv1d(self, x, w, bias=None, state=None, activation="none"):
        inputs, clauses = [x, w], []
        self._optional("bias", bias, inputs, clauses)
        self._optional("initial", state, inputs, clauses)
        if activation != "none":
            clauses.append(f"activation {activation}")
        width = w.shape[1]
        history = None if width is None else width - 1
        return self._emit("conv1d", f"{x.name}, {w.name}", clauses, [], inputs,
                          [(x.shape, x.dtype),
                           ((x.shape[0], history, x.shape[2]), x.dtype)])

    # -- text --------------------------------------------------------------

    def to_mlir(self) -> str:
        args = ", ".join(f"{v.name}: {v.type} {{{', '.join(a)}}}"
                         for v, a in self.args)
        results = ", ".join(f"{v.type} {{{', '.join(a)}}}"
                            for v, a in self.results)
        lines = [f"func.func @{self.name}({args}) -> ({results}) {{"]
        lines += [f"  {line}" for line in self.body]
        values = ", ".join(v.name for v, _ in self.results)
        types = ", ".join(v.type for v, _ in self.results)
        lines.append(f"  return {values} : {types}")
        lines.append("}")
        return "\n".join(lines)


class Module:
    def __init__(self):
        self.functions: List[Function] = []

    def function(self, name: str) -> Function:
        f = Function(name)
        self.functions.append(f)
        return f

    def to_mlir(self) -> str:
        return "\n\n".join(f.to_mlir() for f in self.functions) + "\n"
