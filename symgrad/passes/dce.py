"""Dead-code elimination.

Guarantees: an equation survives only if an output of the function depends on it, or it has an effect
(appending to a list, the tape's pushes and pops, accumulating a gradient list). Ops are otherwise pure, so
removing one changes no result (an unused computation that would have raised no longer runs: the gradient is
unaffected). A structured equation (if, loop) survives if a result of it is used or its blocks keep an
equation; its blocks are cleaned the same way, keeping what their outputs need.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from ..dataops import DATA_OPS
from ..ir import STRUCTURED, Block, Function, Var


def dce(fn: Function) -> Function:
    live = {atom for atom in fn.outs if isinstance(atom, Var)}
    return fn.with_body(_dce_body(fn.body, live))


def _dce_body(eqns, live: set) -> list:
    kept = []
    effects = _effects()
    for eqn in reversed(eqns):
        if eqn.op in STRUCTURED:
            blocks = []
            for block in eqn.blocks:
                inner_live = set(live) | {a for a in block.outs if isinstance(a, Var)}
                blocks.append(Block(block.params, tuple(_dce_body(block.body, inner_live)), block.outs))
            if not any(out in live for out in eqn.outs) and not any(b.body for b in blocks):
                continue
            kept.append(replace(eqn, blocks=tuple(blocks)))
            live.update(a for a in eqn.args if isinstance(a, Var))
            for block in blocks:
                live.update(a for a in block.outs if isinstance(a, Var))
                live.update(_free_reads(block.body))
            continue
        outs = eqn.outs
        if (len(outs) == 1 and outs[0] in live) or eqn.op in effects or any(out in live for out in outs):
            kept.append(eqn)
            for arg in eqn.args:
                if arg.__class__ is Var:
                    live.add(arg)
    kept.reverse()
    return kept


@functools.cache
def _effects() -> frozenset[str]:
    return frozenset(name for name, op in DATA_OPS.items() if op.effect)


def _free_reads(body) -> set:
    reads = set()
    for eqn in body:
        reads.update(a for a in eqn.args if isinstance(a, Var))
        for block in eqn.blocks:
            reads.update(a for a in block.outs if isinstance(a, Var))
            reads.update(_free_reads(block.body))
    return reads
