"""The SymPy bridge: a function of the language as a SymPy expression of its parameters.

Built from the lowered IR through each op's SymPy twin (the op itself, not a derivative rule), so SymPy does
the differentiating on its own. Guarantees: `to_sympy(fun)` returns `(expr, symbols)`, one real symbol per
parameter named like it, in order; float constants enter as exact binary values (`sympy.Float` of the double),
so high-precision evaluation sees the numbers the compiled code sees. SymPy is imported only when used.
"""

from __future__ import annotations

from .ir import Const, Var, walk
from .lower import lower
from .ops import REGISTRY


def unwrap(fun):
    """The plain function behind a decorated one (symgrad's `grad`/`value_and_grad`)."""
    return getattr(fun, "fun", fun)


def to_sympy(fun):
    import sympy

    fn = lower(unwrap(fun))
    symbols = tuple(sympy.Symbol(p.name, real=True) for p in fn.params)
    env: dict[Var, object] = {p.var: s for p, s in zip(fn.params, symbols, strict=True)}

    def value(atom):
        if isinstance(atom, Const):
            return sympy.Integer(atom.value) if isinstance(atom.value, int) else sympy.Float(atom.value)
        return env[atom]

    for eqn in walk(fn.body):
        env[eqn.out] = REGISTRY[eqn.op].sympy(sympy, *(value(a) for a in eqn.args))
    return value(fn.outs[0]), symbols
