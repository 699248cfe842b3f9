"""The compiler's stages on one screen: lower, reverse, optimize, emit, load.

Guarantees: `compile_function` is a pure function of the user's function and the request (which parameters,
which result shape), so its text is byte-identical for the same input; `stages` returns the IR after each
stage, for debugging and for the tests that check every pass keeps results bit-identical.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import collector, deep, derivatives
from . import load as loader
from .derivatives import Request
from .errors import SymgradError
from .ir import Function
from .lower import lower
from .passes import optimize
from .reverse import reverse
from .targets.numba import emit_module as emit_numba
from .targets.numpy import emit_module as emit_numpy
from .targets.python import emit_entry, emit_module

KEEP_IR_EQUATIONS = 20_000
"""Past this many equations, `Compiled` does not keep the optimized IR: it would stay alive through Python's
`compile()` of the module, the peak of memory (the 10,000-step chain: 90,000 equations, 30 MB beside compile()'s
own 128 MB), and as long as the function lives. `.ir` then compiles it again when asked, as the persistent
cache's modules do: the same IR, since compilation is deterministic."""


@dataclass(frozen=True)
class Compiled:
    kept_ir: Function | None  # the optimized value-and-gradient IR, or None where it was not kept (`ir`)
    source: str  # the generated module's text
    filename: str  # the pseudo-filename it was compiled under
    value_and_grad: object  # the generated <name>_value_and_grad
    grad: object  # the generated <name>_grad
    code: object = None  # the module's code object (the persistent cache keeps it)
    request: tuple = ()  # (fun, wrt, shapes, optimized): what `ir` compiles again if the IR was not kept

    @functools.cached_property
    def ir(self) -> Function:
        """The optimized value-and-gradient IR (for a large function compiled again at the first access)."""
        if self.kept_ir is not None:
            return self.kept_ir
        with collector.paused():
            return deep.run(_differentiated, *self.request)


def stages(fun, wrt: tuple[int, ...] | None = None, shapes: dict | None = None) -> dict[str, Function]:
    """The IR after each stage: 'lowered', 'reversed', 'optimized'."""
    if wrt is None:
        wrt = tuple(range(len(lower(fun).params)))
    lowered = lower(fun, shapes, wrt)
    reversed_ = reverse(lowered, wrt)
    return {"lowered": lowered, "reversed": reversed_, "optimized": optimize(reversed_)}


def compile_function(
    fun,
    wrt: tuple[int, ...],
    *,
    bare: bool,
    optimized: bool = True,
    shapes: dict | None = None,
    target: str = "python",
    reduce: str | None = None,
) -> Compiled:
    """`shapes`: specialize on list lengths (see `lower.lower`); `target`, `reduce`: see `emit`."""
    with collector.paused():  # (compilation's objects all live until it ends: scanning them is wasted)
        return deep.run(_compile, fun, wrt, bare=bare, optimized=optimized, shapes=shapes, target=target, reduce=reduce)


def emit(fn: Function, *, bare: bool, target: str = "python", reduce: str | None = None) -> str:
    """The module text for `target`: "python" (CPython), "numpy" (arrays of points; `reduce="sum"` sums over
    them), "numba" (the CPython module compiled by numba.njit)."""
    if target == "numpy":
        return emit_numpy(fn, bare=bare, reduce=reduce)
    if target == "numba":
        return emit_numba(fn, bare=bare)
    return emit_module(fn, bare=bare)


def _differentiated(fun, wrt, shapes: dict | None, optimized: bool) -> Function:
    # (the lowered IR is not kept: it would stay alive through Python's compile(), the peak of memory)
    differentiated = reverse(lower(fun, shapes, wrt), wrt)
    return optimize(differentiated) if optimized else differentiated


def _compile(fun, wrt, *, bare: bool, optimized: bool, shapes: dict | None, target: str, reduce) -> Compiled:
    differentiated = _differentiated(fun, wrt, shapes, optimized)
    text = emit(differentiated, bare=bare, target=target, reduce=reduce)
    origin = f"{differentiated.origin.file}:{differentiated.origin.line}"
    filename = loader.pseudo_filename(differentiated.qualname, origin)
    name = differentiated.name
    kept = differentiated if len(differentiated.body) <= KEEP_IR_EQUATIONS else None
    del differentiated  # (what is not kept is freed before compile(): nothing else refers to it)
    code = compile(text, filename, "exec")
    namespace = loader.load(text, filename, code)
    return Compiled(
        kept_ir=kept,
        source=text,
        filename=filename,
        value_and_grad=namespace[f"{name}_value_and_grad"],
        grad=namespace[f"{name}_grad"],
        code=code,
        request=(fun, wrt, shapes, optimized),
    )


# --- derivatives beyond the reverse-mode gradient (derivatives.py composes the transforms) ------------------

GRADIENTS = {"grad": False, "value_and_grad": True}  # kind -> with value


@dataclass(frozen=True)
class CompiledEntry:
    """A module with one entry point (a Hessian, a Jacobian, ...): its IR, text and function."""

    ir: Function
    source: str
    filename: str
    function: object
    layout: object  # the shape of the result, as derivatives.Built.layout


def build(fun, chain: tuple[Request, ...], shapes: dict | None = None, mode: str = "reverse"):
    """The IR for the last request of `chain` applied to the results of the ones before it (innermost first),
    starting from the user's `fun`: a `derivatives.Built`, or, for a gradient, its differentiated Function."""
    first = chain[0]  # shapes None: lengths unknown (the general module); derivatives needing them refuse
    primal = lower(fun, shapes or {}, first.wrt, results="any")
    scalar = primal.returns == "number"
    built = None
    for depth, request in enumerate(chain):
        if built is not None:
            primal, scalar = derivatives.primal_of(built, f"{primal.name}_{built.entry}")
        built = _apply(primal, scalar, request, shapes, mode if depth == len(chain) - 1 else "reverse")
    return built


def _apply(primal: Function, scalar: bool, request: Request, shapes: dict, mode: str):
    kind = request.kind
    if kind in GRADIENTS or kind in ("hessian", "value_grad_hessian", "hvp"):
        if not scalar:
            raise SymgradError(
                f"{primal.qualname} returns {len(primal.outs)} numbers; {kind} needs a function of one number: use "
                "symgrad.jacobian (or value_and_jacobian, jvp) for a function with several results"
            )
    if kind in GRADIENTS:
        return derivatives.gradient(primal, request, shapes, GRADIENTS[kind], mode)
    if kind in ("hessian", "value_grad_hessian"):
        return derivatives.hessian(primal, request, shapes, with_value=kind == "value_grad_hessian")
    if kind == "hvp":
        return derivatives.hvp(primal, request, shapes)
    if kind == "jvp":
        return derivatives.jvp(primal, request, shapes, scalar)
    if kind in ("jacobian", "value_and_jacobian"):
        return derivatives.jacobian(primal, request, shapes, scalar, with_value=kind == "value_and_jacobian")
    raise ValueError(f"unknown derivative kind {kind!r}")


def compile_chain(fun, chain: tuple[Request, ...], shapes: dict | None = None, mode: str = "reverse"):
    """Compile `build(...)`: a gradient (the last request is `grad` or `value_and_grad`) gives a `Compiled`
    with both gradient entry points, anything else a `CompiledEntry`."""
    return deep.run(_compile_chain, fun, chain, shapes, mode)


def _compile_chain(fun, chain, shapes, mode):
    with collector.paused():
        built = build(fun, chain, shapes, mode)
    fn = built.fn
    if built.entry in GRADIENTS:
        text = emit_module(fn, bare=chain[-1].bare)
    else:
        text = emit_entry(fn, entry=built.entry, doc=built.doc, layout=built.layout)
    origin = f"{fn.origin.file}:{fn.origin.line}"
    filename = loader.pseudo_filename(f"{fn.qualname}.{'.'.join(r.kind for r in chain)}", origin)
    code = compile(text, filename, "exec")
    namespace = loader.load(text, filename, code)
    if built.entry in GRADIENTS:
        return Compiled(
            kept_ir=fn, source=text, filename=filename, value_and_grad=namespace[f"{fn.name}_value_and_grad"],
            grad=namespace[f"{fn.name}_grad"], code=code,
        )  # fmt: skip
    return CompiledEntry(fn, text, filename, namespace[f"{fn.name}_{built.entry}"], built.layout)


__all__ = ["Compiled", "CompiledEntry", "build", "compile_chain", "compile_function", "stages"]
