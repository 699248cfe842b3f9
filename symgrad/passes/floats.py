"""Integer constants become float constants where they meet floats.

CPython 3.11 specializes float-float arithmetic; `x + 3` (float + int) takes the generic, slower path while
`x + 3.0` takes the fast one. For a float operand the two are the same operation (Python converts the int to
the same double first), so results are bit-identical for float inputs. Exponents stay as written (`x ** 3`):
pow is not specialized, and an int exponent reads better. With int inputs, results may now be computed in
floats earlier; they are floats in the end either way (API.md).
"""

from __future__ import annotations

from dataclasses import replace

from ..ir import Const, Function


def _as_float(atom):
    if isinstance(atom, Const) and type(atom.value) is int:
        return Const(float(atom.value))
    return atom


def floats(fn: Function) -> Function:
    body = []
    for eqn in fn.body:
        if eqn.op == "pow":
            args = (_as_float(eqn.args[0]), eqn.args[1])
        else:
            args = tuple(_as_float(a) for a in eqn.args)
        body.append(eqn if args == eqn.args else replace(eqn, args=args))
    return fn.with_body(body)
