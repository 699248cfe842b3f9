"""Reverse mode: one backward sweep over the IR, built from the op registry's adjoint rules.

Assumes a verified forward Function with outputs `(value,)`. Guarantees: the result computes the value and the
gradient with respect to the parameters in `wrt`, in one function; only variables that depend on a `wrt`
parameter get adjoints (activity analysis), zeros are symbolic (a missing adjoint is zero: no `0*x` is ever
built), fan-out is accumulated with `+` in a fixed order, and the first contribution to an adjoint is assigned,
not added to 0.0. An unused parameter's gradient is the constant 0.0. Backward equations carry the location of
the forward equation they differentiate, marked `reverse`.

Control flow and lists:
- an `if` is reversed by an `if` on the same condition: only the taken branch's adjoints run;
- a loop is reversed by a loop running its iterations backwards (`for_rev` over the same range, or as many
  iterations as a counter the forward loop keeps, for `while` and loops that `break`);
- values a reversed block needs from its forward block are pushed on one tape (a plain list) at the end of the
  forward block and popped at the start of the reverse block, so each iteration gets its own values back;
- a differentiated list has a gradient list of the same length, grown alongside it in the forward sweep:
  reading `xs[i]` adds to `xs_bar[i]` in reverse, and appending is undone by popping the element's gradient.
  These rules are the data ops' own (`dataops`: `grow` for the forward sweep, `adjoint` for the reverse one);
  registry ops' adjoint rules are in `ops`. Only the structured ops are read here, through `ir.structured`.
"""

from __future__ import annotations

from dataclasses import replace

from .dataops import DATA_OPS
from .errors import UnsupportedSyntax
from .ir import STRUCTURED, Block, Builder, Const, Eqn, Function, IRError, Var, checked, walk
from .ir import structured as layout
from .ops import REGISTRY, DomainError


def reverse(fn: Function, wrt: tuple[int, ...]) -> Function:
    return _Reverse(fn, wrt).run()


def _error(loc, message, hint):
    return UnsupportedSyntax(message, filename=loc.path, lineno=loc.line, col=loc.col, text=loc.text, hint=hint)


class _Reverse:
    def __init__(self, fn: Function, wrt):
        self.fn = fn
        self.wrt = tuple(wrt)
        self.active = _activity(fn, {fn.params[i].var for i in self.wrt})
        self.twin: dict[Var, Var] = {}  # a differentiated list -> its gradient list
        self.tape = Var("tape", kind="list")
        self.pushes: dict[int, tuple] = {}  # id(forward block) -> the variables it pushes

    # --- the whole function ------------------------------------------------------------------------------

    def run(self) -> Function:
        fn = self.fn
        prologue = Builder()
        prologue.at(fn.origin)
        # specialized code names a list parameter's elements: its gradient is theirs, packed
        unpacked = {eqn.args[0]: eqn for eqn in fn.body if eqn.op in ("unpack", "unpack_tuple")}
        for i in self.wrt:
            var = fn.params[i].var
            if var.kind == "list" and var in self.active and var not in unpacked:
                self.twin[var] = prologue.emit("zeros", prologue.len(var), primal=var)
        forward = self.augment(fn.body)
        b = Builder()
        adjoint: dict = {}
        (value,) = fn.outs
        if isinstance(value, Var) and value in self.active:
            adjoint[value] = Const(1.0)
        self.sweep(b, forward, adjoint)
        grads = []
        for i in self.wrt:
            var = fn.params[i].var
            if var in unpacked:
                eqn = unpacked[var]
                if any(out.kind == "list" for out in eqn.outs):
                    raise _error(eqn.loc, "differentiating through a list of lists is not supported",
                                 "keep nested lists as data: choose the differentiated parameters "
                                 "with wrt=...")  # fmt: skip
                b.at(fn.origin)
                elements = [adjoint.get(out, Const(0.0)) for out in eqn.outs]
                grads.append(b.emit("pack_tuple" if eqn.op == "unpack_tuple" else "pack", *elements, primal=var))
            elif var in self.twin:
                b.at(fn.origin)
                grads.append(b.like(self.twin[var], var, primal=var))
            elif var not in adjoint and var.kind == "item" and self.uses_lists():
                # Never used, so the caller's value decides: a list of zeros for a list. (A function of
                # numbers only keeps the plain 0.0, and its straight-line code.)
                b.at(fn.origin)
                grads.append(b.like(b.zeros_like(var, primal=var), var, primal=var))
            else:
                grads.append(adjoint.get(var, Const(0.0)))
        forward = self.with_pushes(forward)
        body = list(prologue.eqns)
        if self.pushes:
            body.insert(0, Eqn((self.tape,), "list_new", (), fn.origin))
        body += forward
        body += b.eqns
        return checked(replace(fn, body=tuple(body), outs=(value, *grads), wrt=self.wrt, differentiated=True))

    def uses_lists(self) -> bool:
        return any(p.var.kind == "list" for p in self.fn.params) or any(
            out.kind == "list" for eqn in walk(self.fn.body) for out in eqn.outs
        )

    # --- the forward sweep: gradient lists and loop counters --------------------------------------------

    def augment(self, body) -> tuple:
        b = Builder()
        for eqn in body:
            b.at(eqn.loc)
            if eqn.op in STRUCTURED:
                b.eqns.append(self.augment_structured(b, eqn))
                continue
            b.eqns.append(eqn)
            rules = DATA_OPS.get(eqn.op)
            if rules is not None and rules.grow is not None:
                rules.grow(self, b, eqn)
        return tuple(b.eqns)

    def twin_of(self, b: Builder, atom):
        """The gradient list of a list value in an active slot (a fresh zero list for a data list)."""
        if isinstance(atom, Var) and atom in self.twin:
            return self.twin[atom]
        return b.zeros(b.len(atom))

    def augment_structured(self, b: Builder, eqn: Eqn) -> Eqn:
        lists = [i for i, out in enumerate(eqn.outs) if out in self.active and out.kind == "list"]
        if eqn.op == "if":
            blocks = []
            for block in eqn.blocks:
                inner = Builder().at(eqn.loc)
                inner.eqns.extend(self.augment(block.body))
                twins = [self.twin_of(inner, block.outs[i]) for i in lists]
                blocks.append(Block((), tuple(inner.eqns), block.outs + tuple(twins)))
            outs = list(eqn.outs)
            for i in lists:
                self.twin[eqn.outs[i]] = twin = Var(primal=eqn.outs[i], kind="list")
                outs.append(twin)
            return replace(eqn, outs=tuple(outs), blocks=tuple(blocks))
        inits = list(layout.inits(eqn))
        counted = not layout.has_index(eqn) or layout.stop_flag(layout.body(eqn)) != Const(False)
        extra_inits = [self.twin_of(b, inits[i]) for i in lists] + ([Const(0)] if counted else [])
        blocks = []
        for k, block in enumerate(eqn.blocks):
            carried = layout.carried(eqn, block)
            twin_params = []
            for i in lists:
                self.twin[carried[i]] = param = Var(primal=carried[i], kind="list")
                twin_params.append(param)
            count = Var("n", kind="int") if counted else None
            params = block.params + tuple(twin_params) + ((count,) if counted else ())
            inner = Builder().at(eqn.loc)
            if layout.is_cond_block(eqn, k):
                blocks.append(Block(params, block.body, block.outs))
                continue
            inner.eqns.extend(self.augment(block.body))
            nexts, stop = layout.nexts(block), layout.stop_flag(block)
            twins = [self.twin_of(inner, nexts[i]) for i in lists]
            counter = [inner.add(count, 1)] if counted else []
            blocks.append(Block(params, tuple(inner.eqns), (*nexts, *twins, *counter, stop)))
        outs = list(eqn.outs)
        for i in lists:
            self.twin[eqn.outs[i]] = twin = Var(primal=eqn.outs[i], kind="list")
            outs.append(twin)
        if counted:
            outs.append(Var("n", kind="int"))
        args = layout.with_inits(eqn, (*inits, *extra_inits))
        return replace(eqn, outs=tuple(outs), args=args, blocks=tuple(blocks))

    # --- the reverse sweep ---------------------------------------------------------------------------------

    def accumulate(self, b: Builder, adjoint: dict, var, contribution, since: int = 0) -> None:
        """Add `contribution` to `var`'s adjoint; `since`: where the equations that made it start in `b`."""
        if contribution is None or not (isinstance(var, Var) and var in self.active):
            return
        if var in adjoint:
            adjoint[var] = b.add(adjoint[var], contribution, primal=var)
        else:
            if isinstance(contribution, Var) and not contribution.hint and contribution.primal is None:
                if any(e.outs and e.outs[0] is contribution for e in b.eqns[since:]):
                    contribution.primal = var  # the rule's result is this adjoint: name it `<var>_bar`
            adjoint[var] = contribution

    def sweep(self, b: Builder, body, adjoint: dict) -> None:
        """Append the reverse of `body` to `b`, updating `adjoint` (var -> its adjoint so far)."""
        for eqn in reversed(body):
            b.at(eqn.loc.reversed())
            if eqn.op in STRUCTURED:
                self.reverse_structured(b, eqn, adjoint)  # even with no active result: appends, gradient lists
            elif eqn.op in REGISTRY:
                self.reverse_primitive(b, eqn, adjoint)
            else:
                self.reverse_data(b, eqn, adjoint)

    def reverse_data(self, b: Builder, eqn: Eqn, adjoint: dict) -> None:
        rules = DATA_OPS[eqn.op]
        if rules.adjoint is not None:
            rules.adjoint(self, b, eqn, adjoint)

    # --- what the data ops' reverse rules call back (see dataops) --------------------------------------------

    def refuse(self, eqn: Eqn, message: str, hint: str):
        raise _error(eqn.loc, message, hint)

    def reverse_primitive(self, b: Builder, eqn: Eqn, adjoint: dict) -> None:
        g = adjoint.get(eqn.out)
        if g is None:
            return
        op = REGISTRY[eqn.op]
        for arg, rule in zip(eqn.args, op.adjoints, strict=True):
            if not (isinstance(arg, Var) and arg in self.active):
                continue
            if rule is None:
                raise IRError(f"op {eqn.op} has no adjoint rule but one of its inputs is differentiated")
            first_new = len(b.eqns)
            try:
                contribution = rule(b, g, eqn.out, *eqn.args)
            except DomainError as exc:
                raise _error(eqn.loc, str(exc), exc.hint) from None
            self.accumulate(b, adjoint, arg, contribution, first_new)

    def reverse_block(self, block: Block, seeds):
        """The reverse of one forward block: its equations (in a fresh builder) and the adjoints it leaves
        for variables defined outside it. `seeds` pairs the block's outputs with their adjoints."""
        inner_b = Builder().at(self.loc.reversed())
        inner: dict = {}
        for out, g in seeds:
            if g is not None:
                self.accumulate(inner_b, inner, out, g)
        self.sweep(inner_b, block.body, inner)
        local = set(block.params) | {out for eqn in block.body for out in eqn.outs}
        escaping = {v: g for v, g in inner.items() if v not in local}
        return inner_b, inner, escaping

    def reverse_structured(self, b: Builder, eqn: Eqn, adjoint: dict) -> None:
        self.loc = eqn.loc
        if eqn.op == "if":
            self.reverse_if(b, eqn, adjoint)
        else:
            self.reverse_loop(b, eqn, adjoint)

    def reverse_if(self, b: Builder, eqn: Eqn, adjoint: dict) -> None:
        seeds = [(eqn.outs[i], adjoint.get(eqn.outs[i])) for i in range(len(eqn.outs))]
        results = []
        for block in eqn.blocks:
            pairs = [(out, g) for out, (_, g) in zip(block.outs, seeds, strict=False) if g is not None]
            results.append((block, *self.reverse_block(block, pairs)))
        targets = sorted({v for *_, escaping in results for v in escaping}, key=lambda v: v.serial)
        if not targets:
            if not any(inner_b.eqns for _, inner_b, *_ in results):
                return  # (a branch with effects only, on gradient lists, still needs its `if`)
        blocks = []
        for block, inner_b, _, escaping in results:
            outs = []
            for v in targets:
                inner_b.at(eqn.loc.reversed())
                mine, before = escaping.get(v), adjoint.get(v)
                if mine is not None and before is not None:
                    outs.append(inner_b.add(before, mine, primal=v))
                else:
                    outs.append(mine if mine is not None else before if before is not None else Const(0.0))
            blocks.append(self.finish(block, Block((), tuple(inner_b.eqns), tuple(outs))))
        outs = tuple(Var(primal=v) for v in targets)
        b.eqns.append(Eqn(outs, "if", eqn.args, eqn.loc.reversed(), tuple(blocks)))
        adjoint.update(zip(targets, outs, strict=False))

    def reverse_loop(self, b: Builder, eqn: Eqn, adjoint: dict) -> None:
        is_for = layout.has_index(eqn)
        body = layout.body(eqn)
        inits = layout.inits(eqn)
        counted = not is_for or layout.stop_flag(body) != Const(False)
        carried = layout.carried(eqn, body)
        nexts = layout.nexts(body)
        slots = [i for i, p in enumerate(carried) if p in self.active and p.kind != "list"]
        # reverse carried: the adjoint of each active scalar slot, entering as the adjoint of the body's output
        bars = [Var(primal=carried[i]) for i in slots]
        seeds = [(nexts[i], bar) for i, bar in zip(slots, bars, strict=True)]
        inner_b, inner, escaping = self.reverse_block(body, seeds)
        closure = sorted((v for v in escaping if v not in carried), key=lambda v: v.serial)
        closure_params = [Var(primal=v) for v in closure]
        rloc = eqn.loc.reversed()
        inner_b.at(rloc)
        outs = [inner.get(carried[i], Const(0.0)) for i in slots]
        for v, param in zip(closure, closure_params, strict=True):
            outs.append(inner_b.add(param, escaping[v], primal=v))
        if is_for and not counted:
            index = Var(layout.index(body, eqn).hint, kind="int")
            op, bounds = "for_rev", layout.leading(eqn)
        else:
            index = Var("", kind="int")
            op, bounds = "for", (Const(0), eqn.outs[-1], Const(1))
        params = (index, *bars, *closure_params)
        block = Block(params, tuple(inner_b.eqns), (*outs, Const(False)))
        known = {}
        if is_for and not counted:
            known = {layout.index(body, eqn): index}
            block = _substitute_block(block, known)
        block = self.finish(body, block, known)
        start = [adjoint.get(eqn.outs[i], Const(0.0)) for i in slots] + [adjoint.get(v, Const(0.0)) for v in closure]
        if not block.body and not slots and not closure:
            return
        results = tuple(Var(primal=carried[i]) for i in slots) + tuple(Var(primal=v) for v in closure)
        b.eqns.append(Eqn(results, op, (*bounds, *start), rloc, (block,)))
        # a closure variable's result already holds its adjoint from before the loop, so it is set first: an
        # initial value that is that same variable (`a = x` before a loop reading x) then adds to it
        for v, result in zip(closure, results[len(slots) :], strict=True):
            adjoint[v] = result
        for k, i in enumerate(slots):
            self.accumulate(b, adjoint, inits[i], results[k])

    # --- the tape -------------------------------------------------------------------------------------------

    def finish(self, forward: Block, rev: Block, known: dict | None = None) -> Block:
        """Make `rev` (the reverse of `forward`) get back what it reads of `forward`'s variables: an element
        read from a list or integer index arithmetic is recomputed (lists only grow, so `xs[i]` is still the
        same); anything else is pushed on the tape when `forward` ends and popped when `rev` starts."""
        defining = {out: eqn for eqn in forward.body for out in eqn.outs}
        order = {v: k for k, v in enumerate([*forward.params, *defining])}
        known = known or {}  # forward variables the reverse block has under another name (a loop index)
        used = _reads(rev)
        needed, recomputed = set(), set()
        work = [v for v in order if v in used]
        while work:
            v = work.pop()
            if v in needed or v in recomputed or v in known:
                continue
            eqn = defining.get(v)
            if eqn is not None and _recomputable(eqn):
                recomputed.add(v)
                work.extend(a for a in eqn.args if isinstance(a, Var) and a in order)
            else:
                needed.add(v)
        if not needed and not recomputed:
            return rev
        needed = tuple(sorted(needed, key=order.__getitem__))
        copies = dict(known)
        for v in sorted(needed + tuple(recomputed), key=order.__getitem__):
            copy = Var(v.hint, v.user, v.primal, v.kind, v.suffix)
            copy.copy_of = v.copy_of or v
            copies[v] = copy
        prologue = []
        loc = rev.body[0].loc if rev.body else self.loc.reversed()
        if needed:
            self.pushes[id(forward)] = needed
            prologue.append(Eqn(tuple(copies[v] for v in needed), "restore", (self.tape,), loc))
        for v in sorted(recomputed, key=order.__getitem__):
            eqn = defining[v]
            args = tuple(copies.get(a, a) if isinstance(a, Var) else a for a in eqn.args)
            prologue.append(Eqn((copies[v],), eqn.op, args, eqn.loc.reversed()))
        rev = _substitute_block(rev, copies)
        return Block(rev.params, (*prologue, *rev.body), rev.outs)

    def with_pushes(self, body) -> tuple:
        result = []
        for eqn in body:
            if eqn.blocks:
                blocks = []
                for block in eqn.blocks:
                    inner = list(self.with_pushes(block.body))
                    needed = self.pushes.get(id(block))
                    if needed:
                        inner.append(Eqn((), "push", (self.tape, *needed), eqn.loc))
                    blocks.append(Block(block.params, tuple(inner), block.outs))
                eqn = replace(eqn, blocks=tuple(blocks))
            result.append(eqn)
        return tuple(result)


def _recomputable(eqn: Eqn) -> bool:
    """Cheaper to recompute in the reverse sweep than to keep on the tape."""
    if eqn.op == "getitem":
        return True
    return eqn.op in ("add", "sub", "mul", "neg") and len(eqn.outs) == 1 and eqn.out.kind == "int"


def _reads(block: Block) -> set:
    used = {a for a in block.outs if isinstance(a, Var)}
    for eqn in walk(block.body):
        used.update(a for a in eqn.args if isinstance(a, Var))
        for inner in eqn.blocks:
            used.update(a for a in inner.outs if isinstance(a, Var))
    return used


def _substitute_block(block: Block, subst: dict) -> Block:
    def atom(a):
        return subst.get(a, a) if isinstance(a, Var) else a

    def body(eqns):
        out = []
        for eqn in eqns:
            args = tuple(atom(a) for a in eqn.args)
            blocks = tuple(Block(bl.params, body(bl.body), tuple(atom(a) for a in bl.outs)) for bl in eqn.blocks)
            out.append(replace(eqn, args=args, blocks=blocks))
        return tuple(out)

    return Block(block.params, body(block.body), tuple(atom(a) for a in block.outs))


def _activity(fn: Function, seeds: set) -> set:
    """The variables that depend on a differentiated parameter, through data flow, lists and loops."""
    active = set(seeds)
    while True:
        before = len(active)
        _active_body(fn.body, active)
        if len(active) == before:
            return active


def _is_active(atom, active) -> bool:
    return isinstance(atom, Var) and atom in active


def _active_body(body, active: set) -> None:
    for eqn in body:
        if eqn.op in STRUCTURED:
            _active_structured(eqn, active)
        elif eqn.op in REGISTRY:
            if not active.isdisjoint(eqn.args):  # (a Const hashes by identity: never in `active`)
                active.update(eqn.outs)
        else:
            DATA_OPS[eqn.op].activity(eqn, active)  # (the same rules forward mode uses)


def _active_structured(eqn: Eqn, active: set) -> None:
    if eqn.op == "if":
        for block in eqn.blocks:
            _active_body(block.body, active)
            for out, value in zip(eqn.outs, block.outs, strict=True):
                if _is_active(value, active):
                    active.add(out)
        return
    inits = layout.inits(eqn)
    for k, block in enumerate(eqn.blocks):
        carried = layout.carried(eqn, block)
        for param, init, out in zip(carried, inits, eqn.outs, strict=True):
            if _is_active(init, active) or out in active:
                active.add(param)
        if layout.is_cond_block(eqn, k):
            continue
        _active_body(block.body, active)
        for param, nxt, out in zip(carried, block.outs, eqn.outs, strict=False):
            if _is_active(nxt, active) or param in active:
                active.add(param)
                active.add(out)
