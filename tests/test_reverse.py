"""Reverse mode: compiled gradients against SymPy's own derivative of the same function (called on symbols)."""

from __future__ import annotations

import itertools
import math

import corpus
import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import inputs, load_function, programs

import symgrad
from symgrad.errors import UnsupportedSyntax
from symgrad.pipeline import compile_function


def sympy_value_and_grad(fun, point):
    """Value and gradient from SymPy: the undecorated function run on symbols, differentiated symbolically,
    evaluated with mpmath at 40 digits. Shares no rule with the compiler."""
    symbols = sympy.symbols(f"p0:{len(point)}", real=True)
    expr = sympy.sympify(fun(*symbols))
    exprs = [expr, *(sympy.diff(expr, s) for s in symbols)]
    with mpmath.workdps(40):
        evaluate = sympy.lambdify(symbols, exprs, modules="mpmath")
        values = [float(v) for v in evaluate(*[mpmath.mpf(p) for p in point])]
    return values[0], tuple(values[1:])


def assert_close(actual, expected, rtol=1e-9, atol=1e-12):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert math.isclose(a, e, rel_tol=rtol, abs_tol=atol), (actual, expected)


CASES = [
    (corpus.api_example, (1.0, 2.0)),
    (corpus.api_example, (-0.3, 0.7)),
    (corpus.fan_out, (1.3,)),
    (corpus.reassign, (0.4, -1.1)),
    (corpus.unpacking, (1.5, -0.5)),
    (corpus.uses_helper, (0.7, 1.9)),
    (corpus.constants, (-1.2,)),
    (corpus.every_op, (0.3, 1.7)),
    (corpus.powers, (1.3, 0.8)),
    (corpus.unused, (1.0, 2.0, 3.0)),
    (corpus.identity, (4.0,)),
    (corpus.defaults, (1.0, 3.0)),
    (corpus.division_chain, (1.5, -2.0, 0.25)),
    (corpus.relu_kink, (2.5,)),
    (corpus.relu_kink, (-0.5,)),
    (corpus.hygiene_lambda, (0.6,)),
]


@pytest.mark.parametrize("fun, point", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_gradient_matches_sympy(fun, point):
    value, grads = symgrad.value_and_grad(fun, wrt=list(range(len(point))))(*point)
    expected_value, expected_grads = sympy_value_and_grad(fun, point)
    assert_close([value, *grads], [expected_value, *expected_grads])


def test_neuron_matches_hand_derivation():
    # micrograd's lecture numbers: x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    value, grads = symgrad.value_and_grad(corpus.neuron)(x1, x2, w1, w2, b)
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    dn = 1 - o * o
    assert value == o
    assert_close(grads, (w1 * dn, w2 * dn, x1 * dn, x2 * dn, dn), rtol=1e-15, atol=0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(), point=st.tuples(inputs, inputs, inputs))
def test_random_programs_match_sympy(tmp_path, body, point):
    # Python's min and max cannot compare SymPy symbols, so this route cannot run them; test_fuzz checks those
    # programs through check(), whose SymPy route goes through the IR, and against the tape engine.
    assume("min(" not in body and "max(" not in body)
    if ").relu()" in body or ").tanh()" in body or ").sigmoid()" in body:
        # normalised below: SymPy has no micrograd methods. Each becomes the identity on its parenthesised
        # receiver, so precedence is kept (`-(a).sigmoid() * b` must not become `-(a) + 0.0 * b`).
        body = body.replace(").relu()", ").__pos__()").replace(").sigmoid()", ").__pos__()")
    body = body.replace(").__pos__()", ")").replace(").tanh()", ") * 1.0")
    fun = load_function(tmp_path, body)
    # relu's kink: skip points where SymPy's Piecewise derivative is undefined (argument exactly 0)
    value, grads = compile_function(fun, (0, 1, 2), bare=False).value_and_grad(*point)
    expected_value, expected_grads = sympy_value_and_grad(fun, point)
    assert_close([value, *grads], [expected_value, *expected_grads], rtol=1e-8, atol=1e-10)


def test_unused_parameter_gradient_is_the_constant_zero():
    compiled = compile_function(corpus.unused, (0, 1, 2), bare=False)
    assert compiled.ir.outs[2].value == 0.0 and compiled.ir.outs[3].value == 0.0
    assert compiled.value_and_grad(1.0, 2.0, 3.0) == (2.0, (2.0, 0.0, 0.0))
    assert symgrad.grad(corpus.constant_value)(5.0) == 0.0


def test_symbolic_zeros_never_multiply():
    # An adjoint starts absent: nothing like `0.0 * x`, `x * 0.0` or `0.0 + x` is ever printed.
    for fun, _ in CASES:
        source = symgrad.grad(fun).source
        for pattern in ("0.0 *", "* 0.0", "0.0 +", "+ 0.0 "):
            assert pattern not in source, (fun.__name__, pattern)


def test_only_requested_adjoints_are_computed():
    source = symgrad.grad(corpus.api_example, wrt="x").source
    assert "y_bar" not in source and "x_bar" in source
    source = symgrad.grad(corpus.api_example, wrt="y").source
    assert "x_bar" not in source


def test_fan_out_accumulates_with_plus():
    fused = symgrad.grad(corpus.fan_out).source.split("def fan_out_grad")[0]
    # x feeds four operations: its adjoint is assigned once, then each later contribution is added to it
    # (the last contribution is added in the return, which is the only reader of the total)
    steps = [line.strip() for line in fused.splitlines() if line.strip().startswith("x_bar")]
    last = fused.rstrip().splitlines()[-1].strip()
    assert last.startswith("return float(out), x_bar_1 + ") and last.endswith("  # x_bar"), last
    steps.append(last.removeprefix("return float(out), ").split("  #")[0])
    assert len(steps) == 3, steps
    assert "+ " in steps[0] and not steps[0].split(" = ")[1].startswith("x_bar")  # the first is assigned
    for previous, step in itertools.pairwise(steps):
        assert step.split(" = ")[-1].startswith(previous.split(" = ")[0] + " + "), (previous, step)


def test_differentiated_exponent_of_a_nonpositive_constant_base_is_rejected(tmp_path):
    fun = load_function(tmp_path, "return (-2.0) ** y + x")
    with pytest.raises(UnsupportedSyntax) as info:
        compile_function(fun, (1,), bare=True)
    assert info.value.lineno == 6 and info.value.col == 11
    assert "positive" in str(info.value)
    # the same power is fine when the exponent is not differentiated
    assert compile_function(fun, (0,), bare=True).value_and_grad(1.0, 3.0, 0.0) == (-7.0, 1.0)
