"""Many points at once: the numpy and numba targets beside symgrad's scalar module in a loop, hand-written NumPy
and (when installed) JAX.

    python benchmarks/batch.py [--quick]

Prints three tables, every column's results checked against the scalar module (or the numpy target, which is
itself checked) before it is timed; the columns of one table are timed in interleaved rounds, the best round
of each (the machine is shared: JAX's worker thread, woken late under load, made single rounds 10x slower):
1. the 3-4-4-1 tanh MLP's per-sample value and gradient with respect to its 41 parameters (as
   `jax.vmap(jax.value_and_grad(loss))`), points per second at 10, 1,000 and 100,000 samples;
2. a logistic-regression loss over 10,000 rows, summed (reduce="sum"), 25 evaluations;
3. B4 (benchmarks/cases.py: the MLP loss over 4 samples, 41 scalar parameters) per call, the Python target
   against the numba target, with the floors that bound the ratio: what a numba call costs that passes 41
   floats in and returns the same (float, 41-tuple) shape without computing, and the numba target's
   arithmetic alone (called from a compiled loop, no Python in between).
Columns of table 1: `scalar loop` (the CPython target specialized on the list lengths, called once per point),
`numpy target` (general module), `hand NumPy` (written here: the layers as (units, points) matrices with
contiguous rows, the gradient written in place into one (41, points) array, then made (points, 41) C-contiguous
as the targets return it; `transposed view`: the same without that copy), `numba batch` (the general module's
`f.batch`: loops and lists per point), `numba specialized` (the module specialized on the lengths, exported and
imported: its batch entry point), `hand numba` (a Numba loop written here: forward and backprop per point
with scratch buffers, results written in place), `JAX` (`jit(vmap(value_and_grad))` in float64, one thread as
every column, when importable: never a dependency). Compile times are reported, not timed. The machine is
shared: read ratios as measured in one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import pathlib
import sys
import tempfile
import time

# One BLAS thread: OpenBLAS's idle workers spin after each matrix product, and on a two-core machine they starved
# JAX's threads (JAX at 1,000 points: 0.2M/s with them, 1.6M/s without). The products here are (4 x 4) @ (4 x n):
# a second BLAS thread gains hand NumPy little. Set before NumPy is imported, which reads it once.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# JAX on one thread too, as every other column: XLA's thread pool on a loaded two-core machine waited for its
# slowest thread (at load 3, 160 us a call of 10 points against 40 us), so its figures were the load's.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

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


def interleaved(columns: dict, rounds: int, per: dict | None = None) -> dict:
    """Seconds per call of each column in its best round, the columns timed in turn within each round."""
    times = {name: [] for name in columns}
    for _ in range(rounds):
        for name, fn in columns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) / (per or {}).get(name, 1))
    return {name: min(ts) for name, ts in times.items()}


def import_text(text: str, name: str, directory: pathlib.Path):
    """Write a generated module to a file and import it, as a user does with an exported module."""
    path = directory / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _layers(params):
    p = np.asarray(params, dtype=float)
    layers, k = [], 0
    for n_in, n_out in zip(mlp.SIZES, mlp.SIZES[1:], strict=False):
        block = p[k : k + (n_in + 1) * n_out].reshape(n_out, n_in + 1)
        layers.append((np.ascontiguousarray(block[:, :n_in]), block[:, n_in].copy(), k))
        k += (n_in + 1) * n_out
    return layers, k


def hand_mlp(params, X, Y, contiguous=True):
    """Per-sample value and gradient of the MLP loss, by hand: forward with (units, points) matrices, then
    backprop of deltas layer by layer; each layer's gradient block written in place (no temporaries joined).
    The gradient is made (points, 41) C-contiguous, as the targets and JAX return it; `contiguous=False` returns
    the (41, points) array's transposed view instead (same shape and values, no copy: the copy is most of the
    time at 100,000 points)."""
    layers, size = _layers(params)
    acts = [np.ascontiguousarray(X.T)]
    for w, b, _ in layers:
        acts.append(np.tanh(w @ acts[-1] + b[:, None]))
    e = acts[-1][0] - Y
    grads = np.empty((size, X.shape[0]))
    delta = 2.0 * e[None, :]
    for index in range(len(layers) - 1, -1, -1):
        w, _, start = layers[index]
        a = acts[index + 1]
        d = delta * (1.0 - a * a)
        n_out, n_in = w.shape
        block = grads[start : start + n_out * (n_in + 1)].reshape(n_out, n_in + 1, -1)
        np.multiply(d[:, None, :], acts[index][None, :, :], out=block[:, :n_in, :])
        block[:, n_in, :] = d
        if index:
            delta = w.T @ d
    return e * e, (np.ascontiguousarray(grads.T) if contiguous else grads.T)


HAND_NUMBA = """
import math

import numpy as np
from numba import njit


@njit
def hand_numba(params, X, Y):
    # the 3-4-4-1 MLP's per-sample value and gradient: forward keeping activations, backprop of deltas;
    # scratch buffers made once, results written in place (what a careful Numba user writes)
    n = X.shape[0]
    value = np.empty(n)
    grads = np.empty((n, 41))
    h1, h2, d1, d2 = np.empty(4), np.empty(4), np.empty(4), np.empty(4)
    for k in range(n):
        x0, x1, x2 = X[k, 0], X[k, 1], X[k, 2]
        for j in range(4):
            o = 4 * j
            h1[j] = math.tanh(params[o + 3] + params[o] * x0 + params[o + 1] * x1 + params[o + 2] * x2)
        for j in range(4):
            o = 16 + 5 * j
            z = params[o + 4]
            for i in range(4):
                z += params[o + i] * h1[i]
            h2[j] = math.tanh(z)
        z = params[40]
        for i in range(4):
            z += params[36 + i] * h2[i]
        out = math.tanh(z)
        e = out - Y[k]
        value[k] = e * e
        d3 = 2.0 * e * (1.0 - out * out)
        g = grads[k]
        for i in range(4):
            g[36 + i] = d3 * h2[i]
            d2[i] = d3 * params[36 + i] * (1.0 - h2[i] * h2[i])
            d1[i] = 0.0
        g[40] = d3
        for j in range(4):
            o = 16 + 5 * j
            for i in range(4):
                g[o + i] = d2[j] * h1[i]
                d1[i] += d2[j] * params[o + i]
            g[o + 4] = d2[j]
        for j in range(4):
            dj = d1[j] * (1.0 - h1[j] * h1[j])
            g[4 * j], g[4 * j + 1], g[4 * j + 2], g[4 * j + 3] = dj * x0, dj * x1, dj * x2, dj
    return value, grads
"""


def hand_logistic(w, b, X, Y):
    margin = Y * (X @ w + b)
    value = np.where(margin > -30.0, np.log1p(np.exp(-np.maximum(margin, -30.0))), -margin)
    s = -Y * np.where(margin > -30.0, 1.0 / (1.0 + np.exp(np.minimum(margin, 30.0))), 1.0)
    return value.sum(), (X.T @ s, s.sum())


def jax_mlp():
    """jit(vmap(value_and_grad(loss))) of the same loss in float64, or None when JAX is not importable."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(params, x, y):
        act, k = x, 0
        for n_in, n_out in zip(mlp.SIZES, mlp.SIZES[1:], strict=False):
            block = params[k : k + (n_in + 1) * n_out].reshape(n_out, n_in + 1)
            act = jnp.tanh(block[:, :n_in] @ act + block[:, n_in])
            k += (n_in + 1) * n_out
        return (act[0] - y) ** 2

    compiled = jax.jit(jax.vmap(jax.value_and_grad(loss), in_axes=(None, 0, 0)))

    def run(params, X, Y):
        values, grads = compiled(params, X, Y)
        return np.asarray(values.block_until_ready()), np.asarray(grads.block_until_ready())

    return run


def scalar_loop(scalar, params, rows, Y, count: int) -> None:
    for k in range(count):  # each result dropped as it comes (as the compiled columns overwrite nothing either)
        scalar(params, rows[k], Y[k])


def mlp_row(n, X, Y, params, rounds, scalar, vector, general, special, hand_numba, jax_run) -> str:
    """One row of the MLP table: every column checked, then timed in interleaved rounds."""
    P = np.broadcast_to(np.asarray(params), (n, 41))  # the same parameters at every point, not copied
    rows = [list(r) for r in X]
    loop_n = min(n, 2000)  # the scalar loop's rate does not depend on n: it runs 2,000 points at most
    want = [scalar(params, rows[k], float(Y[k])) for k in range(loop_n)]
    columns = {
        "scalar loop": lambda: scalar_loop(scalar, params, rows, Y, loop_n),
        "numpy target": lambda: vector(params, X, Y),
        "hand NumPy": lambda: hand_mlp(params, X, Y),
        "hand NumPy, transposed view": lambda: hand_mlp(params, X, Y, contiguous=False),
        "numba batch": lambda: general(P, X, Y),
        "numba specialized": lambda: special(P, X, Y),
        "hand numba": lambda: hand_numba(np.asarray(params), X, Y),
    }
    if jax_run:
        columns["JAX jit(vmap)"] = lambda: jax_run(np.asarray(params), X, Y)
    values, grads = vector(params, X, Y)
    for k in range(0, loop_n, max(1, loop_n // 50)):  # the numpy target against the scalar module
        assert math.isclose(values[k], want[k][0], rel_tol=1e-12, abs_tol=1e-300)
        assert np.allclose(grads[k], want[k][1], rtol=1e-11, atol=1e-15)
    for name, fn in columns.items():  # every other column against the numpy target, at every point
        if name != "scalar loop":
            got_values, got_grads = fn()
            assert got_grads.shape == (n, 41), name
            assert np.allclose(got_values, values, rtol=1e-12, atol=1e-300), name
            assert np.allclose(got_grads, grads, rtol=1e-11, atol=1e-15), name
    t = interleaved(columns, rounds, per={name: (loop_n if name == "scalar loop" else n) for name in columns})
    cells = [f"{n:,}"] + [f"{1 / t[name]:,.0f}/s" for name in columns]
    cells += [f"{t['scalar loop'] / t['numpy target']:.1f}x", f"{t['hand NumPy'] / t['numpy target']:.2f}x"]
    cells += [f"{t['hand NumPy'] / t['numba specialized']:.2f}x", f"{t['hand numba'] / t['numba specialized']:.2f}x"]
    if jax_run:
        cells += [f"{t['JAX jit(vmap)'] / t['numba specialized']:.2f}x"]
    return "| " + " | ".join(cells) + " |"


def mlp_table(directory, rounds: int, sizes) -> None:
    module = mlp.load(SAMPLE_SOURCE, "batch_material", directory)
    params = mlp.initial_params(1)
    rng = np.random.default_rng(0)
    scalar = symgrad.value_and_grad(module.sample_loss, wrt="params", specialize=True)
    vector = symgrad.value_and_grad(module.sample_loss, wrt="params", target="numpy")
    start = time.perf_counter()
    general = symgrad.value_and_grad(module.sample_loss, wrt="params", target="numba").batch
    general(np.zeros((2, 41)), np.zeros((2, 3)), np.zeros(2))
    general_compile = time.perf_counter() - start
    start = time.perf_counter()
    specializing = symgrad.value_and_grad(module.sample_loss, wrt="params", target="numba", specialize=True)
    text = specializing.specialized(params, [0.0, 0.0, 0.0], 0.0).source
    special = import_text(text, "batch_mlp_numba", directory).sample_loss_value_and_grad_batch
    special(np.zeros((2, 41)), np.zeros((2, 3)), np.zeros(2))
    special_compile = time.perf_counter() - start
    hand_numba = import_text(HAND_NUMBA, "batch_hand_numba", directory).hand_numba
    hand_numba(np.zeros(41), np.zeros((2, 3)), np.zeros(2))
    jax_run = jax_mlp()
    print(
        f"MLP per-sample value and gradient (41 params), points per second; numba compile: general "
        f"{general_compile:.1f} s, specialized {special_compile:.1f} s (an exported module caches it on disk)"
    )
    head = ["points", "scalar loop", "numpy target", "hand NumPy", "hand NumPy, transposed view", "numba batch"]
    head += ["numba specialized", "hand numba"]
    head += ["JAX jit(vmap)"] if jax_run else []
    head += ["numpy / scalar", "numpy / hand", "numba specialized / hand NumPy", "numba specialized / hand numba"]
    head += ["numba specialized / JAX"] if jax_run else []
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for n in sizes:
        X = rng.normal(size=(n, 3))
        Y = np.sign(rng.normal(size=n))
        print(mlp_row(n, X, Y, params, rounds, scalar, vector, general, special, hand_numba, jax_run))
    print("(ratios above 1: the first column named is faster)")
    if not jax_run:
        print("JAX: not importable here (not a dependency): its column is skipped")


def logistic_table(directory, rounds: int, quick: bool) -> None:
    module = mlp.load(SAMPLE_SOURCE, "batch_material_lr", directory)
    rng = np.random.default_rng(1)
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

    def vector_total():
        return vector_lr(w[0], w[1], w[2], b, X[:, 0], X[:, 1], X[:, 2], Y)

    want_value, want_grad = scalar_total()
    got_value, got_grad = vector_total()
    hand_value, (hand_w, hand_b) = hand_logistic(w, b, X, Y)
    native_value, native_grad = native_total()
    for value, grad in ((got_value, got_grad), (hand_value, [*hand_w, hand_b]), (native_value, native_grad)):
        assert math.isclose(value, want_value, rel_tol=1e-10)
        assert np.allclose(grad, want_grad, rtol=1e-10)
    evaluations = 25
    t = interleaved(
        {"numpy target": vector_total, "hand NumPy": lambda: hand_logistic(w, b, X, Y), "numba batch": native_total},
        rounds,
    )
    t = {"scalar loop": interleaved({"s": scalar_total}, 1 if quick else 2)["s"], **t}
    print(f"\nLogistic regression, {rows:,} rows, {evaluations} evaluations of the summed value and gradient:")
    print("| " + " | ".join(t) + " |")
    print("|" + "---:|" * len(t))
    print("| " + " | ".join(f"{v * evaluations:.4f} s ({v / t['hand NumPy']:.1f}x hand)" for v in t.values()) + " |")


def b4_table(directory, rounds: int) -> None:
    """B4 per call, and the two floors that bound the numba target's ratio to the Python target."""
    from numba import njit

    case = next(c for c in cases.cases() if c.key == "B4")
    functions = case.load(directory)
    f, args = functions["f"], case.args
    python_b4 = symgrad.value_and_grad(f)
    numba_b4 = symgrad.value_and_grad(f, target="numba")
    start = time.perf_counter()
    numba_b4(*args)
    compile_time = time.perf_counter() - start
    generated = numba_b4.compiled.value_and_grad  # the Numba dispatcher itself, without symgrad's wrapper
    assert np.allclose(numba_b4(*args)[1], python_b4(*args)[1], rtol=1e-12)
    names = ", ".join(f"p{i}" for i in range(len(args)))
    sums = " + ".join(f"g[{i}]" for i in range(len(args)))
    namespace = {"njit": njit, "f": generated}
    exec(  # the floors, compiled by Numba
        f"@njit\ndef floor_in({names}):\n    return 0.0\n\n"
        f"@njit\ndef floor_in_out({names}):\n    return p0, ({names})\n\n"
        f"@njit\ndef in_compiled_loop(calls, {names}):\n    s = 0.0\n    for _ in range(calls):\n"
        f"        v, g = f({names})\n        s += v + {sums}\n        p0 = p0 + 1e-12\n    return s\n",
        namespace,
    )
    floor_in, floor_in_out, loop = namespace["floor_in"], namespace["floor_in_out"], namespace["in_compiled_loop"]
    floor_in(*args), floor_in_out(*args), loop(1, *args)
    calls = 2000

    def repeat(fn):  # results dropped as they come: a list keeping 2,000 of them times the allocator and the GC
        def run():
            for _ in range(calls):
                fn(*args)

        return run

    t = interleaved(
        {
            "python target": repeat(python_b4),
            "numba target": repeat(numba_b4),
            "numba dispatcher": repeat(generated),
            "floor: 41 floats in, 0.0 out": repeat(floor_in),
            "floor: 41 floats in, (float, 41-tuple) out": repeat(floor_in_out),
            "arithmetic alone (compiled loop)": lambda: loop(calls, *args),
        },
        rounds,
        per=dict.fromkeys(("python target", "numba target", "numba dispatcher"), calls)
        | dict.fromkeys(("floor: 41 floats in, 0.0 out", "floor: 41 floats in, (float, 41-tuple) out"), calls)
        | {"arithmetic alone (compiled loop)": calls},
    )
    python_time = t["python target"]
    print(f"\nB4 per call (numba compile {compile_time:.1f} s), best of {rounds} interleaved rounds of {calls}:")
    print("| | per call | python target / this |")
    print("|---|---:|---:|")
    for name, seconds in t.items():
        print(f"| {name} | {seconds * 1e9:,.0f} ns | {python_time / seconds:.1f}x |")
    best = t["floor: 41 floats in, (float, 41-tuple) out"] + t["arithmetic alone (compiled loop)"]
    print(
        f"The numba target cannot beat the arithmetic alone ({python_time / t['arithmetic alone (compiled loop)']:.1f}x"
        f" the Python target with no call at all), nor the call floor plus the arithmetic "
        f"({python_time / best:.1f}x); `numba target` is symgrad's decorated object, `numba dispatcher` the "
        "generated function called directly."
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and at most 1,000 points")
    options = parser.parse_args(argv)
    rounds = 3 if options.quick else 9
    sizes = (10, 1000) if options.quick else (10, 1000, 100_000)
    directory = pathlib.Path(tempfile.mkdtemp(prefix="symgrad-batch-"))
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}")
    mlp_table(directory, rounds, sizes)
    logistic_table(directory, rounds, options.quick)
    b4_table(directory, rounds)


if __name__ == "__main__":
    main()
