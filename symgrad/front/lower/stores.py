"""Stores into lists and unpacking: `h[j] = v`, `h[j] += v`, `W[j][i] = v`, `a, b, c = p`, `(x1, x2), t = ...`.

Assumes it is mixed into the lowerer (`core`), which provides the block depth `depth`, expressions (`expr`,
`scalar`, `emit`), sequences (`sequence`, `length`, `_element`) and specialization (`static`, `append_log`).

Guarantees:
- a store changes a list only at compile time: the list must be one the function made (a `StaticList`, so only
  in specialized code), at a constant index, in the block where the list was made (or in a loop that unrolls).
  Where the store cannot be followed that way, specialized lowering gives up (`NotStatic`) and the general
  lowering reports it, with a hint that names `specialize=True` when that is what it takes. So no run-time list
  is ever overwritten: the reverse sweep never has to restore an element (each element a store replaced is
  simply another IR variable);
- a list the caller passed (a parameter, a module constant) is never written to; the error says so;
- unpacking a run-time list into names reads its elements (`p[0], p[1], ...`) after checking its length, so a list
  parameter of another length raises ValueError as Python does, and a differentiated list's gradient collects
  from the reads as from any other.
"""

from __future__ import annotations

import ast

from ...ir import Const, Var
from .frame import Frame
from .values import Elements, NotStatic, StaticList, describe, is_static, sequence_like

SPECIALIZE_HINT = (
    "compile with specialize=True (grad(f, specialize=True)): lists the function makes are then followed at "
    "compile time, so stores work at indices known then (constants, indices of loops that unroll)"
)


class Stores:
    """Stores into list elements and unpacking into names (a mixin of the lowerer)."""

    def store(self, frame: Frame, target: ast.Subscript, value) -> None:
        """`target = value` for a subscript target: replaces the element of a static list at compile time."""
        lst, index = self._store_place(frame, target)
        if not is_static(value):
            value = self.scalar(frame, target, value, "a stored element")
        lst[index] = value
        self.append_log.append(lst.serial)  # an unrolling given up must not have written to older lists

    def store_element(self, frame: Frame, target: ast.Subscript):
        """The current value at a subscript target (for `h[j] += v`), checked to be a place `store` accepts."""
        lst, index = self._store_place(frame, target)
        return lst[index]

    def _store_place(self, frame: Frame, target: ast.Subscript) -> tuple[StaticList, int]:
        base = self.expr(frame, target.value)
        index = self.scalar(frame, target.slice, self.expr(frame, target.slice), "an index")
        what = ast.unparse(target.value)
        if (
            isinstance(base, Elements)
            or (isinstance(base, Var) and base not in self.owned)
            or (isinstance(base, Const) and isinstance(base.value, tuple))
        ):
            raise frame.error(
                target, f"assigning to a list element of {what}, which the function did not make, would change "
                "the caller's list", f"copy it first (`h = [v for v in {what}]`), then assign to the copy's "
                "elements (with specialize=True)",
            )  # fmt: skip
        if isinstance(base, tuple) or (isinstance(base, Const) and not isinstance(base.value, tuple)):
            raise frame.error(target, f"assigning to a list element of {describe(base)} is not supported",
                              "assign to elements of lists only")  # fmt: skip
        if not isinstance(base, StaticList):
            if isinstance(base, Var) and base.kind in ("list", "item"):
                raise frame.error(
                    target, "assigning to a list element is supported in specialized code only, where lists the "
                    "function makes are followed at compile time", SPECIALIZE_HINT,
                )  # fmt: skip
            raise frame.error(target, f"assigning to a list element of {describe(base)} is not supported",
                              "assign to elements of lists the function made")  # fmt: skip
        if not (isinstance(index, Const) and type(index.value) is int):
            raise NotStatic("a store at an index known only at run time")
        if base.depth != self.depth:
            raise NotStatic("a store into a list made outside the block")
        if not -len(base) <= index.value < len(base):
            raise frame.error(target, f"index {index.value}: list assignment index out of range",
                              "assign to an index inside the list")  # fmt: skip
        return base, index.value

    def unpack_names(self, frame: Frame, target, value) -> tuple:
        """The elements of a run-time list (or a module-level tuple) bound to `len(target.elts)` names."""
        names = len(target.elts)
        seq = self.sequence(frame, target, value)
        n = self.length(frame, target, seq)
        if isinstance(n, Const):
            if n.value != names:
                raise frame.error(target, f"cannot unpack a sequence of {n.value} values into {names} names",
                                  "unpack sequences of the same length")  # fmt: skip
        else:
            message = f"cannot unpack a list of another length into {names} names"
            self.b.at(frame.loc(target)).effect("expect_len", seq, Const(names), Const(message))
        return tuple(self._element(frame, target, seq, Const(k)) for k in range(names))

    def sequence_binop(self, frame: Frame, node: ast.BinOp, left, right):
        """`xs + ys` (concatenation) and `[v] * n`, `n * [v]` (repetition), as Python does them."""
        if isinstance(node.op, ast.Add):
            if not (sequence_like(left) and sequence_like(right)):
                raise frame.error(node, f"cannot add {describe(left)} and {describe(right)}",
                                  "add numbers to numbers and lists to lists")  # fmt: skip
            parts = [left, right]
        elif isinstance(node.op, ast.Mult):
            seq, times = (left, right) if sequence_like(left) else (right, left)
            count = times if isinstance(times, Const) and type(times.value) is int else None
            if count is None or sequence_like(times):
                raise frame.error(node, f"a list can be repeated by an int constant, not by {describe(times)}",
                                  "write [0.0] * 4, or [0.0] * n with n known at compile time")  # fmt: skip
            parts = [seq] * max(count.value, 0)
        else:
            raise frame.error(node, f"`{ast.unparse(node)}`: only + and * apply to lists",
                              "compute with the elements: `[a * x for a in xs]`")  # fmt: skip
        statics = [p for p in parts if is_static(p) or (isinstance(p, Const) and isinstance(p.value, tuple))]
        if len(statics) == len(parts):
            if all(isinstance(p, Const) for p in parts):
                return Const(sum((p.value for p in parts), ()))
            if all(type(p) is tuple for p in parts):
                return sum(parts, ())
            if self.static:
                items = []
                for p in parts:
                    items.extend(Const(v) for v in p.value) if isinstance(p, Const) else items.extend(p)
                return self.static_list(items)
        made = self.emit(frame, node, "list_new")
        self.owned.add(made)
        for part in parts:
            seq = self.sequence(frame, node, part)

            def body(frame, index, seq=seq):
                self.append(frame, node, made, self._element(frame, node, seq, index))
                return (Const(False),)

            self.for_eqn(frame, node, [], (Const(0), self.length(frame, node, seq), Const(1)), "i", body)
        return made
