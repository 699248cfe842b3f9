"""Common-subexpression elimination.

Guarantees: a later equation with the same op and the same arguments as an earlier one is replaced by the
earlier output (ops are pure). Arguments of commutative ops are put in a canonical order first: IEEE addition
and multiplication are commutative bit for bit, so `x*y` and `y*x` are one value. Equations with nested blocks
are never merged, and a block's equations are only matched within that block and the blocks around it.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from ..dataops import DATA_OPS
from ..ir import STRUCTURED, Function, Var
from ..ops import REGISTRY
from .substitute import apply, rewrite_args, rewrite_block_outs


def cse(fn: Function) -> Function:
    subst: dict = {}
    body = _cse_body(fn.body, subst, Merger())
    return fn.with_body(body, tuple(apply(subst, atom) for atom in fn.outs))


class Merger:
    """The equations seen so far, by (op, args): `merge(eqn)` returns the output of an earlier equal one, or
    records `eqn` and returns None. In a key a Const is `(1, type, repr)` (formatted once per Const object), a
    Var is itself (two arguments) or `(0, serial)` (any other number of them). `inner()` is the table for a
    nested block: it sees what its surroundings saw, and what it learns stays inside."""

    def __init__(self, seen: dict | None = None, const_keys: dict | None = None):
        self.seen = {} if seen is None else seen
        self.const_keys = {} if const_keys is None else const_keys
        self.commutative, self.impure = _commutative(), _impure()

    def _const_key(self, const) -> tuple:
        k = self.const_keys.get(id(const))
        if k is None:
            k = self.const_keys[id(const)] = (1, *const.key())
        return k

    def inner(self) -> Merger:
        return Merger(dict(self.seen), self.const_keys)

    def merge(self, eqn):
        op = eqn.op
        if len(eqn.outs) != 1 or op in self.impure or op in STRUCTURED:
            return None
        args = eqn.args
        if len(args) == 2:
            # The common case without building a key per argument: a Var stands for itself (Vars compare by
            # identity, never equal to a Const's key tuple), and a commutative pair is put in the order the
            # general path sorts it into (Vars by serial, before Consts).
            a, b = args
            if a.__class__ is Var:
                if b.__class__ is Var:
                    if op in self.commutative and b.serial < a.serial:
                        a, b = b, a
                else:
                    b = self._const_key(b)
            elif b.__class__ is Var:
                a = self._const_key(a)
                if op in self.commutative:
                    a, b = b, a
            else:
                a, b = self._const_key(a), self._const_key(b)
                if op in self.commutative and b < a:
                    a, b = b, a
            key = (op, a, b)
        else:
            keys = [(0, a.serial) if a.__class__ is Var else self._const_key(a) for a in args]
            if op in self.commutative:
                keys.sort()
            key = (op, *keys)
        previous = self.seen.get(key)
        if previous is None:
            self.seen[key] = eqn.outs[0]
        return previous


def _cse_body(eqns, subst: dict, merger: Merger) -> list:
    body = []
    for eqn in eqns:
        if subst:
            eqn = rewrite_args(subst, eqn)
        if eqn.op in STRUCTURED:
            blocks = tuple(
                rewrite_block_outs(subst, block, _cse_body(block.body, subst, merger.inner())) for block in eqn.blocks
            )
            body.append(replace(eqn, blocks=blocks))
            continue
        previous = merger.merge(eqn)
        if previous is not None:
            subst[eqn.outs[0]] = previous
        else:
            body.append(eqn)
    return body


@functools.cache
def _commutative() -> frozenset[str]:
    return frozenset(name for name, op in REGISTRY.items() if op.commutative)


@functools.cache
def _impure() -> frozenset[str]:
    return frozenset(name for name, op in DATA_OPS.items() if not op.pure)
