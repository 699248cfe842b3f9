"""Finite differences of a function evaluated at high precision: the reference that needs nothing but the
function's own Python.

The function runs on mpmath numbers (wrapped as `High`, so that `x.tanh()` works too) with its op calls rebound
to mpmath's (`rebind.mpmath_ops`), at
`digits` decimal digits; each partial derivative is a central difference with a step of about 10**-(digits/2 - 5)
relative to the coordinate, whose truncation error is far below double precision.

Assumes a function of the language (branches, loops, lists, helpers). Guarantees: `run(fun, args)` returns
`(value, gradient)` as mpmath numbers, the gradient flattened over list parameters' elements in order. Where a
branch boundary or a kink lies within the step (the one-sided differences disagree), the central difference
would be the average of two slopes, not the derivative Python's branch takes: `AtAKink` is raised naming the
coordinate, rather than a number that looks like a result. A function that cannot run on mpf numbers (an int
parameter used as a length) raises `NotEvaluable`. An error of the function at the point itself (a
ZeroDivisionError, a domain error) propagates; one beside it, within the step, is a domain edge: `AtAKink`.
"""

from __future__ import annotations

import operator

from ..errors import SymgradError
from .rebind import mpmath_ops, rebound


class NotEvaluable(SymgradError):
    """The function does not run on mpmath numbers."""


class AtAKink(SymgradError):
    """A branch boundary or a kink lies within the finite-difference step at this point."""


class High:
    """An mpmath number with the op methods micrograd-style code calls (`n.tanh()`); arithmetic, comparisons
    and the mpmath op functions work on it as on the number itself."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return f"High({self.v})"

    def __bool__(self):
        return bool(self.v)

    def __abs__(self):
        return High(abs(self.v))

    def __neg__(self):
        return High(-self.v)

    def __pos__(self):
        return self

    __hash__ = object.__hash__


def _number_of(x):
    return x.v if isinstance(x, High) else x


def _binary(op, swap=False):
    def method(self, other):
        if not isinstance(other, High | int | float) or isinstance(other, bool):
            return NotImplemented
        a, b = (_number_of(other), self.v) if swap else (self.v, _number_of(other))
        return High(op(a, b))

    return method


def _compare(op):
    return lambda self, other: op(self.v, _number_of(other))


for _name, _op in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("pow", operator.pow)):  # fmt: skip
    setattr(High, f"__{_name}__", _binary(_op))
    setattr(High, f"__r{_name}__", _binary(_op, swap=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(High, f"__{_name}__", _compare(getattr(operator, _name)))


def _high_ops() -> dict[str, object]:
    """The mpmath op functions, taking and giving High numbers (and plain numbers)."""
    table = {}
    for name, function in mpmath_ops().items():
        table[name] = lambda *xs, function=function: High(function(*map(_number_of, xs)))
    return table


for _name, _function in _high_ops().items():
    setattr(High, _name, lambda self, *others, f=_function: f(self, *others))
    # a binary op with a number first calls the reflected method of its second argument (see ops)
    setattr(High, f"r{_name}", lambda self, other, f=_function: f(other, self))


def run(fun, args, names, digits: int = 50, static=None):
    """`names`: the label of each differentiated scalar coordinate, for messages (`x`, `xs[2]`); `static`: per
    argument, True for one passed unchanged and not differentiated (an int count)."""
    import mpmath

    static = static or (False,) * len(args)
    mp_fun = rebound(fun, _high_ops())
    with mpmath.workdps(digits):
        point = [
            a
            if fixed
            else type(a)(High(mpmath.mpf(e)) for e in a)
            if isinstance(a, list | tuple)
            else High(mpmath.mpf(a))
            for a, fixed in zip(args, static, strict=True)
        ]
        coordinates = [(i, k) for i, a in enumerate(args) if not static[i] for k in _positions(a)]

        def at(i, k, delta):
            moved = list(point)
            if k is None:
                moved[i] = High(point[i].v + delta)
            else:
                items = list(point[i])
                items[k] = High(items[k].v + delta)
                moved[i] = type(point[i])(items)
            try:
                out = _number(mp_fun(*moved))
            except (ArithmeticError, ValueError) as exc:  # beside the point only: a domain edge within the step
                raise AtAKink(f"the function fails within the step in {names[coordinates.index((i, k))]}: "
                              f"{type(exc).__name__}: {exc}") from None  # fmt: skip
            if isinstance(out, mpmath.mpc) and out.imag != 0:
                raise AtAKink(f"the function is not real within the step in {names[coordinates.index((i, k))]}")
            return out

        try:
            centre = _number(mp_fun(*point))  # an error here is the function's at the point: it propagates
            grads = []
            for (i, k), name in zip(coordinates, names, strict=True):
                x = (point[i] if k is None else point[i][k]).v
                h = mpmath.mpf(10) ** (5 - digits // 2) * max(1, abs(x))
                above, below = at(i, k, h), at(i, k, -h)
                forward, backward = (above - centre) / h, (centre - below) / h
                central = (above - below) / (2 * h)
                if abs(forward - backward) > mpmath.mpf(10) ** -12 * (1 + abs(central)):
                    slopes = f"{float(backward):.17g} on one side and {float(forward):.17g} on the other"
                    raise AtAKink(f"a branch boundary or kink lies within the step in {name}: the slope is {slopes}")
                grads.append(central)
        except (TypeError, AttributeError) as exc:
            raise NotEvaluable(f"the function does not run on mpmath numbers: {exc}") from None
    return centre, tuple(grads)


def _high(arg):
    import mpmath

    return type(arg)(High(mpmath.mpf(e)) for e in arg) if isinstance(arg, list | tuple) else High(mpmath.mpf(arg))


def _positions(arg):
    return range(len(arg)) if isinstance(arg, list | tuple) else [None]


def _number(out):
    import mpmath

    out = _number_of(out)
    if isinstance(out, bool) or not isinstance(out, int | float | mpmath.mpf | mpmath.mpc):
        raise NotEvaluable(f"the function returns {type(out).__name__}, not a number")
    return mpmath.mpf(out) if isinstance(out, int | float) else out


__all__ = ["AtAKink", "NotEvaluable", "run"]
