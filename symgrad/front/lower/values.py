"""What lowering holds for a Python value, besides IR atoms (`Var`, `Const`) and resolved globals.

Assumes nothing of the lowerer. Guarantees: `StaticList` and `Elements` appear only in specialized lowering
(`lower(..., shapes)`), where `NotStatic` means "lower this function the general way instead"; `describe` names
any value lowering holds the same way in every error message.
"""

from __future__ import annotations

from ... import resolve
from ...errors import describe_object
from ...ir import Const, Var


class NotStatic(Exception):
    """Specialized lowering met a list it cannot follow at compile time: lower the general way instead."""


class StaticList(list):
    """A list the specialized function makes, as the atoms it holds; appended to only at the block depth
    where it was made (an append inside a loop that stays a loop would need a run-time list)."""

    def __init__(self, items, depth: int, serial: int):
        super().__init__(items)
        self.depth = depth
        self.serial = serial  # creation order: an unrolling given up must not have appended to older lists


class Elements(tuple):
    """A list parameter's elements in specialized code; `var` is the list itself, for reads by a run-time
    index (of data only: a differentiated list's gradient is collected from its elements')."""

    var: Var
    differentiated: bool


def elements(items, var: Var, differentiated: bool) -> Elements:
    elements = Elements(items)
    elements.var, elements.differentiated = var, differentiated
    return elements


class Structured:
    """A structured parameter's part that is not a sequence (specialized lowering only): attributes and keys
    resolve at compile time to the atoms, sequences and views the parameter's spec says."""

    path: str  # how the user wrote it, for messages: `model.layers[0]`


class ObjectView(Structured):
    """An object argument: its class (by identity) and its attributes' compile-time values."""

    def __init__(self, cls: type, attrs: dict, path: str):
        self.cls, self.attrs, self.path = cls, attrs, path


class DictView(Structured):
    """A dict argument with string keys."""

    def __init__(self, items: dict, path: str):
        self.items, self.path = items, path


class BoundMethod:
    """`obj.method` of an object argument: called, it is inlined with `obj` as its first argument."""

    def __init__(self, obj: ObjectView, fun, name: str):
        self.obj, self.fun, self.name = obj, fun, name


def is_object_call(callee) -> bool:
    """Whether calling `callee` is objects.py's business: an object argument or its method, a parameter used as
    one, or a user's class (an object made inside the function; `float(x)` is the builtins' business)."""
    return (
        isinstance(callee, Structured | BoundMethod)
        or (isinstance(callee, Var) and callee.kind == "item")
        or (isinstance(callee, resolve.Other) and isinstance(callee.obj, type) and callee.obj.__module__ != "builtins")
    )


def is_static(value) -> bool:
    """A sequence whose elements lowering holds: a tuple of atoms, or a static list."""
    return isinstance(value, tuple | StaticList)


def sequence_like(value) -> bool:
    """A value `+` and `*` treat as a list: a static sequence, a run-time list, a module-level tuple."""
    return (
        is_static(value)
        or (isinstance(value, Var) and value.kind == "list")
        or (isinstance(value, Const) and isinstance(value.value, tuple))
    )


def describe(value) -> str:
    """How an error message names `value` (an atom, a tuple, a static list or a resolved global)."""
    if (isinstance(value, Var) and value.kind == "list") or isinstance(value, StaticList):
        return "a list"
    if isinstance(value, Const) and isinstance(value.value, tuple):
        return f"a tuple of {len(value.value)} numbers"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values"
    if isinstance(value, ObjectView):
        return f"{value.path} (an object of class {value.cls.__qualname__})"
    if isinstance(value, DictView):
        return f"{value.path} (a dict)"
    if isinstance(value, BoundMethod):
        return f"the method {value.obj.cls.__qualname__}.{value.name}"
    if isinstance(value, resolve.Module):
        return f"the module {value.module.__name__}"
    if isinstance(value, resolve.OpRef):
        return f"the function {value.op}"
    if isinstance(value, resolve.Inline):
        return f"the function {value.fun.__qualname__}"
    if isinstance(value, resolve.Other):
        return describe_object(value.obj)
    return "a number"
