"""symgrad.graph (symgrad/drawing.py): the DOT text against the IR it draws, the numbers on it against the
compiled code and independent references, determinism, and rendering with and without Graphviz's `dot`."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys

import control_corpus as cc
import pytest
from test_control_flow import mlp_data

from symgrad import SymgradError, Value, grad, relu, tanh, value_and_grad
from symgrad.api import shape_key
from symgrad.drawing import graph, render
from symgrad.ir import Const, format_function, walk
from symgrad.pipeline import stages

ROOT = pathlib.Path(__file__).resolve().parent.parent
NEURON_POINT = (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)

NODE = re.compile(r'^\s*"(?P<id>(?:[^"\\]|\\.)*)" \[(?P<attrs>.*)\];$')
EDGE = re.compile(r'^\s*"(?P<src>(?:[^"\\]|\\.)*)" -> "(?P<dst>(?:[^"\\]|\\.)*)"(?: \[(?P<attrs>.*)\])?;$')
ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\]\s]+)')


def neuron(x1, x2, w1, w2, b):
    n = x1 * w1 + x2 * w2 + b
    return n.tanh()


def fan(x, y):
    a = x * x
    b = a * y + a
    return a * b + x / y


def mixed(x, w, unused):
    h = relu(w * x - 0.5)
    return tanh(h) * 2 + x**3 / (1 + w * w)


def identity_plus(x, y):
    return x + y


FUNCTIONS = [
    (neuron, NEURON_POINT),
    (fan, (2.0, 3.0)),
    (mixed, (1.5, 0.8, 7.0)),
    (mixed, (-1.0, 0.3, 2.0)),  # relu off: its mask passes nothing
    (identity_plus, (1.0, 2.0)),  # every gradient is a constant: no reverse sweep at all
]


def unquote(text: str) -> str:
    if text.startswith('"'):
        text = text[1:-1]
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


class Dot:
    """The parts of symgrad's DOT text the tests need, read with plain string matching."""

    def __init__(self, text: str):
        self.text = text
        self.nodes: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self.edges: list[tuple[str, str]] = []
        self.cluster: dict[str, str | None] = {}
        current = None
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("subgraph "):
                current = stripped.split()[1]
            elif stripped == "}" and line.startswith("  }"):
                current = None
            elif match := EDGE.match(line):
                self.edges.append((unquote(match["src"]), unquote(match["dst"])))
            elif match := NODE.match(line):
                node_id = unquote(match["id"])
                assert node_id not in self.nodes, f"node {node_id} declared twice"
                self.nodes[node_id] = {key: unquote(value) for key, value in ATTR.findall(match["attrs"])}
                self.order.append(node_id)
                self.cluster[node_id] = current

    def head(self, node_id: str) -> str:
        """The first field of a record label: `t0 = mul(x1, w1)`."""
        label = self.nodes[node_id]["label"]
        return label.strip("{} ").split(" | ")[0]

    def tip(self, node_id: str, key: str) -> float | None:
        match = re.search(rf"^{key} = (\S+)", self.nodes[node_id]["tooltip"], re.MULTILINE)
        return float(match[1]) if match else None

    def inputs(self, node_id: str) -> list[str]:
        return [src for src, dst in self.edges if dst == node_id]


def listing_lines(fn) -> list[str]:
    """The equation lines of the IR listing (`print(f.ir)`), without indentation or comments."""
    lines = format_function(fn).splitlines()[1:-1]
    return [line.strip() for line in lines if not line.strip().startswith("#")]


@pytest.mark.parametrize(("fun", "point"), FUNCTIONS, ids=lambda p: getattr(p, "__name__", None) or str(p))
def test_one_node_per_equation_and_input_and_edges_follow_the_arguments(fun, point):
    fn = stages(fun)["optimized"]
    dot = Dot(graph(fun, *point))
    eqns = list(walk(fn.body))
    const_uses = [a for e in eqns for a in e.args if isinstance(a, Const)]
    assert len(dot.nodes) == len(eqns) + len(fn.params) + len(const_uses)
    assert len(dot.edges) == sum(len(e.args) for e in eqns)

    equation_nodes = [n for n in dot.order if dot.cluster[n] is not None and not n.startswith("c:")]
    # Labels read exactly like the IR listing, in the same order.
    assert [dot.head(n) for n in equation_nodes] == listing_lines(fn)
    # Each equation's incoming edges are its arguments, in order: variables by name, constants by value.
    for node_id, eqn in zip(equation_nodes, eqns, strict=True):
        sources = dot.inputs(node_id)
        args = dot.head(node_id).split("(", 1)[1].rstrip(")").split(", ")
        assert len(sources) == len(eqn.args) == len(args)
        for source, arg in zip(sources, args, strict=True):
            if source.startswith("c:"):
                assert dot.nodes[source]["label"] == arg
                assert dot.cluster[source] == dot.cluster[node_id]
            else:
                assert source == "v:" + arg
    # Parameters come first, outside both sweeps.
    params = [p.name for p in fn.params]
    assert dot.order[: len(params)] == ["v:" + p for p in params]
    assert all(dot.cluster["v:" + p] is None for p in params)


@pytest.mark.parametrize(("fun", "point"), FUNCTIONS, ids=lambda p: getattr(p, "__name__", None) or str(p))
def test_forward_and_reverse_sweeps_are_told_apart(fun, point):
    fn = stages(fun)["optimized"]
    dot = Dot(graph(fun, *point))
    equation_nodes = [n for n in dot.order if dot.cluster[n] is not None and not n.startswith("c:")]
    eqns = list(walk(fn.body))
    expected = ["cluster_reverse" if e.loc.reverse else "cluster_forward" for e in eqns]
    assert [dot.cluster[n] for n in equation_nodes] == expected
    fills = {dot.nodes[n]["fillcolor"]: dot.cluster[n] for n in equation_nodes}
    assert len(set(fills.values())) == len(fills)  # one colour per sweep
    forward = [n for n, c in zip(equation_nodes, expected, strict=True) if c == "cluster_forward"]
    reverse = [n for n, c in zip(equation_nodes, expected, strict=True) if c == "cluster_reverse"]
    assert all("grad " in dot.nodes[n]["label"] for n in forward)
    assert not any("| grad " in dot.nodes[n]["label"] for n in reverse)  # adjoints carry no grad of their own
    for src, dst in dot.edges:
        if dst in reverse:
            assert re.search(rf'"{re.escape(src)}" -> "{re.escape(dst)}" \[color=', dot.text)


@pytest.mark.parametrize(("fun", "point"), FUNCTIONS, ids=lambda p: getattr(p, "__name__", None) or str(p))
def test_data_and_grads_are_the_compiled_values(fun, point):
    value, grads = value_and_grad(fun, wrt=list(range(len(point))))(*point)
    dot = Dot(graph(fun, *point))
    fn = stages(fun)["optimized"]
    value_nodes = [n for n in dot.nodes if "the function's value" in dot.nodes[n]["tooltip"]]
    assert len(value_nodes) == 1
    assert math.isclose(dot.tip(value_nodes[0], "data"), value, rel_tol=1e-12, abs_tol=1e-12)
    for param, x, g in zip(fn.params, point, grads, strict=True):
        node = "v:" + param.name
        assert dot.tip(node, "data") == x
        assert math.isclose(dot.tip(node, "grad"), g, rel_tol=1e-12, abs_tol=1e-12)
        # The reverse-sweep node the function returns as this gradient holds the same number.
        returned = [n for n in dot.nodes if f"gradient of {param.name}" in dot.nodes[n]["label"].split(" | ")[-1]]
        for n in returned:
            assert math.isclose(dot.tip(n, "data"), g, rel_tol=1e-12, abs_tol=1e-12)


def test_neuron_numbers_are_micrograds():
    """The lecture's numbers on every node, checked against the real micrograd package, not against symgrad.
    micrograd 0.1.0 has no tanh, so its graph stops at n and tanh'(n) = 1 - tanh(n)**2 is applied by hand."""
    from micrograd.engine import Value as MValue

    x1, x2, w1, w2, b = (MValue(v) for v in NEURON_POINT)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    n.backward()
    o = math.tanh(n.data)
    dtanh = 1 - o * o
    expected = {"t0": x1w1, "t1": x2w2, "t2": s, "n": n, "x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
    dot = Dot(graph(neuron, *NEURON_POINT))
    for name, node in expected.items():
        assert math.isclose(dot.tip("v:" + name, "data"), node.data, rel_tol=1e-12, abs_tol=1e-12), name
        assert math.isclose(dot.tip("v:" + name, "grad"), node.grad * dtanh, rel_tol=1e-12, abs_tol=1e-12), name
    assert dot.tip("v:out", "data") == o and dot.tip("v:out", "grad") == 1.0
    # The label is micrograd's record with 4 decimals.
    assert dot.nodes["v:n"]["label"] == "{ n = add(t2, b) | data 0.8814 | grad 0.5000 }"
    assert dot.nodes["v:w1"]["label"] == "{ w1 | data -3.0000 | grad 1.0000 }"


def test_forward_grads_from_the_generated_adjoints_match_the_hand_derivation():
    # fan at (2, 3): a = 4, t0 = a*y = 12, b = t0 + a = 16, out = a*b + x/y.
    # d out/d a (as a node) = b + (1 + y) * a = 32, d/db = a = 4, d/dt0 = a = 4, d/dt1 = d/dt2 = d/dout = 1.
    dot = Dot(graph(fan, 2.0, 3.0))
    hand = {"a": 32.0, "b": 4.0, "t0": 4.0, "t1": 1.0, "t2": 1.0, "out": 1.0}
    for name, expected in hand.items():
        assert dot.tip("v:" + name, "grad") == expected, name
    # a's grad is the generated code's own adjoint (the last partial sum a_bar_1), the tooltip says so.
    assert "generated code's adjoint a_bar_1" in dot.nodes["v:a"]["tooltip"]
    assert "tape engine" in dot.nodes["v:b"]["tooltip"]


def test_without_a_point_there_are_no_numbers():
    dot = Dot(graph(neuron))
    assert not any("data" in attrs["label"] for attrs in dot.nodes.values())
    assert dot.nodes["v:out"]["label"] == "{ out = tanh(n) }"
    assert len(dot.nodes) == len(Dot(graph(neuron, *NEURON_POINT)).nodes)


def test_a_decorated_function_keeps_its_wrt():
    g = grad(neuron, wrt=["w1", "b"])
    dot = Dot(graph(g, *NEURON_POINT))
    assert "wrt w1, b" in dot.text.splitlines()[0]
    assert "grad" in dot.nodes["v:w1"]["label"] and "grad" not in dot.nodes["v:x1"]["label"]
    assert dot.tip("v:w1", "grad") == pytest.approx(g(*NEURON_POINT)[0], rel=1e-12)
    assert graph(neuron, *NEURON_POINT, wrt=["w1", "b"]) == dot.text


def test_bad_points_are_reported():
    with pytest.raises(SymgradError, match="signature"):
        graph(neuron, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    with pytest.raises(SymgradError, match="missing a required argument: 'x2'"):
        graph(neuron, 1.0)


def branchy(x):
    return x if x > 0 else -x


def test_blocks_are_refused_with_a_reason():
    with pytest.raises(SymgradError, match=r"if has nested blocks$"):
        graph(branchy, 1.0)
    with pytest.raises(SymgradError, match=r"if has nested blocks$"):
        graph(branchy)


# --- lists: the program specialized on the lengths of the point ---------------------------------------------


def first_times_two(xs):
    return xs[0] * 2.0


MLP_POINT = mlp_data(3)

LIST_FUNCTIONS = [
    (first_times_two, ([1.5],), None),
    (cc.squared_error, (0.5, 0.1, [1.0, 2.0], [1.5, 2.5]), ["w", "xs"]),
    (cc.squared_error, (0.5, 0.1, [1.0, 2.0, -1.0], [1.5, 2.5, 0.0]), None),
    (cc.list_product, ([0.5, -1.0, 2.0], 0.3), None),
    (cc.tuple_param, ((1.0, 2.0, 3.0), 0.5), None),
    (cc.pairwise_energy, ([0.1, 0.7, -0.4, 1.2],), None),
    (cc.loss, MLP_POINT, ["params"]),  # micrograd's MLP, 41 parameters, over 3 samples
]


LIST_IDS = [f"{fun.__name__}-{i}" for i, (fun, _point, _wrt) in enumerate(LIST_FUNCTIONS)]


def tape_reference(fun, point, wrt):
    """Value and gradients (per parameter: a number or a list) by the tape engine running `fun` itself."""
    names = list(inspect.signature(fun).parameters)
    indices = range(len(point)) if wrt is None else [names.index(name) for name in wrt]
    args = list(point)
    leaves = {}
    for i in indices:
        a = args[i]
        leaves[i] = type(a)(Value(e) for e in a) if isinstance(a, list | tuple) else Value(a)
        args[i] = leaves[i]
    out = fun(*args)
    out.backward()
    grads = {}
    for i, leaf in leaves.items():
        grads[names[i]] = [v.grad for v in leaf] if isinstance(leaf, list | tuple) else leaf.grad
    return out.data, grads


def specialized_ir(fun, point, wrt):
    names = list(inspect.signature(fun).parameters)
    shapes = {names[i]: s for i, s in enumerate(shape_key(point)) if s is not None}
    indices = tuple(range(len(point))) if wrt is None else tuple(names.index(name) for name in wrt)
    return stages(fun, indices, shapes)["optimized"]


@pytest.mark.parametrize(("fun", "point", "wrt"), LIST_FUNCTIONS, ids=LIST_IDS)
def test_list_functions_draw_their_specialized_program(fun, point, wrt):
    fn = specialized_ir(fun, point, wrt)
    dot = Dot(graph(fun, *point, wrt=wrt))
    eqns = list(walk(fn.body))
    unpacks = [e for e in eqns if e.op in ("unpack", "unpack_tuple")]
    others = [e for e in eqns if e not in unpacks]
    assert unpacks and not any(e.blocks for e in eqns)
    const_uses = [a for e in others for a in e.args if isinstance(a, Const)]
    elements = [out for e in unpacks for out in e.outs]
    assert len(dot.nodes) == len(others) + len(fn.params) + len(elements) + len(const_uses)
    assert len(dot.edges) == sum(len(e.args) for e in others) + len(elements)
    # Cluster nodes read like the listing's lines, minus the `xs_0, xs_1 = unpack(xs)` ones drawn per element.
    equation_nodes = [n for n in dot.order if dot.cluster[n] is not None and not n.startswith("c:")]
    expected = [line for line in listing_lines(fn) if " = unpack" not in line]
    assert [dot.head(n) for n in equation_nodes] == expected
    # Each element is a node outside the sweeps, fed by its list: `xs_0 = xs[0]`.
    element_nodes = [n for n in dot.order if dot.cluster[n] is None and " = " in dot.head(n)]
    assert len(element_nodes) == len(elements)
    for node in element_nodes:
        name, source = dot.head(node).split(" = ")
        assert node == "v:" + name and dot.inputs(node) == ["v:" + source.split("[")[0]]
    # A list's gradient (`pack`) is drawn in the reverse sweep, though its loc is the def line.
    for node in equation_nodes:
        if " = pack" in dot.head(node):
            assert dot.cluster[node] == "cluster_reverse"
    assert "specialized on " in dot.text.splitlines()[0]


@pytest.mark.parametrize(("fun", "point", "wrt"), LIST_FUNCTIONS, ids=LIST_IDS)
def test_list_numbers_are_the_tape_engines(fun, point, wrt):
    value, grads = tape_reference(fun, point, wrt)
    dot = Dot(graph(fun, *point, wrt=wrt))
    (value_node,) = [n for n in dot.nodes if "the function's value" in dot.nodes[n]["tooltip"]]
    assert math.isclose(dot.tip(value_node, "data"), value, rel_tol=1e-12, abs_tol=1e-12)
    names = list(inspect.signature(fun).parameters)
    for name, x in zip(names, point, strict=True):
        if not isinstance(x, list | tuple):
            assert dot.tip("v:" + name, "data") == x
            if name in grads:
                assert math.isclose(dot.tip("v:" + name, "grad"), grads[name], rel_tol=1e-12, abs_tol=1e-12)
            continue
        # A list parameter: its elements are nodes of their own, with their data and grads.
        for i, element in enumerate(x):
            node = f"v:{name}_{i}"
            if isinstance(element, list):
                continue  # a list of lists: its numbers are one level down
            assert dot.head(node) == f"{name}_{i} = {name}[{i}]"
            assert dot.tip(node, "data") == element
            if name in grads:
                assert math.isclose(dot.tip(node, "grad"), grads[name][i], rel_tol=1e-12, abs_tol=1e-12), node
        if name in grads:
            (returned,) = [n for n in dot.nodes if f"gradient of {name}" in dot.nodes[n]["label"]]
            shown = ast.literal_eval(re.search(r"^data = (.*)$", dot.nodes[returned]["tooltip"], re.M)[1])
            for a, b in zip(shown, grads[name], strict=True):
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    # Every forward node's grad is the tape engine's d(value)/d(node), wherever it came from: replaying the
    # forward nodes on Values from their data is an independent check of the adjoints shown.
    check_forward_grads_by_tape(dot, value)


def check_forward_grads_by_tape(dot: Dot, value: float) -> None:
    """Rebuild the forward cluster as a tape (each node from its inputs, with the op named in its label) and
    compare every node's backward grad with the grad on the picture."""
    from symgrad.ops import PUBLIC_FUNCTIONS

    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
    binary |= {"div": lambda a, b: a / b, "pow": lambda a, b: a**b}
    tape: dict[str, Value] = {}
    for node in dot.order:
        if node.startswith("c:"):
            continue
        head = dot.head(node)
        if dot.cluster[node] is None:
            raw = re.search(r"^data = (.*)$", dot.nodes[node]["tooltip"], re.MULTILINE)
            number = ast.literal_eval(raw[1]) if raw else None
            tape[node] = Value(number) if isinstance(number, float) else None  # a list's numbers are its elements
        elif dot.cluster[node] == "cluster_forward":
            op = head.split(" = ", 1)[1].split("(", 1)[0]
            args = [tape[s] if s.startswith("v:") else float(dot.nodes[s]["label"]) for s in dot.inputs(node)]
            if op in binary:
                tape[node] = binary[op](*args)
            elif op == "neg":
                tape[node] = -args[0]
            else:
                tape[node] = PUBLIC_FUNCTIONS[op](*args)
            assert math.isclose(tape[node].data, dot.tip(node, "data"), rel_tol=1e-12, abs_tol=1e-12), node
    (out,) = [n for n in dot.nodes if "the function's value" in dot.nodes[n]["tooltip"]]
    tape[out].backward()
    assert math.isclose(tape[out].data, value, rel_tol=1e-12, abs_tol=1e-12)
    checked = 0
    for node, leaf in tape.items():
        if leaf is None or "grad = " not in dot.nodes[node]["tooltip"]:
            continue
        shown = dot.tip(node, "grad")
        assert math.isclose(shown, leaf.grad, rel_tol=1e-9, abs_tol=1e-12), (node, shown, leaf.grad)
        checked += 1
    assert checked > 0


def test_the_mlp_draws_with_every_parameter_and_sample():
    params, xs, ys = MLP_POINT
    dot = Dot(graph(cc.loss, params, xs, ys, wrt=["params"]))
    assert all(f"v:params_{i}" in dot.nodes for i in range(41))
    assert all(f"v:xs_{s}_{i}" in dot.nodes for s in range(3) for i in range(3))
    assert "loss(params=<list of 41>, xs=<list of 3>, ys=[" in dot.text.splitlines()[2]
    assert "specialized on params: list of 41, xs: list of 3 lists of lengths 3, 3, 3, ys: list of 3" in dot.text
    assert "data [" in dot.nodes["v:params"]["label"] and "... 41 in all]" in dot.nodes["v:params"]["label"]
    # The compiled specialized function returns the same value and gradient the picture shows.
    value, gradient = value_and_grad(cc.loss, wrt="params", specialize=True)(params, xs, ys)
    (out,) = [n for n in dot.nodes if "the function's value" in dot.nodes[n]["tooltip"]]
    assert dot.tip(out, "data") == value
    assert [dot.tip(f"v:params_{i}", "grad") for i in range(41)] == gradient


@pytest.mark.parametrize(
    ("fun", "point", "what"),
    [
        (cc.running_max, ([1.0, 3.0, 2.0],), r"if has nested blocks: at these lengths \(xs: list of 3\) the branch "
         r"at line \d+: if x > m: stays a branch"),
        (cc.while_index, ([1.0, 2.0, 3.0],), r"while has nested blocks: at these lengths \(xs: list of 3\) the while "
         r"loop at line \d+: while i < len\(xs\): stays a loop"),
        (cc.first_above, ([1.0, 2.0], 1.0), r"for has nested blocks: at these lengths \(xs: list of 2\) the for loop "
         r"at line \d+: for x in xs: stays a loop"),
    ],
    ids=["branch", "while", "break"],
)  # fmt: skip
def test_what_stays_a_loop_at_these_lengths_is_refused_with_the_reason_and_a_hint(fun, point, what):
    with pytest.raises(SymgradError, match=r"^graph\(\) draws straight-line code only; " + what) as info:
        graph(fun, *point)
    assert str(info.value).splitlines()[1].startswith("hint: graph() draws programs that are straight-line once")
    assert "--specialize --ir" in str(info.value)


def test_without_lists_nothing_changes():
    """Non-list points and no point at all draw the general program, as before lists were drawn."""
    with pytest.raises(SymgradError, match=r"^graph\(\) draws straight-line code only; for has nested blocks$"):
        graph(cc.power_sum, 1.5, 3)
    with pytest.raises(SymgradError, match=r"^graph\(\) draws code over numbers only; len works on lists or ints$"):
        graph(first_times_two)
    with pytest.raises(SymgradError, match=r"nested blocks$"):
        graph(cc.squared_error)


def test_list_drawing_matches_golden():
    """The DOT text of one list example, byte for byte (tests/golden/squared_error.graph.dot); regenerate with
    SYMGRAD_UPDATE_GOLDEN=1 after a change to the compiler's output and review the diff."""
    text = graph(cc.squared_error, 0.5, 0.1, [1.0, 2.0], [1.5, 2.5], wrt=["w", "xs"])
    path = ROOT / "tests" / "golden" / "squared_error.graph.dot"
    if os.environ.get("SYMGRAD_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, "tests/golden/squared_error.graph.dot changed; review it"


def test_list_drawing_is_deterministic_across_hash_seeds():
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import control_corpus as cc; from symgrad.drawing import graph; "
        "sys.stdout.write(graph(cc.pairwise_energy, [0.1, 0.7, -0.4, 1.2]))"
    )
    outs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "tests")], capture_output=True, text=True, env=env, check=True
        )
        outs.add(out.stdout)
    assert outs == {graph(cc.pairwise_energy, [0.1, 0.7, -0.4, 1.2])}


def test_the_text_is_deterministic_across_processes_and_hash_seeds():
    first = graph(fan, 2.0, 3.0)
    assert graph(fan, 2.0, 3.0) == first
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_graph; from symgrad.drawing import graph; "
        "sys.stdout.write(graph(test_graph.fan, 2.0, 3.0))"
    )
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "tests")], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout == first


def test_render_writes_dot_text_as_is(tmp_path):
    text = graph(neuron, *NEURON_POINT)
    message = render(text, tmp_path / "n.dot")
    assert message == f"wrote {tmp_path / 'n.dot'}"
    assert (tmp_path / "n.dot").read_bytes() == text.encode("utf-8")
    with pytest.raises(SymgradError, match="unknown extension"):
        render(text, tmp_path / "n.txt")


def test_render_without_dot_writes_the_dot_file_and_says_how_to_get_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    text = graph(neuron, *NEURON_POINT)
    message = render(text, tmp_path / "n.svg")
    assert not (tmp_path / "n.svg").exists()
    assert (tmp_path / "n.dot").read_text(encoding="utf-8") == text
    assert "\n" not in message and "apt-get install graphviz" in message
    assert f"dot -Tsvg {tmp_path / 'n.dot'} -o {tmp_path / 'n.svg'}" in message


def test_render_svg_with_the_real_dot_program_or_the_fallback(tmp_path):
    """Never skipped: with Graphviz installed this draws a real SVG, without it it must take the fallback."""
    text = graph(neuron, *NEURON_POINT)
    message = render(text, tmp_path / "n.svg")
    if shutil.which("dot") is None:
        assert "apt-get install graphviz" in message and (tmp_path / "n.dot").exists()
        assert not (tmp_path / "n.svg").exists()
        return
    svg = (tmp_path / "n.svg").read_text(encoding="utf-8")
    assert message == f"wrote {tmp_path / 'n.svg'}"
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    # Graphviz titles every node with its id: all of them were drawn, plus the two sweeps' clusters.
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    nodes = Dot(text).nodes
    assert {t for t in titles if t.startswith(("v:", "c:")) and "&gt;" not in t} == set(nodes)
    assert sum("&gt;" in t for t in titles) == len(Dot(text).edges)
    assert "cluster_forward" in titles and "cluster_reverse" in titles
    assert "data 0.8814" in svg and "grad 0.5000" in svg
    render(text, tmp_path / "n.png")
    assert (tmp_path / "n.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_docs_picture_is_the_neuron_graph_of_today():
    """docs/neuron_graph.dot is what graph() draws for examples/neuron.py now; the SVG beside it was drawn from it."""
    spec = importlib.util.spec_from_file_location("neuron_example", ROOT / "examples" / "neuron.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = graph(module.neuron, *module.POINT.values())
    committed = (ROOT / "docs" / "neuron_graph.dot").read_text(encoding="utf-8")
    assert committed == text, (
        "docs/neuron_graph.dot is stale: run python examples/neuron.py --graph docs/neuron_graph.svg "
        "--graph docs/neuron_graph.dot"
    )
    svg = (ROOT / "docs" / "neuron_graph.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "Generated by graphviz" in svg
    for label in ("n = add(t2, b)", "data 0.7071", "grad 0.5000", "reverse sweep", "gradient of w1"):
        assert label in svg
