"""Lowering: the user's function (AST) to IR.

Assumes source from `source.get_source` that passed `fence.check`. Compile-time Python is evaluated here:
module constants, `math.pi`, literals and arithmetic on them become constants (computed exactly as Python would
at run time); only values that depend on parameters become IR variables. Calls to other plain functions are
inlined (their own errors point into their own source); recursion is an error.

Guarantees: the result passes `ir.verify`; each equation's location is the user's expression it came from; an
assignment `z = <expr>` names the expression's variable `z`, so IR and generated code read like the source;
every rejected construct raises `UnsupportedSyntax` at its own line and column.
"""

from __future__ import annotations

import ast
import inspect
from collections import Counter

from . import fence, ops, resolve
from .dataops import COMPARISONS
from .errors import SymgradError, UnsupportedSyntax
from .ir import NO_DEFAULT, Block, Builder, Const, Eqn, Function, Loc, Param, Var, verify, walk
from .ops import REGISTRY, UNARY_FUNCTIONS
from .source import Source, get_source

_BINOPS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
    ast.FloorDiv: "floordiv", ast.Mod: "mod",
}  # fmt: skip
_METHODS = tuple(name for name in UNARY_FUNCTIONS if REGISTRY[name].method)
_ITERATION_BUILTINS = {"range", "zip", "enumerate"}  # only as what a `for` or comprehension iterates over
_VARIADIC = {"min", "max"}  # min(a, b, c) is min(min(a, b), c): Python keeps the first of equal values too


UNROLL_BUDGET = 4000
"""Specialized code unrolls a loop with constant bounds while its unrolled body stays within this many IR
equations (the forward sweep's; the reverse sweep about doubles it) and its trip count within as many."""


def lower(fun, shapes: dict | None = None, wrt: tuple[int, ...] = ()) -> Function:
    """The IR of `fun` (before differentiation): its parameters, body and `(value,)` output.

    `shapes` (parameter name -> ("list" or "tuple", its length, or a tuple of lengths for a list of lists))
    specializes the IR on the
    lengths of list arguments: their elements become variables of their own (the generated code unpacks them,
    which also checks the lengths), loops with constant bounds are unrolled under `UNROLL_BUDGET`, and lists
    the function makes are tracked at compile time. A loop that stays a loop may still index data (parameters
    not in `wrt`) by run-time numbers. Where the lists cannot be followed (a differentiated list or a list the
    function makes indexed by a run-time number, or appended to in a loop that stays a loop), the result is the
    general IR, as without `shapes`."""
    if shapes:
        try:
            return _Lowerer(shapes, wrt).lower_top(fun)
        except (_NotStatic, UnsupportedSyntax):
            pass  # the general lowering below gives the same function, or the error in its general form
    return _Lowerer().lower_top(fun)


class _NotStatic(Exception):
    """Specialized lowering met a list it cannot follow at compile time: lower the general way instead."""


class _StaticList(list):
    """A list the specialized function makes, as the atoms it holds; appended to only at the block depth
    where it was made (an append inside a loop that stays a loop would need a run-time list)."""

    def __init__(self, items, depth: int, serial: int):
        super().__init__(items)
        self.depth = depth
        self.serial = serial  # creation order: an unrolling given up must not have appended to older lists


class _Elements(tuple):
    """A list parameter's elements in specialized code; `var` is the list itself, for reads by a run-time
    index (of data only: a differentiated list's gradient is collected from its elements')."""

    var: Var
    differentiated: bool


def _elements(items, var: Var, differentiated: bool) -> _Elements:
    elements = _Elements(items)
    elements.var, elements.differentiated = var, differentiated
    return elements


def _is_static(value) -> bool:
    """A sequence whose elements lowering holds: a tuple of atoms, or a static list."""
    return isinstance(value, tuple | _StaticList)


class _Frame:
    """The state of one function being lowered (the top function or an inlined callee)."""

    def __init__(self, src: Source, env: dict):
        self.src = src
        self.env = env
        self.mentioned, assigned = _names(src.node)
        self.local_names = set(env) | assigned
        self.name = getattr(src.node, "name", "<lambda>")
        self.unsure: dict[str, str] = {}  # names not defined on every path here -> why, for the error

    def loc(self, node: ast.AST) -> Loc:
        line = node.lineno
        return Loc(self.src.filename, line, self.src.column(node), self.src.line(line), self.name)

    def error(self, node: ast.AST, message: str, hint: str = "") -> UnsupportedSyntax:
        return self.src.error(node, message, hint)


def _names(node: ast.AST) -> tuple[set[str], set[str]]:
    """Every name the function's code mentions, and the names it assigns (its locals), in one walk."""
    mentioned, assigned = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            mentioned.add(child.id)
            if isinstance(child.ctx, ast.Store):
                assigned.add(child.id)
        elif isinstance(child, ast.arg):
            mentioned.add(child.arg)
        elif isinstance(child, ast.FunctionDef):
            mentioned.add(child.name)
    return mentioned, assigned


class _Lowerer:
    def __init__(self, shapes: dict | None = None, wrt: tuple[int, ...] = ()):
        self.shapes = shapes or {}
        self.wrt = wrt
        self.static = bool(shapes)  # specialized: lists are followed at compile time
        self.depth = 0  # how many blocks deep lowering is (unrolled loops make none)
        self.lists_made = 0
        self.append_log: list[int] = []  # the serial of each static list appended to, in order
        self.lengths_used: set[Var] = set()  # lists whose length the specialized code assumes
        self.b = Builder()
        self.inlining: list = []  # functions being inlined, outermost first: recursion detection (by identity)
        self.user_names: set[str] = set()
        self.op_table = ops.callable_ops()  # built once per compilation: what each function object is
        self.owned: set[Var] = set()  # lists the compiled code creates: only these may be appended to

    # --- functions -------------------------------------------------------------------------------------

    def lower_top(self, fun) -> Function:
        src = get_source(fun)
        fence.check(src)
        params = self._params(fun, src)
        frame = _Frame(src, {p.name: p.var for p in params})
        for p in params:
            if p.name in self.shapes:
                container, shape = self.shapes[p.name]
                differentiated = params.index(p) in self.wrt
                frame.env[p.name] = self._unpack(frame.loc(src.node), p.var, p.name, shape, container, differentiated)
        self.inlining.append(fun)
        value = self._body(frame)
        name = fun.__name__ if fun.__name__.isidentifier() else "lambda_"
        origin = frame.loc(src.node)
        body = self._prune_unpacks({p.var for p in params}, value) if self.shapes else self.b.eqns
        return verify(
            Function(
                name=name,
                qualname=fun.__qualname__,
                params=tuple(params),
                body=tuple(body),
                outs=(value,),
                origin=origin,
                user_names=frozenset(self.user_names),
            )
        )

    def _params(self, fun, src: Source) -> list[Param]:
        arg_nodes = {a.arg: a for a in ast.walk(src.node.args) if isinstance(a, ast.arg)}
        params = []
        for p in inspect.signature(fun).parameters.values():
            default = NO_DEFAULT
            if p.default is not inspect.Parameter.empty:
                default = resolve.as_number(p.default)
                if default is None:
                    raise src.error(
                        arg_nodes[p.name],
                        f"the default of parameter {p.name!r} is {p.default!r}, not a number",
                        "give parameters number defaults, or none",
                    )
            params.append(Param(Var(p.name, user=True, kind="item"), p.name, default, p.kind.name))
        return params

    def _unpack(self, loc: Loc, var: Var, name: str, shape, container: str = "list", differentiated=False):
        """The elements of a list (or tuple) parameter of known length (a tuple of lengths: a list of lists),
        as a tuple of fresh variables that an `unpack` equation assigns, which fails for any other length."""
        var.kind = "list"
        nested = isinstance(shape, tuple)
        items = tuple(Var(f"{name}_{i}", kind="list" if nested else "item") for i in range(len(shape) if nested
                      else shape))  # fmt: skip
        self.b.eqns.append(Eqn(items, "unpack_tuple" if container == "tuple" else "unpack", (var,), loc))
        if nested:
            items = tuple(self._unpack(loc, item, f"{name}_{i}", n, "list", differentiated)
                          for i, (item, n) in enumerate(zip(items, shape, strict=True)))  # fmt: skip
        return _elements(items, var, differentiated)

    def _prune_unpacks(self, params: set, value) -> list:
        """Unpackings whose names nothing reads (the elements of data a loop that stays a loop reads at run
        time): a parameter's becomes a check of its length, a nested list's goes unless its length was
        assumed. So a loop over 300 samples does not unpack 300 lists on every call."""
        uses = Counter(a for eqn in walk(self.b.eqns) for a in eqn.args if isinstance(a, Var))
        uses.update(a for eqn in walk(self.b.eqns) for block in eqn.blocks for a in block.outs if isinstance(a, Var))
        if isinstance(value, Var):
            uses[value] += 1
        body = list(self.b.eqns)
        for k in reversed(range(len(body))):
            eqn = body[k]
            if eqn.op not in ("unpack", "unpack_tuple") or any(uses[out] for out in eqn.outs):
                continue
            (lst,) = eqn.args
            if lst in params:
                message = f"this code is specialized for len({lst.hint}) == {len(eqn.outs)}"
                body[k] = Eqn((), "expect_len", (lst, Const(len(eqn.outs)), Const(message)), eqn.loc)
            elif lst not in self.lengths_used:
                uses[lst] -= 1
                body[k] = None
        return [eqn for eqn in body if eqn is not None]

    def _body(self, frame: _Frame):
        self.user_names |= frame.mentioned
        node = frame.src.node
        if isinstance(node, ast.Lambda):
            return self._scalar(frame, node.body, self._expr(frame, node.body), "the return value")
        ctx = _Returns(top=len(self.inlining) == 1)
        atoms = self._tail(frame, node.body, ctx)
        value = ctx.rebuild(atoms)
        if ctx.top:
            value = self._scalar(frame, ctx.node, value, "the return value")
            if isinstance(value, Var) and not value.hint:
                value.hint = "out"  # not a user name: it steps aside if the user has an `out`
        return value

    def _inline(self, frame: _Frame, node: ast.Call, fun, args: list, kwargs: dict):
        if any(active is fun for active in self.inlining):
            raise frame.error(
                node,
                f"recursive call of {fun.__name__}(): symgrad inlines calls, so recursion cannot be compiled",
                "rewrite the recursion as straight-line code",
            )
        try:
            src = get_source(fun)
        except SymgradError as exc:
            raise frame.error(
                node, f"cannot inline {fun.__qualname__}(): {exc}", "call plain functions defined with `def` in a file"
            ) from None
        fence.check(src)
        signature = inspect.signature(fun)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise frame.error(
                node, f"bad call of {fun.__name__}{signature}: {exc}", "pass the arguments the function takes"
            ) from None
        passed = set(bound.arguments)
        bound.apply_defaults()
        env = {}
        for name, value in bound.arguments.items():
            if isinstance(value, Var | Const | tuple | _StaticList):
                env[name] = value
            elif name not in passed and resolve.as_number(value) is not None:
                env[name] = Const(resolve.as_number(value))  # a default
            elif name not in passed:
                raise frame.error(
                    node, f"the default of {fun.__name__}()'s parameter {name!r} is {value!r}, not a number",
                    "give the helper's parameters number defaults, or pass the argument",
                )  # fmt: skip
            else:
                raise frame.error(
                    node, f"{fun.__name__}()'s parameter {name!r} gets {self._describe(value)}; arguments of "
                    "inlined functions must be numbers or tuples of numbers",
                    "call the function inside the helper instead of passing it",
                )  # fmt: skip
        self.inlining.append(fun)
        try:
            return self._body(_Frame(src, env))
        finally:
            self.inlining.pop()

    # --- statements ------------------------------------------------------------------------------------

    def _tail(self, frame: _Frame, stmts: list, ctx) -> tuple:
        """Lower `stmts` up to where control leaves them; return the atoms the enclosing construct receives
        there (`ctx` says which: the return value, or a loop's carried values and its stop flag). A branch
        that leaves (return, break, continue) takes the statements after its `if` into the other branch,
        so control flow stays structured."""
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, ast.Return):
                return ctx.on_return(self, frame, stmt)
            if isinstance(stmt, ast.Break | ast.Continue):
                return ctx.on_jump(self, frame, stmt)
            if isinstance(stmt, ast.If):
                rest = stmts[index + 1 :]
                cond = self._condition(frame, stmt.test)
                if isinstance(cond, Const):  # decided now: only the taken branch is compiled
                    return self._tail(frame, (stmt.body if cond.value else stmt.orelse) + rest, ctx)
                if _leaves(stmt):
                    return self._if_tail(frame, stmt, cond, rest, ctx)
                self._if_merge(frame, stmt, cond)
            elif isinstance(stmt, ast.For | ast.While):
                self._loop(frame, stmt)
            else:
                self._stmt(frame, stmt)
        return ctx.on_end(self, frame, stmts[-1] if stmts else frame.src.node)

    def _branch(self, frame: _Frame, env: dict, lower) -> tuple[Block, dict]:
        """Lower one branch into a block of its own, starting from `env`; return the block and its env."""
        saved_env, saved_unsure, saved_builder = frame.env, frame.unsure, self.b
        frame.env, frame.unsure, self.b = dict(env), dict(saved_unsure), Builder()
        self.depth += 1
        try:
            outs = lower()
            return Block((), tuple(self.b.eqns), tuple(outs)), frame.env
        finally:
            frame.env, frame.unsure, self.b = saved_env, saved_unsure, saved_builder
            self.depth -= 1

    def _if_tail(self, frame, stmt, cond, rest, ctx) -> tuple:
        env = frame.env
        then, _ = self._branch(frame, env, lambda: self._tail(frame, stmt.body + rest, ctx))
        orelse, _ = self._branch(frame, env, lambda: self._tail(frame, stmt.orelse + rest, ctx))
        return self._if_eqn(frame, stmt, cond, then, orelse, ctx.hints(len(then.outs)))

    def _if_eqn(self, frame, node, cond, then: Block, orelse: Block, hints) -> tuple:
        outs = []
        for name, a, b in zip(hints, then.outs, orelse.outs, strict=True):
            user = bool(name) and name != "out" and not name.startswith("<")
            outs.append(Var(_hint(name), user=user, kind=_join_kind(frame, node, a, b)))
        self.b.eqns.append(Eqn(tuple(outs), "if", (cond,), frame.loc(node), (then, orelse)))
        return tuple(outs)

    def _if_merge(self, frame: _Frame, stmt: ast.If, cond) -> None:
        env = frame.env
        then = self._branch(frame, env, lambda: self._tail(frame, stmt.body, _NoExit()))
        orelse = self._branch(frame, env, lambda: self._tail(frame, stmt.orelse, _NoExit()))
        self._merge(frame, stmt, cond, env, then, orelse)

    def _merge(self, frame: _Frame, node, cond, env: dict, then, orelse) -> None:
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
                    raise frame.error(node, f"{name!r} is {self._describe(value)} on one path through this `if`; "
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

    def _loop(self, frame: _Frame, stmt) -> None:
        if stmt.orelse:
            raise frame.error(stmt.orelse[0], f"`{'for' if isinstance(stmt, ast.For) else 'while'} ... else` is "
                              "not supported", "set a flag before `break` and test it after the loop")  # fmt: skip
        targets = _target_names(stmt.target) if isinstance(stmt, ast.For) else []
        assigned = [n for n in _assigned_names(stmt.body) if n not in targets]
        # a target defined before the loop keeps that value when the loop runs zero times: it is carried too
        carried = [n for n in [*targets, *assigned] if n in frame.env]
        for name in carried:
            if self.static and _is_static(frame.env[name]):
                continue  # fine if the loop unrolls; `_kept` gives up on it otherwise
            if not isinstance(frame.env[name], Var | Const):
                raise frame.error(stmt, f"{name!r} is {self._describe(frame.env[name])} and the loop assigns it; "
                                  "only numbers and lists can change in a loop",
                                  "assign the tuple's elements to names of their own")  # fmt: skip

        def body(frame):
            return self._tail(frame, stmt.body, _Loop(carried))

        if isinstance(stmt, ast.For):
            bounds, element, hint = self._iteration(frame, stmt.iter)

            def for_body(frame, index):
                self._bind(frame, stmt.target, element(frame, index))
                return body(frame)

            self._for_eqn(frame, stmt, carried, bounds, hint, for_body)
        else:
            self._while_eqn(frame, stmt, carried, body)
        where = "the `for` loop" if isinstance(stmt, ast.For) else "the `while` loop"
        for name in [*targets, *assigned]:
            if name not in carried:
                frame.env.pop(name, None)
                frame.unsure[name] = (f"{name!r} is assigned inside {where} at line {stmt.lineno} and not before "
                                      "it, so it may be unset after it")  # fmt: skip

    def _carry(self, frame: _Frame, names):
        """Fresh block parameters for the carried names, bound in the frame's env."""
        params = []
        for name in names:
            init = frame.env[name]
            param = Var(_hint(name), user=not name.startswith("<"), kind=_kind(init))
            params.append(param)
            frame.env[name] = param
        return params

    def _for_eqn(self, frame: _Frame, node, names, bounds, index_hint, body) -> None:
        if self._unrolled(frame, names, bounds, body):
            return
        inits = self._kept(frame, names)
        index = Var(index_hint, user=False, kind="int")
        params = []

        def run():
            params.extend(self._carry(frame, names))
            return body(frame, index)

        block, _ = self._branch(frame, frame.env, run)
        block = Block((index, *params), block.body, block.outs)
        outs = self._loop_outs(frame, node, names, inits, params, block.outs)
        self.b.eqns.append(Eqn(outs, "for", (*bounds, *inits), frame.loc(node), (block,)))
        frame.env.update(zip(names, outs, strict=False))

    def _same_lengths(self, frame: _Frame, node, n, seqs) -> None:
        """zip(..., strict=True): the other sequences must have the first one's length, or ValueError."""
        for k, seq in enumerate(seqs[1:], start=2):
            m = self._length(frame, node, seq)
            if isinstance(n, Const) and isinstance(m, Const):
                if n.value != m.value:
                    raise _NotStatic("zip(strict=True) of lists of other lengths: the general code raises")
                continue
            message = f"zip() argument {k} has another length than argument 1"
            self.b.at(frame.loc(node)).effect("expect_len", seq, n, Const(message))

    def _unrolled(self, frame: _Frame, names, bounds, body) -> bool:
        """In specialized code, run a loop with constant bounds at compile time: its body once per index, in
        the enclosing block. Afterwards the frame holds what a loop that stays a loop leaves: the carried
        names' final values, nothing else of the body's. Gives up (and leaves no trace) past the budget or at
        a `break` that depends on run-time values."""
        if not self.static or not all(isinstance(b, Const) and type(b.value) is int for b in bounds):
            return False
        trips = range(*(b.value for b in bounds))
        if len(trips) > UNROLL_BUDGET:
            return False
        start, saved_env, saved_unsure = len(self.b.eqns), dict(frame.env), frame.unsure
        first_list, appends = self.lists_made, len(self.append_log)
        values = [frame.env[n] for n in names]
        for k in trips:
            frame.env.update(zip(names, values, strict=True))
            outs = body(frame, Const(k))
            stop = outs[-1]
            if not isinstance(stop, Const) or len(self.b.eqns) - start > UNROLL_BUDGET:
                del self.b.eqns[start:]
                frame.env.clear()
                frame.env.update(saved_env)
                frame.unsure = saved_unsure
                if any(serial < first_list for serial in self.append_log[appends:]):
                    raise _NotStatic("a loop that stays a loop appends to a list made before it")
                del self.append_log[appends:]
                return False
            values = list(outs[: len(names)])
            if stop.value:
                break
        frame.env.clear()
        frame.env.update(saved_env)
        frame.env.update(zip(names, values, strict=True))
        frame.unsure = saved_unsure
        return True

    def _kept(self, frame: _Frame, names) -> list:
        """The initial values of a loop that stays a loop: a static list cannot change in it."""
        inits = [frame.env[n] for n in names]
        if any(_is_static(v) for v in inits):
            raise _NotStatic("a list is carried through a loop that stays a loop")
        return inits

    def _while_eqn(self, frame: _Frame, node, names, body) -> None:
        inits = self._kept(frame, names)
        cond_params, params = [], []

        def test():
            cond_params.extend(self._carry(frame, names))
            return (self._condition(frame, node.test),)

        def run():
            params.extend(self._carry(frame, names))
            return body(frame)

        cond, _ = self._branch(frame, frame.env, test)
        block, _ = self._branch(frame, frame.env, run)
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

    def _iteration(self, frame: _Frame, node):
        """What a `for` (or comprehension) iterates over: `((start, stop, step), element, hint)` where
        `element(frame, i)` is the value bound to the target at index `i` and hint names the index."""
        if isinstance(node, ast.Call) and all(kw.arg == "strict" for kw in node.keywords):
            callee = self._expr(frame, node.func)
            name = getattr(getattr(callee, "obj", None), "__name__", None)
            if isinstance(callee, resolve.Other) and callee.obj in (range, enumerate, zip):
                args = [self._expr(frame, a) for a in node.args]
                if node.keywords and name != "zip":
                    raise frame.error(node, f"{name}() takes no keyword arguments", f"write {name}(...) without them")
                if name == "range":
                    if not 1 <= len(args) <= 3:
                        raise frame.error(node, "range() takes 1 to 3 arguments", "write range(n) or range(a, b)")
                    ints = [self._scalar(frame, a, v, "a range() bound") for a, v in zip(node.args, args, strict=False)]
                    if len(ints) == 1:
                        ints = [Const(0), *ints]
                    if len(ints) == 2:
                        ints.append(Const(1))
                    if isinstance(ints[2], Const) and ints[2].value == 0:
                        raise frame.error(node.args[2], "range() step must not be zero", "use a nonzero step")
                    return tuple(ints), lambda frame, i: i, ""
                if name == "enumerate":
                    if not 1 <= len(args) <= 2:
                        raise frame.error(node, "enumerate() takes a sequence and an optional start",
                                          "write enumerate(xs) or enumerate(xs, 1)")  # fmt: skip
                    seq = self._sequence(frame, node.args[0], args[0])
                    start = args[1] if len(args) == 2 else Const(0)
                    n = self._length(frame, node, seq)

                    def pair(frame, i):
                        return (self._emit(frame, node, "add", i, start), self._element(frame, node, seq, i))

                    return (Const(0), n, Const(1)), pair, "i"
                if not args:
                    raise frame.error(node, "zip() of nothing is not supported", "zip two or more sequences")
                seqs = [self._sequence(frame, a, v) for a, v in zip(node.args, args, strict=False)]
                n = self._length(frame, node, seqs[0])
                if any(kw.arg == "strict" for kw in node.keywords):
                    strict = self._expr(frame, node.keywords[0].value)
                    if not isinstance(strict, Const):
                        raise frame.error(node.keywords[0].value, "zip()'s strict must be a constant",
                                          "write strict=True or strict=False")  # fmt: skip
                    if strict.value:
                        self._same_lengths(frame, node, n, seqs)
                for seq in seqs[1:]:
                    n = self._emit(frame, node, "min", n, self._length(frame, node, seq))
                return (Const(0), n, Const(1)), (
                    lambda frame, i: tuple(self._element(frame, node, seq, i) for seq in seqs)), "i"  # fmt: skip
        seq = self._sequence(frame, node, self._expr(frame, node))
        return (Const(0), self._length(frame, node, seq), Const(1)), (
            lambda frame, i: self._element(frame, node, seq, i)), "i"  # fmt: skip

    # --- conditions and branches ---------------------------------------------------------------------------

    def _condition(self, frame: _Frame, node):
        return self._truth(frame, node, self._expr(frame, node))

    def _truth(self, frame: _Frame, node, value):
        """A boolean atom saying whether `value` is true, as Python's `if` decides."""
        if _is_static(value):
            return Const(bool(self._static_length(value).value))
        if isinstance(value, Const):
            return Const(bool(value.value))
        if isinstance(value, Var) and value.kind == "bool":
            return value
        if isinstance(value, Var) and value.kind == "list":
            return self._emit(frame, node, "ne", self._emit(frame, node, "len", value), Const(0))
        if not isinstance(value, Var):
            raise frame.error(node, f"cannot test {self._describe(value)} for truth", "compare numbers")
        return self._emit(frame, node, "ne", self._scalar(frame, node, value, "a condition"), Const(0))

    def _compare(self, frame: _Frame, node: ast.Compare, left, i: int):
        op = node.ops[i]
        if type(op) not in COMPARISONS:
            raise frame.error(node, f"the comparison `{ast.unparse(node)}` is not supported",
                              "compare numbers with < <= > >= == !=")  # fmt: skip
        right = self._expr(frame, node.comparators[i])
        a = self._scalar(frame, node.left if i == 0 else node.comparators[i - 1], left, "a compared value")
        b = self._scalar(frame, node.comparators[i], right, "a compared value")
        result = self._emit(frame, node, COMPARISONS[type(op)][0], a, b)
        if i + 1 == len(node.ops):
            return result
        if isinstance(result, Const):  # a < b < c is a < b and b < c, with b computed once
            return self._compare(frame, node, right, i + 1) if result.value else result
        return self._choose(frame, node, result, lambda: self._compare(frame, node, right, i + 1), lambda: result)

    def _boolop(self, frame: _Frame, node: ast.BoolOp, value, i: int):
        """`a and b` is `b if a else a`, `a or b` is `a if a else b`: b runs only when needed, as in Python."""
        if i == len(node.values):
            return value
        truth = self._truth(frame, node.values[i - 1], value)
        is_and = isinstance(node.op, ast.And)

        def more():
            return self._boolop(frame, node, self._expr(frame, node.values[i]), i + 1)

        if isinstance(truth, Const):
            return more() if truth.value == is_and else value
        keep = lambda: value  # noqa: E731
        return self._choose(frame, node, truth, more if is_and else keep, keep if is_and else more)

    def _choose(self, frame: _Frame, node, cond, then, orelse):
        """One value from an `if` on `cond`: only the taken branch's code runs."""
        env = frame.env
        blocks = []
        for branch in (then, orelse):
            block, _ = self._branch(frame, env, lambda branch=branch: (self._value_atom(frame, node, branch()),))
            blocks.append(block)
        (out,) = self._if_eqn(frame, node, cond, *blocks, [""])
        return out

    def _value_atom(self, frame, node, value):
        if isinstance(value, Var | Const):
            return value
        raise frame.error(node, f"a branch gives {self._describe(value)}", "branches must give numbers or lists")

    # --- comprehensions and sum ----------------------------------------------------------------------------

    def _comprehension(self, frame: _Frame, node, acc_names: list[str], on_element) -> None:
        """Nested loops over the generators of `node`, running `on_element(frame)` for each element that passes
        the filters; the names in `acc_names` are carried through them."""
        generators = node.generators

        def level(frame, k):
            if k == len(generators):
                on_element(frame)
                return
            gen = generators[k]
            if gen.is_async:
                raise frame.error(node, "async comprehensions are not supported", "use a plain `for`")
            bounds, element, hint = self._iteration(frame, gen.iter)

            def body(frame, index):
                self._bind(frame, gen.target, element(frame, index))
                self._filtered(frame, gen.ifs, lambda frame: level(frame, k + 1))
                return (*tuple(frame.env[n] for n in acc_names), Const(False))

            self._for_eqn(frame, node, acc_names, bounds, hint, body)

        level(frame, 0)

    def _filtered(self, frame: _Frame, conds, action) -> None:
        if not conds:
            action(frame)
            return
        cond = self._condition(frame, conds[0])
        if isinstance(cond, Const):
            if cond.value:
                self._filtered(frame, conds[1:], action)
            return
        env = frame.env
        then = self._branch(frame, env, lambda: self._filtered(frame, conds[1:], action) or ())
        orelse = self._branch(frame, env, lambda: ())
        self._merge(frame, conds[0], cond, env, then, orelse)

    def _sum(self, frame: _Frame, node: ast.Call):
        if not 1 <= len(node.args) + len(node.keywords) <= 2 or any(kw.arg != "start" for kw in node.keywords):
            raise frame.error(node, "sum() takes an iterable and an optional start", "write sum(xs) or sum(xs, 1.0)")
        start_node = node.args[1] if len(node.args) == 2 else (node.keywords[0].value if node.keywords else None)
        start = Const(0) if start_node is None else self._scalar(
            frame, start_node, self._expr(frame, start_node), "the start of sum()")  # fmt: skip
        iterable = node.args[0]
        # nested sums each need their own carried name; the part after '#' never reaches generated code
        acc = f"<acc#{sum(name.startswith('<acc') for name in frame.env)}>"
        frame.env[acc] = start

        def add(frame, element_node, value):
            element = self._scalar(frame, element_node, value, "an element of sum()")
            frame.env[acc] = self._emit(frame, element_node, "add", frame.env[acc], element)

        try:
            if isinstance(iterable, ast.GeneratorExp | ast.ListComp):
                self._comprehension(frame, iterable, [acc], lambda f: add(f, iterable.elt, self._expr(f, iterable.elt)))
            else:
                value = self._expr(frame, iterable)
                if _is_static(value):
                    for item in value:
                        add(frame, iterable, item)
                else:
                    seq = self._sequence(frame, iterable, value)

                    def body(frame, index):
                        add(frame, iterable, self._element(frame, iterable, seq, index))
                        return (frame.env[acc], Const(False))

                    self._for_eqn(frame, node, [acc], (Const(0), self._length(frame, node, seq), Const(1)), "i", body)
            return frame.env[acc]
        finally:
            frame.env.pop(acc, None)

    # --- lists ---------------------------------------------------------------------------------------------

    def _subscript(self, frame: _Frame, node: ast.Subscript):
        base = self._expr(frame, node.value)
        if isinstance(node.slice, ast.Slice):
            return self._slice(frame, node, self._sequence(frame, node.value, base))
        index = self._scalar(frame, node.slice, self._expr(frame, node.slice), "an index")
        if _is_static(base) and isinstance(index, Const):
            return self._static_item(frame, node, base, index)
        return self._element(frame, node, self._sequence(frame, node.value, base), index)

    def _static_length(self, seq) -> Const:
        if isinstance(seq, _Elements):
            self.lengths_used.add(seq.var)
        return Const(len(seq))

    def _static_list(self, items) -> _StaticList:
        self.lists_made += 1
        return _StaticList(items, self.depth, self.lists_made - 1)

    @staticmethod
    def _static_item(frame: _Frame, node, seq, index: Const):
        try:
            return seq[index.value]
        except (IndexError, TypeError) as exc:
            raise frame.error(node, f"index {index.value!r}: {exc}", "use an index inside the sequence") from None

    def _slice(self, frame: _Frame, node: ast.Subscript, seq):
        part = node.slice
        bounds = []
        for value in (part.lower, part.upper, part.step):
            atom = None if value is None else self._expr(frame, value)
            if atom is not None and not (isinstance(atom, Const) and type(atom.value) is int):
                raise frame.error(value, "slice bounds must be int constants here",
                                  "write xs[1:], xs[:-1] or xs[2:5]; loop over range(a, b) for bounds "
                                  "computed at run time")  # fmt: skip
            bounds.append(None if atom is None else atom.value)
        low, high, step = bounds
        if step not in (None, 1):
            raise frame.error(part.step, "slices with a step are not supported", "use a loop over range(a, b, step)")
        n = self._length(frame, node, seq)

        def clamp(bound, default):
            if bound is None:
                return default
            if isinstance(n, Const):
                return Const(slice(bound, bound + 1).indices(n.value)[0] if bound < n.value else n.value)
            if bound >= 0:
                return self._emit(frame, node, "min", Const(bound), n)
            return self._emit(frame, node, "max", self._emit(frame, node, "add", n, Const(bound)), Const(0))

        if _is_static(seq):
            return self._static_list(seq[low:high])
        start, stop = clamp(low, Const(0)), clamp(high, n)
        made = self._emit(frame, node, "list_new")
        self.owned.add(made)

        def body(frame, index):
            self._append(frame, node, made, self._element(frame, node, seq, index))
            return (Const(False),)

        self._for_eqn(frame, node, [], (start, stop, Const(1)), "i", body)
        return made

    def _append(self, frame: _Frame, node, lst, value) -> None:
        if isinstance(lst, _StaticList):
            if lst.depth != self.depth:
                raise _NotStatic("an append in a block")
            lst.append(self._scalar(frame, node, value, "an appended element"))
            self.append_log.append(lst.serial)
            return
        if lst not in self.owned:
            raise frame.error(node, "appending to a list the function did not create would change the caller's list",
                              "build a new list: `new = []`, then append to it")  # fmt: skip
        value = self._scalar(frame, node, value, "an appended element")
        self.b.at(frame.loc(node)).effect("append", lst, value)

    # --- lists ---------------------------------------------------------------------------------------------

    def _sequence(self, frame: _Frame, node, value):
        """`value` as something with a length and elements: a list variable, a constant tuple, or a tuple of
        values (made a list at run time, so it can be indexed by a variable)."""
        if isinstance(value, Var):
            if value.kind == "item":
                value.kind = "list"  # a parameter or an element used as a sequence: it is a list
            if value.kind != "list":
                raise frame.error(node, f"this is {self._describe(value)}, not a list", "index lists and tuples")
            return value
        if isinstance(value, Const) and isinstance(value.value, tuple):
            return value
        if self.static and _is_static(value):
            return value
        if isinstance(value, tuple):
            if all(isinstance(v, Const) and not isinstance(v.value, tuple) for v in value):
                return Const(tuple(v.value for v in value))
            made = self._emit(frame, node, "list_new")
            for item in value:
                self.b.at(frame.loc(node)).effect("append", made, self._scalar(frame, node, item, "an element"))
            self.owned.add(made)
            return made
        raise frame.error(node, f"this is {self._describe(value)}, not a list or tuple",
                          "iterate over range(), lists, tuples, zip() or enumerate()")  # fmt: skip

    def _length(self, frame, node, seq):
        if isinstance(seq, Const):
            return Const(len(seq.value))
        if _is_static(seq):
            return self._static_length(seq)
        return self._emit(frame, node, "len", seq)

    def _element(self, frame, node, seq, index):
        if _is_static(seq):
            if isinstance(index, Const):
                return self._static_item(frame, node, seq, index)
            if not isinstance(seq, _Elements) or seq.differentiated:
                raise _NotStatic("a list indexed by a run-time number")
            seq = seq.var  # data, read at run time
        if isinstance(seq, Const) and isinstance(index, Const):
            try:
                item = seq.value[index.value]
            except (IndexError, TypeError) as exc:
                raise frame.error(node, f"index {index.value!r}: {exc}", "use an index inside the tuple") from None
            return Const(item)
        result = self._emit(frame, node, "getitem", seq, index)
        if isinstance(seq, Const) and all(type(v) is int for v in seq.value):
            result.kind = "int"
        return result

    def _stmt(self, frame: _Frame, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self._expr(frame, stmt.value)
            for target in stmt.targets:
                self._bind(frame, target, value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self._bind(frame, stmt.target, self._expr(frame, stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            name = stmt.target.id
            if name not in frame.env:
                raise frame.error(
                    stmt.target, f"{name!r} is updated before it is assigned", f"assign {name} a value first"
                )
            left = self._scalar(frame, stmt.target, frame.env[name], name)
            right = self._scalar(frame, stmt.value, self._expr(frame, stmt.value), "the right-hand side")
            result = self._emit(frame, stmt, _BINOPS[type(stmt.op)], left, right)
            self._bind(frame, stmt.target, result)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._expr(frame, stmt.value)  # xs.append(v) (the fence allows no other call statement)
        elif isinstance(stmt, ast.Expr | ast.Pass):
            pass  # the docstring (the fence rejects any other expression statement)
        else:
            raise frame.error(stmt, f"{type(stmt).__name__} statements are not supported")

    def _bind(self, frame: _Frame, target: ast.AST, value) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Var) and not value.hint:
                value.hint, value.user = target.id, True  # a temporary takes the first user name it gets
            frame.env[target.id] = value
            return
        # a tuple target (the fence allows nothing else)
        if not _is_static(value):
            raise frame.error(target, f"cannot unpack {self._describe(value)} into {len(target.elts)} names",
                              "unpack a tuple of the same length")  # fmt: skip
        if len(value) != len(target.elts):
            raise frame.error(
                target, f"cannot unpack a tuple of {len(value)} values into {len(target.elts)} names",
                "unpack tuples of equal length",
            )  # fmt: skip
        for element, item in zip(target.elts, value, strict=True):
            self._bind(frame, element, item)

    # --- expressions -----------------------------------------------------------------------------------

    def _expr(self, frame: _Frame, node: ast.expr):
        if isinstance(node, ast.Constant):
            return self._checked(frame, node, Const(node.value))
        if isinstance(node, ast.Name):
            return self._name(frame, node)
        if isinstance(node, ast.Attribute):
            return self._attribute(frame, node, self._expr(frame, node.value))
        if isinstance(node, ast.BinOp):
            left = self._scalar(frame, node.left, self._expr(frame, node.left), "the left operand")
            right = self._scalar(frame, node.right, self._expr(frame, node.right), "the right operand")
            return self._emit(frame, node, _BINOPS[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return self._emit(frame, node, "not", self._condition(frame, node.operand))
            operand = self._scalar(frame, node.operand, self._expr(frame, node.operand), "the operand")
            if isinstance(node.op, ast.UAdd):
                return operand
            return self._emit(frame, node, "neg", operand)
        if isinstance(node, ast.Tuple):
            return tuple(self._expr(frame, element) for element in node.elts)
        if isinstance(node, ast.Call):
            return self._call(frame, node)
        if isinstance(node, ast.Compare):
            return self._compare(frame, node, self._expr(frame, node.left), 0)
        if isinstance(node, ast.BoolOp):
            return self._boolop(frame, node, self._expr(frame, node.values[0]), 1)
        if isinstance(node, ast.IfExp):
            cond = self._condition(frame, node.test)
            if isinstance(cond, Const):
                return self._expr(frame, node.body if cond.value else node.orelse)
            return self._choose(frame, node, cond, lambda: self._expr(frame, node.body),
                                lambda: self._expr(frame, node.orelse))  # fmt: skip
        if isinstance(node, ast.Subscript):
            return self._subscript(frame, node)
        if isinstance(node, ast.List | ast.ListComp) and self.static:
            made = self._static_list([])
            if isinstance(node, ast.List):
                for element in node.elts:
                    self._append(frame, element, made, self._expr(frame, element))
            else:
                self._comprehension(
                    frame, node, [], lambda frame: self._append(frame, node.elt, made, self._expr(frame, node.elt))
                )
            return made
        if isinstance(node, ast.List):
            made = self._emit(frame, node, "list_new")
            self.owned.add(made)
            for element in node.elts:
                self._append(frame, element, made, self._expr(frame, element))
            return made
        if isinstance(node, ast.ListComp):
            made = self._emit(frame, node, "list_new")
            self.owned.add(made)
            self._comprehension(frame, node, [], lambda frame: self._append(frame, node.elt, made,
                                                                            self._expr(frame, node.elt)))  # fmt: skip
            return made
        if isinstance(node, ast.GeneratorExp):
            raise frame.error(node, "a generator expression is supported only as the argument of sum()",
                              "write sum(... for ...), or a list comprehension [... for ...]")  # fmt: skip
        raise frame.error(node, f"{type(node).__name__} expressions are not supported")

    def _name(self, frame: _Frame, node: ast.Name):
        if node.id in frame.env:
            return frame.env[node.id]
        if node.id in frame.unsure:
            raise frame.error(node, f"{frame.unsure[node.id]}; symgrad needs every name defined on every path",
                              f"assign {node.id} before the `if` or loop too")  # fmt: skip
        if node.id in frame.local_names:
            raise frame.error(
                node, f"{node.id!r} is used before it is assigned",
                f"assign {node.id} earlier; a name assigned anywhere in a function is local to all of it, as in Python",
            )  # fmt: skip
        obj = resolve.lookup(frame.src.fun, node.id)
        if obj is resolve.MISSING:
            raise frame.error(node, f"name {node.id!r} is not defined",
                              "define it at module level before the first call")  # fmt: skip
        return self._object(obj)

    def _attribute(self, frame: _Frame, node: ast.Attribute, base):
        if isinstance(base, resolve.Module):
            obj = getattr(base.module, node.attr, resolve.MISSING)
            if obj is resolve.MISSING:
                raise frame.error(
                    node, f"module {base.module.__name__!r} has no attribute {node.attr!r}", "check the spelling"
                )
            return self._object(obj)
        raise frame.error(
            node, f"attribute {node.attr!r} of {self._describe(base)} is not supported",
            "use numbers, the supported ops and module constants like math.pi",
        )  # fmt: skip

    def _object(self, obj):
        resolved = resolve.classify(obj, self.op_table)
        if isinstance(resolved, resolve.Number):
            return Const(resolved.value)
        numbers = _number_tuple(obj)
        return Const(numbers) if numbers is not None else resolved

    def _call(self, frame: _Frame, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self._expr(frame, func.value)
            if isinstance(base, Var | Const | _StaticList):
                return self._method(frame, node, base)
            callee = self._attribute(frame, func, base)
        else:
            callee = self._expr(frame, func)
        if isinstance(callee, resolve.OpRef):
            op = REGISTRY[callee.op]
            name = ast.unparse(func)
            usage = f"{name}({', '.join('xy'[: op.arity])})"
            if node.keywords:
                raise frame.error(node.keywords[0], f"{name}() takes no keyword arguments here", f"write {usage}")
            if callee.op in _VARIADIC and len(node.args) >= 2:
                args = [self._scalar(frame, a, self._expr(frame, a), f"an argument of {name}()") for a in node.args]
                result = args[0]
                for arg in args[1:]:
                    result = self._emit(frame, node, callee.op, result, arg)
                return result
            if callee.op in _VARIADIC:
                raise frame.error(node, f"{name}() of one argument (an iterable) is not supported yet",
                                  f"write {name}(a, b, ...) of numbers; lists are {fence.PLANNED}")  # fmt: skip
            if len(node.args) != op.arity:
                raise frame.error(node, f"{name}() takes {op.arity} argument{'s' * (op.arity > 1)} here, "
                                  f"got {len(node.args)}", f"write {usage}")  # fmt: skip
            args = [self._scalar(frame, a, self._expr(frame, a), f"the argument of {name}()") for a in node.args]
            return self._emit(frame, node, callee.op, *args)
        if isinstance(callee, resolve.Inline):
            args = [self._expr(frame, a) for a in node.args]
            kwargs = {kw.arg: self._expr(frame, kw.value) for kw in node.keywords}
            return self._inline(frame, node, callee.fun, args, kwargs)
        name = ast.unparse(func)
        if isinstance(callee, resolve.Other) and callee.obj is len:
            if len(node.args) != 1 or node.keywords:
                raise frame.error(node, "len() takes one argument", "write len(xs)")
            value = self._expr(frame, node.args[0])
            if _is_static(value):
                return self._static_length(value)
            return self._length(frame, node, self._sequence(frame, node.args[0], value))
        if isinstance(callee, resolve.Other) and callee.obj is sum:
            return self._sum(frame, node)
        if isinstance(callee, resolve.Other) and callee.obj in (range, zip, enumerate):
            raise frame.error(node, f"{name}() is supported only as what a `for` loop or comprehension iterates over",
                              f"write `for ... in {name}(...):`")  # fmt: skip
        raise frame.error(
            node, f"cannot call {name}: it is {self._describe(callee)}",
            "call the ops tanh exp log sqrt sin cos sigmoid relu (from symgrad or math) or plain Python "
            "functions of numbers, which are inlined",
        )  # fmt: skip

    def _method(self, frame: _Frame, node: ast.Call, base):
        attr = node.func.attr
        appendable = isinstance(base, _StaticList) or (isinstance(base, Var) and base.kind in ("list", "item"))
        if attr == "append" and appendable:
            if len(node.args) != 1 or node.keywords:
                raise frame.error(node, ".append() takes one argument", "write xs.append(value)")
            self._append(frame, node, base, self._expr(frame, node.args[0]))
            return None
        if attr not in _METHODS:
            raise frame.error(node.func, f"method .{attr}() is not supported",
                              f"micrograd-style methods: {', '.join('.' + m + '()' for m in _METHODS)}")  # fmt: skip
        if node.args or node.keywords:
            raise frame.error(node, f".{attr}() takes no arguments", f"write x.{attr}() or {attr}(x)")
        if isinstance(base, Const):
            raise frame.error(node.func, f"a number has no .{attr}() method (only symgrad.Value does)",
                              f"write {attr}({base.value!r})")  # fmt: skip
        return self._emit(frame, node, attr, base)

    def _emit(self, frame: _Frame, node: ast.AST, op: str, *args):
        """Emit `op(*args)` for the expression `node`; constants that Python would turn into a complex number
        or an int too large for a float are rejected here, at the user's expression."""
        result = self.b.at(frame.loc(node)).emit(op, *args)
        return self._checked(frame, node, result, op, args)

    def _checked(self, frame: _Frame, node: ast.AST, result, op: str | None = None, args=()):
        if isinstance(result, Const) and isinstance(result.value, int):
            try:
                float(result.value)
            except OverflowError:
                raise frame.error(node, "this integer constant is too large to become a float",
                                  "use a float literal, or rescale the problem") from None  # fmt: skip
        elif op is not None and args and all(isinstance(a, Const) for a in args):
            try:
                value = REGISTRY[op].forward(*(a.value for a in args))
            except (ArithmeticError, ValueError):
                return result  # the generated code raises it at run time, as the plain function does
            if isinstance(value, complex):
                raise frame.error(node, f"this constant expression is the complex number {value!r}",
                                  "symgrad differentiates real functions: use a real constant") from None  # fmt: skip
        return result

    def _scalar(self, frame: _Frame, node: ast.AST, value, what: str):
        if isinstance(value, Var) and value.kind == "item":
            value.kind = "scalar"  # a parameter or list element used as a number
        if (isinstance(value, Var) and value.kind != "list") or (
            isinstance(value, Const) and not isinstance(value.value, tuple)
        ):
            return value
        raise frame.error(node, f"{what} must be a number, but it is {self._describe(value)}",
                          "symgrad differentiates functions of numbers that return one number")  # fmt: skip

    @staticmethod
    def _describe(value) -> str:
        if (isinstance(value, Var) and value.kind == "list") or isinstance(value, _StaticList):
            return "a list"
        if isinstance(value, Const) and isinstance(value.value, tuple):
            return f"a tuple of {len(value.value)} numbers"
        if isinstance(value, tuple):
            return f"a tuple of {len(value)} values"
        if isinstance(value, resolve.Module):
            return f"the module {value.module.__name__}"
        if isinstance(value, resolve.OpRef):
            return f"the function {value.op}"
        if isinstance(value, resolve.Inline):
            return f"the function {value.fun.__qualname__}"
        if isinstance(value, resolve.Other):
            return f"a {type(value.obj).__name__} ({value.obj!r:.60})"
        return "a number"


# --- structured control flow: where a block hands control back ----------------------------------------------

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


class _Returns:
    """A function body: control leaves it by `return`; every return must hand over the same shape."""

    def __init__(self, top: bool):
        self.top = top
        self.shape = _UNSET
        self.node = None

    def on_return(self, lowerer, frame, stmt):
        if stmt.value is None:
            raise frame.error(stmt, "`return` needs a value", "return the number to differentiate")
        value = lowerer._expr(frame, stmt.value)
        if self.top:
            value = lowerer._scalar(frame, stmt.value, value, "the return value")
            if (isinstance(value, Var) and value.kind == "bool") or (
                isinstance(value, Const) and isinstance(value.value, bool)
            ):
                raise frame.error(stmt.value, "the return value is a truth value (from a comparison, `and`/`or` "
                                  "or `not`), not a number", "return a number computed from the values")  # fmt: skip
        atoms, shape = _flatten(value)
        for atom in atoms:
            if not isinstance(atom, Var | Const):
                raise frame.error(stmt.value, f"a helper returns {lowerer._describe(atom)}",
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


def _number_tuple(obj):
    """A (nested) tuple of plain numbers for a module-level tuple of numbers, else None."""
    if not isinstance(obj, tuple):
        return None
    items = []
    for item in obj:
        number = resolve.as_number(item)
        if number is None:
            number = _number_tuple(item)
            if number is None:
                return None
        items.append(number)
    return tuple(items)


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
