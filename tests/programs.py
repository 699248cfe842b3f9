"""Random programs over symgrad's language, as real source files, for property tests.

A program is drawn by hypothesis as a small tree of statements; `render` turns it into the text of a module
with one function `f(x, y, z)`. Every op's argument is kept inside a safe domain by construction (log and sqrt
of `e*e + c`, exp of a tanh, division by `e*e + c`), so with inputs in [-2, 2] programs neither raise nor
overflow, and gradients are well-conditioned enough for tight tolerances.
"""

from __future__ import annotations

import importlib.util
import itertools
import pathlib
import sys
from dataclasses import dataclass, replace

from hypothesis import strategies as st

PARAMS = ("x", "y", "z")

# Constructs that trigger the known bugs pinned (xfail) in tests/test_regressions.py are left out while this is
# True; set it to False once those tests pass (their markers removed) to fuzz the constructs again.
AVOID_KNOWN_BUGS = True
_counter = itertools.count()


def _expr(depth: int, names: tuple[str, ...], piecewise: bool = True, methods: bool = True):
    """An expression of `names`. `piecewise=False` leaves out relu, abs, min and max: inside one of them another
    one would put a Piecewise into a Piecewise's condition, which SymPy simplifies very slowly (the SymPy
    reference's known limit, see README), so the generator does not nest them. `methods=False` leaves out
    `(e - z).tanh()` and the like, which mpmath numbers do not have (for finite differences)."""
    leaf = st.one_of(
        st.sampled_from(names),
        st.sampled_from(["0.5", "2", "3.0", "1.5", "-0.75", "math.pi"]),
    )
    if depth <= 0:
        return leaf
    sub = _expr(depth - 1, names, piecewise, methods)
    smooth = _expr(depth - 1, names, piecewise=False, methods=methods)
    binary = st.tuples(st.sampled_from(["+", "-", "*"]), sub, sub).map(lambda t: f"({t[1]} {t[0]} {t[2]})")
    division = st.tuples(sub, sub).map(lambda t: f"({t[0]} / ({t[1]} * {t[1]} + 1.25))")
    power = st.tuples(sub, st.sampled_from(["2", "3", "-1", "0", "1"])).map(
        lambda t: f"({t[0]} ** {t[1]})" if t[1] != "-1" else f"(({t[0]}) * ({t[0]}) + 0.5) ** -1"
    )
    unary = st.tuples(st.sampled_from(["tanh", "sin", "cos", "sigmoid", "-"]), sub).map(
        lambda t: f"-{t[1]}" if t[0] == "-" else f"{t[0]}({t[1]})"
    )
    guarded = st.tuples(st.sampled_from(["log", "sqrt", "exp"]), sub).map(
        lambda t: f"exp(tanh({t[1]}))" if t[0] == "exp" else f"{t[0]}({t[1]} * {t[1]} + 0.5)"
    )
    # a method needs a value, not a number ((0.5).tanh() fails in plain Python too): z is never reassigned
    method = st.tuples(sub, st.sampled_from(["tanh", "sigmoid"])).map(lambda t: f"({t[0]} - z).{t[1]}()")
    choices = [leaf, binary, division, power, unary, guarded] + ([method] if methods else [])
    if piecewise:
        kinked = st.tuples(st.sampled_from(["relu", "abs"]), smooth).map(lambda t: f"{t[0]}({t[1]})")
        kinked_method = smooth.map(lambda e: f"({e} - z).relu()")
        extreme = st.tuples(st.sampled_from(["min", "max"]), smooth, smooth).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
        choices += [kinked, *([kinked_method] if methods else []), extreme]
    return st.one_of(*choices)


@st.composite
def programs(draw, max_statements: int = 4, depth: int = 3, results: int = 1, methods: bool = True) -> str:
    """The body of a function f(x, y, z): a few assignments (some augmented), then a return (of a tuple of
    `results` numbers when more than one: a function for `jacobian`). `methods=False`: no `(e - z).tanh()`, so
    the program also runs on floats and mpmath numbers."""
    names = PARAMS
    lines = []
    for i in range(draw(st.integers(0, max_statements))):
        target = draw(st.sampled_from([f"v{i}", "x", "y", *names[3:]])) if i else f"v{i}"
        augmented = target in names and draw(st.booleans())  # (z is never a target: see `method`)
        # only the return may be piecewise: no nesting
        expr = draw(_expr(depth - 1, names, piecewise=False, methods=methods))
        lines.append(f"{target} {'+' if augmented else ''}= {expr}")
        names = names if target in names else (*names, target)
    lines.append(f"return {', '.join(draw(_expr(depth, names, methods=methods)) for _ in range(results))}")
    return "\n".join(lines)


def render(body: str, params: tuple[str, ...] = PARAMS, helpers: str = "") -> str:
    indented = "\n".join("    " + line for line in body.splitlines())
    return (
        "import math\n"
        "from symgrad import tanh, sin, cos, sigmoid, relu, log, sqrt, exp\n\n\n"
        f"{helpers}"
        f"def f({', '.join(params)}):\n{indented}\n"
    )


def load_function(
    directory: pathlib.Path, body: str, name: str = "f", params: tuple[str, ...] = PARAMS, helpers: str = ""
):
    """Write the program as a real module file (symgrad reads source from files) and return its function. The
    module is registered in sys.modules (finite differences rebuild its functions over mpmath's ops)."""
    fun, _ = load_module(directory, render(body, params, helpers), name, register=True)
    return fun


def load_module(directory: pathlib.Path, text: str, name: str = "f", register: bool = False):
    """Write `text` as a module file of a new name (never a stale import) and return (its `name`, the path)."""
    module_name = f"sg_random_program_{next(_counter)}"
    path = directory / f"{module_name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if register:
        sys.modules[module_name] = module
    return getattr(module, name), path


inputs = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)


# --- programs with branches, loops and lists ----------------------------------------------------------------

CONTROL_PARAMS = ("x", "y", "z", "xs")
XS_LENGTH = 3  # the length of the list parameter xs

# Module-level helpers the control programs may call (symgrad inlines them; finite differences rebuild them).
CONTROL_HELPERS = """def clip(e, lo, hi):
    if e < lo:
        return lo
    if e > hi:
        return hi
    return e


def decay(v, w=0.5):
    acc = 0.0
    for e in v:
        acc = acc * 0.5 + tanh(w * e)
    return acc


def pair(a, b):
    return a + b, a * b


W = (0.5, -1.25, 2.0)
C = 0.75


"""

_SQUASH = ("tanh", "sigmoid", "sin", "cos")
_FLOAT_COMPARE = ("<", "<=", ">", ">=")
_INT_COMPARE = ("<", "<=", ">", ">=", "==", "!=")


@dataclass(frozen=True)
class _Int:
    """An int the program may read: a loop index or counter, `lo <= value <= hi` (`hi` None: unbounded), a
    valid index of the list `of` when it iterates over `range(len(of))`."""

    name: str
    lo: int
    hi: int | None
    of: str | None = None


@dataclass(frozen=True)
class _List:
    name: str
    length: int | None  # None: data-dependent (appends, filtered comprehensions, branches)
    appendable: bool = False


@dataclass(frozen=True)
class _Scope:
    floats: tuple[str, ...]  # float names that may be read
    targets: tuple[str, ...]  # float names that may be reassigned (z never is: it stays a parameter)
    ints: tuple[_Int, ...] = ()
    lists: tuple[_List, ...] = ()
    loops: int = 0  # enclosing loops: break/continue allowed, return not
    depth: int = 0  # enclosing blocks
    iterated: tuple[str, ...] = ()  # lists an enclosing loop iterates over: appending to them would never end

    def appendable(self) -> list[_List]:
        return [lst for lst in self.lists if lst.appendable and lst.name not in self.iterated]

    def inner(self, loop: bool = False) -> _Scope:
        return replace(self, depth=self.depth + 1, loops=self.loops + loop)


class _ControlWriter:
    """Draws a function body statement by statement, tracking what each point of the program may read, so that
    every program runs as plain Python: names are assigned before they are read (on every path), list indices
    are in range, loops end after a few steps, and ops stay in their domains as in `_expr`."""

    def __init__(self, draw, max_depth: int, max_block: int):
        self.draw = draw
        self.max_depth = max_depth
        self.max_block = max_block
        self.counters: dict[str, itertools.count] = {}

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counters.setdefault(prefix, itertools.count()))}"

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def flip(self, p_true: float = 0.5) -> bool:
        return self.draw(st.integers(0, 999)) < p_true * 1000

    # --- expressions --------------------------------------------------------------------------------------

    def indices(self, scope: _Scope, lst: _List) -> list[str]:
        """Index expressions into `lst` that are in range wherever the program can evaluate them."""
        n = lst.length
        out = [str(k) for k in range(n)] + [str(-k) for k in range(1, n + 1)] if n else []
        for i in scope.ints:
            v = i.name
            if i.of == lst.name:
                out += [v, f"{v} - 1", f"-1 - {v}", f"len({lst.name}) - 1 - {v}", f"({v} + 1) % len({lst.name})"]
            elif n and i.hi is not None:
                ranges = {
                    v: (i.lo, i.hi),
                    f"{v} - 1": (i.lo - 1, i.hi - 1),
                    f"-1 - {v}": (-1 - i.hi, -1 - i.lo),
                    f"len({lst.name}) - 1 - {v}": (n - 1 - i.hi, n - 1 - i.lo),
                    f"{v} // 2": (i.lo // 2, i.hi // 2),
                }
                out += [e for e, (lo, hi) in ranges.items() if lo >= -n and hi <= n - 1]
                if i.lo >= 0:
                    out.append(f"({v} + 1) % len({lst.name})")
        return out

    def seq(self, lst: _List) -> tuple[str, int | None]:
        """`lst` or, sometimes, a slice of it with constant bounds; and its length (None: unknown)."""
        n = lst.length
        cut = self.pick(["", "", "", "[1:]", "[:-1]", "[:2]", "[-2:]"])
        if not cut:
            return lst.name, n
        length = None if n is None else {"[1:]": n - 1, "[:-1]": n - 1}.get(cut, min(2, n))
        return f"{lst.name}{cut}", length

    def elements(self, scope: _Scope) -> list[str]:
        out = []
        for lst in scope.lists:
            out += [f"{lst.name}[{k}]" for k in self.indices(scope, lst)]
        return out

    def int_atoms(self, scope: _Scope) -> list[str]:
        return [i.name for i in scope.ints] + [f"len({lst.name})" for lst in scope.lists]

    def atoms(self, scope: _Scope, rich: bool = True) -> tuple[str, ...]:
        """Leaves for `_expr`: float names, a few list elements, ints, and at most one richer term (a sum over a
        list, a conditional expression, a helper call)."""
        names = list(scope.floats)
        elements = self.elements(scope)
        if elements:
            names += self.draw(st.lists(st.sampled_from(elements), min_size=1, max_size=2, unique=True))
        ints = self.int_atoms(scope)
        if ints and self.flip(0.4):
            names.append(self.pick(ints))
        if rich and self.flip(0.35):
            names.append(self.rich(scope))
        return tuple(names)

    def expr(self, scope: _Scope, depth: int = 1, rich: bool = True) -> str:
        return self.draw(_expr(depth, self.atoms(scope, rich), piecewise=True, methods=False))

    def rich(self, scope: _Scope) -> str:
        kinds = ["ternary", "clip", "extreme3", "power", "weight", "constant"]
        if scope.lists:
            kinds += ["sum", "sum_start", "sum_gen", "sum_filtered", "decay", "sum_nested"]
        counters = [i.name for i in scope.ints if i.lo >= 0]
        if counters:
            kinds += ["per_step"]
        kind = self.pick(kinds)
        if kind == "ternary":
            then, orelse = self.expr(scope, 1, rich=False), self.expr(scope, 1, rich=False)
            return f"({then} if {self.cond(scope)} else {orelse})"
        if kind == "clip":
            e = self.expr(scope, 1, rich=False)
            return self.pick([f"clip({e}, -1.0, 1.0)", f"clip({e}, hi=0.5, lo=-C)"])
        if kind == "extreme3":
            args = ", ".join(self.expr(scope, 0, rich=False) for _ in range(3))
            return f"{self.pick(['min', 'max'])}({args})"
        if kind == "power":  # a positive base to a run-time int or a differentiated exponent
            base = self.expr(scope, 0, rich=False)
            exponent = self.pick([*self.int_atoms(scope), f"tanh({self.expr(scope, 0, rich=False)})", "C"])
            return f"({base} * {base} + 0.5) ** {exponent}"
        if kind == "weight":  # a module-level tuple of numbers
            return f"W[{self.pick(['0', '-1', *[f'{i.name} % 3' for i in scope.ints if i.lo >= 0]])}]"
        if kind == "constant":
            return self.pick(["C", "math.e", "len(W)"])
        if kind == "per_step":
            return f"{self.expr(scope, 0, rich=False)} / ({self.pick(counters)} + 1)"
        if kind == "sum_nested":  # a sum inside the element of a sum
            c = self.fresh("c")
            (outer, _), (inner_seq, _) = self.seq(self.pick(scope.lists)), self.seq(self.pick(scope.lists))
            return f"sum({c} * sum({inner_seq}) for {c} in {outer})"
        seq, _ = self.seq(self.pick(scope.lists))
        if kind == "sum":
            return f"sum({seq})"
        if kind == "sum_start":
            return f"sum({seq}, {self.expr(scope, 0, rich=False)})"
        if kind == "decay":
            return f"decay({seq}, {self.expr(scope, 0, rich=False)})"
        c = self.fresh("c")
        inner = replace(scope, floats=(*scope.floats, c))
        element = self.expr(inner, 1, rich=False)
        if kind == "sum_gen":
            return f"sum({element} for {c} in {seq})"
        return f"sum([{element} for {c} in {seq} if {self.float_cond(inner)}])"

    # --- conditions ---------------------------------------------------------------------------------------

    def float_cond(self, scope: _Scope) -> str:
        left = self.expr(scope, 1, rich=False)
        bound = self.pick(["0.0", "0.5", "1.0", "-0.5", "1.5"])
        form = self.pick(["const", "expr", "chained"])
        if form == "const":
            return f"{left} {self.pick(_FLOAT_COMPARE)} {bound}"
        if form == "chained":
            return f"-1.0 {self.pick(['<', '<='])} {left} {self.pick(['<', '<='])} {bound}"
        return f"{left} {self.pick(_FLOAT_COMPARE)} {self.expr(scope, 1, rich=False)}"

    def int_cond(self, scope: _Scope) -> str:
        # ints only: `==` on a tape Value is identity, so equality tests stay on ints, as in real code
        v = self.pick(self.int_atoms(scope))
        form = self.pick(["compare", "parity", "chained"])
        if form == "parity":
            return f"{v} % 2 {self.pick(['==', '!='])} {self.pick([0, 1])}"
        if form == "chained":
            return f"0 {self.pick(['<', '<='])} {v} {self.pick(['<', '<=', '!='])} {self.draw(st.integers(1, 3))}"
        return f"{v} {self.pick(_INT_COMPARE)} {self.draw(st.integers(0, 3))}"

    def atomic_cond(self, scope: _Scope) -> str:
        if self.int_atoms(scope) and self.flip(0.35):
            return self.int_cond(scope)
        return self.float_cond(scope)

    def cond(self, scope: _Scope) -> str:
        form = self.pick(["one", "one", "one", "and", "or", "not"])
        if form == "one":
            return self.atomic_cond(scope)
        if form == "not":
            return f"not {self.atomic_cond(scope)}"
        return f"({self.atomic_cond(scope)}) {form} ({self.atomic_cond(scope)})"

    # --- statements ---------------------------------------------------------------------------------------

    def block(self, scope: _Scope, lo: int, hi: int, ret: bool = False) -> list[str]:
        """`lo..hi` statements; with `ret`, the block may end with an early return."""
        lines: list[str] = []
        for _ in range(self.draw(st.integers(lo, hi))):
            stmt, scope = self.statement(scope)
            lines += stmt
        if ret and scope.loops == 0 and self.flip(0.4):
            lines.append(f"return {self.expr(scope, 2)}")
        return lines or ["pass"]

    def statement(self, scope: _Scope) -> tuple[list[str], _Scope]:
        kinds = ["assign", "update", "update"]
        if scope.targets and len(scope.targets) >= 2:
            kinds.append("swap")
        if scope.depth < self.max_depth:
            kinds += ["if", "for", "for"] + (["while"] if scope.loops < 2 else [])
            if scope.loops >= 2:
                kinds.remove("for")
                kinds.remove("for")
        if scope.loops:
            kinds += ["jump", "jump"]
        if scope.appendable():
            kinds += ["append", "append"]
        kinds += ["list", "list"] + (["filled"] if scope.depth < self.max_depth and scope.loops < 2 else [])
        kind = self.pick(kinds)
        return getattr(self, f"stmt_{kind}")(scope)

    def stmt_assign(self, scope: _Scope):
        name = self.fresh("v")
        line = f"{name} = {self.expr(scope, 2)}"
        return [line], replace(scope, floats=(*scope.floats, name), targets=(*scope.targets, name))

    def stmt_update(self, scope: _Scope):
        if not scope.targets:
            return self.stmt_assign(scope)
        t = self.pick(scope.targets)
        e = self.expr(scope, 1)
        squash = self.pick(_SQUASH)
        form = self.pick(["decay", "add", "sub", "mul", "squash", "div", "extreme", "ternary"])
        line = {
            "decay": f"{t} = {t} * {self.pick(['0.5', '-0.75', '0.9'])} + {squash}({e})",
            "add": f"{t} += {e}",
            "sub": f"{t} -= {squash}({e})",
            "mul": f"{t} *= {self.pick(['tanh', 'cos', 'sigmoid'])}({e})",
            "squash": f"{t} = {squash}({t} * {e})",
            "div": f"{t} /= {e} * {e} + 1.5",
            "extreme": f"{t} = {self.pick(['max', 'min'])}({t}, {e})",
            "ternary": f"{t} = {e} if {self.cond(scope)} else {t}",
        }[form]
        return [line], scope

    def stmt_swap(self, scope: _Scope):
        a = self.pick(scope.targets)
        b = self.pick([t for t in scope.targets if t != a])
        if self.flip(0.3):  # a helper that returns a tuple
            return [f"{a}, {b} = pair({self.expr(scope, 1)}, {self.expr(scope, 1)})"], scope
        return [f"{a}, {b} = {b}, {self.expr(scope, 1)}"], scope

    def stmt_list(self, scope: _Scope):
        name = self.fresh("l")
        form = self.pick(["literal", "comprehension", "range_comprehension", "filtered", "empty", "branches"])
        length: int | None = None
        appendable = False
        lines = []
        if form == "literal":
            length = self.draw(st.integers(1, 3))
            lines = [f"{name} = [{', '.join(self.expr(scope, 1) for _ in range(length))}]"]
        elif form == "comprehension" and scope.lists:
            src, length = self.seq(self.pick(scope.lists))
            c = self.fresh("c")
            element = self.expr(replace(scope, floats=(*scope.floats, c)), 1)
            lines = [f"{name} = [{element} for {c} in {src}]"]
        elif form == "range_comprehension":
            k = self.draw(st.integers(1, 3))
            i = _Int(self.fresh("i"), 0, k - 1)
            element = self.expr(replace(scope, ints=(*scope.ints, i)), 1)
            lines, length = [f"{name} = [{element} for {i.name} in range({k})]"], k
        elif form == "filtered" and scope.lists:
            src = self.pick(scope.lists)
            c = self.fresh("c")
            inner = replace(scope, floats=(*scope.floats, c))
            lines = [f"{name} = [{self.expr(inner, 1)} for {c} in {src.name} if {self.float_cond(inner)}]"]
        elif form == "branches":
            a = ", ".join(self.expr(scope, 1) for _ in range(self.draw(st.integers(1, 3))))
            b = ", ".join(self.expr(scope, 1) for _ in range(self.draw(st.integers(1, 3))))
            lines = [f"if {self.cond(scope)}:", f"    {name} = [{a}]", "else:", f"    {name} = [{b}]"]
        else:
            lines, appendable = [f"{name} = []"], True
        return lines, replace(scope, lists=(*scope.lists, _List(name, length, appendable)))

    def stmt_filled(self, scope: _Scope):
        """An empty list, then a loop that appends to it, as people fill lists."""
        new = _List(self.fresh("l"), None, appendable=True)
        loop, _ = self.stmt_for(scope, fill=new)  # (the loop does not iterate over the empty list)
        return [f"{new.name} = []", *loop], replace(scope, lists=(*scope.lists, new))

    def stmt_append(self, scope: _Scope):
        lst = self.pick(scope.appendable())
        return [f"{lst.name}.append({self.expr(scope, 1)})"], scope

    def stmt_if(self, scope: _Scope):
        inner = scope.inner()
        lines = [f"if {self.cond(scope)}:", *_indent(self.block(inner, 1, self.max_block, ret=True))]
        for _ in range(self.draw(st.integers(0, 1))):
            lines += [f"elif {self.cond(scope)}:", *_indent(self.block(inner, 1, self.max_block, ret=True))]
        if self.flip(0.6):
            lines += ["else:", *_indent(self.block(inner, 1, self.max_block, ret=True))]
        return lines, scope

    def stmt_jump(self, scope: _Scope):
        jump = self.pick(["break", "continue"])
        body = self.block(scope.inner(), 0, 1) if self.flip(0.3) else []
        body = [line for line in body if line != "pass"]
        return [f"if {self.cond(scope)}:", *_indent([*body, jump])], scope

    def stmt_for(self, scope: _Scope, fill: _List | None = None):
        """A for loop; with `fill`, its body appends to that list (under a condition, sometimes)."""
        inner = scope.inner(loop=True)
        form = self.pick(["range", "range_n", "range_len", "range_len_from", "reversed", "nested_range",
                          "list", "enumerate", "zip", "literal"])  # fmt: skip
        ints = [i for i in scope.ints if i.hi is not None and i.lo >= 0 and not i.name.startswith("k")]
        if form == "nested_range" and not ints:
            form = "range"
        if form in ("list", "enumerate", "zip", "range_len", "range_len_from", "reversed") and not scope.lists:
            form = "range_len_from" if form == "range_len_from" else "literal"
        # loop indices reuse the names i and j when free, as people write them (never read after the loop)
        live = {i.name for i in scope.ints}
        index = next((n for n in ("i", "j") if n not in live and self.flip(0.5)), None) or self.fresh("i")
        if form in ("range", "range_n"):
            k = self.draw(st.integers(0, 4))
            bound = str(k)
            if form == "range_n":  # a bound known only at run time
                named = [(i.name, i.hi) for i in scope.ints if i.name in ("n", "m")]
                bound, k = self.pick([(f"{k} + 0 * len(xs)", k), ("len(xs) - 1", XS_LENGTH - 1), *named])
            header = f"for {index} in range({bound}):"
            inner = replace(inner, ints=(*inner.ints, _Int(index, 0, k - 1)))
        elif form in ("range_len", "range_len_from", "reversed"):
            lst = self.pick(scope.lists) if scope.lists else _List("xs", XS_LENGTH)
            stride = self.pick(["", "", ", 2"])
            header = {
                "range_len": f"for {index} in range({'0, ' if stride else ''}len({lst.name}){stride}):",
                "range_len_from": f"for {index} in range(1, len({lst.name})):",
                "reversed": f"for {index} in range(len({lst.name}) - 1, -1, -1):",
            }[form]
            hi = None if lst.length is None else lst.length - 1
            inner = replace(inner, ints=(*inner.ints, _Int(index, 1 if form == "range_len_from" else 0, hi, lst.name)))
        elif form == "nested_range":
            outer = self.pick(ints)
            lst = next((lst for lst in scope.lists if lst.name == outer.of), None)
            if lst is not None and self.flip(0.5):
                header = f"for {index} in range({outer.name} + 1, len({lst.name})):"
                inner = replace(inner, ints=(*inner.ints, _Int(index, outer.lo + 1, outer.hi, lst.name)))
            else:
                header = f"for {index} in range({outer.name}):"
                inner = replace(inner, ints=(*inner.ints, _Int(index, 0, outer.hi - 1, outer.of)))
        elif form in ("list", "enumerate"):
            lst = self.pick(scope.lists)
            e = self.fresh("e")
            if form == "list":
                header = f"for {e} in {self.seq(lst)[0]}:"
            elif self.flip(0.3):  # counting from 1: not an index of lst, but index - 1 is
                header = f"for {index}, {e} in enumerate({lst.name}, 1):"
                inner = replace(inner, ints=(*inner.ints, _Int(index, 1, lst.length)))
            else:
                header = f"for {index}, {e} in enumerate({lst.name}):"
                hi = None if lst.length is None else lst.length - 1
                inner = replace(inner, ints=(*inner.ints, _Int(index, 0, hi, lst.name)))
            inner = replace(inner, floats=(*inner.floats, e), iterated=(*inner.iterated, lst.name))
        elif form == "zip":
            a, b = self.pick(scope.lists), self.pick(scope.lists)
            e, w = self.fresh("e"), self.fresh("e")
            header = f"for {e}, {w} in zip({self.seq(a)[0]}, {self.seq(b)[0]}):"
            inner = replace(inner, floats=(*inner.floats, e, w), iterated=(*inner.iterated, a.name, b.name))
        else:  # a literal list
            e = self.fresh("e")
            items = ", ".join(self.expr(scope, 1) for _ in range(self.draw(st.integers(1, 3))))
            header = f"for {e} in [{items}]:"
            inner = replace(inner, floats=(*inner.floats, e))
        if fill is not None:
            inner = replace(inner, lists=(*inner.lists, fill))
        body = self.block(inner, 0 if fill else 1, self.max_block)
        if fill is not None:
            body = [line for line in body if line != "pass"]
            append = f"{fill.name}.append({self.expr(inner, 1)})"
            # between two statements of the body (not inside one, nor before an elif/else)
            starts = [k for k, line in enumerate(body) if not line.startswith((" ", "elif", "else"))]
            at = self.pick([*starts, len(body)])
            body[at:at] = [f"if {self.cond(inner)}:", f"    {append}"] if self.flip(0.3) else [append]
        return [header, *_indent(body)], scope

    def stmt_while(self, scope: _Scope):
        k = self.fresh("k")
        bound, hi = self.pick([(str(b), b) for b in range(1, 4)] + [("len(xs)", XS_LENGTH)])
        counter = _Int(k, 1, hi)
        inner = replace(scope.inner(loop=True), ints=(*scope.ints, counter))
        form = self.pick(["counted", "guarded", "forever"])
        if form == "forever":
            head = [f"{k} = 0", "while True:", f"    {k} += 1", f"    if {k} > {bound}:", "        break"]
        elif form == "guarded" and scope.targets:
            guard = f"{self.pick(scope.targets)} {self.pick(_FLOAT_COMPARE)} {self.pick(['0.5', '1.0', '2.0'])}"
            head = [f"{k} = 0", f"while {k} < {bound} and {guard}:", f"    {k} += 1"]
        else:
            head = [f"{k} = 0", f"while {k} < {bound}:", f"    {k} += 1"]
        body = self.block(inner, 1, self.max_block)
        # after the loop the counter is an int the program may read (not an index: the loop may stop early)
        after = replace(scope, ints=(*scope.ints, _Int(k, 0, None)))
        return [*head, *_indent(body)], after

    # --- the function -------------------------------------------------------------------------------------

    def program(self, max_statements: int) -> str:
        lists = (_List("xs", XS_LENGTH), _List("W", 3))  # W: CONTROL_HELPERS' module-level tuple
        scope = _Scope(floats=("x", "y", "z"), targets=("x", "y"), lists=lists)
        # Work-around for test_fuzz_unused_list_parameter_gets_a_list_gradient (with AVOID_KNOWN_BUGS): xs must
        # be used in live code (here: by len) or its gradient is 0.0 instead of a list.
        lines = ["m = len(xs)"] if AVOID_KNOWN_BUGS or self.flip(0.5) else []
        if lines:
            scope = replace(scope, ints=(_Int("m", XS_LENGTH, XS_LENGTH),))
        if self.flip(0.3):
            k = self.draw(st.integers(0, 4))
            lines.append(f"n = {k}")
            scope = replace(scope, ints=(*scope.ints, _Int("n", k, k)))
        for _ in range(self.draw(st.integers(0, 2))):  # accumulators for the loops
            name = self.fresh("a")
            lines.append(f"{name} = {self.pick(['0.0', '1.0', 'x', 'y * 0.5'])}")
            scope = replace(scope, floats=(*scope.floats, name), targets=(*scope.targets, name))
        for _ in range(self.draw(st.integers(1, max_statements))):
            stmt, scope = self.statement(scope)
            lines += stmt
        # the result uses the accumulators and touches xs (at least its length), so SymPy is never applicable
        terms = [self.expr(scope, 2)]
        for t in scope.floats:
            if t.startswith(("a", "v")) and self.flip(0.7):
                # alone, or times a value from before or after a loop: not while AVOID_KNOWN_BUGS, where the
                # adjoint of a value from before a loop can read the loop's result after its reverse sweep restored
                # it (test_fuzz_adjoint_after_a_reversed_loop_reads_the_loop_result)
                product = not AVOID_KNOWN_BUGS and self.flip(0.3)
                terms.append(f"{t} * {self.pick(scope.floats)}" if product else t)
        terms.append(self.pick(["sum(xs)", "xs[0] * xs[-1]", "len(xs)", "xs[1]"]))
        lines.append(f"return {' + '.join(terms)}")
        return "\n".join(lines)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


@st.composite
def control_programs(draw, max_statements: int = 4, max_depth: int = 3, max_block: int = 2) -> str:
    """The body of a function f(x, y, z, xs) (xs a list of XS_LENGTH floats) with if/elif/else, conditional
    expressions, early returns, for and while loops (nested, with break and continue), and lists (indexing,
    iteration, sum, literals, comprehensions, append), and calls to CONTROL_HELPERS. Every program runs as plain
    Python on floats, on tape Values and on mpmath numbers (no methods, equality tests on ints only)."""
    return _ControlWriter(draw, max_depth, max_block).program(max_statements)
