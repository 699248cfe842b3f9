"""The state of one function being lowered (the top function or an inlined callee): its source, its names.

Assumes `source.Source` of a function that passed `fence.check`. Guarantees: `loc` and `error` point into that
function's own file, so an inlined helper's errors point into the helper.
"""

from __future__ import annotations

import ast

from ...errors import UnsupportedSyntax
from ...ir import Loc
from ...source import Source


class Frame:
    """The state of one function being lowered (the top function or an inlined callee)."""

    def __init__(self, src: Source, env: dict):
        self.src = src
        self.env = env
        self.mentioned, assigned = _names(src.node)
        self.local_names = set(env) | assigned
        self.name = getattr(src.node, "name", "<lambda>")
        self.unsure: dict[str, str] = {}  # names not defined on every path here -> why, for the error

    def loc(self, node: ast.AST) -> Loc:
        line = node.lineno
        return Loc(self.src.filename, line, self.src.column(node), self.src.line(line), self.name)

    def error(self, node: ast.AST, message: str, hint: str = "") -> UnsupportedSyntax:
        return self.src.error(node, message, hint)


def _names(node: ast.AST) -> tuple[set[str], set[str]]:
    """Every name the function's code mentions, and the names it assigns (its locals), in one walk (its own:
    ast.walk's generic child iteration is most of the cost on a long function)."""
    mentioned, assigned = set(), set()
    stack = [node]
    fields_of = _FIELDS
    while stack:
        child = stack.pop()
        kind = type(child)
        if kind is ast.Name:
            mentioned.add(child.id)
            if child.ctx.__class__ is ast.Store:
                assigned.add(child.id)
            continue
        if kind is ast.Constant:
            continue
        if kind is ast.arg:
            mentioned.add(child.arg)
        elif kind is ast.FunctionDef:
            mentioned.add(child.name)
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = tuple(f for f in kind._fields if f not in ("ctx", "op"))  # never names
        for name in fields:
            value = getattr(child, name, None)
            if value.__class__ is list:
                stack += [item for item in value if isinstance(item, ast.AST)]
            elif isinstance(value, ast.AST):
                stack.append(value)
    return mentioned, assigned


_FIELDS: dict[type, tuple[str, ...]] = {}  # node type -> the fields that can hold nodes with names
