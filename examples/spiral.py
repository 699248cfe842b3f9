"""Two interleaved spirals, separated by a small tanh MLP trained with symgrad's generated gradients.

The data: two classes of points on two arms of a spiral, 1.75 turns each, with a little noise, generated
deterministically. The model: a 2-8-8-1 tanh multi-layer perceptron (105 scalar weights) whose output's sign is
the class. The loss per sample is micrograd's max-margin loss, relu(1 - y * score).

symgrad's language has no loops or lists yet, so one function cannot take a whole data set. Instead the
per-sample loss `sample_loss(<105 weights>, x1, x2, y)` is compiled once with `wrt` = the weights only, and the
training loop sums its gradients over the samples in Python (full-batch Adam). The per-sample loss is written by
`model_source()` below, so its 105 weight names need not be typed out; the generated gradient is checked against
the tape engine (symgrad.Value) on a few samples before training.

Saves `spiral_loss.png` (the loss curve) and `spiral_boundary.png` (the decision boundary with the data) to the
output directory: `--out DIR`, or SYMGRAD_EXAMPLES_OUT, default examples/out/.

Run from the repository root:  python examples/spiral.py [--fast] [--out DIR]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: 300 training steps instead of 1000, a coarser boundary grid.)
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

LAYERS = [2, 8, 8, 1]
POINTS_PER_CLASS = 150


def fan_ins() -> list[int]:
    """The fan-in of each weight's neuron, in parameter order (for the initial scale)."""
    return [fan_in for fan_in, width in itertools.pairwise(LAYERS) for _ in range(width * (fan_in + 1))]


def make_spirals(n: int = POINTS_PER_CLASS, seed: int = 0) -> list[tuple[float, float, float]]:
    """(x1, x2, y) with y = +1 on one arm and -1 on the other, the same on every run."""
    rng = random.Random(seed)
    data = []
    for label, offset in ((1.0, 0.0), (-1.0, math.pi)):
        for i in range(n):
            s = i / (n - 1)
            radius = 0.1 + 0.9 * s
            angle = 3.5 * math.pi * s + offset
            x1 = radius * math.cos(angle) + rng.gauss(0.0, 0.02)
            x2 = radius * math.sin(angle) + rng.gauss(0.0, 0.02)
            data.append((x1, x2, label))
    return data


def parameter_names() -> list[str]:
    names = []
    for layer, (fan_in, width) in enumerate(itertools.pairwise(LAYERS), start=1):
        for neuron in range(1, width + 1):
            names += [f"l{layer}n{neuron}_w{i}" for i in range(1, fan_in + 1)] + [f"l{layer}n{neuron}_b"]
    return names


def model_source() -> str:
    """A module with `score(<weights>, x1, x2)` (tanh hidden layers, a linear output) and `sample_loss`."""
    weights = ", ".join(parameter_names())
    lines = [
        '"""The spiral classifier, written out by examples/spiral.py."""',
        "from symgrad import relu, tanh",
        "",
        "",
        f"def score({weights}, x1, x2):",
    ]
    inputs = ["x1", "x2"]
    for layer, (_fan_in, width) in enumerate(itertools.pairwise(LAYERS), start=1):
        last = layer == len(LAYERS) - 1
        outputs = []
        for neuron in range(1, width + 1):
            terms = " + ".join(f"l{layer}n{neuron}_w{i} * {x}" for i, x in enumerate(inputs, start=1))
            total = f"{terms} + l{layer}n{neuron}_b"
            out = f"h{layer}_{neuron}"
            lines.append(f"    {out} = {total}" if last else f"    {out} = tanh({total})")
            outputs.append(out)
        inputs = outputs
    lines.append(f"    return {inputs[0]}")
    lines += [
        "",
        "",
        f"def sample_loss({weights}, x1, x2, y):",
        '    """micrograd\'s max-margin loss for one sample: zero once y * score >= 1."""',
        f"    return relu(1 - y * score({weights}, x1, x2))",
    ]
    return "\n".join(lines) + "\n"


def load_model(directory: str):
    path = os.path.join(directory, "spiral_model.py")
    with open(path, "w", encoding="utf-8") as out:
        out.write(model_source())
    spec = importlib.util.spec_from_file_location("spiral_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_against_tape(model, f_vg, params, samples) -> float:
    """The largest relative difference between the generated gradient and the tape engine's on `samples`."""
    worst = 0.0
    for x1, x2, y in samples:
        value, grads = f_vg(*params, x1, x2, y)
        leaves = [Value(p) for p in params]
        out = model.sample_loss(*leaves, x1, x2, y)
        out.backward()
        for leaf, g in itertools.chain([(out, value)], zip(leaves, grads, strict=True)):
            expected = leaf.data if leaf is out else leaf.grad
            worst = max(worst, abs(g - expected) / max(abs(expected), 1e-12))
    return worst


def accuracy(model, params, data) -> float:
    return sum((model.score(*params, x1, x2) > 0) == (y > 0) for x1, x2, y in data) / len(data)


def train(f_vg, params, data, steps, lr=0.02):
    """Full-batch Adam on the mean loss; returns the weights and the mean loss before each step."""
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    curve = []
    n = len(data)
    for step in range(1, steps + 1):
        total = 0.0
        grad_sum = [0.0] * len(params)
        for x1, x2, y in data:
            value, grads = f_vg(*params, x1, x2, y)
            total += value
            grad_sum = [a + b for a, b in zip(grad_sum, grads, strict=True)]
        curve.append(total / n)
        for i, g in enumerate(grad_sum):
            g /= n
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            params[i] -= lr * (m[i] / (1 - beta1**step)) / (math.sqrt(v[i] / (1 - beta2**step)) + eps)
    return params, curve


def save_plots(model, params, data, curve, out_dir: str, grid: int) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    loss_path = os.path.join(out_dir, "spiral_loss.png")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(len(curve)), curve)
    ax.set_xlabel("step")
    ax.set_ylabel("mean max-margin loss")
    ax.set_title("spiral: training loss (symgrad gradients)")
    fig.tight_layout()
    fig.savefig(loss_path, dpi=100)
    plt.close(fig)

    boundary_path = os.path.join(out_dir, "spiral_boundary.png")
    lo, hi = -1.25, 1.25
    coords = [lo + (hi - lo) * i / (grid - 1) for i in range(grid)]
    scores = [[model.score(*params, a, b) for a in coords] for b in coords]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(coords, coords, scores, levels=[-1e9, 0.0, 1e9], colors=["#f4b183", "#9dc3e6"], alpha=0.6)
    ax.contour(coords, coords, scores, levels=[0.0], colors="k", linewidths=1)
    for label, color in ((1.0, "#1f4e79"), (-1.0, "#c55a11")):
        points = [(x1, x2) for x1, x2, y in data if y == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=12, c=color, label=f"y = {label:+.0f}")
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    ax.set_title(f"spiral: decision boundary, accuracy {accuracy(model, params, data):.1%}")
    fig.tight_layout()
    fig.savefig(boundary_path, dpi=100)
    plt.close(fig)
    return [loss_path, boundary_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="a short run (also SYMGRAD_EXAMPLES_FAST=1)")
    parser.add_argument("--out", default=None, help="where the PNGs go (default SYMGRAD_EXAMPLES_OUT or examples/out)")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 1000, fast 300)")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    steps = args.steps if args.steps is not None else (300 if fast else 1000)
    out_dir = args.out or os.environ.get("SYMGRAD_EXAMPLES_OUT") or os.path.join(os.path.dirname(__file__), "out")

    data = make_spirals()
    names = parameter_names()
    rng = random.Random(0)
    params = [rng.gauss(0.0, 1.0 / math.sqrt(fan_in)) for fan_in in fan_ins()]
    print(f"{len(data)} points on two spiral arms; a {'-'.join(map(str, LAYERS))} tanh MLP, {len(names)} weights")

    with tempfile.TemporaryDirectory() as tmp:
        model = load_model(tmp)
        f_vg = value_and_grad(model.sample_loss, wrt=names)
        start = time.perf_counter()
        f_vg(*params, *data[0])
        print(f"compiled sample_loss's gradient in {time.perf_counter() - start:.2f} s")
        samples = data[::40]
        worst = check_against_tape(model, f_vg, params, samples)
        print(f"generated gradient vs tape engine on {len(samples)} samples: max rel difference {worst:.1e}")

        print(f"accuracy before training: {accuracy(model, params, data):.1%}")
        start = time.perf_counter()
        params, curve = train(f_vg, params, data, steps)
        seconds = time.perf_counter() - start
        for step in sorted({0, *range(0, steps, max(1, steps // 6)), steps - 1}):
            print(f"  step {step:4d}  mean loss {curve[step]:.6g}")
        final_accuracy = accuracy(model, params, data)
        print(f"trained {steps} steps ({len(data)} gradient calls each) in {seconds:.2f} s")
        worst_after = check_against_tape(model, f_vg, params, samples)
        print(f"generated gradient vs tape engine after training: max rel difference {worst_after:.1e}")
        paths = save_plots(model, params, data, curve, out_dir, grid=60 if fast else 150)
    for path in paths:
        print(f"saved {path}")
    print(f"final accuracy: {final_accuracy:.1%}")
    return 0 if max(worst, worst_after) <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
