"""Scalar f32 expressions for the bodies of generated linalg ops.

A `Body` collects the MLIR lines of one region; `Scalar`s are its f32
values, combined with Python operators and the functions below, each of
which appends its op and returns the result:

    body = Body(["%x", "%b"])
    x, b = body.args
    y = silu(x + b)
    body.lines   # ['%e0 = arith.addf %x, %b : f32', ...]

Only f32 arithmetic appears here; `model.Function` widens inputs to f32
before the expression and rounds the result to its output type after it.
"""

from typing import List, Union

Number = Union[int, float]


class Body:
    """The lines of one region, and fresh names for its values."""

    def __init__(self, arg_names: List[str]):
        self.lines: List[str] = []
        self.args = [Scalar(self, name) for name in arg_names]
        self._count = 0

    def line(self, text: str) -> "Scalar":
        """A fresh value defined by `text` (an op and its operands, types
        included)."""
        self._count += 1
        name = f"%e{self._count}"
        self.lines.append(f"{name} = {text}")
        return Scalar(self, name)

    def emit(self, op: str, *operands: "Scalar") -> "Scalar":
        return self.line(f"{op} {', '.join(o.name for o in operands)} : f32")

    def constant(self, value: Number) -> "Scalar":
        return self.line(f"arith.constant {float(value):.9e} : f32")


class Scalar:
    """An f32 value of a `Body`."""

    def __init__(self, body: Body, name: str):
        self.body = body
        self.name = name

    def _lift(self, other: Union["Scalar", Number]) -> "Scalar":
        if isinstance(other, Scalar):
            return other
        return self.body.constant(other)

    def __add__(self, other):
        return self.body.emit("arith.addf", self, self._lift(other))

    def __radd__(self, other):
        return self.body.emit("arith.addf", self._lift(other), self)

    def __sub__(self, other):
        return self.body.emit("arith.subf", self, self._lift(other))

    def __rsub__(self, other):
        return self.body.emit("arith.subf", self._lift(other), self)

    def __mul__(self, other):
        return self.body.emit("arith.mulf", self, self._lift(other))

    def __rmul__(self, other):
        return self.body.emit("arith.mulf", self._lift(other), self)

    def __truediv__(self, other):
        return self.body.emit("arith.divf", self, self._lift(other))

    def __rtruediv__(self, other):
        return self.body.emit("arith.divf", self._lift(other), self)

    def __neg__(self):
        return self.body.emit("arith.negf", self)


def exp(x: Scalar) -> Scalar:
    return x.body.emit("math.exp", x)


def log(x: Scalar) -> Scalar:
    return x.body.emit("math.log", x)


def log1p(x: Scalar) -> Scalar:
    return x.body.emit("math.log1p", x)


def sqrt(x: Scalar) -> Scalar:
    return x.body.emit("math.sqrt", x)


def rsqrt(x: Scalar) -> Scalar:
    return x.body.emit("math.rsqrt", x)


def tanh(x: Scalar) -> Scalar:
    return x.body.emit("math.tanh", x)


def sin(x: Scalar) -> Scalar:
    return x.body.emit("math.sin", x)


def cos(x: Scalar) -> Scalar:
    return x.body.emit("math.cos", x)


def maximum(x: Scalar, y) -> Scalar:
    return x.body.emit("arith.maximumf", x, x._lift(y))


def minimum(x: Scalar, y) -> Scalar:
    return x.body.emit("arith.minimumf", x, x._lift(y))


def where_less(x: Scalar, limit, then, otherwise) -> Scalar:
    """`then` where x < limit, else `otherwise` (arith.cmpf olt and
    arith.select)."""
    limit, then, otherwise = (x._lift(v) for v in (limit, then, otherwise))
    flag = x.body.line(f"arith.cmpf olt, {x.name}, {limit.name} : f32")
    return x.body.line(f"arith.select {flag.name}, {then.name}, "
                       f"{otherwise.name} : f32")


def sigmoid(x: Scalar) -> Scalar:
    return 1.0 / (1.0 + exp(-x))


def silu(x: Scalar) -> Scalar:
    return x * sigmoid(x)


def softplus(x: Scalar) -> Scalar:
    """log(1 + exp(x)), written so that it neither overflows for large x
    nor loses the small values: max(x, 0) + log1p(exp(-|x|))."""
    magnitude = maximum(x, -x)
    return maximum(x, 0.0) + log1p(exp(-magnitude))


def log_sigmoid(x: Scalar) -> Scalar:
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-x)


def gelu_tanh(x: Scalar) -> Scalar:
    """GeLU, tanh approximation (as Griffin and Gemma use it)."""
    inner = 0.7978845608028654 * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + tanh(inner))
