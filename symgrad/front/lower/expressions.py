"""Expressions: constants, names, attributes, arithmetic, and the check that a value is a number.

Assumes it is mixed into the lowerer (`core`), which provides the builder `b`, the op table `op_table`, control
flow (`condition`, `compare`, `boolop`, `choose`), sequences (`subscript`, `list_display`) and calls (`call`).
Compile-time Python is evaluated here: module constants, `math.pi`, literals and arithmetic on them become
constants (the builder folds them exactly as Python would at run time). Guarantees: each emitted equation is
located at the user's expression; a constant that would be complex, or an int too large for a float, is an error
at that expression; a name used before assignment, or undefined, is an error that says which.
"""

from __future__ import annotations

import ast

from ... import resolve
from ...ir import Const, Var
from ...ops import REGISTRY
from .frame import Frame
from .values import Structured, describe, sequence_like

BINOPS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
    ast.FloorDiv: "floordiv", ast.Mod: "mod",
}  # fmt: skip


class Expressions:
    """Expressions to atoms (a mixin of the lowerer)."""

    def expr(self, frame: Frame, node: ast.expr):
        kind = node.__class__  # the parser makes exact node classes: `is` tests, cheapest first
        if kind is ast.Name:
            return self._name(frame, node)
        if kind is ast.Constant:
            return self._checked(frame, node, Const(node.value))
        if kind is ast.BinOp or (kind is ast.UnaryOp and node.op.__class__ is not ast.Not):
            return self._arithmetic(frame, node)
        if kind is ast.Call:
            return self.call(frame, node)
        if isinstance(node, ast.Attribute):
            return self.attribute(frame, node, self.expr(frame, node.value))
        if isinstance(node, ast.UnaryOp):  # `not`
            return self.emit(frame, node, "not", self.condition(frame, node.operand))
        if isinstance(node, ast.Tuple):
            return tuple(self.expr(frame, element) for element in node.elts)
        if isinstance(node, ast.Compare):
            return self.compare(frame, node, self.expr(frame, node.left), 0)
        if isinstance(node, ast.BoolOp):
            return self.boolop(frame, node, self.expr(frame, node.values[0]), 1)
        if isinstance(node, ast.IfExp):
            cond = self.condition(frame, node.test)
            if isinstance(cond, Const):
                return self.expr(frame, node.body if cond.value else node.orelse)
            return self.choose(frame, node, cond, lambda: self.expr(frame, node.body),
                                lambda: self.expr(frame, node.orelse))  # fmt: skip
        if isinstance(node, ast.Subscript):
            return self.subscript(frame, node)
        if isinstance(node, ast.List | ast.ListComp):
            return self.list_display(frame, node)
        if isinstance(node, ast.GeneratorExp):
            raise frame.error(node, "a generator expression is supported only as the argument of sum()",
                              "write sum(... for ...), or a list comprehension [... for ...]")  # fmt: skip
        if isinstance(node, ast.Slice):  # inside a tuple index (`xs[1:, 0]`): a plain `xs[1:]` is a subscript
            raise frame.error(node, "a slice inside a tuple index (`xs[1:, 0]`) is not supported",
                              "slice lists one level at a time (`xs[1:]`); index arrays by element")  # fmt: skip
        raise frame.error(node, f"{type(node).__name__} expressions are not supported",
                          "write it with numbers, lists, calls of math functions and helpers (see the README's "
                          "language table)")  # fmt: skip

    def _arithmetic(self, frame: Frame, root: ast.expr):
        """Arithmetic (binary operators, unary `-` and `+`) in the order Python evaluates it, left operand
        first, with a stack of its own instead of recursion: `a + b + c + ...` nests once per term, and a
        fitted polynomial of thousands of terms is one such tree."""
        values: list = []
        work: list = [(root, False)]
        while work:
            node, operands_done = work.pop()
            if not operands_done:
                if _arithmetic(node):
                    work.append((node, True))
                    if node.__class__ is ast.BinOp:
                        work += ((node.right, False), (node.left, False))  # popped left first
                    else:
                        work.append((node.operand, False))
                else:
                    values.append(self.expr(frame, node))
            elif node.__class__ is ast.BinOp:
                right = values.pop()
                values.append(self._binop(frame, node, values.pop(), right))
            else:
                operand = self.scalar(frame, node.operand, values.pop(), "the operand")
                values.append(operand if isinstance(node.op, ast.UAdd) else self.emit(frame, node, "neg", operand))
        return values.pop()

    def _binop(self, frame: Frame, node: ast.BinOp, left, right):
        if sequence_like(left) or sequence_like(right):
            return self.sequence_binop(frame, node, left, right)  # `xs + ys`, `[0.0] * n`
        left = self.scalar(frame, node.left, left, "the left operand")
        right = self.scalar(frame, node.right, right, "the right operand")
        return self.emit(frame, node, BINOPS[type(node.op)], left, right)

    def _name(self, frame: Frame, node: ast.Name):
        if node.id in frame.env:
            return frame.env[node.id]
        if node.id in frame.unsure:
            raise frame.error(node, f"{frame.unsure[node.id]}; symgrad needs every name defined on every path",
                              f"assign {node.id} before the `if` or loop too")  # fmt: skip
        if node.id in frame.local_names:
            raise frame.error(
                node, f"{node.id!r} is used before it is assigned",
                f"assign {node.id} earlier; a name assigned anywhere in a function is local to all of it, as in Python",
            )  # fmt: skip
        obj = resolve.lookup(frame.src.fun, node.id)
        if obj is resolve.MISSING:
            raise frame.error(node, f"name {node.id!r} is not defined",
                              "define it at module level before the first call")  # fmt: skip
        return self._object(obj)

    def attribute(self, frame: Frame, node: ast.Attribute, base):
        if isinstance(base, Structured):
            return self.object_attribute(frame, node, base)  # objects.py: an attribute of an object argument
        if isinstance(base, Var) and base.kind in ("item", "list"):
            name = ast.unparse(node.value)
            raise self.needs_structure(frame, node, f"attribute {node.attr!r} of {name}: here {name} is a number or "
                                       "a list of numbers, not an object")  # fmt: skip
        if isinstance(base, resolve.Module):
            obj = getattr(base.module, node.attr, resolve.MISSING)
            if obj is resolve.MISSING:
                raise frame.error(
                    node, f"module {base.module.__name__!r} has no attribute {node.attr!r}", "check the spelling"
                )
            return self._object(obj)
        raise frame.error(
            node, f"attribute {node.attr!r} of {describe(base)} is not supported",
            "use numbers, the supported ops and module constants like math.pi",
        )  # fmt: skip

    def _object(self, obj):
        resolved = resolve.classify(obj, self.op_table)
        if isinstance(resolved, resolve.Number):
            return Const(resolved.value)
        numbers = _number_tuple(obj)
        return Const(numbers) if numbers is not None else resolved

    def emit(self, frame: Frame, node: ast.AST, op: str, *args):
        """Emit `op(*args)` for the expression `node`; constants that Python would turn into a complex number
        or an int too large for a float are rejected here, at the user's expression."""
        result = self.b.at(frame.loc(node)).emit(op, *args)
        return self._checked(frame, node, result, op, args)

    def _checked(self, frame: Frame, node: ast.AST, result, op: str | None = None, args=()):
        if isinstance(result, Const) and isinstance(result.value, int):
            try:
                float(result.value)
            except OverflowError:
                raise frame.error(node, "this integer constant is too large to become a float",
                                  "use a float literal, or rescale the problem") from None  # fmt: skip
        elif op is not None and args and all(isinstance(a, Const) for a in args):
            try:
                value = REGISTRY[op].forward(*(a.value for a in args))
            except (ArithmeticError, ValueError):
                return result  # the generated code raises it at run time, as the plain function does
            if isinstance(value, complex):
                raise frame.error(node, f"this constant expression is the complex number {value!r}",
                                  "symgrad differentiates real functions: use a real constant") from None  # fmt: skip
        return result

    def scalar(self, frame: Frame, node: ast.AST, value, what: str):
        if isinstance(value, Var) and value.kind == "item":
            value.kind = "scalar"  # a parameter or list element used as a number
        if (isinstance(value, Var) and value.kind != "list") or (
            isinstance(value, Const) and not isinstance(value.value, tuple)
        ):
            return value
        raise frame.error(node, f"{what} must be a number, but it is {describe(value)}",
                          "symgrad differentiates functions of numbers that return one number")  # fmt: skip


def _arithmetic(node: ast.expr) -> bool:
    """A binary operator or a unary `-`/`+` (`not` is a condition)."""
    kind = node.__class__
    return kind is ast.BinOp or (kind is ast.UnaryOp and node.op.__class__ is not ast.Not)


def _number_tuple(obj):
    """A (nested) tuple of plain numbers for a module-level list or tuple of numbers (read when compiling, as
    the constant it is then), else None."""
    if type(obj) not in (tuple, list):
        return None
    items = []
    for item in obj:
        number = resolve.as_number(item)
        if number is None:
            number = _number_tuple(item)
            if number is None:
                return None
        items.append(number)
    return tuple(items)
