"""The op registry: one entry per primitive, and the public op functions built from it.

Each `Op` holds everything the compiler and the tests need to know about a primitive: its float forward, how it
prints in generated code, one adjoint rule per argument, its SymPy twin, and its test domain and special points.
Adding an op means adding an entry here (and, on purpose, a method to the independent tape engine).

Adjoint rules are written through the primal output where that is cheaper or safer (tanh: g*(1-y*y), never via
cosh, which overflows in pure Python). A rule is `rule(b, g, y, *args) -> atom | None`: `b` is an IR builder whose
methods are the ops of this registry, `g` the output's cotangent, `y` the output; `None` is a symbolic zero.

The public op functions (`tanh`, `exp`, ...) accept ints, floats, tape `Value`s (anything with the method of that
name) and SymPy expressions, so one undecorated function runs on floats, on the tape and symbolically; the binary
ones (`atan2`, `hypot`, `copysign`) call the first argument's method, or the second's reflected one (`ratan2`)
when the first is a number. `callable_ops` maps `math`'s functions, the builtins and, only if the user has
imported it, NumPy's scalar functions (`NUMPY_OPS`) to these ops by identity.
"""

from __future__ import annotations

import ast
import difflib
import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass

from . import templating

# --- how an op prints in generated code -------------------------------------------------------------------


@dataclass(frozen=True)
class Infix:
    """A Python binary operator."""

    operator: type[ast.operator]


@dataclass(frozen=True)
class Prefix:
    """A Python unary operator."""

    operator: type[ast.unaryop]


@dataclass(frozen=True)
class MathCall:
    """A call of a function imported from the standard library's `math` module."""

    name: str


@dataclass(frozen=True)
class HelperCall:
    """A call of a helper function whose source is the template `templates/<name>.py.tmpl`."""

    name: str
    uses: tuple[str, ...] = ()  # math functions the helper itself calls


@dataclass(frozen=True)
class Conditional:
    """A conditional expression `body if left <cmp> 0 else orelse`; args are referenced by position.

    The emitter passes plain names or constants for the args of such ops, never inlined expressions,
    because an arg may be printed twice.
    """

    compare: type[ast.cmpop]
    left: int
    body: int | float
    orelse: int | float
    against: float = 0.0  # the right side of the comparison (a float: CPython compares float-float fastest)


@dataclass(frozen=True)
class BuiltinCall:
    """A call of a Python builtin (`abs`, `min`, `max`); imported under another name only if a user's local
    takes the builtin's name."""

    name: str


@dataclass(frozen=True)
class Expression:
    """Printed by `build(args)`, a function of the arguments' expressions that may use an argument twice (the
    emitter passes plain names or constants, never inlined expressions)."""

    build: Callable[[list[ast.expr]], ast.expr]


Printer = Infix | Prefix | MathCall | HelperCall | Conditional | BuiltinCall | Expression


@dataclass(frozen=True)
class Op:
    name: str
    arity: int
    forward: Callable[..., float]
    printer: Printer
    adjoints: tuple[Callable | None, ...]  # one rule per argument; None: the op is not differentiable there
    sympy: Callable  # sympy(sp, *args): the symbolic twin, given the sympy module
    domain: tuple[tuple[float, float], ...]  # per argument: an interval where the op is smooth, for tests
    special: tuple[tuple[float, ...], ...] = ()  # argument tuples at domain edges and extremes, for tests
    method: bool = False  # spelled micrograd-style as x.name()
    commutative: bool = False
    # Where a float rule through the primal output loses relative accuracy (documented, not hidden).
    notes: str = ""
    # Emitted by the reverse sweep only (the masks of relu, abs, min and max): users cannot write it.
    internal: bool = False
    # A user-defined primitive (`symgrad.primitive`): the object the user calls, None for symgrad's own ops.
    primitive: object = None


# --- forwards that are not a single math function ---------------------------------------------------------


def _relu(x):
    # micrograd's definition: relu(-0.0) is -0.0, relu(nan) is nan.
    return 0.0 if x < 0 else float(x)


def _mask_pos(g, y):
    return g if y > 0 else 0.0


def _load_helper(name: str, **math_names: str) -> Callable:
    """Compile the helper template `name` against the math module, so the registry's float forward and the
    generated module run the very same code."""
    text = templating.fill(f"{name}.py.tmpl", **{name: name}, **{n: n for n in math_names})
    namespace = {n: getattr(math, n) for n in math_names}
    exec(compile(text, f"<symgrad template {name}>", "exec"), namespace)
    return namespace[name]


_sigmoid = _load_helper("sigmoid", exp="exp")


def _pow(a, b):
    return a**b


# --- adjoint rules ------------------------------------------------------------------------------------------


class DomainError(Exception):
    """Raised by an adjoint rule whose derivative cannot exist for these (constant) arguments; the reverse
    pass reports it at the user's expression."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def _pow_exponent_rule(b, g, y, a, c):
    # d(a**c)/dc = a**c * log(a): real only for a positive base.
    base = getattr(a, "value", None)
    if isinstance(base, numbers.Real) and not base > 0:
        raise DomainError(
            f"the exponent is differentiated, so the base must be positive, but it is the constant {base!r}",
            "use a positive base, or make the exponent a constant",
        )
    return b.mul(g, b.mul(y, b.log(a)))


def _pow_base_rule(b, g, y, a, c):
    # d(a**c)/da = c * a**(c-1); a constant zero exponent makes the output constant.
    if _is_zero_const(c):
        return None
    exponent = b.sub(c, 1)
    if not isinstance(getattr(c, "value", None), numbers.Real):
        # A run-time exponent may be 0, where c * a**(c-1) would divide by zero at a == 0 although the
        # slope is 0: raising to c - 1 + (c == 0) keeps a**0 == 1 there, and is c - 1 everywhere else.
        exponent = b.add(exponent, b.eq(c, 0))
    return b.mul(g, b.mul(c, b.pow(a, exponent)))


def _is_zero_const(atom) -> bool:
    value = getattr(atom, "value", None)
    return isinstance(value, numbers.Real) and value == 0


def _zero_rule(b, g, y, *args):
    return None  # piecewise constant: the derivative is zero wherever it exists (and taken as zero at jumps)


TAU = 1e-300  # a positive number at the edge of the float range, for special points

REGISTRY: dict[str, Op] = {}


def _register(op: Op) -> Op:
    REGISTRY[op.name] = op
    return op


_register(
    Op(
        "add", 2, lambda a, b: a + b, Infix(ast.Add),
        (lambda b, g, y, p, q: g, lambda b, g, y, p, q: g),
        lambda sp, p, q: p + q, ((-3, 3), (-3, 3)), commutative=True,
    )
)  # fmt: skip
_register(
    Op(
        "sub", 2, lambda a, b: a - b, Infix(ast.Sub),
        (lambda b, g, y, p, q: g, lambda b, g, y, p, q: b.neg(g)),
        lambda sp, p, q: p - q, ((-3, 3), (-3, 3)),
    )
)  # fmt: skip
_register(
    Op(
        "mul", 2, lambda a, b: a * b, Infix(ast.Mult),
        (lambda b, g, y, p, q: b.mul(g, q), lambda b, g, y, p, q: b.mul(g, p)),
        lambda sp, p, q: p * q, ((-3, 3), (-3, 3)), commutative=True,
    )
)  # fmt: skip
_register(
    Op(
        "div", 2, lambda a, b: a / b, Infix(ast.Div),
        # d(p/q)/dq = -p/q**2 = -y/q: through the output, one division instead of a square.
        (lambda b, g, y, p, q: b.div(g, q), lambda b, g, y, p, q: b.neg(b.div(b.mul(g, y), q))),
        lambda sp, p, q: p / q, ((-3, 3), (0.5, 3)), special=((1.0, TAU), (TAU, 1e-10), (-2.0, -0.5)),
    )
)  # fmt: skip
_register(
    Op(
        "neg", 1, lambda a: -a, Prefix(ast.USub), (lambda b, g, y, p: b.neg(g),),
        lambda sp, p: -p, ((-3, 3),),
    )
)  # fmt: skip
_register(
    Op(
        "pow", 2, _pow, Infix(ast.Pow),
        # The exponent's rule is reached only when the exponent is differentiated (a variable exponent),
        # which needs a positive base; a constant exponent has no adjoint.
        (_pow_base_rule, _pow_exponent_rule),
        lambda sp, a, c: a**c, ((0.5, 3), (-2.5, 2.5)),
        special=((-2.0, 2), (-2.0, 3), (-1.5, -3), (2.0, 0.5), (TAU, 2), (1e-8, 0.5), (3.0, -2.5), (0.0, 2)),
    )
)  # fmt: skip
_register(
    Op(
        "tanh", 1, math.tanh, MathCall("tanh"), (lambda b, g, y, x: b.mul(g, b.sub(1, b.mul(y, y))),),
        lambda sp, x: sp.tanh(x), ((-3, 3),), special=((0.0,), (30.0,), (-30.0,), (1000.0,), (-1000.0,)),
        method=True,
        notes="1 - y*y through the rounded output: relative accuracy of tanh' degrades as |x| grows "
        "(about 1e-8 at |x| = 10); absolute error stays below 1e-16.",
    )
)  # fmt: skip
_register(
    Op(
        "exp", 1, math.exp, MathCall("exp"), (lambda b, g, y, x: b.mul(g, y),),
        lambda sp, x: sp.exp(x), ((-5, 5),), special=((0.0,), (-700.0,), (700.0,), (-1000.0,)), method=True,
    )
)  # fmt: skip
_register(
    Op(
        "log", 1, math.log, MathCall("log"), (lambda b, g, y, x: b.div(g, x),),
        lambda sp, x: sp.log(x), ((0.1, 10),), special=((TAU,), (1.0,), (1e300,)), method=True,
    )
)  # fmt: skip
_register(
    Op(
        "sqrt", 1, math.sqrt, MathCall("sqrt"), (lambda b, g, y, x: b.div(g, b.mul(2, y)),),
        lambda sp, x: sp.sqrt(x), ((0.01, 100),), special=((TAU,), (1e-8,), (1.0,), (1e300,)), method=True,
    )
)  # fmt: skip
_register(
    Op(
        "sin", 1, math.sin, MathCall("sin"), (lambda b, g, y, x: b.mul(g, b.cos(x)),),
        lambda sp, x: sp.sin(x), ((-4, 4),), special=((0.0,), (math.pi / 2,), (1e6,)), method=True,
    )
)  # fmt: skip
_register(
    Op(
        "cos", 1, math.cos, MathCall("cos"), (lambda b, g, y, x: b.neg(b.mul(g, b.sin(x))),),
        lambda sp, x: sp.cos(x), ((-4, 4),), special=((0.0,), (math.pi,), (1e6,)), method=True,
    )
)  # fmt: skip
_register(
    Op(
        "sigmoid", 1, _sigmoid, HelperCall("sigmoid", uses=("exp",)),
        (lambda b, g, y, x: b.mul(g, b.mul(y, b.sub(1, y))),),
        lambda sp, x: 1 / (1 + sp.exp(-x)), ((-6, 6),), special=((0.0,), (40.0,), (-40.0,), (-1000.0,), (1000.0,)),
        method=True,
        notes="y*(1-y) through the rounded output: relative accuracy degrades for large positive x.",
    )
)  # fmt: skip
_register(
    Op(
        "relu", 1, _relu, Conditional(ast.Lt, left=0, body=0.0, orelse=0, against=0.0),
        # relu'(0) = 0, as in micrograd: the cotangent passes only where the output is positive.
        (lambda b, g, y, x: b.mask_pos(g, y),),
        # Written so that SymPy's own derivative at the kink is 0 too (x > 0 strictly).
        lambda sp, x: sp.Piecewise((x, x > 0), (0, True)), ((-3, 3),), special=((0.0,), (-1.0,), (2.0,)),
        method=True,
    )
)  # fmt: skip
_register(
    Op(
        # g where y > 0, else 0.0: the derivative mask of relu. Linear in g; piecewise constant in y (zero
        # slope wherever it has one), so a reversed relu can be differentiated again.
        "mask_pos", 2, _mask_pos, Conditional(ast.Gt, left=1, body=0, orelse=0.0, against=0.0),
        (lambda b, c, out, g, y: b.mask_pos(c, y), _zero_rule),
        lambda sp, g, y: sp.Piecewise((g, y > 0), (0, True)), ((-3, 3), (-3, 3)),
        internal=True,
    )
)  # fmt: skip


def _if(test: ast.expr, body: ast.expr, orelse: ast.expr) -> ast.expr:
    return ast.IfExp(test, body, orelse)


def _less(p: ast.expr, q: ast.expr) -> ast.expr:
    return ast.Compare(p, [ast.Lt()], [q])


def _zero() -> ast.expr:
    return ast.Constant(0.0)


def _signed_expression(a: list[ast.expr]) -> ast.expr:
    """`g if 0.0 < x else -g if x < 0.0 else 0.0`"""
    g, x = a
    return _if(_less(_zero(), x), g, _if(_less(x, _zero()), ast.UnaryOp(ast.USub(), g), _zero()))


_register(
    Op(
        # |x|; abs'(0) = 0, the subgradient PyTorch and SymPy (sign(0) = 0) use.
        "abs", 1, abs, BuiltinCall("abs"), (lambda b, g, y, x: b.signed(g, x),),
        lambda sp, x: sp.Abs(x), ((-3, 3),), special=((0.0,), (-2.0,), (TAU,), (-TAU,)),
    )
)  # fmt: skip
_register(
    Op(
        # Python's min(a, b) is a unless b < a: on a tie the first argument is the result and gets the gradient.
        "min", 2, min, BuiltinCall("min"),
        (lambda b, g, y, p, q: b.unless_lt(g, q, p), lambda b, g, y, p, q: b.when_lt(g, q, p)),
        # written as Python decides (not sp.Min, whose derivative splits a tie 1/2-1/2), so SymPy agrees at ties
        lambda sp, p, q: sp.Piecewise((q, q < p), (p, True)), ((-3, 3), (-3, 3)),
        special=((1.0, 1.0), (-1.0, 2.0), (2.0, -1.0)),
    )
)  # fmt: skip
_register(
    Op(
        # max(a, b) is a unless a < b: ties go to the first argument, as in Python.
        "max", 2, max, BuiltinCall("max"),
        (lambda b, g, y, p, q: b.unless_lt(g, p, q), lambda b, g, y, p, q: b.when_lt(g, p, q)),
        lambda sp, p, q: sp.Piecewise((q, p < q), (p, True)), ((-3, 3), (-3, 3)),
        special=((1.0, 1.0), (-1.0, 2.0), (2.0, -1.0)),
    )
)  # fmt: skip
_register(
    Op(
        # g * sign(x), the adjoint of abs: linear in g, piecewise constant in x.
        "signed", 2, lambda g, x: g if x > 0 else (-g if x < 0 else 0.0),
        Expression(_signed_expression),
        (lambda b, c, out, g, x: b.signed(c, x), _zero_rule),
        lambda sp, g, x: sp.Piecewise((g, x > 0), (-g, x < 0), (0, True)), ((-3, 3), (-3, 3)),
        internal=True,
    )
)  # fmt: skip
_register(
    Op(
        # g if p < q else 0.0: where min/max send the cotangent.
        "when_lt", 3, lambda g, p, q: g if p < q else 0.0,
        Expression(lambda a: _if(_less(a[1], a[2]), a[0], _zero())),
        (lambda b, c, out, g, p, q: b.when_lt(c, p, q), _zero_rule, _zero_rule),
        lambda sp, g, p, q: sp.Piecewise((g, p < q), (0, True)), ((-3, 3), (-3, 3), (-3, 3)),
        internal=True,
    )
)  # fmt: skip
_register(
    Op(
        "unless_lt", 3, lambda g, p, q: 0.0 if p < q else g,
        Expression(lambda a: _if(_less(a[1], a[2]), _zero(), a[0])),
        (lambda b, c, out, g, p, q: b.unless_lt(c, p, q), _zero_rule, _zero_rule),
        lambda sp, g, p, q: sp.Piecewise((0, p < q), (g, True)), ((-3, 3), (-3, 3), (-3, 3)),
        internal=True,
    )
)  # fmt: skip


def tangent_rule(op: Op) -> Callable:
    """The op's forward (tangent) rule, `rule(b, dargs, y, *args) -> atom | None`, from its adjoint rules.

    An adjoint rule is linear in the cotangent and returns `g * dy/dx_i`; called with a tangent `dx_i` in place
    of `g`, it returns argument i's contribution to the output's tangent. Their sum (in argument order, None
    for a symbolic zero) is the tangent. So every op has both rules from one entry, and they cannot disagree."""

    def rule(b, dargs, y, *args):
        total = None
        for darg, adjoint in zip(dargs, op.adjoints, strict=True):
            if darg is None:
                continue
            if adjoint is None:
                raise DomainError(f"{op.name} is not differentiable in this argument", "differentiate another input")
            contribution = adjoint(b, darg, y, *args)
            if contribution is not None:
                total = contribution if total is None else b.add(total, contribution)
        return total

    return rule


# --- the rest of `math` -------------------------------------------------------------------------------------
# Rules go through the primal output only where that is exact enough; the constants are the doubles nearest
# 1/ln 2, 1/ln 10 and 2/sqrt(pi) (tests check them against mpmath).

INV_LN2 = 1.4426950408889634
INV_LN10 = 0.4342944819032518
TWO_OVER_SQRT_PI = 1.1283791670955126
LN2 = 0.6931471805599453
DEGREES_PER_RADIAN = 57.29577951308232
RADIANS_PER_DEGREE = 0.017453292519943295


def _one_minus_x_squared(b, x):
    # (1 - x)(1 + x), not 1 - x*x: near |x| = 1 the factor 1 - x is exact (Sterbenz), so no cancellation.
    return b.mul(b.sub(1.0, x), b.add(1.0, x))


def _gauss(b, x):
    return b.mul(TWO_OVER_SQRT_PI, b.exp(b.neg(b.mul(x, x))))


def _sign(x):
    # NumPy's sign on floats: 0.0 at zero (either zero), nan at nan.
    return 1.0 if 0.0 < x else -1.0 if x < 0.0 else x * 0.0 + 0.0


def _sign_expression(a: list[ast.expr]) -> ast.expr:
    """`1.0 if 0.0 < x else -1.0 if x < 0.0 else x * 0.0 + 0.0`"""
    (x,) = a
    rest = ast.BinOp(ast.BinOp(x, ast.Mult(), _zero()), ast.Add(), _zero())
    return _if(_less(_zero(), x), ast.Constant(1.0), _if(_less(x, _zero()), ast.Constant(-1.0), rest))


def _unary(name, rule, sympy, domain, special, notes="", forward=None):
    op = Op(name, 1, forward or getattr(math, name), MathCall(name), (rule,), sympy, (domain,),
            special=tuple((s,) for s in special), notes=notes)  # fmt: skip
    _register(op)


_unary(
    "expm1", lambda b, g, y, x: b.mul(g, b.add(y, 1.0)), lambda sp, x: sp.exp(x) - 1, (-3, 3),
    (0.0, 1e-17, -1e-17, TAU, 1.0, -40.0, 700.0, -1000.0),
    notes="y + 1 through the rounded output: exact near 0, but for x < 0 its relative error is about "
    "1e-16 * exp(-x) (5e-12 at x = -10, total below 1e-16 absolute); exp(x) would be exact at the price of a call.",
)  # fmt: skip
_unary(
    "log1p", lambda b, g, y, x: b.div(g, b.add(1.0, x)), lambda sp, x: sp.log(1 + x), (-0.9, 3),
    (0.0, 1e-17, -1e-17, TAU, -0.5, -1 + 2**-52, 1e300),
)  # fmt: skip
_unary(
    "log2", lambda b, g, y, x: b.div(b.mul(g, INV_LN2), x), lambda sp, x: sp.log(x, 2), (0.1, 10),
    (TAU, 1.0, 8.0, 1e300),
)  # fmt: skip
_unary(
    "log10", lambda b, g, y, x: b.div(b.mul(g, INV_LN10), x), lambda sp, x: sp.log(x, 10), (0.1, 10),
    (TAU, 1.0, 1000.0, 1e300),
)  # fmt: skip
_unary(
    # tan' = 1 + tan**2 through the output; near pi/2 it is as large as the true derivative (y*y may be inf).
    "tan", lambda b, g, y, x: b.mul(g, b.add(1.0, b.mul(y, y))), lambda sp, x: sp.tan(x), (-1.4, 1.4),
    (0.0, math.pi / 2, -math.pi / 4, 1e6),
)  # fmt: skip
_unary(
    # asin'(±1) is infinite: 1/sqrt(0) raises ZeroDivisionError there, as sqrt' does at 0.
    "asin", lambda b, g, y, x: b.div(g, b.sqrt(_one_minus_x_squared(b, x))), lambda sp, x: sp.asin(x),
    (-0.95, 0.95), (0.0, 0.5, 1.0, -1.0, 1 - 2**-53, -(1 - 2**-53), TAU),
)  # fmt: skip
_unary(
    "acos", lambda b, g, y, x: b.neg(b.div(g, b.sqrt(_one_minus_x_squared(b, x)))), lambda sp, x: sp.acos(x),
    (-0.95, 0.95), (0.0, 0.5, 1.0, -1.0, 1 - 2**-53, -(1 - 2**-53), TAU),
)  # fmt: skip
_unary(
    "atan", lambda b, g, y, x: b.div(g, b.add(1.0, b.mul(x, x))), lambda sp, x: sp.atan(x), (-5, 5),
    (0.0, 1e10, -1e10, 1e155, 1e300),
    notes="1/(1 + x*x): for |x| > 1.3e154 x*x overflows and the derivative is 0.0 for a true value below 6e-309.",
)  # fmt: skip
_unary(
    # not through the output: cosh = sqrt(1 + y*y) would overflow for |x| > 355
    "sinh", lambda b, g, y, x: b.mul(g, b.cosh(x)), lambda sp, x: sp.sinh(x), (-3, 3),
    (0.0, 700.0, -700.0, 1000.0),
)  # fmt: skip
_unary(
    "cosh", lambda b, g, y, x: b.mul(g, b.sinh(x)), lambda sp, x: sp.cosh(x), (-3, 3),
    (0.0, 700.0, -700.0, -1000.0),
)  # fmt: skip
_unary(
    # 1/sqrt(1 + x*x) as 1/hypot(1, x): no overflow for |x| > 1.3e154
    "asinh", lambda b, g, y, x: b.div(g, b.hypot(1.0, x)), lambda sp, x: sp.asinh(x), (-5, 5),
    (0.0, TAU, 1e200, -1e200),
)  # fmt: skip
_unary(
    # 1/sqrt(x*x - 1) as 1/(sqrt(x - 1) sqrt(x + 1)): exact x - 1 near 1, no overflow for large x
    "acosh", lambda b, g, y, x: b.div(g, b.mul(b.sqrt(b.sub(x, 1.0)), b.sqrt(b.add(x, 1.0)))),
    lambda sp, x: sp.acosh(x), (1.1, 10), (1.0, 1 + 2**-52, 2.0, 1e300),
)  # fmt: skip
_unary(
    "atanh", lambda b, g, y, x: b.div(g, _one_minus_x_squared(b, x)), lambda sp, x: sp.atanh(x), (-0.9, 0.9),
    (0.0, TAU, 1 - 2**-53, -(1 - 2**-53)),
)  # fmt: skip
_unary(
    # erf' = 2/sqrt(pi) exp(-x*x); x*x rounds, which costs exp(-x*x) a relative 1e-16 * x*x (4e-15 at x = 6)
    "erf", lambda b, g, y, x: b.mul(g, _gauss(b, x)), lambda sp, x: sp.erf(x), (-3, 3),
    (0.0, 6.0, -6.0, 30.0, TAU),
)  # fmt: skip
_unary(
    "erfc", lambda b, g, y, x: b.neg(b.mul(g, _gauss(b, x))), lambda sp, x: sp.erfc(x), (-3, 3),
    (0.0, 6.0, -6.0, 27.0, TAU),
)  # fmt: skip
_unary(
    # like abs (fabs'(0) = 0), but always a float, as math.fabs is
    "fabs", lambda b, g, y, x: b.signed(g, x), lambda sp, x: sp.Abs(x), (-3, 3), (0.0, -2.0, TAU, -TAU),
)  # fmt: skip
_unary(
    "exp2", lambda b, g, y, x: b.mul(g, b.mul(y, LN2)), lambda sp, x: 2**x, (-5, 5), (0.0, -1074.0, 1023.0, 1e-17),
)  # fmt: skip
_unary(
    # cbrt' = 1/(3 y*y) through the output: y*y neither overflows nor underflows for any double x; infinite at 0
    # (ZeroDivisionError, as sqrt' at 0)
    "cbrt", lambda b, g, y, x: b.div(g, b.mul(3.0, b.mul(y, y))),
    lambda sp, x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3), (0.1, 10), (-8.0, -0.5, TAU, 1e300, 27.0),
)  # fmt: skip
_unary("degrees", lambda b, g, y, x: b.mul(g, DEGREES_PER_RADIAN), lambda sp, x: x * 180 / sp.pi, (-4, 4), (0.0, 1e300))
_unary(
    "radians", lambda b, g, y, x: b.mul(g, RADIANS_PER_DEGREE), lambda sp, x: x * sp.pi / 180, (-400, 400), (0.0, 1e300)
)
# floor, ceil, trunc: piecewise constant. Their derivative is 0 between integers; at an integer (a jump) it is
# taken as 0 too, the limit from either side, so a gradient never depends on landing exactly on a jump. Like
# math's, their value is an int.
_unary("floor", _zero_rule, lambda sp, x: sp.floor(x), (-3.3, 3.3), (2.0, -2.0, 2.5, -0.5, 0.0, 1e300))
_unary("ceil", _zero_rule, lambda sp, x: sp.ceiling(x), (-3.3, 3.3), (2.0, -2.0, 2.5, -0.5, 0.0, 1e300))
_unary(
    "trunc", _zero_rule, lambda sp, x: sp.sign(x) * sp.floor(sp.Abs(x)), (-3.3, 3.3),
    (2.0, -2.0, 2.5, -0.5, 0.0, 1e300),
)  # fmt: skip
_register(
    Op(
        # NumPy's sign (sign(0) = 0); piecewise constant, derivative 0 (also at 0, by the convention of floor)
        "sign", 1, _sign, Expression(_sign_expression), (_zero_rule,), lambda sp, x: sp.sign(x), ((-3, 3),),
        special=((0.0,), (-2.0,), (TAU,), (-TAU,)),
    )
)  # fmt: skip
_register(
    Op(
        # np.square: x*x (the emitter passes a name, so the argument is computed once)
        "square", 1, lambda x: x * x, Expression(lambda a: ast.BinOp(a[0], ast.Mult(), a[0])),
        (lambda b, g, y, x: b.mul(g, b.mul(2.0, x)),), lambda sp, x: x**2, ((-3, 3),),
        special=((0.0,), (1e154,), (-1e-200,)),
    )
)  # fmt: skip


def _nonzero(b, h):
    return b.add(h, b.eq(h, 0.0))


def _atan2_rule(which):
    # d atan2(y, x) = (x dy - y dx) / (x*x + y*y), with r = hypot(x, y) for the denominator: (x/r)/r neither
    # overflows nor underflows where x*x + y*y would, and holds in every quadrant. At the origin r = 0 and the
    # rule raises ZeroDivisionError: atan2 has no derivative there.
    def rule(b, g, out, y, x):
        r = b.hypot(x, y)
        return b.mul(g, b.div(b.div(x, r), r)) if which == 0 else b.neg(b.mul(g, b.div(b.div(y, r), r)))

    return rule


_register(
    Op(
        "atan2", 2, math.atan2, MathCall("atan2"), (_atan2_rule(0), _atan2_rule(1)),
        lambda sp, y, x: sp.atan2(y, x), ((-3, 3), (-3, 3)),
        # (0.0, 0.0) is in the named edge cases: atan2 is 0.0 there but SymPy's twin is nan
        special=((1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0), (0.0, 1.0), (0.0, -1.0), (1.0, 0.0),
                 (-1.0, 0.0), (1e200, 1e200), (1e-200, -1e-200), (1e300, 1.0)),
    )
)  # fmt: skip
_register(
    Op(
        # through the output: x/h and y/h never overflow (x*x might). At the origin, where the cone has only
        # subgradients, the slope is 0 as for abs (hypot(x, 0) is |x|): h + (h == 0) divides by 1 there.
        "hypot", 2, math.hypot, MathCall("hypot"),
        (lambda b, g, h, x, y: b.mul(g, b.div(x, _nonzero(b, h))),
         lambda b, g, h, x, y: b.mul(g, b.div(y, _nonzero(b, h)))),
        lambda sp, x, y: sp.sqrt(x**2 + y**2), ((-3, 3), (-3, 3)),
        # (0.0, 0.0) is in the named edge cases: SymPy's x/sqrt(x**2 + y**2) is nan there
        special=((1e200, 1e200), (3.0, 4.0), (0.0, 2.0), (-2.0, 0.0), (1e-200, 1e-200), (-1e300, 1e300)),
        commutative=True,
    )
)  # fmt: skip
_register(
    Op(
        # copysign(x, y) = |x| * s(y) with s(y) = copysign(1, y), the sign bit of y: d/dx = sign(x) s(y) (0 at x = 0,
        # as abs), d/dy = 0 (piecewise constant in y; its jump between -0.0 and 0.0 taken as 0).
        "copysign", 2, math.copysign, MathCall("copysign"),
        (lambda b, g, out, x, y: b.signed(b.mul(g, b.copysign(1.0, y)), x), _zero_rule),
        # SymPy has no signed zero: y = 0 counts as positive, as the float 0.0 does.
        lambda sp, x, y: sp.Piecewise((sp.Abs(x), y >= 0), (-sp.Abs(x), True)), ((-3, 3), (-3, 3)),
        special=((0.0, 1.0), (2.0, -1.0), (-2.0, 0.0), (2.0, 0.0), (-2.0, -3.0), (1e300, -1e-300)),
    )
)  # fmt: skip

UNARY_FUNCTIONS = ("tanh", "exp", "log", "sqrt", "sin", "cos", "sigmoid", "relu")
# Python builtins that name ops (resolved by identity like the rest): min and max take two or more arguments.
BUILTIN_OPS = {"abs": abs, "min": min, "max": max, "pow": pow}


# --- the public op functions --------------------------------------------------------------------------------


def _make_public(op: Op) -> Callable:
    forward = op.forward
    name = op.name

    def public(x):
        sympy = sys.modules.get("sympy")
        if sympy is not None and isinstance(x, sympy.Basic):  # before numbers.Real: sympy.Integer(2) is one
            return op.sympy(sympy, x)
        if isinstance(x, numbers.Real):
            return forward(x)
        method = getattr(x, name, None)
        if method is None:
            raise TypeError(
                f"symgrad.{name}() takes a number, a symgrad.Value or a SymPy expression, not {type(x).__name__}"
            )
        return method()

    public.__name__ = public.__qualname__ = name
    public.__doc__ = (
        f"{name}(x): on numbers the float {name}; on a tape Value, x.{name}(); on a SymPy expression, "
        "its symbolic twin. Inside @grad functions it is differentiated as a primitive."
    )
    public.__module__ = "symgrad"
    return public


def _make_public_binary(op: Op) -> Callable:
    forward = op.forward
    name = op.name

    def public(x, y):
        sympy = sys.modules.get("sympy")
        if sympy is not None and (isinstance(x, sympy.Basic) or isinstance(y, sympy.Basic)):
            return op.sympy(sympy, sympy.sympify(x), sympy.sympify(y))
        if isinstance(x, numbers.Real) and isinstance(y, numbers.Real):
            return forward(x, y)
        if not isinstance(x, numbers.Real):
            method = getattr(x, name, None)
            if method is not None:
                return method(y)
        else:
            method = getattr(y, "r" + name, None)  # a number first: the reflected method, as Python's __radd__
            if method is not None:
                return method(x)
        raise TypeError(
            f"symgrad.{name}() takes numbers, symgrad.Values or SymPy expressions, not "
            f"{type(x).__name__} and {type(y).__name__}"
        )

    public.__name__ = public.__qualname__ = name
    public.__doc__ = (
        f"{name}(x, y): on numbers the float {name}; on a tape Value x, x.{name}(y) (a number x: y.r{name}(x)); "
        "on SymPy expressions, the symbolic twin. Inside @grad functions it is differentiated as a primitive."
    )
    public.__module__ = "symgrad"
    return public


tanh = _make_public(REGISTRY["tanh"])
exp = _make_public(REGISTRY["exp"])
_log1 = _make_public(REGISTRY["log"])


def log(x, base=None):
    """log(x[, base]): on numbers math.log; on a tape Value, x.log() (divided by log(base)); on a SymPy
    expression, its symbolic twin. Inside @grad functions it is differentiated as a primitive; with a base it is
    log(x) / log(base), as math.log computes it."""
    if base is None:
        return _log1(x)
    if isinstance(x, numbers.Real) and isinstance(base, numbers.Real) and not _is_sympy(x) and not _is_sympy(base):
        return math.log(x, base)
    return _log1(x) / _log1(base)


def _is_sympy(x) -> bool:
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(x, sympy.Basic)


log.__module__ = "symgrad"
sqrt = _make_public(REGISTRY["sqrt"])
sin = _make_public(REGISTRY["sin"])
cos = _make_public(REGISTRY["cos"])
sigmoid = _make_public(REGISTRY["sigmoid"])
relu = _make_public(REGISTRY["relu"])
expm1 = _make_public(REGISTRY["expm1"])
log1p = _make_public(REGISTRY["log1p"])
log2 = _make_public(REGISTRY["log2"])
log10 = _make_public(REGISTRY["log10"])
tan = _make_public(REGISTRY["tan"])
asin = _make_public(REGISTRY["asin"])
acos = _make_public(REGISTRY["acos"])
atan = _make_public(REGISTRY["atan"])
sinh = _make_public(REGISTRY["sinh"])
cosh = _make_public(REGISTRY["cosh"])
asinh = _make_public(REGISTRY["asinh"])
acosh = _make_public(REGISTRY["acosh"])
atanh = _make_public(REGISTRY["atanh"])
erf = _make_public(REGISTRY["erf"])
erfc = _make_public(REGISTRY["erfc"])
fabs = _make_public(REGISTRY["fabs"])
exp2 = _make_public(REGISTRY["exp2"])
cbrt = _make_public(REGISTRY["cbrt"])
degrees = _make_public(REGISTRY["degrees"])
radians = _make_public(REGISTRY["radians"])
floor = _make_public(REGISTRY["floor"])
ceil = _make_public(REGISTRY["ceil"])
trunc = _make_public(REGISTRY["trunc"])
sign = _make_public(REGISTRY["sign"])
atan2 = _make_public_binary(REGISTRY["atan2"])
_hypot2 = _make_public_binary(REGISTRY["hypot"])


def hypot(*args):
    """hypot(x, y, ...): on numbers math.hypot; on tape Values and SymPy expressions, hypot(hypot(x, y), ...)
    of the two-argument function (x.hypot(y) on a Value); of one argument |x|, of none 0.0, as math.hypot."""
    if all(isinstance(a, numbers.Real) and not _is_sympy(a) for a in args):
        return math.hypot(*args)
    if len(args) == 1:
        return fabs(args[0])
    result = args[0]
    for arg in args[1:]:
        result = _hypot2(result, arg)
    return result


hypot.__module__ = "symgrad"
copysign = _make_public_binary(REGISTRY["copysign"])

PUBLIC_FUNCTIONS = {
    function.__name__: function
    for function in (tanh, exp, log, sqrt, sin, cos, sigmoid, relu, expm1, log1p, log2, log10, tan, asin, acos,
                     atan, sinh, cosh, asinh, acosh, atanh, erf, erfc, fabs, exp2, cbrt, degrees, radians, floor,
                     ceil, trunc, sign, atan2, hypot, copysign)
}  # fmt: skip

# NumPy's functions that are these ops (looked up by name on an already imported NumPy; an alias such as
# np.absolute or np.atan is the same object, so it needs no entry).
NUMPY_OPS = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2", "sinh": "sinh", "cosh": "cosh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "expm1": "expm1", "log1p": "log1p",
    "log2": "log2", "log10": "log10", "hypot": "hypot", "abs": "abs", "fabs": "fabs", "floor": "floor",
    "ceil": "ceil", "trunc": "trunc", "copysign": "copysign", "power": "pow", "maximum": "max",
    "minimum": "min", "square": "square", "sign": "sign", "exp2": "exp2", "cbrt": "cbrt", "degrees": "degrees",
    "radians": "radians", "rad2deg": "degrees", "deg2rad": "radians",
}  # fmt: skip


# Reductions of a list that are loops (or chains) of ops: NumPy's (looked up on an imported NumPy only) and
# math.prod. Python's own sum, min and max are handled where they are called.
NUMPY_REDUCTIONS = ("sum", "mean", "prod")


def list_reduction(obj) -> str | None:
    """The reduction `obj` is ("sum", "mean" or "prod" for np.sum, np.mean, np.prod, math.prod), or None."""
    if obj is math.prod:
        return "prod"
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        for name in NUMPY_REDUCTIONS:
            if obj is getattr(numpy, name, None):
                return name
    return None


def refused_library_function(obj, spelled: str) -> tuple[str, str] | None:
    """For a function of `math` or NumPy that is not an op, `(message, hint)`: what it is, and the nearest
    supported functions of that library, spelled as the user spelled the library (`np.mean`). Deterministic:
    names only, never a repr. None for any other object."""
    if not callable(obj):
        return None
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):  # NumPy's ufuncs carry no __module__; their type's module says numpy
        module = type(obj).__module__
    library = module.split(".")[0]
    if library not in ("math", "numpy"):
        return None
    function = getattr(obj, "__name__", spelled.rsplit(".", 1)[-1])
    prefix = spelled.rsplit(".", 1)[0] + "." if "." in spelled else ""
    if module not in ("math", "numpy") and "." in prefix[:-1]:
        # a submodule's function (np.linalg.det): the supported names live at the library's top (np.mean)
        prefix = prefix.split(".", 1)[0] + "."
        function = f"{module.split('.', 1)[-1].replace('numpy.', '')}.{function}" if library == "numpy" else function
    table = callable_ops()
    if library == "math":
        known = sorted(n for n in dir(math) if id(getattr(math, n)) in table or n == "prod")
        what = f"math.{function} has no derivative rule in symgrad"
    else:
        numpy = sys.modules["numpy"]
        known = sorted(n for n in (*NUMPY_OPS, *NUMPY_REDUCTIONS) if getattr(numpy, n, None) is not None)
        what = f"NumPy's {function} is not one of the NumPy functions symgrad differentiates"
    near = difflib.get_close_matches(function, known, n=3, cutoff=0.5)
    nearest = f"the nearest: {', '.join(prefix + n for n in near)}; " if near else ""
    return what, f"{nearest}supported: {', '.join(prefix + n for n in known)}"


def callable_ops() -> dict[int, str]:
    """Map id(function object) -> op name for every object that names an op: symgrad's own functions, the
    math module's, and NumPy's ufuncs if NumPy is already imported (it is never imported for this)."""
    table: dict[int, str] = {}
    for name, fn in PUBLIC_FUNCTIONS.items():
        table[id(fn)] = name
        if hasattr(math, name):
            table[id(getattr(math, name))] = name
    table[id(math.pow)] = "pow"  # math.pow(x, y) is x ** y (printed so; see the README for the differences)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        for numpy_name, name in NUMPY_OPS.items():
            function = getattr(numpy, numpy_name, None)
            if function is not None:
                table[id(function)] = name
    for name, builtin in BUILTIN_OPS.items():
        table[id(builtin)] = name
    for name, op in REGISTRY.items():  # user-defined primitives, by the identity of the object the user calls
        if op.primitive is not None:
            table[id(op.primitive)] = name
    return table
