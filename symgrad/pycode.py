"""Facts about Python code objects, shared by the modules that look at a user's function from outside the
compiler (the persistent cache's key, the oracles' rebinding).

Guarantees: `code_names(code)` is every global and attribute name the code object and the code objects nested in
it (comprehensions, lambdas, inner functions) mention, sorted, so what is built from it is deterministic;
`plain_function(obj)` is the plain function a name stands for, seeing through symgrad's decorators (which are
inlined as the function they wrap).
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


def plain_function(obj) -> types.FunctionType | None:
    """The plain Python function `obj` stands for: itself, or the function a symgrad-decorated object wraps (its
    `.fun`, also its `__wrapped__`); None for anything else."""
    wrapped = getattr(obj, "fun", None)
    if isinstance(wrapped, types.FunctionType) and getattr(obj, "__wrapped__", None) is wrapped:
        return wrapped
    return obj if isinstance(obj, types.FunctionType) else None
