"""The optimization passes: each rewrite is IEEE-safe, and optimized programs are bit-identical to unoptimized."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import inputs, load_function, programs

from symgrad.ir import Builder, Const, Function, Loc, Param, Var, verify
from symgrad.passes import PIPELINE, cse, dce, fold, optimize
from symgrad.pipeline import compile_function

LOC = Loc("t.py", 1, 0, "", "f")


def bits(value) -> str:
    return struct.pack("<d", value).hex() if isinstance(value, float) else repr(value)


def flat(result):
    value, grads = result
    return [bits(value), *(bits(g) for g in grads)]


def run(compiled, args):
    try:
        return flat(compiled.value_and_grad(*args))
    except ArithmeticError as exc:  # both programs must fail alike
        return type(exc).__name__


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(), point=st.tuples(inputs, inputs, inputs))
def test_optimized_program_is_bit_identical_to_unoptimized(tmp_path, body, point):
    fun = load_function(tmp_path, body)
    plain = compile_function(fun, (0, 1, 2), bare=False, optimized=False)
    optimized = compile_function(fun, (0, 1, 2), bare=False, optimized=True)
    assert run(optimized, point) == run(plain, point), (body, optimized.source)


@pytest.mark.parametrize("special", [0.0, -0.0, math.inf, -math.inf, 1e308, -5e-324])
def test_identities_hold_at_signed_zeros_and_infinities(tmp_path, special):
    # Each line holds a rewrite fold makes (x*1, 1*x, x/1, x-0, x**1, --x, a+(-b), a-(-b), x**2 -> x*x);
    # the optimized program must agree bit for bit even at -0.0 and inf.
    body = "a = x * 1\nb = 1.0 * a\nc = b / 1\nd = c - 0\ne = d ** 1\nf1 = -(-e)\ng = y + (-f1)\nreturn g - (-x ** 2)"
    fun = load_function(tmp_path, body)
    plain = compile_function(fun, (0, 1), bare=False, optimized=False)
    optimized = compile_function(fun, (0, 1), bare=False, optimized=True)
    point = (special, 2.0, 0.0)
    assert run(optimized, point) == run(plain, point)


@pytest.mark.parametrize(
    "body, point, expected",
    [
        # 0*x is nan at x=inf: folding it to 0 would be wrong
        ("return 0.0 * x + y", (math.inf, 1.0, 0.0), math.nan),
        # x + 0.0 is +0.0 at x = -0.0: folding it to x would flip the sign
        ("return x + 0.0", (-0.0, 1.0, 0.0), 0.0),
        # x/x is nan at x = inf, not 1
        ("return x / x + y", (math.inf, 1.0, 0.0), math.nan),
    ],
)
def test_unsafe_identities_are_not_applied(tmp_path, body, point, expected):
    fun = load_function(tmp_path, body)
    value, _ = compile_function(fun, (0, 1), bare=False).value_and_grad(*point)
    assert bits(value) == bits(expected) or (math.isnan(expected) and math.isnan(value))


def test_zero_to_a_power_is_not_folded_to_zero(tmp_path):
    # 0**y raises at negative y in Python (the limit is inf), so 0**y must stay a power; y is not differentiated.
    fun = load_function(tmp_path, "return 0.0 ** y + x")
    compiled = compile_function(fun, (0,), bare=True)
    assert compiled.value_and_grad(1.0, 2.0, 0.0) == (1.0, 1.0)
    with pytest.raises(ZeroDivisionError):
        compiled.value_and_grad(1.0, -1.0, 0.0)


def _function(body, outs, params):
    return Function("f", "f", tuple(Param(v, v.hint) for v in params), tuple(body), tuple(outs), LOC)


def test_cse_merges_commutative_duplicates_and_dce_drops_the_rest():
    x, y = Var("x", user=True), Var("y", user=True)
    b = Builder().at(LOC)
    p = b.mul(x, y)
    q = b.mul(y, x)  # the same value: IEEE multiplication commutes bit for bit
    unused = b.tanh(x)
    r = b.add(p, q)
    fn = verify(_function(b.eqns, [r], [x, y]))
    merged = verify(cse(fn))
    assert [e.op for e in merged.body] == ["mul", "tanh", "add"]
    assert merged.body[-1].args == (p, p)
    assert unused not in {e.out for e in verify(dce(merged)).body}


def test_cse_keeps_distinct_constants_apart():
    x = Var("x", user=True)
    b = Builder().at(LOC)
    u = b.add(x, Const(0.0))
    v = b.add(x, Const(-0.0))
    w = b.add(x, Const(0))
    fn = verify(cse(_function(b.eqns, [b.mul(b.mul(u, v), w)], [x])))
    assert sum(e.op == "add" for e in fn.body) == 3


def test_fold_evaluates_constants_exactly_as_python():
    x = Var("x", user=True)
    b = Builder().at(LOC)
    # Built without the builder's own folding, so the pass does the work.
    from symgrad.ir import Eqn

    t = Var()
    eqns = [Eqn((t,), "div", (Const(1), Const(3)), LOC)]
    out = b.mul(x, t)
    fn = verify(fold(_function(eqns + b.eqns, [out], [x])))
    assert fn.body[0].args[1] == Const(1 / 3)


def test_fold_leaves_raising_and_nonfinite_constants_to_run_time():
    x = Var("x", user=True)
    from symgrad.ir import Eqn

    t, u = Var(), Var()
    eqns = [Eqn((t,), "div", (Const(1.0), Const(0.0)), LOC), Eqn((u,), "exp", (Const(1000.0),), LOC)]
    b = Builder().at(LOC)
    out = b.add(b.mul(x, t), u)
    fn = verify(fold(_function(eqns + b.eqns, [out], [x])))
    assert [e.op for e in fn.body[:2]] == ["div", "exp"]


def test_every_pass_returns_a_new_verified_function(tmp_path):
    fun = load_function(tmp_path, "a = x * y\nb = y * x\nreturn tanh(a) ** 2 + b * 1.0")
    from symgrad.pipeline import stages

    fn = stages(fun)["reversed"]
    for pass_ in PIPELINE:
        new = pass_(fn)
        assert new is not fn
        verify(new)
        fn = new
    assert len(optimize(stages(fun)["reversed"]).body) < len(stages(fun)["reversed"].body)
