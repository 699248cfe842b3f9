"""Draw the compiled value-and-gradient program as a Graphviz graph: `graph(fun, *args)` and `render(text, path)`.

Assumes: `fun` is a function symgrad can compile (or a `grad`/`value_and_grad` object, whose `wrt` is kept), and
`args`, when given, is a full point (parameters with defaults may be left out). The graph is drawn from the
optimized value-and-gradient IR, the very program `f.source` prints. When an argument is a list or tuple, that IR
is the one specialized on the lengths of `args` (`api.shape_key`, turned into the by-name dict as
`api.compiled_for` does; what `grad(f, specialize=True).specialized(*args)` compiles): constant-trip loops are
unrolled and list elements have names of their own. The drawn IR must be straight-line code over numbers: an
equation with nested blocks (a branch on a value, a while loop, a loop with a break or over an int argument, one
past the unrolling budget) raises `SymgradError` rather than draw it wrongly -- with a specialization, the message
names what stayed a loop or branch, its line, and a hint; without one (no point, or no list in it) it is the
one-line message of before. Data ops other than a list parameter's `unpack` and its gradient's `pack` are
refused the same way (an empty list, a list parameter the body never reads: `len`, `zeros`, `like`).

Guarantees:
- The DOT text is written by this module (no graphviz Python package) and is byte-identical for the same input:
  nodes and edges come in IR order, names come from `ir.Namer` exactly as in the IR listing (`print(f.ir)`).
- One node per IR equation, labelled like its listing line (`t0 = mul(x1, w1)`); one node per parameter; one
  small node per use of a constant in an equation. One edge per equation argument, in argument order. Nothing
  else is a node: node count = equations + parameters + constant uses. Except `xs_0, xs_1 = unpack(xs)`: it is
  one node per element (`xs_0 = xs[0]`, next to the parameters, green), each with one edge from its list.
- Forward equations sit in the cluster `cluster_forward` (blue), reverse-sweep equations (`loc.reverse`, and the
  `pack` that makes a list parameter's gradient) in `cluster_reverse` (orange, dashed), parameters outside both
  (green). A list's data and grad show its first 3 numbers and its length; the tooltip has them all.
- With a point, every record reads micrograd's way, `{ name = op(args) | data 1.2345 | grad 0.5000 }`, with
  4 decimals in the label and the exact values (`repr`) in the node's tooltip. `data` is computed here by
  walking the equations with each op's float forward from the registry (the same float operations the
  generated code performs). `grad` is d(value)/d(node), shown on parameters and forward nodes only:
  for a parameter it is the IR's gradient output (what the compiled function returns), for an element of a
  differentiated list parameter that gradient's element; for the value node the
  seed 1.0; for another forward node the generated code's own adjoint of it (the last reverse-sweep variable
  whose `Var.primal` is that node) where the optimized IR keeps one, else -- optimization folds most
  intermediate adjoints into others -- the grad the independent tape engine (`symgrad.Value`) computes by
  replaying the forward equations. The tooltip says which source each grad came from. Reverse-sweep nodes
  hold adjoints themselves, so they show `data` only, plus `gradient of p` on the ones the function returns.
- `render` writes `.dot`/`.gv` text as is, and `.svg`/`.png`/`.pdf` through the Graphviz `dot` program when it
  is on PATH; without it, it writes the `.dot` file next to the requested path and says how to get `dot`.
"""

from __future__ import annotations

import inspect
import math
import os
import shutil
import subprocess

from .errors import SymgradError
from .ir import Const, Eqn, Function, Namer, Var, defined_vars, walk
from .lower import UNROLL_BUDGET
from .ops import PUBLIC_FUNCTIONS, REGISTRY
from .pipeline import stages

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
TEXT_SUFFIXES = (".dot", ".gv")

_PARAM_FILL = "#d9ead3"
_FORWARD_FILL = "#dae8fc"
_REVERSE_FILL = "#fde9d9"
_FORWARD_BORDER = "#6c8ebf"
_REVERSE_BORDER = "#c55a11"
_CONST_COLOR = "#666666"


def graph(fun, *args, wrt=None) -> str:
    """Graphviz DOT text of `fun`'s forward and reverse sweeps; with a point `args`, data and grads on the nodes.

    `wrt` picks the differentiated parameters as in `grad` (default: those of a decorated `fun`, else all). When
    an argument is a list or tuple, the program drawn is the one specialized on the lengths of `args`."""
    plain = getattr(fun, "fun", fun)
    if wrt is None and plain is not fun:
        wrt = list(getattr(fun, "wrt", ()))
    indices = _wrt_indices(plain, wrt)
    shapes = _shapes(plain, args) if args else {}
    fn = stages(plain, indices, shapes or None)["optimized"]
    for eqn in walk(fn.body):
        if eqn.blocks:
            raise SymgradError(_blocks_reason(eqn, fn, shapes))
    for eqn in walk(fn.body):
        if eqn.op not in REGISTRY and not (shapes and eqn.op in LIST_OPS):
            raise SymgradError(f"graph() draws code over numbers only; {eqn.op} works on lists or ints")
    point = _bind(plain, fn, args) if args else None
    return _Drawing(fn, point, shapes).text()


LIST_OPS = ("unpack", "unpack_tuple", "pack", "pack_tuple")
"""The data ops drawn (specialized code only): a list parameter's elements and a list parameter's gradient."""


def _wrt_indices(plain, wrt) -> tuple[int, ...]:
    from .api import resolve_wrt

    indices, _bare = resolve_wrt(plain, wrt)
    return indices


def _shapes(plain, args) -> dict:
    """The specialization on the lengths of `args`, by parameter name, as `api.compiled_for` builds it from
    `api.shape_key`; empty when no argument is a list or tuple."""
    from .api import shape_key

    names = list(inspect.signature(plain).parameters)
    return {names[i]: shape for i, shape in enumerate(shape_key(args)) if shape is not None and i < len(names)}


_KINDS = {
    "for": ("for loop", "a loop"),
    "for_rev": ("reverse sweep of a for loop", "a loop"),
    "while": ("while loop", "a loop"),
    "if": ("branch", "a branch"),
}


def _blocks_reason(eqn: Eqn, fn: Function, shapes: dict) -> str:
    """Why this program cannot be drawn: today's sentence, and with a specialization, what stayed a loop."""
    reason = f"graph() draws straight-line code only; {eqn.op} has nested blocks"
    if not shapes:
        return reason
    kind, stays = _KINDS.get(eqn.op, (eqn.op, "structured"))
    lengths = ", ".join(f"{name}: {_shape_text(shape)}" for name, shape in shapes.items())
    why = {
        "while": "a while loop's trip count depends on values",
        "if": "a branch on a value is taken at run time",
    }.get(
        eqn.op,
        "its trip count does not follow from the list lengths (a range over an int argument, a break, "
        f"a run-time index) or unrolling it would pass the budget of {UNROLL_BUDGET} equations",
    )
    return (
        f"{reason}: at these lengths ({lengths}) the {kind} at {eqn.loc.describe(fn.origin)} stays {stays} "
        f"({why})\nhint: graph() draws programs that are straight-line once the list lengths are known; read this "
        f"one with print(symgrad.grad(f, specialize=True).specialized(*args).ir) or `symgrad show FILE.py:FUNC "
        f"--specialize --ir --at ...`"
    )


def _shape_text(shape) -> str:
    kind, length = shape
    if isinstance(length, tuple):
        return f"{kind} of {len(length)} {kind}s of lengths {', '.join(map(str, length))}"
    return f"{kind} of {length}"


def _number(value, name: str):
    """A point's value as floats: a number, or a list/tuple (nested) of them, keeping list vs tuple."""
    if isinstance(value, (list, tuple)):
        return type(value)(_number(item, name) for item in value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SymgradError(f"graph(): {name} = {value!r} is not a number or a list of numbers") from None


def _bind(plain, fn: Function, args) -> dict[Var, object]:
    try:
        bound = inspect.signature(plain).bind(*args)
    except TypeError as exc:
        raise SymgradError(f"graph({plain.__name__}, ...): the point does not fit the signature: {exc}") from None
    bound.apply_defaults()
    return {param.var: _number(bound.arguments[param.name], param.name) for param in fn.params}


def _unpack(value, count: int, name: str) -> list:
    if not isinstance(value, (list, tuple)) or len(value) != count:
        raise SymgradError(f"graph(): {name} is not a list of {count} at this point")
    return list(value)


def evaluate(fn: Function, point: dict[Var, object]) -> dict[Var, object]:
    """Every variable's value at `point` (parameter Var -> float, or list of floats for a list parameter of
    specialized code): the equations run with the registry's float forwards, in program order; `unpack` names a
    list's elements, `pack` makes a gradient list."""
    env = dict(point)
    for eqn in walk(fn.body):
        values = [env[a] if isinstance(a, Var) else a.value for a in eqn.args]
        if eqn.op in ("unpack", "unpack_tuple"):
            for out, item in zip(eqn.outs, _unpack(values[0], len(eqn.outs), eqn.op), strict=True):
                env[out] = item
            continue
        if eqn.op in ("pack", "pack_tuple"):
            result = values if eqn.op == "pack" else tuple(values)
        else:
            result = REGISTRY[eqn.op].forward(*values)
        (out,) = eqn.outs
        env[out] = result
    return env


def reverse_equations(fn: Function) -> set[int]:
    """Indices (in `walk` order) of the equations of the reverse sweep: those marked `loc.reverse`, those that
    read a reverse-sweep variable and the `pack` that makes a list parameter's returned gradient (a forward
    variable may be returned as a gradient too: `scale`'s in `(x * x) * scale`, so only packs count)."""
    gradients = {out for out in fn.outs[1:] if isinstance(out, Var)} - {fn.outs[0]}
    found: set[int] = set()
    reverse_vars: set[Var] = set()
    for index, eqn in enumerate(walk(fn.body)):
        if (
            eqn.loc.reverse
            or any(isinstance(a, Var) and a in reverse_vars for a in eqn.args)
            or (eqn.op in ("pack", "pack_tuple") and any(out in gradients for out in eqn.outs))
        ):
            found.add(index)
            reverse_vars.update(eqn.outs)
    return found


def _tape_grads(fn: Function, point: dict[Var, object], reverse: set[int]) -> dict[Var, float]:
    """d(value)/d(v) for every forward number v, by the tape engine replaying the forward equations; empty
    where the tape cannot replay them (an op it lacks, or a derivative that does not exist at this point)."""
    from .tape import Value

    def leaf(value):
        return type(value)(leaf(item) for item in value) if isinstance(value, (list, tuple)) else Value(value)

    env: dict[Var, object] = {p.var: leaf(point[p.var]) for p in fn.params}
    binary = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
    }
    try:
        for index, eqn in enumerate(walk(fn.body)):
            if index in reverse:
                continue
            args = [env[a] if isinstance(a, Var) else a.value for a in eqn.args]
            if eqn.op in ("unpack", "unpack_tuple"):
                for out, item in zip(eqn.outs, _unpack(args[0], len(eqn.outs), eqn.op), strict=True):
                    env[out] = item
                continue
            if eqn.op in ("pack", "pack_tuple"):
                (out,) = eqn.outs
                env[out] = list(args)
                continue
            if eqn.op in binary:
                result = binary[eqn.op](*args)
            elif eqn.op == "neg":
                result = -args[0]
            elif eqn.op in PUBLIC_FUNCTIONS:
                result = PUBLIC_FUNCTIONS[eqn.op](*args)
            else:
                return {}
            (out,) = eqn.outs
            env[out] = result if isinstance(result, Value) else Value(result)
        value = fn.outs[0]
        if not isinstance(value, Var) or not isinstance(env[value], Value):
            return {}
        env[value].backward()
    except (ArithmeticError, ValueError, TypeError, SymgradError):
        return {}
    return {var: node.grad for var, node in env.items() if isinstance(node, Value)}


def _short(x) -> str:
    """micrograd's `%.4f`, switching to `%.4g` where 4 decimals would hide the number; a list shows its first
    few numbers and its length."""
    if isinstance(x, (list, tuple)):
        items = [_short(item) for item in x[:_LIST_SHOWN]]
        if len(x) > _LIST_SHOWN:
            items.append(f"... {len(x)} in all")
        opening, closing = ("[", "]") if isinstance(x, list) else ("(", ")")
        return opening + ", ".join(items) + closing
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    if x == 0 or 1e-4 <= abs(x) < 1e9:
        return f"{x:.4f}"
    return f"{x:.4g}"


_LIST_SHOWN = 3  # numbers of a list shown in a label; the tooltip has them all


def _title_value(value) -> str:
    """A parameter's value in the graph's title: its repr, or for a long list its length."""
    text = repr(value)
    if isinstance(value, (list, tuple)) and len(text) > 40:
        return f"<{type(value).__name__} of {len(value)}>"
    return text


def _record_escape(text: str) -> str:
    """Text safe inside a record label field."""
    out = []
    for ch in text:
        if ch in '{}|<>"\\':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(pairs: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in pairs) + "]"


class _Drawing:
    def __init__(self, fn: Function, point: dict[Var, object] | None, shapes: dict | None = None):
        self.fn = fn
        self.point = point
        self.shapes = shapes or {}
        # Names exactly as format_function hands them out: parameters, then each equation's args, then outs.
        namer = Namer(fn.user_names, defined=defined_vars(fn))
        for param in fn.params:
            namer.name(param.var)
        for eqn in walk(fn.body):
            for atom in eqn.args:
                if isinstance(atom, Var):
                    namer.name(atom)
            for out in eqn.outs:
                namer.name(out)
        self.namer = namer
        self.reverse = reverse_equations(fn)
        # An element of a list parameter (an `unpack` output) -> (that parameter's index, its position in it).
        self.elements: dict[Var, tuple[int, tuple[int, ...]]] = {p.var: (i, ()) for i, p in enumerate(fn.params)}
        for eqn in walk(fn.body):
            if eqn.op in ("unpack", "unpack_tuple") and eqn.args[0] in self.elements:
                index, path = self.elements[eqn.args[0]]
                for position, out in enumerate(eqn.outs):
                    self.elements[out] = (index, (*path, position))
        self.values = evaluate(fn, point) if point is not None else {}
        self.grads: dict[Var, tuple[object, str]] = {}
        self.returned: dict[Var, list[str]] = {}  # reverse-sweep variable -> the parameters it is the gradient of
        self._collect_grads()

    def name(self, atom) -> str:
        return self.namer.name(atom) if isinstance(atom, Var) else repr(atom.value)

    def equations(self, reverse: bool) -> list[Eqn]:
        return [eqn for i, eqn in enumerate(walk(self.fn.body)) if (i in self.reverse) == reverse]

    def _collect_grads(self) -> None:
        fn = self.fn
        value, *gradients = fn.outs
        returned_by_param: dict[int, tuple[object, str]] = {}
        for index, gradient in zip(fn.wrt, gradients, strict=True):
            param = fn.params[index]
            if isinstance(gradient, Var):
                self.returned.setdefault(gradient, []).append(param.name)
            if self.point is not None:
                number = self.values[gradient] if isinstance(gradient, Var) else float(gradient.value)
                source = f"the gradient the function returns ({self.name(gradient)})"
                self.grads[param.var] = (number, source)
                returned_by_param[index] = (number, self.name(gradient))
        if self.point is None:
            return
        params = {p.var for p in fn.params}
        if isinstance(value, Var) and value not in params:
            self.grads[value] = (1.0, "the seed: d(value)/d(value)")
        adjoints: dict[Var, Var] = {}
        for eqn in self.equations(reverse=True):
            for out in eqn.outs:
                if out.primal is not None:
                    adjoints[out.primal] = out  # the last one is the sum of every contribution
        tape = _tape_grads(fn, self.point, self.reverse)
        for eqn in self.equations(reverse=False):
            for out in eqn.outs:
                if out in self.grads:
                    continue
                index, path = self.elements.get(out, (None, ()))
                if index in returned_by_param:  # an element of a differentiated list parameter
                    number, name = returned_by_param[index]
                    for position in path:
                        number = number[position]
                    where = name + "".join(f"[{position}]" for position in path)
                    self.grads[out] = (number, f"the gradient the function returns ({where})")
                elif out in adjoints:
                    adjoint = adjoints[out]
                    self.grads[out] = (self.values[adjoint], f"the generated code's adjoint {self.name(adjoint)}")
                elif out in tape:
                    self.grads[out] = (tape[out], "the tape engine (the optimized code keeps no adjoint of it)")

    # --- nodes -------------------------------------------------------------------------------------------

    def _fields(self, head: str, var: Var | None, reverse: bool) -> tuple[str, str]:
        """The record label and the tooltip of one variable's node."""
        fields = [_record_escape(head)]
        tips = [head]
        if self.point is not None and var is not None:
            data = self.values[var]
            fields.append(f"data {_short(data)}")
            tips.append(f"data = {data!r}")
            if not reverse and var in self.grads:
                number, source = self.grads[var]
                fields.append(f"grad {_short(number)}")
                tips.append(f"grad = {number!r} (from {source})")
        if var is not None and var in self.returned:
            names = ", ".join(self.returned[var])
            fields.append(_record_escape(f"gradient of {names}"))
            tips.append(f"returned as the gradient of {names}")
        if var is not None and var is self.fn.outs[0]:
            tips.append("the function's value")
        return "{ " + " | ".join(fields) + " }", "\n".join(tips)

    def text(self) -> str:
        fn = self.fn
        lines: list[str] = []
        n_eqns = sum(1 for _ in walk(fn.body))
        n_consts = sum(1 for eqn in walk(fn.body) for a in eqn.args if isinstance(a, Const))
        wrt = ", ".join(fn.params[i].name for i in fn.wrt) or "nothing"
        lines.append(
            f"// symgrad graph of {fn.name} from {fn.origin.file}:{fn.origin.line}, value and gradient wrt {wrt}: "
            f"{n_eqns} equations, {len(fn.params)} parameters, {n_consts} constant uses{self._lengths()}"
        )
        title = f"{fn.name}: value and gradient wrt {wrt}"
        if self.point is not None:
            at = ", ".join(f"{p.name}={_title_value(self.values[p.var])}" for p in fn.params)
            title = f"{fn.name}({at}): value and gradient wrt {wrt}"
        lines.append(f"digraph {_quote(fn.name)} {{")
        lines.append(
            "  graph "
            + _attrs(
                [
                    ("rankdir", "LR"),
                    ("fontname", '"Helvetica"'),
                    ("fontsize", "12"),
                    ("labelloc", "t"),
                    ("label", _quote(title)),
                ]
            )
            + ";"
        )
        lines.append('  node [shape=record, fontname="Helvetica", fontsize=10, style=filled];')
        lines.append('  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];')
        lines.append("  // parameters")
        value = fn.outs[0]
        for param in fn.params:
            label, tip = self._fields(param.name, param.var, reverse=False)
            attrs = [("label", _quote(label)), ("tooltip", _quote(tip)), ("fillcolor", _quote(_PARAM_FILL))]
            if param.var is value:
                attrs.append(("peripheries", "2"))
            lines.append(f"  {_quote('v:' + self.name(param.var))} {_attrs(attrs)};")
        edges: list[str] = []
        unpacks = [eqn for eqn in self.equations(reverse=False) if eqn.op in ("unpack", "unpack_tuple")]
        if unpacks:
            lines.append("  // the elements of list parameters, one node each")
        for eqn in unpacks:
            self._elements(eqn, lines, edges)
        const_serial = 0
        for reverse, cluster, label, fill, border, style in (
            (False, "cluster_forward", "forward", _FORWARD_FILL, _FORWARD_BORDER, "rounded"),
            (True, "cluster_reverse", "reverse sweep", _REVERSE_FILL, _REVERSE_BORDER, "dashed,rounded"),
        ):
            eqns = [eqn for eqn in self.equations(reverse) if eqn.op not in ("unpack", "unpack_tuple")]
            lines.append(f"  subgraph {cluster} {{")
            lines.append(f"    graph [label={_quote(label)}, style={_quote(style)}, color={_quote(border)}];")
            for eqn in eqns:
                const_serial = self._equation(eqn, reverse, fill, lines, edges, const_serial)
            lines.append("  }")
        lines.append(
            "  // edges: one per equation argument, in argument order"
            + (" (after one from each list to each of its elements)" if unpacks else "")
        )
        lines.extend(edges)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _lengths(self) -> str:
        if not self.shapes:
            return ""
        return "; specialized on " + ", ".join(f"{n}: {_shape_text(s)}" for n, s in self.shapes.items())

    def _elements(self, eqn: Eqn, lines: list[str], edges: list[str]) -> None:
        """One node per element a list parameter's `unpack` names, `xs_0 = xs[0]`, with an edge from the list."""
        (whole,) = eqn.args
        for position, out in enumerate(eqn.outs):
            label, tip = self._fields(f"{self.name(out)} = {self.name(whole)}[{position}]", out, reverse=False)
            tip = f"{tip}\n{eqn.loc.describe(self.fn.origin)}"
            attrs = [("label", _quote(label)), ("tooltip", _quote(tip)), ("fillcolor", _quote(_PARAM_FILL))]
            node = _quote("v:" + self.name(out))
            lines.append(f"  {node} {_attrs(attrs)};")
            edges.append(f"  {_quote('v:' + self.name(whole))} -> {node};")

    def _equation(self, eqn: Eqn, reverse: bool, fill: str, lines: list[str], edges: list[str], serial: int) -> int:
        outs = ", ".join(self.name(out) for out in eqn.outs)
        head = f"{outs} = {eqn.op}({', '.join(self.name(a) for a in eqn.args)})"
        (out,) = eqn.outs
        label, tip = self._fields(head, out, reverse)
        tip = f"{tip}\n{eqn.loc.describe(self.fn.origin)}"
        attrs = [("label", _quote(label)), ("tooltip", _quote(tip)), ("fillcolor", _quote(fill))]
        if out is self.fn.outs[0] or out in self.returned:
            attrs.append(("peripheries", "2"))
        node = _quote("v:" + self.name(out))
        lines.append(f"    {node} {_attrs(attrs)};")
        edge_attrs = f" [color={_quote(_REVERSE_BORDER)}]" if reverse else ""
        for atom in eqn.args:
            if isinstance(atom, Var):
                source = _quote("v:" + self.name(atom))
            else:
                source = _quote(f"c:{serial}")
                serial += 1
                const_attrs = [
                    ("label", _quote(_record_escape(repr(atom.value)))),
                    ("shape", "plaintext"),
                    ("style", '""'),
                    ("fontcolor", _quote(_CONST_COLOR)),
                    ("tooltip", _quote(f"constant {atom.value!r}")),
                ]
                lines.append(f"    {source} {_attrs(const_attrs)};")
            edges.append(f"  {source} -> {node}{edge_attrs};")
        return serial


def render(dot_text: str, path) -> str:
    """Write `dot_text` to `path`: `.dot`/`.gv` as is; `.svg`/`.png`/`.pdf` drawn by Graphviz's `dot` program if it
    is on PATH, else the `.dot` file is written next to `path` instead. Returns one line saying what happened."""
    path = os.fspath(path)
    stem, suffix = os.path.splitext(path)
    suffix = suffix.lower()
    if suffix in TEXT_SUFFIXES:
        _write_text(path, dot_text)
        return f"wrote {path}"
    if suffix not in FORMATS:
        known = ", ".join((*TEXT_SUFFIXES, *FORMATS))
        raise SymgradError(f"cannot draw {path}: unknown extension {suffix or '(none)'}; use one of {known}")
    dot = shutil.which("dot")
    if dot is None:
        fallback = stem + ".dot"
        _write_text(fallback, dot_text)
        return (
            f"Graphviz `dot` is not on PATH, so {path} was not drawn; wrote {fallback} instead. Install Graphviz "
            f"(`apt-get install graphviz`, `brew install graphviz` or https://graphviz.org/download/), then run: "
            f"dot -T{FORMATS[suffix]} {fallback} -o {path}"
        )
    result = subprocess.run(
        [dot, f"-T{FORMATS[suffix]}", "-o", path], input=dot_text.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise SymgradError(f"Graphviz `dot` failed to draw {path} (exit {result.returncode}): {message}")
    return f"wrote {path}"


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


__all__ = ["evaluate", "graph", "render"]
