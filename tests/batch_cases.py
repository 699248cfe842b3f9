"""Functions the batch targets' tests share: micrograd's 3-4-4-1 tanh MLP, squared error on one sample (the
per-point form of benchmarks/mlp.py's loss, which the numpy and numba targets batch over)."""

from __future__ import annotations

from symgrad import tanh

SIZES = (3, 4, 4, 1)


def sample_loss(params, x, y):
    """The MLP's squared error on one sample."""
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
