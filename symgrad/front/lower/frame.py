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
    """Every name the function's code mentions, and the names it assigns (its locals), in one walk."""
    mentioned, assigned = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            mentioned.add(child.id)
            if isinstance(child.ctx, ast.Store):
                assigned.add(child.id)
        elif isinstance(child, ast.arg):
            mentioned.add(child.arg)
        elif isinstance(child, ast.FunctionDef):
            mentioned.add(child.name)
    return mentioned, assigned
