"""B7: micrograd's 3-4-4-1 tanh MLP over 4 samples, written with loops and lists -- the benchmark material.

What is here:

* `LOOP_SOURCE`: module text defining the plain user function `loss(params, xs, ys)` (loops, lists, `len`,
  `range`, `.append`, indexing; `tanh` from symgrad), the function symgrad is to compile. symgrad reads source
  from files, so load it with `load(LOOP_SOURCE, name, directory)`. `FLOAT_LOOP_SOURCE` is the same text with
  `from math import tanh` (the "plain" column, as benchmarks/cases.py's float build).
* `hand_loop(params, xs, ys)`: a hand-written fused value-and-gradient with loops (forward storing every
  layer's activations, then textbook backprop of deltas layer by layer), generic in `sizes` and the number of
  samples. `hand_straight_source(xs, ys)`: module text of `hand_straight(params, xs, ys)`, the same computation
  unrolled into straight-line code by a small textbook template (as B4's reference in cases.py).
* `XS`, `YS` (micrograd's lecture data), `initial_params(seed)`, `tape_value_and_grad(...)` (symgrad's tape
  engine) and `measure_b7(...)`, which times every column in one process; `python benchmarks/mlp.py` runs it.

Assumes: `params` is a flat sequence of floats laid out as micrograd's MLP (for each layer, for each neuron,
its `n_in` weights then its bias: 41 for SIZES = (3, 4, 4, 1)); `xs` is a list of samples of SIZES[0] floats
and `ys` a list of as many floats; the loss is sum over samples of (first output - y) ** 2.
Guarantees: both references return `(value, grads)` with `grads` a list of floats, one per parameter; their
forward pass sums in the loop's order (bias first, then weight * input in input order), so the value equals
the plain loss bit for bit; they use only `math.tanh` and never import symgrad. Importing this module does not
import symgrad (only the tape column and `__main__` do), so it is usable while the compiler is being edited.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import pathlib
import random
import statistics
import sys
import tempfile
import time
from math import tanh

SIZES = (3, 4, 4, 1)
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
DATA = (XS, YS)

LOOP_HEADER = "from symgrad import tanh\n\n\nSIZES = (3, 4, 4, 1)\n\n\n"
FLOAT_LOOP_HEADER = "from math import tanh\n\n\nSIZES = (3, 4, 4, 1)\n\n\n"
LOOP_SOURCE = (
    LOOP_HEADER
    + """def loss(params, xs, ys):
    total = 0.0
    for s in range(len(xs)):
        act = xs[s]
        k = 0
        for layer in range(len(SIZES) - 1):
            n_in = SIZES[layer]
            new = []
            for j in range(SIZES[layer + 1]):
                z = params[k + n_in]
                for i in range(n_in):
                    z = z + params[k + i] * act[i]
                k = k + n_in + 1
                new.append(tanh(z))
            act = new
        total = total + (act[0] - ys[s]) ** 2
    return total
"""
)
FLOAT_LOOP_SOURCE = LOOP_SOURCE.replace(LOOP_HEADER, FLOAT_LOOP_HEADER, 1)


def n_params(sizes=SIZES) -> int:
    """41 for (3, 4, 4, 1): each neuron has n_in weights and a bias."""
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))


def initial_params(seed: int = 0, sizes=SIZES) -> list[float]:
    """n_params(sizes) floats uniform in [-1, 1] from random.Random(seed)."""
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(n_params(sizes))]


def load(source: str, name: str, directory) -> object:
    """Write `source` to directory/name.py and import it (symgrad reads a function's source from its file)."""
    path = pathlib.Path(directory) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the hand-written references ---------------------------------------------------------------------------


def hand_loop(params, xs, ys, sizes=SIZES):
    """Value and gradient of the loop loss, by hand, with loops: returns (value, list of len(params) floats)."""
    n_layers = len(sizes) - 1
    grads = [0.0] * len(params)
    total = 0.0
    for s in range(len(xs)):
        # forward, keeping every layer's activations
        acts = [xs[s]]
        k = 0
        for layer in range(n_layers):
            n_in = sizes[layer]
            prev = acts[layer]
            new = []
            for _ in range(sizes[layer + 1]):
                z = params[k + n_in]
                for i in range(n_in):
                    z = z + params[k + i] * prev[i]
                k = k + n_in + 1
                new.append(tanh(z))
            acts.append(new)
        e = acts[n_layers][0] - ys[s]
        total = total + e * e
        # backward: out_bar[j] is d(e*e)/d(activation j) of the layer being processed
        out_bar = [0.0] * sizes[n_layers]
        out_bar[0] = 2.0 * e
        for layer in range(n_layers - 1, -1, -1):
            n_in = sizes[layer]
            prev = acts[layer]
            cur = acts[layer + 1]
            k = k - (n_in + 1) * sizes[layer + 1]  # the first parameter of this layer
            in_bar = [0.0] * n_in
            for j in range(sizes[layer + 1]):
                a = cur[j]
                d = out_bar[j] * (1.0 - a * a)
                base = k + j * (n_in + 1)
                grads[base + n_in] += d
                for i in range(n_in):
                    grads[base + i] += d * prev[i]
                    if layer:
                        in_bar[i] += d * params[base + i]
            out_bar = in_bar
    return total, grads


def hand_straight_source(xs, ys, sizes=SIZES) -> str:
    """Module text defining `hand_straight(params, xs, ys)`: hand_loop unrolled for len(xs) samples and `sizes`
    (params read into p0, p1, ... once, data read by constant indices), by a textbook-backprop template."""
    layout, count = [], 0  # per layer, per neuron: (weight names, bias name), in micrograd's order
    for n_in, n_out in itertools.pairwise(sizes):
        layer = []
        for _ in range(n_out):
            layer.append(([f"p{count + i}" for i in range(n_in)], f"p{count + n_in}"))
            count += n_in + 1
        layout.append(layer)
    names = [f"p{i}" for i in range(count)]
    lines = ["from math import tanh", "", "", "def hand_straight(params, xs, ys):"]
    lines.append(f"    {', '.join(names)}{',' if len(names) == 1 else ''} = params")
    grads: dict[str, list[str]] = {name: [] for name in names}  # the terms of each parameter's gradient
    for s in range(len(xs)):
        inputs = [f"x{s}_{i}" for i in range(sizes[0])]
        lines += [f"    {x} = xs[{s}][{i}]" for i, x in enumerate(inputs)]
        acts = [inputs]
        for li, layer in enumerate(layout):
            cur = []
            for ni, (ws, b) in enumerate(layer):
                a = f"a{s}_{li + 1}_{ni}"
                terms = "".join(f" + {w} * {p}" for w, p in zip(ws, acts[-1], strict=True))
                lines.append(f"    {a} = tanh({b}{terms})")
                cur.append(a)
            acts.append(cur)
        out = acts[-1][0]
        lines.append(f"    e{s} = {out} - ys[{s}]")
        lines.append(f"    loss{s} = e{s} * e{s}" if s == 0 else f"    loss{s} = loss{s - 1} + e{s} * e{s}")
        deltas = {out: f"2.0 * e{s} * (1.0 - {out} * {out})"}
        for li in range(len(layout) - 1, -1, -1):
            input_bar: dict[str, list[str]] = {}
            for ni, (ws, b) in enumerate(layout[li]):
                a = acts[li + 1][ni]
                if a not in deltas:  # an output other than the first: it does not reach the loss
                    continue
                d = f"d_{a}"
                lines.append(f"    {d} = {deltas[a]}")
                grads[b].append(d)
                for w, inp in zip(ws, acts[li], strict=True):
                    grads[w].append(f"{d} * {inp}")
                    if li > 0:
                        input_bar.setdefault(inp, []).append(f"{d} * {w}")
            for inp, parts in input_bar.items():
                deltas[inp] = f"({' + '.join(parts)}) * (1.0 - {inp} * {inp})"
    for name in names:
        lines.append(f"    g_{name} = {' + '.join(grads[name]) or '0.0'}")
    lines.append(
        f"    return loss{len(xs) - 1}, [{', '.join('g_' + n for n in names)}]" if xs else "    return 0.0, []"
    )
    return "\n".join(lines) + "\n"


# --- the tape engine ---------------------------------------------------------------------------------------


def tape_value_and_grad(loss_fn, params, xs, ys):
    """`loss_fn` run on symgrad.Value parameters (the data stays floats), then backward: (value, grads)."""
    from symgrad import Value

    leaves = [Value(p) for p in params]
    out = loss_fn(leaves, xs, ys)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# --- timing ------------------------------------------------------------------------------------------------


def measure(columns: dict, args: tuple, rounds: int, target_seconds: float) -> dict[str, float]:
    """Median seconds per call of each column, timed in interleaved rounds (benchmarks/run.py uses it for every
    benchmark; it lives here because importing run.py edits sys.path and imports symgrad's internals)."""

    def loop(fn, n):
        start = time.perf_counter()
        for _ in range(n):
            fn(*args)
        return time.perf_counter() - start

    numbers = {}
    for name, fn in columns.items():
        n = 1
        while loop(fn, n) < target_seconds / 10 and n < 1 << 22:
            n *= 2
        numbers[name] = max(1, int(n * 10 * target_seconds / max(loop(fn, n) * 10, 1e-9) / 10))
    samples = {name: [] for name in columns}
    for _ in range(rounds):
        for name, fn in columns.items():
            samples[name].append(loop(fn, numbers[name]) / numbers[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def _flat(result) -> list[float]:
    value, grads = result
    return [float(value), *(float(g) for g in grads)]


def _agrees(got, want, rtol=1e-9, atol=1e-12) -> bool:
    if len(got) != len(want):
        return False
    return all(math.isclose(a, b, rel_tol=rtol, abs_tol=atol) for a, b in zip(got, want, strict=True))


def _time(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def measure_b7(log=print, compiled=None, rounds: int = 5, target_seconds: float = 0.2, specialized=None) -> dict:
    """Time B7's columns in this process on (initial_params(0), XS, YS): 'plain' (the loop loss on floats with
    math.tanh, value only), 'hand_loop', 'hand_straight', 'tape' and, if given, 'compiled' and 'specialized'
    (callables (params, xs, ys) -> (value, grads): symgrad's general and length-specialized code). Every
    gradient column is checked against hand_straight (rtol 1e-9) before timing: a disagreeing reference or tape
    raises AssertionError; a disagreeing symgrad column is logged and not timed. Returns {column: seconds per
    call}; logs a markdown table."""
    params = initial_params(0)
    args = (params, XS, YS)
    with tempfile.TemporaryDirectory() as tmp:  # the functions keep working once their files are gone
        plain = load(FLOAT_LOOP_SOURCE, "b7_loop_float", tmp).loss
        poly = load(LOOP_SOURCE, "b7_loop", tmp).loss
        hand_straight = load(hand_straight_source(XS, YS), "b7_hand_straight", tmp).hand_straight
    columns = {
        "plain": plain,
        "hand_loop": hand_loop,
        "hand_straight": hand_straight,
        "tape": lambda p, x, y: tape_value_and_grad(poly, p, x, y),
    }
    if compiled is not None:
        columns["compiled"] = compiled
    if specialized is not None:
        columns["specialized"] = specialized
    reference = _flat(hand_straight(*args))
    assert plain(*args) == reference[0], "the plain loss and hand_straight disagree on the value"
    for name in list(columns):
        if name == "plain":
            continue
        try:
            got = _flat(columns[name](*args))
            ok = _agrees(got, reference)
        except Exception as error:  # only `compiled` can get here in practice
            got, ok = None, False
            log(f"B7 {name}: raised {type(error).__name__}: {error}")
        if not ok:
            assert name in ("compiled", "specialized"), f"B7 {name} DISAGREES with hand_straight"
            log(f"B7 {name}: DISAGREES with hand_straight; not timed")
            del columns[name]
    seconds = measure(columns, args, rounds, target_seconds)
    straight, loop = seconds["hand_straight"], seconds["hand_loop"]
    lines = [
        f"B7: 3-4-4-1 tanh MLP, {len(XS)} samples, {len(params)} params, loop version "
        f"(Python {sys.version.split()[0]}, {rounds} interleaved rounds, medians per call)",
        "",
        "| column | per call | / hand_straight | / hand_loop |",
        "|---|---:|---:|---:|",
    ]
    for name, value in seconds.items():
        lines.append(f"| {name} | {_time(value)} | {value / straight:.2f}x | {value / loop:.2f}x |")
    lines.append("")
    lines.append(f"hand_loop / hand_straight = {loop / straight:.2f}; tape / hand_loop = {seconds['tape'] / loop:.1f}")
    for name in ("compiled", "specialized"):
        if name in seconds:
            lines.append(
                f"{name} / hand_straight = {seconds[name] / straight:.2f}; "
                f"{name} / hand_loop = {seconds[name] / loop:.2f}; "
                f"tape / {name} = {seconds['tape'] / seconds[name]:.1f}"
            )
    log("\n".join(lines))
    return seconds


def main() -> None:
    import symgrad

    with tempfile.TemporaryDirectory() as tmp:
        loss = load(LOOP_SOURCE, "b7_loop_for_symgrad", tmp).loss
        compiled = specialized = None
        try:
            compiled = symgrad.value_and_grad(loss, wrt="params")
            specialized = symgrad.value_and_grad(loss, wrt="params", specialize=True)
            for vg in (compiled, specialized):
                vg(initial_params(0), XS, YS)  # compilation happens on first use
        except symgrad.SymgradError as error:
            print(f"symgrad: B7 unsupported: {type(error).__name__}: {error}\n")
            compiled = specialized = None
        measure_b7(compiled=compiled, specialized=specialized)


if __name__ == "__main__":
    main()
