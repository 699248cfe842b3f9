"""Common-subexpression elimination.

Guarantees: a later equation with the same op and the same arguments as an earlier one is replaced by the
earlier output (ops are pure). Arguments of commutative ops are put in a canonical order first: IEEE addition
and multiplication are commutative bit for bit, so `x*y` and `y*x` are one value. Equations with nested blocks
are never merged, and a block's equations are only matched within that block and the blocks around it.
"""

from __future__ import annotations

from ..ir import Const, Function
from ..ops import REGISTRY
from .substitute import apply, rewrite_args


def _atom_key(atom) -> tuple:
    return ("c", *atom.key()) if isinstance(atom, Const) else ("v", atom.serial)


def cse(fn: Function) -> Function:
    subst: dict = {}
    seen: dict[tuple, object] = {}
    body = []
    for eqn in fn.body:
        eqn = rewrite_args(subst, eqn)
        if eqn.blocks or len(eqn.outs) != 1:
            body.append(eqn)
            continue
        keys = [_atom_key(a) for a in eqn.args]
        if REGISTRY[eqn.op].commutative:
            keys.sort()
        key = (eqn.op, *keys)
        if key in seen:
            subst[eqn.out] = seen[key]
        else:
            seen[key] = eqn.out
            body.append(eqn)
    return fn.with_body(body, tuple(apply(subst, atom) for atom in fn.outs))
