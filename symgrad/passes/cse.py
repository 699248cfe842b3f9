"""Common-subexpression elimination.

Guarantees: a later equation with the same op and the same arguments as an earlier one is replaced by the
earlier output (ops are pure). Arguments of commutative ops are put in a canonical order first: IEEE addition
and multiplication are commutative bit for bit, so `x*y` and `y*x` are one value. Equations with nested blocks
are never merged, and a block's equations are only matched within that block and the blocks around it.
"""

from __future__ import annotations

from dataclasses import replace

from ..dataops import DATA_OPS
from ..ir import STRUCTURED, Const, Function
from ..ops import REGISTRY
from .substitute import apply, rewrite_args, rewrite_block_outs


def _atom_key(atom) -> tuple:
    return ("c", *atom.key()) if isinstance(atom, Const) else ("v", atom.serial)


def cse(fn: Function) -> Function:
    subst: dict = {}
    body = _cse_body(fn.body, subst, {})
    return fn.with_body(body, tuple(apply(subst, atom) for atom in fn.outs))


def _cse_body(eqns, subst: dict, seen: dict) -> list:
    """`seen`: (op, args) -> the output computing it; a block starts from a copy of its surroundings'."""
    body = []
    for eqn in eqns:
        eqn = rewrite_args(subst, eqn)
        if eqn.op in STRUCTURED:
            blocks = tuple(
                rewrite_block_outs(subst, block, _cse_body(block.body, subst, dict(seen))) for block in eqn.blocks
            )
            body.append(replace(eqn, blocks=blocks))
            continue
        if len(eqn.outs) != 1 or (eqn.op in DATA_OPS and not DATA_OPS[eqn.op].pure):
            body.append(eqn)
            continue
        keys = [_atom_key(a) for a in eqn.args]
        if eqn.op in REGISTRY and REGISTRY[eqn.op].commutative:
            keys.sort()
        key = (eqn.op, *keys)
        if key in seen:
            subst[eqn.out] = seen[key]
        else:
            seen[key] = eqn.out
            body.append(eqn)
    return body
