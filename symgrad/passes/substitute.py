"""Rewriting equations under a substitution map: the one mechanism the passes share."""

from __future__ import annotations

from dataclasses import replace

from ..ir import Atom, Block, Eqn


def apply(subst: dict, atom: Atom) -> Atom:
    return subst.get(atom, atom)


def rewrite_args(subst: dict, eqn: Eqn) -> Eqn:
    if not subst:
        return eqn
    args = tuple(apply(subst, a) for a in eqn.args)
    return eqn if args == eqn.args else replace(eqn, args=args)


def rewrite_block_outs(subst: dict, block: Block, body) -> Block:
    return Block(block.params, tuple(body), tuple(apply(subst, a) for a in block.outs))
