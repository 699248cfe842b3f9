"""Find and parse a function's source with absolute positions.

Assumes `inspect` can find the source (a file, or an IPython/Jupyter cell, which IPython keeps in `linecache`).
Guarantees: the returned AST node (a FunctionDef or a Lambda) carries absolute line numbers and columns of the
user's file, so every later error points at the right place; a function without retrievable source gets a
`SymgradError` that says why and what to do instead.
"""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import dataclass

from .errors import SymgradError, UnsupportedSyntax


@dataclass(frozen=True)
class Source:
    fun: object  # the Python function
    filename: str  # as the code object names it (full path, or a pseudo-name like <ipython-input-...>)
    node: ast.FunctionDef | ast.Lambda
    lines: dict[int, str]  # absolute line number -> text, for the function's own lines

    @property
    def display_file(self) -> str:
        return os.path.basename(self.filename)

    def line(self, lineno: int) -> str:
        return self.lines.get(lineno, "")

    def column(self, node: ast.AST) -> int:
        """The node's 0-based column in characters (ast counts UTF-8 bytes)."""
        line = self.line(getattr(node, "lineno", self.node.lineno))
        return len(line.encode("utf-8")[: getattr(node, "col_offset", 0)].decode("utf-8", errors="replace"))

    def error(self, node: ast.AST, message: str, hint: str = "") -> UnsupportedSyntax:
        lineno = getattr(node, "lineno", self.node.lineno)
        col = self.column(node)
        return UnsupportedSyntax(
            message, filename=self.filename, lineno=lineno, col=col, text=self.line(lineno), hint=hint
        )


_NO_SOURCE_HINT = (
    "symgrad reads a function's source: define it with `def` in a .py file or a notebook cell "
    "(IPython and Jupyter keep cell sources); a lambda or function typed at the plain Python prompt, "
    "built by exec() or compiled in C has no source to read"
)


def get_source(fun) -> Source:
    name = getattr(fun, "__qualname__", repr(fun))
    if not inspect.isfunction(fun):
        raise SymgradError(
            f"cannot differentiate {name}: it is a {type(fun).__name__}, not a Python function; {_NO_SOURCE_HINT}"
        )
    try:
        # The code object, not the function: inspect would follow a decorator's __wrapped__ to another function.
        raw_lines, first = inspect.getsourcelines(fun.__code__)
    except (OSError, TypeError) as exc:
        raise SymgradError(f"cannot read the source of {name} ({exc}); {_NO_SOURCE_HINT}") from None
    filename = fun.__code__.co_filename
    text = "".join(raw_lines)
    # Blank lines in front make the parser count absolute line numbers itself; an indented definition (a
    # method, a nested def) parses inside `if 1:` so columns stay absolute too.
    wrapped = text[:1].isspace()
    padding = "\n" * (first - 1 - (1 if wrapped else 0))
    try:
        module = ast.parse(padding + ("if 1:\n" + text if wrapped else text))
    except SyntaxError as exc:
        raise SymgradError(
            f"cannot isolate the source of {name} in {os.path.basename(filename)}:{first} ({exc.msg}); "
            "define it with `def` on lines of its own"
        ) from None
    lines = {first + i: line for i, line in enumerate(raw_lines)}
    node = _find_node(module, fun, first, name, filename)
    return Source(fun=fun, filename=filename, node=node, lines=lines)


def _find_node(module: ast.Module, fun, first: int, name: str, filename: str):
    code = fun.__code__
    if fun.__name__ == "<lambda>":
        arg_names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        candidates = [
            node
            for node in ast.walk(module)
            if isinstance(node, ast.Lambda)
            and [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs] == arg_names
        ]
    else:
        # the definition is the first statement (inside `if 1:` when indented); a decorator may sit above it
        top = module.body[0].body if module.body and isinstance(module.body[0], ast.If) else module.body
        candidates = [
            node
            for node in top
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == fun.__name__
        ]
        candidates.sort(key=lambda node: abs(node.lineno - code.co_firstlineno))
        candidates = candidates[:1]
    if len(candidates) != 1:
        raise SymgradError(
            f"cannot tell which lambda on {os.path.basename(filename)}:{first} is {name}; give it a name with `def`"
        )
    return candidates[0]
