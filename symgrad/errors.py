"""The exceptions symgrad raises on purpose.

Guarantees: every error a user can provoke with bad input is a `SymgradError`. Rejected source is an
`UnsupportedSyntax`, which is also a `SyntaxError`, so Python's own traceback printer shows the user's file,
line, the source line and a caret; `str()` gives the same facts in `file:line:col: message` form plus a hint.
"""

from __future__ import annotations


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
