"""Lowering: the user's function (AST) to IR; the entry point `lower`, the lowerer's state, statements and names.

Assumes source from `source.get_source` that passed `fence.check`. Compile-time Python is evaluated here:
module constants, `math.pi`, literals and arithmetic on them become constants (computed exactly as Python would
at run time); only values that depend on parameters become IR variables. Calls to other plain functions are
inlined (their own errors point into their own source); recursion is an error.

Guarantees: the result passes `ir.verify`; each equation's location is the user's expression it came from; an
assignment `z = <expr>` names the expression's variable `z`, so IR and generated code read like the source;
every rejected construct raises `UnsupportedSyntax` at its own line and column.


The lowerer is one object composed of mixins, one per concern: `expressions`, `calls`, `control`, `sequences` and
`specialize`; each says what it needs from the others. This module holds the state they share and the statements.
"""

from __future__ import annotations

import ast
import inspect

from ... import deep, fence, ops, resolve
from ...errors import SymgradError, UnsupportedSyntax, describe_object, too_deep
from ...ir import NO_DEFAULT, Builder, Const, Function, Param, Var, checked
from ...source import Source, get_source
from .calls import Calls
from .control import ControlFlow, Returns
from .expressions import BINOPS, Expressions
from .frame import Frame
from .objects import Objects
from .sequences import Sequences
from .specialize import Specializing
from .stores import Stores
from .values import NotStatic, describe, is_static


def lower(fun, shapes: dict | None = None, wrt: tuple[int, ...] = (), *, results: str = "number") -> Function:
    """The IR of `fun` (before differentiation): its parameters, body and `(value,)` output; with
    `results="any"`, `fun` may instead return a tuple of numbers: the outputs are then its elements and
    `Function.returns` is "tuple" (for Jacobians).

    `shapes` (parameter name -> ("list" or "tuple", its length, or a tuple of lengths for a list of lists))
    specializes the IR on the
    lengths of list arguments: their elements become variables of their own (the generated code unpacks them,
    which also checks the lengths), loops with constant bounds are unrolled under `UNROLL_BUDGET`, and lists
    the function makes are tracked at compile time. A loop that stays a loop may still index data (parameters
    not in `wrt`) by run-time numbers. Where the lists cannot be followed (a differentiated list or a list the
    function makes indexed by a run-time number, or appended to in a loop that stays a loop), the result is the
    general IR, as without `shapes`."""
    try:
        return deep.run(_lower, fun, shapes, wrt, results)  # helpers nest as deep as the user's calls do
    except RecursionError:
        raise too_deep(fun) from None


def _lower(fun, shapes, wrt, results) -> Function:
    if shapes and any(shape[0] == "struct" for shape in shapes.values()):
        return _structured(fun, shapes, wrt, results)  # no general form: the structure is what is compiled
    if shapes:
        try:
            return _Lowerer(shapes, wrt, results).lower_top(fun)
        except (NotStatic, UnsupportedSyntax):
            pass  # the general lowering below gives the same function, or the error in its general form
    return _Lowerer(results=results).lower_top(fun)


def _structured(fun, shapes, wrt, results) -> Function:
    try:
        return _Lowerer(shapes, wrt, results).lower_top(fun)
    except NotStatic as exc:
        raise SymgradError(
            f"cannot compile {fun.__qualname__}() for these structured arguments: {exc} (objects, dicts and "
            "nested lists are compiled for their structure, so every index into them must be known at compile "
            "time: a constant, or the index of a loop that unrolls, within UNROLL_BUDGET equations)"
        ) from None


class _Lowerer(Expressions, Calls, ControlFlow, Sequences, Stores, Objects, Specializing):
    def __init__(self, shapes: dict | None = None, wrt: tuple[int, ...] = (), results: str = "number"):
        self.init_specialization(shapes, wrt)
        self.results = results  # "number", or "any": the function may return a tuple of numbers
        self.returned = "number"  # what it does return ("tuple" once a top-level return gives one)
        self.depth = 0  # how many blocks deep lowering is (unrolled loops make none)
        self.loop_depth = 0  # how many of those are loops
        self.site = None  # (frame, statement) being lowered: where a too deep branch or loop is reported
        self.b = Builder()
        self.inlining: list = []  # functions being inlined, outermost first: recursion detection (by identity)
        self.inlined_calls = 0  # bounded by MAX_INLINED_CALLS: a helper calling the next one twice doubles it
        self.user_names: set[str] = set()
        self.op_table = ops.callable_ops()  # built once per compilation: what each function object is
        self.owned: set[Var] = set()  # lists the compiled code creates: only these may be appended to

    def lower_top(self, fun) -> Function:
        src = get_source(fun)
        fence.check(src)
        params = self._params(fun, src)
        frame = Frame(src, {p.name: p.var for p in params})
        for p in params:
            if p.name in self.shapes:
                container, shape = self.shapes[p.name]
                differentiated = params.index(p) in self.wrt
                if container == "struct":
                    frame.env[p.name] = self.structured_parameter(frame.loc(src.node), p.var, p.name, shape,
                                                                  differentiated)  # fmt: skip
                    continue
                frame.env[p.name] = self.unpack(frame.loc(src.node), p.var, p.name, shape, container, differentiated)
        self.inlining.append(fun)
        value = self.lower_body(frame)
        name = fun.__name__ if fun.__name__.isidentifier() else "lambda_"
        origin = frame.loc(src.node)
        body = self.prune_unpacks({p.var for p in params}, value) if self.shapes else self.b.eqns
        return checked(
            Function(
                name=name,
                qualname=fun.__qualname__,
                params=tuple(params),
                body=tuple(body),
                outs=tuple(value) if self.returned == "tuple" else (value,),
                origin=origin,
                user_names=frozenset(self.user_names),
                returns=self.returned,
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
                        f"the default of parameter {p.name!r} is {describe_object(p.default)}, not a number",
                        "give parameters number defaults, or none",
                    )
            params.append(Param(Var(p.name, user=True, kind="item"), p.name, default, p.kind.name))
        return params

    def lower_body(self, frame: Frame):
        self.user_names |= frame.mentioned
        node = frame.src.node
        if isinstance(node, ast.Lambda):
            return self.scalar(frame, node.body, self.expr(frame, node.body), "the return value")
        ctx = Returns(top=len(self.inlining) == 1)
        atoms = self.tail(frame, node.body, ctx)
        value = ctx.rebuild(atoms)
        if ctx.top and self.returned == "tuple":
            for i, element in enumerate(value):
                if isinstance(element, Var) and not element.hint:
                    element.hint = f"out{i}"
        elif ctx.top:
            value = self.scalar(frame, ctx.node, value, "the return value")
            if isinstance(value, Var) and not value.hint:
                value.hint = "out"  # not a user name: it steps aside if the user has an `out`
        return value

    def lower_stmt(self, frame: Frame, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.expr(frame, stmt.value)
            for target in stmt.targets:
                self.bind(frame, target, value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(frame, stmt.target, self.expr(frame, stmt.value))
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript):
            current = self.store_element(frame, stmt.target)
            left = self.scalar(frame, stmt.target, current, ast.unparse(stmt.target))
            right = self.scalar(frame, stmt.value, self.expr(frame, stmt.value), "the right-hand side")
            self.store(frame, stmt.target, self.emit(frame, stmt, BINOPS[type(stmt.op)], left, right))
        elif isinstance(stmt, ast.AugAssign):
            name = stmt.target.id
            if name not in frame.env:
                raise frame.error(
                    stmt.target, f"{name!r} is updated before it is assigned", f"assign {name} a value first"
                )
            left = self.scalar(frame, stmt.target, frame.env[name], name)
            right = self.scalar(frame, stmt.value, self.expr(frame, stmt.value), "the right-hand side")
            result = self.emit(frame, stmt, BINOPS[type(stmt.op)], left, right)
            self.bind(frame, stmt.target, result)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.expr(frame, stmt.value)  # xs.append(v) (the fence allows no other call statement)
        elif isinstance(stmt, ast.Expr | ast.Pass):
            pass  # the docstring (the fence rejects any other expression statement)
        else:
            raise frame.error(stmt, f"{type(stmt).__name__} statements are not supported")

    def bind(self, frame: Frame, target: ast.AST, value) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Var) and not value.hint:
                value.hint, value.user = target.id, True  # a temporary takes the first user name it gets
            frame.env[target.id] = value
            return
        if isinstance(target, ast.Subscript):
            self.store(frame, target, value)
            return
        # a tuple (or list) target (the fence allows nothing else)
        if (isinstance(value, Var) and value.kind in ("list", "item")) or (
            isinstance(value, Const) and isinstance(value.value, tuple)
        ):
            value = self.unpack_names(frame, target, value)  # a run-time list, a list parameter, a constant
        if not is_static(value):
            raise frame.error(target, f"cannot unpack {describe(value)} into {len(target.elts)} names",
                              "unpack a tuple, a list or a list parameter of the same length")  # fmt: skip
        if len(value) != len(target.elts):
            raise frame.error(
                target, f"cannot unpack a tuple of {len(value)} values into {len(target.elts)} names",
                "unpack tuples of equal length",
            )  # fmt: skip
        for element, item in zip(target.elts, value, strict=True):
            self.bind(frame, element, item)
