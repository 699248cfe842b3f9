"""Calls: ops (`tanh(x)`, `math.exp(x)`, `min(a, b, c)`), micrograd-style methods (`x.tanh()`), `xs.append(v)`,
the builtins `len` and `sum`, and inlining of plain helper functions.

Assumes it is mixed into the lowerer (`core`), which provides `inlining` (the functions being inlined, outermost
first), the function body (`lower_body`), expressions (`expr`, `scalar`, `emit`, `attribute`) and sequences
(`sequence`, `length`, `static_length`, `sum_call`, `append`). Guarantees: a helper is inlined with its own
source, so its errors point into it; recursion is an error at the recursive call; an op gets exactly its arity of
number arguments; anything else called is an error that says what it is.
"""

from __future__ import annotations

import ast
import inspect

from ... import fence, resolve
from ...errors import SymgradError, describe_object
from ...ir import Const, Var
from ...ops import REGISTRY, UNARY_FUNCTIONS
from ...source import get_source
from .frame import Frame
from .values import BoundMethod, StaticList, Structured, describe, is_static

_METHODS = tuple(name for name in UNARY_FUNCTIONS if REGISTRY[name].method)


_VARIADIC = {"min", "max"}  # min(a, b, c) is min(min(a, b), c): Python keeps the first of equal values too


class Calls:
    """Calls of ops, methods, builtins and helpers (a mixin of the lowerer)."""

    def _inline(self, frame: Frame, node: ast.Call, fun, args: list, kwargs: dict):
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
            if isinstance(value, Var | Const | tuple | StaticList | Structured):
                env[name] = value
            elif name not in passed and resolve.as_number(value) is not None:
                env[name] = Const(resolve.as_number(value))  # a default
            elif name not in passed:
                raise frame.error(
                    node,
                    f"the default of {fun.__name__}()'s parameter {name!r} is {describe_object(value)}, not a number",
                    "give the helper's parameters number defaults, or pass the argument",
                )  # fmt: skip
            else:
                raise frame.error(
                    node, f"{fun.__name__}()'s parameter {name!r} gets {describe(value)}; arguments of "
                    "inlined functions must be numbers or tuples of numbers",
                    "call the function inside the helper instead of passing it",
                )  # fmt: skip
        self.inlining.append(fun)
        try:
            return self.lower_body(Frame(src, env))
        finally:
            self.inlining.pop()

    def call(self, frame: Frame, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.expr(frame, func.value)
            if isinstance(base, Var | Const | StaticList):
                return self._method(frame, node, base)
            callee = self.attribute(frame, func, base)
        else:
            callee = self.expr(frame, func)
        if isinstance(callee, resolve.OpRef):
            op = REGISTRY[callee.op]
            name = ast.unparse(func)
            usage = f"{name}({', '.join('xy'[: op.arity])})"
            if node.keywords:
                raise frame.error(node.keywords[0], f"{name}() takes no keyword arguments here", f"write {usage}")
            if callee.op in _VARIADIC and len(node.args) >= 2:
                args = [self.scalar(frame, a, self.expr(frame, a), f"an argument of {name}()") for a in node.args]
                result = args[0]
                for arg in args[1:]:
                    result = self.emit(frame, node, callee.op, result, arg)
                return result
            if callee.op in _VARIADIC:
                raise frame.error(node, f"{name}() of one argument (an iterable) is not supported yet",
                                  f"write {name}(a, b, ...) of numbers; lists are {fence.PLANNED}")  # fmt: skip
            if len(node.args) != op.arity:
                raise frame.error(node, f"{name}() takes {op.arity} argument{'s' * (op.arity > 1)} here, "
                                  f"got {len(node.args)}", f"write {usage}")  # fmt: skip
            args = [self.scalar(frame, a, self.expr(frame, a), f"the argument of {name}()") for a in node.args]
            return self.emit(frame, node, callee.op, *args)
        if isinstance(callee, resolve.Inline):
            args = [self.expr(frame, a) for a in node.args]
            kwargs = {kw.arg: self.expr(frame, kw.value) for kw in node.keywords}
            return self._inline(frame, node, callee.fun, args, kwargs)
        if isinstance(callee, Structured | BoundMethod):
            return self.call_object(frame, node, callee)  # objects.py: `model(x)`, `layer.forward(x)`
        name = ast.unparse(func)
        if isinstance(callee, resolve.Other) and callee.obj is len:
            if len(node.args) != 1 or node.keywords:
                raise frame.error(node, "len() takes one argument", "write len(xs)")
            value = self.expr(frame, node.args[0])
            if is_static(value):
                return self.static_length(value)
            return self.length(frame, node, self.sequence(frame, node.args[0], value))
        if isinstance(callee, resolve.Other) and callee.obj is sum:
            return self.sum_call(frame, node)
        if isinstance(callee, resolve.Other) and callee.obj in (range, zip, enumerate):
            raise frame.error(node, f"{name}() is supported only as what a `for` loop or comprehension iterates over",
                              f"write `for ... in {name}(...):`")  # fmt: skip
        raise frame.error(
            node, f"cannot call {name}: it is {describe(callee)}",
            "call the differentiable functions of math (or their NumPy and symgrad spellings: tanh, exp, log, "
            "erf, atan2, hypot, ...), abs, min, max, or plain Python functions of numbers, which are inlined",
        )  # fmt: skip

    def _method(self, frame: Frame, node: ast.Call, base):
        attr = node.func.attr
        appendable = isinstance(base, StaticList) or (isinstance(base, Var) and base.kind in ("list", "item"))
        if attr == "append" and appendable:
            if len(node.args) != 1 or node.keywords:
                raise frame.error(node, ".append() takes one argument", "write xs.append(value)")
            self.append(frame, node, base, self.expr(frame, node.args[0]))
            return None
        if attr not in _METHODS:
            raise frame.error(node.func, f"method .{attr}() is not supported",
                              f"micrograd-style methods: {', '.join('.' + m + '()' for m in _METHODS)}")  # fmt: skip
        if node.args or node.keywords:
            raise frame.error(node, f".{attr}() takes no arguments", f"write x.{attr}() or {attr}(x)")
        if isinstance(base, Const):
            raise frame.error(node.func, f"a number has no .{attr}() method (only symgrad.Value does)",
                              f"write {attr}({base.value!r})")  # fmt: skip
        return self.emit(frame, node, attr, base)
