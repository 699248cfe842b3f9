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
    records `eqn` and returns None. In a key a Var is `(0, serial)` and a Const `(1, type, repr)` (formatted
    once per Const object). `inner()` is the table for a nested block: it sees what its surroundings saw, and
    what it learns stays inside."""

    def __init__(self, seen: dict | None = None, const_keys: dict | None = None):
        self.seen = {} if seen is None else seen
        self.const_keys = {} if const_keys is None else const_keys
        self.commutative, self.impure = _commutative(), _impure()

    def inner(self) -> Merger:
        return Merger(dict(self.seen), self.const_keys)

    def merge(self, eqn):
        op = eqn.op
        if len(eqn.outs) != 1 or op in self.impure or op in STRUCTURED:
            return None
        keys = []
        for a in eqn.args:
            if a.__class__ is Var:
                keys.append((0, a.serial))
            else:
                k = self.const_keys.get(id(a))
                if k is None:
                    k = self.const_keys[id(a)] = (1, *a.key())
                keys.append(k)
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
