"""target="numba": the CPython module compiled by numba.njit gives the Python target's results (within an ulp per
operation: compared here in ulps), with loops, branches, while loops and list parameters (typed tapes, one per
push site); the batch entry points loop over points in compiled code, lists as 2-D arrays (the MLP per-sample
loss over 100,000 samples); an exported module caches its machine code beside itself. Few functions, since each
one compiles for a second or so."""

import ast
import importlib.util
import math
import subprocess
import sys

import numpy as np
import pytest
from batch_cases import sample_loss  # the 3-4-4-1 MLP's loss on one sample

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


def logistic(w, b, x, y):
    margin = y * (w * x + b)
    if margin > -30.0:
        return math.log1p(math.exp(-margin))
    return -margin


def test_a_branch_tape_is_a_variable_and_both_branches_agree():
    """A tape pushed once per call (in a branch, not a loop) is a plain variable in the numba module (a list per
    call cost the logistic batch 19x); the tape of newton's while loop stays a list."""
    f = symgrad.value_and_grad(logistic, wrt=("w", "b"), target="numba")
    plain = symgrad.value_and_grad(logistic, wrt=("w", "b"))
    assert ".append(" not in f.source and ".pop()" not in f.source and "tape = t" in f.source
    assert ".append(" in symgrad.value_and_grad(newton, target="numba").source
    x = np.linspace(-40.0, 40.0, 81)
    y = np.where(np.arange(81) % 2 == 0, 1.0, -1.0)
    values, (w_bar, b_bar) = f.batch(np.full(81, 1.5), np.full(81, 0.25), x, y)
    taken = 0
    for k in range(81):
        want, (want_w, want_b) = plain(1.5, 0.25, x[k], y[k])
        assert ulps(values[k], want) <= 4 and ulps(w_bar[k], want_w) <= 4 and ulps(b_bar[k], want_b) <= 4
        taken += y[k] * (1.5 * x[k] + 0.25) > -30.0
    assert 0 < taken < 81  # both branches ran


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
    # a batch of lists: a 2-D array, row k point k's list (a shared list: np.broadcast_to, nothing copied)
    rng = np.random.default_rng(1)
    rows, xs = rng.uniform(-1.0, 1.0, (50, 4)), rng.uniform(-1.5, 1.5, 50)
    values, (rows_bar, xs_bar) = f.batch(rows, xs)
    assert values.shape == xs_bar.shape == (50,) and rows_bar.shape == (50, 4)
    for k in range(50):
        want, (want_cs, want_x) = plain(list(rows[k]), xs[k])
        assert ulps(values[k], want) <= 4 and ulps(xs_bar[k], want_x) <= 4
        assert all(ulps(g, w) <= 4 for g, w in zip(rows_bar[k], want_cs, strict=True))
    with pytest.raises(TypeError, match="takes cs as a list or an array, not a tuple"):
        f(tuple(cs), 0.7)  # the general module cannot give a tuple's gradient as a tuple
    special = symgrad.value_and_grad(poly, target="numba", specialize=True)
    (value, (cs_bar, x_bar)), (want, (want_cs, want_x)) = special(tuple(cs), 0.7), plain(tuple(cs), 0.7)
    assert type(cs_bar) is tuple and ulps(value, want) <= 4 and ulps(x_bar, want_x) <= 4  # the specialized can
    assert all(ulps(g, w) <= 4 for g, w in zip(cs_bar, want_cs, strict=True))
    shared = f.batch(np.broadcast_to(rows[3], (50, 4)), xs)
    assert np.array_equal(shared[1][0][7], f(rows[3], xs[7])[1][0])
    with pytest.raises(ValueError, match="same length"):
        f.batch(rows, xs[:5])
    with pytest.raises(ValueError, match=r"cs must be a 2-D array \(row k: point k's list\)"):
        f.batch(rows[0], xs)
    with pytest.raises(ValueError, match="x must be a 1-D array"):
        f.batch(rows, rows)


def test_a_specialized_functions_batch_is_the_loop_of_the_module_for_the_rows_lengths():
    special = symgrad.value_and_grad(poly, target="numba", specialize=True)
    plain = symgrad.value_and_grad(poly)
    rng = np.random.default_rng(2)
    rows, xs = rng.uniform(-1.0, 1.0, (40, 4)), rng.uniform(-1.5, 1.5, 40)
    values, (rows_bar, xs_bar) = special.batch(rows, xs)
    for k in range(40):
        want, (want_cs, want_x) = plain(list(rows[k]), xs[k])
        assert ulps(values[k], want) <= 4 and ulps(xs_bar[k], want_x) <= 4
        assert all(ulps(g, w) <= 4 for g, w in zip(rows_bar[k], want_cs, strict=True))
    # the module it ran is the one specialized on length 4 (its batch loop is in that module's text)
    assert "poly_value_and_grad_batch" in special.specialized(list(rows[0]), xs[0]).source


def test_mlp_per_sample_batch_over_100000_samples(tmp_path):
    """The general module's batch (lists copied per point where the body reassigns them: `act = x`) and the
    module specialized on the lengths (rows read in place, the gradient a tuple inside the loop), exported and
    imported as a user would: both against the numpy target at every sample and the Python target at 500."""
    rng = np.random.default_rng(2)
    n = 100_000
    params = rng.uniform(-1.0, 1.0, 41)
    X, Y = rng.normal(size=(n, 3)), np.sign(rng.normal(size=n))
    P = np.broadcast_to(params, (n, 41))
    want_values, want_grads = symgrad.value_and_grad(sample_loss, wrt="params", target="numpy")(params, X, Y)
    plain = symgrad.value_and_grad(sample_loss, wrt="params", specialize=True)
    general = symgrad.value_and_grad(sample_loss, wrt="params", target="numba")
    values, grads = general.batch(P[:2000], X[:2000], Y[:2000])
    np.testing.assert_allclose(values, want_values[:2000], rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(grads, want_grads[:2000], rtol=1e-12, atol=1e-15)
    specialized = symgrad.value_and_grad(sample_loss, wrt="params", target="numba", specialize=True)
    text = specialized.specialized(list(params), list(X[0]), Y[0]).source
    (tmp_path / "mlp_numba_sg.py").write_text(text)
    spec = importlib.util.spec_from_file_location("mlp_numba_sg", tmp_path / "mlp_numba_sg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    values, grads = module.sample_loss_value_and_grad_batch(P, X, Y)
    assert values.shape == (n,) and grads.shape == (n, 41)
    np.testing.assert_allclose(values, want_values, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(grads, want_grads, rtol=1e-12, atol=1e-15)
    parallel = module.sample_loss_value_and_grad_batch_parallel(P[:1000], X[:1000], Y[:1000])  # prange
    assert np.array_equal(parallel[0], values[:1000]) and np.array_equal(parallel[1], grads[:1000])
    for k in range(0, n, n // 500):
        value, grad = plain(list(params), list(X[k]), Y[k])
        assert ulps(values[k], value) <= 4
        assert max(abs(g - w) for g, w in zip(grads[k], grad, strict=True)) <= 4 * math.ulp(max(map(abs, grad)))


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
