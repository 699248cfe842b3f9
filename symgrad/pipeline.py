"""The compiler's stages on one screen: lower, reverse, optimize, emit, load.

Guarantees: `compile_function` is a pure function of the user's function and the request (which parameters,
which result shape), so its text is byte-identical for the same input; `stages` returns the IR after each
stage, for debugging and for the tests that check every pass keeps results bit-identical.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from . import load as loader
from .ir import Function
from .lower import lower
from .passes import optimize
from .reverse import reverse
from .targets.python import emit_module


@dataclass(frozen=True)
class Compiled:
    forward_ir: Function  # the lowered function, before differentiation
    ir: Function  # the optimized value-and-gradient IR
    source: str  # the generated module's text
    filename: str  # the pseudo-filename it was compiled under
    value_and_grad: object  # the generated <name>_value_and_grad
    grad: object  # the generated <name>_grad
    code: object = None  # the module's code object (the persistent cache keeps it)


def stages(fun, wrt: tuple[int, ...] | None = None, shapes: dict | None = None) -> dict[str, Function]:
    """The IR after each stage: 'lowered', 'reversed', 'optimized'."""
    if wrt is None:
        wrt = tuple(range(len(lower(fun).params)))
    lowered = lower(fun, shapes, wrt)
    reversed_ = reverse(lowered, wrt)
    return {"lowered": lowered, "reversed": reversed_, "optimized": optimize(reversed_)}


def compile_function(
    fun, wrt: tuple[int, ...], *, bare: bool, optimized: bool = True, shapes: dict | None = None
) -> Compiled:
    """`shapes`: specialize on list lengths (see `lower.lower`)."""
    # Compilation allocates many small objects that all stay alive until it ends; the cyclic garbage collector
    # would rescan them again and again (a third of the time of a 10,000-step chain). It is paused meanwhile.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compile(fun, wrt, bare=bare, optimized=optimized, shapes=shapes)
    finally:
        if paused:
            gc.enable()


def _compile(fun, wrt: tuple[int, ...], *, bare: bool, optimized: bool, shapes: dict | None) -> Compiled:
    lowered = lower(fun, shapes, wrt)
    differentiated = reverse(lowered, wrt)
    if optimized:
        differentiated = optimize(differentiated)
    text = emit_module(differentiated, bare=bare)
    origin = f"{differentiated.origin.file}:{differentiated.origin.line}"
    filename = loader.pseudo_filename(differentiated.qualname, origin)
    code = compile(text, filename, "exec")
    namespace = loader.load(text, filename, code)
    name = differentiated.name
    return Compiled(
        forward_ir=lowered,
        ir=differentiated,
        source=text,
        filename=filename,
        value_and_grad=namespace[f"{name}_value_and_grad"],
        grad=namespace[f"{name}_grad"],
        code=code,
    )


__all__ = ["Compiled", "compile_function", "stages"]
