"""Specialization on list lengths: what `lower(..., shapes)` does beyond the general lowering.

Assumes it is mixed into the lowerer (`core`), which provides the builder `b`, the block depth `depth` and the
expression methods. Guarantees: list parameters of known length are unpacked to names of their own (the unpacking
checks the length at run time; unpackings nothing reads are pruned to a length check); loops with constant bounds
unroll within `UNROLL_BUDGET`, and an unrolling given up leaves no trace; lists the function makes are followed at
compile time as `StaticList`s. Where that cannot be done, `NotStatic` is raised and `lower` falls back to the
general lowering, so specialization never changes what a function computes or which errors it reports.
"""

from __future__ import annotations

from collections import Counter

from ...ir import Const, Eqn, Loc, Var, walk
from .frame import Frame
from .values import Elements, NotStatic, StaticList, elements, is_static

UNROLL_BUDGET = 4000
"""Specialized code unrolls a loop with constant bounds while its unrolled body stays within this many IR
equations (the forward sweep's; the reverse sweep about doubles it) and its trip count within as many."""


class Specializing:
    """The specialized lowering's state and steps (a mixin of the lowerer)."""

    def init_specialization(self, shapes: dict | None, wrt: tuple[int, ...]) -> None:
        self.shapes = shapes or {}
        self.wrt = wrt
        self.static = bool(shapes)  # specialized: lists are followed at compile time
        self.lists_made = 0
        self.append_log: list[int] = []  # the serial of each static list appended to, in order
        self.lengths_used: set[Var] = set()  # lists whose length the specialized code assumes

    def unpack(self, loc: Loc, var: Var, name: str, shape, container: str = "list", differentiated=False):
        """The elements of a list (or tuple) parameter of known length (a tuple of lengths: a list of lists),
        as a tuple of fresh variables that an `unpack` equation assigns, which fails for any other length."""
        var.kind = "list"
        nested = isinstance(shape, tuple)
        items = tuple(Var(f"{name}_{i}", kind="list" if nested else "item") for i in range(len(shape) if nested
                      else shape))  # fmt: skip
        self.b.eqns.append(Eqn(items, "unpack_tuple" if container == "tuple" else "unpack", (var,), loc))
        if nested:
            items = tuple(self.unpack(loc, item, f"{name}_{i}", n, "list", differentiated)
                          for i, (item, n) in enumerate(zip(items, shape, strict=True)))  # fmt: skip
        return elements(items, var, differentiated)

    def prune_unpacks(self, params: set, value) -> list:
        """Unpackings whose names nothing reads (the elements of data a loop that stays a loop reads at run
        time): a parameter's becomes a check of its length, a nested list's goes unless its length was
        assumed. So a loop over 300 samples does not unpack 300 lists on every call."""
        uses = Counter(a for eqn in walk(self.b.eqns) for a in eqn.args if isinstance(a, Var))
        uses.update(a for eqn in walk(self.b.eqns) for block in eqn.blocks for a in block.outs if isinstance(a, Var))
        if isinstance(value, Var):
            uses[value] += 1
        body = list(self.b.eqns)
        for k in reversed(range(len(body))):
            eqn = body[k]
            if eqn.op not in ("unpack", "unpack_tuple") or any(uses[out] for out in eqn.outs):
                continue
            (lst,) = eqn.args
            if lst in params:
                message = f"this code is specialized for len({lst.hint}) == {len(eqn.outs)}"
                body[k] = Eqn((), "expect_len", (lst, Const(len(eqn.outs)), Const(message)), eqn.loc)
            elif lst not in self.lengths_used:
                uses[lst] -= 1
                body[k] = None
        return [eqn for eqn in body if eqn is not None]

    def static_length(self, seq) -> Const:
        if isinstance(seq, Elements):
            self.lengths_used.add(seq.var)
        return Const(len(seq))

    def static_list(self, items) -> StaticList:
        self.lists_made += 1
        return StaticList(items, self.depth, self.lists_made - 1)

    def append_static(self, frame: Frame, node, lst: StaticList, value) -> None:
        """`lst.append(value)` at compile time; a list made in an enclosing block cannot be followed."""
        if lst.depth != self.depth:
            raise NotStatic("an append in a block")
        lst.append(value if is_static(value) else self.scalar(frame, node, value, "an appended element"))
        self.append_log.append(lst.serial)

    def unrolled(self, frame: Frame, names, bounds, body) -> bool:
        """In specialized code, run a loop with constant bounds at compile time: its body once per index, in
        the enclosing block. Afterwards the frame holds what a loop that stays a loop leaves: the carried
        names' final values, nothing else of the body's. Gives up (and leaves no trace) past the budget or at
        a `break` that depends on run-time values."""
        if not self.static or not all(isinstance(b, Const) and type(b.value) is int for b in bounds):
            return False
        trips = range(*(b.value for b in bounds))
        if len(trips) > UNROLL_BUDGET:
            return False
        start, saved_env, saved_unsure = len(self.b.eqns), dict(frame.env), frame.unsure
        first_list, appends = self.lists_made, len(self.append_log)
        values = [frame.env[n] for n in names]
        for k in trips:
            frame.env.update(zip(names, values, strict=True))
            outs = body(frame, Const(k))
            stop = outs[-1]
            if not isinstance(stop, Const) or len(self.b.eqns) - start > UNROLL_BUDGET:
                del self.b.eqns[start:]
                frame.env.clear()
                frame.env.update(saved_env)
                frame.unsure = saved_unsure
                if any(serial < first_list for serial in self.append_log[appends:]):
                    raise NotStatic("a loop that stays a loop appends to a list made before it")
                del self.append_log[appends:]
                return False
            values = list(outs[: len(names)])
            if stop.value:
                break
        frame.env.clear()
        frame.env.update(saved_env)
        frame.env.update(zip(names, values, strict=True))
        frame.unsure = saved_unsure
        return True

    def kept(self, frame: Frame, names) -> list:
        """The initial values of a loop that stays a loop: a static list cannot change in it."""
        inits = [frame.env[n] for n in names]
        if any(is_static(v) for v in inits):
            raise NotStatic("a list is carried through a loop that stays a loop")
        return inits
