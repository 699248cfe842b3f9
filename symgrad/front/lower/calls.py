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
import math

from ... import fence, ops, resolve
from ...errors import SymgradError, describe_object
from ...ir import Builder, Const, Var
from ...ops import PUBLIC_FUNCTIONS, REGISTRY, list_reduction, refused_library_function
from ...source import get_source
from .frame import Frame
from .values import StaticList, Structured, describe, is_object_call, is_static

# micrograd-style methods, spelled as symgrad.Value spells them: x.tanh(), x.log1p(), ..., x.atan2(y)
_METHODS = tuple(PUBLIC_FUNCTIONS)


_VARIADIC = {"min", "max"}  # min(a, b, c) is min(min(a, b), c): Python keeps the first of equal values too


# Inlined calls in one compilation. A chain of helpers each calling the next twice doubles the program per level:
# past this, compiling would exhaust time and memory long before it finished.
MAX_INLINED_CALLS = 25_000


def _spelled(func: ast.expr) -> str:
    """How the user spelled the callee, as ast.unparse gives it (`tanh`, `math.tanh`), cheaply for the usual
    forms: every call of an op asks."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ast.unparse(func)


class Calls:
    """Calls of ops, methods, builtins and helpers (a mixin of the lowerer)."""

    def _inline(self, frame: Frame, node: ast.Call, fun, args: list, kwargs: dict):
        if any(active is fun for active in self.inlining):
            raise frame.error(
                node,
                f"recursive call of {fun.__name__}(): symgrad inlines calls, so recursion cannot be compiled",
                "rewrite the recursion as straight-line code",
            )
        self.inlined_calls += 1
        if self.inlined_calls > MAX_INLINED_CALLS:
            raise frame.error(
                node, f"with this call of {fun.__name__}(), more than {MAX_INLINED_CALLS:,} helper calls are inlined: "
                "symgrad inlines every call, and helpers that each call a helper several times grow the program "
                "exponentially",
                "call each helper once and reuse its result (`y = h(x)`), or write the repeated work as a loop",
            )  # fmt: skip
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
            name = _spelled(func)
            usage = f"{name}({', '.join('xy'[: op.arity])})"
            if op.primitive is not None:
                self.prepare_primitive(frame, node, op.primitive)
                usage = f"{name}({', '.join(op.primitive.params)})"
            if node.keywords:
                raise frame.error(node.keywords[0], f"{name}() takes no keyword arguments here", f"write {usage}")
            # (the object is looked up again only where the op has two spellings: math.log's base, math.hypot's
            # arguments; once per call of every other op, it cost a name lookup for nothing)
            obj = self._callee_object(frame, func) if callee.op in ("log", "hypot") else None
            if obj in (math.log, ops.log) and len(node.args) == 2:  # log(x) / log(base), bit for bit as math's
                x, base = (self.scalar(frame, a, self.expr(frame, a), f"an argument of {name}()") for a in node.args)
                return self.emit(
                    frame, node, "div", self.emit(frame, node, "log", x), self.emit(frame, node, "log", base)
                )
            if obj in (math.log, ops.log) and len(node.args) != 1:
                raise frame.error(node, f"{name}() takes 1 or 2 arguments, got {len(node.args)}",
                                  f"write {name}(x) or {name}(x, base)")  # fmt: skip
            if obj in (math.hypot, ops.hypot) and len(node.args) != 2:
                return self._hypot(frame, node, name)
            if callee.op in _VARIADIC and len(node.args) == 1:
                return self.reduce_call(frame, node, node.args[0], callee.op, name)
            if callee.op in _VARIADIC and len(node.args) >= 2:
                args = [self.scalar(frame, a, self.expr(frame, a), f"an argument of {name}()") for a in node.args]
                result = args[0]
                for arg in args[1:]:
                    result = self.emit(frame, node, callee.op, result, arg)
                return result
            if callee.op in _VARIADIC:
                raise frame.error(node, f"{name}() takes numbers or one list", f"write {name}(xs) or {name}(a, b, ...)")
            if len(node.args) != op.arity:
                raise frame.error(node, f"{name}() takes {op.arity} argument{'s' * (op.arity > 1)} here, "
                                  f"got {len(node.args)}", f"write {usage}")  # fmt: skip
            args = [self.scalar(frame, a, self.expr(frame, a), f"the argument of {name}()") for a in node.args]
            return self.emit(frame, node, callee.op, *args)
        if isinstance(callee, resolve.Inline):
            args = [self.expr(frame, a) for a in node.args]
            kwargs = {kw.arg: self.expr(frame, kw.value) for kw in node.keywords}
            return self._inline(frame, node, callee.fun, args, kwargs)
        if is_object_call(callee):
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
        reduction = list_reduction(callee.obj) if isinstance(callee, resolve.Other) else None
        if reduction is not None:  # np.sum, np.mean, np.prod, math.prod of a list: a loop (or a chain) here
            if len(node.args) != 1 or node.keywords:
                raise frame.error(node, f"{name}() takes one list here (no axis, dtype, start or other options)",
                                  f"write {name}(xs) of a list or tuple of numbers")  # fmt: skip
            return self.reduce_call(frame, node, node.args[0], reduction, name)
        if isinstance(callee, resolve.Other) and callee.obj in (range, zip, enumerate):
            raise frame.error(node, f"{name}() is supported only as what a `for` loop or comprehension iterates over",
                              f"write `for ... in {name}(...):`")  # fmt: skip
        library = refused_library_function(callee.obj, name) if isinstance(callee, resolve.Other) else None
        if library is not None:  # a math or NumPy function that is not an op: say so, and what is nearest
            message, hint = library
            raise frame.error(node, f"cannot call {name}: {message}", hint)
        raise frame.error(
            node, f"cannot call {name}: it is {describe(callee)}",
            "call the differentiable functions of math (or their NumPy and symgrad spellings: tanh, exp, log, "
            "erf, atan2, hypot, ...), abs, min, max, or plain Python functions of numbers, which are inlined",
        )  # fmt: skip

    def _callee_object(self, frame: Frame, func: ast.expr):
        """The object a called name or `module.name` stands for (the op table knows it only by its op)."""
        if isinstance(func, ast.Name) and func.id not in frame.env:
            return resolve.lookup(frame.src.fun, func.id)
        if isinstance(func, ast.Attribute):
            base = self.expr(frame, func.value)
            if isinstance(base, resolve.Module):
                return getattr(base.module, func.attr, None)
        return None

    def _hypot(self, frame: Frame, node: ast.Call, name: str):
        """math.hypot of any number of arguments: hypot(hypot(a, b), c), ... (each step overflow-safe; the
        value may differ from math's own n-argument algorithm in the last bit); of one, |a|; of none, 0.0."""
        args = [self.scalar(frame, a, self.expr(frame, a), f"an argument of {name}()") for a in node.args]
        if not args:
            return Const(0.0)
        if len(args) == 1:
            return self.emit(frame, node, "fabs", args[0])
        result = args[0]
        for arg in args[1:]:
            result = self.emit(frame, node, "hypot", result, arg)
        return result

    def reduce_call(self, frame: Frame, node: ast.Call, iterable: ast.expr, kind: str, name: str):
        """`kind` ("sum", "mean", "prod", "min", "max") of a list, tuple or comprehension, left to right as
        Python's builtins go: min and max keep the first of equal elements (it gets the gradient), sum and mean
        start from 0 and prod from 1. An empty list is an IndexError for min and max, a ZeroDivisionError for
        mean, at run time."""
        if isinstance(iterable, ast.GeneratorExp):  # its elements, as a list (min and max need the first)
            iterable = ast.copy_location(ast.ListComp(iterable.elt, iterable.generators), iterable)
        op = {"sum": "add", "mean": "add", "prod": "mul", "min": "min", "max": "max"}[kind]
        start = {"sum": Const(0), "mean": Const(0), "prod": Const(1)}.get(kind)
        value = self.expr(frame, iterable)
        what = f"an element of {name}()"
        if (isinstance(value, Var) and value.kind not in ("list", "item")) or (
            isinstance(value, Const) and not isinstance(value.value, tuple)
        ):
            raise frame.error(node, f"{name}() of one number: it takes a list or tuple, or two or more numbers",
                              f"write {name}(xs) or {name}(a, b)")  # fmt: skip
        if is_static(value):
            items = [self.scalar(frame, iterable, item, what) for item in value]
            if start is None and not items:
                raise frame.error(node, f"{name}() of an empty sequence", f"give {name}() at least one element")
            result = start if start is not None else items[0]
            for item in items if start is not None else items[1:]:
                result = self.emit(frame, node, op, result, item)
            count = Const(len(items))
        else:
            seq = self.sequence(frame, iterable, value)
            count = self.length(frame, node, seq)
            acc = f"<acc#{sum(key.startswith('<acc') for key in frame.env)}>"  # as sum(): printed as `acc`
            if start is None:
                start = self.scalar(frame, iterable, self._element(frame, iterable, seq, Const(0)), what)
                bounds = (Const(1), count, Const(1))
            else:
                bounds = (Const(0), count, Const(1))
            frame.env[acc] = start

            def body(frame, index):
                element = self.scalar(frame, iterable, self._element(frame, iterable, seq, index), what)
                frame.env[acc] = self.emit(frame, node, op, frame.env[acc], element)
                return (frame.env[acc], Const(False))

            try:
                self.for_eqn(frame, node, [acc], bounds, "i", body)
                result = frame.env[acc]
            finally:
                frame.env.pop(acc, None)
        if kind == "mean":
            return self.emit(frame, node, "div", result, count)
        return result

    def prepare_primitive(self, frame: Frame, node: ast.Call, primitive) -> None:
        """Lower a user's primitive (`symgrad.primitive`) for this compilation, once: its forward as a function
        of its own (it is pasted into the module) and its derivative inlined at fresh parameters (its adjoint
        rules splice copies of those equations)."""
        prepared = self.__dict__.setdefault("prepared_primitives", set())
        if id(primitive) in prepared:
            return
        prepared.add(id(primitive))

        def lower_derivative(derivative, params):
            saved, self.b = self.b, Builder()
            try:
                callee = resolve.classify(derivative, self.op_table)
                if isinstance(callee, resolve.OpRef):  # the derivative is an op (a primitive itself): a call of it
                    if REGISTRY[callee.op].primitive is not None:
                        self.prepare_primitive(frame, node, REGISTRY[callee.op].primitive)
                    result = self.emit(frame, node, callee.op, *params)
                else:
                    result = self._inline(frame, node, callee.fun, list(params), {})
                return self.b.eqns, result
            finally:
                self.b = saved

        primitive.prepare(
            lambda: type(self)().lower_top(primitive.forward), lower_derivative, lambda m, h: frame.error(node, m, h)
        )

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
        others = "y" * (REGISTRY[attr].arity - 1)
        if len(node.args) != len(others) or node.keywords:
            takes = "no arguments" if not others else "one argument"
            raise frame.error(
                node, f".{attr}() takes {takes}", f"write x.{attr}({others}) or {attr}(x{', ' * bool(others)}{others})"
            )
        if isinstance(base, Const):
            raise frame.error(node.func, f"a number has no .{attr}() method (only symgrad.Value does)",
                              f"write {attr}({base.value!r}{', y' * bool(others)})")  # fmt: skip
        args = [self.scalar(frame, a, self.expr(frame, a), f"the argument of .{attr}()") for a in node.args]
        return self.emit(frame, node, attr, self.scalar(frame, node.func.value, base, f"the base of .{attr}()"), *args)
