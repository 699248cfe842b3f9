"""`symgrad.check` and `symgrad.compare` on higher-order derivatives (symgrad/checking_higher.py).

The references share none of the compiler's rules: SymPy on a trace of the user's function, mpmath differences
of the user's function (and of its gradient, for second derivatives), and double-precision differences of the
compiled first-order gradient. A derivative made wrong on purpose (its compiled entry point patched) must be
reported as a mismatch, and a point where no reference can compare must be inconclusive, never OK.
"""

from __future__ import annotations

import dataclasses
import math

import higher_corpus as hc
import pytest

import symgrad
from symgrad import grad, hessian, higher, hvp, jacobian, jvp, value_and_jacobian, value_grad_and_hessian


def f(x, y):
    z = x * y + 3
    return symgrad.tanh(z) ** 2 / y


def branchy(x, y):
    if x * y > 1.0:
        return math.exp(x) * y**3
    return abs(x - y) * math.log(y)


def kinked_and_long(x, y):  # a trace too long for SymPy's Hessian, and a kink at x == 1 for the differences
    s = 0.0
    for i in range(4000):
        s = s + x * y * (i % 3)
    return abs(x - 1.0) * s


def cube(x):
    return x**3


CASES = [
    ("hessian", lambda: hessian(f), (1.0, 2.0), {}),
    ("hessian wrt y,x", lambda: hessian(f, wrt=("y", "x")), (1.0, 2.0), {}),
    ("value_grad_and_hessian", lambda: value_grad_and_hessian(branchy), (0.7, 2.5), {}),
    ("hessian of a list", lambda: hessian(hc.rosenbrock), ([-1.2, 1.0, 0.7],), {}),
    ("hessian with branches and a loop", lambda: hessian(hc.squashed_sum), ([0.3, -0.4, 1.1], 0.8), {}),
    ("hvp", lambda: hvp(f), (1.0, 2.0), {"vector": (0.5, -1.0)}),
    ("hvp of a list", lambda: hvp(hc.rosenbrock), ([-1.2, 1.0, 0.7],), {"vector": [1.0, 0.5, -0.25]}),
    ("jvp", lambda: jvp(branchy), (0.2, 2.5), {"tangent": (0.5, -1.0)}),
    ("jvp of several results", lambda: jvp(hc.polar), (2.0, 0.3), {"tangent": (1.0, 0.5)}),
    ("jacobian", lambda: jacobian(hc.polar), (2.0, 0.3), {}),
    ("value_and_jacobian wrt theta", lambda: value_and_jacobian(hc.polar, wrt="theta"), (2.0, 0.3), {}),
    ("grad of grad", lambda: grad(grad(cube)), (2.0,), {}),
    ("grad of grad of grad", lambda: grad(grad(grad(cube))), (2.0,), {}),
    ("jacobian of grad", lambda: jacobian(grad(f)), (1.0, 2.0), {}),
    ("jvp of grad", lambda: jvp(grad(f)), (1.0, 2.0), {"tangent": (0.5, -1.0)}),
    ("forward mode", lambda: grad(f, mode="forward"), (1.0, 2.0), {}),
]


@pytest.mark.parametrize(("name", "make", "args", "direction"), CASES, ids=[c[0] for c in CASES])
def test_check_compares_every_entry_with_sympy_and_finite_differences(name, make, args, direction):
    made = make()
    report = symgrad.check(made, *args, fd=True, **direction)
    assert report.ok and "sympy" in report.compared
    entries = len(symgrad.checking_higher.flat(made(*args, **direction)))
    assert len(report.labels) == entries and len([c for c in report.comparisons if c.reference == "sympy"]) == entries
    order = sum(2 if r.kind in ("hessian", "value_grad_hessian", "hvp") else 1 for r in made.chain)
    if order <= 2:  # the mpmath differences of the user's function go to second derivatives
        assert "mpmath-fd" in report.compared, str(report)
    if order >= 2:  # second-order code is checked against differences of the compiled first-order code too
        assert any(source.startswith("fd(compiled") for source in report.compared), str(report)
    assert "OK" in str(report)


def test_the_report_says_which_finite_differences_ran():
    text = str(symgrad.check(hessian(f), 1.0, 2.0, fd=True))
    assert "fd(compiled gradient): five-point central differences (double precision) of the compiled first-order " \
           "value_and_grad (rtol=1e-06" in text  # fmt: skip
    assert "mpmath-fd: central differences of the function at 60 digits" in text
    assert "d2f/dxdy" in text and "d2f/dydx" in text


def _patched(monkeypatch, kind, change):
    """compile_chain, with the entry point of requests ending in `kind` changed by `change` (its result)."""
    real = higher.compile_chain

    def broken(fun, chain, shapes=None, mode="reverse"):
        compiled = real(fun, chain, shapes, mode)
        if chain[-1].kind != kind:
            return compiled
        if hasattr(compiled, "function"):
            good = compiled.function
            return dataclasses.replace(compiled, function=lambda *a, **k: change(good(*a, **k)))
        good = compiled.grad
        return dataclasses.replace(compiled, grad=lambda *a, **k: change(good(*a, **k)))

    monkeypatch.setattr(higher, "compile_chain", broken)


def test_a_wrong_hessian_entry_is_a_mismatch(monkeypatch):
    # one off-diagonal entry off by one part in 10**7: past rtol 1e-9 for SymPy, within reach of nothing else
    _patched(monkeypatch, "hessian", lambda h: ((h[0][0], h[0][1] * (1 + 1e-7)), h[1]))
    wrong = hessian(f)
    with pytest.raises(symgrad.GradientMismatch, match=r"d2f/dxdy .* by the sympy reference") as info:
        symgrad.check(wrong, 1.0, 2.0)
    assert not info.value.report.ok and "MISMATCH" in str(info.value.report)


def test_a_wrong_hessian_is_caught_by_finite_differences_alone(monkeypatch):
    _patched(monkeypatch, "hessian", lambda h: ((h[0][0] + 1e-3, h[0][1]), h[1]))
    wrong = hessian(f)
    with pytest.raises(symgrad.GradientMismatch) as info:
        symgrad.check(wrong, 1.0, 2.0, fd=True)
    bad = {c.reference for c in info.value.report.comparisons if not c.ok}
    assert bad == {"sympy", "mpmath-fd", "fd(compiled gradient)"}


@pytest.mark.parametrize(
    ("kind", "make", "args", "direction", "change"),
    [
        ("hvp", lambda: hvp(f), (1.0, 2.0), {"vector": (0.5, -1.0)}, lambda v: (v[0], v[1] + 1e-6)),
        ("jvp", lambda: jvp(f), (1.0, 2.0), {"tangent": (0.5, -1.0)}, lambda r: (r[0], -r[1])),
        ("jacobian", lambda: jacobian(hc.polar), (2.0, 0.3), {}, lambda j: (j[1], j[0])),
        ("grad", lambda: grad(grad(cube)), (2.0,), {}, lambda g: g * 1.001),
        ("grad", lambda: grad(f, mode="forward"), (1.0, 2.0), {}, lambda g: (g[0], 0.0)),
    ],
    ids=["hvp", "jvp", "jacobian", "grad_grad", "forward"],
)
def test_every_kind_reports_a_wrong_derivative(monkeypatch, kind, make, args, direction, change):
    _patched(monkeypatch, kind, change)
    with pytest.raises(symgrad.GradientMismatch):
        symgrad.check(make(), *args, **direction)
    with pytest.raises(symgrad.GradientMismatch):
        symgrad.check(make(), *args, fd=True, **direction)


def test_nothing_compared_is_inconclusive_not_ok():
    with pytest.raises(symgrad.CheckInconclusive) as info:
        symgrad.check(hessian(kinked_and_long), 1.0, 0.5)
    report = info.value.report
    assert report.compared == () and not report.ok and "INCONCLUSIVE" in str(report)
    text = str(info.value)
    assert "sympy:" in text and "mpmath-fd:" in text and "fd(compiled gradient):" in text
    # away from the kink the differences compare what SymPy cannot
    report = symgrad.check(hessian(kinked_and_long), 1.5, 0.5)
    assert "sympy" not in report.compared and "mpmath-fd" in report.compared


def test_directions_are_required_and_checked():
    with pytest.raises(symgrad.SymgradError, match="vector="):
        symgrad.check(hvp(f), 1.0, 2.0)
    with pytest.raises(symgrad.SymgradError, match="tangent="):
        symgrad.check(hessian(f), 1.0, 2.0, tangent=(1.0, 0.0))
    with pytest.raises(symgrad.SymgradError, match="jvp"):
        symgrad.check(f, 1.0, 2.0, tangent=(1.0, 0.0))


def test_compare_shows_the_derivative_beside_differences_of_compiled_code():
    report = symgrad.compare(hessian(f), 1.0, 2.0, budget=0.01)
    assert report.kind == "compare" and report.compared == ("fd(compiled gradient)",)
    assert all(c.ok for c in report.comparisons)
    text = str(report)
    assert "us per call" in text and "speed-up" in text
    report = symgrad.compare(jvp(hc.polar), 2.0, 0.3, budget=0.01, tangent=(1.0, 0.0))
    assert report.compared == ("fd(function)",) and report.ok is not None
    assert [c.expected for c in report.comparisons][2] == pytest.approx(math.cos(0.3), rel=1e-8)


def first_cubes(xs, k):
    s = 0.0
    for i in range(k):
        s = s + xs[i] * xs[i] * xs[i]
    return s


def test_an_int_count_among_the_differentiated_parameters_is_inconclusive_or_held():
    # the compiler differentiates k as a number (its row is zeros); no reference can move a count: not OK, not
    # a mismatch, but inconclusive with each reason; with wrt="xs" the count is held and everything compares
    with pytest.raises(symgrad.CheckInconclusive, match="as an integer"):
        symgrad.check(hessian(first_cubes), [1.0, 2.0], 2)
    report = symgrad.check(hessian(first_cubes, wrt="xs"), [1.0, 2.0, 3.0], 2, fd=True)
    assert report.compared == ("sympy", "mpmath-fd", "fd(compiled gradient)")
