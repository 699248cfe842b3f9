"""Lesson 1 of the course: linear regression, y = w*x + b, fitted by gradient descent on the mean squared error.

The model is a small class, as learners write it; symgrad compiles the loss with the model as a parameter, and
the gradient comes back as a `Line` too (a new instance, made without `__init__`), so the update step reads like
the math. Before training, the compiled gradient is checked against the closed form of the MSE's gradient:
dL/dw = 2/n sum((w*x + b - y) * x), dL/db = 2/n sum(w*x + b - y). After training, (w, b) is checked against
the least-squares solution (the normal equations, solved by hand here).

Run from the repository root:  python examples/linear_regression.py [--fast]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: fewer steps.)
"""

from __future__ import annotations

import argparse
import math
import os
import random

from symgrad import value_and_grad


class Line:
    def __init__(self, w=0.0, b=0.0):
        self.w = w
        self.b = b

    def __call__(self, x):
        return self.w * x + self.b


def mse(model, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        total += (model(x) - y) ** 2
    return total / len(xs)


def closed_form_gradient(model, xs, ys):
    n = len(xs)
    residuals = [model.w * x + model.b - y for x, y in zip(xs, ys, strict=True)]
    return 2 / n * sum(r * x for r, x in zip(residuals, xs, strict=True)), 2 / n * sum(residuals)


def least_squares(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    w = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return w, my - w * mx


def data(n=50, seed=0):
    rng = random.Random(seed)
    xs = [rng.uniform(-2.0, 2.0) for _ in range(n)]
    ys = [3.0 * x - 0.5 + rng.gauss(0.0, 0.3) for x in xs]
    return xs, ys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="linear regression with a compiled gradient")
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps, rate = (300 if fast else 1000), 0.1
    xs, ys = data()
    loss_and_grad = value_and_grad(mse, wrt="model")

    model = Line()
    _, grad = loss_and_grad(model, xs, ys)
    dw, db = closed_form_gradient(model, xs, ys)
    print(f"gradient at w = b = 0:  compiled dL/dw = {grad.w!r}, dL/db = {grad.b!r}")
    print(f"                        closed form      {dw!r},        {db!r}")
    assert type(grad) is Line
    assert math.isclose(grad.w, dw, rel_tol=1e-12) and math.isclose(grad.b, db, rel_tol=1e-12)

    for step in range(steps):
        loss, grad = loss_and_grad(model, xs, ys)
        model.w -= rate * grad.w
        model.b -= rate * grad.b
        if step % (steps // 5) == 0:
            print(f"step {step:4d}  loss {loss:.6f}")
    w, b = least_squares(xs, ys)
    print(f"fitted:        w = {model.w:.6f}, b = {model.b:.6f}")
    print(f"least squares: w = {w:.6f}, b = {b:.6f}")
    assert math.isclose(model.w, w, rel_tol=1e-6) and math.isclose(model.b, b, rel_tol=1e-6, abs_tol=1e-9)
    print("the gradient matches the closed form, and training reaches the least-squares line")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
