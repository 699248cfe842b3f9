"""Constant folding and IEEE-safe algebraic identities.

Guarantees: only rewrites that give bit-identical results for every finite input (and, for the identities,
for inf and nan too): constants are folded by running the op itself; `x*1`, `1*x`, `x/1`, `x-0`, `x**1` become
`x`; `-(-x)` becomes `x`; `x**2` becomes `x*x` (which is how the emitter prints it anyway); `a + (-b)` and
`(-b) + a` become `a - b`, and `a - (-b)` becomes `a + b` (IEEE negation is exact).
Never `0*x -> 0` (x may be inf or nan), `x+0 -> x` (-0.0 + 0.0 is +0.0), `x/x -> 1` or `0**x -> 0`.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..ir import STRUCTURED, Const, Eqn, Function, evaluate_constant
from .substitute import apply, rewrite_args, rewrite_block_outs


def _is(atom, number) -> bool:
    """`atom` is the constant `number` (1 or 1.0 alike); a zero must be +0, the identity of subtraction."""
    if not isinstance(atom, Const) or atom.value != number:
        return False
    return number != 0 or math.copysign(1.0, atom.value) > 0


def fold(fn: Function) -> Function:
    subst: dict = {}
    body = _fold_body(fn.body, subst, {})
    outs = tuple(apply(subst, atom) for atom in fn.outs)
    return fn.with_body(body, outs)


def _fold_body(eqns, subst: dict, negation_of: dict) -> list[Eqn]:
    """`negation_of`: var -> the atom it negates, for the sign rewrites. A block sees what its surroundings
    know (a copy: what it learns stays inside)."""
    body: list[Eqn] = []
    for eqn in eqns:
        eqn = rewrite_args(subst, eqn)
        if eqn.op in STRUCTURED:
            blocks = tuple(
                rewrite_block_outs(subst, block, _fold_body(block.body, subst, dict(negation_of)))
                for block in eqn.blocks
            )
            body.append(replace(eqn, blocks=blocks))
            continue
        if len(eqn.outs) != 1:
            body.append(eqn)
            continue
        result = _simplify(eqn, negation_of)
        if isinstance(result, Eqn):
            body.append(result)
            if result.op == "neg":
                negation_of[result.out] = result.args[0]
        else:
            subst[eqn.out] = result
    return body


def _simplify(eqn: Eqn, negation_of: dict):
    """An atom that replaces the equation's output, or the (possibly rewritten) equation."""
    folded = evaluate_constant(eqn.op, eqn.args)
    if folded is not None:
        return folded
    op, args = eqn.op, eqn.args
    if op == "mul":
        a, b = args
        if _is(b, 1):
            return a
        if _is(a, 1):
            return b
    elif op == "div" and _is(args[1], 1):
        return args[0]
    elif op == "pow" and _is(args[1], 1):
        return args[0]
    elif op == "pow" and _is(args[1], 2):
        # The emitter prints x**2 as x*x either way; as a mul it can be shared with other x*x by CSE.
        return replace(eqn, op="mul", args=(args[0], args[0]))
    elif op == "sub":
        a, b = args
        if _is(b, 0):
            return a
        if b in negation_of:
            return replace(eqn, op="add", args=(a, negation_of[b]))
    elif op == "add":
        a, b = args
        if b in negation_of:
            return replace(eqn, op="sub", args=(a, negation_of[b]))
        if a in negation_of:
            return replace(eqn, op="sub", args=(b, negation_of[a]))
    elif op == "neg" and args[0] in negation_of:
        return negation_of[args[0]]
    return eqn
