"""micrograd's 3-4-4-1 tanh MLP, trained twice: with symgrad's compiled gradient and with the tape engine.

The data, the model and the loss are the micrograd lecture's: four samples of three inputs, targets +-1, a
multi-layer perceptron with two hidden layers of four tanh neurons and one tanh output, and the squared-error
loss summed over the samples. Both runs start from the same seeded random weights and take the same
gradient-descent steps, so they must print the same loss curve (to ~1e-12 relative); the difference is speed.

symgrad's language has no lists or loops yet, so the loss is a plain function of the 41 scalar weights. Writing
41 names out by hand six times would bury the model, so `model_source()` below writes that module: two neuron
helpers, the network, and the loss with the data written in as numbers. It is printed (in part) when the script
runs. The tape engine runs the very same function on `symgrad.Value`s (symgrad's `tanh` accepts both).

Run from the repository root:  python examples/train_mlp.py [--steps N] [--fast]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: 10 steps instead of 50.)
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import math
import os
import random
import sys
import tempfile
import time

from symgrad import Value, value_and_grad

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
LAYERS = [3, 4, 4, 1]  # inputs, then the neurons of each layer
LEARNING_RATE = 0.05


def parameter_names() -> list[str]:
    """`l1n1_w1 ... l1n1_b` for layer 1, neuron 1, and so on: 4*(3+1) + 4*(4+1) + 1*(4+1) = 41 names."""
    names = []
    for layer, (fan_in, width) in enumerate(itertools.pairwise(LAYERS), start=1):
        for neuron in range(1, width + 1):
            names += [f"l{layer}n{neuron}_w{i}" for i in range(1, fan_in + 1)] + [f"l{layer}n{neuron}_b"]
    return names


def model_source() -> str:
    """The text of a module defining `mlp(x1, x2, x3, <41 weights>)` and `loss(<41 weights>)`."""
    names = parameter_names()
    weights = ", ".join(names)
    lines = [
        '"""The 3-4-4-1 tanh MLP and its loss, written out by examples/train_mlp.py (41 scalar weights)."""',
        "from symgrad import tanh",
        "",
        "",
        "def neuron3(x1, x2, x3, w1, w2, w3, b):",
        "    return tanh(x1 * w1 + x2 * w2 + x3 * w3 + b)",
        "",
        "",
        "def neuron4(x1, x2, x3, x4, w1, w2, w3, w4, b):",
        "    return tanh(x1 * w1 + x2 * w2 + x3 * w3 + x4 * w4 + b)",
        "",
        "",
        f"def mlp(x1, x2, x3, {weights}):",
    ]
    inputs = ["x1", "x2", "x3"]
    for layer, (fan_in, width) in enumerate(itertools.pairwise(LAYERS), start=1):
        outputs = []
        for neuron in range(1, width + 1):
            own = [f"l{layer}n{neuron}_w{i}" for i in range(1, fan_in + 1)] + [f"l{layer}n{neuron}_b"]
            out = f"h{layer}_{neuron}"
            lines.append(f"    {out} = neuron{fan_in}({', '.join(inputs + own)})")
            outputs.append(out)
        inputs = outputs
    lines.append(f"    return {inputs[0]}")
    lines += ["", "", f"def loss({weights}):"]
    for i, x in enumerate(XS, start=1):
        lines.append(f"    y{i} = mlp({', '.join(map(repr, x))}, {weights})")
    squares = " + ".join(f"(y{i} - {y!r}) ** 2" for i, y in enumerate(YS, start=1))
    lines.append(f"    return {squares}")
    return "\n".join(lines) + "\n"


def load_model(directory: str):
    path = os.path.join(directory, "mlp_model.py")
    with open(path, "w", encoding="utf-8") as out:
        out.write(model_source())
    spec = importlib.util.spec_from_file_location("mlp_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tape_value_and_grad(loss, params: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(p) for p in params]
    out = loss(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def train(value_and_grad_fn, params: list[float], steps: int) -> tuple[list[float], list[float], float]:
    """Gradient descent; returns the loss before each step, the final weights and the seconds it took."""
    params = list(params)
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        loss, grads = value_and_grad_fn(params)
        losses.append(loss)
        params = [p - LEARNING_RATE * g for p, g in zip(params, grads, strict=True)]
    return losses, params, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="gradient-descent steps (default 50, fast 10)")
    parser.add_argument("--fast", action="store_true", help="a short run (also SYMGRAD_EXAMPLES_FAST=1)")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps = args.steps if args.steps is not None else (10 if fast else 50)

    rng = random.Random(0)
    init = [rng.uniform(-1.0, 1.0) for _ in parameter_names()]

    with tempfile.TemporaryDirectory() as tmp:
        model = load_model(tmp)
        text = model_source().splitlines()
        print(f"the model module ({len(text)} lines, {len(init)} weights), written to a temporary mlp_model.py:")
        for line in text[4:]:
            if line:
                print(f"  | {line[:100]}{' ...' if len(line) > 100 else ''}")

        start = time.perf_counter()
        compiled = value_and_grad(model.loss)
        compiled(*init)  # compiles on first use
        compile_seconds = time.perf_counter() - start
        print(f"compiled loss and gradient in {compile_seconds:.2f} s: {len(compiled.source.splitlines())} lines")

        compiled_losses, compiled_params, compiled_seconds = train(lambda p: compiled(*p), init, steps)
        tape_losses, tape_params, tape_seconds = train(lambda p: tape_value_and_grad(model.loss, p), init, steps)

        print(f"\n{steps} steps of gradient descent, learning rate {LEARNING_RATE}, weights from random.Random(0)")
        print(f"{'step':>4}  {'loss (compiled)':>22}  {'loss (tape)':>22}  {'rel diff':>9}")
        worst = 0.0
        for step, (a, b) in enumerate(zip(compiled_losses, tape_losses, strict=True)):
            rel = abs(a - b) / abs(b) if b else abs(a - b)
            worst = max(worst, rel)
            print(f"{step:4d}  {a!r:>22}  {b!r:>22}  {rel:9.1e}")
        weights_rel = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(compiled_params, tape_params, strict=True))
        final_loss, _ = compiled(*compiled_params)
        predictions = [model.mlp(*x, *compiled_params) for x in XS]
        print(f"final loss (after {steps} steps): {final_loss!r}")
        print(f"predictions: {', '.join(f'{p:+.4f}' for p in predictions)}  targets: {YS}")
        print(f"max relative difference of the loss curves: {worst:.1e}; of the final weights: {weights_rel:.1e}")
        print(
            f"training time: compiled {compiled_seconds * 1e3:.1f} ms ({compiled_seconds / steps * 1e6:.0f} us/step), "
            f"tape {tape_seconds * 1e3:.1f} ms ({tape_seconds / steps * 1e6:.0f} us/step), "
            f"speed-up {tape_seconds / compiled_seconds:.1f}x"
        )
        agree = worst <= 1e-12 and math.isfinite(final_loss)
        print("OK: the compiled and the tape loss curves agree" if agree else "MISMATCH between the loss curves")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
