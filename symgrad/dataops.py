"""The data ops: comparisons, integer arithmetic, lists and the reverse sweep's tape, one entry per op.

`ops.REGISTRY` holds the real-valued primitives (each with adjoint rules, a SymPy twin and a test domain);
this table holds the ops whose values are not reals being differentiated: booleans, ints (indices and
lengths), lists and the tape that carries values from the forward sweep to the reverse sweep. Their
derivatives, where they have any, are written in `reverse.py` (reading `xs[i]` adds to the gradient list at i;
appending is undone by popping).

Guarantees: every entry says how it prints (`ops` printers, plus `Statement` for assignments that are not
expressions), whether it may be merged with an equal equation (`pure`), whether it must run even when its
result is unused (`effect`), and what kind of value it makes (`result`: "bool", "int", "list", "item" for an
element of a list, or "none").
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass

from .ops import BuiltinCall, Expression, Infix, Prefix


@dataclass(frozen=True)
class Compare:
    """A comparison `a <op> b`."""

    operator: type[ast.cmpop]


@dataclass(frozen=True)
class Statement:
    """A statement that is not `name = expression` (`g[i] += v`); `build(args)` returns it."""

    build: Callable[[list[ast.expr]], ast.stmt]


@dataclass(frozen=True)
class Shaped:
    """`tuple(g) if isinstance(p, tuple) else g` (the emitter names the builtins out of the user's way)."""


@dataclass(frozen=True)
class ZerosLike:
    """`[0.0] * len(p) if isinstance(p, (list, tuple)) else 0.0`: the zero gradient of a parameter the body
    never uses, whose caller alone knows whether it is a number or a list."""


@dataclass(frozen=True)
class ExpectLen:
    """`if len(xs) != n: raise ValueError(message)`, a statement."""


@dataclass(frozen=True)
class DataOp:
    name: str
    arity: int | None  # None: any number of arguments
    printer: object
    forward: Callable | None = None  # for folding constants; None: never folded
    result: str = "none"
    pure: bool = True  # equal equations may be merged (CSE)
    effect: bool = False  # runs even when no result of it is used (DCE keeps it)


DATA_OPS: dict[str, DataOp] = {}


def _register(op: DataOp) -> None:
    DATA_OPS[op.name] = op


COMPARISONS = {
    ast.Lt: ("lt", operator.lt), ast.LtE: ("le", operator.le), ast.Gt: ("gt", operator.gt),
    ast.GtE: ("ge", operator.ge), ast.Eq: ("eq", operator.eq), ast.NotEq: ("ne", operator.ne),
}  # fmt: skip
for _node, (_name, _fn) in COMPARISONS.items():
    _register(DataOp(_name, 2, Compare(_node), _fn, result="bool"))
_register(DataOp("not", 1, Prefix(ast.Not), operator.not_, result="bool"))
# Integer arithmetic on indices and lengths; on a differentiated value reverse.py reports them.
_register(DataOp("floordiv", 2, Infix(ast.FloorDiv), operator.floordiv, result="int"))
_register(DataOp("mod", 2, Infix(ast.Mod), operator.mod, result="int"))
_register(DataOp("len", 1, BuiltinCall("len"), result="int", pure=False))  # a list may grow between two calls


def _call_method(name: str):
    return lambda a: ast.Call(ast.Attribute(a[0], name, ast.Load()), a[1:], [])


def _subscript(a):
    return ast.Subscript(a[0], a[1], ast.Load())


# getitem(xs, i) is pure: lists only grow (append), so an element never changes once it exists.
_register(DataOp("getitem", 2, Expression(_subscript), result="item"))
_register(DataOp("list_new", 0, Expression(lambda a: ast.List([], ast.Load())), result="list", pure=False))
_register(DataOp("append", 2, Expression(_call_method("append")), pure=False, effect=True))
# [0.0] * n: a gradient list (one per list parameter, one per differentiated local list)
_register(
    DataOp(
        "zeros", 1, Expression(lambda a: ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(), a[0])),
        result="list", pure=False,
    )
)  # fmt: skip
# g[i] += v: gradients of list elements accumulate in place
_register(
    DataOp(
        "accum_at", 3,
        Statement(lambda a: ast.AugAssign(ast.Subscript(a[0], a[1], ast.Store()), ast.Add(), a[2])),
        pure=False, effect=True,
    )
)  # fmt: skip
_register(DataOp("pop", 1, Expression(_call_method("pop")), result="item", pure=False, effect=True))
# The tape: the forward sweep pushes what the reverse sweep of a loop iteration needs, which pops it back.
_register(
    DataOp(
        "push", None,
        Expression(lambda a: _call_method("append")([a[0], a[1] if len(a) == 2 else ast.Tuple(a[1:], ast.Load())])),
        pure=False, effect=True,
    )
)  # fmt: skip
_register(DataOp("restore", 1, Expression(_call_method("pop")), pure=False, effect=True))
# Specialized code (lower.py, `shapes`): `a, b, c = xs` gives a list parameter's elements names of their own
# and fails for another length; the gradient of such a parameter is the list (or tuple) of its elements'.
for _name in ("unpack", "unpack_tuple"):  # the same statement; the gradient is a list or a tuple
    _register(DataOp(_name, 1, Expression(lambda a: a[0]), result="item", pure=False, effect=True))
_register(DataOp("pack", None, Expression(lambda a: ast.List(list(a), ast.Load())), result="list"))
_register(DataOp("pack_tuple", None, Expression(lambda a: ast.Tuple(list(a), ast.Load())), result="list"))
# `if len(xs) != n: raise ValueError(message)`: a length the code assumes (specialized code, zip(strict=True))
_register(DataOp("expect_len", 3, ExpectLen(), pure=False, effect=True))
_register(DataOp("zeros_like", 1, ZerosLike(), result="item", pure=False))
# tuple(g) if the caller passed a tuple: a gradient has the structure of its parameter
_register(DataOp("like", 2, Shaped(), result="list"))
