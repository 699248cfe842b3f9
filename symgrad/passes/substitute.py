"""Rewriting equations under a substitution map: the one mechanism the passes share."""

from __future__ import annotations

from ..ir import Atom, Block, Const, Eqn

# Only Vars are ever substituted; a Const is never looked up (hashing one formats its value). A substitute may
# itself be substituted later (fold renames a temporary: `t` -> `h`, after `w` -> `t`): chains are followed.


def apply(subst: dict, atom: Atom) -> Atom:
    while atom.__class__ is not Const and atom in subst:
        atom = subst[atom]
    return atom


def rewrite_args(subst: dict, eqn: Eqn) -> Eqn:
    if not subst:
        return eqn
    for a in eqn.args:
        if a.__class__ is not Const and a in subst:
            break
    else:
        return eqn
    args = tuple([apply(subst, a) for a in eqn.args])
    return Eqn(eqn.outs, eqn.op, args, eqn.loc, eqn.blocks)


def rewrite_block_outs(subst: dict, block: Block, body) -> Block:
    return Block(block.params, tuple(body), tuple(apply(subst, a) for a in block.outs))
