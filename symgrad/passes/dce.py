"""Dead-code elimination.

Guarantees: an equation survives only if an output of the function depends on it. All ops are pure, so removing
one changes no result (an unused computation that would have raised no longer runs: the gradient is unaffected).
"""

from __future__ import annotations

from ..ir import Function, Var


def dce(fn: Function) -> Function:
    live = {atom for atom in fn.outs if isinstance(atom, Var)}
    kept = []
    for eqn in reversed(fn.body):
        if any(out in live for out in eqn.outs):
            kept.append(eqn)
            live.update(arg for arg in eqn.args if isinstance(arg, Var))
    kept.reverse()
    return fn.with_body(kept)
