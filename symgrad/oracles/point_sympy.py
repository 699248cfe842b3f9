"""SymPy's derivative of a function at a point, for functions with branches, loops and lists.

The function runs once, as plain Python, on `Traced` numbers: each carries a SymPy expression of the point's
coordinates and the float the plain function would compute. Comparisons, `min`, `max` and `abs` decide by the
float, so branches are taken and loops run exactly as at the point; lists are lists of Traced numbers, so
their lengths are the point's. The result's expression is then differentiated by SymPy (`sympy.diff`, no rule
of symgrad's) and evaluated with mpmath.

Assumes the function is in symgrad's language (its op calls rebound to the polymorphic op functions, see
`rebind`). Guarantees: `run(fun, args)` returns `(value, gradient)` as mpmath numbers, the gradient flattened
over list parameters' elements in order; a function that does something a number cannot (`range(x)` of a
traced value, `float(x)`) raises `NotTraceable`; one too large to differentiate symbolically in reasonable
time (more than `LIMIT` operations divided by the number of coordinates, or nested deeper than SymPy's
recursion allows) raises `TooLarge`. Errors of the function at the point
(ZeroDivisionError, a math domain error) propagate.

Conventions at kinks, chosen to be the ones Python's own operators give (and symgrad documents): `abs`, `fabs`,
`copysign` (in its first argument) and `relu` at 0 have derivative 0; `min`/`max` on a tie pick the first
argument, as Python's builtins do; `floor`, `ceil`, `trunc` and `sign` continue as the constant they take at the
point (slope 0, also at their jumps).
"""

from __future__ import annotations

import math
import numbers

from ..errors import SymgradError
from ..ops import REGISTRY

# SymPy differentiates the whole expression once per coordinate, so its time grows as operations x coordinates:
# at this many (about 2 s on the MLP of 41 weights), the trace stops and the tape engine compares alone.
LIMIT = 6_000
# SymPy's constructors and assumption queries walk an expression recursively, with a cost that grows with its
# depth: a chain of 1,500 tanh takes 40 s and then exhausts Python's recursion limit.
DEPTH_LIMIT = 150


class NotTraceable(SymgradError):
    """The function does something with a traced number that a plain number allows but a trace cannot follow."""


class TooLarge(SymgradError):
    """The trace is too large for SymPy to differentiate in reasonable time."""


class _Counter:
    __slots__ = ("coordinates", "count", "limit")

    def __init__(self, coordinates: int):
        self.count = 0
        self.coordinates = coordinates
        self.limit = LIMIT // max(1, coordinates)


class Traced:
    """A number on the trace: `expr` (SymPy), `value` (the float the plain function computes)."""

    __slots__ = ("counter", "depth", "expr", "sp", "value")

    def __init__(self, expr, value, sp, counter: _Counter, depth: int = 0):
        if depth > DEPTH_LIMIT:
            raise TooLarge(f"the expression at this point nests more than {DEPTH_LIMIT} operations deep, too deep "
                           "for SymPy's recursive algorithms")  # fmt: skip
        self.depth = depth
        counter.count += 1
        if counter.count > counter.limit:
            raise TooLarge(
                f"the function makes more than {counter.limit:,} operations at this point, too many for SymPy to "
                f"differentiate by {counter.coordinates} coordinates in reasonable time"
            )
        self.expr = expr
        self.value = value
        self.sp = sp
        self.counter = counter

    def _make(self, expr, value, other: Traced | None = None) -> Traced:
        depth = 1 + max(self.depth, other.depth if other is not None else 0)
        return Traced(expr, value, self.sp, self.counter, depth)

    def _other(self, other):
        """(expr, value) of an operand, or None for something that is not a number."""
        if isinstance(other, Traced):
            return other.expr, other.value
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            return None
        if isinstance(other, numbers.Integral):
            return self.sp.Integer(int(other)), int(other)
        return self.sp.Float(float(other), 17), float(other)  # 17 digits: the double exactly

    def _binary(self, other, expr_op, value_op, swap=False):
        pair = self._other(other)
        if pair is None:
            return NotImplemented
        a, b = (pair, (self.expr, self.value)) if swap else ((self.expr, self.value), pair)
        return self._make(expr_op(a[0], b[0]), value_op(a[1], b[1]), other if isinstance(other, Traced) else None)

    def __add__(self, other):
        return self._binary(other, lambda p, q: p + q, lambda p, q: p + q)

    def __radd__(self, other):
        return self._binary(other, lambda p, q: p + q, lambda p, q: p + q, swap=True)

    def __sub__(self, other):
        return self._binary(other, lambda p, q: p - q, lambda p, q: p - q)

    def __rsub__(self, other):
        return self._binary(other, lambda p, q: p - q, lambda p, q: p - q, swap=True)

    def __mul__(self, other):
        return self._binary(other, lambda p, q: p * q, lambda p, q: p * q)

    def __rmul__(self, other):
        return self._binary(other, lambda p, q: p * q, lambda p, q: p * q, swap=True)

    def __truediv__(self, other):
        return self._binary(other, lambda p, q: p / q, lambda p, q: p / q)

    def __rtruediv__(self, other):
        return self._binary(other, lambda p, q: p / q, lambda p, q: p / q, swap=True)

    def __pow__(self, other, modulo=None):
        if modulo is not None:
            return NotImplemented
        return self._binary(other, lambda p, q: p**q, lambda p, q: p**q)

    def __rpow__(self, other):
        return self._binary(other, lambda p, q: p**q, lambda p, q: p**q, swap=True)

    def __neg__(self):
        return self._make(-self.expr, -self.value)

    def __pos__(self):
        return self

    def __abs__(self):
        # abs'(0) = 0: at exactly zero the trace continues with the constant 0
        if self.value > 0:
            return self
        if self.value < 0:
            return -self
        return self._make(self.sp.Integer(0), abs(self.value))

    # comparisons decide by the value, as the plain function would
    def _compared(self, other):
        pair = self._other(other)
        if pair is None:
            raise TypeError(f"cannot compare a traced number with {type(other).__name__}")
        return pair[1]

    def __lt__(self, other):
        return self.value < self._compared(other)

    def __le__(self, other):
        return self.value <= self._compared(other)

    def __gt__(self, other):
        return self.value > self._compared(other)

    def __ge__(self, other):
        return self.value >= self._compared(other)

    def __eq__(self, other):
        pair = self._other(other)
        return NotImplemented if pair is None else self.value == pair[1]

    def __ne__(self, other):
        pair = self._other(other)
        return NotImplemented if pair is None else self.value != pair[1]

    __hash__ = object.__hash__

    def __bool__(self):
        return self.value != 0

    def __float__(self):
        raise NotTraceable("the function converts a differentiated number with float(): the trace would end there")

    def __index__(self):
        raise NotTraceable("the function uses a differentiated number as an integer (an index, a range, a length)")

    # the op functions (symgrad.tanh and friends) call these methods on non-numbers
    def tanh(self):
        return self._make(self.sp.tanh(self.expr), math.tanh(self.value))

    def exp(self):
        return self._make(self.sp.exp(self.expr), math.exp(self.value))

    def log(self):
        return self._make(self.sp.log(self.expr), math.log(self.value))

    def sqrt(self):
        return self._make(self.sp.sqrt(self.expr), math.sqrt(self.value))

    def sin(self):
        return self._make(self.sp.sin(self.expr), math.sin(self.value))

    def cos(self):
        return self._make(self.sp.cos(self.expr), math.cos(self.value))

    def sigmoid(self):
        # the float is the one the generated code computes (the same helper), so branches on it agree
        return self._make(1 / (1 + self.sp.exp(-self.expr)), REGISTRY["sigmoid"].forward(self.value))

    def relu(self):
        # relu'(0) = 0: the cotangent passes only where the input is positive
        return self if self.value > 0 else self._make(self.sp.Integer(0), 0.0)

    def expm1(self):
        return self._make(self.sp.exp(self.expr) - 1, math.expm1(self.value))

    def log1p(self):
        return self._make(self.sp.log(1 + self.expr), math.log1p(self.value))

    def log2(self):
        return self._make(self.sp.log(self.expr) / self.sp.log(2), math.log2(self.value))

    def log10(self):
        return self._make(self.sp.log(self.expr) / self.sp.log(10), math.log10(self.value))

    def tan(self):
        return self._make(self.sp.tan(self.expr), math.tan(self.value))

    def asin(self):
        return self._make(self.sp.asin(self.expr), math.asin(self.value))

    def acos(self):
        return self._make(self.sp.acos(self.expr), math.acos(self.value))

    def atan(self):
        return self._make(self.sp.atan(self.expr), math.atan(self.value))

    def sinh(self):
        return self._make(self.sp.sinh(self.expr), math.sinh(self.value))

    def cosh(self):
        return self._make(self.sp.cosh(self.expr), math.cosh(self.value))

    def asinh(self):
        return self._make(self.sp.asinh(self.expr), math.asinh(self.value))

    def acosh(self):
        return self._make(self.sp.acosh(self.expr), math.acosh(self.value))

    def atanh(self):
        return self._make(self.sp.atanh(self.expr), math.atanh(self.value))

    def erf(self):
        return self._make(self.sp.erf(self.expr), math.erf(self.value))

    def erfc(self):
        return self._make(self.sp.erfc(self.expr), math.erfc(self.value))

    def fabs(self):
        # as abs (fabs'(0) = 0), with math.fabs's float value
        traced = abs(self)
        return self._make(traced.expr, math.fabs(self.value))

    def exp2(self):
        return self._make(2**self.expr, math.exp2(self.value))

    def cbrt(self):
        return self._make(self.sp.sign(self.expr) * self.sp.Abs(self.expr) ** self.sp.Rational(1, 3),
                           math.cbrt(self.value))  # fmt: skip

    def degrees(self):
        return self._make(self.expr * 180 / self.sp.pi, math.degrees(self.value))

    def radians(self):
        return self._make(self.expr * self.sp.pi / 180, math.radians(self.value))

    # piecewise constant functions: the trace continues with the constant they take at the point (slope 0)
    def _constant(self, value):
        return self._make(self.sp.Integer(value) if isinstance(value, int) else self.sp.Float(value, 17), value)

    def floor(self):
        return self._constant(math.floor(self.value))

    def ceil(self):
        return self._constant(math.ceil(self.value))

    def trunc(self):
        return self._constant(math.trunc(self.value))

    def sign(self):
        v = self.value
        return self._constant(1.0 if v > 0 else (-1.0 if v < 0 else 0.0))

    # binary functions: `other` a Traced or a number; the r-methods take the number as the first argument
    def _binary_function(self, other, expr_op, value_op, reflected=False):
        result = self._binary(other, expr_op, value_op, swap=reflected)
        if result is NotImplemented:
            raise TypeError(f"expected a number, got {type(other).__name__}")
        return result

    def atan2(self, other):
        return self._binary_function(other, self.sp.atan2, math.atan2)

    def ratan2(self, other):
        return self._binary_function(other, self.sp.atan2, math.atan2, reflected=True)

    def hypot(self, other):
        return self._binary_function(other, lambda p, q: self.sp.sqrt(p**2 + q**2), math.hypot)

    def rhypot(self, other):
        return self._binary_function(other, lambda p, q: self.sp.sqrt(p**2 + q**2), math.hypot, reflected=True)

    def copysign(self, other):
        return self._copysign(self, other)

    def rcopysign(self, other):
        return self._copysign(other, self)

    def _copysign(self, x, y):
        # |x| with the sign of y, decided by y's value (its sign bit): the trace continues with x or -x, or the
        # constant 0 where x is zero (copysign'(0) = 0, as abs)
        y_value = y.value if isinstance(y, Traced) else y
        x_traced = x if isinstance(x, Traced) else None
        x_value = x.value if x_traced is not None else x
        value = math.copysign(x_value, y_value)
        if x_traced is None:
            return value
        magnitude = abs(x_traced)
        return self._make(magnitude.expr if math.copysign(1.0, y_value) > 0 else -magnitude.expr, value)


def run(fun, args, digits: int = 40, static=None):
    """`fun`'s value and gradient at `args`, by SymPy at `digits` digits (see the module docstring). `static`:
    per argument, True for one passed unchanged and not differentiated (an int count)."""
    import mpmath
    import sympy

    static = static or (False,) * len(args)
    counter = _Counter(
        sum(len(a) if isinstance(a, list | tuple) else 1 for a, f in zip(args, static, strict=True) if not f)
    )
    symbols, point = [], []

    def leaf(number) -> Traced:
        symbols.append(sympy.Symbol(f"s{len(symbols)}", real=True))
        point.append(float(number))
        return Traced(symbols[-1], point[-1], sympy, counter)

    traced_args = [
        a if fixed else type(a)(leaf(e) for e in a) if isinstance(a, list | tuple) else leaf(a)
        for a, fixed in zip(args, static, strict=True)
    ]
    try:
        out = fun(*traced_args)
    except TypeError as exc:
        raise NotTraceable(f"the function does not run on traced numbers: {exc}") from None
    except RecursionError:  # SymPy's constructors recurse as deep as the expression
        raise TooLarge("the expression is nested too deeply for SymPy's recursive algorithms") from None
    if isinstance(out, Traced):
        expr = out.expr
    elif isinstance(out, numbers.Real) and not isinstance(out, bool):
        expr = sympy.Float(float(out), 17)
    else:
        raise NotTraceable(f"the function returns {type(out).__name__}, not a number")
    try:
        exprs = [expr, *(sympy.diff(expr, s) for s in symbols)]
        with mpmath.workdps(digits):
            evaluate = sympy.lambdify(symbols, exprs, modules="mpmath", cse=True)
            numbers_ = evaluate(*(mpmath.mpf(v) for v in point))
    except RecursionError:  # SymPy's own walks recurse as deep as the expression
        raise TooLarge("the expression is nested too deeply for SymPy's recursive algorithms") from None
    return numbers_[0], tuple(numbers_[1:])


__all__ = ["LIMIT", "NotTraceable", "TooLarge", "Traced", "run"]
