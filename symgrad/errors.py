"""The exceptions symgrad raises on purpose.

Guarantees: every error a user can provoke with bad input is a `SymgradError`. Rejected source is an
`UnsupportedSyntax`, which is also a `SyntaxError`, so Python's own traceback printer shows the user's file,
line, the source line and a caret; `str()` gives the same facts in `file:line:col: message` form plus a hint.
`describe_object` names any Python object in a message without its `repr` (which may hold a memory address,
an id or set order), so messages are the same on every run.
"""

from __future__ import annotations

import linecache
import numbers
import types


class SymgradError(Exception):
    """Base class of every error symgrad raises deliberately."""


class UnsupportedSyntax(SymgradError, SyntaxError):
    """A construct outside the language symgrad differentiates.

    Attributes follow `SyntaxError`: `filename`, `lineno` (absolute, 1-based), `offset` (1-based column, as
    SyntaxError counts), `text` (the source line); plus `col` (0-based, as `ast` counts) and `hint`.
    """

    def __init__(self, message: str, *, filename: str, lineno: int, col: int, text: str, hint: str = ""):
        self.reason = message
        self.hint = hint
        self.col = col
        # SyntaxError's own fields, so Python's traceback printer shows the line and a caret; it prints only
        # `msg`, so the hint rides along there.
        full = f"{message} (hint: {hint})" if hint else message
        SyntaxError.__init__(self, full, (filename, lineno, col + 1, text.rstrip("\n") + "\n"))
        self.args = (self.__str__(),)

    def __str__(self) -> str:
        line = (self.text or "").rstrip("\n")
        stripped = line.lstrip()
        caret = " " * max(0, self.col - (len(line) - len(stripped))) + "^"
        out = f"{self.filename}:{self.lineno}:{self.col + 1}: {self.reason}\n    {stripped}\n    {caret}"
        if self.hint:
            out += f"\nhint: {self.hint}"
        return out


class GradientMismatch(SymgradError, AssertionError):
    """A compiled gradient disagrees with an independent reference (see `symgrad.check`)."""


class CheckInconclusive(SymgradError):
    """`symgrad.check` could not compare the compiled gradient with any independent reference at this point
    (the message says why each could not run). A check never reports agreement without a comparison."""


_MAX_LITERAL = 60


def describe_object(obj: object) -> str:
    """What `obj` is, in words fit for an error message and the same on every run: a module, class or function
    by its module and name (`the function numpy.sum`, `the class float`, `the module math`), a number, string,
    None or bool by its literal, a container by its type and size, anything else by its type (`an object of
    type mymodule.Thing`). Never a `repr` that could hold a memory address."""
    if obj is None or isinstance(obj, bool):
        return repr(obj)
    if isinstance(obj, numbers.Number):
        if type(obj).__module__ == "builtins":
            return repr(obj)
        text = str(obj)
        if len(text) <= _MAX_LITERAL and " at 0x" not in text:
            kind = type(obj)
            return f"the {_dotted(kind.__module__, kind.__qualname__)} {text}"
    if isinstance(obj, str | bytes):
        text = repr(obj)
        return text if len(text) <= _MAX_LITERAL else f"a {type(obj).__name__} of {len(obj)} characters"
    if isinstance(obj, types.ModuleType):
        return f"the module {obj.__name__}"
    if isinstance(obj, type):
        return f"the class {_dotted(obj.__module__, obj.__qualname__)}"
    if isinstance(obj, list | tuple | dict | set | frozenset):
        count = len(obj)
        return f"a {type(obj).__name__} of {count} item{'' if count == 1 else 's'}"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if callable(obj) and isinstance(name, str):
        module = getattr(obj, "__module__", None)
        if not isinstance(module, str):  # NumPy's ufuncs carry no __module__; their type's module says numpy
            module = type(obj).__module__
        kind = "method" if isinstance(obj, types.MethodType | types.BuiltinMethodType) and "." in name else "function"
        return f"the {kind} {_dotted(module, name)}"
    kind = type(obj)
    return f"an object of type {_dotted(kind.__module__, kind.__qualname__)}"


def _dotted(module: str | None, qualname: str) -> str:
    if not module or module == "builtins":
        return qualname
    return f"{module}.{qualname}"


def too_deep(fun) -> UnsupportedSyntax:
    """The error for a function whose helpers nest deeper than the compiler's recursion allows even on its deep
    retry (`deep.run`: about 7,000 levels of helpers calling helpers), at the function's `def` line."""
    code = fun.__code__
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    return UnsupportedSyntax(
        "this function nests too deeply for symgrad's compiler (helpers calling helpers thousands of levels "
        "deep, or blocks inside blocks as deep)",
        filename=code.co_filename, lineno=code.co_firstlineno, col=len(line) - len(line.lstrip()), text=line,
        hint="call helpers fewer levels deep: let one helper loop over the steps that a chain of helpers takes",
    )  # fmt: skip
