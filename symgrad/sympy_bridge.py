"""The SymPy bridge: a function of the language as a SymPy expression of its parameters.

Built from the lowered IR through each op's SymPy twin (the op itself, not a derivative rule), so SymPy does
the differentiating on its own. Guarantees: `to_sympy(fun)` returns `(expr, symbols)`, one real symbol per
parameter named like it, in order; float constants enter as exact binary values (`sympy.Float` of the double),
so high-precision evaluation sees the numbers the compiled code sees. SymPy is imported only when used.
"""

from __future__ import annotations

from .errors import SymgradError
from .ir import Const, Var
from .lower import lower
from .ops import REGISTRY

_SYMPY_COMPARISONS = {"lt": "Lt", "le": "Le", "gt": "Gt", "ge": "Ge", "eq": "Eq", "ne": "Ne"}


class NotExpressible(SymgradError):
    """The function has loops or lists: it has no single SymPy expression of its parameters."""


def unwrap(fun):
    """The plain function behind a decorated one (symgrad's `grad`/`value_and_grad`)."""
    return getattr(fun, "fun", fun)


def to_sympy(fun):
    import sympy

    fn = lower(unwrap(fun))
    symbols = tuple(sympy.Symbol(p.name, real=True) for p in fn.params)
    env: dict[Var, object] = {p.var: s for p, s in zip(fn.params, symbols, strict=True)}

    def run(body):
        for eqn in body:
            if eqn.op == "if":
                cond = value(eqn.args[0])
                branches = []
                for block in eqn.blocks:
                    run(block.body)
                    branches.append([value(a) for a in block.outs])
                for k, out in enumerate(eqn.outs):
                    # Piecewise, as Python decides: the `then` values where the condition holds
                    env[out] = sympy.Piecewise((branches[0][k], cond), (branches[1][k], True))
            elif eqn.op in _SYMPY_COMPARISONS:
                env[eqn.out] = getattr(sympy, _SYMPY_COMPARISONS[eqn.op])(*(value(a) for a in eqn.args))
            elif eqn.op == "not":
                env[eqn.out] = sympy.Not(value(eqn.args[0]))
            elif eqn.op in REGISTRY:
                env[eqn.out] = REGISTRY[eqn.op].sympy(sympy, *(value(a) for a in eqn.args))
            else:
                raise NotExpressible(
                    f"{fn.qualname} has {'a loop' if eqn.blocks else 'lists or integer arithmetic'}: "
                    "it is not one SymPy expression of its parameters (check it against the tape engine)"
                )

    def value(atom):
        if isinstance(atom, Const):
            if isinstance(atom.value, bool):
                return sympy.true if atom.value else sympy.false
            return sympy.Integer(atom.value) if isinstance(atom.value, int) else sympy.Float(atom.value)
        return env[atom]

    run(fn.body)
    return value(fn.outs[0]), symbols
