"""check() and compare(): references that agree pass, a wrong compiled gradient is caught, nan/inf compare as
values, and a reference that cannot run the function is reported, not counted as agreement."""

from __future__ import annotations

import math

import check_corpus as control_corpus_functions
import corpus
import pytest

import symgrad
import symgrad.checking as check_module
import symgrad.oracles.point_sympy as point_sympy
from symgrad import CheckInconclusive, GradientMismatch
from symgrad.checking import agree, check, compare


@pytest.mark.parametrize(
    "name, point",
    [("api_example", (1.0, 2.0)), ("every_op", (0.3, 1.7)), ("uses_helper", (0.7, 1.9)),
     ("neuron", (2.0, 0.0, -3.0, 1.0, 6.88)), ("reassign", (0.4, -1.1)), ("division_chain", (1.5, -2.0, 0.25)),
     ("relu_kink", (0.0,)), ("powers", (1.3, 0.8)),
     # abs, min and max (they cannot run on SymPy symbols; check's SymPy route goes through the IR)
     ("piecewise", (1.0, 2.0, 3.0)), ("piecewise", (-1.0, 0.5, 0.2)), ("piecewise", (2.5, 2.0, 0.1))],
)  # fmt: skip
def test_check_passes_on_correct_gradients(name, point):
    report = check(getattr(corpus, name), *point, fd=True)
    assert report.ok
    errors = report.max_errors()
    assert set(errors) == {"tape", "sympy", "mpmath-fd"}
    assert all(rel <= 1e-9 for _, rel in errors.values())
    text = str(report)
    assert "OK: every reference agrees" in text and "d/d" in text


def test_check_catches_a_wrong_compiled_gradient(monkeypatch):
    real = check_module.run_compiled

    def off_by_a_little(fun, args):
        result = real(fun, args)
        result.grads = (result.grads[0], result.grads[1] * (1 + 1e-7))
        return result

    monkeypatch.setattr(check_module, "run_compiled", off_by_a_little)
    with pytest.raises(GradientMismatch) as info:
        check(corpus.api_example, 1.0, 2.0)
    message = str(info.value)
    assert "d/dy" in message and "tape reference" in message and "MISMATCH" in message
    assert not info.value.report.ok


def test_the_tape_runs_math_functions_without_touching_the_users_module():
    # math.tanh, `from math import tanh as th` and x.tanh() in one function: the tape runs a rebound copy
    report = check(corpus.spellings, 0.4, fd=True)
    assert report.compared == ("tape", "sympy", "mpmath-fd")
    assert corpus.math.tanh is math.tanh and corpus.th is math.tanh and corpus.spellings.__globals__["th"] is math.tanh


def test_the_issue_example_a_log_likelihood_with_math_log_and_a_loop_is_compared_by_every_reference():
    report = check(control_corpus_functions.gaussian_log_likelihood, 0.3, 0.2, [0.1, 0.5, -0.2, 0.05], fd=True)
    assert report.compared == ("tape", "sympy", "mpmath-fd")
    assert "not applicable" not in str(report)
    assert "OK: every reference agrees: tape, sympy, mpmath-fd" in str(report)


def test_a_check_that_compares_nothing_is_inconclusive_never_ok(monkeypatch):
    def not_applicable(source):
        return lambda fun, args, *rest: check_module.Result(source, problem=f"{source} cannot", applicable=False)

    for name, source in (("run_tape", "tape"), ("run_sympy", "sympy"), ("run_finite_differences", "mpmath-fd")):
        monkeypatch.setattr(check_module, name, not_applicable(source))
    with pytest.raises(CheckInconclusive) as info:
        check(corpus.api_example, 1.0, 2.0, fd=True)
    message = str(info.value)
    assert "no reference could check" in message and "INCONCLUSIVE" in message and "OK" not in message
    assert "tape cannot" in message and "sympy cannot" in message and "mpmath-fd cannot" in message
    assert info.value.report.compared == () and not info.value.report.ok
    assert isinstance(info.value, symgrad.SymgradError) and not isinstance(info.value, GradientMismatch)


def test_int_arguments_are_held_static_and_every_float_component_is_compared():
    # n is a trip count: no engine could run range() of its own number type, so it is passed as the int it is
    report = check(control_corpus_functions.int_trip_count, 0.5, 3, fd=True)
    assert report.params == ("x",) and report.compared == ("tape", "sympy", "mpmath-fd")
    assert "held static (ints or nested lists, not differentiated): n" in str(report)


def test_finite_differences_step_in_when_neither_tape_nor_sympy_can(monkeypatch):
    def not_applicable(source):
        return lambda fun, args, *rest: check_module.Result(source, problem="cannot", applicable=False)

    monkeypatch.setattr(check_module, "run_tape", not_applicable("tape"))
    monkeypatch.setattr(check_module, "run_sympy", not_applicable("sympy"))
    report = check(corpus.api_example, 1.0, 2.0)  # fd=False: they step in anyway
    assert report.compared == ("mpmath-fd",) and report.ok


def test_a_trace_too_large_for_sympy_is_not_applicable_and_the_tape_still_compares(monkeypatch):
    monkeypatch.setattr(point_sympy, "LIMIT", 220)  # 10 operations for each of the 22 coordinates
    report = check(control_corpus_functions.gaussian_log_likelihood, 0.3, 0.2, [0.1] * 20)
    sympy_result = next(r for r in report.references if r.source == "sympy")
    assert not sympy_result.applicable and "more than 10 operations" in sympy_result.problem
    assert report.compared == ("tape",)


def test_finite_differences_at_a_kink_are_not_applicable_rather_than_a_mismatch():
    report = check(corpus.piecewise, 1.0, 1.0, 3.0, fd=True)  # abs(x - y) at 0: the slopes differ on each side
    fd = next(r for r in report.references if r.source == "mpmath-fd")
    assert not fd.applicable and "kink" in fd.problem
    assert report.compared == ("tape", "sympy")


def test_compare_works_on_list_parameters():
    report = compare(control_corpus_functions.gaussian_log_likelihood, 0.3, 0.2, [0.1, 0.5], budget=0.01)
    assert report.params == ("mu", "sigma", "data[0]", "data[1]")
    assert len(report.comparisons) == 5 and all(c.ok for c in report.comparisons)
    assert "d/ddata[1]" in str(report)


def test_a_reference_failing_at_the_point_is_a_mismatch(monkeypatch):
    def failing_tape(fun, args):
        return check_module.Result("tape", problem="ZeroDivisionError: boom")

    monkeypatch.setattr(check_module, "run_tape", failing_tape)
    with pytest.raises(GradientMismatch, match="tape reference failed"):
        check(corpus.api_example, 1.0, 2.0)


@pytest.mark.parametrize(
    "a, b, expected",
    [(math.nan, math.nan, True), (math.nan, 1.0, False), (1.0, math.nan, False), (math.inf, math.inf, True),
     (math.inf, -math.inf, False), (math.inf, 1e308, False), (1.0, 1.0 + 1e-10, True), (1.0, 1.0 + 1e-8, False),
     (0.0, 1e-13, True), (0.0, 1e-11, False)],
)  # fmt: skip
def test_nan_and_inf_compare_as_values(a, b, expected):
    assert agree(a, b, rtol=1e-9, atol=1e-12) is expected


def test_check_is_public_and_accepts_decorated_functions():
    assert symgrad.check(symgrad.grad(corpus.fan_out), 1.3).ok


def test_compare_shows_both_engines_and_times():
    report = compare(corpus.neuron, 2.0, 0.0, -3.0, 1.0, 6.88, budget=0.01)
    text = str(report)
    assert text.startswith("compare neuron(") and "us per call" in text and "speed-up" in text
    assert report.compiled.seconds_per_call > 0 and report.references[0].seconds_per_call > 0
    assert all(c.ok for c in report.comparisons)


def _corpus_points():
    """Every function of the test suite's corpora at its points: tests/corpus.py (test_reverse's table) and the
    control-flow table (tests/test_control_flow.py's CASES)."""
    from test_control_flow import CASES
    from test_reverse import CASES as REVERSE_CASES

    for fun, point in REVERSE_CASES:
        yield pytest.param(fun, point, id=f"{fun.__name__}-{point}")
    for param in CASES:
        c = param.values[0]
        yield pytest.param(c.fun, c.args, id=c.id, marks=param.marks)


# catastrophic cancellation: 1e16 + 1.0 - 1e16 is 0.0 in floats and 1.0 exactly (SymPy at 40 digits), by design
ILL_CONDITIONED = {"plain_sum-cancellation"}


@pytest.mark.parametrize("fun, point", list(_corpus_points()))
def test_no_check_of_the_corpora_says_ok_without_comparing(request, fun, point):
    if request.node.callspec.id in ILL_CONDITIONED:
        with pytest.raises(GradientMismatch, match=r"the value is 0\.0 compiled but 1\.0 by the sympy reference"):
            check(fun, *point)
        return
    report = check(fun, *point)
    assert report.ok and report.compared and "tape" in report.compared, str(report)
    for ref in report.compared:  # each compared the value and every component of the gradient
        assert sum(c.reference == ref for c in report.comparisons) == 1 + len(report.params)
