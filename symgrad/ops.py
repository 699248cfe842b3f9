"""The op registry: one entry per primitive, and the public op functions built from it.

Each `Op` holds everything the compiler and the tests need to know about a primitive: its float forward, how it
prints in generated code, one adjoint rule per argument, its SymPy twin, and its test domain and special points.
Adding an op means adding an entry here (and, on purpose, a method to the independent tape engine).

Adjoint rules are written through the primal output where that is cheaper or safer (tanh: g*(1-y*y), never via
cosh, which overflows in pure Python). A rule is `rule(b, g, y, *args) -> atom | None`: `b` is an IR builder whose
methods are the ops of this registry, `g` the output's cotangent, `y` the output; `None` is a symbolic zero.

The public op functions (`tanh`, `exp`, ...) accept ints, floats, tape `Value`s (anything with the method of that
name) and SymPy expressions, so one undecorated function runs on floats, on the tape and symbolically.
"""

from __future__ import annotations

import ast
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
        # g where y > 0, else 0.0: the derivative mask of relu (no adjoint: symgrad takes first derivatives).
        "mask_pos", 2, _mask_pos, Conditional(ast.Gt, left=1, body=0, orelse=0.0, against=0.0), (None, None),
        lambda sp, g, y: sp.Piecewise((g, y > 0), (0, True)), ((-3, 3), (-3, 3)),
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
        # g * sign(x), the adjoint of abs (no adjoint of its own: symgrad takes first derivatives).
        "signed", 2, lambda g, x: g if x > 0 else (-g if x < 0 else 0.0),
        Expression(_signed_expression),
        (None, None), lambda sp, g, x: sp.Piecewise((g, x > 0), (-g, x < 0), (0, True)), ((-3, 3), (-3, 3)),
    )
)  # fmt: skip
_register(
    Op(
        # g if p < q else 0.0: where min/max send the cotangent.
        "when_lt", 3, lambda g, p, q: g if p < q else 0.0,
        Expression(lambda a: _if(_less(a[1], a[2]), a[0], _zero())),
        (None, None, None), lambda sp, g, p, q: sp.Piecewise((g, p < q), (0, True)), ((-3, 3), (-3, 3), (-3, 3)),
    )
)  # fmt: skip
_register(
    Op(
        "unless_lt", 3, lambda g, p, q: 0.0 if p < q else g,
        Expression(lambda a: _if(_less(a[1], a[2]), _zero(), a[0])),
        (None, None, None), lambda sp, g, p, q: sp.Piecewise((0, p < q), (g, True)), ((-3, 3), (-3, 3), (-3, 3)),
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


tanh = _make_public(REGISTRY["tanh"])
exp = _make_public(REGISTRY["exp"])
log = _make_public(REGISTRY["log"])
sqrt = _make_public(REGISTRY["sqrt"])
sin = _make_public(REGISTRY["sin"])
cos = _make_public(REGISTRY["cos"])
sigmoid = _make_public(REGISTRY["sigmoid"])
relu = _make_public(REGISTRY["relu"])

PUBLIC_FUNCTIONS = {"tanh": tanh, "exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos,
                    "sigmoid": sigmoid, "relu": relu}  # fmt: skip


def callable_ops() -> dict[int, str]:
    """Map id(function object) -> op name for every object that names an op: symgrad's own functions, the
    math module's, and NumPy's ufuncs if NumPy is already imported (it is never imported for this)."""
    table: dict[int, str] = {}
    for name, fn in PUBLIC_FUNCTIONS.items():
        table[id(fn)] = name
        if hasattr(math, name):
            table[id(getattr(math, name))] = name
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        for name in ("tanh", "exp", "log", "sqrt", "sin", "cos"):
            table[id(getattr(numpy, name))] = name
    for name, builtin in BUILTIN_OPS.items():
        table[id(builtin)] = name
    return table
