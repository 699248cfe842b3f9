"""Loading generated module text as Python functions.

Guarantees: the text is compiled under a stable pseudo-filename (`<symgrad: QUALNAME from FILE:LINE>`) that is
registered in `linecache`, so a traceback through generated code shows the generated lines; the functions run
from exactly the text given (what `source` shows is what runs); nothing of symgrad is put in their globals.
"""

from __future__ import annotations

import linecache


def pseudo_filename(qualname: str, origin: str) -> str:
    return f"<symgrad: {qualname} from {origin}>"


def load(text: str, filename: str, code=None) -> dict:
    """Run the module text; `code`, when given, is its code object compiled under `filename` before (the
    persistent cache keeps it, since compiling a large module is most of loading it)."""
    if code is None:
        code = compile(text, filename, "exec")
    # An mtime of None tells linecache.checkcache to keep this entry (it has no file on disk to check).
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": "symgrad_generated"}
    exec(code, namespace)
    return namespace
