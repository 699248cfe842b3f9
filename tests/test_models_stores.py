"""Stores into lists at run time (the general module), on programs made at random, and through every derivative.

Each program makes a list from its parameters, then loops and branches storing into it (`h[i] = e`,
`h[i] += e`) at indices computed from the loop counter, reading it back in between; the compiled value and
gradient are checked against the tape engine (`symgrad.Value` running the same source: it shares none of
symgrad's rules) at rtol 1e-9, and the value against plain Python. Forward mode, `hvp` and `jvp` of store
programs are checked by `symgrad.check` against SymPy's trace and mpmath differences.
"""

from __future__ import annotations

import importlib.util
import math
import random

import models_cases as mc
import pytest
import test_control_flow as table

import symgrad
from symgrad import Value, value_and_grad

N_PROGRAMS = 24


def _expr(rng, depth: int, n: int) -> str:
    """A random expression over the list's elements (at constant or counter-based indices) and the parameters."""
    if depth == 0 or rng.random() < 0.3:
        pick = rng.random()
        if pick < 0.45:
            return f"h[{rng.randrange(n)}]" if rng.random() < 0.5 else f"h[(k + {rng.randrange(n)}) % {n}]"
        if pick < 0.8:
            return rng.choice(["a", "b", "c"])
        return repr(round(rng.uniform(-1.5, 1.5), 2))
    a, b = _expr(rng, depth - 1, n), _expr(rng, depth - 1, n)
    form = rng.choice(["({a} + {b})", "({a} - {b})", "({a} * {b})", "tanh({a})", "sin({a}) * {b}", "({a} * 0.5)"])
    return form.format(a=a, b=b)


def program(seed: int) -> str:
    rng = random.Random(seed)
    n = rng.randrange(3, 6)
    lines = [f"def f{seed}(a, b, c):", f"    h = [a, b, c] + [0.25] * {n - 3}"]
    lines.append(f"    for k in range({rng.randrange(1, 4)}):")
    for _ in range(rng.randrange(2, 5)):
        index = rng.choice([str(rng.randrange(n)), f"(k * {rng.randrange(1, 3)} + {rng.randrange(n)}) % {n}", "-1"])
        kind = rng.random()
        if kind < 0.4:
            lines.append(f"        h[{index}] = {_expr(rng, 2, n)}")
        elif kind < 0.75:
            lines.append(f"        h[{index}] += {_expr(rng, 2, n)}")
        else:
            lines.append(f"        if {_expr(rng, 1, n)} > {_expr(rng, 1, n)}:")
            lines.append(f"            h[{index}] = {_expr(rng, 2, n)}")
            lines.append("        else:")
            lines.append(f"            h[{index}] *= 0.5")
    lines.append(f"    return sum(h[i] * (i + 1.5) for i in range({n})) + h[0] * h[-1]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    path = tmp_path_factory.mktemp("stores") / "store_programs.py"
    path.write_text("from symgrad import sin, tanh\n\n\n" + "\n\n".join(program(s) for s in range(N_PROGRAMS)))
    spec = importlib.util.spec_from_file_location("store_programs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", range(N_PROGRAMS))
def test_random_store_programs_match_the_tape(programs, seed):
    fun = getattr(programs, f"f{seed}")
    point = (0.7, -0.4, 1.1)
    vg = value_and_grad(fun)
    assert "h_bar" in vg.source or "h[" in vg.source  # the general module stores at run time
    value, grads = vg(*point)
    assert value == fun(*point)
    taped = [Value(x) for x in point]
    out = fun(*taped)
    out.backward()
    assert math.isclose(value, out.data, rel_tol=1e-13)
    for got, want in zip(grads, taped, strict=True):
        assert math.isclose(got, want.grad, rel_tol=1e-9, abs_tol=1e-12), (got, want.grad)


STORE_PROGRAMS = [
    (mc.stores_in_branches_and_while, ([0.5, -0.25, 1.5, -2.0, 0.75], 0.8), {}),
    (mc.recurrence, ([0.5, -0.3, 0.2, 0.7, 0.9], 0.4), {}),
]


@pytest.mark.parametrize("fun, args, _", STORE_PROGRAMS, ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode_of_stores_matches_sympy_and_finite_differences(fun, args, _):
    report = symgrad.check(symgrad.grad(table.fresh(fun), mode="forward"), *args, fd=True)
    assert "mpmath-fd" in report.compared


def test_hvp_and_jvp_of_stores_match_sympy_and_finite_differences():
    report = symgrad.check(symgrad.hvp(table.fresh(mc.overwrite_twice)), 0.7, -1.3, vector=(0.5, 1.0), fd=True)
    assert {"sympy", "mpmath-fd"} <= set(report.compared)
    ws, xs = [0.1 * k - 0.4 for k in range(8)], [0.3 - 0.05 * k for k in range(8)]
    tangent = ([1.0] * 8, [0.5] * 8)
    report = symgrad.check(symgrad.jvp(table.fresh(mc.accumulate_modulo)), ws, xs, tangent=tangent, fd=True)
    assert {"sympy", "mpmath-fd"} <= set(report.compared)


def test_a_derivative_of_a_derivative_of_stores_matches_sympy_and_finite_differences():
    # the outer grad differentiates the inner generated program, which itself stores (h[k] = ..., h_bar[k] = 0.0)
    second = symgrad.grad(symgrad.grad(table.fresh(mc.one_parameter_stores)))
    report = symgrad.check(second, 0.7, fd=True)
    assert {"sympy", "mpmath-fd"} <= set(report.compared)
    assert math.isclose(second(0.7), symgrad.hessian(table.fresh(mc.one_parameter_stores))(0.7), rel_tol=1e-12)
