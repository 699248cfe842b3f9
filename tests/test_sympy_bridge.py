"""to_sympy builds the function from the IR through op twins; the independent route is the original function
called on SymPy symbols. They must be the same function."""

from __future__ import annotations

import corpus
import mpmath
import pytest
import sympy

from symgrad import grad
from symgrad.sympy_bridge import to_sympy

# functions whose every op is spelled so that it also runs on SymPy symbols (symgrad's polymorphic ops)
SYMBOLIC = ["api_example", "fan_out", "reassign", "unpacking", "uses_helper", "constants", "every_op",
            "unused", "identity", "division_chain", "relu_kink", "hygiene_lambda", "constant_value"]  # fmt: skip


def evaluate(expr, symbols, point):
    with mpmath.workdps(40):
        return sympy.lambdify(symbols, expr, modules="mpmath")(*[mpmath.mpf(v) for v in point])


@pytest.mark.parametrize("name", SYMBOLIC)
def test_ir_route_equals_calling_the_function_on_symbols(name):
    fun = getattr(corpus, name)
    expr, symbols = to_sympy(fun)
    assert [s.name for s in symbols] == list(fun.__code__.co_varnames[: fun.__code__.co_argcount])
    direct = sympy.sympify(fun(*symbols))
    for point in [(0.3, -1.2, 0.7, 2.0, 1.1), (1.7, 0.4, -0.9, 0.6, -2.0)]:
        args = point[: len(symbols)]
        a, b = evaluate(expr, symbols, args), evaluate(direct, symbols, args)
        assert abs(a - b) <= mpmath.mpf(10) ** -25 * (1 + abs(b)), (name, args, a, b)


def test_math_spellings_and_methods_reach_sympy_through_the_ir():
    # math.tanh and x.tanh() cannot run on symbols, but the IR route handles them
    expr, (x,) = to_sympy(corpus.spellings)
    assert sympy.simplify(expr - 4 * sympy.tanh(x)) == 0


def test_decorated_functions_and_constants():
    expr, (x,) = to_sympy(grad(corpus.constants))
    assert expr.has(sympy.Float(3.141592653589793))
    assert float(expr.subs(x, 2.0)) == pytest.approx(corpus.constants(2.0), rel=1e-15)


def test_relu_twin_differentiates_to_zero_at_the_kink():
    expr, (x,) = to_sympy(corpus.relu_kink)
    assert sympy.diff(expr, x).subs(x, 0) == 0
