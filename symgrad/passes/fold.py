"""Constant folding and IEEE-safe algebraic identities.

Guarantees: only rewrites that give bit-identical results for every finite input (and, for the identities,
for inf and nan too): constants are folded by running the op itself; `x*1`, `1*x`, `x/1`, `x-0`, `x**1` become
`x`; `-(-x)` becomes `x`; `x**2` becomes `x*x` (which is how the emitter prints it anyway); `a + (-b)` and
`(-b) + a` become `a - b`, and `a - (-b)` becomes `a + b`; `x * -1` and `-1 * x` become `-x` (IEEE negation is
exact, and IEEE subtraction is the addition of the negation: equal for every input but nan, whose sign bit no
Python operation but copysign can see, and symgrad's programs never take copysign of a nan they made).
Range facts (a variable's value is known to lie in a range, whatever the inputs): `relu(y)` is `y` where `y` is
never below zero (a square `a*a`, `exp`, `exp2`, `sqrt`, `abs`, `fabs`, `cosh`, `hypot`, `sigmoid`, `relu`):
relu returns its argument unless it is below zero, so also at -0.0 (sqrt(-0.0) is -0.0) and at nan. `0.0 + y`
and `y + 0.0` are `y` where `y` is never -0.0 (the same ops but sqrt and relu: a square is +0.0 at +-0.0, exp
and friends are never zero or are +0.0): `x + 0.0` differs from `x` only at x = -0.0. Where the kept value was
computed by the equation just before (`t = z * z; h = relu(t)`), that equation now defines the user's `h`, so
the generated code keeps the user's name. relu's own adjoint `mask_pos(g, relu(x))` becomes `mask_pos(g, x)`:
`relu(x) > 0` exactly where `x > 0` (relu returns x unless x is below zero, so also at -0.0 and nan), and the
relu's output, then often used once, is printed inline (`q = (0.0 if z < 0.0 else z) + z * x`).
Never `0*x -> 0` (x may be inf or nan), `x+0 -> x` for an x that may be -0.0 (-0.0 + 0.0 is +0.0), `x/x -> 1` or
`0**x -> 0`.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..ir import STRUCTURED, Const, Eqn, Function, evaluate_constant
from .cse import Merger
from .substitute import apply, rewrite_args, rewrite_block_outs


def _is(atom, number) -> bool:
    """`atom` is the constant `number` (1 or 1.0 alike); a zero must be +0, the identity of subtraction."""
    if not isinstance(atom, Const) or atom.value != number:
        return False
    return number != 0 or math.copysign(1.0, atom.value) > 0


# Ops whose result is never below zero (or is nan): relu of it is the identity.
NEVER_NEGATIVE = frozenset({"exp", "exp2", "sqrt", "abs", "fabs", "cosh", "hypot", "sigmoid", "relu"})
# Ops whose result is never -0.0: adding +0.0 to it changes nothing.
NEVER_MINUS_ZERO = frozenset({"exp", "exp2", "abs", "fabs", "cosh", "hypot", "sigmoid"})


def _is_square(eqn: Eqn) -> bool:
    return eqn.op == "mul" and eqn.args[0] is eqn.args[1] and not isinstance(eqn.args[0], Const)


def fold(fn: Function) -> Function:
    subst: dict = {}
    body = _fold_body(fn.body, subst, {}, _Ranges(), None)
    outs = tuple(apply(subst, atom) for atom in fn.outs)
    return fn.with_body(body, outs)


class _Ranges:
    """What is known of variables' values whatever the inputs (facts about a single-assignment variable hold
    everywhere, so one record serves every block)."""

    def __init__(self):
        self.never_negative: set = set()
        self.never_minus_zero: set = set()
        self.relu_of: dict = {}  # y -> x, for y = relu(x) (x is defined before y: visible wherever y is)

    def learn(self, eqn: Eqn) -> None:
        if _is_square(eqn):
            self.never_negative.add(eqn.out)
            self.never_minus_zero.add(eqn.out)
        elif eqn.op in NEVER_NEGATIVE:
            self.never_negative.add(eqn.out)
            if eqn.op in NEVER_MINUS_ZERO:
                self.never_minus_zero.add(eqn.out)
            elif eqn.op == "relu":
                self.relu_of[eqn.out] = eqn.args[0]

    def mask_of_relu(self, eqn: Eqn) -> Eqn:
        """`mask_pos(g, relu(x))` as `mask_pos(g, x)`: the same value for every x (see the module docstring)."""
        y = eqn.args[1]
        x = self.relu_of.get(y) if y.__class__ is not Const else None
        return eqn if x is None else replace(eqn, args=(eqn.args[0], x))

    def same(self, var, other) -> None:
        """`var` holds `other`'s value: it has its facts."""
        if other in self.never_negative:
            self.never_negative.add(var)
        if other in self.never_minus_zero:
            self.never_minus_zero.add(var)

    def identity_of(self, eqn: Eqn):
        """The argument `eqn` is known to return unchanged, or None."""
        if eqn.op == "relu" and eqn.args[0] in self.never_negative:
            return eqn.args[0]
        if eqn.op == "add":
            a, b = eqn.args
            if _is(a, 0) and b in self.never_minus_zero:
                return b
            if _is(b, 0) and a in self.never_minus_zero:
                return a
        return None


def fold_cse(fn: Function) -> Function:
    """fold, and CSE (cse.py) of each equation as it comes out of fold: one walk instead of fold, cse, fold.
    Equations reach CSE already simplified, and later ones are simplified with the merged arguments, so what the
    second fold found (a square once `a*b` has `b` merged into `a`) is found here."""
    subst: dict = {}
    body = _fold_body(fn.body, subst, {}, _Ranges(), Merger())
    return fn.with_body(body, tuple(apply(subst, atom) for atom in fn.outs))


def _fold_body(eqns, subst: dict, negation_of: dict, ranges: _Ranges, merger: Merger | None) -> list[Eqn]:
    """`negation_of`: var -> the atom it negates, for the sign rewrites. A block sees what its surroundings
    know (a copy: what it learns stays inside). `merger`: CSE's table, or None (fold alone)."""
    body: list[Eqn] = []
    never_negative = ranges.never_negative
    for eqn in eqns:
        if subst:
            eqn = rewrite_args(subst, eqn)
        if eqn.op in STRUCTURED:
            blocks = tuple(
                rewrite_block_outs(
                    subst,
                    block,
                    _fold_body(block.body, subst, dict(negation_of), ranges, merger and merger.inner()),
                )
                for block in eqn.blocks
            )
            body.append(replace(eqn, blocks=blocks))
            continue
        if len(eqn.outs) != 1:
            body.append(eqn)
            continue
        for a in eqn.args:
            if a.__class__ is not Const:
                break
        else:  # constants only: computed now, exactly as the generated code would
            folded = evaluate_constant(eqn.op, eqn.args)
            if folded is not None:
                subst[eqn.outs[0]] = folded
                continue
        if eqn.op == "mask_pos":
            eqn = ranges.mask_of_relu(eqn)
        result = _simplify(eqn, negation_of) if eqn.op in _SIMPLIFIED else eqn
        if result.__class__ is not Eqn:
            subst[eqn.outs[0]] = result
            continue
        op = result.op
        # (the checks before each call are the cheap part of what the call would find: most adds have no
        # constant, most products are not squares)
        if (op == "add" and Const in (result.args[0].__class__, result.args[1].__class__)) or (
            op == "relu" and result.args[0] in never_negative
        ):
            kept = ranges.identity_of(result)
            if kept is not None:
                ranges.same(result.outs[0], kept)
                _alias(body, subst, result.outs[0], kept)
                continue
        if merger is not None:
            previous = merger.merge(result)
            if previous is not None:
                subst[result.outs[0]] = previous
                continue
        body.append(result)
        if op == "mul":
            if result.args[0] is result.args[1]:
                ranges.learn(result)
        elif op in NEVER_NEGATIVE:
            ranges.learn(result)
        elif op == "neg":
            negation_of[result.outs[0]] = result.args[0]
    return body


_SIMPLIFIED = frozenset({"mul", "div", "pow", "sub", "add", "neg"})  # the ops `_simplify` has identities for


def _alias(body: list[Eqn], subst: dict, out, kept) -> None:
    """`out` has `kept`'s value. A temporary computed just before takes `out`'s place (and name) as the output of
    that equation; otherwise `out` is replaced by `kept`."""
    previous = body[-1] if body else None
    if previous is not None and previous.outs == (kept,) and not kept.hint and not previous.blocks:
        body[-1] = replace(previous, outs=(out,))
        subst[kept] = out
    else:
        subst[out] = kept


def _simplify(eqn: Eqn, negation_of: dict):
    """An atom that replaces the equation's output, or the (possibly rewritten) equation (not all constants:
    those are folded before)."""
    op, args = eqn.op, eqn.args
    if op == "mul":
        a, b = args
        if b.__class__ is Const:
            if _is(b, 1):
                return a
            if _is(b, -1):
                return _negation(eqn, a, negation_of)
        if a.__class__ is Const:
            if _is(a, 1):
                return b
            if _is(a, -1):
                return _negation(eqn, b, negation_of)
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
        if b.__class__ is not Const and b in negation_of:
            return replace(eqn, op="add", args=(a, negation_of[b]))
    elif op == "add":
        a, b = args
        if b.__class__ is not Const and b in negation_of:
            return replace(eqn, op="sub", args=(a, negation_of[b]))
        if a.__class__ is not Const and a in negation_of:
            return replace(eqn, op="sub", args=(b, negation_of[a]))
    elif op == "neg" and args[0].__class__ is not Const and args[0] in negation_of:
        return negation_of[args[0]]
    return eqn


def _negation(eqn: Eqn, atom, negation_of: dict):
    if atom.__class__ is not Const and atom in negation_of:
        return negation_of[atom]  # -(-x) is x
    return replace(eqn, op="neg", args=(atom,))
