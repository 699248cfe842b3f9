"""Inputs at the edges of size and depth: symgrad compiles them or refuses them with the user's location, and
never raises a raw RecursionError (API.md, Errors). Each program is written as a real module file."""

from __future__ import annotations

import math

from programs import load_module as load

import symgrad
from symgrad import Value


def tape_gradient(fun, *args):
    values = [Value(a) for a in args]
    out = fun(*values)
    out.backward()
    return out.data, tuple(v.grad for v in values)


def compiles_or_refuses_at(fun, path, line, *args):
    """The compiled value and gradient, or None when symgrad refused the function at `path:line`."""
    try:
        return symgrad.value_and_grad(fun)(*args)
    except symgrad.UnsupportedSyntax as error:
        assert (error.filename, error.lineno) == (str(path), line), str(error)
        assert error.hint
        return None


def test_an_expression_of_a_thousand_terms(tmp_path):
    # CPython itself refuses to compile a module with one expression of about 3,000 such terms
    terms = " + ".join(f"{(i % 7) / 10 + 0.1} * x ** {i % 5}" for i in range(1000))
    fun, path = load(tmp_path, f"def f(x):\n    return {terms}\n")
    result = compiles_or_refuses_at(fun, path, 1, 0.7)
    if result is not None:
        assert math.isclose(result[0], fun(0.7), rel_tol=1e-12)


def test_a_hundred_nested_parentheses(tmp_path):
    fun, _ = load(tmp_path, "def f(x):\n    return " + "(" * 100 + "x" + " * 1.5 + x)" * 100 + "\n")
    value, gradient = symgrad.value_and_grad(fun)(0.7)
    tape_value, (tape_grad,) = tape_gradient(fun, 0.7)
    assert math.isclose(value, tape_value, rel_tol=1e-12) and math.isclose(gradient, tape_grad, rel_tol=1e-12)


def test_a_chain_of_three_hundred_helpers(tmp_path):
    helpers = "".join(f"def h{i}(x):\n    return h{i + 1}(x) * 1.01 + 0.1\n\n\n" for i in range(300))
    text = helpers + "def h300(x):\n    return x * x\n\n\ndef f(x):\n    return h0(x)\n"
    fun, path = load(tmp_path, text)
    result = compiles_or_refuses_at(fun, path, text.splitlines().index("def f(x):") + 1, 0.7)
    if result is not None:
        _, (tape_grad,) = tape_gradient(fun, 0.7)
        assert math.isclose(result[1], tape_grad, rel_tol=1e-12)


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
