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

from . import fence, ops, resolve
from .errors import SymgradError, UnsupportedSyntax
from .ir import NO_DEFAULT, Builder, Const, Function, Loc, Param, Var, verify
from .ops import REGISTRY, UNARY_FUNCTIONS
from .source import Source, get_source

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_METHODS = tuple(name for name in UNARY_FUNCTIONS if REGISTRY[name].method)
_PLANNED_BUILTINS = {"sum", "len", "range", "zip", "enumerate"}
_VARIADIC = {"min", "max"}  # min(a, b, c) is min(min(a, b), c): Python keeps the first of equal values too


def lower(fun) -> Function:
    """The IR of `fun` (before differentiation): its parameters, body and `(value,)` output."""
    return _Lowerer().lower_top(fun)


class _Frame:
    """The state of one function being lowered (the top function or an inlined callee)."""

    def __init__(self, src: Source, env: dict):
        self.src = src
        self.env = env
        self.mentioned, assigned = _names(src.node)
        self.local_names = set(env) | assigned
        self.name = getattr(src.node, "name", "<lambda>")

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
    def __init__(self):
        self.b = Builder()
        self.inlining: list = []  # functions being inlined, outermost first: recursion detection (by identity)
        self.user_names: set[str] = set()
        self.op_table = ops.callable_ops()  # built once per compilation: what each function object is

    # --- functions -------------------------------------------------------------------------------------

    def lower_top(self, fun) -> Function:
        src = get_source(fun)
        fence.check(src)
        params = self._params(fun, src)
        frame = _Frame(src, {p.name: p.var for p in params})
        self.inlining.append(fun)
        value = self._body(frame)
        name = fun.__name__ if fun.__name__.isidentifier() else "lambda_"
        origin = frame.loc(src.node)
        return verify(
            Function(
                name=name,
                qualname=fun.__qualname__,
                params=tuple(params),
                body=tuple(self.b.eqns),
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
            params.append(Param(Var(p.name, user=True), p.name, default, p.kind.name))
        return params

    def _body(self, frame: _Frame):
        self.user_names |= frame.mentioned
        node = frame.src.node
        if isinstance(node, ast.Lambda):
            return self._scalar(frame, node.body, self._expr(frame, node.body), "the return value")
        for stmt in node.body:
            if isinstance(stmt, ast.Return):
                value = self._expr(frame, stmt.value)
                if isinstance(value, tuple) and len(self.inlining) > 1:
                    return value  # an inlined helper may return a tuple for its caller to unpack
                value = self._scalar(frame, stmt.value, value, "the return value")
                if isinstance(value, Var) and not value.hint and len(self.inlining) == 1:
                    value.hint = "out"  # not a user name: it steps aside if the user has an `out`
                return value
            self._stmt(frame, stmt)
        raise AssertionError("unreachable: the fence requires a final return")

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
            if isinstance(value, Var | Const | tuple):
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
        if not isinstance(value, tuple):
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
            operand = self._scalar(frame, node.operand, self._expr(frame, node.operand), "the operand")
            if isinstance(node.op, ast.UAdd):
                return operand
            return self._emit(frame, node, "neg", operand)
        if isinstance(node, ast.Tuple):
            return tuple(self._expr(frame, element) for element in node.elts)
        if isinstance(node, ast.Call):
            return self._call(frame, node)
        raise frame.error(node, f"{type(node).__name__} expressions are not supported")

    def _name(self, frame: _Frame, node: ast.Name):
        if node.id in frame.env:
            return frame.env[node.id]
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
        return Const(resolved.value) if isinstance(resolved, resolve.Number) else resolved

    def _call(self, frame: _Frame, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self._expr(frame, func.value)
            if isinstance(base, Var | Const):
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
        if isinstance(callee, resolve.Other) and getattr(callee.obj, "__name__", None) in _PLANNED_BUILTINS:
            raise frame.error(node, f"{name}() is not supported yet", f"{name}() is {fence.PLANNED}")
        raise frame.error(
            node, f"cannot call {name}: it is {self._describe(callee)}",
            "call the ops tanh exp log sqrt sin cos sigmoid relu (from symgrad or math) or plain Python "
            "functions of numbers, which are inlined",
        )  # fmt: skip

    def _method(self, frame: _Frame, node: ast.Call, base):
        attr = node.func.attr
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
        if isinstance(value, Var | Const):
            return value
        raise frame.error(node, f"{what} must be a number, but it is {self._describe(value)}",
                          "symgrad differentiates functions of numbers that return one number")  # fmt: skip

    @staticmethod
    def _describe(value) -> str:
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
