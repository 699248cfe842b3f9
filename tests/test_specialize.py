"""Specialization on list lengths (`specialize=True`; lower.py's `shapes`): the same results as the general code,
straight-line code where the budget allows, the general code where lists cannot be followed at compile time.

Every case of the control-flow table runs specialized and is compared with the tape engine (the general code's
own table test compares that with finite differences too). Beside it: the MLP unrolls completely at 4 samples
and keeps only the sample loop at 100; fallbacks; the length checks of an exported module; dispatch by length.
"""

from __future__ import annotations

import copy
import math

import control_corpus as cc
import pytest
import test_control_flow as table

from symgrad import value_and_grad
from symgrad.api import shape_key
from symgrad.load import load
from symgrad.lower import UNROLL_BUDGET


@pytest.mark.parametrize("c", table.CASES)
def test_every_table_case_agrees_with_the_tape_when_specialized(c):
    args = copy.deepcopy(c.args)
    value, gradient = value_and_grad(table.fresh(c.fun), wrt=c.wrt, specialize=True)(*args)
    assert args == c.args, "the compiled function changed the caller's arguments"
    plain = c.fun(*copy.deepcopy(c.args))
    assert type(value) is float and math.isclose(value, plain, rel_tol=table.VALUE_RTOL, abs_tol=0.0)
    _, tape_gradient = table.tape_value_and_grad(c.fun, copy.deepcopy(c.args), c.wrt)
    table.assert_same_structure_close(gradient, tape_gradient, table.TAPE_RTOL, table.TAPE_ATOL)


def specialized_source(fun, *args, wrt="params"):
    return value_and_grad(table.fresh(fun), wrt=wrt, specialize=True).specialized(*args).source


def code_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]


def test_the_mlp_over_4_samples_becomes_straight_line_code():
    params, xs, ys = table.mlp_data(4)
    source = specialized_source(cc.loss, params, xs, ys)
    lines = code_lines(source)
    assert not any(line.startswith(("for ", "while ", "if ")) for line in lines)
    assert not any("tape" in line or ".append(" in line for line in lines)
    assert "params_0, params_1," in source and "= params" in source  # the elements get names of their own
    vg = value_and_grad(table.fresh(cc.loss), wrt="params", specialize=True)
    value, grads = vg(params, xs, ys)
    assert value == cc.loss(params, xs, ys)
    _, tape_grads = table.tape_value_and_grad(cc.loss, (params, xs, ys), "params")
    assert type(grads) is list and len(grads) == 41
    table.assert_same_structure_close(grads, tape_grads, table.TAPE_RTOL, table.TAPE_ATOL)


def test_the_mlp_over_100_samples_keeps_the_sample_loop_and_unrolls_the_layers():
    params, xs, ys = table.mlp_data(100, seed=3)
    source = specialized_source(cc.loss, params, xs, ys)
    loops = [line for line in code_lines(source) if line.startswith(("for ", "while "))]
    # the sample loop, forward and reverse, in each of the two generated functions
    assert len(loops) == 4 and all("range(100)" in line for line in loops), loops
    assert source.count("xs_") == 0  # the samples are read at run time, not unpacked one by one
    value, grads = value_and_grad(table.fresh(cc.loss), wrt="params", specialize=True)(params, xs, ys)
    assert math.isclose(value, cc.loss(params, xs, ys), rel_tol=1e-14)
    table.assert_same_structure_close(
        grads, table.tape_value_and_grad(cc.loss, (params, xs, ys), "params")[1], table.TAPE_RTOL, table.TAPE_ATOL
    )


def test_an_exported_specialized_module_refuses_other_lengths(tmp_path):
    params, xs, ys = table.mlp_data(4)
    compiled = value_and_grad(table.fresh(cc.loss), wrt="params", specialize=True).specialized(params, xs, ys)
    namespace = load(compiled.source, str(tmp_path / "loss_grad.py"))
    fun = namespace["loss_value_and_grad"]
    assert fun(params, xs, ys)[0] == cc.loss(params, xs, ys)
    for bad in ((params[:-1], xs, ys), (params, xs[:3], ys), (params, [x[:2] for x in xs], ys), (params, xs, ys[:3])):
        with pytest.raises(ValueError):
            fun(*bad)
    more = table.mlp_data(100)
    checked = value_and_grad(table.fresh(cc.loss), wrt="params", specialize=True).specialized(*more)
    fun = load(checked.source, str(tmp_path / "loss_grad_100.py"))["loss_value_and_grad"]
    with pytest.raises(ValueError, match=r"specialized for len\(xs\) == 100"):
        fun(more[0], more[1][:99], more[2])


def test_each_combination_of_lengths_gets_its_module_and_keywords_work():
    vg = value_and_grad(table.fresh(cc.loss), wrt="params", specialize=True)
    general = value_and_grad(table.fresh(cc.loss), wrt="params")
    for n in (1, 4, 7, 4):
        params, xs, ys = table.mlp_data(n, seed=n)
        assert vg(params, xs, ys) == vg(params, ys=ys, xs=xs)
        value, grads = vg(params, xs, ys)
        general_value, general_grads = general(params, xs, ys)
        assert math.isclose(value, general_value, rel_tol=1e-14)
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in zip(grads, general_grads, strict=True))
    assert len(vg._specialized) == 3


@pytest.mark.parametrize(
    "args, key",
    [
        ((1.0, [1.0, 2.0]), (None, ("list", 2))),
        (((1.0, 2.0, 3.0),), (("tuple", 3),)),
        (([[1.0], [2.0, 3.0]],), (("list", (1, 2)),)),
        (([[1.0], 2.0],), (("list", 2),)),  # not a list of lists throughout: only its length counts
        (([],), (("list", 0),)),
    ],
)
def test_shape_keys(args, key):
    assert shape_key(args) == key


def dot(xs, ws):
    return sum(x * w for x, w in zip(xs, ws, strict=True))


def test_a_tuple_parameter_gets_a_tuple_gradient():
    value, (gradient,) = value_and_grad(dot, wrt=["xs"], specialize=True)((1.0, 2.0), [3.0, 4.0])
    assert type(gradient) is tuple and gradient == (3.0, 4.0) and value == 11.0
    source = value_and_grad(dot, wrt=["xs"], specialize=True).specialized((1.0, 2.0), [3.0, 4.0]).source
    assert not any(line.startswith("for ") for line in code_lines(source))


def grows_in_a_while_loop(x, xs):
    acc = []
    k = 0
    while k < len(xs):
        acc.append(x * xs[k])
        k = k + 1
    return sum(acc)


def indexed_at_run_time(params, n):
    return params[n] * params[n + 1]


def comprehension_does_not_leak(x, xs):
    x2 = [x * 2.0 for x in xs]
    return x * sum(x2)


def long_loop(x, xs):
    for _ in range(UNROLL_BUDGET + 1):
        x = x * 0.5 + xs[0]
    return x


@pytest.mark.parametrize(
    "fun, args, wrt",
    [
        (grows_in_a_while_loop, (1.5, [1.0, 2.0, 3.0]), None),
        (indexed_at_run_time, ([1.0, 2.0, 3.0], 1), "params"),
        (comprehension_does_not_leak, (3.0, [1.0, 2.0]), None),
        (long_loop, (1.0, [0.25]), None),
    ],
)
def test_what_cannot_be_followed_or_unrolled_keeps_the_general_code_and_its_results(fun, args, wrt):
    specialized = value_and_grad(table.fresh(fun), wrt=wrt, specialize=True)
    value, gradient = specialized(*copy.deepcopy(args))
    _, tape_gradient = table.tape_value_and_grad(fun, copy.deepcopy(args), wrt)
    assert math.isclose(value, fun(*args), rel_tol=1e-15)
    table.assert_same_structure_close(gradient, tape_gradient, table.TAPE_RTOL, table.TAPE_ATOL)


def test_a_loop_past_the_budget_stays_a_loop():
    source = specialized_source(long_loop, 1.0, [0.25], wrt=None)
    assert f"range({UNROLL_BUDGET + 1})" in source


def test_specialized_compilation_is_deterministic():
    params, xs, ys = table.mlp_data(4)
    assert specialized_source(cc.loss, params, xs, ys) == specialized_source(cc.loss, params, xs, ys)


def strict_pairs(ws, xs):
    total = 0.0
    for w, x in zip(ws, xs, strict=True):
        total = total + w * x
    return total


@pytest.mark.parametrize("specialize", [False, True])
def test_zip_strict_raises_for_other_lengths_as_python_does(specialize):
    vg = value_and_grad(table.fresh(strict_pairs), wrt="ws", specialize=specialize)
    assert vg([1.0, 2.0], [3.0, 4.0]) == (11.0, [3.0, 4.0])
    with pytest.raises(ValueError):
        strict_pairs([1.0, 2.0], [3.0])
    with pytest.raises(ValueError, match="zip"):
        vg([1.0, 2.0], [3.0])
