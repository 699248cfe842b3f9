"""The numpy target on Dask: block by block with dask.array.map_blocks (a dataset loss as the sum of per-block
reduce="sum" results), and on a `distributed` cluster that imports the exported module (Client.upload_file) for
multi-start optimization with client.map; the dataset loss over 1,000,000 rows in 8 chunks on a LocalCluster of
2 worker processes. Each result equals the single-process NumPy result (rtol 1e-12)."""

import importlib
import math
import os

import numpy as np
import pytest

import symgrad

da = pytest.importorskip("dask.array")  # the test extra installs dask and distributed: never skipped in CI
distributed = pytest.importorskip("distributed")


def logistic(w, b, x, y):
    z = w * x + b
    margin = y * z
    if margin > -30.0:
        return math.log1p(math.exp(-margin))
    return -margin


ROWS, CHUNK = 200_000, 50_000
RNG = np.random.default_rng(3)
X = RNG.normal(size=ROWS)
Y = np.where(RNG.uniform(size=ROWS) < 1.0 / (1.0 + np.exp(-(1.5 * X - 0.3))), 1.0, -1.0)


def block_loss(x, y, loss, w, b):
    value, (w_bar, b_bar) = loss(w, b, x, y)
    return np.array([[value, w_bar, b_bar]])


def test_map_blocks_sums_to_the_numpy_result():
    loss = symgrad.value_and_grad(logistic, wrt=("w", "b"), target="numpy", reduce="sum")
    want_value, (want_w, want_b) = loss(0.4, -0.1, X, Y)
    x, y = da.from_array(X, chunks=CHUNK), da.from_array(Y, chunks=CHUNK)
    blocks = da.map_blocks(
        block_loss, x, y, loss=loss, w=0.4, b=-0.1, chunks=((1,) * x.numblocks[0], (3,)), new_axis=1, dtype=float
    )
    value, w_bar, b_bar = blocks.sum(axis=0).compute(scheduler="threads")
    np.testing.assert_allclose([value, w_bar, b_bar], [want_value, want_w, want_b], rtol=1e-12)


def block_loss_exported(x, y, module_name, w, b):
    """block_loss with the exported module, imported on the worker (a compiled function is not pickled)."""
    value, (w_bar, b_bar) = importlib.import_module(module_name).logistic_value_and_grad(w, b, x, y)
    return np.array([[value, w_bar, b_bar]])


def descend(start, module_name, steps):
    """Gradient descent from `start` with the exported module (imported on the worker)."""
    module = importlib.import_module(module_name)
    w, b = start
    for _ in range(steps):
        value, (w_bar, b_bar) = module.logistic_value_and_grad(w, b, X[:20_000], Y[:20_000])
        w, b = w - 1e-4 * w_bar, b - 1e-4 * b_bar
    return value, w, b


@pytest.fixture
def client(request):
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None, silence_logs=50
    )
    client = distributed.Client(cluster)

    def close():
        client.close()
        cluster.close()

    request.addfinalizer(close)
    return client


def test_a_distributed_cluster_runs_the_exported_module(client, tmp_path):
    loss = symgrad.value_and_grad(logistic, wrt=("w", "b"), target="numpy", reduce="sum")
    path = loss.export(tmp_path / "logistic_numpy_sg.py")
    client.upload_file(str(path))
    starts = [(0.0, 0.0), (2.0, -1.0), (-1.0, 0.5)]
    futures = client.map(descend, starts, module_name="logistic_numpy_sg", steps=5)
    results = client.gather(futures)
    for start, got in zip(starts, results, strict=True):
        w, b = start
        for _ in range(5):
            value, (w_bar, b_bar) = loss(w, b, X[:20_000], Y[:20_000])
            w, b = w - 1e-4 * w_bar, b - 1e-4 * b_bar
        np.testing.assert_allclose(got, (value, w, b), rtol=1e-12)
    # blocks on the cluster: the per-block sums add up to the whole dataset's
    x, y = da.from_array(X, chunks=CHUNK), da.from_array(Y, chunks=CHUNK)
    chunks = ((1,) * x.numblocks[0], (3,))
    blocks = da.map_blocks(
        block_loss_exported, x, y, module_name="logistic_numpy_sg", w=0.4, b=-0.1, chunks=chunks, new_axis=1,
        dtype=float,
    )  # fmt: skip
    total = client.compute(blocks.sum(axis=0)).result()
    want_value, (want_w, want_b) = loss(0.4, -0.1, X, Y)
    np.testing.assert_allclose(total, [want_value, want_w, want_b], rtol=1e-12)


BIG_ROWS, BIG_CHUNK = 1_000_000, 125_000


@pytest.fixture
def two_processes(request):
    """A LocalCluster of 2 worker processes (one thread each), started here and closed by the finalizer."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    )
    client = distributed.Client(cluster)

    def close():
        client.close()
        cluster.close()

    request.addfinalizer(close)
    return client


def test_the_dataset_loss_over_1_000_000_rows_on_two_worker_processes(two_processes, tmp_path):
    client = two_processes
    assert len(client.scheduler_info()["workers"]) == 2
    rng = np.random.default_rng(5)
    x = rng.normal(size=BIG_ROWS)
    y = np.where(rng.uniform(size=BIG_ROWS) < 1.0 / (1.0 + np.exp(-(0.8 * x + 0.2))), 1.0, -1.0)
    loss = symgrad.value_and_grad(logistic, wrt=("w", "b"), target="numpy", reduce="sum")
    want_value, (want_w, want_b) = loss(0.4, -0.1, x, y)  # one process, one call over every row
    client.upload_file(str(loss.export(tmp_path / "logistic_numpy_big_sg.py")))
    xs, ys = da.from_array(x, chunks=BIG_CHUNK), da.from_array(y, chunks=BIG_CHUNK)
    assert xs.numblocks == (8,)
    blocks = da.map_blocks(
        block_loss_exported, xs, ys, module_name="logistic_numpy_big_sg", w=0.4, b=-0.1,
        chunks=((1,) * xs.numblocks[0], (3,)), new_axis=1, dtype=float,
    )  # fmt: skip
    per_block = client.compute(blocks).result()
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()  # two processes besides this one
    np.testing.assert_allclose(per_block.sum(axis=0), [want_value, want_w, want_b], rtol=1e-12)
    assert not np.allclose(per_block[0], per_block[1], rtol=1e-3)  # each block summed its own rows
