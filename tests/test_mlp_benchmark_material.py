"""B7's benchmark material (benchmarks/mlp.py): the hand-written references agree with symgrad's tape engine
(rtol 1e-12, value and every gradient entry) and with 40-digit mpmath central differences; the loop source runs
as plain Python on floats. No time is asserted."""

from __future__ import annotations

import importlib.util
import itertools
import math
import pathlib
import random

import mpmath
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _import_mlp():
    spec = importlib.util.spec_from_file_location("benchmarks_mlp", ROOT / "benchmarks" / "mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mlp = _import_mlp()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    directory = tmp_path_factory.mktemp("b7")
    return {
        "loss": mlp.load(mlp.LOOP_SOURCE, "b7_loop", directory).loss,
        "float_loss": mlp.load(mlp.FLOAT_LOOP_SOURCE, "b7_loop_float", directory).loss,
        "hand_straight": mlp.load(mlp.hand_straight_source(mlp.XS, mlp.YS), "b7_straight", directory).hand_straight,
    }


def assert_close(got, want, rtol=1e-12):
    value, grads = got
    want_value, want_grads = want
    assert math.isclose(value, want_value, rel_tol=rtol, abs_tol=0.0), (value, want_value)
    assert isinstance(grads, list) and len(grads) == len(want_grads)
    for i, (g, w) in enumerate(zip(grads, want_grads, strict=True)):
        assert math.isclose(g, w, rel_tol=rtol, abs_tol=0.0), (i, g, w)


def test_data_and_layout():
    params = mlp.initial_params(0)
    assert len(params) == mlp.n_params() == 41 and all(-1.0 <= p <= 1.0 for p in params)
    assert params == mlp.initial_params(0) != mlp.initial_params(1)
    assert mlp.XS == [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    assert mlp.YS == [1.0, -1.0, -1.0, 1.0] and mlp.DATA == (mlp.XS, mlp.YS)
    assert mlp.LOOP_SOURCE.startswith(
        "from symgrad import tanh\n\n\nSIZES = (3, 4, 4, 1)\n\n\ndef loss(params, xs, ys):\n"
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_references_agree_with_the_tape(loaded, seed):
    params = mlp.initial_params(seed)
    tape = mlp.tape_value_and_grad(loaded["loss"], params, mlp.XS, mlp.YS)
    assert_close(mlp.hand_loop(params, mlp.XS, mlp.YS), tape)
    assert_close(loaded["hand_straight"](params, mlp.XS, mlp.YS), tape)


def test_loop_source_runs_on_floats(loaded):
    params = mlp.initial_params(0)
    tape_value, _ = mlp.tape_value_and_grad(loaded["loss"], params, mlp.XS, mlp.YS)
    value = loaded["loss"](params, mlp.XS, mlp.YS)
    assert type(value) is float and value == tape_value
    assert loaded["float_loss"](params, mlp.XS, mlp.YS) == value
    assert mlp.hand_loop(params, mlp.XS, mlp.YS)[0] == value == loaded["hand_straight"](params, mlp.XS, mlp.YS)[0]


def mp_loss(params, xs, ys, sizes=mlp.SIZES):
    """The loss at mpmath's working precision (an independent re-implementation of the forward pass)."""
    total = mpmath.mpf(0)
    for x, y in zip(xs, ys, strict=True):
        act, k = [mpmath.mpf(v) for v in x], 0
        for n_in, n_out in itertools.pairwise(sizes):
            new = []
            for _ in range(n_out):
                new.append(mpmath.tanh(params[k + n_in] + mpmath.fsum(params[k + i] * act[i] for i in range(n_in))))
                k += n_in + 1
            act = new
        total += (act[0] - y) ** 2
    return total


def test_references_agree_with_mpmath_finite_differences(loaded):
    params = mlp.initial_params(0)
    _, loop_grads = mlp.hand_loop(params, mlp.XS, mlp.YS)
    _, straight_grads = loaded["hand_straight"](params, mlp.XS, mlp.YS)
    with mpmath.workdps(40):
        h = mpmath.mpf("1e-15")
        base = [mpmath.mpf(p) for p in params]
        assert math.isclose(
            float(mp_loss(base, mlp.XS, mlp.YS)), mlp.hand_loop(params, mlp.XS, mlp.YS)[0], rel_tol=1e-14
        )
        for index in random.Random(7).sample(range(len(params)), 3):
            up, down = list(base), list(base)
            up[index] += h
            down[index] -= h
            fd = float((mp_loss(up, mlp.XS, mlp.YS) - mp_loss(down, mlp.XS, mlp.YS)) / (2 * h))
            assert math.isclose(loop_grads[index], fd, rel_tol=1e-12, abs_tol=1e-15), (index, loop_grads[index], fd)
            assert math.isclose(straight_grads[index], fd, rel_tol=1e-12, abs_tol=1e-15), (index, fd)


@pytest.mark.parametrize(("sizes", "samples"), [((2, 3, 1), 3), ((3, 5, 2, 2), 2), ((1, 1), 1)])
def test_references_are_generic_in_sizes_and_samples(tmp_path, sizes, samples):
    source = mlp.LOOP_SOURCE.replace("SIZES = (3, 4, 4, 1)", f"SIZES = {sizes!r}", 1)
    loss = mlp.load(source, f"b7_loop_{len(sizes)}_{samples}", tmp_path).loss
    rng = random.Random(sum(sizes) + samples)
    xs = [[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(samples)]
    ys = [rng.uniform(-1, 1) for _ in range(samples)]
    params = mlp.initial_params(3, sizes)
    straight = mlp.load(mlp.hand_straight_source(xs, ys, sizes), f"b7_straight_{len(sizes)}_{samples}", tmp_path)
    tape = mlp.tape_value_and_grad(loss, params, xs, ys)
    assert_close(mlp.hand_loop(params, xs, ys, sizes), tape)
    assert_close(straight.hand_straight(params, xs, ys), tape)


def test_measure_b7_smoke():
    logged = []
    seconds = mlp.measure_b7(log=logged.append, compiled=mlp.hand_loop, rounds=1, target_seconds=0.001)
    assert set(seconds) == {"plain", "hand_loop", "hand_straight", "tape", "compiled"}
    assert all(s > 0 for s in seconds.values()) and "| hand_loop |" in logged[-1]
    logged.clear()

    def wrong(params, xs, ys):
        value, grads = mlp.hand_loop(params, xs, ys)
        return value, [g + 1.0 for g in grads]

    seconds = mlp.measure_b7(log=logged.append, compiled=wrong, rounds=1, target_seconds=0.001)
    assert "compiled" not in seconds and any("DISAGREES" in line for line in logged)
