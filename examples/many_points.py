"""Many points at once: a dataset loss with target="numpy" and reduce="sum" in scipy.optimize.minimize, and
the per-sample gradients of an MLP with target="numba"'s batch loop.

1. Logistic regression over 100,000 rows: one row's loss is written for numbers (with a branch that keeps
   exp() from overflowing); `value_and_grad(row_loss, target="numpy", reduce="sum")` evaluates it on every row
   and returns the summed loss and gradient, which is what `minimize(..., jac=True)` wants. The gradient is
   first checked against a hand-written NumPy gradient, and the fit against the same minimize driven by it.
2. The 3-4-4-1 tanh MLP's per-sample loss over 100,000 samples: its value and 41-parameter gradient at every
   sample, by the numpy target and by the numba target's batch entry point of the module specialized on the
   list lengths (exported to a file and imported, so Numba caches its machine code beside it); both are checked
   against the Python target at a few samples.

Run from the repository root:  python examples/many_points.py   (SYMGRAD_EXAMPLES_FAST=1: 10,000 rows, 2,000
samples). Times are printed, measured once on whatever machine runs it.
"""

from __future__ import annotations

import importlib.util
import math
import os
import pathlib
import tempfile
import time

import numpy as np
from scipy.optimize import minimize

import symgrad

FAST = os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
ROWS = 10_000 if FAST else 100_000
SAMPLES = 2_000 if FAST else 100_000
SIZES = (3, 4, 4, 1)


def row_loss(w0, w1, w2, b, x0, x1, x2, y):
    """One row's logistic loss log(1 + exp(-margin)), labels y in {-1, 1}."""
    margin = y * (w0 * x0 + w1 * x1 + w2 * x2 + b)
    if margin > -30.0:
        return math.log1p(math.exp(-margin))
    return -margin  # log1p(exp(-margin)) for a very negative margin, without overflow


def hand_gradient(theta, X, Y):
    """The summed loss and its gradient, written by hand with NumPy (the reference)."""
    margin = Y * (X @ theta[:3] + theta[3])
    value = np.where(margin > -30.0, np.log1p(np.exp(-np.maximum(margin, -30.0))), -margin).sum()
    s = -Y * np.where(margin > -30.0, 1.0 / (1.0 + np.exp(np.minimum(margin, 30.0))), 1.0)
    return value, np.array([*(X.T @ s), s.sum()])


def sample_loss(params, x, y):
    """The MLP's squared error on one sample; params as micrograd lays them out (per neuron: weights, bias)."""
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
            new.append(math.tanh(z))
        act = new
    return (act[0] - y) ** 2


def logistic_regression(rng) -> None:
    X = rng.normal(size=(ROWS, 3))
    truth = np.array([1.5, -2.0, 0.5, 0.3])
    Y = np.where(rng.uniform(size=ROWS) < 1.0 / (1.0 + np.exp(-(X @ truth[:3] + truth[3]))), 1.0, -1.0)
    loss = symgrad.value_and_grad(row_loss, wrt=("w0", "w1", "w2", "b"), target="numpy", reduce="sum")
    columns = (X[:, 0], X[:, 1], X[:, 2], Y)

    def fun(theta):
        value, gradient = loss(*theta, *columns)
        return value, np.array(gradient)

    start = np.zeros(4)
    value, gradient = fun(start)
    want_value, want_gradient = hand_gradient(start, X, Y)
    gradient_error = np.max(np.abs(gradient - want_gradient) / np.abs(want_gradient))
    print(f"logistic regression, {ROWS:,} rows: loss at 0 = {value:.6f} (hand-written NumPy {want_value:.6f})")
    print(f"  gradient at 0, max relative difference from the hand-written one: {gradient_error:.1e}")
    began = time.perf_counter()
    fit = minimize(fun, start, jac=True, method="L-BFGS-B")
    elapsed = time.perf_counter() - began
    reference = minimize(lambda theta: hand_gradient(theta, X, Y), start, jac=True, method="L-BFGS-B")
    print(f"  minimize(jac=True): {fit.nfev} evaluations in {elapsed:.3f} s, success {fit.success}")
    print(f"  fitted (w0, w1, w2, b) = {np.array2string(fit.x, precision=6)} (data made with {truth})")
    print(f"  hand-written gradient's fit = {np.array2string(reference.x, precision=6)}")
    print(f"  max difference between the fits: {np.max(np.abs(fit.x - reference.x)):.1e}")


def best_of(rounds: int, fn, *args) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - began)
    return min(times)


def import_module(text: str, path: pathlib.Path):
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mlp_per_sample(rng) -> None:
    params = rng.uniform(-1.0, 1.0, 41)
    X, Y = rng.normal(size=(SAMPLES, 3)), np.sign(rng.normal(size=SAMPLES))
    scalar = symgrad.value_and_grad(sample_loss, wrt="params", specialize=True)
    vector = symgrad.value_and_grad(sample_loss, wrt="params", target="numpy")
    values, grads = vector(params, X, Y)  # (SAMPLES,), (SAMPLES, 41)
    numpy_time = best_of(3, vector, params, X, Y)
    # numba: the module specialized on the list lengths has the fast batch loop; export it and import it
    native = symgrad.value_and_grad(sample_loss, wrt="params", target="numba", specialize=True)
    text = native.specialized(list(params), list(X[0]), Y[0]).source
    module = import_module(text, pathlib.Path(tempfile.mkdtemp()) / "mlp_sample_numba.py")
    P = np.broadcast_to(params, (SAMPLES, 41))  # every sample the same parameters, without copying them
    began = time.perf_counter()
    module.sample_loss_value_and_grad_batch(P[:2], X[:2], Y[:2])
    compile_time = time.perf_counter() - began
    native_values, native_grads = module.sample_loss_value_and_grad_batch(P, X, Y)
    numba_time = best_of(3, module.sample_loss_value_and_grad_batch, P, X, Y)
    worst = 0.0
    for k in range(0, SAMPLES, SAMPLES // 20):
        value, grad = scalar(list(params), list(X[k]), Y[k])
        for got_value, got_grad in ((values[k], grads[k]), (native_values[k], native_grads[k])):
            worst = max(worst, abs(got_value - value) / max(abs(value), 1e-300))
            worst = max(worst, float(np.max(np.abs(got_grad - np.array(grad)))) / max(map(abs, grad)))
    print(f"MLP per-sample loss and gradient, {SAMPLES:,} samples (gradients {grads.shape}):")
    print(f"  numpy target {numpy_time:.4f} s ({SAMPLES / numpy_time:,.0f} samples/s; best of 3)")
    rate = SAMPLES / numba_time
    print(f"  numba batch {numba_time:.4f} s ({rate:,.0f} samples/s, best of 3; compiled in {compile_time:.1f} s)")
    print(f"  max relative difference from the Python target at 20 samples: {worst:.1e}")
    print(f"  mean loss {values.mean():.6f}; mean gradient norm {np.linalg.norm(grads, axis=1).mean():.6f}")


def main() -> None:
    rng = np.random.default_rng(0)
    logistic_regression(rng)
    mlp_per_sample(rng)


if __name__ == "__main__":
    main()
