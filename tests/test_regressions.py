"""Bugs found by the random-program tests, each pinned as a named test."""

from __future__ import annotations

import pytest
from programs import load_function

import symgrad
from symgrad.pipeline import compile_function


def test_fuzz_method_on_a_folded_constant_is_rejected_like_plain_python(tmp_path):
    # Found by test_fuzz: `y = 0.5; return (y - y).tanh()` folded to the constant 0.0 and compiled, while the
    # plain function fails on floats and on the tape alike (a float has no .tanh()).
    fun = load_function(tmp_path, "y = 0.5\nreturn (y - y).tanh() + x")
    with pytest.raises(symgrad.UnsupportedSyntax, match=r"a number has no \.tanh\(\) method") as info:
        compile_function(fun, (0,), bare=True)
    assert (info.value.lineno, info.value.col) == (7, 11)
    with pytest.raises(AttributeError):
        fun(symgrad.Value(1.0), 2.0, 3.0)


def test_property_zero_base_with_differentiated_exponent_fails_at_compile_time(tmp_path):
    # Found by test_passes: `0.0 ** y` differentiated in y compiled to `log(0.0)` and raised
    # "math domain error" at run time.
    fun = load_function(tmp_path, "return 0.0 ** y + x")
    with pytest.raises(symgrad.UnsupportedSyntax, match="base must be positive"):
        compile_function(fun, (1,), bare=True)


def test_fuzz_min_tie_sympy_agrees_with_python(tmp_path):
    # Found by test_fuzz: `return min(x, y)` at x = y. The twin was sympy.Min, whose derivative splits a tie
    # 1/2-1/2, while Python's min (so the compiled code and the tape) returns the first argument.
    fun = load_function(tmp_path, "return min(x, y)")
    report = symgrad.check(fun, 0.0, 0.0, 0.0)
    assert report.ok and report.compiled.grads == (1.0, 0.0, 0.0)


def test_op_table_min_of_an_int_argument_is_returned_as_a_float(tmp_path):
    # Found by test_ops: min(x, 3) compiled to `min(x, 3.0)` and returned the int argument unchanged.
    fun = load_function(tmp_path, "return min(x, 3)")
    value, grads = compile_function(fun, (0,), bare=False).value_and_grad(-3, 0, 0)
    assert type(value) is float and value == -3.0 and grads == (1.0,)
