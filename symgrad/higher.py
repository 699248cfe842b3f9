"""Higher-order, directional and vector-valued derivatives: `hessian`, `value_grad_and_hessian`, `hvp`, `jvp`,
`jacobian`, `value_and_jacobian`, `grad(..., mode="forward")` and nesting (`grad(grad(f))`).

Assumes `api` for the first-order decorators (`grad`/`value_and_grad` of a plain function stay exactly theirs)
and `pipeline.compile_chain` for compiling. Guarantees (API.md, "Higher order ..."):
- each decorator works as `@hessian`, `@hessian(wrt=...)` and `hessian(f)`, takes `wrt=` as `grad` does, checks
  the function's own body when applied (the fence), and compiles on first use;
- a derivative object keeps the chain of requests it stands for, innermost first, so any symgrad-made
  function whose result is numbers can be differentiated again (`grad(grad(f))`, `jacobian(grad(f))`);
- list arguments: rows and columns of Hessians and Jacobians run over list elements, so these compile one
  module per combination of list lengths (as `specialize=True`); `.specialized(*args)` gives that module;
- `.source`, `.ir`, `.export()`, `.fun`, `__wrapped__` as on `grad`; calling costs one Python-level call more
  than the generated function (a bound method that looks the module up by the arguments' list lengths).
"""

from __future__ import annotations

import functools
import inspect
import threading

from . import api, derivative_arguments, fence
from .api import GradFunction, export_text, resolve_wrt, shape_key
from .arguments import key_shapes
from .derivatives import Request
from .errors import SymgradError, too_deep
from .pipeline import Compiled, compile_chain

MODES = ("reverse", "forward")
DIRECTION_KEYWORD = {"jvp": "tangent", "hvp": "vector"}


def _chain_of(base) -> tuple[object, tuple[Request, ...]]:
    """The user's function under `base`, and the requests `base` stands for (empty for a plain function)."""
    if isinstance(base, Derivative):
        return base.fun, base.chain
    if isinstance(base, GradFunction):
        kind, wrt, bare = base.request
        return base.fun, (Request(kind, wrt, bare),)
    if inspect.isfunction(base):
        return base, ()
    raise SymgradError(
        f"symgrad differentiates Python functions defined with def or lambda, and symgrad's own derivative "
        f"functions, not {type(base).__name__}"
    )


class Derivative:
    """A derivative of a function, compiled to standalone Python: call it like the original (plus `tangent=`
    for `jvp`, `vector=` for `hvp`)."""

    def __init__(self, base, kind: str, wrt=None, mode: str = "reverse"):
        if mode not in MODES:
            raise SymgradError(f"mode={mode!r}: symgrad has mode='reverse' (the default) and mode='forward'")
        fun, inner = _chain_of(base)
        indices, bare = resolve_wrt(fun, wrt)
        self.fun = fun
        self.kind = kind
        self.mode = mode
        self.chain = (*inner, Request(kind, indices, bare))
        self._signature = inspect.signature(fun)
        self._keyword = DIRECTION_KEYWORD.get(kind)
        self._modules: dict[tuple, object] = {}
        self._entries: dict[tuple, object] = {}  # the generated entry point per list-length key
        # The general module serves every call when the result's shape does not depend on list lengths (always
        # for jvp and hvp, and where the differentiated parameters are numbers): calls then skip the lookup.
        self._general = None
        self._needs_lengths = False
        self._lock = threading.Lock()
        functools.update_wrapper(self, fun)

    # --- compiling ---------------------------------------------------------------------------------------------

    def _compiled(self, key: tuple | None):
        """The module for a list-length key; None: the general module, for arguments of any length (it raises
        LengthsNeeded where the result's shape depends on them)."""
        with self._lock:
            found = self._modules.get(key)
            if found is None:
                names = list(self._signature.parameters)
                shapes = None
                if key is not None:  # arrays as the lists they become
                    lowered = key_shapes(key)
                    shapes = {names[i]: s for i, s in enumerate(lowered) if s is not None and i < len(names)}
                try:
                    found = compile_chain(self.fun, self.chain, shapes, self.mode)
                except SymgradError as exc:  # the message names the user's code: symgrad's frames are noise
                    raise exc.with_traceback(None) from None
                except RecursionError:
                    raise too_deep(self.fun) from None
                self._modules[key] = found
            return found

    def _entry(self, compiled):
        if isinstance(compiled, Compiled):
            return compiled.value_and_grad if self.kind == "value_and_grad" else compiled.grad
        return compiled.function

    def _split(self, args, kwargs):
        """The user's arguments (bound to the signature when given by keyword) and the direction keyword."""
        extra = {}
        if self._keyword is not None:
            if self._keyword not in kwargs:
                raise SymgradError(f"{self.fun.__name__}'s {self.kind} needs the keyword argument "
                                   f"{self._keyword}= (shaped like the gradient)")  # fmt: skip
            kwargs = dict(kwargs)
            extra[self._keyword] = kwargs.pop(self._keyword)
        if kwargs:
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        return args, extra

    def __call__(self, *args, **kwargs):
        general = self._general
        if general is not None:
            return general(*args, **kwargs)
        if kwargs and (self._keyword is None or len(kwargs) != 1 or self._keyword not in kwargs):
            args, kwargs = self._split(args, kwargs)
        elif self._keyword is not None and not kwargs:
            self._split(args, kwargs)  # raises: the direction is missing
        key = shape_key(args, self.chain[0].wrt)
        if any(entry is not None and entry[0] in ("ndarray", "struct") for entry in key):
            return self._structured(key)(*args, **kwargs)
        if not self._needs_lengths:
            try:
                general = self._entry(self._compiled(None))
            except SymgradError:  # lengths matter (or only specialized code compiles): one module per key
                self._needs_lengths = True
            else:
                self._general = general
                return general(*args, **kwargs)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = self._entry(self._compiled(key))
        return entry(*args, **kwargs)

    def _structured(self, key):
        """The entry point for arguments with structure (objects, dicts, nested lists, arrays): compiled for
        their structure, as `grad` compiles them (`derivative_arguments`)."""
        entry = self._entries.get(key)
        if entry is None:
            if len(self.chain) > 1:
                raise SymgradError(
                    f"{self.fun.__name__}: a derivative of a derivative of objects, dicts, arrays or nested lists is "
                    "not supported yet; pass numbers and lists of numbers, or differentiate once (hessian, hvp, "
                    "jvp and jacobian take structured arguments)"
                )  # fmt: skip
            last = self.chain[-1]
            generated = self._entry(self._compiled(key))
            entry = derivative_arguments.entry(generated, self.kind, key, last.wrt, last.bare, self._keyword)
            self._entries[key] = entry
        return entry

    # --- what users read -----------------------------------------------------------------------------------

    def specialized(self, *args, **kwargs):
        """The module compiled for the list lengths of these arguments (`.source`, `.ir` on it); the direction
        keyword of `jvp`/`hvp` may be given or left out."""
        if kwargs or self._keyword is not None:
            kwargs = {k: v for k, v in kwargs.items() if k != self._keyword}
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        return self._compiled(shape_key(args))

    @property
    def compiled(self):
        """The general module (arguments of any length), as `.source` and `.ir` show it."""
        return self._compiled(None)

    @property
    def source(self) -> str:
        return self.compiled.source

    @property
    def ir(self):
        return self.compiled.ir

    @property
    def wrt(self) -> tuple[str, ...]:
        names = list(self._signature.parameters)
        return tuple(names[i] for i in self.chain[-1].wrt)

    @property
    def request(self) -> tuple:
        last = self.chain[-1]
        return last.kind, last.wrt, last.bare

    def export(self, path, *, overwrite: bool = False) -> str:
        """Write the generated module to `path` atomically (see `grad`'s export)."""
        return export_text(self.source, path, overwrite=overwrite)

    def __reduce__(self):
        raise TypeError("symgrad's compiled functions cannot be pickled: export() the module instead")

    def __repr__(self) -> str:
        kinds = " of ".join(r.kind for r in reversed(self.chain))
        mode = ", mode='forward'" if self.mode == "forward" else ""
        return f"<symgrad.{kinds} of {self.fun.__qualname__}{self._signature} wrt {', '.join(self.wrt)}{mode}>"


def _decorator(kind: str, doc: str):
    def decorate(fun=None, *, wrt=None):
        if fun is None:
            return functools.partial(decorate, wrt=wrt)
        derivative = Derivative(fun, kind, wrt)
        _fence(fun)
        return derivative

    decorate.__name__ = decorate.__qualname__ = {"value_grad_hessian": "value_grad_and_hessian"}.get(kind, kind)
    decorate.__doc__ = doc
    return decorate


def _fence(fun) -> None:
    if inspect.isfunction(fun):
        error = fence.decoration_error(fun)
        if error is not None:
            raise error from None


def _is_derivative(fun) -> bool:
    return isinstance(fun, Derivative | GradFunction)


def _first_order(with_value: bool):
    plain = api.value_and_grad if with_value else api.grad
    kind = "value_and_grad" if with_value else "grad"

    def decorate(fun=None, *, wrt=None, specialize=False, mode="reverse", **options):
        if fun is None:
            return functools.partial(decorate, wrt=wrt, specialize=specialize, mode=mode, **options)
        if mode not in MODES:
            raise SymgradError(f"mode={mode!r}: symgrad has mode='reverse' (the default) and mode='forward'")
        if _is_derivative(fun) or mode == "forward":
            if options:
                raise SymgradError(f"{', '.join(options)}: not available with mode='forward' or nesting yet")
            derivative = Derivative(fun, kind, wrt, mode)
            _fence(fun)
            return derivative
        try:
            return plain(fun, wrt=wrt, specialize=specialize, **options)
        except SymgradError as error:  # the fence's error, one frame under the user's decorator line
            raise error.with_traceback(None) from None

    decorate.__name__ = decorate.__qualname__ = kind
    decorate.__doc__ = plain.__doc__ + (
        '\n\n`mode="forward"` computes the same gradient by forward (tangent) sweeps, one per scalar of the'
        " differentiated parameters (cheaper for few parameters). A symgrad-made function whose result is one"
        " number can be differentiated again: `grad(grad(f))`."
    )
    return decorate


grad = _first_order(with_value=False)
value_and_grad = _first_order(with_value=True)
hessian = _decorator(
    "hessian",
    """hessian(fun=None, *, wrt=None): the Hessian of `fun`, compiled to standalone Python (forward over reverse).

Calling it returns a float for one scalar parameter, else a tuple of rows; rows and columns run over the scalars
of the differentiated parameters in order (a list parameter's elements in order).""",
)
value_grad_and_hessian = _decorator(
    "value_grad_hessian",
    """value_grad_and_hessian(fun=None, *, wrt=None): `(value, gradient, hessian)` from one fused function.""",
)
hvp = _decorator(
    "hvp",
    """hvp(fun=None, *, wrt=None): Hessian-vector products: `hvp(f)(*args, vector=v)` is H @ v, shaped like the
gradient (`v` too). One forward sweep over the reverse sweep: about the cost of a few gradients.""",
)
jvp = _decorator(
    "jvp",
    """jvp(fun=None, *, wrt=None): `jvp(f)(*args, tangent=t)` is `(value, directional derivative along t)`; for a
function returning a tuple of numbers, `(values, derivatives)`. `t` has the gradient's structure.""",
)
jacobian = _decorator(
    "jacobian",
    """jacobian(fun=None, *, wrt=None): for a function returning a tuple of numbers, one row per result, one
column per scalar of the differentiated parameters (forward sweeps).""",
)
value_and_jacobian = _decorator(
    "value_and_jacobian",
    """value_and_jacobian(fun=None, *, wrt=None): `(values, jacobian)` from one fused function.""",
)

__all__ = [
    "Derivative", "grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad", "value_and_jacobian",
    "value_grad_and_hessian",
]  # fmt: skip
