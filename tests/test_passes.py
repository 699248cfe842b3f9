"""The optimization passes: each rewrite is IEEE-safe, and optimized programs are bit-identical to unoptimized."""

from __future__ import annotations

import ast
import math
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import inputs, load_function, programs

from symgrad.ir import Builder, Const, Function, Loc, Param, Var, verify
from symgrad.passes import PIPELINE, cse, dce, fold, optimize
from symgrad.pipeline import compile_function
from symgrad.targets.python.printer import MAX_INLINE_DEPTH

LOC = Loc("t.py", 1, 0, "", "f")


def bits(value) -> str:
    # A nan's sign bit is not a value Python arithmetic looks at (x86 keeps it through `nan * -1.0`, flips it
    # through `-nan`): every nan is one value here. Every other float is compared bit for bit.
    if isinstance(value, float) and math.isnan(value):
        return "nan"
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


# --- the rewrites of the performance issue: each at signed zeros, infinities and nan -------------------------

SPECIALS = [0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan, 1e308, -5e-324]
REWRITES = [
    "return x * -1.0 + y * -1",  # x * -1 -> -x, then a + (-b) -> a - b
    "a = -1.0 * x\nreturn y + a",
    "h = relu(x * x)\nreturn h + y * h",  # a square is never below zero: relu is the identity
    "h = relu(exp(x))\nreturn h * y",
    "h = relu(sqrt(x * x))\nreturn h * y",  # sqrt(-0.0) is -0.0: relu(-0.0) is -0.0 too
    "h = relu(abs(x))\nreturn relu(h) * y",
    "loss = 0.0\nloss += x * x\nloss += exp(y)\nreturn loss",  # 0.0 + a square -> the square
    "return 0.0 + sqrt(x * x) + y",  # not rewritten: sqrt may be -0.0
    "return 0.0 + relu(x) + y",  # not rewritten: relu(-0.0) is -0.0
    "z = x * y + 0.5\nh = relu(z * z)\nreturn h + y",  # the select: z if h > 0.0 else 0.0 * z (z a float)
    "h = relu(x * x)\nreturn h * 1.0 + relu(y)",
    # a temporary renamed twice (abs -> relu -> relu) and then met again by CSE: chains of substitutes are followed
    "r = relu(relu(abs(x))) * y\nreturn r + relu(relu(abs(x)))",
    # relu's adjoint reads relu's argument: relu(x) > 0 exactly where x > 0 (at -0.0 and nan too)
    "q = relu(x) + x * y\nreturn q * y",
    "h = relu(x - y)\nreturn h * h + relu(h)",
    "s = 0.0\nfor i in range(3):\n    s = s + relu(x * i - y) * y\nreturn s",
]


@pytest.mark.parametrize("body", REWRITES)
def test_rewrites_are_bit_identical_at_special_values(tmp_path, body):
    fun = load_function(tmp_path, body)
    plain = compile_function(fun, (0, 1), bare=False, optimized=False)
    optimized = compile_function(fun, (0, 1), bare=False, optimized=True)
    for x in SPECIALS:
        for y in SPECIALS:
            assert run(optimized, (x, y, 0.0)) == run(plain, (x, y, 0.0)), (body, x, y, optimized.source)


COMBINABLE = [
    "{x} * -1.0 + {y} * -1",
    "-1.0 * {x} + {y}",
    "relu({x} * {x}) + {y}",
    "relu(exp({x})) * {y}",
    "relu(sqrt({x} * {x})) * {y}",
    "relu(relu(abs({x}))) * {y}",
    "0.0 + {x} * {x} + exp({y})",
    "0.0 + sqrt({x} * {x}) + {y}",
    "relu({x} * {y} * ({x} * {y})) + {y}",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.sampled_from(COMBINABLE), min_size=1, max_size=4),
    point=st.tuples(st.sampled_from(SPECIALS) | inputs, st.sampled_from(SPECIALS) | inputs),
)
def test_combined_rewrites_are_bit_identical(tmp_path, parts, point):
    # Each part reads x and the previous part's result, so the rewrites meet each other's outputs.
    lines = [f"r{k} = " + part.format(x="x", y="y" if k == 0 else f"r{k - 1}") for k, part in enumerate(parts)]
    fun = load_function(tmp_path, "\n".join(lines) + f"\nreturn r{len(parts) - 1}")
    plain = compile_function(fun, (0, 1), bare=False, optimized=False)
    optimized = compile_function(fun, (0, 1), bare=False, optimized=True)
    assert run(optimized, (*point, 0.0)) == run(plain, (*point, 0.0)), (lines, optimized.source)


def test_rewrites_print_the_cheap_forms(tmp_path):
    source = compile_function(load_function(tmp_path, REWRITES[0]), (0, 1), bare=False).source
    assert "    out = -x - y\n" in source  # x * -1.0 + y * -1: one negation, one subtraction
    source = compile_function(load_function(tmp_path, REWRITES[9]), (0, 1), bare=False).source
    assert "    h = z * z\n" in source and "h < 0.0" not in source  # relu of a square: gone, the name kept
    assert "z if h > 0.0 else 0.0 * z" in source  # the select, no multiplication by 1.0
    source = compile_function(load_function(tmp_path, REWRITES[12]), (0, 1), bare=False).source
    assert "    q = (0.0 if x < 0.0 else x) + " in source  # relu's output is used once: inline
    assert "if x > 0.0 else 0.0" in source
    source = compile_function(load_function(tmp_path, REWRITES[6]), (0, 1), bare=False).source
    assert "0.0 +" not in source
    source = compile_function(load_function(tmp_path, REWRITES[7]), (0, 1), bare=False).source
    assert "0.0 + " in source  # sqrt(-0.0) is -0.0: 0.0 + it is +0.0, kept


def test_inlining_keeps_the_order_of_operations_that_raise(tmp_path):
    # log(x) runs first in the user's program: at x = -1, y = 0 it raises ValueError, never ZeroDivisionError
    fun = load_function(tmp_path, "a = log(x * x - 1.0)\nb = 1.0 / y\nreturn b + a")
    with pytest.raises(ValueError):
        fun(0.0, 0.0, 0.0)
    for optimized in (False, True):
        compiled = compile_function(fun, (0, 1), bare=False, optimized=optimized)
        with pytest.raises(ValueError):
            compiled.value_and_grad(0.0, 0.0, 0.0)


def _depth(node) -> int:
    children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
    return 1 + max((_depth(c) for c in children), default=0)


def test_inlined_expressions_stay_shallow(tmp_path):
    # a sum of 300 terms is a chain of 300 single-use temporaries: printed as lines of bounded depth
    expr = " + ".join(f"tanh(x * {k}.5)" for k in range(300))
    fun = load_function(tmp_path, f"return {expr}")
    compiled = compile_function(fun, (0,), bare=True)
    deepest = max(_depth(node.value) for node in ast.walk(ast.parse(compiled.source)) if isinstance(node, ast.Assign))
    assert deepest <= 3 * MAX_INLINE_DEPTH  # an op prints as at most three AST levels (a call, its argument...)
    assert compiled.value_and_grad(0.3, 0.0, 0.0) == compile_function(
        fun, (0,), bare=True, optimized=False
    ).value_and_grad(0.3, 0.0, 0.0)


def test_operations_raising_the_same_error_may_swap_when_inlined():
    # a / b / c - 1 / a: its reverse sweep divides by b, c and a; any two divisions raise the same
    # ZeroDivisionError, so they are inlined out of program order (no line of their own), and still raise it.
    import corpus

    compiled = compile_function(corpus.division_chain, (0, 1, 2), bare=False)
    assert "        t0_bar / b - -t2 / a,  # a_bar\n" in compiled.source  # printed in the return, after c's division
    for point in ((0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0)):
        with pytest.raises(ZeroDivisionError):
            compiled.value_and_grad(*point)
