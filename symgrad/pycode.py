"""Facts about Python code objects, shared by the modules that look at a user's function from outside the
compiler (the persistent cache's key, the oracles' rebinding).

Guarantees: `code_names(code)` is every global and attribute name the code object and the code objects nested in
it (comprehensions, lambdas, inner functions) mention, sorted, so what is built from it is deterministic.
"""

from __future__ import annotations

import types


def code_names(code: types.CodeType) -> list[str]:
    names: set[str] = set()
    work = [code]
    while work:
        current = work.pop()
        names.update(current.co_names)
        work.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return sorted(names)
