"""Integer constants become float constants where they meet floats.

CPython 3.11 specializes float-float arithmetic; `x + 3` (float + int) takes the generic, slower path while
`x + 3.0` takes the fast one. For a float operand the two are the same operation (Python converts the int to
the same double first), so results are bit-identical for float inputs. Exponents stay as written (`x ** 3`):
pow is not specialized, and an int exponent reads better. With int inputs, results may now be computed in
floats earlier; they are floats in the end either way (API.md).

Integer arithmetic stays integer: an equation is left alone if an operand is surely an int (a loop index, a
length) or if its result is used as an int (an index, a `range` bound, a list length), followed back through
the arithmetic and the loops that compute it.
"""

from __future__ import annotations

from dataclasses import replace

from ..ir import STRUCTURED, Block, Const, Eqn, Function, Var, is_int, walk
from ..ir import structured as layout

_INT_USES = {"getitem": (1,), "read_at": (1,), "store_at": (1,), "zeros": (0,), "floordiv": (0, 1), "mod": (0, 1)}
_THROUGH = {"add", "sub", "mul", "neg", "min", "max", "abs", "floordiv", "mod", "pow"}


def _as_float(atom):
    if isinstance(atom, Const) and type(atom.value) is int:
        return Const(float(atom.value))
    return atom


def int_needed(fn: Function) -> set[Var]:
    """Variables whose value is used as an int, directly or through arithmetic and loops."""
    need: set[Var] = set()
    defining = {}
    phis: dict[Var, list] = {}  # a loop's carried parameter or result -> the atoms it takes its value from
    for eqn in walk(fn.body):
        for out in eqn.outs:
            defining[out] = eqn
        for position in _INT_USES.get(eqn.op, ()):
            if isinstance(eqn.args[position], Var):
                need.add(eqn.args[position])
        if eqn.op in layout.RANGE_LOOPS:
            need.update(a for a in layout.leading(eqn) if isinstance(a, Var))
        if eqn.op in STRUCTURED:
            _phis(eqn, phis)
    work = list(need)
    while work:
        var = work.pop()
        sources = list(phis.get(var, ()))
        eqn = defining.get(var)
        if eqn is not None and eqn.op in _THROUGH:
            sources += eqn.args
        for atom in sources:
            if isinstance(atom, Var) and atom not in need:
                need.add(atom)
                work.append(atom)
    return need


def _phis(eqn, phis) -> None:
    if eqn.op == "if":
        for k, out in enumerate(eqn.outs):
            phis.setdefault(out, []).extend(block.outs[k] for block in eqn.blocks)
        return
    inits, nexts = layout.inits(eqn), layout.nexts(layout.body(eqn))
    for k, out in enumerate(eqn.outs):
        sources = [inits[k], nexts[k]]
        phis.setdefault(out, []).extend(sources)
        for block in eqn.blocks:
            param = layout.carried(eqn, block)[k]
            phis.setdefault(param, []).extend(sources)
            if isinstance(nexts[k], Var):
                phis.setdefault(nexts[k], []).append(param)


def floats(fn: Function) -> Function:
    return fn.with_body(_FloatBody(fn).body(fn.body))


class _FloatBody:
    """The rewrite of one function's bodies. (A class, not a closure that calls itself: compilation runs with
    the garbage collector paused, and such a closure is a cycle that would keep the input Function alive until
    the end, 24 MB on a 10,000-step chain while Python's compile() runs.)"""

    def __init__(self, fn: Function):
        self.fn = fn
        self.keep = None  # int_needed(fn), computed at the first equation with an int constant (most have none)

    def body(self, eqns):
        result = []
        for eqn in eqns:
            if eqn.blocks:
                blocks = tuple(Block(b.params, tuple(self.body(b.body)), b.outs) for b in eqn.blocks)
                result.append(replace(eqn, blocks=blocks))
                continue
            for a in eqn.args:
                if a.__class__ is Const and a.value.__class__ is int:
                    break
            else:
                result.append(eqn)  # no int constant: nothing to convert
                continue
            if self.keep is None:
                self.keep = int_needed(self.fn)
            keep = self.keep
            if any(out in keep for out in eqn.outs) or any(is_int(a) for a in eqn.args if isinstance(a, Var)):
                result.append(eqn)
                continue
            if eqn.op == "pow":
                args = (_as_float(eqn.args[0]), eqn.args[1])
            elif eqn.op in _THROUGH or eqn.op in ("div", "lt", "le", "gt", "ge", "eq", "ne"):
                args = tuple(_as_float(a) for a in eqn.args)
            else:
                args = eqn.args if eqn.op not in _FLOAT_ARGS else tuple(_as_float(a) for a in eqn.args)
            result.append(eqn if args == eqn.args else Eqn(eqn.outs, eqn.op, args, eqn.loc, eqn.blocks))
        return result


_FLOAT_ARGS = {"tanh", "exp", "log", "sqrt", "sin", "cos", "sigmoid", "relu", "mask_pos", "signed", "when_lt",
               "unless_lt", "expm1", "log1p", "log2", "log10", "exp2", "cbrt", "tan", "asin", "acos", "atan",
               "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "fabs", "degrees", "radians", "atan2",
               "hypot", "copysign"}  # fmt: skip
# Not floor, ceil, trunc, sign and square (their ints stay ints), nor users' primitives (they get what is passed).
