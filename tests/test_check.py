"""check() and compare(): references that agree pass, a wrong compiled gradient is caught, nan/inf compare as
values, and a reference that cannot run the function is reported, not counted as agreement."""

from __future__ import annotations

import math

import corpus
import pytest

import symgrad
import symgrad.checking as check_module
from symgrad import GradientMismatch
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


def test_a_reference_that_cannot_run_the_function_is_not_applicable():
    report = check(corpus.spellings, 0.4)  # math.tanh does not take tape Values
    tape = next(r for r in report.references if r.source == "tape")
    assert not tape.applicable and "not applicable" in str(report)
    assert report.ok and "sympy" in report.max_errors()


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
