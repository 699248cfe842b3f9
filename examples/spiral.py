"""Two interleaved spirals, separated by a small tanh MLP trained with symgrad's generated gradients.

The data: two classes of points on two arms of a spiral, 1.75 turns each, with a little noise, generated
deterministically. The model: a 2-8-8-1 multi-layer perceptron (tanh hidden layers, a linear output; 105
scalar weights) whose output's sign is the class. The loss is micrograd's max-margin loss relu(1 - y * score),
averaged over the samples.

The model is two plain Python functions below, written with loops and lists: `score(params, x)` and
`loss(params, xs, ys)`, where `params` is a flat list of the 105 weights laid out as micrograd's MLP (for each
layer, for each neuron: its n_in weights, then its bias), `xs` a list of [x1, x2] samples and `ys` their labels
(+1 or -1). symgrad reads `loss` from this file, inlines `score` into it and compiles it once with
`value_and_grad(loss, wrt=["params"], specialize=True)`: specialized on the lengths of the lists, the loops over
layers, neurons and inputs unroll and the loop over the samples stays a loop. One call per training step gives
the mean loss over all 300 samples and its gradient (full-batch Adam). The same `loss`, run on symgrad.Value
objects, is the tape engine's reference, checked against the generated gradient before and after training.
`score` is also called directly, as plain Python, for the accuracy and the decision boundary.

Saves `spiral_loss.png` (the loss curve) and `spiral_boundary.png` (the decision boundary with the data) to the
output directory: `--out DIR`, or SYMGRAD_EXAMPLES_OUT, default examples/out/.

Run from the repository root:  python examples/spiral.py [--fast] [--out DIR] [--steps N]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: 300 training steps instead of 1000, a coarser boundary grid.)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import random
import sys
import time

from symgrad import Value, relu, tanh, value_and_grad

LAYERS = (2, 8, 8, 1)
POINTS_PER_CLASS = 150


# --- the model: plain Python that symgrad compiles ---------------------------------------------------------


def score(params, x):
    """The MLP's output for one sample x = [x1, x2]: tanh hidden layers, then one linear output neuron."""
    act = x
    k = 0  # where the current neuron's weights start in params
    for layer in range(len(LAYERS) - 2):
        n_in = LAYERS[layer]
        new = []
        for _ in range(LAYERS[layer + 1]):
            z = 0.0
            for i in range(n_in):
                z = z + params[k + i] * act[i]
            new.append(tanh(z + params[k + n_in]))
            k = k + n_in + 1
        act = new
    z = 0.0
    for i in range(len(act)):
        z = z + params[k + i] * act[i]
    return z + params[k + len(act)]


def loss(params, xs, ys):
    """micrograd's max-margin loss, zero once y * score >= 1, averaged over the samples."""
    total = 0.0
    for i, x in enumerate(xs):
        total = total + relu(1 - ys[i] * score(params, x))
    return total / len(xs)


# --- data, training, checks, pictures ----------------------------------------------------------------------


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


def check_against_tape(loss_vg, params, xs, ys) -> float:
    """The largest relative difference between the generated value and gradient and the tape engine's."""
    value, (grads,) = loss_vg(params, xs, ys)
    leaves = [Value(p) for p in params]
    out = loss(leaves, xs, ys)
    out.backward()
    pairs = [(value, out.data)] + [(g, leaf.grad) for g, leaf in zip(grads, leaves, strict=True)]
    return max(abs(got - want) / max(abs(want), 1e-12) for got, want in pairs)


def accuracy(params, xs, ys) -> float:
    return sum((score(params, x) > 0) == (y > 0) for x, y in zip(xs, ys, strict=True)) / len(xs)


def train(loss_vg, params, xs, ys, steps, lr=0.02):
    """Full-batch Adam: one compiled call per step; returns the weights and the mean loss before each step."""
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    curve = []
    for step in range(1, steps + 1):
        value, (grads,) = loss_vg(params, xs, ys)
        curve.append(value)
        for i, g in enumerate(grads):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            params[i] -= lr * (m[i] / (1 - beta1**step)) / (math.sqrt(v[i] / (1 - beta2**step)) + eps)
    return params, curve


def save_plots(params, xs, ys, curve, out_dir: str, grid: int) -> list[str]:
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
    scores = [[score(params, [a, b]) for a in coords] for b in coords]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(coords, coords, scores, levels=[-1e9, 0.0, 1e9], colors=["#f4b183", "#9dc3e6"], alpha=0.6)
    ax.contour(coords, coords, scores, levels=[0.0], colors="k", linewidths=1)
    for label, color in ((1.0, "#1f4e79"), (-1.0, "#c55a11")):
        points = [x for x, y in zip(xs, ys, strict=True) if y == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=12, c=color, label=f"y = {label:+.0f}")
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    ax.set_title(f"spiral: decision boundary, accuracy {accuracy(params, xs, ys):.1%}")
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
    xs = [[x1, x2] for x1, x2, _ in data]
    ys = [y for _, _, y in data]
    rng = random.Random(0)
    params = [rng.gauss(0.0, 1.0 / math.sqrt(fan_in)) for fan_in in fan_ins()]
    print(f"{len(xs)} points on two spiral arms; a {'-'.join(map(str, LAYERS))} MLP, {len(params)} weights")

    # specialize=True: compiled for these list lengths (105 weights, 300 samples), the layer and neuron loops
    # unroll into straight-line code, the sample loop stays a loop (the general module would keep them all)
    loss_vg = value_and_grad(loss, wrt=["params"], specialize=True)
    start = time.perf_counter()
    source = loss_vg.specialized(params, xs, ys).source  # compiles now: reads `loss` and `score` from this file
    seconds = time.perf_counter() - start
    print(f"compiled loss's value and gradient in {seconds:.3f} s: a generated module of {len(source)} characters")
    worst = check_against_tape(loss_vg, params, xs, ys)
    print(f"generated gradient vs tape engine on all {len(xs)} samples: max rel difference {worst:.1e}")
    gc.collect()  # the tape's graph is cyclic garbage (micrograd-style closures); left alone it slows training

    print(f"accuracy before training: {accuracy(params, xs, ys):.1%}")
    start = time.perf_counter()
    params, curve = train(loss_vg, params, xs, ys, steps)
    seconds = time.perf_counter() - start
    for step in sorted({0, *range(0, steps, max(1, steps // 6)), steps - 1}):
        print(f"  step {step:4d}  mean loss {curve[step]:.6g}")
    final_accuracy = accuracy(params, xs, ys)
    print(
        f"trained {steps} steps (one gradient call on all {len(xs)} samples each) in {seconds:.2f} s, "
        f"{seconds / steps * 1e3:.2f} ms per step"
    )
    worst_after = check_against_tape(loss_vg, params, xs, ys)
    print(f"generated gradient vs tape engine after training: max rel difference {worst_after:.1e}")
    paths = save_plots(params, xs, ys, curve, out_dir, grid=60 if fast else 150)
    for path in paths:
        print(f"saved {path}")
    print(f"final accuracy: {final_accuracy:.1%}")
    return 0 if max(worst, worst_after) <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
