"""Name resolution: what a name in the user's function refers to, decided by identity, not spelling.

Assumes the fence has run. Guarantees: a name resolves the way Python would resolve it when the function runs
(locals are `lower`'s business; then closure cells, the function's globals, builtins), and the object found is
classified once: a number (folded as a constant), an op (by the object's identity: `math.tanh`, `symgrad.tanh`
and `from math import tanh as th` are one op; a local named `tanh` is a local), a plain function to inline, or
a module (only good for `module.attribute`). Anything else is rejected with the name and what it is.
"""

from __future__ import annotations

import builtins
import numbers
import types
from dataclasses import dataclass

from . import ops
from .pycode import plain_function

MISSING = object()


@dataclass(frozen=True)
class Number:
    value: int | float


@dataclass(frozen=True)
class OpRef:
    op: str


@dataclass(frozen=True)
class Inline:
    fun: types.FunctionType


@dataclass(frozen=True)
class Module:
    module: types.ModuleType


@dataclass(frozen=True)
class Other:
    obj: object


Resolved = Number | OpRef | Inline | Module | Other


def lookup(fun: types.FunctionType, name: str) -> object:
    """The object `name` refers to from inside `fun` (not a local), or MISSING."""
    code = fun.__code__
    if name in code.co_freevars and fun.__closure__ is not None:
        cell = fun.__closure__[code.co_freevars.index(name)]
        try:
            return cell.cell_contents
        except ValueError:  # an empty cell: the enclosing variable is not assigned yet
            return MISSING
    if name in fun.__globals__:
        return fun.__globals__[name]
    return getattr(builtins, name, MISSING)


def as_number(obj: object) -> int | float | None:
    """`obj` as a plain int or float if it is a real number (NumPy scalars, Fractions, ...), else None.
    Bools are not numbers here, and SymPy objects are left alone (they are expressions, not constants)."""
    if isinstance(obj, bool) or not isinstance(obj, numbers.Real) or type(obj).__module__.startswith("sympy"):
        return None
    if type(obj) in (int, float):
        return obj
    return int(obj) if isinstance(obj, numbers.Integral) else float(obj)


def classify(obj: object, op_table: dict[int, str] | None = None) -> Resolved:
    value = as_number(obj)
    if value is not None:
        return Number(value)
    op = (ops.callable_ops() if op_table is None else op_table).get(id(obj))
    if op is not None:
        return OpRef(op)
    function = plain_function(obj)  # another @grad function: inline the function it wraps
    if function is not None:
        return Inline(function)
    if isinstance(obj, types.ModuleType):
        return Module(obj)
    return Other(obj)
