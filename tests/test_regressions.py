"""Bugs found by the random-program tests, each pinned as a named test."""

from __future__ import annotations

import pytest
from programs import CONTROL_HELPERS, CONTROL_PARAMS, load_function

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


# --- found by test_random_control_programs_agree_with_tape_and_finite_differences ---------------------------


def control_function(tmp_path, body):
    """A program of the control-flow fuzz test: f(x, y, z, xs), with its helpers."""
    return load_function(tmp_path, body, params=CONTROL_PARAMS, helpers=CONTROL_HELPERS)


@pytest.mark.xfail(
    strict=True,
    reason="symgrad bug: a list parameter that only dead code uses (or none at all) in a body without other list "
    "operations gets the gradient 0.0 instead of a list of zeros, and check() crashes with ValueError from zip()",
)
def test_fuzz_unused_list_parameter_gets_a_list_gradient(tmp_path):
    # Found by the control-flow fuzz test: both branches return, so `sum(xs)` is never reached. The fix for an
    # unused list parameter (a list of zeros) only applies when the body has list operations elsewhere.
    fun = control_function(tmp_path, "if x < 0.0:\n    return x\nelse:\n    return 2.0 * x\nreturn x + sum(xs)")
    value, grads = symgrad.value_and_grad(fun)(1.0, 0.0, 0.0, [0.5, 0.5, 0.5])
    assert value == 2.0 and grads == (2.0, 0.0, 0.0, [0.0, 0.0, 0.0])
    report = symgrad.check(fun, 1.0, 0.0, 0.0, [0.5, 0.5, 0.5])
    assert report.ok
    # the smallest case: a list parameter the body never mentions, in a function of numbers otherwise
    fun = control_function(tmp_path, "return 2.0 * x")
    assert symgrad.value_and_grad(fun)(1.0, 0.0, 0.0, [0.5, 0.5]) == (2.0, (2.0, 0.0, 0.0, [0.0, 0.0]))
    assert symgrad.grad(fun, wrt="xs")(1.0, 0.0, 0.0, [0.5, 0.5]) == [0.0, 0.0]


def test_fuzz_loop_initialised_from_a_name_it_reads(tmp_path):
    # Found by the control-flow fuzz test (fixed in e342023): the reverse loop returns both the carried adjoint
    # (of `a`'s initial value, which is x) and x's own accumulated adjoint; the first was dropped instead of added
    # to x_bar, so d/dx was 1.75. d/dx of a_3 = x/8 + x (1/4 + 1/2 + 1) is 1/8 + 7/4 = 1.875.
    fun = load_function(tmp_path, "a = x\nfor j in range(3):\n    a = a * 0.5 + x\nreturn a")
    value, grads = symgrad.value_and_grad(fun)(1.0, 0.0, 0.0)
    assert value == 1.875 and grads == (1.875, 0.0, 0.0)


def test_fuzz_parameter_only_passed_through_a_branch_keeps_its_gradient(tmp_path):
    # Found by the control-flow fuzz test (`x = xs[1] if min(a0, z) > 3.0 else x`, then `return cos(x) + ...`;
    # fixed in e342023): the reverse sweep computed x's adjoint through the branch, but x is never an operand of
    # an op, so its kind stayed "item" and its gradient was taken to be zeros_like(x): 0.0 instead of 1.0.
    fun = control_function(tmp_path, "a = x if y > 0.0 else x\nreturn a + xs[0]")
    assert symgrad.value_and_grad(fun)(0.5, 1.0, 0.0, [1.0, 2.0, 3.0]) == (1.5, (1.0, 0.0, 0.0, [1.0, 0.0, 0.0]))
    fun = control_function(tmp_path, "if z > 3.0:\n    a = xs[1]\nelse:\n    a = x\nreturn a")
    assert symgrad.value_and_grad(fun)(0.5, 0.0, 0.0, [1.0, 2.0, 3.0]) == (0.5, (1.0, 0.0, 0.0, [0.0, 0.0, 0.0]))


def test_fuzz_adjoint_after_a_reversed_loop_reads_the_loop_result(tmp_path):
    # Found by the control-flow fuzz test (`a0 = y * 0.5; for ...: y = min(y, c)`, then `return a0 * y ...`).
    # The generated reverse sweep was
    #     for _ in reversed(range(2)):
    #         x_1 = tape.pop()                 # x_1 was the loop's result: now it is the value before the loop
    #         ...
    #     x_bar = x_1_bar + x_1 * 0.5          # a's adjoint: wants the loop's result x ** 4, gets x
    # A restored value now takes its forward name only where no other variable of that name is read later.
    # d/dx of (x / 2) * x ** 4 is 0.5 * x ** 4 + (x / 2) * 4 * x ** 3 = 0.791015625 at 0.75.
    fun = load_function(tmp_path, "a = x * 0.5\nfor i in range(2):\n    x = x * x\nreturn a * x")
    assert symgrad.value_and_grad(fun)(0.75, 0.0, 0.0) == (0.11865234375, (0.791015625, 0.0, 0.0))
    fun = load_function(tmp_path, "a = x * 0.5\nfor i in range(3):\n    x = min(x, 0.25)\nreturn a * x")
    assert symgrad.value_and_grad(fun)(0.75, 0.0, 0.0) == (0.09375, (0.125, 0.0, 0.0))


def tape_value_and_grad(fun, *point):
    """The tape engine's value and gradient of `fun` at `point` (every parameter a Value)."""
    values = [symgrad.Value(p) for p in point]
    out = fun(*values)
    out.backward()
    return out.data, tuple(v.grad for v in values)


@pytest.mark.parametrize(
    "body",
    [
        # a while loop: its result x is read by a's adjoint after the reversed loop restored x's first value
        "a = x * 0.5\nn = 0\nwhile n < 3:\n    x = x * x + y\n    n = n + 1\nreturn a * x + y",
        # nested: the outer body's restored x shares the outer loop's result name, read by a's adjoint
        "a = x * 0.5\nfor i in range(2):\n    x = x * x\n    for j in range(2):\n        x = x * y\nreturn a * x",
        # nested: inside the outer reverse body, b's adjoint (printed inline, so read late) needs the inner
        # loop's result after the inner reverse loop restored its first value under that name
        "for i in range(2):\n    b = x * 0.5\n    for j in range(2):\n        x = x * x\n"
        "    x = b * x + 0.25\nreturn x",
    ],
    ids=["while", "nested_outer", "nested_inner_inlined"],
)
def test_fuzz_restored_value_keeps_off_a_name_read_later(tmp_path, body):
    # The same family as the test above; each of these gave a wrong d/dx before the fix.
    fun = load_function(tmp_path, body)
    point = (0.75, 0.5, 1.5)
    value, grads = symgrad.value_and_grad(fun)(*point)
    want_value, want_grads = tape_value_and_grad(fun, *point)
    assert value == want_value
    assert grads == pytest.approx(want_grads, rel=1e-12, abs=1e-15)


NESTED_ON_ONE_CONDITION = """
y = x
if x > 0.0:
    y1 = x
    if x > 0.0:
        y2 = x
        if x > 0.0:
            y2 = x * x
        y1 = y2 * 1.001
    y = y1 * 1.001
return y + z
"""


@pytest.mark.parametrize("x", [0.7, -0.4])
def test_nested_branches_on_one_condition_pair_their_tape_sites(tmp_path, x):
    # CSE merges the three equal conditions, so two push sites push the same value: pairing each restore with
    # its push by value alone found two sites, and forward over reverse raised IRError (found stress-testing
    # helpers that each branch on their argument). The pairing now takes the push from the same construct.
    numpy = pytest.importorskip("numpy")  # the test extra installs it
    fun = load_function(tmp_path, NESTED_ON_ONE_CONDITION)
    point = (x, 0.5, 1.5)
    report = symgrad.check(symgrad.hessian(fun, wrt=[0]), *point)
    assert report.ok and report.compared
    value, grads = symgrad.value_and_grad(fun, target="numpy")(*(numpy.array([p]) for p in point))
    want_value, want_grads = tape_value_and_grad(fun, *point)
    assert value[0] == pytest.approx(want_value, rel=1e-12)
    assert [g[0] for g in grads] == pytest.approx(want_grads, rel=1e-12, abs=1e-15)


def test_an_int_element_of_a_list_the_function_stores_into_comes_back_a_float(tmp_path):
    # a read of a list that stores change (read_at) may hold an int, as getitem may: the result is float()-ed
    fun = load_function(tmp_path, "h = [0] * 3\nh[0] = x\nreturn h[1]", params=("x",))
    value, gradient = symgrad.value_and_grad(fun)(0.5)
    assert type(value) is float and value == 0.0 and gradient == 0.0
