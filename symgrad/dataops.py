"""The data ops: comparisons, integer arithmetic, lists and the reverse sweep's tape, one entry per op.

`ops.REGISTRY` holds the real-valued primitives (each with adjoint rules, a SymPy twin and a test domain);
this table holds the ops whose values are not reals being differentiated: booleans, ints (indices and
lengths), lists and the tape that carries values from the forward sweep to the reverse sweep. Their
derivatives, where they have any, are rules of their entries here, which `reverse.py` and `forward.py` look up
(reading `xs[i]` adds to the gradient list at i; appending is undone by popping; a store `h[i] = v` hands the
gradient at i to v and clears it).

Guarantees: every entry says how it prints (`ops` printers, plus `Statement` for assignments that are not
expressions), whether it may be merged with an equal equation (`pure`), whether it must run even when its
result is unused (`effect`), and what kind of value it makes (`result`: "bool", "int", "list", "item" for an
element of a list, or "none").
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, replace

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


def _no_activity(eqn, active: set) -> None:
    """The op's results never carry a derivative (truth values, ints, fresh zeros)."""


def _from_first(eqn, active: set) -> None:
    """Results are active when the first argument (the list read) is."""
    if eqn.args[0] in active:  # (a constant is never in the set)
        active.update(eqn.outs)


def _from_any(eqn, active: set) -> None:
    if any(a in active for a in eqn.args):
        active.update(eqn.outs)


def _into_first(eqn, active: set) -> None:
    """Storing an active value (the last argument) makes the list it goes into active."""
    if eqn.args[-1] in active:
        active.add(eqn.args[0])


def _restored(eqn, active: set) -> None:
    """A value popped from the tape is active when the value pushed (its original) was; a list popped is the
    same list object as the one pushed, so when the copy becomes active (a gradient list the reverse sweep adds
    to), so does the original, from its creation on."""
    for out in eqn.outs:
        if out.copy_of in active:
            active.add(out)
        elif out in active and out.kind == "list" and out.copy_of is not None:
            active.add(out.copy_of)


@dataclass(frozen=True)
class DataOp:
    name: str
    arity: int | None  # None: any number of arguments
    printer: object
    forward: Callable | None = None  # for folding constants; None: never folded
    result: str = "none"
    pure: bool = True  # equal equations may be merged (CSE)
    effect: bool = False  # runs even when no result of it is used (DCE keeps it)
    # Forward mode (forward.py): `tangent(fw, b, eqn)` appends the equation and its tangent equations to `b`
    # (None: the op carries no derivative and is copied as it is); `activity(eqn, active)` adds the variables
    # the op makes active. Reverse-mode rules of the data ops live in reverse.py (see its docstring).
    tangent: Callable | None = None
    activity: Callable = _no_activity
    # Reverse mode (reverse.py): `grow(rv, b, eqn)` adds to the forward sweep (a gradient list grown beside a
    # list), `adjoint(rv, b, eqn, adjoint)` appends the op's reverse to the backward sweep; None: nothing to do
    # (no derivative flows through the op, or it is one reverse mode emits itself: the tape, the gradient lists
    # and their shapes, whose reverse would be reverse over reverse, which is never built: second derivatives
    # are forward over reverse, and forward mode has a tangent rule for every op).
    grow: Callable | None = None
    adjoint: Callable | None = None


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


# getitem(xs, i) is pure: the lists it reads only grow (append), so an element never changes once it exists
# (a list that stores change is read by `read_at`, below).
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
# h[i] = v into a list the function made, at run time (the general module: specialized code follows such stores
# at compile time). The list changes, so its reads are `read_at`: never merged with another read (not pure) and
# never recomputed by a reverse sweep (reverse.py recomputes `getitem` only): their values ride the tape, so no
# reverse step reads the list itself, and the store's reverse need not put the old element back; it moves the
# element's gradient to the stored value and clears it (the overwritten element is read by nothing later).
_register(
    DataOp(
        "store_at", 3,
        Statement(lambda a: ast.Assign([ast.Subscript(a[0], a[1], ast.Store())], a[2], lineno=0)),
        pure=False, effect=True,
    )
)  # fmt: skip
_register(DataOp("read_at", 2, Expression(_subscript), result="item", pure=False))
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


# --- tangent rules (forward mode) ---------------------------------------------------------------------------
# Each is `rule(fw, b, eqn)`: it appends `eqn` (changed where the tangents ride along) and its tangent equations
# to the builder `b`, asking `fw` (forward._Forward) for tangents and new variables. A list's tangent is a list
# of the same length, made, grown and read alongside it, one per direction.

LISTS_OF_LISTS = (
    "differentiating through a list of lists is not supported",
    "keep nested lists as data: choose the differentiated parameters with wrt=...",
)


def _t_getitem(fw, b, eqn):
    """`getitem`, and `read_at` (a read of a list that stores change): the tangent lists are read the same way,
    at the same index."""
    b.eqns.append(eqn)
    seq, index = eqn.args
    if not fw.is_active(eqn.out):
        return
    if eqn.out.kind == "list":
        fw.refuse(eqn, *LISTS_OF_LISTS)
    ts = []
    for k, t in enumerate(fw.tangent(seq)):
        since = len(b.eqns)
        ts.append(None if t is None else fw.named(b, since, eqn.out, b.emit(eqn.op, t, index), k))
    fw.set_tangents(eqn.out, ts)


def _t_new_list(fw, b, eqn):
    """`[]` and `[0.0] * n`: an active list gets tangent lists made the same way."""
    b.eqns.append(eqn)
    if fw.is_active(eqn.out):
        ts = []
        for k in range(fw.n):
            since = len(b.eqns)
            ts.append(fw.named(b, since, eqn.out, b.emit(eqn.op, *eqn.args), k))
        fw.set_tangents(eqn.out, ts)


def _list_tangents(fw, eqn, seq):
    ts = fw.tangent(seq)
    if any(t is None for t in ts):
        fw.refuse(eqn, "a value is stored into a list symgrad cannot follow (a parameter, or a list of lists)",
                  "build the list inside the function, from numbers")  # fmt: skip
    return ts


def _t_append(fw, b, eqn):
    b.eqns.append(eqn)
    seq, value = eqn.args
    if fw.is_active(seq):
        for k, t in enumerate(_list_tangents(fw, eqn, seq)):
            b.effect("append", t, fw.concrete(b, value, k))


def _t_accum_at(fw, b, eqn):
    b.eqns.append(eqn)
    seq, index, value = eqn.args
    if fw.is_active(seq):
        for t, dv in zip(_list_tangents(fw, eqn, seq), fw.tangent(value), strict=True):
            if dv is not None:
                b.effect("accum_at", t, index, dv)


def _t_store_at(fw, b, eqn):
    """`h[i] = v` stores v's tangents into h's tangent lists (0.0 where v has none)."""
    b.eqns.append(eqn)
    seq, index, value = eqn.args
    if fw.is_active(seq):
        for k, t in enumerate(_list_tangents(fw, eqn, seq)):
            b.effect("store_at", t, index, fw.concrete(b, value, k))


def _t_pop(fw, b, eqn):
    b.eqns.append(eqn)
    (seq,) = eqn.args
    if fw.is_active(seq):
        ts = []
        for k, t in enumerate(_list_tangents(fw, eqn, seq)):
            since = len(b.eqns)
            ts.append(fw.named(b, since, eqn.out, b.pop(t), k))
        fw.set_tangents(eqn.out, ts)


def _t_push(fw, b, eqn):
    """The tape carries each pushed value's tangents after the values; constants are not pushed."""
    tape, *values = eqn.args
    plan, extra = [], []
    for i, value in enumerate(values):
        for k, t in enumerate(fw.tangent(value)):
            if t is not None:
                plan.append((i, k, t))
                if not fw.is_constant(t):
                    extra.append(t)
    fw.remember_push(eqn, tuple(plan))
    b.eqns.append(replace(eqn, args=(tape, *values, *extra)) if extra else eqn)


def _t_restore(fw, b, eqn):
    plan = fw.pushed_with(eqn)
    if not plan:
        b.eqns.append(eqn)
        return
    outs = list(eqn.outs)
    per_out = {}
    for i, k, t in plan:
        if fw.is_constant(t):
            restored = t
        else:
            restored = fw.copy(t)
            outs.append(restored)
        per_out.setdefault(i, [None] * fw.n)[k] = restored
    b.eqns.append(replace(eqn, outs=tuple(outs)))
    for i, ts in per_out.items():
        fw.set_tangents(eqn.outs[i], ts)


def _t_unpack(fw, b, eqn):
    b.eqns.append(eqn)
    (seq,) = eqn.args
    if not fw.is_active(seq):
        return
    if any(out.kind == "list" for out in eqn.outs):
        fw.refuse(eqn, *LISTS_OF_LISTS)
    per_out = [[None] * fw.n for _ in eqn.outs]
    for k, t in enumerate(fw.tangent(seq)):
        if t is None:
            continue
        outs = tuple(fw.derived(out, k) for out in eqn.outs)
        b.eqns.append(replace(eqn, outs=outs, args=(t,)))
        for j, out in enumerate(outs):
            per_out[j][k] = out
    for out, ts in zip(eqn.outs, per_out, strict=True):
        fw.set_tangents(out, ts)


def _t_pack(fw, b, eqn):
    b.eqns.append(eqn)
    if not fw.is_active(eqn.out):
        return
    ts = []
    for k in range(fw.n):
        parts = [fw.tangent(a)[k] for a in eqn.args]
        if all(p is None for p in parts):
            ts.append(None)
            continue
        since = len(b.eqns)
        packed = b.emit(eqn.op, *(0.0 if p is None else p for p in parts))
        ts.append(fw.named(b, since, eqn.out, packed, k))
    fw.set_tangents(eqn.out, ts)


def _t_like(fw, b, eqn):
    b.eqns.append(eqn)
    g, p = eqn.args
    if fw.is_active(eqn.out):
        ts = []
        for k, t in enumerate(fw.tangent(g)):
            since = len(b.eqns)
            ts.append(None if t is None else fw.named(b, since, eqn.out, b.like(t, p), k))
        fw.set_tangents(eqn.out, ts)


def _t_integer_only(fw, b, eqn):
    """`//` and `%` are integer arithmetic (indices, counters): a differentiated operand is refused."""
    if any(t is not None for a in eqn.args for t in fw.tangent(a)):
        symbol = "%" if eqn.op == "mod" else "//"
        fw.refuse(eqn, f"`{symbol}` of a differentiated value is not supported",
                  f"use {symbol} on integers (indices, counters) only; divide with /")  # fmt: skip
    b.eqns.append(eqn)


TANGENTS = {
    "getitem": (_t_getitem, _from_first),
    "list_new": (_t_new_list, _no_activity),
    "zeros": (_t_new_list, _no_activity),
    "append": (_t_append, _into_first),
    "accum_at": (_t_accum_at, _into_first),
    "store_at": (_t_store_at, _into_first),
    "read_at": (_t_getitem, _from_first),
    "pop": (_t_pop, _from_first),
    "push": (_t_push, _no_activity),
    "restore": (_t_restore, _restored),
    "unpack": (_t_unpack, _from_first),
    "unpack_tuple": (_t_unpack, _from_first),
    "pack": (_t_pack, _from_any),
    "pack_tuple": (_t_pack, _from_any),
    "like": (_t_like, _from_first),
    "floordiv": (_t_integer_only, _no_activity),
    "mod": (_t_integer_only, _no_activity),
}
# Comparisons, `not`, `len`, `expect_len` and `zeros_like` carry no derivative: they are copied unchanged.
for _name, (_tangent, _activity) in TANGENTS.items():
    DATA_OPS[_name] = replace(DATA_OPS[_name], tangent=_tangent, activity=_activity)


# --- reverse rules (reverse mode) ------------------------------------------------------------------------------
# `grow(rv, b, eqn)` and `adjoint(rv, b, eqn, adjoint)`, asking `rv` (reverse._Reverse) for gradient lists
# (`rv.twin`), activity (`rv.active`) and accumulation (`rv.accumulate`).


def _g_list_new(rv, b, eqn):
    if eqn.out in rv.active:
        rv.twin[eqn.out] = b.list_new(primal=eqn.out)


def _g_append(rv, b, eqn):
    if eqn.args[0] in rv.active:
        b.effect("append", rv.twin[eqn.args[0]], 0.0)


def _g_getitem(rv, b, eqn):
    if eqn.out in rv.active and eqn.out.kind == "list":
        rv.refuse(eqn, *LISTS_OF_LISTS)


def _r_getitem(rv, b, eqn, adjoint):
    """Reading `xs[i]` adds the element's adjoint to `xs_bar[i]`."""
    seq, index = eqn.args
    g = adjoint.get(eqn.out)
    if g is not None and seq in rv.twin:
        b.effect("accum_at", rv.twin[seq], index, g)


def _r_append(rv, b, eqn, adjoint):
    """Appending is undone by popping the element's gradient, which is the appended value's adjoint."""
    seq, value = eqn.args
    if seq in rv.twin:
        first_new = len(b.eqns)
        rv.accumulate(b, adjoint, value, b.pop(rv.twin[seq]), first_new)


def _r_store_at(rv, b, eqn, adjoint):
    """Undoing `h[i] = v`: the adjoint gathered at h_bar[i] since the store is v's; h_bar[i] starts again from
    zero for the element the store overwrote (the reads before the store add to it)."""
    seq, index, value = eqn.args
    if seq in rv.twin:
        twin = rv.twin[seq]
        first_new = len(b.eqns)
        rv.accumulate(b, adjoint, value, b.emit("read_at", twin, index), first_new)
        b.effect("store_at", twin, index, 0.0)


def _r_integer_only(rv, b, eqn, adjoint):
    if any(a in rv.active for a in eqn.args):
        symbol = "%" if eqn.op == "mod" else "//"
        rv.refuse(eqn, f"`{symbol}` of a differentiated value is not supported",
                  f"use {symbol} on integers (indices, counters) only; divide with /")  # fmt: skip


REVERSE = {
    "list_new": {"grow": _g_list_new},
    "append": {"grow": _g_append, "adjoint": _r_append},
    "getitem": {"grow": _g_getitem, "adjoint": _r_getitem},
    "read_at": {"grow": _g_getitem, "adjoint": _r_getitem},
    "store_at": {"adjoint": _r_store_at},
    "mod": {"adjoint": _r_integer_only},
    "floordiv": {"adjoint": _r_integer_only},
}
for _name, _rules in REVERSE.items():
    DATA_OPS[_name] = replace(DATA_OPS[_name], **_rules)
