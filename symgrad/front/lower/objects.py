"""Structured parameters in the lowering: objects, dicts, nested lists and arrays, resolved at compile time.

Assumes specialized lowering (`lower(..., shapes)` with `("struct", spec)` entries, see `symgrad.arguments`) and
that it is mixed into the lowerer (`core`), which provides `unpack` (specialization), `_inline` (calls) and
`_object` (expressions). Guarantees: a structured parameter arrives as the tuple of its float leaves, unpacked
into variables named by their paths (`model_layers_0_neurons_1_w_2`); attribute reads, `d["key"]`, indexing
by constants and iteration resolve at compile time to those variables (or to constants, for int, bool, str and
None leaves); `obj(x)`, `obj.method(x)` and properties inline the class's own functions with `obj` as `self`.
Anything else on an object (an attribute it lacks, a class that is not callable) is an error naming the path
the user wrote and what it is.
"""

from __future__ import annotations

import ast
import inspect
import types

from ... import resolve, structure
from ...ir import Const, Var
from .frame import Frame
from .values import BoundMethod, DictView, ObjectView, elements

_MISSING = object()


class Objects:
    """Structured parameters (a mixin of the lowerer)."""

    def structured_parameter(self, loc, var, name: str, spec, differentiated: bool):
        flat = self.unpack(loc, var, name, structure.count(spec), "tuple", differentiated)
        for leaf, path in zip(flat, structure.paths(spec, name), strict=True):
            leaf.hint = path
        return self._view(spec, iter(flat), name)

    def _view(self, spec, leaves, path: str):
        tag = spec[0]
        if tag == "float":
            return next(leaves)
        if tag == "static":
            value = spec[2]
            if type(value) in (int, bool):
                return Const(value)
            return self._object(value) if callable(value) else resolve.Other(value)  # a function: an op, inlined
        if tag == "array":
            return self._array_view(spec[1], leaves)
        if tag in ("list", "tuple"):
            items = tuple(self._view(child, leaves, f"{path}[{k}]") for k, child in enumerate(spec[1]))
            return elements(items, None, True)  # no run-time list: a run-time index cannot be followed
        if tag == "dict":
            return DictView({key: self._view(child, leaves, f"{path}[{key!r}]")
                             for key, child in zip(spec[1], spec[2], strict=True)}, path)  # fmt: skip
        cls, names, children = spec[1], spec[2], spec[3]
        attrs = {n: self._view(child, leaves, f"{path}.{n}") for n, child in zip(names, children, strict=True)}
        return ObjectView(cls, attrs, path)

    def _array_view(self, shape, leaves):
        if len(shape) == 1:
            return elements(tuple(next(leaves) for _ in range(shape[0])), None, True)
        return elements(tuple(self._array_view(shape[1:], leaves) for _ in range(shape[0])), None, True)

    def object_attribute(self, frame: Frame, node: ast.Attribute, view):
        name = node.attr
        if isinstance(view, DictView):
            raise frame.error(node, f"dict methods like .{name} are not supported on {view.path}",
                              f"index it by key: {view.path}['...']")  # fmt: skip
        if name in view.attrs:
            return view.attrs[name]
        found = inspect.getattr_static(view.cls, name, _MISSING)
        if isinstance(found, types.FunctionType):
            return BoundMethod(view, found, name)
        if isinstance(found, property) and isinstance(found.fget, types.FunctionType):
            return self._inline(frame, node, found.fget, [view], {})
        if isinstance(found, staticmethod) and isinstance(found.__func__, types.FunctionType):
            return resolve.Inline(found.__func__)
        if found is not _MISSING and resolve.as_number(found) is not None:
            return self._object(found)  # a class-level constant
        if found is _MISSING:
            raise frame.error(node, f"{view.path} (class {view.cls.__qualname__}) has no attribute {name!r}",
                              f"its attributes: {', '.join(view.attrs) or 'none'}")  # fmt: skip
        raise frame.error(node, f"{view.path}.{name} is {type(found).__name__} of class {view.cls.__qualname__}, "
                          "which symgrad cannot compile", "use attributes that hold numbers, lists, dicts or "
                          "objects of them, and plain methods")  # fmt: skip

    def needs_structure(self, frame: Frame, node, message: str):
        """The error for a parameter used as an object, a dict or a function in code compiled for numbers and
        lists (the general module, or a call whose arguments were numbers)."""
        return frame.error(
            node,
            message,
            "objects, dicts, nested lists and arrays are compiled for the structure of the argument: call the "
            "function with it (`f(model, ...)`; the call compiles for its structure), and read that module with "
            "`f.specialized(model, ...).source`",
        )

    def call_object(self, frame: Frame, node: ast.Call, callee):
        """`obj(x)` or `obj.method(x)`: the class's function inlined with `obj` as `self`."""
        if isinstance(callee, resolve.Other):  # a class: an object made inside the function
            name = ast.unparse(node.func)
            raise frame.error(
                node, f"making a {name} inside the function is not supported",
                f"make the {name} outside and pass it as a parameter: `loss(model, xs, ys)` with `grad(loss, "
                "wrt='model')`; its attributes are then compiled for its structure and its methods inlined",
            )  # fmt: skip
        if isinstance(callee, Var):
            name = ast.unparse(node.func)
            raise self.needs_structure(frame, node, f"cannot call {name}: here it is a number or a list of numbers, "
                                       "not an object")  # fmt: skip
        args = [self.expr(frame, a) for a in node.args]
        kwargs = {kw.arg: self.expr(frame, kw.value) for kw in node.keywords}
        if isinstance(callee, BoundMethod):
            return self._inline(frame, node, callee.fun, [callee.obj, *args], kwargs)
        if isinstance(callee, DictView):
            raise frame.error(node, f"{callee.path} is a dict, not a function", "index it by key")
        method = inspect.getattr_static(callee.cls, "__call__", _MISSING)
        if not isinstance(method, types.FunctionType):
            raise frame.error(node, f"{callee.path} (class {callee.cls.__qualname__}) cannot be called: its class "
                              "defines no __call__ method", "call one of its methods")  # fmt: skip
        return self._inline(frame, node, method, [callee, *args], kwargs)

    def struct_key(self, frame: Frame, node: ast.Subscript, base, key: str):
        """`d["key"]` of a dict argument, or None when `base` is not one."""
        if not isinstance(base, DictView):
            return None
        if key not in base.items:
            raise frame.error(node, f"KeyError: {base.path} has no key {key!r}",
                              f"its keys: {', '.join(map(repr, base.items))}")  # fmt: skip
        return base.items[key]
