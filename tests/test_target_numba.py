"""target="numba": the CPython module compiled by numba.njit gives the Python target's results (within an ulp per
operation: compared here in ulps), with loops, branches, while loops and list parameters (typed tapes, one per
push site); the batch entry point loops over points in compiled code; an exported module caches its machine
code beside itself. Few functions, since each one compiles for a second or so."""

import ast
import math
import subprocess
import sys

import numpy as np
import pytest

import symgrad
from symgrad import tanh

pytest.importorskip("numba")  # the test extra installs it: this never skips in CI


def newton(x, a):
    t = x
    while abs(t * t - a) > 1e-9 * a:
        t = 0.5 * (t + a / t)
    if t > 1.5:
        y = math.log(t) * x
    else:
        y = tanh(t * x)
    return y + t


def poly(cs, x):
    s = 0.0
    for c in cs:
        s = s * x + tanh(c)
    return s


def ulps(a: float, b: float) -> float:
    return abs(a - b) / math.ulp(max(abs(a), abs(b), 1e-300))


def test_scalar_entry_points_match_the_python_target():
    compiled = symgrad.value_and_grad(newton, target="numba")
    plain = symgrad.value_and_grad(newton)
    for x, a in [(1.0, 2.0), (3.0, 2.0), (10.0, 7.0), (0.3, 0.2)]:
        (value, grad), (want, want_grad) = compiled(x, a), plain(x, a)
        assert ulps(value, want) <= 4
        for g, w in zip(grad, want_grad, strict=True):
            assert ulps(g, w) <= 4
    assert compiled(x=3.0, a=2.0)[0] == compiled(3.0, 2.0)[0]


def test_the_batch_entry_point_loops_in_compiled_code():
    f = symgrad.value_and_grad(newton, target="numba")
    rng = np.random.default_rng(0)
    x, a = rng.uniform(0.2, 5.0, 200), rng.uniform(0.5, 4.0, 200)
    values, (x_bar, a_bar) = f.batch(x, a)
    for k in range(0, 200, 17):
        value, (gx, ga) = f(x[k], a[k])
        assert (values[k], x_bar[k], a_bar[k]) == (value, gx, ga)
    g = symgrad.grad(newton, target="numba")
    assert np.array_equal(g.batch(x, a)[0], x_bar)
    with pytest.raises(ValueError, match="same length"):
        f.batch(x, a[:5])


def test_list_parameters_and_the_reverse_loop():
    f = symgrad.value_and_grad(poly, target="numba")
    plain = symgrad.value_and_grad(poly)
    cs = [0.5, -1.0, 2.0, 0.25]
    value, (cs_bar, x_bar) = f(np.array(cs), 0.7)
    want, (want_cs, want_x) = plain(cs, 0.7)
    assert ulps(value, want) <= 4 and ulps(x_bar, want_x) <= 4
    assert all(ulps(g, w) <= 4 for g, w in zip(cs_bar, want_cs, strict=True))
    with pytest.raises(symgrad.SymgradError, match="no batch entry point"):
        f.batch  # noqa: B018  (lists are not batched: the property says so)


def test_the_module_imports_numba_and_math_only_and_caches_when_exported(tmp_path):
    f = symgrad.value_and_grad(poly, target="numba")
    source = f.source
    tree = ast.parse(source)
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert modules == {"math", "numba"}
    assert source == symgrad.pipeline.compile_function(poly, (0, 1), bare=False, target="numba").source
    f.export(tmp_path / "poly_numba.py")
    run = "import poly_numba; print(poly_numba.poly_value_and_grad([0.5, 2.0], 0.7))"
    out = subprocess.run([sys.executable, "-c", run], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(symgrad.value_and_grad(poly)([0.5, 2.0], 0.7))
    assert list((tmp_path / "__pycache__").glob("poly_numba.*.nbi"))  # numba cached the machine code
