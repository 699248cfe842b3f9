"""Lesson 4 of the course: the two-spiral problem, with the MLP written as classes (as micrograd's demo does).

`examples/spiral.py` writes the 2-8-8-1 network as one function of a flat list of 105 weights; here it is the
course's `Neuron`/`Layer`/`MLP` classes, and the loss takes the model itself. symgrad compiles the loss for the
model's structure: the layers and neurons unroll inside the loop over the 300 samples, which stays a loop (its
unrolled body would pass `lower.UNROLL_BUDGET`), and the gradient is an `MLP` of the same shape. Training is
full-batch Adam, one compiled call per step; the gradient is checked against the tape engine (the same classes
on `Value`s) before and after training.

Run from the repository root:  python examples/spiral_classes.py [--fast] [--steps N]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: 300 steps instead of 1000.)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time

from spiral import make_spirals  # the same data as spiral.py

from symgrad import Value, relu, tanh, value_and_grad


class Neuron:
    def __init__(self, nin, rng, nonlin=True):
        self.w = [rng.gauss(0.0, 1.0 / math.sqrt(nin)) for _ in range(nin)]
        self.b = 0.0
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return tanh(act) if self.nonlin else act


class Layer:
    def __init__(self, nin, nout, rng, **kwargs):
        self.neurons = [Neuron(nin, rng, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


class MLP:
    def __init__(self, nin, nouts, rng):
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1], rng, nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def loss(model, xs, ys):
    """micrograd's max-margin loss, averaged over the samples."""
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        total += relu(1 - y * model(x))
    return total / len(xs)


def neurons(model):
    return [n for layer in model.layers for n in layer.neurons]


def on_tape(model):
    """A copy of the model whose weights are tape `Value`s (made without __init__, like symgrad's gradients)."""
    copy = MLP.__new__(MLP)
    copy.layers = []
    for layer in model.layers:
        new = Layer.__new__(Layer)
        new.neurons = []
        for n in layer.neurons:
            neuron = Neuron.__new__(Neuron)
            neuron.w, neuron.b, neuron.nonlin = [Value(w) for w in n.w], Value(n.b), n.nonlin
            new.neurons.append(neuron)
        copy.layers.append(new)
    return copy


def check_against_tape(loss_vg, model, xs, ys) -> float:
    value, grad = loss_vg(model, xs, ys)
    taped = on_tape(model)
    out = loss(taped, xs, ys)
    out.backward()
    pairs = [(value, out.data)]
    for g, t in zip(neurons(grad), neurons(taped), strict=True):
        pairs += [(a, b.grad) for a, b in zip([*g.w, g.b], [*t.w, t.b], strict=True)]
    return max(abs(got - want) / max(abs(want), 1e-12) for got, want in pairs)


def train(loss_vg, model, xs, ys, steps, lr=0.02):
    """Full-batch Adam over every neuron's weights and bias."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    moments = {id(n): ([0.0] * (len(n.w) + 1), [0.0] * (len(n.w) + 1)) for n in neurons(model)}
    curve = []
    for step in range(1, steps + 1):
        value, grad = loss_vg(model, xs, ys)
        curve.append(value)
        for n, g in zip(neurons(model), neurons(grad), strict=True):
            m, v = moments[id(n)]
            params = [*n.w, n.b]
            for i, gi in enumerate([*g.w, g.b]):
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                params[i] -= lr * (m[i] / (1 - beta1**step)) / (math.sqrt(v[i] / (1 - beta2**step)) + eps)
            n.w, n.b = params[:-1], params[-1]
    return curve


def accuracy(model, xs, ys) -> float:
    return sum((model(x) > 0) == (y > 0) for x, y in zip(xs, ys, strict=True)) / len(xs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps = args.steps if args.steps is not None else (300 if fast else 1000)
    data = make_spirals()
    xs = [[x1, x2] for x1, x2, _ in data]
    ys = [y for _, _, y in data]
    model = MLP(2, [8, 8, 1], random.Random(0))
    print(f"{len(xs)} points on two spiral arms; a 2-8-8-1 MLP written as classes")

    loss_vg = value_and_grad(loss, wrt="model")
    start = time.perf_counter()
    source = loss_vg.specialized(model, xs, ys).source
    print(f"compiled for the model's structure in {time.perf_counter() - start:.3f} s ({len(source)} characters)")
    worst = check_against_tape(loss_vg, model, xs, ys)
    print(f"compiled gradient vs tape engine: max rel difference {worst:.1e}")
    print(f"accuracy before training: {accuracy(model, xs, ys):.1%}")
    start = time.perf_counter()
    curve = train(loss_vg, model, xs, ys, steps)
    seconds = time.perf_counter() - start
    for step in sorted({0, *range(0, steps, max(1, steps // 6)), steps - 1}):
        print(f"  step {step:4d}  mean loss {curve[step]:.6g}")
    print(
        f"trained {steps} steps in {seconds:.2f} s, {seconds / steps * 1e3:.2f} ms per step (Adam in Python included)"
    )
    worst_after = check_against_tape(loss_vg, model, xs, ys)
    print(f"compiled gradient vs tape engine after training: max rel difference {worst_after:.1e}")
    final = accuracy(model, xs, ys)
    print(f"final accuracy: {final:.1%}")
    return 0 if max(worst, worst_after) <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
