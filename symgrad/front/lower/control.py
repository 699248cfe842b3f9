"""Structured control flow: `if`, `for`, `while`, `break`, `continue`, `return`, conditions and short-circuits.

Assumes it is mixed into the lowerer (`core`), which provides the builder `b`, the block depth `depth`, statements
(`lower_stmt`, `bind`), expressions (`expr`, `scalar`, `emit`), sequences (`iteration`) and specialization
(`unrolled`, `kept`, `static_length`). Guarantees: control flow stays structured (a branch that leaves takes the
statements after its `if` with it; `if`, `for` and `while` equations carry their blocks); a condition known at
compile time compiles only the taken branch; a name assigned on only some paths is remembered as unsure, and
reading it is an error that says why.
"""

from __future__ import annotations

import ast

from ...dataops import COMPARISONS
from ...ir import Block, Builder, Const, Eqn, Var
from .frame import Frame
from .values import StaticList, Structured, describe, is_static

# Branches and loops nested in one compiled function, helpers inlined: the generated code indents once per level
# and a few more (the function, a loop's exit test), and CPython refuses more than 100 indentation levels.
MAX_BLOCK_DEPTH = 90
# Loops nested, likewise: CPython refuses more than 20 statically nested blocks (a generated loop may hold one more).
MAX_LOOP_DEPTH = 16


class ControlFlow:
    """Statements lists, branches, loops and conditions (a mixin of the lowerer)."""

    def tail(self, frame: Frame, stmts: list, ctx) -> tuple:
        """Lower `stmts` up to where control leaves them; return the atoms the enclosing construct receives
        there (`ctx` says which: the return value, or a loop's carried values and its stop flag). A branch
        that leaves (return, break, continue) takes the statements after its `if` into the other branch,
        so control flow stays structured."""
        for index, stmt in enumerate(stmts):
            self.site = (frame, stmt)  # where a branch or loop opened now begins (for MAX_BLOCK_DEPTH's error)
            if isinstance(stmt, ast.Return):
                return ctx.on_return(self, frame, stmt)
            if isinstance(stmt, ast.Break | ast.Continue):
                return ctx.on_jump(self, frame, stmt)
            if isinstance(stmt, ast.If):
                rest = stmts[index + 1 :]
                cond = self.condition(frame, stmt.test)
                if isinstance(cond, Const):  # decided now: only the taken branch is compiled
                    return self.tail(frame, (stmt.body if cond.value else stmt.orelse) + rest, ctx)
                if _leaves(stmt):
                    return self._if_tail(frame, stmt, cond, rest, ctx)
                self._if_merge(frame, stmt, cond)
            elif isinstance(stmt, ast.For | ast.While):
                self._loop(frame, stmt)
            else:
                self.lower_stmt(frame, stmt)
        return ctx.on_end(self, frame, stmts[-1] if stmts else frame.src.node)

    def branch(self, frame: Frame, env: dict, lower, loop: bool = False) -> tuple[Block, dict]:
        """Lower one branch (or, `loop`, a loop's body) into a block of its own, starting from `env`; return the
        block and its env."""
        if self.depth >= MAX_BLOCK_DEPTH:
            self._too_deep(f"branches and loops nest more than {MAX_BLOCK_DEPTH} deep here", "100 levels of "
                           "indentation")  # fmt: skip
        if loop and self.loop_depth >= MAX_LOOP_DEPTH:
            self._too_deep(f"loops nest more than {MAX_LOOP_DEPTH} deep here", "20 nested loops in a function")
        saved_env, saved_unsure, saved_builder = frame.env, frame.unsure, self.b
        frame.env, frame.unsure, self.b = dict(env), dict(saved_unsure), Builder()
        self.depth += 1
        self.loop_depth += loop
        try:
            outs = lower()
            return Block((), tuple(self.b.eqns), tuple(outs)), frame.env
        finally:
            frame.env, frame.unsure, self.b = saved_env, saved_unsure, saved_builder
            self.depth -= 1
            self.loop_depth -= loop

    def _too_deep(self, what: str, limit: str):
        site_frame, stmt = self.site
        raise site_frame.error(
            stmt, f"with the helpers inlined, {what}: the generated Python could not be compiled (Python allows "
            f"{limit})",
            "move the helper calls out of the if or loop bodies (`y = h(x)` before the `if`), or call helpers "
            "fewer levels deep",
        )  # fmt: skip

    def _if_tail(self, frame, stmt, cond, rest, ctx) -> tuple:
        env = frame.env
        then, _ = self.branch(frame, env, lambda: self.tail(frame, stmt.body + rest, ctx))
        orelse, _ = self.branch(frame, env, lambda: self.tail(frame, stmt.orelse + rest, ctx))
        return self._if_eqn(frame, stmt, cond, then, orelse, ctx.hints(len(then.outs)))

    def _if_eqn(self, frame, node, cond, then: Block, orelse: Block, hints) -> tuple:
        outs = []
        for name, a, b in zip(hints, then.outs, orelse.outs, strict=True):
            if not isinstance(a, Var | Const) or not isinstance(b, Var | Const):
                raise frame.error(node, "a helper returns a list or an object from a branch decided at run time",
                                  "return numbers from such branches, or decide the branch from constants")  # fmt: skip
            user = bool(name) and name != "out" and not name.startswith("<")
            outs.append(Var(_hint(name), user=user, kind=_join_kind(frame, node, a, b)))
        self.b.eqns.append(Eqn(tuple(outs), "if", (cond,), frame.loc(node), (then, orelse)))
        return tuple(outs)

    def _if_merge(self, frame: Frame, stmt: ast.If, cond) -> None:
        env = frame.env
        then = self.branch(frame, env, lambda: self.tail(frame, stmt.body, _NoExit()))
        orelse = self.branch(frame, env, lambda: self.tail(frame, stmt.orelse, _NoExit()))
        self.merge(frame, stmt, cond, env, then, orelse)

    def merge(self, frame: Frame, node, cond, env: dict, then, orelse) -> None:
        """After an `if` whose branches both fall through: the names a branch changed get the `if`'s outputs."""
        (then, env_t), (orelse, env_e) = then, orelse
        names = [n for n in dict.fromkeys([*env_t, *env_e]) if env_t.get(n) is not env.get(n) or
                 env_e.get(n) is not env.get(n)]  # fmt: skip
        merged, then_outs, else_outs = [], [], []
        for name in names:
            a, b = env_t.get(name, _UNSET), env_e.get(name, _UNSET)
            if a is _UNSET or b is _UNSET:
                frame.env.pop(name, None)
                frame.unsure[name] = f"{name!r} is assigned on only one path through the `if` at line {node.lineno}"
                continue
            if a is b:
                frame.env[name] = a
                continue
            for value in (a, b):
                if not isinstance(value, Var | Const):
                    raise frame.error(node, f"{name!r} is {describe(value)} on one path through this `if`; "
                                      "only numbers and lists can differ between branches",
                                      "assign the tuple's elements to names of their own")  # fmt: skip
            merged.append(name)
            then_outs.append(a)
            else_outs.append(b)
        then = Block((), then.body, tuple(then_outs))
        orelse = Block((), orelse.body, tuple(else_outs))
        outs = self._if_eqn(frame, node, cond, then, orelse, merged)
        for name, var in zip(merged, outs, strict=True):
            frame.env[name] = var
            frame.unsure.pop(name, None)

    def _loop(self, frame: Frame, stmt) -> None:
        if stmt.orelse:
            raise frame.error(stmt.orelse[0], f"`{'for' if isinstance(stmt, ast.For) else 'while'} ... else` is "
                              "not supported", "set a flag before `break` and test it after the loop")  # fmt: skip
        targets = _target_names(stmt.target) if isinstance(stmt, ast.For) else []
        assigned = [n for n in _assigned_names(stmt.body) if n not in targets]
        # a target defined before the loop keeps that value when the loop runs zero times: it is carried too
        carried = [n for n in [*targets, *assigned] if n in frame.env]
        for name in carried:
            if self.static and is_static(frame.env[name]):
                continue  # fine if the loop unrolls; `_kept` gives up on it otherwise
            if not isinstance(frame.env[name], Var | Const):
                raise frame.error(stmt, f"{name!r} is {describe(frame.env[name])} and the loop assigns it; "
                                  "only numbers and lists can change in a loop",
                                  "assign the tuple's elements to names of their own")  # fmt: skip

        def body(frame):
            return self.tail(frame, stmt.body, _Loop(carried))

        if isinstance(stmt, ast.For):
            bounds, element, hint = self.iteration(frame, stmt.iter)

            def for_body(frame, index):
                self.bind(frame, stmt.target, element(frame, index))
                return body(frame)

            self.for_eqn(frame, stmt, carried, bounds, hint, for_body)
        else:
            self._while_eqn(frame, stmt, carried, body)
        where = "the `for` loop" if isinstance(stmt, ast.For) else "the `while` loop"
        for name in [*targets, *assigned]:
            if name not in carried:
                frame.env.pop(name, None)
                frame.unsure[name] = (f"{name!r} is assigned inside {where} at line {stmt.lineno} and not before "
                                      "it, so it may be unset after it")  # fmt: skip

    def _carry(self, frame: Frame, names):
        """Fresh block parameters for the carried names, bound in the frame's env."""
        params = []
        for name in names:
            init = frame.env[name]
            param = Var(_hint(name), user=not name.startswith("<"), kind=_kind(init))
            params.append(param)
            frame.env[name] = param
        return params

    def for_eqn(self, frame: Frame, node, names, bounds, index_hint, body) -> None:
        if self.unrolled(frame, names, bounds, body):
            return
        inits = self.kept(frame, names)
        index = Var(index_hint, user=False, kind="int")
        params = []

        def run():
            params.extend(self._carry(frame, names))
            return body(frame, index)

        block, _ = self.branch(frame, frame.env, run, loop=True)
        block = Block((index, *params), block.body, block.outs)
        outs = self._loop_outs(frame, node, names, inits, params, block.outs)
        self.b.eqns.append(Eqn(outs, "for", (*bounds, *inits), frame.loc(node), (block,)))
        frame.env.update(zip(names, outs, strict=False))

    def _while_eqn(self, frame: Frame, node, names, body) -> None:
        inits = self.kept(frame, names)
        cond_params, params = [], []

        def test():
            cond_params.extend(self._carry(frame, names))
            return (self.condition(frame, node.test),)

        def run():
            params.extend(self._carry(frame, names))
            return body(frame)

        cond, _ = self.branch(frame, frame.env, test)
        block, _ = self.branch(frame, frame.env, run, loop=True)
        cond = Block(tuple(cond_params), cond.body, cond.outs)
        block = Block(tuple(params), block.body, block.outs)
        outs = self._loop_outs(frame, node, names, inits, params, block.outs)
        self.b.eqns.append(Eqn(outs, "while", tuple(inits), frame.loc(node), (cond, block)))
        frame.env.update(zip(names, outs, strict=False))

    def _loop_outs(self, frame, node, names, inits, params, block_outs) -> tuple:
        outs = []
        for name, init, param, out in zip(names, inits, params, block_outs, strict=False):
            kind = _join_kind(frame, node, init, out)
            param.kind = kind  # an int counter that the body makes a float is a number, not an int
            outs.append(Var(_hint(name), user=not name.startswith("<"), kind=kind))
        return tuple(outs)

    # --- conditions ----------------------------------------------------------------------------------------

    def condition(self, frame: Frame, node):
        return self._truth(frame, node, self.expr(frame, node))

    def _truth(self, frame: Frame, node, value):
        """A boolean atom saying whether `value` is true, as Python's `if` decides."""
        if is_static(value):
            return Const(bool(self.static_length(value).value))
        if isinstance(value, Const):
            return Const(bool(value.value))
        if isinstance(value, Var) and value.kind == "bool":
            return value
        if isinstance(value, Var) and value.kind == "list":
            return self.emit(frame, node, "ne", self.emit(frame, node, "len", value), Const(0))
        if not isinstance(value, Var):
            raise frame.error(node, f"cannot test {describe(value)} for truth", "compare numbers")
        return self.emit(frame, node, "ne", self.scalar(frame, node, value, "a condition"), Const(0))

    def compare(self, frame: Frame, node: ast.Compare, left, i: int):
        op = node.ops[i]
        if type(op) not in COMPARISONS:
            raise frame.error(node, f"the comparison `{ast.unparse(node)}` is not supported",
                              "compare numbers with < <= > >= == !=")  # fmt: skip
        right = self.expr(frame, node.comparators[i])
        a = self.scalar(frame, node.left if i == 0 else node.comparators[i - 1], left, "a compared value")
        b = self.scalar(frame, node.comparators[i], right, "a compared value")
        result = self.emit(frame, node, COMPARISONS[type(op)][0], a, b)
        if i + 1 == len(node.ops):
            return result
        if isinstance(result, Const):  # a < b < c is a < b and b < c, with b computed once
            return self.compare(frame, node, right, i + 1) if result.value else result
        return self.choose(frame, node, result, lambda: self.compare(frame, node, right, i + 1), lambda: result)

    def boolop(self, frame: Frame, node: ast.BoolOp, value, i: int):
        """`a and b` is `b if a else a`, `a or b` is `a if a else b`: b runs only when needed, as in Python."""
        if i == len(node.values):
            return value
        truth = self._truth(frame, node.values[i - 1], value)
        is_and = isinstance(node.op, ast.And)

        def more():
            return self.boolop(frame, node, self.expr(frame, node.values[i]), i + 1)

        if isinstance(truth, Const):
            return more() if truth.value == is_and else value
        keep = lambda: value  # noqa: E731
        return self.choose(frame, node, truth, more if is_and else keep, keep if is_and else more)

    def choose(self, frame: Frame, node, cond, then, orelse):
        """One value from an `if` on `cond`: only the taken branch's code runs."""
        env = frame.env
        blocks = []
        for branch in (then, orelse):
            block, _ = self.branch(frame, env, lambda branch=branch: (self._value_atom(frame, node, branch()),))
            blocks.append(block)
        (out,) = self._if_eqn(frame, node, cond, *blocks, [""])
        return out

    def _value_atom(self, frame, node, value):
        if isinstance(value, Var | Const):
            return value
        raise frame.error(node, f"a branch gives {describe(value)}", "branches must give numbers or lists")


# --- where a block hands control back ---------------------------------------------------------------------

_UNSET = object()


def _leaves(stmt: ast.If) -> bool:
    """Whether a `return`, or a `break`/`continue` of an enclosing loop, is somewhere inside the `if`."""

    def visit(node, in_loop):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Return):
                return True
            if isinstance(child, ast.Break | ast.Continue) and not in_loop:
                return True
            if isinstance(child, ast.expr):
                continue
            if visit(child, in_loop or isinstance(child, ast.For | ast.While)):
                return True
        return False

    return visit(stmt, False)


def _kind(atom) -> str:
    if isinstance(atom, Const):
        value = atom.value
        return "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else (
            "tuple" if isinstance(value, tuple) else "scalar")  # fmt: skip
    return atom.kind


def _join_kind(frame, node, *atoms) -> str:
    """The kind of a value that is one of `atoms` (an `if`'s result, a loop's carried value). An "item"
    (a parameter or list element not used yet) takes the kind of the others: a list joined with an element
    makes that element a list."""
    kinds = {_kind(a) for a in atoms} - {"item"}
    if not kinds:
        return "item"
    if len(kinds) == 1:
        kind = kinds.pop()
        for atom in atoms:
            if isinstance(atom, Var) and atom.kind == "item":
                atom.kind = kind if kind in ("list", "scalar") else "scalar"
        return kind
    if "list" in kinds or "tuple" in kinds:
        raise frame.error(node, "a name holds a list on one path and a number on another",
                          "keep lists and numbers in names of their own")  # fmt: skip
    return "scalar"


def _flatten(value) -> tuple[list, object]:
    if isinstance(value, tuple):
        atoms, shape = [], []
        for item in value:
            inner, inner_shape = _flatten(item)
            atoms += inner
            shape.append((len(inner), inner_shape))
        return atoms, tuple(shape)
    return [value], None


def _unflatten(atoms, shape):
    if shape is None:
        return atoms[0]
    items, at = [], 0
    for size, inner in shape:
        items.append(_unflatten(atoms[at : at + size], inner))
        at += size
    return tuple(items)


class _NoExit:
    """A branch that falls through (merged afterwards): nothing to hand over."""

    def on_end(self, lowerer, frame, node):
        return ()

    def on_return(self, lowerer, frame, stmt):  # pragma: no cover - `_leaves` routes these elsewhere
        raise AssertionError("a leaving branch was lowered as a merging one")

    on_jump = on_return


class Returns:
    """A function body: control leaves it by `return`; every return must hand over the same shape."""

    def __init__(self, top: bool):
        self.top = top
        self.shape = _UNSET
        self.node = None

    def on_return(self, lowerer, frame, stmt):
        if stmt.value is None:
            raise frame.error(stmt, "`return` needs a value", "return the number to differentiate")
        value = lowerer.expr(frame, stmt.value)
        if self.top and isinstance(value, tuple | list):
            if lowerer.results == "number":
                raise frame.error(stmt.value, f"the function returns {len(value)} values, and a gradient needs "
                                  "one number", "use symgrad.jacobian (or value_and_jacobian, jvp) for a function "
                                  "with several results")  # fmt: skip
            value = _number_tuple(lowerer, frame, stmt.value, value)
            lowerer.returned = "tuple"
        elif self.top:
            value = lowerer.scalar(frame, stmt.value, value, "the return value")
            if (isinstance(value, Var) and value.kind == "bool") or (
                isinstance(value, Const) and isinstance(value.value, bool)
            ):
                raise frame.error(stmt.value, "the return value is a truth value (from a comparison, `and`/`or` "
                                  "or `not`), not a number", "return a number computed from the values")  # fmt: skip
        atoms, shape = _flatten(value)
        for atom in atoms:
            if not isinstance(atom, Var | Const | StaticList | Structured):  # static ones: specialized code only
                raise frame.error(stmt.value, f"a helper returns {describe(atom)}",
                                  "return numbers, lists or tuples of them")  # fmt: skip
        if self.shape is _UNSET:
            self.shape, self.node = shape, stmt.value
        elif shape != self.shape:
            raise frame.error(stmt, "this `return` gives a value of another shape than the one at line "
                              f"{self.node.lineno}", "return the same kind of value on every path")  # fmt: skip
        return tuple(atoms)

    def on_jump(self, lowerer, frame, stmt):  # pragma: no cover - the fence rejects a jump outside a loop
        raise frame.error(stmt, f"`{type(stmt).__name__.lower()}` outside a loop", "use it inside a loop")

    def on_end(self, lowerer, frame, node):
        name = getattr(frame.src.node, "name", "the function")
        raise frame.error(node, f"{name}() can end here without returning a value",
                          "end every path through the function with `return <expression>`")  # fmt: skip

    def hints(self, n):
        return ["out" if self.top else ""] * n

    def rebuild(self, atoms):
        return _unflatten(list(atoms), self.shape)


def _number_tuple(lowerer, frame, node, value) -> tuple:
    """The top-level result of a function with several results: a tuple (or list) of numbers."""
    if not value:
        raise frame.error(node, "the function returns an empty tuple", "return the results as `return a, b`")
    return tuple(lowerer.scalar(frame, node, element, "each returned value") for element in value)


class _Loop:
    """A loop body: control leaves it at its end, by `continue` or by `break`; each hands over the carried
    names' current values and whether the loop stops."""

    def __init__(self, names: list[str]):
        self.names = names

    def _carried(self, frame, stop: bool):
        return (*tuple(frame.env[name] for name in self.names), Const(stop))

    def on_end(self, lowerer, frame, node):
        return self._carried(frame, False)

    def on_jump(self, lowerer, frame, stmt):
        return self._carried(frame, isinstance(stmt, ast.Break))

    def on_return(self, lowerer, frame, stmt):
        raise frame.error(stmt, "`return` inside a loop is not supported",
                          "`break` out of the loop and return after it")  # fmt: skip

    def hints(self, n):
        return [*self.names, ""][:n]


def _hint(name: str) -> str:
    return name.strip("<>").split("#")[0]


def _target_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _assigned_names(stmts) -> list[str]:
    """The names the statements assign, in order of first assignment (comprehension variables excluded: they
    are local to their comprehension)."""
    found: dict[str, None] = {}

    def visit(node):
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.Lambda | ast.FunctionDef):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.setdefault(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for stmt in stmts:
        visit(stmt)
    return list(found)
