"""Issue 12's figures: the class-based MLP against the same network written flat, and NumPy arrays against lists.

* M1: micrograd's 3-4-4-1 tanh MLP over the lecture's 4 samples, written as the course writes it (classes
  `Neuron`, `Layer`, `MLP` with `__call__`), against `loss(params, xs, ys)` over a flat list of 41 weights (B7's
  function), both compiled by symgrad and called through the decorated object: the class version is always
  specialized on its structure, so it is compared with the flat version specialized on its lengths (and, for
  reference, the flat general module). Both compute the same sums in the same order: gradients equal bit for bit.
* M2: a 1,000-element Rosenbrock loop called with a list and with a NumPy array (which symgrad converts once per
  call with `.tolist()`, and whose gradient comes back as a float64 array), and, as before this issue, the array
  passed straight into the general module.

Run from the repository root:  python benchmarks/models.py [--rounds N]   (prints medians of interleaved rounds)
"""

from __future__ import annotations

import argparse
import pathlib
import random
import statistics
import sys
import tempfile
import timeit

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mlp  # noqa: E402  (B7's material: the flat loop version of the loss)

CLASS_SOURCE = """
from symgrad import tanh


class Neuron:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def __call__(self, x):
        z = self.b
        for wi, xi in zip(self.w, x):
            z = z + wi * xi
        return tanh(z)


class Layer:
    def __init__(self, neurons):
        self.neurons = neurons

    def __call__(self, x):
        return [n(x) for n in self.neurons]


class MLP:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def loss(model, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total = total + (model(x)[0] - y) ** 2
    return total
"""

ROSEN_SOURCE = """
def rosen(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + 100.0 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1.0 - xs[i]) ** 2
    return total
"""


def load(source: str, name: str):
    return mlp.load(source, name, tempfile.mkdtemp(prefix="symgrad-models-"))


def model_from(module, params):
    """The class model holding the flat parameter list's weights, in micrograd's layout."""
    k, layers = 0, []
    for n_in, width in zip(mlp.SIZES, mlp.SIZES[1:], strict=False):
        neurons = []
        for _ in range(width):
            neurons.append(module.Neuron(list(params[k : k + n_in]), params[k + n_in]))
            k += n_in + 1
        layers.append(module.Layer(neurons))
    return module.MLP(layers)


def flat_grad_of(module, grad_model) -> list:
    return [g for layer in grad_model.layers for n in layer.neurons for g in (*n.w, n.b)]


def median_times(columns: dict, rounds: int, number: int) -> dict:
    times = {name: [] for name in columns}
    for _ in range(rounds):
        for name, call in columns.items():
            times[name].append(timeit.timeit(call, number=number) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def m1(rounds: int) -> str:
    from symgrad import value_and_grad

    classes = load(CLASS_SOURCE, "mlp_classes")
    flat = load(mlp.LOOP_SOURCE, "mlp_flat")
    params = mlp.initial_params(0)
    model = model_from(classes, params)
    xs, ys = mlp.XS, mlp.YS
    class_vg = value_and_grad(classes.loss, wrt="model")
    flat_special = value_and_grad(flat.loss, wrt="params", specialize=True)
    flat_general = value_and_grad(flat.loss, wrt="params")
    value_c, grad_c = class_vg(model, xs, ys)
    value_f, grad_f = flat_special(params, xs, ys)
    assert value_c == value_f and flat_grad_of(classes, grad_c) == grad_f, "the two versions differ"
    assert flat_general(params, xs, ys)[1] == grad_f
    # where the class version's extra time goes: its generated module alone (taking the model's 41 float leaves
    # as one tuple, as the decorated object passes them), and the flat one's
    class_module = load(class_vg.specialized(model, xs, ys).source, "mlp_classes_generated")
    flat_module = load(flat_special.specialized(params, xs, ys).source, "mlp_flat_generated")
    leaves = tuple(params)  # the class model's leaves are the flat list's weights, in the same order
    assert class_module.loss_value_and_grad(leaves, xs, ys) == (value_c, tuple(grad_f))
    t = median_times(
        {
            "class (specialized on structure)": lambda: class_vg(model, xs, ys),
            "flat, specialize=True": lambda: flat_special(params, xs, ys),
            "flat, general": lambda: flat_general(params, xs, ys),
            "class, its generated function alone": lambda: class_module.loss_value_and_grad(leaves, xs, ys),
            "flat, its generated function alone": lambda: flat_module.loss_value_and_grad(params, xs, ys),
        },
        rounds,
        200,
    )
    base = t["flat, specialize=True"]
    lines = [f"M1: 3-4-4-1 tanh MLP, 4 samples, 41 weights ({rounds} interleaved rounds, medians per call)", ""]
    lines += ["| version | per call | / flat specialized |", "|---|---:|---:|"]
    lines += [f"| {name} | {v * 1e6:.2f} us | {v / base:.2f}x |" for name, v in t.items()]
    class_extra = t["class (specialized on structure)"] - t["class, its generated function alone"]
    flat_extra = t["flat, specialize=True"] - t["flat, its generated function alone"]
    lines += ["", f"around the generated function: class {class_extra * 1e6:.2f} us (reading and checking 41 leaves "
              f"through 13 objects, making the gradient: 13 new objects and their lists), flat {flat_extra * 1e6:.2f} "
              "us (looking its lengths up)"]  # fmt: skip
    return "\n".join(lines)


def m2(rounds: int) -> str:
    import numpy as np

    from symgrad import value_and_grad

    module = load(ROSEN_SOURCE, "rosen_arrays")
    xs = [0.5 + 0.001 * k for k in range(1000)]
    array = np.array(xs)
    with_list, with_array = value_and_grad(module.rosen), value_and_grad(module.rosen)
    value_l, grad_l = with_list(xs)
    value_a, grad_a = with_array(array)
    assert value_l == value_a and type(grad_a) is np.ndarray and grad_a.tolist() == grad_l
    raw = with_list.compiled.value_and_grad  # the general module itself, fed the array element by element
    t = median_times(
        {"list": lambda: with_list(xs), "ndarray": lambda: with_array(array), "ndarray, as before": lambda: raw(array)},
        rounds,
        20,
    )
    base = t["list"]
    lines = [f"M2: 1,000-element Rosenbrock loop, list vs NumPy array ({rounds} interleaved rounds, medians)", ""]
    lines += ["| argument | per call | / list |", "|---|---:|---:|"]
    lines += [f"| {name} | {v * 1e3:.3f} ms | {v / base:.2f}x |" for name, v in t.items()]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args(argv)
    random.seed(0)
    print(m1(args.rounds))
    print()
    print(m2(args.rounds))


if __name__ == "__main__":
    main()
