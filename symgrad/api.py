"""`grad` and `value_and_grad`: the decorators users call.

Guarantees (API.md): `@grad`, `@grad(wrt=...)` and `grad(f)` alike; `wrt` by name, index or a sequence of them,
checked when decorating; the result shape follows `wrt`; the original signature is kept (the generated function
has it, defaults and keyword calls work). The language check of the function's own body (the fence) runs when
the decorator is applied, and its `UnsupportedSyntax` is raised from the decorator with symgrad's frames cut;
compilation happens on first use (so helpers defined later in the module are found), once per function and
request, and its errors too come without symgrad's frames: the compiled module is cached per function object, and two
threads calling at once compile it once. `.source`, `.ir`, `.fun`, `__wrapped__` and `.export()` are on the
decorated object.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import os
import tempfile
import threading
import weakref
from collections.abc import Sequence

from . import fence
from .arguments import argument_key, describe_key, has_structure, key_shapes
from .arguments import entry as structured_entry
from .cache import compile_cached
from .calling import MISMATCH
from .emit import GENERATED_MARKER
from .errors import SymgradError, too_deep
from .fastcall import enable_vectorcall
from .pipeline import Compiled

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # fun -> {(wrt, bare): Compiled}
_cache_lock = threading.RLock()


def compiled_for(
    fun, wrt: tuple[int, ...], bare: bool, shapes: tuple = (), target: str = "python", reduce: str | None = None
) -> Compiled:
    """The compiled module for `fun` and this request, compiled at most once per process. `shapes` is a
    specialization key (`shape_key`), () for the general module; `target` and `reduce` as `grad` takes them."""
    with _cache_lock:
        per_function = _cache.setdefault(fun, {})
        key = (wrt, bare, shapes, target, reduce)
        if key not in per_function:
            names = list(inspect.signature(fun).parameters)
            lowered = key_shapes(shapes)  # arrays as the lists they become
            by_name = {names[i]: shape for i, shape in enumerate(lowered) if shape is not None and i < len(names)}
            try:
                per_function[key] = compile_cached(fun, wrt, bare=bare, shapes=by_name, target=target, reduce=reduce)
            except SymgradError as exc:  # the message has the user's file and line: symgrad's frames are noise
                raise exc.with_traceback(None) from None
            except RecursionError:  # deeper than even deep.run's retry allows
                raise too_deep(fun) from None
        return per_function[key]


def resolve_wrt(fun, wrt) -> tuple[tuple[int, ...], bool]:
    """Parameter indices to differentiate, and whether the gradient is one bare number (API.md's shapes)."""
    names = list(inspect.signature(fun).parameters)

    def index(item) -> int:
        if isinstance(item, str):
            if item not in names:
                raise SymgradError(f"wrt={item!r}: {fun.__name__}() has no parameter {item!r} (it has {names})")
            return names.index(item)
        if isinstance(item, int) and not isinstance(item, bool):
            if not -len(names) <= item < len(names):
                raise SymgradError(f"wrt={item}: {fun.__name__}() has {len(names)} parameters")
            return item % len(names)
        raise SymgradError(f"wrt takes parameter names or indices, not {item!r}")

    if wrt is None:
        return tuple(range(len(names))), len(names) == 1
    if isinstance(wrt, str | int) and not isinstance(wrt, bool):
        return (index(wrt),), True
    if isinstance(wrt, Sequence):
        indices = tuple(index(item) for item in wrt)
        if len(set(indices)) != len(indices):
            raise SymgradError(f"wrt={wrt!r} names a parameter twice")
        return indices, False
    raise SymgradError(f"wrt takes a parameter name, an index or a sequence of them, not {wrt!r}")


_STUB = compile("def stub(*args, **kwargs):\n    return _symgrad_first_call(*args, **kwargs)\n", "<symgrad>", "exec")


class GradFunction(functools.partial):
    """A function decorated by `grad` or `value_and_grad`: call it like the original.

    Calls cost one C-level hop: the object is a `functools.partial` of a stub function whose code is swapped,
    on the first call, for the generated function's code (the stub's globals receive the generated module's
    names). Until then, the stub compiles on demand.
    """

    def __new__(cls, fun, wrt, with_value: bool):
        if not inspect.isfunction(fun):
            raise SymgradError(
                f"symgrad differentiates Python functions defined with def or lambda, not {type(fun).__name__}"
            )
        namespace: dict = {}
        exec(_STUB, namespace)
        stub = namespace["stub"]
        stub.__name__, stub.__qualname__ = fun.__name__, fun.__qualname__  # "f() missing 1 required argument"
        self = super().__new__(cls, stub)
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._wrt, self._bare = resolve_wrt(fun, wrt)
        self._with_value = with_value
        self._namespace = namespace
        self._lock = threading.Lock()
        self._loaded = False
        namespace["_symgrad_first_call"] = self._first_call
        return self

    _target = "python"  # the target and reduction asked for (set by the decorator)
    _reduce = None

    @property
    def compiled(self) -> Compiled:
        return compiled_for(self.fun, self._wrt, self._bare, (), self._target, self._reduce)

    @property
    def batch(self):
        """target="numba": the entry point that loops over points in compiled code (each argument a 1-D array)."""
        return self._batch_entry(self.compiled, f"for target={self._target!r}")

    def _batch_entry(self, compiled, where: str):
        generated = compiled.value_and_grad if self._with_value else compiled.grad
        namespace = getattr(generated, "py_func", generated).__globals__  # a Numba dispatcher wraps py_func
        name = f"{generated.__name__}_batch"
        if name not in namespace:
            raise SymgradError(f"{self.fun.__name__} has no batch entry point {where}")
        return namespace[name]

    def _first_call(self, *args, **kwargs):
        stub = self.func
        with self._lock:
            if not self._loaded:
                compiled = self.compiled
                generated = compiled.value_and_grad if self._with_value else compiled.grad
                if not inspect.isfunction(generated):  # a compiled target's callable (Numba): the stub calls it
                    self._namespace["_symgrad_first_call"] = generated
                    self._loaded = True
                    return generated(*args, **kwargs)
                self._namespace.update(generated.__globals__)
                # a copy of the code object: CPython 3.11 specializes a code object's global lookups for one
                # globals dict, and two decorated objects of one function sharing it re-specialize at each switch
                stub.__code__ = generated.__code__.replace()
                stub.__defaults__ = generated.__defaults__
                stub.__kwdefaults__ = generated.__kwdefaults__
                self._loaded = True
        return stub(*args, **kwargs)

    @property
    def source(self) -> str:
        """The generated module, exactly the text that runs."""
        return self.compiled.source

    @property
    def ir(self):
        """The optimized value-and-gradient IR; print() it for the listing."""
        return self.compiled.ir

    @property
    def wrt(self) -> tuple[str, ...]:
        params = list(inspect.signature(self.fun).parameters)
        return tuple(params[i] for i in self._wrt)

    @property
    def request(self) -> tuple:
        """(kind, wrt indices, bare): what this function computes, for differentiating it again (higher.py)."""
        return ("value_and_grad" if self._with_value else "grad"), self._wrt, self._bare

    def export(self, path, *, overwrite: bool = False) -> str:
        """Write the generated module to `path` atomically; refuse to replace a file symgrad did not generate
        unless `overwrite=True`. Returns the path."""
        return export_text(self.source, path, overwrite=overwrite)

    def __reduce__(self):
        raise TypeError("symgrad's compiled functions cannot be pickled: export() the module instead")

    def __repr__(self) -> str:
        kind = "value_and_grad" if self._with_value else "grad"
        return f"<symgrad.{kind} of {self.fun.__qualname__}{inspect.signature(self.fun)} wrt {', '.join(self.wrt)}>"


MAX_SPECIALIZATIONS = 64
"""Past this many list-length combinations, a specialized function calls its general module."""


def shape_key(args, wrt=None) -> tuple:
    """Per argument: None for a number, else ("list" or "tuple", its length) -- or the lengths of its
    elements, for a list of lists; ("ndarray", shape) for a NumPy array; ("struct", spec) for an object, a dict,
    or a nested list among the differentiated parameters `wrt` (`arguments.argument_key`). Exact types only."""
    return argument_key(args, wrt)


class SpecializedGradFunction(GradFunction):
    """A `GradFunction` that compiles one module per combination of list lengths of its arguments (as JAX
    specializes on shapes): their elements get names of their own, constant-trip loops are unrolled and lists
    the function makes are tracked at compile time, so the code is straight-line where the budget allows
    (lower.UNROLL_BUDGET). Each call looks its lengths up first (about a microsecond)."""

    def __new__(cls, fun, wrt, with_value: bool):
        self = super().__new__(cls, fun, wrt, with_value)
        self._specialized: dict[tuple, object] = {}
        self._last_structured = None  # the fast entry of the last structured call (arguments.entry)
        self._signature = inspect.signature(fun)
        self._namespace["_symgrad_first_call"] = self._dispatch
        return self

    def _dispatch(self, *args, **kwargs):
        if kwargs:
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        fast = self._last_structured  # straight-line code that checks the last structure as it reads it
        if fast is not None:
            result = fast(*args)
            if result is not MISMATCH:
                return result
        key = shape_key(args, self._wrt)
        generated = self._specialized.get(key)
        if generated is None:
            generated = self._compile_for(key)
        self._last_structured = getattr(generated, "fast", None)
        return generated(*args)

    def _compile_for(self, key: tuple):
        with self._lock:
            if key not in self._specialized:
                structured = has_structure(key)  # no general module can take these arguments
                general = (len(self._specialized) >= MAX_SPECIALIZATIONS and not structured) or all(
                    k is None for k in key
                )
                compiled = (
                    self.compiled
                    if general
                    else compiled_for(self.fun, self._wrt, self._bare, key, self._target, self._reduce)
                )
                generated = compiled.value_and_grad if self._with_value else compiled.grad
                if structured:
                    generated = structured_entry(generated, key, self._wrt, self._bare, self._with_value)
                self._specialized[key] = generated
            return self._specialized[key]

    @property
    def batch(self):
        """target="numba": the loop over points of the module specialized on the lists' lengths, read off the
        batch arrays (a list's argument is a 2-D array whose rows are the points' lists), compiled per lengths."""
        if self._target != "numba":
            return super().batch

        def batch(*arrays):
            key = tuple(("list", a.shape[1]) if getattr(a, "ndim", 1) == 2 else None for a in arrays)
            compiled = compiled_for(self.fun, self._wrt, self._bare, key, self._target, self._reduce)
            return self._batch_entry(compiled, "for these lengths")(*arrays)

        return batch

    def specialized(self, *args, **kwargs) -> Compiled:
        """The module compiled for the lengths of these arguments (`.source`, `.ir` on it)."""
        if kwargs:
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        key = shape_key(args, self._wrt)
        compiled = compiled_for(self.fun, self._wrt, self._bare, key, self._target, self._reduce)
        if has_structure(key):
            return StructuredModule(compiled, key, list(self._signature.parameters), self)
        return compiled


class StructuredModule:
    """The module compiled for structured arguments: its text (with a closing comment on how the arguments are
    converted), its IR, and entry points that take the arguments as the caller passes them."""

    def __init__(self, compiled, key, names, decorated):
        self._compiled = compiled
        self.source = compiled.source + describe_key(key, names)
        self.filename = compiled.filename
        wrt, bare = decorated._wrt, decorated._bare
        self.value_and_grad = structured_entry(compiled.value_and_grad, key, wrt, bare, True)
        self.grad = structured_entry(compiled.grad, key, wrt, bare, False)

    @property
    def ir(self):
        return self._compiled.ir


class OnDemandGradFunction(SpecializedGradFunction):
    """`grad(f)` without `specialize=True`: the general module (swapped in at the first call, as `GradFunction`
    does) -- unless the first call passes a structured argument (an object, a dict, a NumPy array, a nested list
    that is differentiated), which only a module compiled for its structure can take: then it dispatches by
    structure and lengths from then on, as `specialize=True` does."""

    def __new__(cls, fun, wrt, with_value: bool):
        self = super().__new__(cls, fun, wrt, with_value)
        self._namespace["_symgrad_first_call"] = self._first_call
        return self

    def _first_call(self, *args, **kwargs):
        if self._target == "python" and not self._loaded:
            bound = args
            if kwargs:
                bound = self._signature.bind(*args, **kwargs)
                bound.apply_defaults()
                bound = bound.args
            if has_structure(shape_key(bound, self._wrt)):
                with self._lock:
                    self._namespace["_symgrad_first_call"] = self._dispatch
                return self._dispatch(*args, **kwargs)
        return GradFunction._first_call(self, *args, **kwargs)


# CPython 3.11 gives partial subclasses defined in Python no C-level calls (fastcall says why this is safe): with it,
# calling the decorated object costs about what calling the generated function does.
enable_vectorcall(GradFunction)
enable_vectorcall(SpecializedGradFunction)
enable_vectorcall(OnDemandGradFunction)  # what grad(f) makes without specialize=True


def export_text(text: str, path, *, overwrite: bool = False, how_to_force: str = "pass overwrite=True") -> str:
    """Write `text` to `path` atomically. A file symgrad did not generate is refused unless `overwrite`; the
    refusal says `how_to_force` (the command line says `pass --force`)."""
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        try:
            with open(path, encoding="utf-8") as existing:
                first = existing.readline()
        except (OSError, UnicodeDecodeError):
            first = ""
        if not first.startswith(GENERATED_MARKER):
            raise SymgradError(f"{path} exists and was not generated by symgrad; {how_to_force} to replace it")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".symgrad-", suffix=".py", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


TARGETS = {"python": None, "numpy": "numpy", "numba": "numba"}  # target -> the package its modules import


def check_target(target, reduce) -> None:
    """A SymgradError for a target or reduction `grad` does not know, or whose package is not installed."""
    if target not in TARGETS:
        raise SymgradError(f"target={target!r}: the targets are {', '.join(map(repr, TARGETS))}")
    if reduce not in (None, "sum"):
        raise SymgradError(f"reduce={reduce!r}: reduce is None (per point) or 'sum'")
    if reduce is not None and target != "numpy":
        raise SymgradError("reduce='sum' sums over the points of target='numpy'; pass target='numpy'")
    package = TARGETS[target]
    if package is not None and importlib.util.find_spec(package) is None:
        raise SymgradError(f"target={target!r} needs {package}: pip install 'symgrad[{package}]'")


def _decorator(with_value: bool):
    def decorate(fun=None, *, wrt=None, specialize=False, target="python", reduce=None):
        if fun is None:  # no frame of its own
            return functools.partial(decorate, wrt=wrt, specialize=specialize, target=target, reduce=reduce)
        check_target(target, reduce)
        decorated = (SpecializedGradFunction if specialize else OnDemandGradFunction)(fun, wrt, with_value)
        decorated._target, decorated._reduce = target, reduce
        error = fence.decoration_error(fun)
        if error is not None:
            raise error from None  # here, one frame under the user's decorator line
        return decorated

    return decorate


grad = _decorator(with_value=False)
grad.__name__ = grad.__qualname__ = "grad"
grad.__doc__ = """grad(fun=None, *, wrt=None, specialize=False): the gradient of `fun`, compiled to standalone Python.

Use as `@grad`, `@grad(wrt="x")` or `grad(f)`. Calling the result returns the gradient: one float for a single
parameter (or a single `wrt` name/index), else a tuple in parameter (or `wrt`) order. `specialize=True`
compiles one module per combination of the lengths of list arguments, with loops unrolled where their trip
counts are then known (`.specialized(*args)` gives that module)."""

value_and_grad = _decorator(with_value=True)
value_and_grad.__name__ = value_and_grad.__qualname__ = "value_and_grad"
value_and_grad.__doc__ = """value_and_grad(fun=None, *, wrt=None, specialize=False): like `grad`, but calls return
`(value, gradient)` from one fused function."""
