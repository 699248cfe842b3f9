"""Find and parse a function's source with absolute positions.

Assumes `inspect` can find the source (a file, or an IPython/Jupyter cell, which IPython keeps in `linecache`).
Guarantees: the returned AST node (a FunctionDef or a Lambda) carries absolute line numbers and columns of the
user's file, so every later error points at the right place; a function without retrievable source gets a
`SymgradError` that says why and what to do instead.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import linecache
import os
import re
import weakref
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
        offset = getattr(node, "col_offset", 0)
        if line.isascii():  # bytes are characters (every equation asks this: the common case is cheap)
            return min(offset, len(line))
        return len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace"))

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


# id(code object) -> (a weak reference to it, node, lines): a function's source is read and parsed once per
# process. Keyed by the identity of the code object the running function executes (code objects compare equal
# across files when only comments differ): a file edited later is not what runs until it is reloaded, and
# reloading makes new code objects. A helper inlined at many calls is read once, not once per call.
_parsed: dict[int, tuple] = {}
# Only functions up to this many lines are kept: their ASTs are small (a 10,000-line function's is 35 MB, while
# a helper inlined at many calls is short). A longer one read with `keep_once` (the decorator's language check)
# is kept for one more read only: its compilation's, which then does not parse it again (160 ms at 10,000 lines).
MEMO_LINES = 400

# inspect's test for the line a definition starts on (inspect.findsource, for code objects)
_DEFINITION = re.compile(r"^(\s*def\s)|(\s*async\s+def\s)|(.*(?<!\w)lambda(:|\s))|^(\s*@)")


def get_source(fun, keep_once: bool = False) -> Source:
    """The function's parsed source. `keep_once`: a function too long to memoize is kept for the next read."""
    name = getattr(fun, "__qualname__", repr(fun))
    if not inspect.isfunction(fun):
        raise SymgradError(
            f"cannot differentiate {name}: it is a {type(fun).__name__}, not a Python function; {_NO_SOURCE_HINT}"
        )
    code = fun.__code__
    key = id(code)
    found = _parsed.get(key)
    if found is None or found[0]() is not code:
        node, lines = _parse(fun, code, name)
        if len(lines) <= MEMO_LINES or keep_once:
            _parsed[key] = (weakref.ref(code, lambda _, key=key: _parsed.pop(key, None)), node, lines)
    else:
        _, node, lines = found
        if len(lines) > MEMO_LINES:
            _parsed.pop(key, None)  # kept for this one read
    return Source(fun=fun, filename=code.co_filename, node=node, lines=lines)


def _source_lines(fun, code) -> tuple[list[str], int]:
    """The function's own lines (decorators included) and the number of the first, as inspect.getsourcelines
    gives them for the code object (not the function: inspect would follow a decorator's __wrapped__), without
    inspect.getmodule's search of every loaded module: the function's globals are the module linecache needs."""
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, fun.__globals__)
    start = code.co_firstlineno - 1
    if not lines or start >= len(lines):
        return inspect.getsourcelines(code)  # its error says why there is no source
    while start > 0 and not _DEFINITION.match(lines[start]):
        start -= 1
    if fun.__name__ != "<lambda>":
        # the last line with code first (cheap: a range per line), then the end of the last statement (an
        # instruction's end position each, six times as long on a long function: a closing bracket on a line of
        # its own has no code)
        for last_line in (_last_code_line, _last_line):
            last = last_line(code)
            if last is not None and last > start and _ends_at(lines, start, last):
                return lines[start:last], start + 1
    return inspect.getblock(lines[start:]), start + 1  # tokenizes the rest of the definition to find its end


def _ends_at(lines: list[str], start: int, last: int) -> bool:
    """Whether the definition starting at line index `start` ends on line `last` (1-based): the next line that
    is not blank or a comment is indented no deeper than the definition, or there is none. (Statements that
    make no code, a trailing `pass` or a lone string, would otherwise be cut off.)"""
    indent = len(lines[start]) - len(lines[start].lstrip())
    for line in itertools.islice(lines, last, None):
        text = line.strip()
        if text and not text.startswith("#"):
            return len(line) - len(line.lstrip()) <= indent
    return True


def _last_line(code) -> int | None:
    """The last line the function's code covers: the end of its last statement (a comprehension's code object
    lies inside it). Reading the definition up to there needs no tokenizer, which on a long function costs as
    much as parsing it."""
    return _latest(code, lambda c: (end for _, end, *_ in c.co_positions()))


def _last_code_line(code) -> int | None:
    """The last line on which the function's code has an instruction: a range per line, not a position per
    instruction, so cheaper than `_last_line`, and the same but where a statement's last line has no code."""
    return _latest(code, lambda c: (line for _, _, line in c.co_lines()))


def _latest(code, lines_of) -> int | None:
    """The largest of `lines_of(c)` (None where unknown) over `code` and the code objects nested in it."""
    found = [line for line in lines_of(code) if line is not None]
    found += [inner for c in code.co_consts if hasattr(c, "co_lines") and (inner := _latest(c, lines_of)) is not None]
    return max(found, default=None)


def _parse(fun, code, name: str):
    try:
        raw_lines, first = _source_lines(fun, code)
    except (OSError, TypeError) as exc:
        raise SymgradError(f"cannot read the source of {name} ({exc}); {_NO_SOURCE_HINT}") from None
    filename = code.co_filename
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
    return _find_node(module, fun, first, name, filename), lines


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
