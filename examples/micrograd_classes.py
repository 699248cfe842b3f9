"""Lesson 3 of the course: micrograd's `Neuron`, `Layer` and `MLP` classes, compiled as written.

The classes below are the lecture's, with floats for weights. The loss takes the model itself as a parameter:
symgrad compiles it for the model's structure (3 layers of 4, 4 and 1 neurons: 41 float leaves), inlines
`__call__` and `parameters()`, unrolls the loops, and names every weight by its path
(`model_layers_0_neurons_1_w_2`). The gradient is an `MLP` too, so the update walks two models side by side.

The same classes then train on symgrad's tape engine, exactly as in the lecture: weights are `Value`s,
`loss.backward()`, `p.data -= rate * p.grad` over `model.parameters()`. Both runs start from the same seeded
weights, so they print the same loss curve (to about 1e-12); the difference is the time per step.

Run from the repository root:  python examples/micrograd_classes.py [--steps N] [--fast] [--show-code]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time

from symgrad import Value, tanh, value_and_grad


class Module:
    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [random.uniform(-1, 1) for _ in range(nin)]
        self.b = 0.0
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return tanh(act) if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]  # noqa: RUF005 (the lecture's spelling)


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts):
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
RATE = 0.05


def loss(model, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        total += (model(x) - y) ** 2
    return total


def on_tape(model):
    """The same model with every weight a tape `Value` (for the lecture's training loop)."""
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


def train_compiled(model, steps):
    loss_and_grad = value_and_grad(loss, wrt="model")
    loss_and_grad(model, XS, YS)  # compile once, before timing
    curve, start = [], time.perf_counter()
    for _ in range(steps):
        value, grad = loss_and_grad(model, XS, YS)
        for layer, g_layer in zip(model.layers, grad.layers, strict=True):
            for n, g in zip(layer.neurons, g_layer.neurons, strict=True):
                n.w = [w - RATE * gw for w, gw in zip(n.w, g.w, strict=True)]
                n.b -= RATE * g.b
        curve.append(value)
    return curve, (time.perf_counter() - start) / steps


def train_tape(model, steps):
    curve, start = [], time.perf_counter()
    for _ in range(steps):
        out = loss(model, XS, YS)
        for p in model.parameters():
            p.grad = 0.0
        out.backward()
        for p in model.parameters():
            p.data -= RATE * p.grad
        curve.append(out.data)
    return curve, (time.perf_counter() - start) / steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="micrograd's classes, compiled by symgrad and on the tape")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--show-code", action="store_true", help="print the whole generated module")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps = args.steps or (10 if fast else 50)
    random.seed(1337)
    model = MLP(3, [4, 4, 1])
    tape_model = on_tape(model)

    source = value_and_grad(loss, wrt="model").specialized(model, XS, YS).source
    lines = source.splitlines()
    forward = [line for line in lines if "tanh(model_layers_0_neurons_0_b" in line][:2]
    backward = [line for line in lines if line.strip().startswith("model_layers_2_neurons_0_w_0_bar =")][:1]
    shown = lines if args.show_code else [*forward, "    ...", *backward]
    print("the generated module (excerpt; --show-code prints it all):")
    print("\n".join("    " + line[:150] for line in shown))

    compiled_curve, compiled_time = train_compiled(model, steps)
    tape_curve, tape_time = train_tape(tape_model, steps)
    print(f"\n{'step':>4}  {'compiled loss':>22}  {'tape loss':>22}")
    for k in range(0, steps, max(1, steps // 5)):
        print(f"{k:4d}  {compiled_curve[k]:22.15f}  {tape_curve[k]:22.15f}")
    for a, b in zip(compiled_curve, tape_curve, strict=True):
        assert math.isclose(a, b, rel_tol=1e-11), (a, b)
    assert compiled_curve[-1] < compiled_curve[0]
    print(f"\nthe same loss curve; per step: compiled {compiled_time * 1e6:.1f} us, tape {tape_time * 1e6:.1f} us "
          f"({tape_time / compiled_time:.0f}x faster compiled)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
