"""The op registry, op by op, against references that share none of the compiler's derivative rules.

Table-driven over `symgrad.ops.REGISTRY`, so a new op is picked up (and must get an oracle in tests/oracles.py):
1. each op's float `forward` agrees with its SymPy twin (high precision) in its domain and at its special
   points, and the twin agrees with an independently written SymPy and mpmath function;
2. a real user function applying each differentiable op (all-variable, and for binary ops with one constant
   operand) compiles to a value and gradient that agree with SymPy's own derivative of the independent
   function, in the domain and at the special points;
3. the same against mpmath central differences at 50 digits;
4. every spelling of an op (symgrad.tanh, math.tanh, an alias, x.tanh(), numpy.tanh, pow()) compiles alike;
5. the public op functions take ints, floats and SymPy expressions and reject a str with a TypeError;
6. compiled functions called with ints return floats equal to the float call.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import math
import sys
from dataclasses import dataclass

import mpmath
import pytest
import sympy
from oracles import (
    MP_OPS,
    SYMPY_OPS,
    SympyGrad,
    all_close,
    close,
    is_finite,
    mp_grad,
    sym_eval,
    symbols,
    sympy_grad,
    to_sympy_number,
)

import symgrad
from symgrad.errors import SymgradError
from symgrad.ops import BUILTIN_OPS, NUMPY_OPS, PUBLIC_FUNCTIONS, REGISTRY, Infix, Op, Prefix

try:
    import numpy
except ImportError:  # numpy is optional: its spellings are tested when it is installed
    numpy = None

# Ops a user reaches only through NumPy (np.square): tested when NumPy is installed.
NUMPY_SPELLED = {"square": "square"}
# symgrad's own ops: user-defined primitives (tests/test_primitives.py registers some) have their own tests
OWN = {name: op for name, op in REGISTRY.items() if op.primitive is None}
OPS = list(OWN.values())
DIFF_OPS = [
    op
    for op in OPS
    if not op.internal and any(rule is not None for rule in op.adjoints) and (numpy or op.name not in NUMPY_SPELLED)
]
PUBLIC_OPS = [REGISTRY[name] for name in PUBLIC_FUNCTIONS if REGISTRY[name].arity == 1]
PUBLIC_BINARY_OPS = [REGISTRY[name] for name in PUBLIC_FUNCTIONS if REGISTRY[name].arity == 2]
# Like math's, the public functions return an int (symgrad.floor(2.5) == 2); compiled code returns floats, as
# every compiled result is (API.md), even where the value is theirs (test_a_floor_result_is_a_float).
INT_VALUED = {"floor", "ceil", "trunc"}

# Constant operands for the one-variable forms of binary ops: `x0 ** 3`, `x0 ** -2`, `2.0 ** x0`, ...
RIGHT_CONSTS = (3, -2, 0.5, 2.5, 0, 1)
LEFT_CONSTS = (2.0, 0.5, -2, 0)

DOMAIN_RTOL, DOMAIN_ATOL = 1e-9, 1e-12
# At special points results are compared relatively, down to the float range's edge; ops whose rule goes
# through the rounded output (documented in their `notes`) are exact only absolutely there: tanh'(30) is
# 1 - y*y = 0.0 for the true 3.5e-26, sigmoid'(40) is y*(1-y) = 0.0 for 4.2e-18, expm1'(-40) is y + 1 = 0.0 for
# 4.2e-18.
SPECIAL_RTOL = 1e-9
SPECIAL_ATOL = {"tanh": 1e-12, "sigmoid": 1e-12, "expm1": 1e-12}
DEFAULT_SPECIAL_ATOL = 1e-300

NUMERIC_ERRORS = (ArithmeticError, ValueError)  # what float code raises where a value does not exist


# --- points -------------------------------------------------------------------------------------------------


def spread(lo: float, hi: float, n: int) -> list[float]:
    """n points inside [lo, hi], the midpoints of n equal cells (an odd n includes the centre)."""
    return [lo + (hi - lo) * (k + 0.5) / n for k in range(n)]


def domain_points(op: Op, positions=None) -> list[tuple]:
    """A grid over the op's domain for the argument positions given (default: all)."""
    positions = range(op.arity) if positions is None else positions
    n = 7 if len(positions) == 1 else 4
    return list(itertools.product(*(spread(*op.domain[i], n) for i in positions)))


def fd_points(op: Op) -> list[tuple]:
    """Three points for finite differences, well inside the domain and off any kink."""
    fractions = (0.17, 0.53, 0.91)
    points = []
    for k in range(3):
        point = []
        for i, (lo, hi) in enumerate(op.domain):
            point.append(lo + (hi - lo) * fractions[(k + i) % 3])
        points.append(tuple(point))
    return points


def int_points(op: Op, positions=None) -> list[tuple]:
    positions = range(op.arity) if positions is None else positions
    per_arg = []
    for i in positions:
        lo, hi = op.domain[i]
        ints = list(range(math.ceil(lo), math.floor(hi) + 1))
        if not ints:
            pytest.fail(f"{op.name}: the domain {op.domain[i]} of argument {i} holds no integer to test with")
        per_arg.append(sorted({ints[0], ints[len(ints) // 2], ints[-1]}))
    return list(itertools.product(*per_arg))


# --- user functions applying an op --------------------------------------------------------------------------


def spell(op: Op, args: list[str]) -> str:
    """The Python expression a user writes to apply `op` to the argument texts `args`."""
    nodes = [ast.parse(a, mode="eval").body for a in args]
    if op.name in PUBLIC_FUNCTIONS or op.name in BUILTIN_OPS:
        node = ast.Call(ast.Name(op.name), nodes, [])
    elif op.name in NUMPY_SPELLED:
        node = ast.Call(ast.Attribute(ast.Name("numpy"), NUMPY_SPELLED[op.name]), nodes, [])
    elif isinstance(op.printer, Infix) and op.arity == 2:
        node = ast.BinOp(nodes[0], op.printer.operator(), nodes[1])
    elif isinstance(op.printer, Prefix) and op.arity == 1:
        node = ast.UnaryOp(op.printer.operator(), nodes[0])
    else:
        raise LookupError(f"op {op.name!r} is differentiable but has no user spelling known to this test")
    return ast.unparse(node)


@dataclass(frozen=True)
class Form:
    """A user function applying one op: `consts` holds, per argument, a constant or None for a parameter."""

    op: str
    consts: tuple

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.consts) if c is None)

    @property
    def params(self) -> list[str]:
        return [f"x{i}" for i in self.positions]

    @property
    def expr(self) -> str:
        args = [f"x{i}" if c is None else repr(c) for i, c in enumerate(self.consts)]
        return spell(REGISTRY[self.op], args)

    def source(self) -> str:
        return user_module(f"def f({', '.join(self.params)}):\n    return {self.expr}\n")

    def _full(self, args, convert):
        it = iter(args)
        return [next(it) if c is None else convert(c) for c in self.consts]

    def sympy_fn(self, *syms):
        return SYMPY_OPS[self.op](*self._full(syms, to_sympy_number))

    def mp_fn(self, *args):
        return MP_OPS[self.op](*self._full(args, mpmath.mpf))


def all_var(op: Op) -> Form:
    return Form(op.name, (None,) * op.arity)


def user_module(body: str, imports: str = "") -> str:
    names = ", ".join(sorted(PUBLIC_FUNCTIONS))
    numpy_import = "import numpy\n" if numpy is not None else ""
    return f"import math\n\n{numpy_import}import symgrad\nfrom symgrad import {names}\n{imports}\n\n{body}"


_counter = itertools.count()
_loaded: dict[str, object] = {}


@pytest.fixture(scope="module")
def load(tmp_path_factory):
    """load(source, name='f') -> the function `name` of the module with that source (a real file: symgrad
    reads source), each distinct source written and imported once."""
    directory = tmp_path_factory.mktemp("ops_user_modules")

    def load(source: str, name: str = "f"):
        if source not in _loaded:
            module_name = f"sg_test_ops_{next(_counter)}"
            path = directory / f"{module_name}.py"
            path.write_text(source)
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
            _loaded[source] = module
        return getattr(_loaded[source], name)

    return load


def compiled(load, form: Form):
    fun = load(form.source())
    return symgrad.value_and_grad(fun, wrt=list(range(len(form.params))))


def outcome(fn, point):
    """(value, grads) or the exception type a call raised."""
    try:
        return fn(*point)
    except NUMERIC_ERRORS as exc:
        return type(exc)


# --- the forms of test 2 ------------------------------------------------------------------------------------


def gradient_cases() -> list:
    """(form, kind, points) for every differentiable op: the all-variable form in the domain and at the special
    points; for binary ops also one-constant forms, in the variable's domain and at the special points."""
    cases: dict[tuple[Form, str], list] = {}
    for op in DIFF_OPS:
        form = all_var(op)
        cases[form, "domain"] = domain_points(op)
        if op.special:
            cases[form, "special"] = list(op.special)
        if op.arity != 2:
            continue
        for c in RIGHT_CONSTS:
            cases[Form(op.name, (None, c)), "domain"] = domain_points(op, [0])
        for c in LEFT_CONSTS:
            cases[Form(op.name, (c, None)), "domain"] = domain_points(op, [1])
        for p, q in op.special:
            cases.setdefault((Form(op.name, (None, q)), "special"), []).append((p,))
            cases.setdefault((Form(op.name, (p, None)), "special"), []).append((q,))
    return [
        pytest.param(form, kind, points, id=f"{form.op}:{form.expr}:{kind}") for (form, kind), points in cases.items()
    ]


def check_against(actual, expected, rtol, atol) -> str | None:
    """None if a compiled outcome agrees with the expected (value, grads); else what is wrong."""
    value, grads = expected
    # The call raised: right only where some part of the true result (value or a partial) does not exist,
    # e.g. x0 ** x1 at (-2.0, 3), whose partial in x1 is not real.
    if isinstance(actual, type):
        if all(is_finite(v) for v in (value, *grads)):
            return f"raised {actual.__name__}, expected {expected}"
        return None
    got_value, got_grads = actual
    if not isinstance(got_grads, tuple):
        return f"gradient {got_grads!r} is not a tuple"
    if not all_close((got_value, *got_grads), (value, *grads), rtol, atol):
        return f"got {actual}, expected {expected}"
    if type(got_value) is not float:
        return f"got {actual}: the value {got_value!r} is a {type(got_value).__name__}"
    for v in got_grads:
        if type(v) is not float:
            return f"got {actual}: {v!r} is a {type(v).__name__}, not a float"
    return None


# --- 0. the tables are complete ----------------------------------------------------------------------------


def test_every_op_has_independent_oracles_and_a_spelling():
    assert set(OWN) <= set(SYMPY_OPS), "write the new op into tests/oracles.py SYMPY_OPS"
    assert set(OWN) <= set(MP_OPS), "write the new op into tests/oracles.py MP_OPS"
    for op in DIFF_OPS:
        spell(op, [f"x{i}" for i in range(op.arity)])  # raises for a differentiable op users cannot write
    for op in OPS:
        assert len(op.adjoints) == op.arity == len(op.domain), op.name
        assert all(len(point) == op.arity for point in op.special), op.name
        assert all(lo < hi for lo, hi in op.domain), op.name
    # the internal helpers (the adjoints of relu, abs, min and max) are the only ops users cannot write; they
    # have adjoint rules too (linear in the cotangent), so a reversed program can be differentiated again
    assert {op.name for op in OPS} - {op.name for op in DIFF_OPS} == {"mask_pos", "signed", "when_lt", "unless_lt"}
    assert {op.name for op in OPS if op.internal} == {"mask_pos", "signed", "when_lt", "unless_lt"}
    for name, fn in PUBLIC_FUNCTIONS.items():
        assert getattr(symgrad, name) is fn and name in symgrad.__all__
        assert REGISTRY[name].arity in (1, 2)
    assert {op.name for op in PUBLIC_BINARY_OPS} == {"atan2", "hypot", "copysign"}
    assert set(NUMPY_OPS.values()) <= set(REGISTRY)


def test_oracle_helpers_are_right_on_known_functions():
    value, grads = sympy_grad(lambda x, y: x * y + sympy.sin(x), (2.0, 3.0))
    assert value == 6.0 + math.sin(2.0)
    assert grads == (3.0 + math.cos(2.0), 2.0)
    value, grads = mp_grad(lambda x, y: x * y + MP_OPS["sin"](x), (2.0, 3.0))
    assert close(value, 6.0 + math.sin(2.0), 1e-15) and all_close(grads, (3.0 + math.cos(2.0), 2.0), 1e-12)
    # under cancellation the oracle still rounds right: tanh'(30) = 4 / (e^30 + e^-30)^2
    (_, (g,)) = sympy_grad(sympy.tanh, (30.0,))
    assert close(g, 4 / (math.exp(30) + math.exp(-30)) ** 2, 1e-14)
    assert sympy_grad(sympy.log, (-2.0,))[0] != sympy_grad(sympy.log, (-2.0,))[0]  # nan: not real
    assert close(math.nan, math.nan) and not close(math.nan, 0.0) and not close(0.0, math.nan)
    assert close(math.inf, math.inf) and not close(math.inf, -math.inf) and not close(math.inf, 1e308)
    assert close(1.0, 1.0 + 1e-10) and not close(1.0, 1.0 + 1e-8) and close(0.0, 1e-13, atol=1e-12)
    assert not close(1j, 0.0) and not close(math.nan, 1j)


# --- 1. forward vs twin vs the independent tables -----------------------------------------------------------


def twin_value(op: Op, point) -> float:
    syms = symbols(op.arity)
    return sym_eval(sympy.sympify(op.sympy(sympy, *syms)), dict(zip(syms, point, strict=True)))


def forward_outcome(op: Op, point):
    try:
        return op.forward(*point)
    except NUMERIC_ERRORS as exc:
        return type(exc)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_forward_matches_twin_in_domain(op):
    bad = []
    for point in domain_points(op):
        got, expected = forward_outcome(op, point), twin_value(op, point)
        if isinstance(got, type) or not close(got, expected, rtol=1e-12):
            bad.append((point, got, expected))
    assert not bad


@pytest.mark.parametrize("op", [op for op in OPS if op.special], ids=lambda op: op.name)
def test_forward_matches_twin_at_special_points(op):
    bad = []
    for point in op.special:
        got, expected = forward_outcome(op, point), twin_value(op, point)
        if isinstance(got, type):
            ok = not is_finite(expected)  # both have no float value
        else:
            ok = close(got, expected, rtol=1e-9, atol=1e-300)
        if not ok:
            bad.append((point, got, expected))
    assert not bad


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_twin_agrees_with_independent_tables(op):
    syms = symbols(op.arity)
    twin = sympy.sympify(op.sympy(sympy, *syms))
    mine = sympy.sympify(SYMPY_OPS[op.name](*syms))
    assert twin.free_symbols <= set(syms)
    bad = []
    for point in [*domain_points(op), *op.special, *fd_points(op)]:
        subs = dict(zip(syms, point, strict=True))
        t, m = sym_eval(twin, subs), sym_eval(mine, subs)
        if not close(t, m, rtol=1e-14, atol=1e-300):
            bad.append(("sympy", point, t, m))
    for point in [*domain_points(op), *fd_points(op)]:
        t, (m, _) = sym_eval(twin, dict(zip(syms, point, strict=True))), mp_grad(MP_OPS[op.name], point)
        if not close(t, m, rtol=1e-14, atol=1e-300):
            bad.append(("mpmath", point, t, m))
    assert not bad


# --- 2. compiled value and gradient vs SymPy's derivative ---------------------------------------------------


@pytest.mark.parametrize("form, kind, points", gradient_cases())
def test_compiled_gradient_matches_sympy(load, form, kind, points):
    rtol, atol = (
        (DOMAIN_RTOL, DOMAIN_ATOL)
        if kind == "domain"
        else (SPECIAL_RTOL, SPECIAL_ATOL.get(form.op, DEFAULT_SPECIAL_ATOL))
    )
    oracle = SympyGrad(form.sympy_fn, len(form.params))
    expected = [oracle(point) for point in points]
    fn = compiled(load, form)
    try:
        fn(*points[0])
    except SymgradError as exc:
        # Rejected at compile time: right only if the derivative exists at none of the points.
        defined = [p for p, (_, grads) in zip(points, expected, strict=True) if all(is_finite(g) for g in grads)]
        assert not defined, f"{form.expr} rejected ({exc}) but its gradient exists at {defined}"
        return
    except NUMERIC_ERRORS:
        pass
    bad = []
    for point, exp in zip(points, expected, strict=True):
        problem = check_against(outcome(fn, point), exp, rtol, atol)
        if problem:
            bad.append((point, problem))
    assert not bad, f"{form.expr}:\n" + "\n".join(map(str, bad)) + "\n" + fn.source


def test_named_edge_cases(load):
    """The edges the brief names, spelled out (they are among the special points, asserted here by value)."""
    cases = [
        ("tanh(x0)", (30.0,), (1.0, (0.0,))),
        ("tanh(x0)", (-1000.0,), (-1.0, (0.0,))),
        ("sigmoid(x0)", (1000.0,), (1.0, (0.0,))),
        ("sigmoid(x0)", (-1000.0,), (0.0, (0.0,))),
        ("relu(x0)", (0.0,), (0.0, (0.0,))),
        ("relu(x0)", (-1.0,), (0.0, (0.0,))),
        ("relu(x0)", (2.0,), (2.0, (1.0,))),
        ("exp(x0)", (-1000.0,), (0.0, (0.0,))),
        ("exp(x0)", (700.0,), (math.exp(700.0), (math.exp(700.0),))),
        ("log(x0)", (1e-300,), (math.log(1e-300), (1e300,))),
        ("log(x0)", (1e300,), (math.log(1e300), (1e-300,))),
        ("sqrt(x0)", (1e-300,), (1e-150, (5e149,))),
        ("x0 ** 3", (-2.0,), (-8.0, (12.0,))),
        ("x0 ** -3", (-1.5,), (-1 / 3.375, (-3 / 1.5**4,))),
        ("x0 ** x1", (2.0, 3.0), (8.0, (12.0, 8.0 * math.log(2.0)))),
        ("math.pow(x0, x1)", (2.0, 3.0), (8.0, (12.0, 8.0 * math.log(2.0)))),
        # atan2(y, x) in the four quadrants and on the axes: d/dy = x / r**2, d/dx = -y / r**2
        ("atan2(x0, x1)", (1.0, 1.0), (math.pi / 4, (0.5, -0.5))),
        ("atan2(x0, x1)", (1.0, -1.0), (3 * math.pi / 4, (-0.5, -0.5))),
        ("atan2(x0, x1)", (-1.0, -1.0), (-3 * math.pi / 4, (-0.5, 0.5))),
        ("atan2(x0, x1)", (-1.0, 1.0), (-math.pi / 4, (0.5, 0.5))),
        ("atan2(x0, x1)", (0.0, 2.0), (0.0, (0.5, 0.0))),
        ("atan2(x0, x1)", (0.0, -2.0), (math.pi, (-0.5, 0.0))),
        ("atan2(x0, x1)", (2.0, 0.0), (math.pi / 2, (0.0, -0.5))),
        ("atan2(x0, x1)", (-2.0, 0.0), (-math.pi / 2, (0.0, 0.5))),
        ("atan2(x0, x1)", (1e200, 1e200), (math.pi / 4, (0.5e-200, -0.5e-200))),
        ("hypot(x0, x1)", (1e200, 1e200), (math.sqrt(2) * 1e200, (math.sqrt(0.5), math.sqrt(0.5)))),
        ("hypot(x0, x1)", (3.0, -4.0), (5.0, (0.6, -0.8))),
        ("hypot(x0, x1)", (0.0, 0.0), (0.0, (0.0, 0.0))),  # the cone's tip: subgradient 0, as abs'(0)
        ("log1p(x0)", (1e-17,), (1e-17, (1.0,))),
        ("expm1(x0)", (1e-17,), (1e-17, (1.0,))),
        ("expm1(x0)", (-1e-300,), (-1e-300, (1.0,))),
        ("erf(x0)", (0.0,), (0.0, (2 / math.sqrt(math.pi),))),
        ("erf(x0)", (6.0,), (1.0, (float(2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-36)),))),
        ("erf(x0)", (-6.0,), (-1.0, (float(2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-36)),))),
        ("erfc(x0)", (6.0,), (float(mpmath.erfc(6)), (-float(2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-36)),))),
        ("floor(x0)", (2.0,), (2.0, (0.0,))),  # at an integer: the one-sided slopes, both 0
        ("floor(x0)", (-0.5,), (-1.0, (0.0,))),
        ("ceil(x0)", (-0.5,), (0.0, (0.0,))),
        ("trunc(x0)", (-2.5,), (-2.0, (0.0,))),
        ("fabs(x0)", (0.0,), (0.0, (0.0,))),
        ("copysign(x0, x1)", (2.0, -1.0), (-2.0, (-1.0, 0.0))),
        ("copysign(x0, x1)", (-2.0, 0.0), (2.0, (-1.0, 0.0))),
        ("copysign(x0, x1)", (0.0, -1.0), (-0.0, (0.0, 0.0))),
        ("sign(x0)", (0.0,), (0.0, (0.0,))),
        ("sign(x0)", (-2.0,), (-1.0, (0.0,))),
        ("acosh(x0)", (1e300,), (math.acosh(1e300), (1e-300,))),
        ("asinh(x0)", (-1e200,), (math.asinh(-1e200), (1e-200,))),
        ("atanh(x0)", (1 - 2**-53,), (math.atanh(1 - 2**-53), (float(1 / (1 - mpmath.mpf(1 - 2**-53) ** 2)),))),
        (
            "asin(x0)",
            (1 - 2**-53,),
            (math.asin(1 - 2**-53), (float(1 / mpmath.sqrt(1 - mpmath.mpf(1 - 2**-53) ** 2)),)),
        ),
    ]
    bad = []
    for expr, point, (value, grads) in cases:
        params = ", ".join(f"x{i}" for i in range(len(point)))
        fun = load(user_module(f"def f({params}):\n    return {expr}\n"))
        got = symgrad.value_and_grad(fun, wrt=list(range(len(point))))(*point)
        if not all_close((got[0], *got[1]), (value, *grads), rtol=1e-14, atol=1e-300):
            bad.append((expr, point, got))
        elif any(math.copysign(1, g) != math.copysign(1, v) for g, v in zip(got[1], grads, strict=True) if v):
            bad.append((expr, point, got, "sign"))
    assert not bad


def test_atan2_at_the_origin_has_a_value_but_no_derivative(load):
    fun = load(user_module("def f(x0, x1):\n    return atan2(x0, x1)\n"))
    with pytest.raises(ZeroDivisionError):
        symgrad.value_and_grad(fun)(0.0, 0.0)
    assert symgrad.value_and_grad(fun, wrt=[])(0.0, 0.0) == (0.0, ())


def test_rule_constants_are_the_nearest_doubles():
    with mpmath.workdps(50):
        assert symgrad.ops.INV_LN2 == float(1 / mpmath.log(2))
        assert symgrad.ops.INV_LN10 == float(1 / mpmath.log(10))
        assert symgrad.ops.TWO_OVER_SQRT_PI == float(2 / mpmath.sqrt(mpmath.pi))
        assert symgrad.ops.LN2 == float(mpmath.log(2))
        assert symgrad.ops.DEGREES_PER_RADIAN == float(180 / mpmath.pi)
        assert symgrad.ops.RADIANS_PER_DEGREE == float(mpmath.pi / 180)


def test_a_floor_result_is_a_float(load):
    fun = load(user_module("def f(x0, x1):\n    return math.floor(x0) * x1\n"))
    value, (g0, g1) = symgrad.value_and_grad(fun)(2.5, 3.0)
    assert (value, g0, g1) == (6.0, 0.0, 2.0) and type(g1) is float


# --- 3. against mpmath finite differences -------------------------------------------------------------------


@pytest.mark.parametrize("op", DIFF_OPS, ids=lambda op: op.name)
def test_compiled_gradient_matches_mpmath_differences(load, op):
    form = all_var(op)
    fn = compiled(load, form)
    bad = []
    for point in fd_points(op):
        value, grads = fn(*point)
        expected = mp_grad(form.mp_fn, point)
        if not all_close((value, *grads), (expected[0], *expected[1]), rtol=1e-9, atol=1e-12):
            bad.append((point, (value, grads), expected))
    assert not bad


# --- 4. spellings -------------------------------------------------------------------------------------------


def spellings(op: Op) -> dict[str, tuple[str, str]]:
    """label -> (extra imports, expression) for every way to write `op` applied to x0."""
    n = op.name
    found = {
        "symgrad.name": ("", f"symgrad.{n}(x0)"),
        "from symgrad import name": ("", f"{n}(x0)"),
        "from symgrad import name as alias": (f"from symgrad import {n} as op_alias", "op_alias(x0)"),
    }
    if hasattr(math, n):
        found["math.name"] = ("", f"math.{n}(x0)")
        found["from math import name as th"] = (f"from math import {n} as th", "th(x0)")
    if op.method:
        found["x.name()"] = ("", f"x0.{n}()")
    if numpy is not None and hasattr(numpy, n):
        found["numpy.name"] = ("import numpy", f"numpy.{n}(x0)")
        found["np.name"] = ("import numpy as np", f"np.{n}(x0)")
    if numpy is not None:
        for numpy_name in sorted(k for k, v in NUMPY_OPS.items() if v == n and k != n):
            found[f"np.{numpy_name}"] = ("import numpy as np", f"np.{numpy_name}(x0)")
    return found


def code_lines(source: str) -> list[str]:
    """The generated module without its comments (which quote the user's line and name its file)."""
    return [line for line in source.splitlines() if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("op", PUBLIC_OPS, ids=lambda op: op.name)
def test_every_spelling_compiles_to_the_same_code(load, op):
    found = spellings(op)
    assert len(found) >= 4 if op.method else len(found) >= 3
    if op.name == "tanh":  # the spellings the brief names
        assert {"math.name", "from math import name as th", "x.name()"} <= set(found)
        assert numpy is None or "numpy.name" in found
    points = domain_points(op)
    results, codes = {}, {}
    for label, (imports, expr) in found.items():
        fun = load(user_module(f"def f(x0):\n    return {expr}\n", imports))
        fn = symgrad.value_and_grad(fun)
        codes[label] = code_lines(fn.source)
        results[label] = [repr(fn(*p)) for p in points]  # repr: bit-identical floats
    reference = "from symgrad import name"
    for label in found:
        assert codes[label] == codes[reference], label
        assert results[label] == results[reference], label


BINARY_SPELLINGS = {
    # op: (the reference spelling, the others): each compiles to the same code
    "atan2": ("atan2(x0, x1)", ["symgrad.atan2(x0, x1)", "math.atan2(x0, x1)", "numpy.arctan2(x0, x1)",
                                "numpy.atan2(x0, x1)"]),
    "hypot": ("hypot(x0, x1)", ["symgrad.hypot(x0, x1)", "math.hypot(x0, x1)", "numpy.hypot(x0, x1)"]),
    "copysign": ("copysign(x0, x1)", ["symgrad.copysign(x0, x1)", "math.copysign(x0, x1)",
                                      "numpy.copysign(x0, x1)"]),
    "pow": ("x0 ** x1", ["pow(x0, x1)", "math.pow(x0, x1)", "numpy.power(x0, x1)", "numpy.pow(x0, x1)"]),
    "max": ("max(x0, x1)", ["numpy.maximum(x0, x1)"]),
    "min": ("min(x0, x1)", ["numpy.minimum(x0, x1)"]),
    "abs": ("abs(x0) + x1", ["numpy.abs(x0) + x1", "numpy.absolute(x0) + x1"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BINARY_SPELLINGS))
def test_binary_and_numpy_spellings_compile_to_the_same_code(load, name):
    reference, others = BINARY_SPELLINGS[name]
    if numpy is None:
        others = [o for o in others if "numpy" not in o]
    elif not hasattr(numpy, "atan2"):  # NumPy 1 has no math-named aliases
        others = [o for o in others if o not in ("numpy.atan2(x0, x1)", "numpy.pow(x0, x1)")]
    assert others
    points = [(1.5, 2.5), (0.75, -0.5), (2.0, -1.25)]  # positive bases: the gradient of x0 ** x1 is real
    base = symgrad.value_and_grad(load(user_module(f"def f(x0, x1):\n    return {reference}\n")))
    for expr in others:
        fn = symgrad.value_and_grad(load(user_module(f"def f(x0, x1):\n    return {expr}\n")))
        assert code_lines(fn.source) == code_lines(base.source), expr
        assert [repr(fn(*p)) for p in points] == [repr(base(*p)) for p in points], expr


def test_numpy_is_never_imported_by_symgrad():
    import subprocess

    script = "import sys, symgrad; symgrad.ops.callable_ops(); print('numpy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("op", PUBLIC_BINARY_OPS, ids=lambda op: op.name)
def test_public_binary_function(op):
    fn = PUBLIC_FUNCTIONS[op.name]
    points = domain_points(op)
    for p, q in points:
        assert fn(p, q) == op.forward(p, q)
    assert type(fn(2, 3)) is float and fn(2, 3) == op.forward(2.0, 3.0)
    x, y = sympy.symbols("x y", real=True)
    assert fn(x, y) == op.sympy(sympy, x, y)
    for first, second in ((x, 0.5), (0.5, y)):  # a SymPy expression on either side: the twin
        got = fn(first, second)
        assert isinstance(got, sympy.Basic)
        assert close(sym_eval(got, {x: -1.25, y: -1.25}), op.forward(*(-1.25 if a in (x, y) else a for a in (first,
                     second))), rtol=1e-14)  # fmt: skip
    # a Value on either side: the tape's methods (its own derivative code)
    a = symgrad.Value(-1.25)
    out = fn(a, 0.5)
    out.backward()
    assert out.data == op.forward(-1.25, 0.5)
    b = symgrad.Value(-1.25)
    out = fn(0.5, b)
    out.backward()
    assert out.data == op.forward(0.5, -1.25)
    expected = SympyGrad(SYMPY_OPS[op.name], 2)((-1.25, 0.5)), SympyGrad(SYMPY_OPS[op.name], 2)((0.5, -1.25))
    assert close(a.grad, expected[0][1][0], rtol=1e-14) and close(b.grad, expected[1][1][1], rtol=1e-14)
    with pytest.raises(TypeError, match=rf"symgrad\.{op.name}\(\) takes numbers.*not str and float"):
        fn("1.0", 2.0)


def test_builtin_pow_is_the_power_operator(load):
    a = symgrad.value_and_grad(load(user_module("def f(x0, x1):\n    return pow(x0, x1)\n")))
    b = symgrad.value_and_grad(load(user_module("def f(x0, x1):\n    return x0 ** x1\n")))
    assert code_lines(a.source) == code_lines(b.source)
    for point in domain_points(REGISTRY["pow"]):
        assert repr(a(*point)) == repr(b(*point))


def test_method_spelling_on_an_expression(load):
    fun = load(user_module("def f(x0, x1):\n    return (x0 * x1 + 1).tanh()\n"))
    value, grads = symgrad.value_and_grad(fun)(0.5, -0.75)
    expected = sympy_grad(lambda a, b: sympy.tanh(a * b + 1), (0.5, -0.75))
    assert all_close((value, *grads), (expected[0], *expected[1]), rtol=1e-12)


# --- 5. the public op functions -----------------------------------------------------------------------------


@pytest.mark.parametrize("op", PUBLIC_OPS, ids=lambda op: op.name)
def test_public_function_on_numbers(op):
    fn = PUBLIC_FUNCTIONS[op.name]
    value_type = int if op.name in INT_VALUED else float
    for (i,) in int_points(op):
        got = fn(i)
        assert type(got) is value_type, (i, got)
        assert got == op.forward(float(i)), i
        assert close(got, twin_value(op, (i,)), rtol=1e-12, atol=1e-300), i
    for (x,) in domain_points(op):
        got = fn(x)
        assert type(got) is value_type and got == op.forward(x), x


@pytest.mark.parametrize("op", PUBLIC_OPS, ids=lambda op: op.name)
def test_public_function_on_sympy_returns_the_twin(op):
    fn = PUBLIC_FUNCTIONS[op.name]
    x = sympy.Symbol("x", real=True)
    got = fn(x)
    assert isinstance(got, sympy.Basic)
    assert got == op.sympy(sympy, x)
    mine = SYMPY_OPS[op.name](x)
    for (v,) in domain_points(op):
        assert close(sym_eval(got, {x: v}), sym_eval(mine, {x: v}), rtol=1e-14, atol=1e-300), v
    compound = fn(2 * x + 1)
    assert compound.free_symbols == {x}
    assert close(sym_eval(compound, {x: 0.25}), sym_eval(SYMPY_OPS[op.name](2 * x + 1), {x: 0.25}), rtol=1e-14)


def test_public_function_on_a_sympy_number_returns_the_twin():
    bad = []
    for op in PUBLIC_OPS:
        for (i,) in int_points(op):
            arg = sympy.Integer(i)
            got = PUBLIC_FUNCTIONS[op.name](arg)
            if not (isinstance(got, sympy.Basic) and got == op.sympy(sympy, arg)):
                bad.append((op.name, i, got))
    assert not bad


@pytest.mark.parametrize("op", PUBLIC_OPS, ids=lambda op: op.name)
def test_public_function_rejects_a_string(op):
    with pytest.raises(TypeError, match=rf"symgrad\.{op.name}\(\) takes a number.*not str"):
        PUBLIC_FUNCTIONS[op.name]("1.0")


# --- 6. int arguments ---------------------------------------------------------------------------------------


def int_cases() -> list:
    cases = []
    for op in DIFF_OPS:
        cases.append((all_var(op), int_points(op)))
        if op.arity == 2:
            for c in (3, -2, 0, 1):
                cases.append((Form(op.name, (None, c)), int_points(op, [0])))
            cases.append((Form(op.name, (2, None)), int_points(op, [1])))
    return [pytest.param(form, points, id=f"{form.op}:{form.expr}") for form, points in cases]


@pytest.mark.parametrize("form, points", int_cases())
def test_int_arguments_give_floats(load, form, points):
    fn = compiled(load, form)
    bad = []
    for point in points:
        with_ints, with_floats = outcome(fn, point), outcome(fn, tuple(map(float, point)))
        if isinstance(with_floats, type) or isinstance(with_ints, type):
            if with_ints is not with_floats:
                bad.append((point, with_ints, with_floats))
            continue
        value, grads = with_ints
        if type(value) is not float or not all(type(v) is float for v in grads):
            bad.append((point, "types", with_ints))
        elif not all_close((value, *grads), (with_floats[0], *with_floats[1]), rtol=0.0):
            bad.append((point, with_ints, with_floats))  # equal (int arithmetic may give 0.0 for -0.0)
    assert not bad, "\n".join(map(str, bad)) + "\n" + fn.source


# --- 7. check's references know the new ops -----------------------------------------------------------------

CHECKED = """
def black_scholes(s, k, t, r, sigma):
    d1 = (math.log(s / k) + (r + sigma * sigma / 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    cdf1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
    cdf2 = 0.5 * math.erfc(-d2 / math.sqrt(2))
    return s * cdf1 - k * math.exp(-r * t) * cdf2


def angles(x, y):
    return math.atan2(y, x) * math.hypot(x, y) + math.copysign(x, y) + math.floor(x) * y + math.fabs(y)


def inverse(x):
    y = math.asin(x / 2) + math.acos(x / 3) + math.atan(x) + math.asinh(x)
    return y + math.acosh(2 + x * x) + math.atanh(x / 2)


def logs(x):
    y = math.log1p(x * x) + math.expm1(x) + math.log2(1 + x * x) + math.log10(2 + x)
    return y + math.tan(x) + math.sinh(x) * math.cosh(x)
"""

CHECKED_NUMPY = """
def with_numpy(x, y):
    z = np.arctan2(y, x) + np.hypot(x, y) * np.square(x) + np.power(np.fabs(y), 1.5) + np.sign(x) * y
    return np.maximum(z, np.minimum(x, y)) + np.log1p(np.abs(x)) + np.arcsinh(y) + np.trunc(x) + np.ceil(y)
"""


@pytest.mark.parametrize("name, args", [
    ("black_scholes", (100.0, 95.0, 0.5, 0.02, 0.25)),
    ("angles", (1.25, -0.75)),
    ("angles", (-1.5, 2.5)),
    ("inverse", (0.5,)),
    ("logs", (0.3,)),
])  # fmt: skip
def test_check_runs_every_reference_on_the_new_ops(load, name, args):
    fun = load(user_module(CHECKED), name)
    report = symgrad.check(fun, *args, fd=True)
    assert {"tape", "sympy", "mpmath-fd"} <= set(report.compared), report.compared


@pytest.mark.skipif(numpy is None, reason="NumPy is optional")
def test_check_runs_every_reference_on_numpy_functions(load):
    fun = load(user_module(CHECKED_NUMPY, "import numpy as np"), "with_numpy")
    report = symgrad.check(fun, 1.25, -0.75, fd=True)
    assert {"tape", "sympy", "mpmath-fd"} <= set(report.compared), report.compared
    value, grads = symgrad.value_and_grad(fun)(1.25, -0.75)
    assert type(value) is float and all(type(g) is float for g in grads)
