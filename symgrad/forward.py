"""Forward (tangent) mode: one sweep that carries, beside every value, its derivative along `n` directions.

Assumes a verified Function, before or after any transform: a lowered program, or a reversed one (its tape
pushes and pops, gradient lists, masks and selects are ops like any other). Guarantees:
- `tangents(fn, seeds, n)` returns the Function's body with tangent equations woven in, and a map from every
  active variable to its `n` tangents; a tangent that is surely zero is `None` (symbolic zeros, as in reverse
  mode: no `0*x` is built);
- the tangent rule of a real-valued op comes from its adjoint rules: an adjoint rule is linear in the cotangent
  `g` and gives `g * dy/dx_i`, so `rule_i(b, dx_i, y, *args)` is the tangent contribution of argument i, and
  their sum is the op's tangent (`ops.tangent_rule`). Data ops have their own tangent rules in `dataops`
  (a list's tangent is a list grown and read alongside it; the tape carries tangents next to the values it
  pushes). Nothing here branches on an op's name;
- branches keep their branches (each computes its tangents), loops keep their loops (tangents are carried with
  the values they belong to), so the result has the shape of the input and is valid input to any transform:
  forward over reverse gives Hessian-vector products and Hessians;
- tangent variables are named after their primal (`x_dot`, `x_bar_dot`, `y_bar_dx`), never colliding with the
  user's names (the emitter's Namer sees to that).
"""

from __future__ import annotations

from dataclasses import replace

from .dataops import DATA_OPS
from .errors import UnsupportedSyntax
from .ir import REGISTRY, STRUCTURED, Block, Builder, Const, Eqn, Function, Var, tape
from .ir import structured as layout
from .ops import DomainError, tangent_rule

Tangents = tuple  # one atom (or None, a symbolic zero) per direction


def _error(loc, message, hint):
    return UnsupportedSyntax(message, filename=loc.path, lineno=loc.line, col=loc.col, text=loc.text, hint=hint)


def tangents(fn: Function, seeds: dict, n: int, suffixes: tuple[str, ...]):
    """`fn`'s body with tangents along `n` directions, and `tangent_of(atom) -> Tangents`.

    `seeds` maps variables (parameters, or the outputs of an `unpack` of a parameter) to their `n` tangents;
    `suffixes[k]` names direction k's tangents (`_dot`, `_dx`)."""
    sweep = _Forward(fn, seeds, n, suffixes)
    body = sweep.body(fn.body)
    return body, sweep.tangent


class _Forward:
    def __init__(self, fn: Function, seeds: dict, n: int, suffixes):
        self.n = n
        self.suffixes = tuple(suffixes)
        self.tan: dict[Var, Tangents] = {v: tuple(t) for v, t in seeds.items()}
        self.seeded = frozenset(seeds)
        self.active = activity(fn, set(self.seeded))
        self.pushed: dict[int, tuple] = {}  # a push equation (by identity) -> the tangents it carries
        self.pairs = tape.pairs(fn)  # a restore equation (by identity) -> its push equation

    # --- tangents of atoms -------------------------------------------------------------------------------

    def zero(self) -> Tangents:
        return (None,) * self.n

    def tangent(self, atom) -> Tangents:
        if isinstance(atom, Var):
            return self.tan.get(atom, self.zero())
        return self.zero()

    def concrete(self, b: Builder, atom, k: int):
        """Direction k's tangent of `atom` as an atom: 0.0 (or a fresh zero list) for a symbolic zero."""
        t = self.tangent(atom)[k]
        if t is not None:
            return t
        if isinstance(atom, Var) and atom.kind == "list":
            return b.zeros(b.len(atom))
        return Const(0.0)

    def named(self, b: Builder, since: int, primal: Var, t, k: int):
        """Give a tangent made by the equations from `since` on the name of `primal`'s tangent."""
        if isinstance(t, Var) and not t.hint and t.primal is None:
            if any(e.outs and e.outs[0] is t for e in b.eqns[since:]):
                t.primal, t.suffix = primal, self.suffixes[k]
        return t

    def fresh(self, primal: Var, k: int) -> Var:
        return Var(primal=primal, kind=primal.kind if primal.kind == "list" else "scalar", suffix=self.suffixes[k])

    derived = fresh

    @staticmethod
    def is_constant(atom) -> bool:
        return isinstance(atom, Const)

    @staticmethod
    def copy(var: Var) -> Var:
        """A value popped from the tape: printed under the name of the value pushed."""
        copy = Var(var.hint, var.user, var.primal, var.kind, var.suffix)
        copy.copy_of = var.copy_of or var
        return copy

    # --- bodies ----------------------------------------------------------------------------------------------

    def body(self, eqns) -> tuple:
        b = Builder()
        for eqn in eqns:
            b.at(eqn.loc)
            if eqn.op in STRUCTURED:
                self.structured(b, eqn)
            elif eqn.op in REGISTRY:
                b.eqns.append(eqn)
                self.primitive(b, eqn)
            else:
                self.data(b, eqn)
        return tuple(b.eqns)

    def primitive(self, b: Builder, eqn: Eqn) -> None:
        if eqn.out in self.seeded or not any(isinstance(a, Var) and a in self.tan for a in eqn.args):
            return
        rule = tangent_rule(REGISTRY[eqn.op])
        result = []
        for k in range(self.n):
            since = len(b.eqns)
            dargs = [self.tangent(a)[k] for a in eqn.args]
            try:
                t = rule(b, dargs, eqn.out, *eqn.args)
            except DomainError as exc:
                raise _error(eqn.loc, str(exc), exc.hint) from None
            result.append(self.named(b, since, eqn.out, t, k))
        self.tan[eqn.out] = tuple(result)

    def data(self, b: Builder, eqn: Eqn) -> None:
        op = DATA_OPS[eqn.op]
        if op.tangent is None:
            b.eqns.append(eqn)
            return
        op.tangent(self, b, eqn)

    # --- what data-op tangent rules call back (see dataops.TangentRules) --------------------------------------

    def is_active(self, atom) -> bool:
        return isinstance(atom, Var) and atom in self.active

    def set_tangents(self, var: Var, ts) -> None:
        if var not in self.seeded:
            self.tan[var] = tuple(ts)

    def refuse(self, eqn: Eqn, message: str, hint: str):
        raise _error(eqn.loc, message, hint)

    def remember_push(self, push: Eqn, plan: tuple) -> None:
        """A push site's `plan`: (value position, direction, tangent) for each tangent it carries."""
        self.pushed[id(push)] = plan

    def pushed_with(self, restore: Eqn):
        """The plan of the push whose values `restore` pops."""
        return self.pushed.get(id(self.pairs[id(restore)]))

    # --- structured ops ------------------------------------------------------------------------------------

    def block_outs(self, b: Builder, outs, slots) -> list:
        """The tangents a block hands over for its results at `slots`, direction by direction."""
        extra = []
        for i in slots:
            for k in range(self.n):
                extra.append(self.concrete(b, outs[i], k))
        return extra

    def new_results(self, eqn: Eqn, outs: list, slots) -> None:
        for i in slots:
            ts = [self.fresh(eqn.outs[i], k) for k in range(self.n)]
            outs.extend(ts)
            self.set_tangents(eqn.outs[i], ts)

    def structured(self, b: Builder, eqn: Eqn) -> None:
        if eqn.op == "if":
            slots = [i for i, out in enumerate(eqn.outs) if out in self.active]
            blocks = []
            for block in eqn.blocks:
                inner = Builder().at(eqn.loc)
                inner.eqns.extend(self.body(block.body))
                extra = self.block_outs(inner, block.outs, slots)
                blocks.append(Block((), tuple(inner.eqns), (*block.outs, *extra)))
            outs = list(eqn.outs)
            self.new_results(eqn, outs, slots)
            b.eqns.append(replace(eqn, outs=tuple(outs), blocks=tuple(blocks)))
            return
        inits = layout.inits(eqn)
        body = layout.body(eqn)
        carried_body = layout.carried(eqn, body)
        slots = [i for i, p in enumerate(carried_body) if p in self.active]
        extra_inits = self.block_outs(b, inits, slots)
        blocks = []
        for k, block in enumerate(eqn.blocks):
            carried = layout.carried(eqn, block)
            params = list(block.params)
            for i in slots:
                ts = [self.fresh(carried[i], d) for d in range(self.n)]
                params.extend(ts)
                self.tan[carried[i]] = tuple(ts)
            if layout.is_cond_block(eqn, k):
                blocks.append(Block(tuple(params), self.body(block.body), block.outs))
                continue
            inner = Builder().at(eqn.loc)
            inner.eqns.extend(self.body(block.body))
            nexts = layout.nexts(block)
            extra = self.block_outs(inner, nexts, slots)
            blocks.append(Block(tuple(params), tuple(inner.eqns), (*nexts, *extra, layout.stop_flag(block))))
        outs = list(eqn.outs)
        self.new_results(eqn, outs, slots)
        args = layout.with_inits(eqn, (*inits, *extra_inits))
        b.eqns.append(replace(eqn, outs=tuple(outs), args=args, blocks=tuple(blocks)))


# --- activity: which variables can carry a nonzero tangent ------------------------------------------------


def activity(fn: Function, seeds: set) -> set:
    """The variables that may depend on a seeded one: through ops, lists (a list is active once an active
    value is stored in it, from its creation on), the tape (a restored value is active when the value pushed
    was) and loops. A fixed point: loops and lists carry activity backwards to where a value is created."""
    active = set(seeds)
    while True:
        before = len(active)
        _active_body(fn.body, active)
        if len(active) == before:
            return active


def _any_active(atoms, active) -> bool:
    return any(isinstance(a, Var) and a in active for a in atoms)


def _active_body(body, active: set) -> None:
    for eqn in body:
        if eqn.op in STRUCTURED:
            _active_structured(eqn, active)
            continue
        op = REGISTRY.get(eqn.op)
        if op is not None:
            if _any_active(eqn.args, active):
                active.update(eqn.outs)
            continue
        DATA_OPS[eqn.op].activity(eqn, active)


def _tie(atoms, active: set) -> None:
    """Lists are shared objects: a list result, its initial value and the block values it is passed through
    are one list, so they are active together."""
    vars_ = [a for a in atoms if isinstance(a, Var)]
    if any(v in active for v in vars_):
        active.update(vars_)


def _active_structured(eqn: Eqn, active: set) -> None:
    if eqn.op == "if":
        for block in eqn.blocks:
            _active_body(block.body, active)
        for i, out in enumerate(eqn.outs):
            values = [block.outs[i] for block in eqn.blocks]
            if _any_active(values, active):
                active.add(out)
            if out.kind == "list":
                _tie([out, *values], active)
        return
    inits = layout.inits(eqn)
    body = layout.body(eqn)
    nexts = layout.nexts(body)
    for i, out in enumerate(eqn.outs):
        params = [layout.carried(eqn, block)[i] for block in eqn.blocks]
        if _any_active([inits[i], nexts[i], out, *params], active):
            active.update([out, *params])
        if any(getattr(a, "kind", "") == "list" for a in (out, inits[i], nexts[i])):
            _tie([out, inits[i], nexts[i], *params], active)
    for block in eqn.blocks:
        _active_body(block.body, active)


__all__ = ["activity", "tangents"]
