"""Many points at once: the numpy and numba targets beside symgrad's scalar module in a loop and hand-written NumPy.

    python benchmarks/batch.py [--quick]

Prints three tables, every column's results checked against the scalar module before it is timed:
1. the 3-4-4-1 tanh MLP's per-sample value and gradient with respect to its 41 parameters (as
   `jax.vmap(jax.value_and_grad(loss))`), points per second at 10, 1,000 and 100,000 samples;
2. a logistic-regression loss over 10,000 rows, summed (reduce="sum"), 25 evaluations;
3. B4 (benchmarks/cases.py: the MLP loss over 4 samples, 41 scalar parameters) per call, Python vs numba.
Columns: `scalar loop` (the CPython target specialized on the list lengths, called once per point), `numpy
target`, `hand NumPy` (written here with matrices), `numba batch` (the numba target's prange entry point; its
compile time is reported, not timed), and JAX/torch only when installed (they are not dependencies).
Ratios are measured in this one run; medians of a few rounds; the machine is shared, so read them as such.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402
import mlp  # noqa: E402

import symgrad  # noqa: E402

SAMPLE_SOURCE = '''
import math
from math import tanh

SIZES = (3, 4, 4, 1)


def sample_loss(params, x, y):
    """The MLP's squared error on one sample (benchmarks/mlp.py's loss, per sample)."""
    act = x
    k = 0
    for layer in range(len(SIZES) - 1):
        n_in = SIZES[layer]
        new = []
        for _ in range(SIZES[layer + 1]):
            z = params[k + n_in]
            for i in range(n_in):
                z = z + params[k + i] * act[i]
            k = k + n_in + 1
            new.append(tanh(z))
        act = new
    return (act[0] - y) ** 2


def logistic(w0, w1, w2, b, x0, x1, x2, y):
    """One row's logistic loss, with labels y in {-1, 1}."""
    margin = y * (w0 * x0 + w1 * x1 + w2 * x2 + b)
    if margin > -30.0:
        return math.log1p(math.exp(-margin))
    return -margin
'''


def scalar_sample_source() -> str:
    """`sample_scalar(x0, x1, x2, y, p0, ..., p40)`: the same loss over numbers only, for the numba batch entry."""
    names = [f"p{i}" for i in range(mlp.n_params())]
    lines = [f"def sample_scalar(x0, x1, x2, y, {', '.join(names)}):"]
    act, k = ["x0", "x1", "x2"], 0
    for layer, (n_in, n_out) in enumerate(zip(mlp.SIZES, mlp.SIZES[1:], strict=False)):
        new = []
        for j in range(n_out):
            terms = " + ".join(f"p{k + i} * {act[i]}" for i in range(n_in))
            lines.append(f"    h{layer}_{j} = tanh(p{k + n_in} + {terms})")
            new.append(f"h{layer}_{j}")
            k += n_in + 1
        act = new
    lines.append(f"    return ({act[0]} - y) ** 2")
    return "\n".join(lines) + "\n"


def timed(fn, rounds: int, *args) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scalar_loop(scalar, params, rows, Y):
    return [scalar(params, row, Y[k]) for k, row in enumerate(rows)]


def hand_mlp(params, X, Y):
    """Per-sample value and gradient of the MLP loss, by hand with matrices (forward, then backprop)."""
    p = np.asarray(params)
    layers, k = [], 0
    for n_in, n_out in zip(mlp.SIZES, mlp.SIZES[1:], strict=False):
        block = p[k : k + (n_in + 1) * n_out].reshape(n_out, n_in + 1)
        layers.append((block[:, :n_in], block[:, n_in], k))
        k += (n_in + 1) * n_out
    acts = [X]
    for w, b, _ in layers:
        acts.append(np.tanh(acts[-1] @ w.T + b))
    e = acts[-1][:, 0] - Y
    grads = np.empty((X.shape[0], p.size))
    delta = (2.0 * e)[:, None]
    for index in range(len(layers) - 1, -1, -1):
        w, b, start = layers[index]
        d = delta * (1.0 - acts[index + 1] ** 2)
        n_out, n_in = w.shape
        g = np.concatenate([d[:, :, None] * acts[index][:, None, :], d[:, :, None]], axis=2)
        grads[:, start : start + n_out * (n_in + 1)] = g.reshape(X.shape[0], -1)
        delta = d @ w
    return e * e, grads


def hand_logistic(w, b, X, Y):
    margin = Y * (X @ w + b)
    value = np.where(margin > -30.0, np.log1p(np.exp(-np.maximum(margin, -30.0))), -margin)
    s = -Y * np.where(margin > -30.0, 1.0 / (1.0 + np.exp(np.minimum(margin, 30.0))), 1.0)
    return value.sum(), (X.T @ s, s.sum())


def optional_columns():
    found = {}
    for name in ("jax", "torch"):
        try:
            found[name] = __import__(name)
        except ImportError:
            pass
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and at most 1,000 points")
    options = parser.parse_args(argv)
    rounds = 3 if options.quick else 5
    sizes = (10, 1000) if options.quick else (10, 1000, 100_000)
    directory = pathlib.Path(tempfile.mkdtemp(prefix="symgrad-batch-"))
    module = mlp.load(SAMPLE_SOURCE + "\n\n" + scalar_sample_source(), "batch_material", directory)
    params = mlp.initial_params(1)
    rng = np.random.default_rng(0)
    scalar = symgrad.value_and_grad(module.sample_loss, wrt="params", specialize=True)
    vector = symgrad.value_and_grad(module.sample_loss, wrt="params", target="numpy")
    compile_start = time.perf_counter()
    native = symgrad.value_and_grad(module.sample_scalar, wrt=list(range(4, 45)), target="numba")
    native_batch = native.batch
    native_batch(*(np.zeros(2) for _ in range(45)))
    numba_compile = time.perf_counter() - compile_start
    print(f"MLP per-sample value and gradient (41 params), points per second; numba compile {numba_compile:.1f} s")
    print("| points | scalar loop | numpy target | hand NumPy | numba batch | numpy / scalar | numpy / hand |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        X = rng.normal(size=(n, 3))
        Y = np.sign(rng.normal(size=n))
        rows = [list(r) for r in X]
        want = [scalar(params, rows[k], float(Y[k])) for k in range(n)]
        values, grads = vector(params, X, Y)
        hand_values, hand_grads = hand_mlp(params, X, Y)
        columns = [np.full(n, p) for p in params]
        native_values, native_grads = native_batch(X[:, 0], X[:, 1], X[:, 2], Y, *columns)
        for k in range(0, n, max(1, n // 50)):
            for got in (values[k], hand_values[k], native_values[k]):
                assert math.isclose(got, want[k][0], rel_tol=1e-9, abs_tol=1e-12)
            for got in (grads[k], hand_grads[k], [g[k] for g in native_grads]):
                assert np.allclose(got, want[k][1], rtol=1e-9, atol=1e-12)
        loop_n = min(n, 2000)  # the scalar loop's rate does not depend on n: time 2,000 points at most
        t_scalar = timed(scalar_loop, rounds, scalar, params, rows[:loop_n], Y) / loop_n
        t_vector = timed(vector, rounds, params, X, Y) / n
        t_hand = timed(hand_mlp, rounds, params, X, Y) / n
        t_native = timed(native_batch, rounds, X[:, 0], X[:, 1], X[:, 2], Y, *columns) / n
        print(
            f"| {n:,} | {1 / t_scalar:,.0f}/s | {1 / t_vector:,.0f}/s | {1 / t_hand:,.0f}/s | {1 / t_native:,.0f}/s"
            f" | {t_scalar / t_vector:.1f}x | {t_hand / t_vector:.2f}x |"
        )
    extra = optional_columns()
    print(f"JAX/torch columns: {', '.join(extra) if extra else 'not installed (not dependencies): skipped'}")

    # 2. logistic regression over 10,000 rows, 25 evaluations of the summed value and gradient
    rows = 10_000
    X = rng.normal(size=(rows, 3))
    Y = np.where(rng.uniform(size=rows) < 1 / (1 + np.exp(-(X @ [1.0, -2.0, 0.5]))), 1.0, -1.0)
    w, b = np.array([0.1, 0.2, -0.3]), 0.05
    scalar_lr = symgrad.value_and_grad(module.logistic, wrt=(0, 1, 2, 3))
    vector_lr = symgrad.value_and_grad(module.logistic, wrt=(0, 1, 2, 3), target="numpy", reduce="sum")
    native_lr = symgrad.value_and_grad(module.logistic, wrt=(0, 1, 2, 3), target="numba")
    cols = [np.full(rows, v) for v in (*w, b)]
    lr_batch = native_lr.batch

    def scalar_total():
        total, g = 0.0, [0.0] * 4
        for k in range(rows):
            v, gk = scalar_lr(w[0], w[1], w[2], b, X[k, 0], X[k, 1], X[k, 2], Y[k])
            total += v
            g = [a + c for a, c in zip(g, gk, strict=True)]
        return total, g

    def native_total():
        values, grads = lr_batch(*cols, X[:, 0], X[:, 1], X[:, 2], Y)
        return values.sum(), [g.sum() for g in grads]

    want_value, want_grad = scalar_total()
    got_value, got_grad = vector_lr(w[0], w[1], w[2], b, X[:, 0], X[:, 1], X[:, 2], Y)
    hand_value, (hand_w, hand_b) = hand_logistic(w, b, X, Y)
    native_value, native_grad = native_total()
    for value, grad in ((got_value, got_grad), (hand_value, [*hand_w, hand_b]), (native_value, native_grad)):
        assert math.isclose(value, want_value, rel_tol=1e-10)
        assert np.allclose(grad, want_grad, rtol=1e-10)
    evaluations = 25
    t = {
        "scalar loop": timed(scalar_total, 1 if options.quick else 2) * evaluations,
        "numpy target": timed(lambda: vector_lr(w[0], w[1], w[2], b, X[:, 0], X[:, 1], X[:, 2], Y), rounds) * 25,
        "hand NumPy": timed(lambda: hand_logistic(w, b, X, Y), rounds) * evaluations,
        "numba batch": timed(native_total, rounds) * evaluations,
    }
    print(f"\nLogistic regression, {rows:,} rows, {evaluations} evaluations of the summed value and gradient:")
    print("| " + " | ".join(t) + " |")
    print("|" + "---:|" * len(t))
    print("| " + " | ".join(f"{v:.4f} s ({v / t['hand NumPy']:.1f}x hand)" for v in t.values()) + " |")

    # 3. B4 per call: the Python target against the numba target (41 scalar arguments)
    case = next(c for c in cases.cases() if c.key == "B4")
    f = case.load(directory)["f"]
    python_b4 = symgrad.value_and_grad(f)
    numba_b4 = symgrad.value_and_grad(f, target="numba")
    assert np.allclose(numba_b4(*case.args)[1], python_b4(*case.args)[1], rtol=1e-12)
    calls = 2000
    t_python = timed(lambda: [python_b4(*case.args) for _ in range(calls)], rounds) / calls
    t_numba = timed(lambda: [numba_b4(*case.args) for _ in range(calls)], rounds) / calls
    print(
        f"\nB4 per call: python target {t_python * 1e6:.2f} us, numba target {t_numba * 1e6:.2f} us "
        f"({t_python / t_numba:.1f}x faster; a call passes 41 floats through Numba's dispatcher)"
    )


if __name__ == "__main__":
    main()
