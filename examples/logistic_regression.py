"""Lesson 2 of the course: logistic regression, p = sigmoid(w . x + b), trained on binary cross-entropy.

Two Gaussian blobs in the plane, labels 0 and 1. The model is a class with a weight list and a bias; symgrad
compiles the mean cross-entropy with the model as a parameter and returns the gradient as a model of the same
class. It is checked twice before training: against the closed form (dL/dw = mean((p - y) x), dL/db =
mean(p - y)) and against symgrad's tape engine running the very same class on `Value`s (`symgrad.sigmoid` and
`symgrad.log` accept both). Training must then separate the blobs (accuracy >= 0.9).

Run from the repository root:  python examples/logistic_regression.py [--fast]
"""

from __future__ import annotations

import argparse
import math
import os
import random

from symgrad import Value, log, sigmoid, value_and_grad


class LogisticRegression:
    def __init__(self, n_inputs):
        self.w = [0.0] * n_inputs
        self.b = 0.0

    def __call__(self, x):
        z = self.b
        for wi, xi in zip(self.w, x, strict=True):
            z = z + wi * xi
        return sigmoid(z)


def cross_entropy(model, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        p = model(x)
        total += -(y * log(p) + (1.0 - y) * log(1.0 - p))
    return total / len(xs)


def blobs(n=40, seed=1):
    rng = random.Random(seed)
    xs, ys = [], []
    for k in range(n):
        label = k % 2
        center = (1.0, 1.0) if label else (-1.0, -0.5)
        xs.append([rng.gauss(center[0], 0.7), rng.gauss(center[1], 0.7)])
        ys.append(float(label))
    return xs, ys


def closed_form_gradient(model, xs, ys):
    n = len(xs)
    errors = [model(x) - y for x, y in zip(xs, ys, strict=True)]
    dw = [sum(e * x[i] for e, x in zip(errors, xs, strict=True)) / n for i in range(len(model.w))]
    return dw, sum(errors) / n


def tape_gradient(model, xs, ys):
    on_tape = LogisticRegression(len(model.w))
    on_tape.w = [Value(w) for w in model.w]
    on_tape.b = Value(model.b)
    loss = cross_entropy(on_tape, xs, ys)
    loss.backward()
    return [w.grad for w in on_tape.w], on_tape.b.grad


def accuracy(model, xs, ys) -> float:
    return sum((model(x) > 0.5) == (y == 1.0) for x, y in zip(xs, ys, strict=True)) / len(xs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="logistic regression with a compiled gradient")
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps, rate = (150 if fast else 500), 0.5
    xs, ys = blobs()
    loss_and_grad = value_and_grad(cross_entropy, wrt="model")

    model = LogisticRegression(2)
    model.w, model.b = [0.3, -0.2], 0.1  # away from the symmetric start, so every component differs
    _, grad = loss_and_grad(model, xs, ys)
    dw, db = closed_form_gradient(model, xs, ys)
    tw, tb = tape_gradient(model, xs, ys)
    print(f"gradient:     compiled w {grad.w}, b {grad.b!r}")
    print(f"           closed form w {dw}, b {db!r}")
    print(f"           tape engine w {tw}, b {tb!r}")
    assert type(grad) is LogisticRegression
    for got, *references in zip([*grad.w, grad.b], [*dw, db], [*tw, tb], strict=True):
        assert all(math.isclose(got, r, rel_tol=1e-9, abs_tol=1e-15) for r in references)

    for step in range(steps):
        loss, grad = loss_and_grad(model, xs, ys)
        model.w = [w - rate * g for w, g in zip(model.w, grad.w, strict=True)]
        model.b -= rate * grad.b
        if step % (steps // 5) == 0:
            print(f"step {step:4d}  loss {loss:.6f}  accuracy {accuracy(model, xs, ys):.3f}")
    final = accuracy(model, xs, ys)
    print(f"final accuracy {final:.3f}")
    assert final >= 0.9
    print("the gradient matches the closed form and the tape engine, and training separates the blobs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
