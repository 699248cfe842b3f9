"""Lesson 5 of the course: handwritten digits, a softmax MLP written as classes, trained with the compiled gradient.

scikit-learn ships the 8x8 digits (1,797 images, 64 pixels with values 0-16) inside the package, so
`load_digits()` needs no network. The network is 64-16-10: a `Layer` holds its weights as a list of rows `W`
and its biases `b`, `__call__` is a loop over the rows, and the loss is the mean cross-entropy of a softmax
(with the largest logit subtracted, as numerically careful code does). The labels are one-hot lists, so the
loss reads the target's logit as `sum(t * l for t, l in zip(t, logits))` (indexing the logits by a label known
only at run time would need a list symgrad cannot follow at compile time).

symgrad compiles the loss for the model's structure (1,210 float leaves) and a batch's shape: the layers
unroll into straight-line code inside the loop over the batch's images, which stays a loop. Training is plain
mini-batch SGD, one compiled call per batch; the gradient (an `MLP` like the model) is checked against the tape
engine first. The tape engine runs the very same classes on `Value`s, timed on a few batches only (a full epoch
on the tape takes minutes): its time per 1,000 images is that measurement scaled.

Run from the repository root:  python examples/digits.py [--fast] [--epochs N]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: 480 training images and 8 epochs, for the tests.)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time

from sklearn.datasets import load_digits

from symgrad import Value, exp, log, tanh, value_and_grad


class Layer:
    def __init__(self, nin, nout, rng, nonlin=True):
        self.W = [[rng.gauss(0.0, 1.0 / math.sqrt(nin)) for _ in range(nin)] for _ in range(nout)]
        self.b = [0.0] * nout
        self.nonlin = nonlin

    def __call__(self, x):
        out = []
        for w, b in zip(self.W, self.b, strict=True):
            z = sum((wi * xi for wi, xi in zip(w, x)), b)  # noqa: B905
            out.append(tanh(z) if self.nonlin else z)
        return out


class MLP:
    def __init__(self, sizes, rng):
        self.layers = [Layer(sizes[i], sizes[i + 1], rng, nonlin=i < len(sizes) - 2) for i in range(len(sizes) - 1)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def loss(model, xs, ts):
    """Mean cross-entropy of the softmax of the logits; `ts` are one-hot targets."""
    total = 0.0
    for x, t in zip(xs, ts, strict=True):
        logits = model(x)
        m = max(logits)
        s = sum(exp(logit - m) for logit in logits)
        total += log(s) + m - sum(ti * li for ti, li in zip(t, logits, strict=True))
    return total / len(xs)


SIZES = (64, 16, 10)
BATCH = 32
RATE = 0.5


def load(n_train: int | None):
    """Pixels scaled to [0, 1] and one-hot labels; a fixed shuffle, the last 360 images for testing."""
    digits = load_digits()
    xs = [[v / 16.0 for v in row] for row in digits.data.tolist()]
    labels = digits.target.tolist()
    order = list(range(len(xs)))
    random.Random(0).shuffle(order)
    test, train = order[-360:], order[:-360]
    if n_train is not None:
        train = train[:n_train]
    onehot = [[1.0 if k == label else 0.0 for k in range(10)] for label in labels]

    def pick(idx):
        return [xs[i] for i in idx], [onehot[i] for i in idx], [labels[i] for i in idx]

    return pick(train), pick(test)


def accuracy(model, xs, labels) -> float:
    right = 0
    for x, label in zip(xs, labels, strict=True):
        logits = model(x)
        right += logits.index(max(logits)) == label
    return right / len(xs)


def leaves(model) -> list:
    return [w for layer in model.layers for row in [*layer.W, layer.b] for w in row]


def on_tape(model):
    """A copy of the model whose weights are tape `Value`s (made without __init__, like symgrad's gradients)."""
    copy = MLP.__new__(MLP)
    copy.layers = []
    for layer in model.layers:
        new = Layer.__new__(Layer)
        new.W = [[Value(w) for w in row] for row in layer.W]
        new.b = [Value(b) for b in layer.b]
        new.nonlin = layer.nonlin
        copy.layers.append(new)
    return copy


def tape_gradient(model, xs, ts):
    taped = on_tape(model)
    out = loss(taped, xs, ts)
    out.backward()
    return out.data, [p.grad for p in leaves(taped)]


def batches(n: int, rng) -> list:
    """Shuffled batches of BATCH indices; the last partial batch is dropped (every call has one shape)."""
    order = list(range(n))
    rng.shuffle(order)
    return [order[k : k + BATCH] for k in range(0, n - BATCH + 1, BATCH)]


def sgd_step(model, grad) -> None:
    for layer, g in zip(model.layers, grad.layers, strict=True):
        for row, g_row in zip(layer.W, g.W, strict=True):
            for i, gi in enumerate(g_row):
                row[i] -= RATE * gi
        for j, gj in enumerate(g.b):
            layer.b[j] -= RATE * gj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    epochs = args.epochs if args.epochs is not None else (8 if fast else 30)
    (xs, ts, _), (test_xs, _, test_labels) = load(480 if fast else None)
    model = MLP(SIZES, random.Random(1))
    n_params = len(leaves(model))
    print(f"digits: {len(xs)} training and {len(test_xs)} test images of 8x8 pixels; a {'-'.join(map(str, SIZES))} "
          f"softmax MLP written as classes ({n_params} weights)")  # fmt: skip

    loss_vg = value_and_grad(loss, wrt="model")
    start = time.perf_counter()
    module = loss_vg.specialized(model, xs[:BATCH], ts[:BATCH])
    print(f"compiled for the model's structure and a batch of {BATCH} in {time.perf_counter() - start:.2f} s "
          f"({len(module.source.splitlines())} lines)")  # fmt: skip

    value, grad = loss_vg(model, xs[:BATCH], ts[:BATCH])
    start = time.perf_counter()
    tape_value, tape_grad = tape_gradient(model, xs[:BATCH], ts[:BATCH])
    tape_times = [time.perf_counter() - start]
    pairs = [(value, tape_value), *zip(leaves(grad), tape_grad, strict=True)]
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in pairs)
    print(f"compiled loss and gradient vs tape engine on one batch: max rel difference {worst:.1e}")
    assert worst <= 1e-9, worst

    for k in range(1, 1 if fast else 3):  # the tape's time: that batch, and two more in a full run
        start = time.perf_counter()
        tape_gradient(model, xs[k * BATCH : (k + 1) * BATCH], ts[k * BATCH : (k + 1) * BATCH])
        tape_times.append(time.perf_counter() - start)
    tape_batches, tape_per_image = len(tape_times), sum(tape_times) / (len(tape_times) * BATCH)

    print(f"test accuracy before training: {accuracy(model, test_xs, test_labels):.3f}")
    rng, epoch_times, n_seen = random.Random(2), [], 0
    for epoch in range(1, epochs + 1):
        start, total, steps = time.perf_counter(), 0.0, batches(len(xs), rng)
        for idx in steps:
            value, grad = loss_vg(model, [xs[i] for i in idx], [ts[i] for i in idx])
            sgd_step(model, grad)
            total += value
        epoch_times.append(time.perf_counter() - start)
        n_seen = len(steps) * BATCH
        if epoch == 1 or epoch == epochs or epoch % 5 == 0:
            print(f"  epoch {epoch:3d}  mean loss {total / len(steps):.4f}  "
                  f"test accuracy {accuracy(model, test_xs, test_labels):.3f}")  # fmt: skip
    epoch_time = sorted(epoch_times)[len(epoch_times) // 2]
    per_1000 = epoch_time / n_seen * 1000
    tape_per_1000 = tape_per_image * 1000
    print(f"one epoch ({n_seen} images, SGD update included): {epoch_time:.3f} s, {per_1000:.3f} s per 1,000 "
          f"images (median of {epochs} epochs)")  # fmt: skip
    batch_word = "batch" if tape_batches == 1 else "batches"
    print(f"tape engine, measured on {tape_batches} {batch_word} of {BATCH} only: {tape_per_1000:.1f} s per 1,000 "
          f"images, {tape_per_1000 / per_1000:.0f}x the compiled gradient's time")  # fmt: skip
    final = accuracy(model, test_xs, test_labels)
    print(f"final test accuracy: {final:.3f}")
    needed = 0.85 if fast else 0.93
    if final < needed:
        print(f"test accuracy {final:.3f} is below {needed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
