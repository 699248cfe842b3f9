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
    body = _cse_body(fn.body, subst, {}, {})
    return fn.with_body(body, tuple(apply(subst, atom) for atom in fn.outs))


def _cse_body(eqns, subst: dict, seen: dict, const_keys: dict) -> list:
    """`seen`: (op, args) -> the output computing it; a block starts from a copy of its surroundings'. In a key a
    Var is `(0, serial)` and a Const `(1, type, repr)` (`const_keys` holds them by id: formatting a value once)."""
    body = []
    commutative, impure = _commutative(), _impure()
    for eqn in eqns:
        if subst:
            eqn = rewrite_args(subst, eqn)
        op = eqn.op
        if op in STRUCTURED:
            blocks = tuple(
                rewrite_block_outs(subst, block, _cse_body(block.body, subst, dict(seen), const_keys))
                for block in eqn.blocks
            )
            body.append(replace(eqn, blocks=blocks))
            continue
        if len(eqn.outs) != 1 or op in impure:
            body.append(eqn)
            continue
        keys = []
        for a in eqn.args:
            if a.__class__ is Var:
                keys.append((0, a.serial))
            else:
                k = const_keys.get(id(a))
                if k is None:
                    k = const_keys[id(a)] = (1, *a.key())
                keys.append(k)
        if op in commutative:
            keys.sort()
        key = (op, *keys)
        out = eqn.outs[0]
        previous = seen.get(key)
        if previous is not None:
            subst[out] = previous
        else:
            seen[key] = out
            body.append(eqn)
    return body


@functools.cache
def _commutative() -> frozenset[str]:
    return frozenset(name for name, op in REGISTRY.items() if op.commutative)


@functools.cache
def _impure() -> frozenset[str]:
    return frozenset(name for name, op in DATA_OPS.items() if not op.pure)
