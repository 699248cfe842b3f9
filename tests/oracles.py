"""Reference oracles for symgrad's tests, sharing none of the compiler's derivative rules.

Two independent references:
- SymPy: `SYMPY_OPS` writes every op as a SymPy function by hand (not through the registry's twin), SymPy
  differentiates it, and `sympy_grad` evaluates value and gradient at the exact binary values of float
  arguments with high working precision (checked for convergence), rounded once to float.
- mpmath: `MP_OPS` writes every op as an mpmath function, and `mp_grad` differentiates it numerically with
  central differences at 50 significant digits.

`close` compares floats with the conventions the tests need: nan agrees with nan only, infinities agree with
the same infinity only.

A `nan` from an oracle means the real function (or its derivative) is undefined at that point: SymPy gave
`nan`, `zoo` or a non-real number.
"""

from __future__ import annotations

import cmath
import math
import numbers
from collections.abc import Callable, Sequence

import mpmath
import sympy

# --- the ops, written independently of symgrad.ops ----------------------------------------------------------


class _Floor(sympy.floor):
    """floor, whose derivative is 0 (SymPy leaves Derivative(floor(x), x) unevaluated): symgrad's convention,
    also at the integers, where the one-sided limits of the slope are both 0."""

    def _eval_derivative(self, s):
        return sympy.S.Zero


class _Sign(sympy.sign):
    """sign with derivative 0, also at 0 (SymPy's is 2*DiracDelta(x))."""

    def _eval_derivative(self, s):
        return sympy.S.Zero


# Every op of symgrad's registry, as a SymPy function of SymPy arguments. relu follows micrograd's convention
# relu'(0) = 0, which a Piecewise on `x <= 0` gives when SymPy differentiates it.
SYMPY_OPS: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, b: a**b,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    "relu": lambda x: sympy.Piecewise((0, x <= 0), (x, True)),
    "mask_pos": lambda g, y: sympy.Piecewise((g, y > 0), (0, True)),
    "abs": sympy.Abs,
    # Python's min/max keep the first argument on a tie; written so SymPy's derivative does the same
    "min": lambda a, b: sympy.Piecewise((b, b < a), (a, True)),
    "max": lambda a, b: sympy.Piecewise((b, a < b), (a, True)),
    "signed": lambda g, x: sympy.Piecewise((g, x > 0), (-g, x < 0), (0, True)),
    "when_lt": lambda g, p, q: sympy.Piecewise((g, p < q), (0, True)),
    "unless_lt": lambda g, p, q: sympy.Piecewise((0, p < q), (g, True)),
    "expm1": lambda x: sympy.exp(x) - 1,
    "log1p": lambda x: sympy.log(x + 1),
    "log2": lambda x: sympy.log(x) / sympy.log(2),
    "log10": lambda x: sympy.log(x) / sympy.log(10),
    "tan": lambda x: sympy.sin(x) / sympy.cos(x),
    "asin": sympy.asin,
    "acos": lambda x: sympy.pi / 2 - sympy.asin(x),
    "atan": sympy.atan,
    "sinh": lambda x: (sympy.exp(x) - sympy.exp(-x)) / 2,
    "cosh": lambda x: (sympy.exp(x) + sympy.exp(-x)) / 2,
    # odd, written so that no branch cancels (x + sqrt(x*x + 1) does for x << 0)
    "asinh": lambda x: sympy.Piecewise(
        (sympy.log(x + sympy.sqrt(x**2 + 1)), x >= 0), (-sympy.log(-x + sympy.sqrt(x**2 + 1)), True)
    ),
    "acosh": sympy.acosh,
    "atanh": lambda x: (sympy.log(1 + x) - sympy.log(1 - x)) / 2,
    "erf": sympy.erf,
    "erfc": lambda x: 1 - sympy.erf(x),
    "fabs": sympy.Abs,
    "exp2": lambda x: sympy.exp(x * sympy.log(2)),
    "cbrt": lambda x: sympy.Piecewise((sympy.root(x, 3), x >= 0), (-sympy.root(-x, 3), True)),
    "degrees": lambda x: x / sympy.pi * 180,
    "radians": lambda x: x / 180 * sympy.pi,
    "floor": lambda x: _Floor(x),
    "ceil": lambda x: -_Floor(-x),
    "trunc": lambda x: sympy.Piecewise((_Floor(x), x >= 0), (-_Floor(-x), True)),
    "sign": lambda x: _Sign(x),
    "square": lambda x: x * x,
    # atan2 written from atan and the quadrant, not with sympy.atan2
    "atan2": lambda y, x: sympy.Piecewise(
        (sympy.atan(y / x), x > 0),
        (sympy.pi / 2 - sympy.atan(x / y), y > 0),
        (-sympy.pi / 2 - sympy.atan(x / y), y < 0),
        (sympy.atan(y / x) + sympy.pi, x < 0),
        (sympy.nan, True),
    ),
    "hypot": lambda x, y: sympy.sqrt(x * x + y * y),
    "copysign": lambda x, y: sympy.Piecewise((sympy.Abs(x), y >= 0), (-sympy.Abs(x), True)),
}

# The same ops on mpmath numbers (for finite differences away from kinks).
MP_OPS: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, b: mpmath.power(a, b),
    "tanh": mpmath.tanh,
    "exp": mpmath.exp,
    "log": mpmath.log,
    "sqrt": mpmath.sqrt,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "relu": lambda x: x if x > 0 else mpmath.mpf(0),
    "mask_pos": lambda g, y: g if y > 0 else mpmath.mpf(0),
    "abs": lambda x: abs(x),
    "min": lambda a, b: b if b < a else a,
    "max": lambda a, b: b if a < b else a,
    "signed": lambda g, x: g if x > 0 else (-g if x < 0 else mpmath.mpf(0)),
    "when_lt": lambda g, p, q: g if p < q else mpmath.mpf(0),
    "unless_lt": lambda g, p, q: mpmath.mpf(0) if p < q else g,
    "expm1": mpmath.expm1,
    "log1p": mpmath.log1p,
    "log2": lambda x: mpmath.log(x, 2),
    "log10": mpmath.log10,
    "tan": mpmath.tan,
    "asin": mpmath.asin,
    "acos": mpmath.acos,
    "atan": mpmath.atan,
    "sinh": mpmath.sinh,
    "cosh": mpmath.cosh,
    "asinh": mpmath.asinh,
    "acosh": mpmath.acosh,
    "atanh": mpmath.atanh,
    "erf": mpmath.erf,
    "erfc": mpmath.erfc,
    "fabs": mpmath.fabs,
    "exp2": lambda x: mpmath.exp(x * mpmath.log(2)),
    "cbrt": lambda x: mpmath.root(x, 3) if x >= 0 else -mpmath.root(-x, 3),
    "degrees": mpmath.degrees,
    "radians": mpmath.radians,
    "floor": mpmath.floor,
    "ceil": mpmath.ceil,
    "trunc": lambda x: mpmath.floor(x) if x >= 0 else mpmath.ceil(x),
    "sign": mpmath.sign,
    "square": lambda x: x * x,
    "atan2": mpmath.atan2,
    "hypot": mpmath.hypot,
    "copysign": lambda x, y: abs(x) if y >= 0 else -abs(x),
}


# --- comparison ---------------------------------------------------------------------------------------------


def close(a, b, rtol: float = 1e-9, atol: float = 0.0) -> bool:
    """Whether `a` and `b` agree: nan only with nan, an infinity only with the same infinity, finite numbers
    within `rtol` (relative) or `atol` (absolute). A complex number agrees only with a close complex number."""
    if isinstance(a, complex) or isinstance(b, complex):
        if not (isinstance(a, complex) and isinstance(b, complex)):
            return False
        return cmath.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def all_close(a: Sequence, b: Sequence, rtol: float = 1e-9, atol: float = 0.0) -> bool:
    """`close` elementwise over two sequences of equal length."""
    return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))


def is_finite(v) -> bool:
    return isinstance(v, numbers.Real) and math.isfinite(v)


# --- SymPy --------------------------------------------------------------------------------------------------


class OracleError(AssertionError):
    """The oracle could not produce a trustworthy number."""


def to_sympy_number(v, dps: int = 60):
    """A Python int as a SymPy Integer, a float as a SymPy Float holding exactly its binary value."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"expected an int or a float, got {v!r}")
    if isinstance(v, int):
        return sympy.Integer(v)
    if math.isnan(v):
        return sympy.nan
    if math.isinf(v):
        return sympy.oo if v > 0 else -sympy.oo
    return sympy.Float(v, dps)


def _to_float(value) -> float:
    """A SymPy number as a float; nan when it is undefined (nan, zoo) or not real."""
    if value.has(sympy.nan, sympy.zoo):
        return math.nan
    try:
        c = complex(value)
    except TypeError as exc:  # still symbolic: the substitution left a free symbol
        raise OracleError(f"cannot evaluate {value} to a number") from exc
    if cmath.isnan(c):
        return math.nan
    if c.imag != 0 and abs(c.imag) > 1e-30 * max(abs(c.real), 1e-300):
        return math.nan
    return c.real


def sym_eval(expr, subs: dict, precisions: Sequence[int] = (60, 150, 400, 1000)) -> float:
    """`expr` evaluated at `subs` (symbol -> int or float, taken exactly) as a float.

    The arguments are substituted as exact SymPy numbers with increasing working precision until two
    consecutive precisions round to the same float (SymPy's evalf(subs=...) can return garbage under
    cancellation, e.g. 1 - tanh(x)**2 at x = 1000; this does not)."""
    previous = None
    for dps in precisions:
        exact = {s: to_sympy_number(v, dps) for s, v in subs.items()}
        value = _to_float(expr.xreplace(exact).evalf(dps))
        if previous is not None and close(previous, value, rtol=1e-14, atol=1e-300):
            return value
        previous = value
    raise OracleError(f"{expr} at {subs} did not converge (last {previous!r})")


def symbols(n: int) -> tuple:
    return tuple(sympy.Symbol(f"x{i}", real=True) for i in range(n))


def sympy_grad(expr_fn: Callable, point: Sequence) -> tuple[float, tuple[float, ...]]:
    """Value and gradient of the function `expr_fn` builds from SymPy symbols (one per coordinate of `point`),
    by SymPy's own differentiation, evaluated at `point` with high precision, as floats."""
    syms = symbols(len(point))
    expr = sympy.sympify(expr_fn(*syms))
    subs = dict(zip(syms, point, strict=True))
    value = sym_eval(expr, subs)
    grads = tuple(sym_eval(sympy.diff(expr, s), subs) for s in syms)
    return value, grads


class SympyGrad:
    """`sympy_grad` with the expression and its derivatives built once, for evaluation at many points."""

    def __init__(self, expr_fn: Callable, arity: int):
        self.syms = symbols(arity)
        self.expr = sympy.sympify(expr_fn(*self.syms))
        self.derivatives = tuple(sympy.diff(self.expr, s) for s in self.syms)

    def __call__(self, point: Sequence) -> tuple[float, tuple[float, ...]]:
        subs = dict(zip(self.syms, point, strict=True))
        return sym_eval(self.expr, subs), tuple(sym_eval(d, subs) for d in self.derivatives)

    def value(self, point: Sequence) -> float:
        return sym_eval(self.expr, dict(zip(self.syms, point, strict=True)))


# --- mpmath -------------------------------------------------------------------------------------------------


def mp_grad(fn_mp: Callable, point: Sequence, dps: int = 50) -> tuple[float, tuple[float, ...]]:
    """Value and gradient of `fn_mp` (a function of mpmath numbers) at `point`, by mpmath's central differences
    at `dps` significant digits, as floats."""
    with mpmath.workdps(dps):
        args = [mpmath.mpf(v) for v in point]  # exact binary values of the floats
        value = fn_mp(*args)
        grads = []
        for i in range(len(args)):

            def partial(t, i=i):
                return fn_mp(*args[:i], t, *args[i + 1 :])

            grads.append(mpmath.diff(partial, args[i]))
        return float(value), tuple(float(g) for g in grads)
