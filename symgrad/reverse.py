"""Reverse mode: one backward sweep over the IR, built from the op registry's adjoint rules.

Assumes a verified forward Function with outputs `(value,)`. Guarantees: the result computes the value and the
gradient with respect to the parameters in `wrt`, in one function; only variables that depend on a `wrt`
parameter get adjoints (activity analysis), zeros are symbolic (a missing adjoint is zero: no `0*x` is ever
built), fan-out is accumulated with `+` in a fixed order, and the first contribution to an adjoint is assigned,
not added to 0.0. An unused parameter's gradient is the constant 0.0. Backward equations carry the location of
the forward equation they differentiate, marked `reverse`.
"""

from __future__ import annotations

from dataclasses import replace

from .errors import UnsupportedSyntax
from .ir import Builder, Const, Function, IRError, Var, verify
from .ops import REGISTRY, DomainError


def reverse(fn: Function, wrt: tuple[int, ...]) -> Function:
    active = {fn.params[i].var for i in wrt}
    for eqn in fn.body:
        if any(arg in active for arg in eqn.args if isinstance(arg, Var)):
            active.update(eqn.outs)

    b = Builder()
    adjoint: dict[Var, Var | Const] = {}
    (value,) = fn.outs
    if isinstance(value, Var) and value in active:
        adjoint[value] = Const(1.0)

    for eqn in reversed(fn.body):
        g = adjoint.get(eqn.out)
        if g is None:
            continue
        op = REGISTRY[eqn.op]
        b.at(replace(eqn.loc, reverse=True))
        for arg, rule in zip(eqn.args, op.adjoints, strict=True):
            if not (isinstance(arg, Var) and arg in active):
                continue
            if rule is None:
                raise IRError(f"op {eqn.op} has no adjoint rule but one of its inputs is differentiated")
            first_new = len(b.eqns)
            try:
                contribution = rule(b, g, eqn.out, *eqn.args)
            except DomainError as exc:
                loc = eqn.loc
                raise UnsupportedSyntax(
                    str(exc), filename=loc.path, lineno=loc.line, col=loc.col, text=loc.text, hint=exc.hint
                ) from None
            if contribution is None:
                continue  # a symbolic zero
            if arg in adjoint:
                adjoint[arg] = b.add(adjoint[arg], contribution, primal=arg)
            else:
                made_here = any(e.out is contribution for e in b.eqns[first_new:])
                if made_here and not contribution.hint and contribution.primal is None:
                    contribution.primal = arg  # the rule's result is this adjoint: name it `<arg>_bar`
                adjoint[arg] = contribution

    grads = tuple(adjoint.get(fn.params[i].var, Const(0.0)) for i in wrt)
    return verify(replace(fn, body=fn.body + tuple(b.eqns), outs=(value, *grads), wrt=tuple(wrt), differentiated=True))
