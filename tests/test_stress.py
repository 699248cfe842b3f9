"""Inputs at the edges of size and depth: symgrad compiles them or refuses them with the user's location, and
never raises a raw RecursionError (API.md, Errors). Each program is written as a real module file."""

from __future__ import annotations

import math
import os

import pytest
from programs import load_module as load

import symgrad
from symgrad import Value


def tape_gradient(fun, *args):
    values = [Value(a) for a in args]
    out = fun(*values)
    out.backward()
    return out.data, tuple(v.grad for v in values)


def polynomial_terms(n):
    """Coefficients and powers of a fitted-polynomial-like sum, and its value and derivative at x by formula."""
    return [((i % 7) / 10 + 0.1, i % 5) for i in range(n)]


def by_formula(terms, x):
    value = math.fsum(c * x**k for c, k in terms)
    derivative = math.fsum(c * k * x ** (k - 1) for c, k in terms if k)
    return value, derivative


def test_the_longest_chain_of_terms_python_parses(tmp_path):
    # `a + b + c + ...` is a tree as deep as it has terms: CPython itself refuses some 2,500 such terms (fewer,
    # the deeper its caller)
    terms = polynomial_terms(2000)
    text = " + ".join(f"{c} * x ** {k}" for c, k in terms)
    fun, _ = load(tmp_path, f"def f(x):\n    return {text}\n")
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    expected_value, expected_gradient = by_formula(terms, 0.7)
    assert math.isclose(value, expected_value, rel_tol=1e-12)
    assert math.isclose(gradient, expected_gradient, rel_tol=1e-12)


def test_one_expression_of_ten_thousand_terms(tmp_path):
    terms = polynomial_terms(10_000)
    text = ", ".join(f"{c} * x ** {k}" for c, k in terms)
    fun, _ = load(tmp_path, f"def f(x):\n    return sum([{text}])\n")
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    expected_value, expected_gradient = by_formula(terms, 0.7)
    assert math.isclose(value, expected_value, rel_tol=1e-12)
    assert math.isclose(gradient, expected_gradient, rel_tol=1e-12)


def test_two_thousand_nested_unary_minuses(tmp_path):
    fun, _ = load(tmp_path, "def f(x):\n    return " + "-" * 2001 + "(x * x)\n")
    assert symgrad.value_and_grad(fun)(0.7) == (fun(0.7), -1.4)


def test_a_hundred_nested_parentheses(tmp_path):
    fun, _ = load(tmp_path, "def f(x):\n    return " + "(" * 100 + "x" + " * 1.5 + x)" * 100 + "\n")
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    tape_value, (tape_grad,) = tape_gradient(fun, 0.7)
    assert math.isclose(value, tape_value, rel_tol=1e-12) and math.isclose(gradient, tape_grad, rel_tol=1e-12)


def helper_chain(levels: int, body: str = "    return h{next}(x) * 1.01 + 0.1\n") -> str:
    """Helpers h0 ... h<levels>, each calling the next (`body` with {next}), and f calling h0."""
    helpers = "".join(f"def h{i}(x):\n" + body.format(next=i + 1) + "\n\n" for i in range(levels))
    return helpers + f"def h{levels}(x):\n    return x * x\n\n\ndef f(x):\n    return h0(x)\n"


@pytest.mark.parametrize("levels", [300, 1000])
def test_chains_of_helpers_compile(tmp_path, levels):
    # deeper than Python's default recursion limit lets the inliner go: deep.run retries with a deep stack (the
    # plain function itself cannot run 1,000 levels deep under pytest, so the reference is the closed form)
    fun, _ = load(tmp_path, helper_chain(levels))
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    # h_i(x) = 1.01 * h_(i+1)(x) + 0.1 and h_levels(x) = x * x
    assert math.isclose(value, 1.01**levels * 0.49 + math.fsum(0.1 * 1.01**k for k in range(levels)), rel_tol=1e-12)
    assert math.isclose(gradient, 1.01**levels * 1.4, rel_tol=1e-12)


def test_a_chain_of_helpers_with_loops_and_branches(tmp_path):
    # every level a loop and a branch: the IR's blocks nest 300 deep, for reverse mode and the passes too
    body = "    y = x\n    for i in range(2):\n        y = y * 0.9 + 0.01\n    if y > 0.2:\n        y = y * 1.1\n"
    fun, _ = load(tmp_path, helper_chain(300, body + "    return h{next}(y)\n"))
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    tape_value, (tape_grad,) = tape_gradient(fun, 0.7)
    assert math.isclose(value, tape_value, rel_tol=1e-12)
    assert math.isclose(gradient, tape_grad, rel_tol=1e-12)


def test_helpers_that_double_the_program_per_level_are_refused_at_a_call(tmp_path):
    text = helper_chain(20, "    return h{next}(x) * 1.01 + h{next}(x)\n")
    fun, path = load(tmp_path, text)
    with pytest.raises(symgrad.UnsupportedSyntax, match="helper calls are inlined") as caught:
        symgrad.value_and_grad(fun)(0.7)
    error = caught.value
    assert error.filename == str(path) and error.text.strip().startswith("return h") and error.hint
    assert text.splitlines()[error.lineno - 1][error.col :].startswith("h")  # the column of the call


@pytest.mark.skipif(not os.environ.get("SYMGRAD_STRESS_SLOW"), reason="a slow soak test: SYMGRAD_STRESS_SLOW=1")
def test_helpers_deeper_than_the_deep_retry_are_refused_at_the_def(tmp_path):
    text = helper_chain(9000)
    fun, path = load(tmp_path, text)
    with pytest.raises(symgrad.UnsupportedSyntax, match="nests too deeply") as caught:
        symgrad.value_and_grad(fun)(0.7)
    assert (caught.value.filename, caught.value.lineno) == (str(path), text.splitlines().index("def f(x):") + 1)


def test_five_thousand_statements_with_branches_and_loops(tmp_path):
    lines = ["def f(x, y):", "    acc = 0.0"]
    for i in range(1250):
        lines += [f"    if x > {i / 1000}:", f"        acc = acc + x * {i % 3 + 1}"]
        lines += ["    else:", "        acc = acc - y"]
    lines += ["    for i in range(3):", "        acc = acc * 0.5 + x", "    return acc"]
    fun, _ = load(tmp_path, "\n".join(lines) + "\n")
    value, gradient = symgrad.value_and_grad(fun)(0.7, 0.3)
    tape_value, tape_grads = tape_gradient(fun, 0.7, 0.3)
    assert math.isclose(value, tape_value, rel_tol=1e-12)
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(gradient, tape_grads, strict=True))


def test_the_tape_engine_runs_deep_graphs():
    n = 20_000
    x = Value(0.5)
    out = x
    for _ in range(n):
        out = out * 0.999 + 0.001
    out.backward()
    assert math.isclose(x.grad, 0.999**n, rel_tol=1e-12)


def test_every_tool_takes_a_chain_of_three_hundred_helpers(tmp_path):
    fun, _ = load(tmp_path, helper_chain(300))
    report = symgrad.check(fun, 0.7)
    assert report.ok and "tape" in report.compared
    expr, (x,) = symgrad.to_sympy(fun)
    assert math.isclose(float(expr.diff(x).subs(x, 0.7)), 1.01**300 * 1.4, rel_tol=1e-12)
    assert "digraph" in symgrad.graph(fun, 0.7)
    assert math.isclose(symgrad.hessian(fun)(0.7), 2 * 1.01**300, rel_tol=1e-12)


def test_check_is_inconclusive_where_the_function_cannot_run_as_python(tmp_path):
    # 1,000 nested helper calls: symgrad compiles them, but neither the plain function nor a reference can run
    fun, _ = load(tmp_path, helper_chain(1000))
    with pytest.raises(symgrad.CheckInconclusive, match="recursion limit"):
        symgrad.check(fun, 0.7)


@pytest.mark.parametrize(
    "levels, body, message",
    [
        (120, "    y = x\n    if x > 0.0:\n        y = h{next}(x) * 1.001\n    return y\n", "nest more than 90 deep"),
        (
            30,
            "    y = x\n    for i in range(1):\n        y = h{next}(y) * 1.001\n    return y\n",
            "nest more than 16 deep",
        ),
    ],
    ids=["branches", "loops"],
)
def test_blocks_nested_deeper_than_python_compiles_are_refused_at_the_construct(tmp_path, levels, body, message):
    # each helper's call sits inside its if or loop, so inlining nests the blocks: CPython would refuse the
    # generated module (100 indentation levels, 20 nested loops) with an IndentationError or SyntaxError
    text = helper_chain(levels, body)
    fun, path = load(tmp_path, text)
    for make in (symgrad.value_and_grad, symgrad.hessian, lambda f: symgrad.grad(f, mode="forward")):
        with pytest.raises(symgrad.UnsupportedSyntax, match=message) as caught:
            make(fun)(0.7)
        error = caught.value
        assert error.filename == str(path) and error.hint
        assert text.splitlines()[error.lineno - 1].strip().startswith(("if", "for"))


@pytest.mark.parametrize(
    "body",
    [
        "    y = x\n    if x > 0.0:\n        y = h{next}(x) * 1.001\n    return y\n",
        "    y = x\n    for i in range(1):\n        y = h{next}(y) * 1.001\n    return y\n",
        "    y = x\n    while y < 0.0:\n        y = h{next}(y) + 1.0\n    return y * 1.001\n",
    ],
    ids=["85 branches", "16 loops", "16 while loops"],
)
def test_blocks_nested_up_to_the_bounds_compile_for_every_derivative(tmp_path, body):
    levels = 85 if "if" in body else 16
    fun, _ = load(tmp_path, helper_chain(levels, body))
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    tape_value, (tape_grad,) = tape_gradient(fun, 0.7)
    assert math.isclose(value, tape_value, rel_tol=1e-12) and math.isclose(gradient, tape_grad, rel_tol=1e-12)
    assert math.isclose(symgrad.grad(fun, mode="forward")(0.7), tape_grad, rel_tol=1e-12)
    assert symgrad.check(symgrad.hessian(fun), 0.7).ok


def test_a_list_of_a_million_zeros_is_made_when_the_code_runs(tmp_path):
    # `[0.0] * n` with a large constant n: made by the generated code, not spelled out by the compiler (it built
    # the constant by repeated concatenation, quadratic in n, and never finished for 100,000,000)
    text = "def f(x):\n    h = [0.0] * 1_000_000\n    h[999_999] = x * x\n    return h[999_999] + h[0] * x\n"
    fun, _ = load(tmp_path, text)
    for specialize in (False, True):
        assert symgrad.value_and_grad(fun, specialize=specialize)(0.5) == (0.25, 1.0)
