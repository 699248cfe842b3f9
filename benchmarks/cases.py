"""The benchmark functions B1-B6 and the chains for compile-time scaling, each as source text (symgrad reads
source from files), with a hand-written fused value-and-gradient reference for each.

The references for B1-B3 are written out by hand below. B4-B6 have dozens to hundreds of parameters, so their
references are produced by small textbook-backprop templates here (forward pass storing activations, then
deltas layer by layer / step by step), written independently of symgrad's compiler: they are the straight-line
code a careful person would write, not symgrad's output.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import pathlib
import random
from dataclasses import dataclass, field

# The float build (plain and hand-written columns) uses math.tanh and a float relu; the polymorphic build
# (what symgrad compiles, the tape engines, SymPy) uses symgrad's op functions, which take Values and symbols
# too. symgrad resolves math.tanh and symgrad.tanh to the same op, so the spelling does not change its code.
HEADER = "import math\nfrom math import tanh\n\n\ndef relu(x):\n    return 0.0 if x < 0 else x\n\n\n"
POLY_HEADER = "import math\nfrom symgrad import tanh, relu\n\n\n"
_serial = itertools.count()


@dataclass
class Case:
    key: str
    title: str
    source: str  # module text defining `f` (the plain function) and `hand` (the fused reference)
    args: tuple
    micrograd: bool = False  # PyPI micrograd has the ops (+ - * / ** relu only)
    sympy: bool = True
    forward: bool = False  # also timed with mode="forward" (one input: the sweep forward mode is made for)
    functions: dict = field(default_factory=dict)

    def load(self, directory: pathlib.Path) -> dict:
        """{'f': float build, 'hand': the reference, 'poly': the polymorphic build of f}."""
        float_module = _import(directory, f"bench_{self.key.lower()}_{next(_serial)}", self.source)
        poly_source = self.source.replace(HEADER, POLY_HEADER, 1)
        poly_module = _import(directory, f"bench_{self.key.lower()}_poly_{next(_serial)}", poly_source)
        self.functions = {"f": float_module.f, "hand": float_module.hand, "poly": poly_module.f}
        return self.functions


def _import(directory: pathlib.Path, name: str, source: str):
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


B1 = """
def f(x, y):
    z = x * y + 3
    return tanh(z) ** 2 / y


def hand(x, y):
    t = tanh(x * y + 3.0)
    t2 = t * t
    out = t2 / y
    gz = 2.0 * t * (1.0 - t2) / y
    return out, (gz * y, gz * x - out / y)
"""

B2 = """
def f(x):
    # micrograd's test_sanity_check, as a function of x
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    y = h + q + q * x
    return y


def hand(x):
    z = 2.0 * x + 2.0 + x
    zr = z if z > 0.0 else 0.0
    zx = z * x
    q = zr + zx
    zz = z * z
    h = zz if zz > 0.0 else 0.0
    y = h + q + q * x
    # dy/dq = 1 + x; dq/dz = [z > 0] + x; dq/dx = z; dh/dz = [zz > 0] * 2z; dz/dx = 3
    qbar = 1.0 + x
    zbar = qbar * ((1.0 if z > 0.0 else 0.0) + x) + (2.0 * z if zz > 0.0 else 0.0)
    return y, zbar * 3.0 + qbar * z + q
"""

B3 = """
def f(x1, x2, x3, x4, x5, x6, x7, w1, w2, w3, w4, w5, w6, w7, b):
    n = x1 * w1 + x2 * w2 + x3 * w3 + x4 * w4 + x5 * w5 + x6 * w6 + x7 * w7 + b
    return tanh(n)


def hand(x1, x2, x3, x4, x5, x6, x7, w1, w2, w3, w4, w5, w6, w7, b):
    o = tanh(x1 * w1 + x2 * w2 + x3 * w3 + x4 * w4 + x5 * w5 + x6 * w6 + x7 * w7 + b)
    g = 1.0 - o * o
    return o, (w1 * g, w2 * g, w3 * g, w4 * g, w5 * g, w6 * g, w7 * g,
               x1 * g, x2 * g, x3 * g, x4 * g, x5 * g, x6 * g, x7 * g, g)
"""

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
SIZES = [3, 4, 4, 1]


def _mlp_layout():
    """Parameter names per layer/neuron: (weights, bias), in micrograd's order."""
    names, layout = [], []
    for n_in, n_out in itertools.pairwise(SIZES):
        layer = []
        for _ in range(n_out):
            ws = [f"p{len(names) + i}" for i in range(n_in)]
            names += ws
            b = f"p{len(names)}"
            names.append(b)
            layer.append((ws, b))
        layout.append(layer)
    return names, layout


def _mlp_source() -> str:
    names, layout = _mlp_layout()
    lines = [f"def f({', '.join(names)}):", "    loss = 0.0"]
    for s, (xs, y) in enumerate(zip(XS, YS, strict=True)):
        prev = [repr(x) for x in xs]
        for li, layer in enumerate(layout):
            cur = []
            for ni, (ws, b) in enumerate(layer):
                act = f"a{s}_{li}_{ni}"
                terms = " + ".join(f"{w} * {p}" for w, p in zip(ws, prev, strict=True))
                lines.append(f"    {act} = tanh({terms} + {b})")
                cur.append(act)
            prev = cur
        lines.append(f"    loss += ({prev[0]} - {y!r}) ** 2")
    lines.append("    return loss")
    # the reference: forward per sample keeping activations, then textbook backprop with deltas
    ref = [f"def hand({', '.join(names)}):", "    loss = 0.0"]
    for name in names:
        ref.append(f"    g_{name} = 0.0")
    for s, (xs, y) in enumerate(zip(XS, YS, strict=True)):
        acts = [[repr(x) for x in xs]]
        for li, layer in enumerate(layout):
            cur = []
            for ni, (ws, b) in enumerate(layer):
                a = f"a{s}_{li}_{ni}"
                terms = " + ".join(f"{w} * {p}" for w, p in zip(ws, acts[-1], strict=True))
                ref.append(f"    {a} = tanh({terms} + {b})")
                cur.append(a)
            acts.append(cur)
        out = acts[-1][0]
        ref.append(f"    e{s} = {out} - {y!r}")
        ref.append(f"    loss += e{s} * e{s}")
        deltas = {out: f"2.0 * e{s} * (1.0 - {out} * {out})"}
        for li in range(len(layout) - 1, -1, -1):
            inputs = acts[li]
            input_bar = {}
            for ni, (ws, b) in enumerate(layout[li]):
                a = acts[li + 1][ni]
                d = f"d_{a}"
                ref.append(f"    {d} = {deltas[a]}")
                ref.append(f"    g_{b} += {d}")
                for w, inp in zip(ws, inputs, strict=True):
                    ref.append(f"    g_{w} += {d} * {inp}")
                    if li > 0:
                        input_bar.setdefault(inp, []).append(f"{d} * {w}")
            for inp, parts in input_bar.items():
                deltas[inp] = f"({' + '.join(parts)}) * (1.0 - {inp} * {inp})"
    ref.append(f"    return loss, ({', '.join('g_' + n for n in names)},)")
    return "\n".join(lines) + "\n\n\n" + "\n".join(ref) + "\n"


def mlp_args() -> tuple:
    rng = random.Random(0)
    names, _ = _mlp_layout()
    return tuple(rng.uniform(-1, 1) for _ in names)


def chain_source(steps: int, per_step_weights: bool = True) -> str:
    """x = tanh(x * w_i + 0.5), `steps` times; B5 has a weight per step, the scaling chains share one."""
    ws = [f"w{i}" for i in range(1, steps + 1)] if per_step_weights else ["w"] * steps
    params = ["x"] + (ws if per_step_weights else ["w"])
    body = "".join(f"    x = tanh(x * {w} + 0.5)\n" for w in ws)
    src = f"def f({', '.join(params)}):\n{body}    return x\n"
    if not per_step_weights:
        return src
    ref = [f"def hand({', '.join(params)}):", "    x0 = x"]
    for i, w in enumerate(ws, start=1):
        ref.append(f"    x{i} = tanh(x{i - 1} * {w} + 0.5)")
    ref.append(f"    g = 1.0 - x{steps} * x{steps}")
    for i in range(steps, 0, -1):
        ref.append(f"    g_w{i} = g * x{i - 1}")
        if i > 1:
            ref.append(f"    g = g * w{i} * (1.0 - x{i - 1} * x{i - 1})")
    ref.append("    g_x = g * w1")
    ref.append(f"    return x{steps}, (g_x, {', '.join(f'g_w{i}' for i in range(1, steps + 1))})")
    return src + "\n\n" + "\n".join(ref) + "\n"


def polynomial_source(terms: int) -> str:
    coefficients = [round(math.sin(i + 1) / (i + 1), 6) for i in range(terms)]
    body = [f"    p = {coefficients[-1]!r}"]
    body += [f"    p = p * x + {c!r}" for c in reversed(coefficients[:-1])]
    src = "def f(x):\n" + "\n".join(body) + "\n    return p\n"
    ref = ["def hand(x):", f"    p = {coefficients[-1]!r}", "    dp = 0.0"]
    for c in reversed(coefficients[:-1]):
        ref.append("    dp = dp * x + p")
        ref.append(f"    p = p * x + {c!r}")
    ref.append("    return p, dp")
    return src + "\n\n" + "\n".join(ref) + "\n"


def cases() -> list[Case]:
    neuron_args = (0.5, -1.0, 2.0, 0.3, -0.7, 1.1, 0.9, -0.4, 0.8, 0.1, -0.6, 0.2, 0.5, -0.3, 0.25)
    chain_args = (0.3, *tuple(0.5 + 0.01 * i for i in range(50)))
    return [
        Case("B1", "tanh(x*y+3)**2/y", HEADER + B1, (1.0, 2.0)),
        Case("B2", "micrograd sanity check (relu)", HEADER + B2, (-4.0,), micrograd=True),
        Case("B3", "tanh neuron, 7 inputs (15 params)", HEADER + B3, neuron_args),
        Case("B4", "3-4-4-1 tanh MLP loss, 4 samples (41 params)", HEADER + _mlp_source(), mlp_args()),
        Case("B5", "50-step chain x=tanh(x*w_i+0.5) (51 params)", HEADER + chain_source(50), chain_args),
        Case(
            "B6", "500-term polynomial (Horner)", HEADER + polynomial_source(500), (0.7,), micrograd=True, forward=True
        ),
    ]
