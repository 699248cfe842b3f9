"""Stores into lists and unpacking: `h[j] = v`, `h[j] += v`, `W[j][i] = v`, `a, b, c = p`, `(x1, x2), t = ...`.

Assumes it is mixed into the lowerer (`core`), which provides the block depth `depth`, expressions (`expr`,
`scalar`, `emit`), sequences (`sequence`, `length`, `_element`), specialization (`static`, `append_log`), the lists
the code creates (`owned`) and the functions being inlined (`inlining`, the compiled one first).

Guarantees:
- in specialized code a store into a list the function made (a `StaticList`) changes it at compile time, at a
  constant index, in the block where the list was made (or in a loop that unrolls): each element a store replaced
  is simply another IR variable. Where a store cannot be followed that way, specialized lowering gives up
  (`NotStatic`) and the general lowering takes it;
- in the general module a store into a run-time list the function made is a `store_at` at run time, at any int
  index (Python's IndexError out of range), and `h = [0.0] * n` repeats by an int known only at run time. Reads
  of a list stores may change are `read_at` (never merged, never recomputed by the reverse sweep: see `dataops`):
  all of them when the compiled function's own code assigns to a subscript anywhere; a store in a helper into a
  list something already read with `getitem` is refused (that read assumed the list never changes);
- a list the caller passed (a parameter, a module constant) is never written to; the error says so;
- unpacking a run-time list into names reads its elements (`p[0], p[1], ...`) after checking its length, so a list
  parameter of another length raises ValueError as Python does, and a differentiated list's gradient collects
  from the reads as from any other.
"""

from __future__ import annotations

import ast
import itertools

from ...ir import Const, Var
from ...source import get_source
from .frame import Frame
from .specialize import UNROLL_BUDGET
from .values import Elements, NotStatic, StaticList, describe, is_static, sequence_like


class Stores:
    """Stores into list elements and unpacking into names (a mixin of the lowerer)."""

    def store(self, frame: Frame, target: ast.Subscript, value) -> None:
        """`target = value` for a subscript target: replaces the element of a static list at compile time, or of
        a run-time list the function made, at run time (`store_at`)."""
        lst, index = self._store_place(frame, target)
        if isinstance(lst, Var):
            value = self.scalar(frame, target, value, "a stored element")
            self.b.at(frame.loc(target)).effect("store_at", lst, index, value)
            return
        if not is_static(value):
            value = self.scalar(frame, target, value, "a stored element")
        lst[index] = value
        self.append_log.append(lst.serial)  # an unrolling given up must not have written to older lists

    def store_element(self, frame: Frame, target: ast.Subscript):
        """The current value at a subscript target (for `h[j] += v`), checked to be a place `store` accepts."""
        lst, index = self._store_place(frame, target)
        if isinstance(lst, Var):
            return self.emit(frame, target, "read_at", lst, index)
        return lst[index]

    def _store_place(self, frame: Frame, target: ast.Subscript):
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
                "the caller's list (symgrad also counts a list an `if` or a loop picks among as not made here)",
                f"copy it first (`h = [v for v in {what}]`), then assign to the copy's elements",
            )  # fmt: skip
        if isinstance(base, tuple) or (isinstance(base, Const) and not isinstance(base.value, tuple)):
            raise frame.error(target, f"assigning to a list element of {describe(base)} is not supported",
                              "assign to elements of lists only")  # fmt: skip
        if not isinstance(base, StaticList):
            if isinstance(base, Var) and base in self.owned:  # a run-time list the function made
                if base in self.pure_reads():
                    raise frame.error(
                        target, f"{what} is read before this helper changes it; symgrad follows stores in a helper "
                        "only into lists nothing has read yet", "assign to the list's elements in the function "
                        "you compile (stores there may come anywhere), or return the new value from the helper",
                    )  # fmt: skip
                self.stored_lists().add(base)
                return base, index
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

    # --- which run-time lists stores change (general lowering) ----------------------------------------------

    def stored_lists(self) -> set:
        """Run-time lists a store changes: reads of them are `read_at` (see `changing`)."""
        return vars(self).setdefault("_stored_lists", set())

    def pure_reads(self) -> set:
        """Run-time lists the function made that were read by `getitem` (which assumes they never change)."""
        return vars(self).setdefault("_pure_reads", set())

    def changing(self, seq: Var) -> bool:
        """Whether reads of `seq`, a run-time list the function made, must be `read_at`: a store may change it.
        That is so if the compiled function's own code assigns to a subscript anywhere (it is scanned once, so
        reads lowered before a store, in a loop the store is in, are `read_at` too), or a store has changed it
        already (in a helper); a store in a helper into a list already read by `getitem` is refused."""
        if seq in self.stored_lists():
            return True
        top = vars(self).get("_top_stores")
        if top is None:
            node = get_source(self.inlining[0]).node
            top = vars(self).setdefault("_top_stores", any(
                isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) for n in ast.walk(node)))  # fmt: skip
        return top

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
            if count is None and isinstance(times, Var) and times.kind in ("int", "item") and sequence_like(seq):
                return self._repeated(frame, node, seq, times)  # `[0.0] * n`, n known at run time
            if count is None or sequence_like(times):
                raise frame.error(node, f"a list can be repeated by an int, not by {describe(times)}",
                                  "write [0.0] * 4, or [0.0] * n with n an int (a length, a count)")  # fmt: skip
            size = _known_length(seq)
            if count.value > MAX_REPEATS and (size is None or count.value * size > UNROLL_BUDGET):
                return self._repeated(frame, node, seq, count)  # `[0.0] * 100_000`: made when the code runs
            parts = [seq] * max(count.value, 0)
        else:
            raise frame.error(node, f"`{ast.unparse(node)}`: only + and * apply to lists",
                              "compute with the elements: `[a * x for a in xs]`")  # fmt: skip
        statics = [p for p in parts if is_static(p) or (isinstance(p, Const) and isinstance(p.value, tuple))]
        if len(statics) == len(parts):
            if all(isinstance(p, Const) for p in parts):
                return Const(tuple(itertools.chain.from_iterable(p.value for p in parts)))
            if all(type(p) is tuple for p in parts):
                return tuple(itertools.chain.from_iterable(parts))
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

    def _repeated(self, frame: Frame, node: ast.BinOp, seq, times):
        """`seq * n` for an int n known at run time (or a large constant): a list the function owns, appended to
        n times over."""
        if isinstance(seq, Const):
            items = [Const(v) for v in seq.value]
        elif is_static(seq):
            items = list(seq)  # elements known now: appended one by one
        else:
            items = self._display_items(seq)
            seq = seq if items is not None else self.sequence(frame, node, seq)
        made = self.emit(frame, node, "list_new")
        self.owned.add(made)

        def body(frame, _):
            if items is not None:
                for item in items:
                    self.append(frame, node, made, item)
                return (Const(False),)

            def inner(frame, index):
                self.append(frame, node, made, self._element(frame, node, seq, index))
                return (Const(False),)

            self.for_eqn(frame, node, [], (Const(0), self.length(frame, node, seq), Const(1)), "i", inner)
            return (Const(False),)

        self.for_eqn(frame, node, [], (Const(0), times, Const(1)), "k", body)
        return made

    def _display_items(self, seq) -> list | None:
        """The elements of the list display just lowered into `seq` (`[0.0]` of `[0.0] * n`), its equations
        taken back: `seq` is then not made at all. None if it is not such a display of atoms."""
        eqns = self.b.eqns
        for k in range(len(eqns) - 1, -1, -1):
            if eqns[k].op == "list_new" and eqns[k].outs[0] is seq:
                break
        else:
            return None
        rest = eqns[k + 1 :]
        if not all(eqn.op == "append" and eqn.args[0] is seq for eqn in rest):
            return None
        del eqns[k:]
        self.owned.discard(seq)
        return [eqn.args[1] for eqn in rest]


# `[v] * n` with a constant n is made at compile time up to this many repetitions (or UNROLL_BUDGET elements);
# past them, at run time: a list of 100,000,000 zeros is the generated code's to make, not the compiler's.
MAX_REPEATS = 64


def _known_length(seq) -> int | None:
    """The length of a sequence known now (a constant tuple, a static list or display), else None."""
    if isinstance(seq, Const) and isinstance(seq.value, tuple):
        return len(seq.value)
    if is_static(seq) or type(seq) is tuple:
        return len(seq)
    return None
