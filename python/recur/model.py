"""Writes recur model descriptions (textual MLIR) from Python.

A `Module` holds `Function`s; a `Function` has named tensor arguments, recur
ops called as methods, and named results. Shapes use None for a dynamic
dimension, whose C name is given by `dim_names` (default: B for dimension 0,
T for dimension 1, as recur-compile assumes). Result types follow the op
semantics of docs/ops.md, so a description written here verifies.

The ops are in destination-passing style: each op method writes the
destinations itself (`tensor.empty` for an output, the given initial state or
a zero fill for a state), with dynamic sizes read off the operands.

    m = Module()
    f = m.function("mixer")
    q = f.arg("q", (None, None, 4, 64), "bf16")
    ...
    o, s = f.linear_attention(q, k, v, g=g, gate_kind="key")
    f.ret(o, "o"), f.ret(s, "h_last")
    text = m.to_mlir()

Besides the recur ops, the pieces of a block around them are generic linalg
ops: `map` (an elementwise expression of recur.expr scalars, inputs
broadcast over leading dimensions or given the dimensions they index),
`sum` (over the last dimension), `linear` (a torch Linear's weight layout,
f32 accumulation), `slice_last`, `split_heads` and `merge_heads`. Bodies
compute in f32: inputs are widened and the result rounded to the output's
type. recur.pieces builds normalizations from them.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from .expr import Body, Scalar

DTYPES = ("f32", "f16", "bf16")
# Integer arguments (token ids): inputs only, read by `embed`.
INDEX_DTYPES = ("i32",)


# Rows of a panel of a packed weight (Function.arg(packed=True)).
PANEL_ROWS = 16
# The attribute of a packed argument: the weight's rows N.
_PACKED_ROWS = "recur.packed_rows"


def packed_shape(shape: Sequence[int]) -> Tuple[int, int, int]:
    """The buffer shape of a packed weight [N, K]: [ceil(N / 16), K, 16]."""
    rows, inputs = shape
    return (-(-rows // PANEL_ROWS), inputs, PANEL_ROWS)


def pack_panels(weight):
    """A NumPy weight [N, K] in panels (Function.arg(packed=True)), the
    rows past N zero."""
    import numpy as np
    rows, inputs = weight.shape
    panels = packed_shape(weight.shape)[0]
    padded = np.zeros((panels * PANEL_ROWS, inputs), weight.dtype)
    padded[:rows] = weight
    return np.ascontiguousarray(
        padded.reshape(panels, PANEL_ROWS, inputs).transpose(0, 2, 1))


def _arg_name(attrs: Sequence[str]) -> str:
    """An argument's name, from its attributes (recur.name first)."""
    return attrs[0].split('"')[1]


def _is_packed(attrs: Sequence[str]) -> bool:
    """Whether an argument's attributes declare it packed."""
    return any(a.startswith(_PACKED_ROWS) for a in attrs)


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
    # The panels of a packed weight (Function.arg(packed=True)) that this
    # value unpacks: what a call passes for a packed parameter.
    panels: Optional["Value"] = field(default=None, compare=False,
                                      repr=False)

    @property
    def type(self) -> str:
        return tensor_type(self.shape, self.dtype)


def _float(value: float) -> str:
    return f"{float(value):.9e} : f32"


def _chunk_config(config: Optional[dict]) -> List[str]:
    """An op's own recur.chunk_config (docs/chunked-forms.md), e.g.
    {"chunk_size": 16, "serial_below": 16, "state_pass": "sequential",
    "linear_attention_form": "chunked", "key_splits": 3}: the attribute,
    or nothing for None."""
    if config is None:
        return []
    entries = []
    for key, value in sorted(config.items()):
        if isinstance(value, bool):
            entries.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            entries.append(f"{key} = {value} : i64")
        else:
            entries.append(f'{key} = "{value}"')
    return ["recur.chunk_config = {" + ", ".join(entries) + "}"]


@dataclass
class Function:
    name: str
    args: List[Tuple[Value, List[str]]] = field(default_factory=list)
    body: List[str] = field(default_factory=list)
    results: List[Tuple[Value, List[str]]] = field(default_factory=list)
    _counter: int = 0
    _constants: dict = field(default_factory=dict)
    # A private function: code the module's functions call (`call`), not
    # an entry point of the C interface.
    private: bool = False
    # Value name -> how many `linear` ops read it as their weight.
    _linear_weights: dict = field(default_factory=dict)

    def arg(self, name: str, shape, dtype: str = "f32", dim_names=None,
            checkpoint_name: Optional[str] = None,
            extra_attrs: Sequence[str] = (), packed: bool = False) -> Value:
        """An argument; `checkpoint_name` records the tensor's name in a
        checkpoint (in the header and the interface file); `extra_attrs`
        are more attributes of it (MLIR text, as recur.pools writes).

        A `packed` weight [N, K] (static, for `linear`) is passed in panels
        of PANEL_ROWS rows: the buffer is [ceil(N / 16), K, 16], row n's
        input k at [n // 16, k, n % 16] (`pack_panels`), which the CPU's
        projections read as one stream per panel. The header and the
        interface file record `packed_rows = N`; the runtimes pack a
        checkpoint's [N, K] tensor into it. The value returned is the
        weight [N, K] (a linalg.unpack of the argument); passed to a
        `call`, its panels go to a packed parameter."""
        if dtype not in DTYPES + INDEX_DTYPES:
            raise ValueError(f"unsupported dtype {dtype}")
        value = Value(f"%{name}", tuple(shape), dtype)
        if packed:
            if len(shape) != 2 or None in shape or dtype not in DTYPES or \
                    min(shape) < 1:
                raise ValueError(f"a packed argument is a static 2-D float "
                                 f"weight, not {tuple(shape)} {dtype}")
            value = Value(f"%{name}.panels", packed_shape(shape), dtype)
            extra_attrs = [*extra_attrs,
                           f"{_PACKED_ROWS} = {shape[0]} : i64"]
        attrs = [f'recur.name = "{name}"']
        if checkpoint_name is not None:
            if any(c in checkpoint_name for c in '"\\') or \
                    not checkpoint_name.isprintable():
                raise ValueError(f"checkpoint name {checkpoint_name!r}")
            attrs.append(f'recur.checkpoint_name = "{checkpoint_name}"')
        extra = _dim_names_attr(value.shape, dim_names)
        if extra:
            attrs.append(extra)
        attrs += extra_attrs
        self.args.append((value, attrs))
        return self._unpacked(value, tuple(shape)) if packed else value

    def _unpacked(self, panels: Value, shape) -> Value:
        """The weight `shape` [N, K] of a packed argument's panels."""
        weight = Value(self._fresh("unpacked"), shape, panels.dtype, panels)
        empty = self._fresh("empty")
        self.body.append(f"{empty} = tensor.empty() : {weight.type}")
        self.body.append(
            f"{weight.name} = linalg.unpack {panels.name} inner_dims_pos = "
            f"[0] inner_tiles = [{PANEL_ROWS}] into {empty} : "
            f"{panels.type} -> {weight.type}")
        return weight

    def ret(self, value: Value, name: str, dim_names=None) -> None:
        attrs = [f'recur.name = "{name}"']
        extra = _dim_names_attr(value.shape, dim_names)
        if extra:
            attrs.append(extra)
        self.results.append((value, attrs))

    def update(self, arg: Value, value: Value) -> None:
        """Returns `value` written over the argument `arg` (of its type):
        the C interface takes `arg` as an input that the call also writes
        in place (a state pool), with no output buffer of its own."""
        index = next((i for i, (v, _) in enumerate(self.args) if v is arg),
                     None)
        if index is None or value.type != arg.type:
            raise ValueError(f"update of {arg.name}: {value.type} is not "
                             "written over an argument of its type")
        self.results.append((value, [f"recur.updates = {index} : i64"]))

    # -- destinations ------------------------------------------------------

    def _fresh(self, stem: str) -> str:
        self._counter += 1
        return f"%{stem}{self._counter}"

    def _constant(self, text: str, type_: str) -> str:
        key = (text, type_)
        if key not in self._constants:
            name = self._fresh("c")
            self.body.append(f"{name} = arith.constant {text} : {type_}")
            self._constants[key] = name
        return self._constants[key]

    def _size(self, source: Value, index: int, minus_one: bool) -> str:
        """A dynamic size: dimension `index` of `source` (less one)."""
        name = self._fresh("d")
        self.body.append(f"{name} = tensor.dim {source.name}, "
                         f"{self._constant(str(index), 'index')} : {source.type}")
        if minus_one:
            less = self._fresh("d")
            self.body.append(f"{less} = arith.subi {name}, "
                             f"{self._constant('1', 'index')} : index")
            name = less
        return name

    def _destination(self, shape, dtype: str, sources, zero: bool) -> Value:
        """A tensor of `shape`, each dynamic size read from its entry of
        `sources` ((value, dim) or (value, dim, True) for the size less one);
        zero-filled if `zero` (a fresh state), else uninitialized (an output).
        """
        sizes = [self._size(*src) if len(src) == 3 else self._size(*src, False)
                 for d, src in zip(shape, sources) if d is None]
        result = Value(self._fresh("init"), tuple(shape), dtype)
        empty = result.name if not zero else self._fresh("empty")
        self.body.append(f"{empty} = tensor.empty({', '.join(sizes)}) : "
                         f"{result.type}")
        if zero:
            zero_value = self._constant("0.0", dtype)
            self.body.append(f"{result.name} = linalg.fill ins({zero_value} : "
                             f"{dtype}) outs({empty} : {result.type}) -> "
                             f"{result.type}")
        return result

    # -- ops ---------------------------------------------------------------

    def _emit(self, op: str, inputs: List[Value], clauses: List[Tuple[str, Value]],
              outs: List[Value], keywords: List[str], attrs: List[str]):
        names = [f"%v{self._counter}_{i}" for i in range(len(outs))]
        self._counter += 1
        results = [Value(n, o.shape, o.dtype) for n, o in zip(names, outs)]

        def group(values):
            return (", ".join(v.name for v in values) + " : "
                    + ", ".join(v.type for v in values))

        text = f"{', '.join(names)} = recur.{op} ins({group(inputs)})"
        for keyword, value in clauses:
            text += f" {keyword}({group([value])})"
        text += f" outs({group(outs)})"
        if keywords:
            text += " " + " ".join(keywords)
        if attrs:
            text += " {" + ", ".join(attrs) + "}"
        self.body.append(text)
        return results

    @staticmethod
    def _optional(keyword: str, value: Optional[Value],
                  clauses: List[Tuple[str, Value]]) -> None:
        if value is not None:
            clauses.append((keyword, value))

    def _state(self, given: Optional[Value], shape, dtype: str, sources) -> Value:
        """The state's destination: the initial state, or a zero fill."""
        if given is not None:
            return given
        return self._destination(shape, dtype, sources, zero=True)

    def scan(self, a: Value, b: Value, h0: Optional[Value] = None,
             reverse: bool = False):
        rank = len(a.shape)
        h = self._destination(a.shape, b.dtype, [(a, i) for i in range(rank)],
                              zero=False)
        state = self._state(h0, (a.shape[0],) + tuple(a.shape[2:]), "f32",
                            [(a, 0)] + [(a, i) for i in range(2, rank)])
        return self._emit("scan", [a, b], [], [h, state],
                          ["reverse"] if reverse else [], [])

    def selective_scan(self, u, delta, A, Bm, Cm, D=None, z=None,
                       delta_bias=None, h0=None, delta_softplus=False):
        clauses = []
        self._optional("skip", D, clauses)
        self._optional("gate", z, clauses)
        self._optional("delta_bias", delta_bias, clauses)
        y = self._destination(u.shape, u.dtype, [(u, 0), (u, 1), (u, 2)],
                              zero=False)
        state = self._state(h0, (u.shape[0], u.shape[2], A.shape[1]), "f32",
                            [(u, 0), (u, 2), (A, 1)])
        return self._emit("selective_scan", [u, delta, A, Bm, Cm], clauses,
                          [y, state],
                          ["delta_softplus"] if delta_softplus else [], [])

    def linear_attention(self, q, k, v, g=None, gate_kind="none", beta=None,
                         bonus=None, h0=None, scale=None, chunk_config=None):
        clauses = []
        if (g is None) != (gate_kind == "none"):
            raise ValueError("gate_kind 'none' exactly when g is absent")
        if g is not None:
            clauses.append((f"gate {gate_kind}", g))
        self._optional("beta", beta, clauses)
        self._optional("bonus", bonus, clauses)
        attrs = [f"scale = {_float(scale)}"] if scale is not None else []
        attrs += _chunk_config(chunk_config)
        o = self._destination(q.shape[:3] + (v.shape[3],), v.dtype,
                              [(q, 0), (q, 1), (q, 2), (v, 3)], zero=False)
        state = self._state(h0, (q.shape[0], q.shape[2], q.shape[3], v.shape[3]),
                            "f32", [(q, 0), (q, 2), (q, 3), (v, 3)])
        return self._emit("linear_attention", [q, k, v], clauses, [o, state],
                          [], attrs)

    def attention(self, q, k, v, causal=False, window=0, scale=None,
                  chunk_config=None):
        attrs = []
        if window:
            attrs.append(f"window = {int(window)} : i64")
        if scale is not None:
            attrs.append(f"scale = {_float(scale)}")
        attrs += _chunk_config(chunk_config)
        o = self._destination(q.shape[:3] + (v.shape[3],), q.dtype,
                              [(q, 0), (q, 1), (q, 2), (v, 3)], zero=False)
        return self._emit("attention", [q, k, v], [], [o],
                          ["causal"] if causal else [], attrs)[0]

    def conv1d(self, x, w, bias=None, state=None, activation="none"):
        clauses = []
        self._optional("bias", bias, clauses)
        width = w.shape[1]
        history = None if width is None else width - 1
        y = self._destination(x.shape, x.dtype, [(x, 0), (x, 1), (x, 2)],
                              zero=False)
        state = self._state(state, (x.shape[0], history, x.shape[2]), x.dtype,
                            [(x, 0), (w, 1, True), (x, 2)])
        keywords = [f"activation {activation}"] if activation != "none" else []
        return self._emit("conv1d", [x, w], clauses, [y, state], keywords, [])

    # -- block pieces: linalg ops on tensors -------------------------------

    def _leading_sizes(self, x: Value) -> List[str]:
        """The sizes of all but the last dimension of x, as MLIR operands
        of a slice: numbers, or `tensor.dim`s of x."""
        return [self._size(x, i, False) if d is None else str(d)
                for i, d in enumerate(x.shape[:-1])]

    def empty(self, shape, dtype: str, like: Value) -> Value:
        """An uninitialized tensor of `shape` (a destination to write
        into), each dynamic size that of the same dimension of `like`."""
        return self._empty(shape, dtype, like)

    def _empty(self, shape, dtype: str, source: Value) -> Value:
        """An uninitialized tensor of `shape`, each dynamic size read from
        the same dimension of `source` (aligned at the front)."""
        return self._destination(shape, dtype,
                                 [(source, i) for i in range(len(shape))],
                                 zero=False)

    @staticmethod
    def _operand(item) -> Tuple[Value, Optional[Tuple[int, ...]]]:
        """An input of `map` or `sum`: a Value, or (Value, dims) naming the
        output dimensions its own dimensions index."""
        if isinstance(item, Value):
            return item, None
        value, dims = item
        if len(dims) != len(value.shape):
            raise ValueError(f"{value.name}: {len(dims)} dims given for "
                             f"shape {value.shape}")
        return value, tuple(dims)

    @staticmethod
    def _indexed_dims(rank: int, value: Value,
                      dims: Optional[Tuple[int, ...]]) -> Tuple[int, ...]:
        """The output dimensions `value` indexes: `dims`, or by default its
        trailing ones."""
        if dims is not None:
            return dims
        offset = rank - len(value.shape)
        if offset < 0:
            raise ValueError(f"{value.name} has more dimensions than the "
                             "output")
        return tuple(range(offset, rank))

    @staticmethod
    def _affine(loops: int, picked: Sequence[int]) -> str:
        dims = ", ".join(f"d{i}" for i in range(loops))
        return (f"affine_map<({dims}) -> "
                f"({', '.join(f'd{i}' for i in picked)})>")

    def _broadcast(self, items):
        """The values of `items` (see _operand), the widest plain Value
        (whose shape is the iteration space's), and the inputs' indexing
        maps."""
        operands = [self._operand(item) for item in items]
        widest = max((v for v, d in operands if d is None),
                     key=lambda v: len(v.shape), default=None)
        if widest is None:
            raise ValueError("one input must give the output's shape")
        rank = len(widest.shape)
        maps = []
        for value, dims in operands:
            picked = self._indexed_dims(rank, value, dims)
            for size, dim in zip(value.shape, picked):
                out = widest.shape[dim]
                if size is not None and out is not None and size != out:
                    raise ValueError(f"{value.name} {value.shape} does not "
                                     f"match {widest.shape} on dimension "
                                     f"{dim}")
            maps.append(self._affine(rank, picked))
        return [v for v, _ in operands], widest, maps

    def _generic(self, inputs: Sequence[Value], maps: Sequence[str],
                 init: Value, out_map: str, iterators: Sequence[str],
                 fn, reduce: bool) -> Value:
        """A linalg.generic: the body widens each input to f32, computes
        `fn` on them (expr.Scalar values), adds the accumulator when
        `reduce`, and rounds to the output's type."""
        body = Body([f"%in{i}" for i in range(len(inputs))])
        lines = []
        widened = []
        for i, value in enumerate(inputs):
            if value.dtype == "f32":
                widened.append(body.args[i])
            else:
                name = f"%w{i}"
                lines.append(f"{name} = arith.extf %in{i} : {value.dtype} to "
                             "f32")
                widened.append(Scalar(body, name))
        result = fn(*widened)
        if reduce:
            result = result + Scalar(body, "%out")
        lines += body.lines
        final = result.name
        if init.dtype != "f32":
            final = "%rounded"
            lines.append(f"{final} = arith.truncf {result.name} : f32 to "
                         f"{init.dtype}")
        return self._generic_text(self._fresh("g"), inputs,
                                  [f"%in{i}" for i in range(len(inputs))],
                                  list(maps) + [out_map], iterators, init,
                                  lines, final)

    def _generic_text(self, name: str, inputs: Sequence[Value],
                      block_names: Sequence[str], maps: Sequence[str],
                      iterators: Sequence[str], init: Value,
                      lines: Sequence[str], final: str) -> Value:
        """Appends `name = linalg.generic` over `inputs` (block arguments
        `block_names`, then %out) into `init`, whose body is `lines` and
        yields `final`."""
        block_args = ", ".join([f"{arg}: {v.dtype}"
                                for arg, v in zip(block_names, inputs)] +
                               [f"%out: {init.dtype}"])
        ins = ""
        if inputs:
            ins = (f" ins({', '.join(v.name for v in inputs)} : "
                   f"{', '.join(v.type for v in inputs)})")
        iterator_text = ", ".join(f'"{it}"' for it in iterators)
        self.body.append(
            f"{name} = linalg.generic {{indexing_maps = "
            f"[{', '.join(maps)}], iterator_types = "
            f"[{iterator_text}]}}{ins} outs({init.name} : {init.type}) {{")
        self.body.append(f"^bb0({block_args}):")
        self.body += [f"  {line}" for line in lines]
        self.body.append(f"  linalg.yield {final} : {init.dtype}")
        self.body.append(f"}} -> {init.type}")
        return Value(name, init.shape, init.dtype)

    def map(self, fn, *inputs, dtype: Optional[str] = None,
            into: Optional[Value] = None) -> Value:
        """fn (of f32 expr.Scalar values) elementwise over the shape of the
        widest input given as a plain Value; a plain Value broadcasts over
        the leading dimensions (its shape is the trailing one), and
        (value, dims) indexes the output dimensions `dims` (e.g. per-row
        statistics (stats, (0, 1)) of a [B, T, D] tensor). The result has
        `dtype` (default: the widest input's). With `into` (a tensor of the
        result's type, e.g. an input read for the last time), the result is
        written over it: a function returning it returns its argument's
        buffer."""
        values, widest, maps = self._broadcast(inputs)
        rank = len(widest.shape)
        init = self._empty(widest.shape, dtype or widest.dtype, widest)
        result = self._generic(values, maps, init,
                               self._affine(rank, range(rank)),
                               ["parallel"] * rank, fn, reduce=False)
        if into is None:
            return result
        return self.write_over(result, into)

    def sum(self, fn, *inputs) -> Value:
        """sum over the last dimension of fn(inputs...) (f32), for the
        shape of the widest plain input less its last dimension; inputs
        broadcast as in `map`."""
        values, widest, maps = self._broadcast(inputs)
        rank = len(widest.shape)
        shape = widest.shape[:-1]
        init = self._destination(shape, "f32",
                                 [(widest, i) for i in range(len(shape))],
                                 zero=True)
        return self._generic(values, maps, init,
                             self._affine(rank, range(rank - 1)),
                             ["parallel"] * (rank - 1) + ["reduction"], fn,
                             reduce=True)

    def _contract(self, what: str, x: Value, weight: Value,
                  weight_dims: Sequence[str], dtype: str) -> Value:
        """x [..., in] times `weight` reduced over `in`: [..., out],
        accumulated in f32. `weight_dims` names the weight's dimensions in
        order: "in", "out", and for head_linear a leading "head" (x's
        dimension -2)."""
        rank = len(x.shape)
        if len(weight.shape) != len(weight_dims) or \
                (weight_dims[0] == "head" and rank < 2):
            raise ValueError(f"the weight of {what} must be "
                             f"[{', '.join(weight_dims)}]")
        sizes = {"in": x.shape[-1],
                 "head": x.shape[-2] if rank > 1 else None}
        for name, size in zip(weight_dims, weight.shape):
            if name != "out" and size is not None and \
                    sizes[name] is not None and size != sizes[name]:
                raise ValueError(f"{what}: x {x.shape} against weight "
                                 f"{weight.shape}")
        out = weight_dims.index("out")
        shape = x.shape[:-1] + (weight.shape[out],)
        sources = [(x, i) for i in range(rank - 1)] + [(weight, out)]
        accumulator = self._destination(shape, "f32", sources, zero=True)
        # Loops: x's leading dimensions, out (rank - 1), then in (rank).
        loops = rank + 1
        loop_of = {"in": rank, "out": rank - 1, "head": rank - 2}
        x_map = self._affine(loops, list(range(rank - 1)) + [rank])
        w_map = self._affine(loops, [loop_of[d] for d in weight_dims])
        result = self._generic([x, weight], [x_map, w_map], accumulator,
                               self._affine(loops, range(rank)),
                               ["parallel"] * rank + ["reduction"],
                               lambda a, w: a * w, reduce=True)
        if dtype == "f32":
            return result
        return self.map(lambda v: v, result, dtype=dtype)

    def linear(self, x: Value, weight: Value, dtype: str = "f32") -> Value:
        """x [..., in] times weight [out, in] transposed (the layout of a
        torch Linear's weight): [..., out], accumulated in f32. The weight
        is read as it is stored: the CPU target multiplies each token's row
        by the weight's rows (`--recur-cpu-projections`), with no copy; a
        weight declared `packed` (Function.arg) is read in its panels by
        outer products in registers, which runs closer to the FMA peak."""
        uses = self._linear_weights
        uses[weight.name] = uses.get(weight.name, 0) + 1
        return self._contract("linear", x, weight, ("out", "in"), dtype)

    def transpose(self, x: Value) -> Value:
        """A static 2-D x transposed (a copy)."""
        if len(x.shape) != 2 or None in x.shape:
            raise ValueError(f"transpose needs a static 2-D x, got {x.shape}")
        rows, cols = x.shape
        result = Value(self._fresh("tr"), (cols, rows), x.dtype)
        empty = self._fresh("empty")
        self.body.append(f"{empty} = tensor.empty() : {result.type}")
        self.body.append(f"{result.name} = linalg.transpose ins({x.name} : "
                         f"{x.type}) outs({empty} : {result.type}) "
                         f"permutation = [1, 0]")
        return result

    def head_linear(self, x: Value, weight: Value, dtype: str = "f32",
                    transposed: bool = False) -> Value:
        """Per-head matmuls (a block-diagonal projection): x [..., H, in]
        times weight [H, in, out] (each head's own matrix, in x out as
        torch.bmm reads it), or with `transposed` weight [H, out, in] (a
        torch Linear's per head): [..., H, out], accumulated in f32."""
        dims = ("head", "out", "in") if transposed else ("head", "in", "out")
        return self._contract("head_linear", x, weight, dims, dtype)

    def matmul(self, x: Value, weight: Value, dtype: str = "f32") -> Value:
        """x [..., in] times weight [in, out] (a plain matrix, as `x @ W`
        reads it, rather than a torch Linear's [out, in]): [..., out],
        accumulated in f32."""
        return self._contract("matmul", x, weight, ("in", "out"), dtype)

    def constant(self, values: Sequence[float],
                 dtype: str = "f32") -> Value:
        """A 1-D tensor of the given values (e.g. per-head constants or
        rotary frequencies), as an arith.constant."""
        result = Value(self._fresh("cst"), (len(values),), dtype)
        text = ", ".join(f"{float(v):.9e}" for v in values)
        self.body.append(f"{result.name} = arith.constant dense<[{text}]> "
                         f": {result.type}")
        return result

    def full(self, shape, value: float, dtype: str = "f32") -> Value:
        """A tensor of static `shape` with every element `value` (e.g.
        the fixed taps of a convolution)."""
        if any(d is None for d in shape):
            raise ValueError(f"full needs a static shape, got {shape}")
        result = Value(self._fresh("full"), tuple(shape), dtype)
        empty = self._fresh("empty")
        self.body.append(f"{empty} = tensor.empty() : {result.type}")
        fill = self._constant(f"{float(value):.9e}", dtype)
        self.body.append(f"{result.name} = linalg.fill ins({fill} : {dtype}) "
                         f"outs({empty} : {result.type}) -> {result.type}")
        return result

    def slice_last(self, x: Value, start: int, size: int) -> Value:
        """x[..., start : start + size] (a static range of the last
        dimension)."""
        return self.slice_dim(x, len(x.shape) - 1, start, size)

    def slice_dim(self, x: Value, dim: int, start: int, size: int) -> Value:
        """The static range [start, start + size) of x's dimension `dim`
        (a view)."""
        rank = len(x.shape)
        if x.shape[dim] is not None and start + size > x.shape[dim]:
            raise ValueError(f"slice [{start}, {start + size}) of dim {dim} "
                             f"of {x.shape}")
        sizes = [self._size(x, i, False) if d is None else str(d)
                 for i, d in enumerate(x.shape)]
        sizes[dim] = str(size)
        offsets = ["0"] * rank
        offsets[dim] = str(start)
        result = Value(self._fresh("s"), x.shape[:dim] + (size,) +
                       x.shape[dim + 1:], x.dtype)
        self.body.append(
            f"{result.name} = tensor.extract_slice {x.name}"
            f"[{', '.join(offsets)}] [{', '.join(sizes)}] "
            f"[{', '.join(['1'] * rank)}] : {x.type} to {result.type}")
        return result

    def embed(self, table: Value, ids: Value, dtype: str = "f32") -> Value:
        """The rows of `table` [V, d] (static) that `ids` [B, T] (i32)
        pick: [B, T, d] in `dtype`. An id outside [0, V) is clamped into
        it, so the read stays inside the table (a runner refuses such ids
        before the call: recur.models.generate). A packed table (a tied
        lm_head's, Function.arg(packed=True)) is read in its panels."""
        if len(table.shape) != 2 or None in table.shape or \
                ids.dtype not in INDEX_DTYPES or len(ids.shape) != 2:
            raise ValueError(f"embed: table {table.shape} {table.dtype}, "
                             f"ids {ids.shape} {ids.dtype}")
        rows, width = table.shape
        init = self._destination(ids.shape + (width,), dtype,
                                 [(ids, 0), (ids, 1)], zero=False)
        name = self._fresh("emb")
        ids_map = self._affine(3, (0, 1))
        out_map = self._affine(3, (0, 1, 2))
        value = "%row"
        zero = self._constant("0", "index")
        last = self._constant(str(rows - 1), "index")
        lines = [f"%i = arith.index_cast %id : {ids.dtype} to index",
                 f"%low = arith.maxsi %i, {zero} : index",
                 f"%row_index = arith.minsi %low, {last} : index",
                 "%column = linalg.index 2 : index"]
        if table.panels is None:
            lines.append(f"%row = tensor.extract {table.name}[%row_index, "
                         f"%column] : {table.type}")
        else:
            # The panel and the lane clamped into their ranges (which they
            # are in): the run-time checks' analysis follows maxsi and minsi
            # but not the division, and proves the read inside from them.
            panels = table.panels.shape[0]
            panel_rows = self._constant(str(PANEL_ROWS), "index")
            last_panel = self._constant(str(panels - 1), "index")
            last_lane = self._constant(str(PANEL_ROWS - 1), "index")
            lines += [f"%quotient = arith.divui %row_index, {panel_rows} : "
                      f"index",
                      f"%remainder = arith.remui %row_index, {panel_rows} : "
                      f"index",
                      f"%panel_low = arith.maxsi %quotient, {zero} : index",
                      f"%panel = arith.minsi %panel_low, {last_panel} : index",
                      f"%lane_low = arith.maxsi %remainder, {zero} : index",
                      f"%lane = arith.minsi %lane_low, {last_lane} : index",
                      f"%row = tensor.extract {table.panels.name}[%panel, "
                      f"%column, %lane] : {table.panels.type}"]
        if table.dtype != dtype:
            op = "arith.extf" if table.dtype != "f32" else "arith.truncf"
            lines.append(f"%value = {op} %row : {table.dtype} to {dtype}")
            value = "%value"
        return self._generic_text(name, [ids], ["%id"], [ids_map, out_map],
                                  ["parallel"] * 3, init, lines, value)

    def top_k(self, scores: Value, k: int,
              values: Optional[Value] = None) -> Tuple[Value, Value]:
        """The k largest entries of `scores` [..., E] along the last
        dimension in descending order, ties to the lower index (as
        torch.topk): (their values [..., k] f32, or those of `values` (of
        the shape of `scores`) at the same places; their indices [..., k]
        as f32, exact below 2^24). Each entry's rank (how many entries
        come before it) is a reduction over the entries, and slot j sums
        the one entry of rank j."""
        width = scores.shape[-1]
        if width is None or not 0 < k <= width:
            raise ValueError(f"top_k: {k} of {scores.shape}")
        if values is not None and values.shape != scores.shape:
            raise ValueError(f"top_k: values {values.shape} for scores "
                             f"{scores.shape}")
        rank = len(scores.shape)
        lead = list(range(rank - 1))
        sources = [(scores, i) for i in lead]
        ranks = self._destination(scores.shape, "f32",
                                  sources + [(scores, rank - 1)], zero=True)
        # Loops: the leading dims, the entry (rank - 1), the other (rank).
        lines = [f"%.e = linalg.index {rank - 1} : index",
                 f"%.o = linalg.index {rank} : index",
                 "%.above = arith.cmpf ogt, %.other, %.entry : f32",
                 "%.tie = arith.cmpf oeq, %.other, %.entry : f32",
                 "%.lower = arith.cmpi ult, %.o, %.e : index",
                 "%.tied_lower = arith.andi %.tie, %.lower : i1",
                 "%.before = arith.ori %.above, %.tied_lower : i1",
                 "%.one = arith.constant 1.0 : f32",
                 "%.count = arith.addf %out, %.one : f32",
                 "%.rank = arith.select %.before, %.count, %out : f32"]
        widen = []
        if scores.dtype != "f32":
            widen = [f"%.entry = arith.extf %.in_e : {scores.dtype} to f32",
                     f"%.other = arith.extf %.in_o : {scores.dtype} to f32"]
        else:
            lines = [line.replace("%.other", "%.in_o").replace("%.entry",
                                                              "%.in_e")
                     for line in lines]
        ranks = self._generic_text(
            self._fresh("rank"), [scores, scores], ["%.in_e", "%.in_o"],
            [self._affine(rank + 1, lead + [rank - 1]),
             self._affine(rank + 1, lead + [rank]),
             self._affine(rank + 1, lead + [rank - 1])],
            ["parallel"] * rank + ["reduction"], ranks, widen + lines,
            "%.rank")
        picked = []
        chosen = scores if values is None else values
        for what, source in (("value", chosen), ("index", scores)):
            init = self._destination(
                scores.shape[:-1] + (k,), "f32",
                sources + [(scores, rank - 1)], zero=True)
            # Loops: the leading dims, the slot (rank - 1), the entry.
            body = [f"%.slot = linalg.index {rank - 1} : index",
                    f"%.e = linalg.index {rank} : index",
                    "%.slot_i = arith.index_cast %.slot : index to i64",
                    "%.slot_f = arith.sitofp %.slot_i : i64 to f32",
                    "%.hit = arith.cmpf oeq, %.r, %.slot_f : f32"]
            value = "%.v"
            if what == "value" and source.dtype != "f32":
                body.append(f"%.v = arith.extf %.s : {source.dtype} to f32")
            elif what == "value":
                value = "%.s"
            else:
                body += ["%.e_i = arith.index_cast %.e : index to i64",
                         "%.v = arith.sitofp %.e_i : i64 to f32"]
            body.append(f"%.picked = arith.select %.hit, {value}, %out : f32")
            picked.append(self._generic_text(
                self._fresh("topk"), [ranks, source], ["%.r", "%.s"],
                [self._affine(rank + 1, lead + [rank]),
                 self._affine(rank + 1, lead + [rank]),
                 self._affine(rank + 1, lead + [rank - 1])],
                ["parallel"] * rank + ["reduction"], init, body,
                "%.picked"))
        return picked[0], picked[1]

    def expert_linear(self, x: Value, weights: Value, experts: Value,
                      mix: Optional[Value] = None) -> Value:
        """For each slot of `experts` [..., k] (expert indices as f32,
        clamped into [0, E)), x times the Linear weight [out, in] of that
        expert in `weights` [E, out, in] (static): [..., k, out] f32; with
        `mix` [..., k], the slots' results weighted by it and summed:
        [..., out]. x is [..., in] (every slot reads the token) or
        [..., k, in] (a slot its own row). A token's slot reads only its
        expert's weights."""
        if len(weights.shape) != 3 or None in weights.shape:
            raise ValueError(f"expert_linear: weights {weights.shape}")
        count, outs, ins = weights.shape
        rank = len(experts.shape)
        per_slot = len(x.shape) == rank + 1
        if x.shape[-1] != ins or len(x.shape) not in (rank, rank + 1) or \
                mix is not None and mix.shape != experts.shape:
            raise ValueError(f"expert_linear: x {x.shape} against weights "
                             f"{weights.shape}, experts {experts.shape}")
        lead = list(range(rank - 1))
        # Loops: the leading dims, then the slot and out (in the order of
        # the result's dimensions), then in.
        slot, out, inner = (rank - 1, rank, rank + 1) if mix is None \
            else (rank, rank - 1, rank + 1)
        loops = rank + 2
        sources = [(experts, i) for i in lead]
        if mix is None:
            shape = experts.shape + (outs,)
            sources += [(experts, rank - 1), None]
            result_dims = lead + [slot, out]
        else:
            shape = experts.shape[:-1] + (outs,)
            sources += [None]
            result_dims = lead + [out]
        init = self._destination(shape, "f32", sources, zero=True)
        zero = self._constant("0", "index")
        last = self._constant(str(count - 1), "index")
        lines = ["%.id_i = arith.fptosi %.id : f32 to i64",
                 "%.id_x = arith.index_cast %.id_i : i64 to index",
                 f"%.low = arith.maxsi %.id_x, {zero} : index",
                 f"%.expert = arith.minsi %.low, {last} : index",
                 f"%.o = linalg.index {out} : index",
                 f"%.i = linalg.index {inner} : index",
                 f"%.w = tensor.extract {weights.name}[%.expert, %.o, %.i] "
                 f": {weights.type}"]
        w_value, x_value = "%.w", "%.a"
        if weights.dtype != "f32":
            lines.append(f"%.w_f = arith.extf %.w : {weights.dtype} to f32")
            w_value = "%.w_f"
        if x.dtype != "f32":
            lines.append(f"%.a_f = arith.extf %.a : {x.dtype} to f32")
            x_value = "%.a_f"
        lines.append(f"%.p = arith.mulf {x_value}, {w_value} : f32")
        product = "%.p"
        inputs, names = [x, experts], ["%.a", "%.id"]
        maps = [self._affine(loops, lead + ([slot] if per_slot else [])
                             + [inner]),
                self._affine(loops, lead + [slot])]
        if mix is not None:
            inputs.append(mix)
            names.append("%.m")
            maps.append(self._affine(loops, lead + [slot]))
            lines.append("%.pm = arith.mulf %.p, %.m : f32")
            product = "%.pm"
        lines.append(f"%.sum = arith.addf %out, {product} : f32")
        iterators = ["parallel"] * (loops - 2 if mix is not None
                                    else loops - 1)
        iterators += ["reduction"] * (loops - len(iterators))
        return self._generic_text(
            self._fresh("experts"), inputs, names,
            maps + [self._affine(loops, result_dims)], iterators, init,
            lines, "%.sum")

    def last_token(self, x: Value) -> Value:
        """x[:, T-1:T] of x [B, T, ...] (T >= 1): [B, 1, ...]."""
        rank = len(x.shape)
        sizes = [self._size(x, 0, False) if x.shape[0] is None
                 else str(x.shape[0]), "1"]
        sizes += [self._size(x, i, False) if x.shape[i] is None else
                  str(x.shape[i]) for i in range(2, rank)]
        start = self._size(x, 1, True) if x.shape[1] is None \
            else str(x.shape[1] - 1)
        offsets = ["0", start] + ["0"] * (rank - 2)
        result = Value(self._fresh("s"), (x.shape[0], 1) + x.shape[2:],
                       x.dtype)
        self.body.append(
            f"{result.name} = tensor.extract_slice {x.name}"
            f"[{', '.join(offsets)}] [{', '.join(sizes)}] "
            f"[{', '.join(['1'] * rank)}] : {x.type} to {result.type}")
        return result

    def split_heads(self, x: Value, heads: int) -> Value:
        """[..., heads * size] -> [..., heads, size]."""
        return self.split_dim(x, len(x.shape) - 1, heads)

    def split_dim(self, x: Value, dim: int, parts: int) -> Value:
        """x's dimension `dim` (static, parts * size) as two, [parts,
        size]."""
        width = x.shape[dim]
        if width is None or width % parts:
            raise ValueError(f"split_dim: {parts} parts of dim {dim} of "
                             f"{x.shape}")
        rank = len(x.shape)
        shape = x.shape[:dim] + (parts, width // parts) + x.shape[dim + 1:]
        sizes = [self._size(x, i, False) if d is None else str(d)
                 for i, d in enumerate(x.shape)]
        sizes[dim:dim + 1] = [str(parts), str(width // parts)]
        groups = [f"[{i}]" for i in range(dim)] + [f"[{dim}, {dim + 1}]"] + \
            [f"[{i + 1}]" for i in range(dim + 1, rank)]
        result = Value(self._fresh("h"), shape, x.dtype)
        self.body.append(
            f"{result.name} = tensor.expand_shape {x.name} "
            f"[{', '.join(groups)}] output_shape [{', '.join(sizes)}] : "
            f"{x.type} into {result.type}")
        return result

    def concat_last(self, *values: Value) -> Value:
        """The values concatenated along their last dimension (static
        sizes there; the other dimensions agree): each inserted into a
        tensor whose other sizes are the first value's."""
        if any(v.shape[-1] is None for v in values):
            raise ValueError("concat_last needs static last dimensions")
        first = values[0]
        rank = len(first.shape)
        shape = first.shape[:-1] + (sum(v.shape[-1] for v in values),)
        result = self._empty(shape, first.dtype, first)
        sizes = self._leading_sizes(first)
        offset = 0
        for value in values:
            name = self._fresh("cat")
            offsets = ["0"] * (rank - 1) + [str(offset)]
            self.body.append(
                f"{name} = tensor.insert_slice {value.name} into "
                f"{result.name}[{', '.join(offsets)}] "
                f"[{', '.join(sizes + [str(value.shape[-1])])}] "
                f"[{', '.join(['1'] * rank)}] : {value.type} into "
                f"{result.type}")
            result = Value(name, shape, first.dtype)
            offset += value.shape[-1]
        return result

    def concat_time(self, *values: Value) -> Value:
        """The values concatenated along dimension 1 (time; static or
        dynamic sizes there, size 0 included; the other dimensions agree):
        each inserted into a tensor whose other sizes are the first
        value's, e.g. a KV cache [B, S, ...] and the new tokens' keys
        [B, T, ...] into [B, S + T, ...]."""
        first = values[0]
        rank = len(first.shape)
        if rank < 2 or any(len(v.shape) != rank for v in values):
            raise ValueError("concat_time needs values of one rank >= 2")

        def operand(text):
            return text if text.startswith("%") else \
                self._constant(text, "index")

        def add(a, b):
            if a == "0":
                return b
            if not a.startswith("%") and not b.startswith("%"):
                return str(int(a) + int(b))
            name = self._fresh("d")
            self.body.append(f"{name} = arith.addi {operand(a)}, "
                             f"{operand(b)} : index")
            return name

        lengths = [self._size(v, 1, False) if v.shape[1] is None
                   else str(v.shape[1]) for v in values]
        offsets = ["0"]
        for length in lengths:
            offsets.append(add(offsets[-1], length))
        total = offsets.pop()
        shape = (first.shape[0],) + \
            (None if total.startswith("%") else int(total),) + \
            first.shape[2:]
        sizes = [total if i == 1 else
                 self._size(first, i, False) if d is None else str(d)
                 for i, d in enumerate(first.shape)]
        result = Value(self._fresh("init"), shape, first.dtype)
        dynamic = [s for d, s in zip(shape, sizes) if d is None]
        self.body.append(f"{result.name} = tensor.empty("
                         f"{', '.join(dynamic)}) : {result.type}")
        for value, length, offset in zip(values, lengths, offsets):
            name = self._fresh("cat")
            at = ["0", offset] + ["0"] * (rank - 2)
            self.body.append(
                f"{name} = tensor.insert_slice {value.name} into "
                f"{result.name}[{', '.join(at)}] "
                f"[{', '.join(sizes[:1] + [length] + sizes[2:])}] "
                f"[{', '.join(['1'] * rank)}] : {value.type} into "
                f"{result.type}")
            result = Value(name, shape, first.dtype)
        return result

    def merge_heads(self, x: Value) -> Value:
        """[..., heads, size] -> [..., heads * size]."""
        return self.merge_dims(x, len(x.shape) - 2)

    def repeat_heads(self, x: Value, times: int) -> Value:
        """[..., G, N] -> [..., G * times, N]: head h reads group
        h // times (torch's repeat_interleave on the head dimension)."""
        rank = len(x.shape)
        groups = x.shape[-2]
        if groups is None:
            raise ValueError("repeat_heads needs a static group count")
        wide = x.shape[:-1] + (times,) + x.shape[-1:]
        sources = [(x, i) for i in range(rank - 1)] + [None, (x, rank - 1)]
        sizes = [self._size(*src, False) for d, src in zip(wide, sources)
                 if d is None]
        init = Value(self._fresh("init"), wide, x.dtype)
        self.body.append(f"{init.name} = tensor.empty({', '.join(sizes)}) : "
                         f"{init.type}")
        picked = list(range(rank - 1)) + [rank]
        repeated = self._generic([x], [self._affine(rank + 1, picked)], init,
                                 self._affine(rank + 1, range(rank + 1)),
                                 ["parallel"] * (rank + 1), lambda a: a,
                                 reduce=False)
        return self.merge_dims(repeated, rank - 2)

    def merge_dims(self, x: Value, first: int) -> Value:
        """Dimensions `first` and `first + 1` of x merged into one (static
        sizes, or a unit dimension)."""
        rank = len(x.shape)
        a, b = x.shape[first], x.shape[first + 1]
        if a is None or b is None:
            raise ValueError("merge_dims needs static sizes")
        groups = [f"[{i}]" for i in range(first)] + \
            [f"[{first}, {first + 1}]"] + \
            [f"[{i}]" for i in range(first + 2, rank)]
        shape = x.shape[:first] + (a * b,) + x.shape[first + 2:]
        result = Value(self._fresh("m"), shape, x.dtype)
        self.body.append(
            f"{result.name} = tensor.collapse_shape {x.name} "
            f"[{', '.join(groups)}] : {x.type} into {result.type}")
        return result

    def write_over(self, value: Value, dest: Value) -> Value:
        """`value`, computed into a fresh tensor, written over the whole of
        `dest` (of its type): a tensor.insert_slice, which empty-tensor
        elimination turns into `value` computed in `dest`'s buffer. A
        function that returns the result returns its argument's buffer.
        (For a value that may already be in `dest`'s buffer, an op's
        destination, copy_into costs less.)"""
        if value.type != dest.type:
            raise ValueError(f"{value.type} written over {dest.type}")
        rank = len(dest.shape)
        sizes = [self._size(dest, i, False) if d is None else str(d)
                 for i, d in enumerate(dest.shape)]
        written = Value(self._fresh("over"), dest.shape, dest.dtype)
        self.body.append(
            f"{written.name} = tensor.insert_slice {value.name} into "
            f"{dest.name}[{', '.join(['0'] * rank)}] [{', '.join(sizes)}] "
            f"[{', '.join(['1'] * rank)}] : {value.type} into {dest.type}")
        return written

    def copy_into(self, value: Value, dest: Value) -> Value:
        """`value` written over `dest` (of its type): linalg.copy, which
        costs nothing where `value` already is `dest`'s buffer (an op's
        destination), and makes a function that returns the result return
        its argument's buffer."""
        if value.type != dest.type:
            raise ValueError(f"copy of {value.type} into {dest.type}")
        result = Value(self._fresh("copy"), dest.shape, dest.dtype)
        self.body.append(f"{result.name} = linalg.copy ins({value.name} : "
                         f"{value.type}) outs({dest.name} : {dest.type}) -> "
                         f"{dest.type}")
        return result

    def call(self, callee: "Function", args: Sequence[Value]) -> List[Value]:
        """The results of a call of the private function `callee` on
        `args` (its arguments' types; for a packed parameter, a weight
        whose panels have its type, which the call passes). The call is
        not inlined: the callee is compiled once, however many calls it
        has."""
        args = [a.panels if _is_packed(attrs) and a.panels is not None
                else a for a, (_, attrs) in zip(args, callee.args)]
        if not callee.private or len(args) != len(callee.args) or any(
                a.type != p.type for a, (p, _) in zip(args, callee.args)):
            raise ValueError(f"call of @{callee.name}: arguments "
                             f"{[a.type for a in args]}")
        name = self._fresh("call")
        results = [v for v, _ in callee.results]
        self.body.append(
            f"{name}:{len(results)} = func.call @{callee.name}"
            f"({', '.join(a.name for a in args)}) {{no_inline}} : "
            f"({', '.join(a.type for a in args)}) -> "
            f"({', '.join(v.type for v in results)})")
        return [Value(f"{name}#{i}", v.shape, v.dtype)
                for i, v in enumerate(results)]

    # -- arguments ---------------------------------------------------------

    def packed_args(self) -> List[str]:
        """The names of the arguments declared packed."""
        return [_arg_name(attrs) for _, attrs in self.args
                if _is_packed(attrs)]

    def linear_only_args(self) -> List[str]:
        """The names of the static 2-D float arguments that the body reads
        only as the weights of `linear` ops (at least one): those that a
        packed declaration would serve with no copy."""
        names = []
        for value, attrs in self.args:
            reads = self._linear_weights.get(value.name, 0)
            if reads and len(value.shape) == 2 and None not in value.shape \
                    and value.dtype in DTYPES and \
                    self._reads(value) == reads:
                names.append(_arg_name(attrs))
        return names

    def _reads(self, value: Value) -> int:
        """How many lines of the body (and the results) name `value`."""
        name = re.compile(re.escape(value.name) + r"(?![\w$.-])")
        lines = self.body + [v.name for v, _ in self.results]
        return sum(1 for line in lines if name.search(line))

    # -- text --------------------------------------------------------------

    def to_mlir(self) -> str:
        args = ", ".join(f"{v.name}: {v.type} {{{', '.join(a)}}}"
                         for v, a in self.args)
        results = ", ".join(f"{v.type} {{{', '.join(a)}}}"
                            for v, a in self.results)
        visibility = "private " if self.private else ""
        lines = [f"func.func {visibility}@{self.name}({args}) -> ({results}) {{"]
        lines += [f"  {line}" for line in self.body]
        values = ", ".join(v.name for v, _ in self.results)
        types = ", ".join(v.type for v, _ in self.results)
        lines.append(f"  return {values} : {types}")
        lines.append("}")
        return "\n".join(lines)


class Module:
    def __init__(self):
        self.functions: List[Function] = []

    def function(self, name: str, private: bool = False) -> Function:
        f = Function(name, private=private)
        self.functions.append(f)
        return f

    def to_mlir(self) -> str:
        return "\n\n".join(f.to_mlir() for f in self.functions) + "\n"
