"""The CPython printer's pieces: module-level names, expressions as Python AST, straight-line bodies.

Assumes a verified, differentiated Function. Guarantees (with `module` and `blocks`): names we invent never
meet the user's (`ModuleNames` for imports and helpers, `Namer` for locals); a temporary used once is printed
inline in its single use (in a straight-line body also where its adjoint is printed: the adjoint is then a plain
temporary), the user's variables and their adjoints keep their lines (but a gradient read by nothing but the
return may be printed in it, its name in a comment); names are reused
within their family once their holder is dead; the text is byte-identical for the same input (no ids, hashes or
set orders reach it); `maybe_int_vars` says which results may be ints, so the module can pass them through
`float()`.
"""

from __future__ import annotations

import ast
import functools
import heapq
import itertools
import re

import astor

from ... import templating
from ...ir import STRUCTURED, Const, Function, Namer, Var, has_blocks, walk
from ...ops import REGISTRY, BuiltinCall, Conditional, Expression, HelperCall, Infix, MathCall, Prefix

_INT_PRESERVING = {"add", "sub", "mul", "neg", "pow", "relu", "abs", "square"}  # int if every operand is
_INT_RESULT = {"floor", "ceil", "trunc"}  # math.floor and friends return an int even for a float
_FIRST_ARG_TYPED = {"mask_pos", "signed", "when_lt", "unless_lt"}  # result: the first argument or 0.0
_ANY_ARG_TYPED = {"min", "max"}  # result: one of the arguments, unchanged


class ModuleNames:
    """The module-level names the generated code uses, each chosen to avoid every user name."""

    def __init__(self, user_names):
        self.user_names = frozenset(user_names)
        self.chosen: dict[tuple[str, str], str] = {}  # (module, name) -> local alias, in order of first use
        self.helpers: dict[str, str] = {}  # template name -> function name
        self.pasted: dict[str, str] = {}  # op name -> the text of a pasted function (a user's primitive)

    def _pick(self, candidates) -> str:
        taken = set(self.chosen.values()) | set(self.helpers.values())
        for candidate in candidates:
            if candidate not in self.user_names and candidate not in taken:
                return candidate
        raise AssertionError("unreachable")

    def imported(self, module: str, name: str) -> str:
        key = (module, name)
        if key not in self.chosen:
            prefix = "" if module == "builtins" else f"{module}_"
            numbered = (f"{prefix}{name}_{i}" for i in itertools.count(1))
            self.chosen[key] = self._pick(itertools.chain([name, f"{prefix}{name}"], numbered))
        return self.chosen[key]

    def helper(self, printer: HelperCall) -> str:
        if printer.name not in self.helpers:
            for dependency in printer.uses:
                self.imported("math", dependency)
            numbered = (f"{printer.name}_{i}" for i in itertools.count(1))
            self.helpers[printer.name] = self._pick(itertools.chain([printer.name], numbered))
            render = getattr(printer, "render", None)  # a user's primitive: its text, which picks its own names now
            if render is not None:
                self.pasted[printer.name] = render(self.helpers[printer.name], self)
        return self.helpers[printer.name]

    def taken(self) -> set[str]:
        return set(self.chosen.values()) | set(self.helpers.values())

    def imports_text(self) -> str:
        lines = []
        for module in sorted({m for m, _ in self.chosen}):
            if module == "builtins" and all(alias == name for (m, name), alias in self.chosen.items() if m == module):
                continue  # builtins need an import only when renamed out of a user's way
            parts = [
                name if alias == name else f"{name} as {alias}"
                for (m, name), alias in sorted(self.chosen.items())
                if m == module
            ]
            lines.append(f"from {module} import {', '.join(parts)}")
        return "".join(line + "\n" for line in lines)

    def helpers_text(self) -> str:
        texts = []
        for template, name in sorted(self.helpers.items()):
            if template in self.pasted:
                texts.append(self.pasted[template])
                continue
            uses = REGISTRY[template].printer.uses
            aliases = {dep: self.chosen[("math", dep)] for dep in uses}
            texts.append(templating.fill(f"{template}.py.tmpl", **{template: name}, **aliases))
        return "".join("\n\n" + text for text in texts)


def astor_text(expr: ast.expr) -> str:
    return astor.to_source(ast.Expr(expr), pretty_source="".join).strip()


_PLACEHOLDER = re.compile(r"__sg(\d+)__")


def _shape(node: ast.AST, names: list[str]) -> tuple:
    """A hashable key of the expression's structure with names left out (collected, in order, into `names`);
    constants stay in the key, since their text is part of the template."""
    if isinstance(node, ast.Name):
        names.append(node.id)
        return ("N",)
    if isinstance(node, ast.Constant):
        return ("C", type(node.value).__name__, repr(node.value))
    fields = [type(node).__name__]
    for _, value in ast.iter_fields(node):
        if isinstance(value, list):
            fields.append(tuple(_shape(item, names) for item in value))
        elif isinstance(value, ast.AST):
            fields.append(_shape(value, names))
        elif value is not None:
            fields.append(value)
    return tuple(fields)


def _with_placeholders(node: ast.AST, counter) -> ast.AST:
    """A copy of the expression with every name replaced by `__sg<i>__`, in the order `_shape` visits them."""
    if isinstance(node, ast.Name):
        return ast.Name(f"__sg{next(counter)}__", ast.Load())
    if isinstance(node, ast.Constant):
        return node
    kwargs = {}
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            kwargs[field] = [_with_placeholders(item, counter) for item in value]
        elif isinstance(value, ast.AST):
            kwargs[field] = _with_placeholders(value, counter)
        else:
            kwargs[field] = value
    return type(node)(**kwargs)


def constant(value) -> ast.expr:
    if value < 0 or (value == 0 and str(value).startswith("-")):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def maybe_int_vars(fn: Function) -> set[Var]:
    """Variables that may hold an int (when every parameter is an int, or always: floor's result); the others
    are surely floats."""
    maybe = {p.var for p in fn.params}

    def maybe_int(atom) -> bool:
        return atom in maybe if isinstance(atom, Var) else isinstance(atom.value, int)

    blocks = has_blocks(fn)
    eqns = list(walk(fn.body)) if blocks else fn.body
    for _ in range(2 if blocks else 1):  # a loop's value can come from a later iteration
        for eqn in eqns:
            if eqn.op in STRUCTURED:
                # a structured op's result is one of its arguments or one of its blocks' results
                sources = [*eqn.args, *(a for block in eqn.blocks for a in block.outs)]
                if any(maybe_int(a) for a in sources):
                    maybe.update(eqn.outs)
                    for block in eqn.blocks:
                        maybe.update(block.params)
                continue
            if eqn.op in ("getitem", "read_at", "unpack", "unpack_tuple"):
                maybe.update(eqn.outs)  # an element of a list the caller passed: it may hold ints
                continue
            # mask_pos(g, y) and the like are g (or -g) or 0.0: their type is g's; the others need every int.
            op = eqn.op
            if op in _INT_RESULT:
                maybe.update(eqn.outs)
            elif op in _INT_PRESERVING or op in _FIRST_ARG_TYPED:
                for a in eqn.args[:1] if op in _FIRST_ARG_TYPED else eqn.args:
                    if not (a in maybe if a.__class__ is Var else isinstance(a.value, int)):
                        break  # (maybe_int, written out: this loop runs once per equation)
                else:
                    maybe.update(eqn.outs)
            elif op in _ANY_ARG_TYPED and any(maybe_int(a) for a in eqn.args):
                maybe.update(eqn.outs)
    return maybe


FAST_SLOTS = 256  # CPython addresses the first 256 locals with one instruction, the others with two
HOT_USES = 16  # a local used this often is worth a fast slot
MAX_INLINE_DEPTH = 50  # levels of inlined expressions in one printed expression (then a temporary is named)
# Ops that never raise on floats (no domain error, no overflow, no division): inlining may move them freely.
_CANNOT_RAISE = frozenset(
    {"add", "sub", "mul", "neg", "abs", "fabs", "relu", "mask_pos", "signed", "when_lt", "unless_lt", "min", "max",
     "tanh", "sigmoid", "atan", "atan2", "copysign", "square", "sign", "erf", "erfc", "degrees", "radians"}
)  # fmt: skip
# Ops that raise one error only (for floats, CPython 3.11): two of one kind may run in either order, the same
# error is raised either way, with the same message. Any other op that may raise is a kind of its own.
_RAISES = {
    "div": "ZeroDivisionError",
    **dict.fromkeys(("exp", "exp2", "expm1", "cosh", "sinh"), "OverflowError: math range error"),
    **dict.fromkeys(("log", "log2", "log10", "log1p", "sqrt", "asin", "acos", "acosh", "atanh", "sin", "cos", "tan"),
                    "ValueError: math domain error"),
}  # fmt: skip


def _inlined_raising(inlined: set, defining: dict, eqn, found: list) -> list:
    """The inlined variables of `eqn`'s expression whose op may raise, in the order the expression runs them."""
    for a in eqn.args:
        if a.__class__ is Var and a in inlined:
            inner = defining[a]
            _inlined_raising(inlined, defining, inner, found)
            if inner.op not in _CANNOT_RAISE:
                found.append(a)
    return found


@functools.cache
def _prints_an_argument_twice() -> frozenset[str]:
    """The ops whose printer may print an argument twice (so it must be a name, never an inlined expression)."""
    return frozenset(name for name, op in REGISTRY.items() if isinstance(op.printer, Conditional | Expression))


class BodyPrinter:
    """Straight-line bodies (every op in the registry, no blocks). One pass over the body finds the inlined
    temporaries, one names the printed variables, one prints; the text of a statement comes from a template per
    IR shape (`_key`), so astor runs once per shape, not once per statement."""

    returned: frozenset = frozenset()  # gradients printed in the return statement itself (`_returned_in_place`)
    labels: dict  # such a gradient -> the name its line would have given it (`<param>_bar`), for a comment

    def __init__(self, fn: Function, module_names: ModuleNames, inline_gradients: bool = False):
        self.fn = fn
        self.module_names = module_names
        self._templates: dict[tuple, str] = {}  # AST shape -> text (`_source`)
        self._statement_templates: dict[tuple, str] = {}  # IR shape -> format string (`_statement_text`)
        self._placeholders = None  # while a template is built: the counter that numbers its names
        defining: dict[Var, object] = {}
        uses: dict[Var, int] = {}
        twice: set[Var] = set()  # arguments of printers that print an argument twice: they must be names
        twice_ops = _prints_an_argument_twice()
        for eqn in fn.body:
            for out in eqn.outs:
                defining[out] = eqn
            prints_twice = eqn.op in twice_ops or (eqn.op == "pow" and self._squares(eqn))
            for a in eqn.args:
                if a.__class__ is Var:
                    uses[a] = uses.get(a, 0) + 1
                    if prints_twice:
                        twice.add(a)
        self.defining = defining
        outputs = {a for a in fn.outs if isinstance(a, Var)}

        # Adjoints of temporaries are steps inside one line's chain rule: inline when used once. Adjoints of the
        # user's variables (z_bar) and gradients keep their lines: they are what a reader follows.
        # A temporary used once is inlined even where its adjoint is printed: `x_1 = tanh(x * w1 + 0.5)` reads like
        # the user's line, and its adjoint is then a plain temporary (`t0`). (A line of its own for the inner
        # `t0 = x * w1 + 0.5` cost 50 stores and loads on a 50-step chain: B5 1.04x the hand-written, 1.01x without.)
        inlined = set()
        for var in defining:
            primal = var.primal
            if (var.hint if primal is None else primal.hint) or uses.get(var) != 1:
                continue  # the user's variables and their adjoints keep their lines: they are what a reader follows
            if var not in twice and var not in outputs:  # (used once, not an output: inlinable)
                inlined.add(var)
        bound_depth(self.fn.body, inlined)
        self._keep_raising_order(inlined)
        self.inlined = inlined
        self.labels = {}
        if inline_gradients:
            self.returned = self._returned_in_place(uses, inlined)
        returned = self.returned
        # whether any product may print as a select (`_select` needs an inlined mask): most bodies have none
        self._masks_inlined = any(defining[v].op == "mask_pos" for v in inlined)
        self.namer = Namer(fn.user_names, taken=module_names.taken())
        self.statements = [eqn for eqn in fn.body if eqn.outs[0] not in inlined and eqn.outs[0] not in returned]
        self._allocate_names()

    def _keep_raising_order(self, inlined: set) -> None:
        """Inlining moves a temporary's evaluation to its use. Values cannot change (ops are pure), but of two
        operations that can raise (a division, `log`, `exp`, `sqrt`), the one the program runs first must still
        run first, so that an input raises the same error. The printed program's raising operations, in the
        order it runs them (statement by statement, each expression inner first and left to right), must be in
        program order, except that two raising the same one error (`_RAISES`: two `exp`s, two divisions) may
        swap; those inlined into a statement that breaks it get lines of their own, and the check runs again (a
        few rounds; then no raising operation stays inlined, which keeps the order by construction)."""
        body = self.fn.body
        if all(eqn.op in _CANNOT_RAISE for eqn in body):
            return
        position = {eqn.outs[0]: i for i, eqn in enumerate(body)}
        defining = self.defining
        inlined_raising = functools.partial(_inlined_raising, inlined, defining)  # (no closure: no cycle to keep)

        def kind(i: int):
            return _RAISES.get(body[i].op, i)

        for _ in range(3):
            changed = False
            ran = _NOTHING_RAN
            for i, eqn in enumerate(body):
                if eqn.outs[0] in inlined:
                    continue
                found = inlined_raising(eqn, [])
                runs = [position[v] for v in found] + ([i] if eqn.op not in _CANNOT_RAISE else [])
                for attempt in (0, 1):
                    after = _ran_in_order(ran, runs, kind)
                    if after is not None:
                        ran = after
                        break
                    if attempt == 0:  # the inlined ones get lines of their own; the statement itself stays
                        inlined.difference_update(found)
                        changed = True
                        runs = runs[-1:] if eqn.op not in _CANNOT_RAISE else []
            if not changed:
                return
        inlined.difference_update([v for v in list(inlined) if defining[v].op not in _CANNOT_RAISE])

    def _returned_in_place(self, uses: dict, inlined: set) -> frozenset:
        """The gradients read by nothing but the return, to print there rather than on lines of their own: a
        store and a load fewer each (B3, a neuron with 15 gradients: 1.10x the hand-written reference with their
        lines, 1.00x without); `emit_module` names each in a comment. The return runs after every statement, in
        the order of the gradients, so moving them there moves when they run: values cannot change (ops are
        pure), and the raising operations must still run in program order (as `_keep_raising_order` keeps them);
        if they would not, only the gradients that cannot raise move."""
        body, defining = self.fn.body, self.defining
        returns: dict[Var, int] = {}  # how often the return reads each variable
        for atom in self.fn.outs:
            if atom.__class__ is Var:
                returns[atom] = returns.get(atom, 0) + 1
        params = [self.fn.params[i].var for i in self.fn.wrt]
        moved = [
            g
            for g, param in zip(self.fn.outs[1:], params, strict=True)
            if g.__class__ is Var
            and g.primal is param  # the parameter's adjoint, whose line would name it `<param>_bar`
            and g.suffix == "_bar"
            and returns[g] == 1
            and g in defining
            and not uses.get(g)
            and len(defining[g].outs) == 1
        ]
        # Only the last statements move: then nothing runs between them and the return, so no value they read
        # lives longer, and names stay reused (moving every `w_i_bar` of B5's 50-step chain kept its 50 running
        # temporaries alive to the end: 1.01x -> 1.04x the hand-written reference).
        candidates, moved = set(moved), []
        for eqn in reversed(body):
            out = eqn.outs[0] if eqn.outs else None
            if out in inlined:
                continue
            if out not in candidates:
                break
            moved.append(out)
        if not moved:
            return frozenset()
        order = {g: k for k, g in enumerate(self.fn.outs)}
        moved.sort(key=order.__getitem__)  # in the order the return runs them
        if all(eqn.op in _CANNOT_RAISE for eqn in body):
            return frozenset(moved)
        position = {eqn.outs[0]: i for i, eqn in enumerate(body) if eqn.outs}

        def runs(var) -> list[int]:  # the positions of the raising operations its statement runs, in order
            eqn = defining[var]
            found = [position[v] for v in _inlined_raising(inlined, defining, eqn, [])]
            return found + ([position[var]] if eqn.op not in _CANNOT_RAISE else [])

        chosen = set(moved)
        sequence = [
            p for eqn in body if eqn.outs and eqn.outs[0] not in inlined and eqn.outs[0] not in chosen
            for p in runs(eqn.outs[0])
        ]  # fmt: skip
        sequence += [p for g in moved for p in runs(g)]
        if _ran_in_order(_NOTHING_RAN, sequence, lambda p: _RAISES.get(body[p].op, p)) is None:
            chosen = {g for g in moved if not runs(g)}
        return frozenset(chosen)

    def _last_uses(self) -> dict[Var, int]:
        """Per printed variable, the index of the last statement that reads it (outputs: past the last)."""
        last_use: dict[Var, int] = {}
        counts: dict[Var, int] = {}  # reads per printed variable (for `_hot_locals`)
        inlined, defining = self.inlined, self.defining
        # (a loop, not a recursive closure: compilation runs with the garbage collector paused, and a closure
        # that calls itself is a cycle that would keep these tables alive until the end)
        end = len(self.statements)
        returned = [defining[g] for g in self.returned]  # the return reads through the gradients printed in it
        reads = itertools.chain(((i, [eqn]) for i, eqn in enumerate(self.statements)), [(end, returned)])
        for i, pending in reads:
            while pending:
                for arg in pending.pop().args:
                    if arg.__class__ is Var:
                        if arg in inlined:
                            pending.append(defining[arg])
                        else:
                            last_use[arg] = i
                            counts[arg] = counts.get(arg, 0) + 1
        self._read_counts = counts
        for atom in self.fn.outs:
            if isinstance(atom, Var):
                last_use[atom] = len(self.statements)  # outputs live to the return
        return last_use

    def _allocate_names(self) -> None:
        """A Python name for every printed variable. Single assignment would give each version its own name
        (x, x_1, x_2, ...); instead a name is reused, within its family, once its holder is dead: the code then
        reads like the user's (`x = tanh(x * w + 0.5)`, a running `x_bar`), and a function keeps few locals,
        which CPython runs faster (past 256 locals every access takes an extra instruction). Families never
        mix: the user's names, our adjoints (`x_bar`) and temporaries (`t0`) each reuse only their own."""
        last_use = self._last_uses()
        # Per family: its names in order of creation, the held ones in a heap by when their holder dies, and the
        # free ones in a heap by creation order (the first free name is taken: deterministic, and linear time).
        families: dict[tuple[str, bool], list[str]] = {}
        expiring: dict[tuple[str, bool], list[tuple[int, int, str]]] = {}
        free: dict[tuple[str, bool], list[tuple[int, str]]] = {}
        names = self.namer.names
        heappush, heappop = heapq.heappush, heapq.heappop

        def add_name(key, name, var):
            family = families.setdefault(key, [])
            family.append(name)
            heappush(expiring.setdefault(key, []), (last_use.get(var, -1), len(family) - 1, name))

        for p in self.fn.params:
            name = self.namer.name(p.var)
            add_name((name, True), name, p.var)
        # A parameter's gradient is named `<param>_bar` whatever the adjoints computed before it are called.
        for p, gradient in zip(
            (self.fn.params[i] for i in self.fn.wrt), self.fn.outs[1 : 1 + len(self.fn.wrt)], strict=True
        ):
            if gradient in self.returned:  # printed in the return: its name is only reserved, for the comment there
                self.labels[gradient] = self.namer.fresh(f"{p.name}_bar")
                continue
            if isinstance(gradient, Var) and gradient.primal is p.var and gradient not in names:
                name = self.namer.fresh(f"{p.name}_bar")
                add_name((f"{p.name}_bar", False), name, gradient)
                names[gradient] = name
        for i, eqn in enumerate(self.statements):
            var = eqn.outs[0]
            if var in names:
                continue  # a gradient, named above
            primal = var.primal
            if primal is not None and (primal.hint or primal in names):
                stem = primal.hint if primal.hint else names[primal]
                key = (f"{stem}{var.suffix}", False)
            elif primal is not None:
                key = ("", False)  # its primal was merged away by CSE: a plain temporary
            else:
                key = (var.hint, var.user)
            # a holder read by this very statement may give up its name: the right side is evaluated first
            held, available = expiring.setdefault(key, []), free.setdefault(key, [])
            while held and held[0][0] <= i:
                _, index, name = heappop(held)
                heappush(available, (index, name))
            if available:
                index, name = heappop(available)
                heappush(held, (last_use.get(var, -1), index, name))
            else:
                name = self.namer.fresh(*key)
                add_name(key, name, var)
            names[var] = name

    @staticmethod
    def _squares(eqn) -> bool:
        return eqn.op == "pow" and isinstance(eqn.args[1], Const) and eqn.args[1].value == 2

    def _hot_locals(self) -> list[str]:
        """The names to give CPython's first local slots, when the function has more than FAST_SLOTS locals.

        A local's slot is its position of first appearance in the function's text; an access to slot 256 or
        later takes an extra instruction (EXTENDED_ARG). A long reverse sweep names its few running adjoints
        (`x_bar`, `p_bar`) only after hundreds of forward values, so they, the most used, take the slow slots
        (B6, a 500-term polynomial: 3,440 extra instructions, 5% of its time). Names used HOT_USES times or
        more whose slot would be past FAST_SLOTS are listed, most used first, for `lines` to mention first."""
        names = self.namer.names
        if len(set(names.values())) <= FAST_SLOTS:
            return []
        reads = self._read_counts
        params = {names[p.var] for p in self.fn.params}
        order: dict[str, int] = {names[p.var]: reads.get(p.var, 0) for p in self.fn.params}  # name -> accesses
        for eqn in self.statements:  # in order of appearance: a variable is read only after it is assigned
            var = eqn.outs[0]
            name = names[var]
            order[name] = order.get(name, 0) + 1 + reads.get(var, 0)
        if len(order) <= FAST_SLOTS:
            return []
        slot = {name: i for i, name in enumerate(order)}
        hot = [n for n, uses in order.items() if uses >= HOT_USES and n not in params and slot[n] >= FAST_SLOTS]
        hot.sort(key=lambda n: (-order[n], slot[n]))
        return hot[: FAST_SLOTS - len(params)]

    def lines(self) -> list[str]:
        out: list[str] = []
        hot = self._hot_locals()
        if hot:
            out.append("    # the most used locals first: CPython's first 256 local slots cost no extra instruction")
            out.append("    if False:")
            out.append(f"        {' = '.join(hot)} = 0.0")
        last_loc = last_raw = last_key = None
        in_reverse = False
        names = self.namer.names
        origin = self.fn.origin
        files: dict[str, str] = {}  # path -> its base name (`loc.file`), found once per path
        statement_text = self._statement_text
        for eqn in self.statements:
            loc = eqn.loc
            if loc is not last_loc:  # equations of one source line mostly share their Loc
                last_loc = loc
                if loc.reverse and not in_reverse:
                    in_reverse = True
                    out.append("    # reverse sweep")
                raw = (loc.path, loc.func, loc.line, loc.reverse)
                if raw != last_raw:  # the same path surely gives the same base name (`file`)
                    last_raw = raw
                    file = files.get(loc.path)
                    if file is None:
                        file = files[loc.path] = loc.file
                    key = (file, loc.func, loc.line, loc.reverse)
                    if key != last_key:
                        last_key = key
                        out.append(f"    # {loc.describe(origin)}")
            out.append(f"    {names[eqn.outs[0]]} = {statement_text(eqn)}")
        # the lines the gradients printed in the return come from, once each, as their statements would have
        seen = {last_key}
        for g in self.fn.outs[1:]:
            if g in self.returned:
                loc = self.defining[g].loc
                key = (loc.file, loc.func, loc.line, loc.reverse)
                if loc.reverse and not in_reverse:
                    in_reverse = True
                    out.append("    # reverse sweep")
                if key not in seen:
                    seen.add(key)
                    out.append(f"    # {loc.describe(origin)}")
        return out

    def _key(self, eqn, names: list[str]) -> tuple:
        """The IR shape of the expression printed for `eqn`: its op, and per argument a Const, the shape of the
        expression inlined there, or 0 for a name (collected, in printing order, into `names`). Within one
        module the shape decides the text (how each op prints and the module-level names it uses are fixed)."""
        parts = [eqn.op]
        if eqn.op == "mul":  # printed as a select or not: part of the shape
            parts.append(self._select(eqn) if self._masks_inlined else None)
        inlined = self.inlined
        for a in eqn.args:
            if a.__class__ is Var:
                if a in inlined:
                    parts.append(self._key(self.defining[a], names))
                else:
                    names.append(self.namer.names[a])
                    parts.append(0)
            else:
                # its type and value; a zero (0.0 or -0.0) or a tuple by its text (hashing a Const formats it)
                v = a.value
                parts.append((v.__class__, v) if v and v.__class__ is not tuple else (v.__class__, repr(v)))
        return tuple(parts)

    def _statement_text(self, eqn) -> str:
        """The right side of a statement: astor prints each IR shape once, with numbered placeholders for the
        names, and each statement of that shape fills them in."""
        names: list[str] = []
        key = self._key(eqn, names)
        template = self._statement_templates.get(key)
        if template is None:
            self._placeholders = itertools.count()
            try:
                text = astor_text(self._eqn_expr(eqn))
            finally:
                self._placeholders = None
            template = _PLACEHOLDER.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))
            self._statement_templates[key] = template
        return template.format(*names)

    def _source(self, expr: ast.expr) -> str:
        """astor's text for `expr`. Statements repeat a few shapes with other names (a chain of 10,000 steps
        has a handful), so astor prints each shape once, with placeholders for the names; its line wrapping
        is off, so the text does not depend on how long the names are."""
        names: list[str] = []
        key = _shape(expr, names)
        template = self._templates.get(key)
        if template is None:
            template = astor_text(_with_placeholders(expr, iter(range(len(names)))))
            self._templates[key] = template
        return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))], template)

    def output(self, atom, maybe_int: set[Var]) -> str:
        if atom in self.returned:
            text = self._statement_text(self.defining[atom])
            return f"{self.module_names.imported('builtins', 'float')}({text})" if atom in maybe_int else text
        text = astor_text(self._atom(atom))
        if isinstance(atom, Const) and isinstance(atom.value, int):
            return repr(float(atom.value))
        if isinstance(atom, Var) and atom in maybe_int:
            return f"{self.module_names.imported('builtins', 'float')}({text})"
        return text

    def _atom(self, atom) -> ast.expr:
        if isinstance(atom, Const):
            return constant(atom.value)
        if atom in self.inlined:
            return self._eqn_expr(self.defining[atom])
        if self._placeholders is not None:
            return ast.Name(f"__sg{next(self._placeholders)}__", ast.Load())
        return ast.Name(self.namer.name(atom), ast.Load())

    def _select(self, eqn):
        """For `mul(mask_pos(1, y), z)` (either order), with the mask inlined and `z` a name or a float constant
        that surely holds a float: the position of the mask, else None. Such a product prints as the select
        `z if y > 0.0 else 0.0 * z`, one multiplication fewer, bit for bit the same: where y > 0 the product is
        1.0 * z, which is z for every float (-0.0, inf and nan too); elsewhere it is 0.0 * z, as printed (not
        0.0: that is -0.0 for a negative z and nan for an infinite one). Both sides read only names, so nothing is
        evaluated in another order. An int z is left alone: 1.0 * z would be a float, z is not."""
        if eqn.op != "mul":
            return None
        for k in (0, 1):
            mask, z = eqn.args[k], eqn.args[1 - k]
            if mask.__class__ is not Var or mask not in self.inlined or self.defining[mask].op != "mask_pos":
                continue
            one = self.defining[mask].args[0]
            if not (isinstance(one, Const) and not isinstance(one.value, bool) and one.value == 1):
                continue
            if isinstance(z, Const):
                if type(z.value) is float:
                    return k
            elif z not in self.inlined and z not in self._maybe_int_vars():
                return k
        return None

    def _maybe_int_vars(self) -> set[Var]:
        if getattr(self, "maybe_int", None) is None:
            self.maybe_int = maybe_int_vars(self.fn)
        return self.maybe_int

    def _select_expr(self, eqn, k: int) -> ast.expr:
        mask = self.defining[eqn.args[k]]
        printer = REGISTRY["mask_pos"].printer
        # the names in the order `_key` collects them: the arguments of the product, left to right
        if k == 0:
            y = self._atom(mask.args[printer.left])
            z = self._atom(eqn.args[1])
            zero_times = ast.BinOp(constant(0.0), ast.Mult(), z)
        else:
            z = self._atom(eqn.args[0])
            y = self._atom(mask.args[printer.left])
            zero_times = ast.BinOp(z, ast.Mult(), constant(0.0))
        test = ast.Compare(y, [printer.compare()], [constant(printer.against)])
        return ast.IfExp(test, z, zero_times)

    def _eqn_expr(self, eqn) -> ast.expr:
        if eqn.op == "mul":
            k = self._select(eqn)
            if k is not None:
                return self._select_expr(eqn, k)
        printer = REGISTRY[eqn.op].printer
        if self._squares(eqn):
            base = self._atom(eqn.args[0])
            return ast.BinOp(base, ast.Mult(), base)
        return self._eqn_expr_printer(printer, [self._atom(a) for a in eqn.args])

    def _eqn_expr_printer(self, printer, args: list[ast.expr]) -> ast.expr:
        if isinstance(printer, Infix):
            return ast.BinOp(args[0], printer.operator(), args[1])
        if isinstance(printer, Prefix):
            return ast.UnaryOp(printer.operator(), args[0])
        if isinstance(printer, MathCall):
            return ast.Call(ast.Name(self.module_names.imported("math", printer.name), ast.Load()), args, [])
        if isinstance(printer, HelperCall):
            return ast.Call(ast.Name(self.module_names.helper(printer), ast.Load()), args, [])
        if isinstance(printer, BuiltinCall):
            return ast.Call(ast.Name(self.module_names.imported("builtins", printer.name), ast.Load()), args, [])
        if isinstance(printer, Expression):
            return printer.build(args)
        if isinstance(printer, Conditional):

            def pick(which):
                return args[which] if isinstance(which, int) else constant(which)

            test = ast.Compare(args[printer.left], [printer.compare()], [constant(printer.against)])
            return ast.IfExp(test, pick(printer.body), pick(printer.orelse))
        raise AssertionError(f"no printer {printer!r}")


_NOTHING_RAN = ((-1, None), (-1, None))


def _ran_in_order(ran, positions, kind):
    """Raising operations run in this order (their program positions) after those summed up in `ran`: the new
    summary, or None where one runs after an operation of another kind (`kind`) that comes later in the program
    (then the printed program could raise another error than the user's). A summary is the latest position run
    so far with its kind, and the latest of another kind."""
    top, other = ran
    for p in positions:
        k = kind(p)
        if (top[0] if top[1] != k else other[0]) > p:
            return None
        if k == top[1]:
            top = (max(top[0], p), k)
        elif p > top[0]:
            top, other = (p, k), top
        elif p > other[0]:
            other = (p, k)
    return top, other


def bound_depth(eqns, inlined: set) -> None:
    """No printed expression nests deeper than MAX_INLINE_DEPTH: the temporary at that depth is named instead
    (astor, `compile()` and the printer's own recursion then never meet a deep tree). `eqns` in program order,
    each definition before its uses."""
    depth: dict[Var, int] = {}
    for eqn in eqns:
        out = eqn.outs[0] if eqn.outs else None
        if out not in inlined:
            continue
        d = 1
        for a in eqn.args:
            if a.__class__ is Var and a in depth:
                d = max(d, depth[a] + 1)
        if d >= MAX_INLINE_DEPTH:
            inlined.discard(out)  # printed on a line of its own: its reader sees a name
        else:
            depth[out] = d
