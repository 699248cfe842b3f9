"""target="numpy": every point's value and gradient equal the CPython target's at that point; branches run only
on the points that take them (no warnings from the others); while loops run until every point is done;
reduce="sum" is the summed value and the gradient of the sum; lists are laid out with the batch axis first.

References: the CPython target point by point (itself checked against the tape, SymPy and mpmath elsewhere),
the tape engine and benchmarks/mlp.py's hand-written backprop for the MLP.
"""

import ast
import math
import pathlib
import sys
import warnings

import numpy as np
import pytest
from batch_cases import sample_loss  # the 3-4-4-1 MLP's loss on one sample

import symgrad
from symgrad import tanh
from symgrad.dataops import DATA_OPS
from symgrad.ops import REGISTRY
from symgrad.targets.common import TargetError
from symgrad.targets.numpy.spelling import STATEMENTS, spell

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import mlp  # the benchmark's data and its hand-written backprop

RTOL = 1e-13  # NumPy's elementwise functions may round differently from libm by an ulp or so


def many_ops(x, y):
    a = math.exp(-x * x) + math.log1p(y * y) + math.atan2(y, x) + math.hypot(x, y)
    b = symgrad.sigmoid(x - y) * math.cos(x) + abs(x - 0.5) + max(x, y) - min(x, 2.0 * y)
    c = math.erf(x) + symgrad.relu(y - 0.3) + math.sqrt(1.0 + y * y) ** 1.5 + math.copysign(x, y)
    return a * b + c / (2.0 + math.sin(y)) + math.floor(x) + x**y * 0.0 + math.tanh(x * y)


def branchy(x, y):
    if x > 0:
        z = math.log(x) * y
    elif x > -1:
        z = y / (x + 1.0)
    else:
        z = math.sqrt(-x - 1.0) + y
    return z * z + x


def newton(x, a):
    t = x
    while abs(t * t - a) > 1e-9 * a:
        t = 0.5 * (t + a / t)
    return t * x


def halving(x, y):
    n = 0
    while x > 1.0:
        if y > 0:
            x = x / 2.0 + y * 0.01
        else:
            x = x * 0.5
        n = n + 1
        if n > 6:
            break
    return x * y + n


def series(cs, x):
    s = 0.0
    p = 1.0
    for c in cs:
        s = s + c * p
        p = p * x
        if abs(p) > 100.0:
            break
    return tanh(s)


def dataset_loss(w, b, x, y):
    z = w * x + b
    return math.log1p(math.exp(-y * z)) if y * z > -30.0 else -y * z


def changes_outer_list(xs, t):
    out = []
    for x in xs:
        out.append(x * t)
    if t > 0:
        out.append(t)
    return sum(out)


def python_at(fun, *args, **options):
    return symgrad.value_and_grad(fun, **options)(*args)


def assert_close(got, want, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=rtol, atol=1e-300)


def compare_pointwise(fun, columns, rtol=RTOL):
    """The numpy target on columns of points against the Python target at each point."""
    batched = symgrad.value_and_grad(fun, target="numpy")
    scalar = symgrad.value_and_grad(fun)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from any branch
        values, grads = batched(*columns)
    for k in range(len(columns[0])):
        value, grad = scalar(*(float(c[k]) for c in columns))
        assert_close(values[k], value, rtol)
        for g_batch, g in zip(grads, grad, strict=True):
            assert_close(g_batch[k], g, rtol)


RNG = np.random.default_rng(16)


def test_every_op_has_a_numpy_spelling():
    names = [ast.Name(f"a{i}", ast.Load()) for i in range(3)]

    def call(name, args):
        return ast.Call(ast.Name(name, ast.Load()), list(args), [])

    for name, op in REGISTRY.items():
        if op.primitive is None:  # (user-defined primitives, registered by other tests, are refused: see below)
            spell(name, names[: op.arity], call, call)
    for name, op in DATA_OPS.items():
        if name not in STATEMENTS:
            spell(name, names[: op.arity or 2], call, call)


def test_straight_line_ops_point_by_point():
    x = RNG.uniform(0.2, 2.5, 40)
    y = RNG.uniform(0.1, 2.0, 40)
    compare_pointwise(many_ops, [x, y], rtol=1e-12)


def test_branches_run_only_where_taken():
    # log(x) for x <= 0 and sqrt(-x - 1) for x > -1 would warn: each point evaluates its own branch only
    x = np.array([2.0, 0.5, -0.5, -0.999, -3.0, -1.5, 1e-300, -7.5])
    y = np.linspace(-1.0, 2.0, x.size)
    compare_pointwise(branchy, [x, y])
    source = symgrad.value_and_grad(branchy, target="numpy").source
    assert "np.where" not in source and "flatnonzero" in source


def test_while_runs_until_every_point_is_done():
    x = np.array([1.0, 3.0, 10.0, 0.1, 50.0, 2.0])
    a = np.array([2.0, 2.0, 7.0, 5.0, 3.0, 4.0])
    compare_pointwise(newton, [x, a])


def test_break_and_branches_inside_a_while():
    x = np.array([0.5, 3.0, 100.0, 1e6, 7.0, 1.5])
    y = np.array([1.0, -1.0, 2.0, -3.0, 0.5, -0.5])
    compare_pointwise(halving, [x, y])


def test_a_list_parameter_with_the_batch_axis_first():
    cs = [0.5, -1.0, 0.25, 2.0]
    x = np.array([0.3, -2.0, 1.5, 20.0])
    values, (cs_bar, x_bar) = symgrad.value_and_grad(series, target="numpy")(cs, x)
    assert cs_bar.shape == (4, 4)  # (points, list)
    for k in range(x.size):
        value, (g_cs, g_x) = python_at(series, cs, float(x[k]))
        assert_close(values[k], value)
        assert_close(cs_bar[k], g_cs)
        assert_close(x_bar[k], g_x)
    # a batch of lists: an array whose last axis is the list's
    cs_rows = RNG.normal(size=(4, 4))
    values, (cs_bar, x_bar) = symgrad.value_and_grad(series, target="numpy")(cs_rows, x)
    for k in range(x.size):
        value, (g_cs, g_x) = python_at(series, list(cs_rows[k]), float(x[k]))
        assert_close(values[k], value)
        assert_close(cs_bar[k], g_cs)


def test_broadcasting_and_reduce_sum():
    x = RNG.normal(size=(3, 50))
    y = np.sign(RNG.normal(size=50))
    w, b = 0.7, -0.2
    per_point = symgrad.value_and_grad(dataset_loss, target="numpy")
    values, (w_bar, _, x_bar, y_bar) = per_point(w, b, x, y)
    assert values.shape == w_bar.shape == x_bar.shape == y_bar.shape == (3, 50)
    total, (w_sum, b_sum, x_sum, y_sum) = symgrad.value_and_grad(dataset_loss, target="numpy", reduce="sum")(w, b, x, y)
    want_value, want_w, want_b, want_y = 0.0, 0.0, 0.0, np.zeros(50)
    for i in range(3):
        for k in range(50):
            value, (gw, gb, gx, gy) = python_at(dataset_loss, w, b, x[i, k], y[k])
            want_value += value
            want_w += gw
            want_b += gb
            want_y[k] += gy
            assert_close(x_sum[i, k], gx)
            assert_close(values[i, k], value)
    assert isinstance(total, float) and isinstance(w_sum, float)
    assert_close(total, want_value, 1e-12)
    assert_close(w_sum, want_w, 1e-12)
    assert_close(b_sum, want_b, 1e-12)
    assert y_sum.shape == (50,)
    assert_close(y_sum, want_y, 1e-12)


def test_mlp_per_sample_loss_matches_hand_written_backprop():
    params = mlp.initial_params(3)
    xs = np.array(mlp.XS)
    ys = np.array(mlp.YS)
    loss = symgrad.value_and_grad(sample_loss, wrt="params", target="numpy", reduce="sum")
    total, grads = loss(params, xs, ys)
    want_total, want_grads = mlp.hand_loop(params, mlp.XS, mlp.YS)
    assert_close(total, want_total, 1e-12)
    assert grads.shape == (len(params),)
    assert_close(grads, want_grads, 1e-11)
    values, per_sample = symgrad.value_and_grad(sample_loss, wrt="params", target="numpy")(params, xs, ys)
    assert per_sample.shape == (4, len(params))
    for k in range(4):
        v, g = mlp.hand_loop(params, mlp.XS[k : k + 1], mlp.YS[k : k + 1])
        assert_close(values[k], v, 1e-12)
        assert_close(per_sample[k], g, 1e-11)


def test_the_module_is_standalone_deterministic_and_readable():
    first = symgrad.value_and_grad(halving, target="numpy").source
    second = symgrad.pipeline.compile_function(halving, (0, 1), bare=False, target="numpy").source
    assert first == second
    imports = [node for node in ast.walk(ast.parse(first)) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert sorted(alias.name for node in imports for alias in node.names) == ["math", "numpy"]
    assert "# line" in first and "def halving_value_and_grad(x, y):" in first


def test_scalars_give_numpy_floats_and_grad_drops_the_value():
    g = symgrad.grad(newton, target="numpy")(3.0, 2.0)
    want = python_at(newton, 3.0, 2.0)[1]
    assert_close(g, want)


def test_changing_an_outer_list_in_a_split_branch_is_refused():
    f = symgrad.value_and_grad(changes_outer_list, target="numpy")
    with pytest.raises(TargetError, match="numpy target does not support changing a list"):
        f([1.0, 2.0], np.array([1.0, -1.0]))


def test_bad_requests_are_usage_errors():
    with pytest.raises(symgrad.SymgradError, match="targets are"):
        symgrad.grad(newton, target="cuda")
    with pytest.raises(symgrad.SymgradError, match="reduce='sum' sums over the points of target='numpy'"):
        symgrad.grad(newton, reduce="sum")


def test_a_user_defined_primitive_is_refused_with_a_reason():
    import primitive_corpus

    def uses(x):
        return primitive_corpus.softplus(x) * x

    with pytest.raises(symgrad.SymgradError, match="primitive 'softplus'"):
        symgrad.grad(uses, target="numpy")(np.array([1.0, 2.0]))
