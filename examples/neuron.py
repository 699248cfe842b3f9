"""micrograd's tanh neuron, compiled: the generated reverse sweep beside the tape engine's gradients.

The numbers are the ones of Andrej Karpathy's micrograd lecture: inputs x1 = 2, x2 = 0, weights w1 = -3, w2 = 1
and a bias b = 6.8813735870195432 chosen so that n = 0.8813..., tanh(n) = 0.7071 and tanh'(n) = 0.5.

Run from the repository root:  python examples/neuron.py [--graph OUT.svg|OUT.dot]
(docs/neuron_graph.svg and .dot were drawn by `python examples/neuron.py --graph docs/neuron_graph.svg --graph
docs/neuron_graph.dot`.) It runs in milliseconds, so it has no separate fast mode.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys

from symgrad import Value, value_and_grad
from symgrad.drawing import graph, render

POINT = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def neuron(x1, x2, w1, w2, b):
    """A tanh neuron: micrograd's lecture example, one line of math."""
    n = x1 * w1 + x2 * w2 + b
    return n.tanh()


def tape_gradients(point: dict[str, float]) -> tuple[float, dict[str, float]]:
    """The same neuron run on the tape engine (symgrad.Value, micrograd style): value and every leaf's grad."""
    leaves = {name: Value(number) for name, number in point.items()}
    out = neuron(**leaves)
    out.backward()
    return out.data, {name: leaf.grad for name, leaf in leaves.items()}


def traced_locals(function, *args) -> dict[str, float]:
    """Every local of one call of `function` as it stands when the call returns (a trace hook reads them)."""
    captured: dict[str, float] = {}

    def tracer(frame, event, arg):
        if frame.f_code is not function.__code__:
            return None
        if event == "return":
            captured.update(frame.f_locals)
        return tracer

    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return captured


def side_by_side(source: str, function, point: dict[str, float], tape_grads: dict[str, float]) -> list[str]:
    """The generated function's lines, each assignment with the value it computed at `point`; the lines that
    give a parameter's gradient (an assignment the function returns, or a row of its return) also show the
    tape engine's grad of that parameter."""
    values = traced_locals(function, *point.values())
    _, gradients = function(*point.values())
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function.__name__)
    returned = node.body[-1].value.elts[1].elts  # return value, (grad, grad, ...)
    gradient_of, row_of = {}, {}  # a returned name -> its parameter; a return row's line -> (parameter, value)
    for element, param, gradient in zip(returned, point, gradients, strict=True):
        if isinstance(element, ast.Name):
            gradient_of[element.id] = param
        else:
            row_of[element.lineno] = (param, gradient)
    lines = source.splitlines()[node.lineno - 1 : node.end_lineno]
    targets = [
        line.split(" = ")[0].strip() if " = " in line and not line.lstrip().startswith("#") else None for line in lines
    ]
    rows = [node.lineno + i in row_of for i in range(len(lines))]
    width = max(len(line) for line, target, row in zip(lines, targets, rows, strict=True) if target or row) + 2
    out = [f"{'generated code':{width}}{'# value at the point':24}tape engine (symgrad.Value)"]
    for number, (line, target) in enumerate(zip(lines, targets, strict=True), start=node.lineno):
        if target in values:
            row = f"{line:{width}}# {values[target]!r:<22}"
            if target in gradient_of:
                param = gradient_of[target]
                row += f"{param}.grad = {tape_grads[param]!r}"
            out.append(row.rstrip())
        elif number in row_of:
            param, gradient = row_of[number]
            out.append(f"{line:{width}}# {gradient!r:<22}{param}.grad = {tape_grads[param]!r}")
        else:
            out.append(line)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--graph", action="append", default=[], help="also draw the graph to this .svg/.png/.dot file (repeatable)"
    )
    args = parser.parse_args(argv)

    compiled = value_and_grad(neuron)
    value, grads = compiled(**POINT)
    tape_value, tape_grads = tape_gradients(POINT)
    names = list(POINT)
    print(f"neuron at {', '.join(f'{k}={v!r}' for k, v in POINT.items())}")
    print("\n".join(side_by_side(compiled.source, compiled.compiled.value_and_grad, POINT, tape_grads)))
    print()
    print(f"{'':8}{'compiled (generated code)':>28}{'tape (symgrad.Value)':>28}{'abs diff':>12}")
    rows = [("value", value, tape_value)] + [(f"d/d{n}", g, tape_grads[n]) for n, g in zip(names, grads, strict=True)]
    worst = 0.0
    for label, got, expected in rows:
        diff = abs(got - expected)
        worst = max(worst, diff)
        print(f"{label:8}{got!r:>28}{expected!r:>28}{diff:12.1e}")
    agree = all(math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-15) for _, got, expected in rows)
    print(f"max abs difference: {worst:.1e}")
    # micrograd's lecture by hand: tanh'(n) = 1 - tanh(n)^2 = 0.5, so db = 0.5, dw1 = 0.5 * x1 = 1, dx1 = 0.5 * w1
    print(f"by hand: d/db = 1 - tanh(n)^2 = {1 - math.tanh(2.0 * -3.0 + 6.8813735870195432) ** 2!r}")
    print("OK: the generated code and the tape engine agree" if agree else "MISMATCH between compiled and tape")
    for path in args.graph:
        print(render(graph(neuron, *POINT.values()), path))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
