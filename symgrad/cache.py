"""The persistent compile cache: generated module text kept on disk across processes.

On by default; `SYMGRAD_CACHE=0` turns it off, `SYMGRAD_CACHE_DIR` moves it (default: `$XDG_CACHE_HOME/symgrad`,
else `~/.cache/symgrad`).

Guarantees:
- A cached module is served only for exactly the same input. The key digests symgrad's own code (every source
  and template file of the installed package, not just its version number), Python's version, the request
  (parameters differentiated, result shape, specialization key), the function's source text, file, line and
  defaults, and everything its code can reach by name: the source of every plain function it refers to
  (helpers it may inline, followed transitively), the value of every module-level number, bool, string, None,
  tuple or list it reads (and of every attribute it reads from a module it refers to), and closure cells
  alike. Anything the key cannot describe by value (an object of another type) turns caching off for that
  function rather than risk a stale module.
- The module's code object is kept beside its text (marshal, valid for this Python only, which is in the key)
  and used only with the very text it was compiled from (its header holds the text's digest), so loading a
  large module does not compile it again.
- Files are written atomically (a temporary file in the same directory, then `os.replace`), readable by their
  owner only. A truncated, corrupt or foreign file (its first line is not the header with this very key) is
  ignored, and rewritten by the next compilation.
- Cached files are executed, so the directory is used only if it is a real directory (not a symlink) owned by
  this user and writable by no one else; it is created with mode 0700. Otherwise the cache is silently off.
- Any error of the file system makes the cache a no-op: compilation never fails because of the cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import linecache
import marshal
import os
import stat
import sys
import tempfile
import types
from importlib import resources

from . import load as loader
from .pipeline import compile_function
from .pycode import code_names, plain_function
from .structure import has_classes

_HEADER = "# symgrad cache "


def enabled() -> bool:
    return os.environ.get("SYMGRAD_CACHE", "1") != "0"


def directory() -> str | None:
    """The cache directory, created if missing; None when it must not be used."""
    path = os.environ.get("SYMGRAD_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "symgrad")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None  # a symlink or a file: not ours to trust
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None  # another user could plant a module that we would execute
    return path


@functools.cache
def _symgrad_digest() -> str:
    """A digest of symgrad's own code and templates: any change to the compiler changes every key."""
    digest = hashlib.sha256()
    for package in ("symgrad", "symgrad.templates"):
        root = resources.files(package)
        files = sorted(_files(root), key=lambda item: item[0])
        for name, entry in files:
            digest.update(name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()


def _files(root, prefix=""):
    for entry in root.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _files(entry, name + "/")
        elif entry.name.endswith((".py", ".tmpl")):
            yield name, entry


class Uncacheable(Exception):
    """The function reaches something the key cannot describe by value."""


def _source_lines(code: types.CodeType) -> str:
    """The lines of the file a function's code spans, decorators included, as linecache has them (rechecked
    against the file, as inspect does). Cheaper than inspect.getsource, which tokenizes the whole function:
    a function of 10,000 lines costs a second there."""
    last = code.co_firstlineno
    work = [code]
    while work:
        current = work.pop()
        last = max([last, *(line for _, _, line in current.co_lines() if line is not None)])
        work.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename)
    if len(lines) < last:
        raise Uncacheable(f"no source for {code.co_name}")
    return "".join(lines[code.co_firstlineno - 1 : last])


def _value_text(obj, depth: int = 0) -> str:
    """A deterministic text of a constant's value, or Uncacheable."""
    if obj is None or isinstance(obj, bool | int | float | str | complex):
        return f"{type(obj).__name__}:{obj!r}"
    if isinstance(obj, list | tuple) and depth < 8:
        return f"{type(obj).__name__}[" + ",".join(_value_text(e, depth + 1) for e in obj) + "]"
    tolist = getattr(obj, "tolist", None)  # a NumPy array or scalar: its values, whatever its repr truncates
    if callable(tolist) and type(obj).__module__ == "numpy":
        return f"numpy.{type(obj).__name__}:{getattr(obj, 'dtype', '')}:" + _value_text(tolist(), depth + 1)
    raise Uncacheable(type(obj).__qualname__)


class _Describer:
    def __init__(self):
        self.parts: list[str] = []
        self.seen: set[int] = set()
        self.keep: list[object] = []

    def function(self, fun: types.FunctionType) -> None:
        work = [fun]
        while work:
            current = work.pop()
            if id(current) in self.seen:
                continue
            self.seen.add(id(current))
            self.keep.append(current)
            code = current.__code__
            source = _source_lines(code)
            self.parts.append(
                f"def {current.__module__}.{current.__qualname__} {code.co_filename}:{code.co_firstlineno}"
            )
            self.parts.append(source)
            self.parts.append("defaults " + _value_text(current.__defaults__ or ()))
            kwdefaults = current.__kwdefaults__ or {}
            self.parts.append("kwdefaults " + _value_text(sorted(kwdefaults.items())))
            names = code_names(code)
            scope = dict(current.__globals__)
            if current.__closure__:
                for name, cell in zip(code.co_freevars, current.__closure__, strict=True):
                    try:
                        scope[name] = cell.cell_contents
                    except ValueError:
                        scope.pop(name, None)
            for name in names:
                if name not in scope:
                    self.parts.append(f"{name} = <not global>")  # a builtin, an attribute or undefined yet
                    continue
                work.extend(self.name(name, scope[name], names))

    def name(self, name: str, obj, names) -> list[types.FunctionType]:
        """Describe a global `name` bound to `obj`; the plain functions it leads to, to describe in turn."""
        obj = plain_function(obj) or obj  # a symgrad-decorated helper is inlined as its plain function
        if isinstance(obj, types.FunctionType):
            library = _library_version(obj)
            if library is not None:  # installed library code: named, with the library's version
                self.parts.append(f"{name} = library function {obj.__module__}.{obj.__qualname__} {library}")
                return []
            self.parts.append(f"{name} = function")
            return [obj]
        if isinstance(obj, types.ModuleType):
            self.parts.append(f"{name} = module {obj.__name__}")
            found = []
            for attribute in names:
                if hasattr(obj, attribute):
                    value = getattr(obj, attribute)
                    found += self.name(f"{name}.{attribute}", value, names) if _describable(value) else []
            return found
        if isinstance(obj, types.BuiltinFunctionType) or type(obj).__name__ in ("ufunc", "_ArrayFunctionDispatcher"):
            self.parts.append(f"{name} = builtin {getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}")
            return []
        if isinstance(obj, type):
            if not _is_library_class(obj):  # its methods are code this key does not describe
                raise Uncacheable(f"the class {obj.__qualname__}")
            self.parts.append(f"{name} = type {obj.__module__}.{obj.__qualname__}")
            return []
        self.parts.append(f"{name} = {_value_text(obj)}")
        return []


def _library_version(fun: types.FunctionType) -> str | None:
    """For a function of the standard library or an installed package, the version it comes with; None for the
    user's own code (described by its source)."""
    top = (fun.__module__ or "").split(".")[0]
    if top == "symgrad":
        return "(symgrad's own code is in every key)"
    if top in sys.stdlib_module_names:
        return sys.version
    filename = fun.__code__.co_filename
    if "site-packages" in filename or "dist-packages" in filename:
        module = sys.modules.get(top)
        return f"{top} {getattr(module, '__version__', '?')}"
    return None


def _is_library_class(cls: type) -> bool:
    """A class of Python itself, the standard library, symgrad or an installed package (fixed by versions the
    key holds), not one of the user's."""
    top = (cls.__module__ or "").split(".")[0]
    if top in ("builtins", "symgrad") or top in sys.stdlib_module_names:
        return True
    filename = getattr(sys.modules.get(cls.__module__), "__file__", None) or ""
    return "site-packages" in filename or "dist-packages" in filename


def _describable(value) -> bool:
    """An attribute of a module worth describing: what user code can read from it (not submodules' contents)."""
    return not isinstance(value, types.ModuleType)


def key(fun: types.FunctionType, request: tuple) -> str | None:
    """The cache key of compiling `fun` for `request`, or None when it cannot be cached."""
    describer = _Describer()
    try:
        describer.function(fun)
    except Uncacheable:
        return None
    digest = hashlib.sha256()
    for part in (_symgrad_digest(), sys.version, repr(request), *describer.parts):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def load(cache_key: str) -> tuple[dict, str] | None:
    """(the header, the module text) cached under `cache_key`, or None (missing, unreadable, truncated or
    foreign: the header names the key and the length of the text that follows)."""
    folder = directory()
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, cache_key + ".py"), encoding="utf-8", newline="") as file:
            text = file.read()
        first, _, body = text.partition("\n")
        if not first.startswith(_HEADER):
            return None
        header = json.loads(first[len(_HEADER) :])
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("key") != cache_key or header.get("length") != len(body):
        return None
    if not all(isinstance(header.get(field), str) for field in ("filename", "value_and_grad", "grad")):
        return None
    return header, body


def _code_header(cache_key: str, text: str) -> bytes:
    """The first line of a code file: its key and a digest of the text it was compiled from."""
    return f"symgrad code {cache_key} {hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}\n".encode()


def load_code(cache_key: str, text: str):
    """The code object compiled from `text`, kept beside it, or None (missing, foreign, or of another text)."""
    folder = directory()
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, cache_key + ".code"), "rb") as file:
            data = file.read()
        header = _code_header(cache_key, text)
        if not data.startswith(header):
            return None
        code = marshal.loads(data[len(header) :])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _write_atomically(folder: str, name: str, data: bytes) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, os.path.join(folder, name))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def store(cache_key: str, header: dict, text: str, code=None) -> None:
    """Write `text` (and its code object, if given) under `cache_key`, atomically; errors are ignored (the cache
    is an optimization). The code goes first: a text without its code is still served, compiled anew."""
    folder = directory()
    if folder is None:
        return
    if code is not None:
        _write_atomically(folder, cache_key + ".code", _code_header(cache_key, text) + marshal.dumps(code))
    first = _HEADER + json.dumps({"key": cache_key, "length": len(text), **header}, sort_keys=True)
    _write_atomically(folder, cache_key + ".py", (first + "\n" + text).encode("utf-8", "surrogatepass"))


class CachedModule:
    """A module loaded from the cache: `source`, `filename` and the two entry points at once; the IR (which the
    cache does not keep) is compiled again only if asked for."""

    def __init__(self, fun, wrt, bare, shapes, source, filename, value_and_grad, grad, target="python", reduce=None):
        self._request = (fun, wrt, bare, shapes, target, reduce)
        self.source = source
        self.filename = filename
        self.value_and_grad = value_and_grad
        self.grad = grad

    @functools.cached_property
    def _compiled(self):
        fun, wrt, bare, shapes, target, reduce = self._request
        return compile_function(fun, wrt, bare=bare, shapes=shapes, target=target, reduce=reduce)

    @property
    def ir(self):
        return self._compiled.ir


def compile_cached(fun, wrt: tuple[int, ...], *, bare: bool, shapes: dict | None = None, target="python", reduce=None):
    """`pipeline.compile_function`, through the persistent cache when it is on and the function can be keyed."""
    options = {"target": target, "reduce": reduce}
    if not enabled() or any(s[0] == "struct" and has_classes(s[1]) for s in (shapes or {}).values()):
        return compile_function(fun, wrt, bare=bare, shapes=shapes, **options)  # a class's methods are unkeyed
    request = (tuple(wrt), bare, tuple(sorted((shapes or {}).items())))
    if target != "python" or reduce is not None:  # the Python target's keys stay as they were
        request += (target, reduce)
    cache_key = key(fun, request)
    if cache_key is not None:
        found = load(cache_key)
        if found is not None:
            header, text = found
            try:
                namespace = loader.load(text, header["filename"], load_code(cache_key, text))
                entry_points = namespace[header["value_and_grad"]], namespace[header["grad"]]
            except Exception:  # a damaged file that still had the right header and length: compile anew
                pass
            else:
                return CachedModule(fun, wrt, bare, shapes, text, header["filename"], *entry_points, **options)
    compiled = compile_function(fun, wrt, bare=bare, shapes=shapes, **options)
    if cache_key is not None:
        names = {"filename": compiled.filename, "value_and_grad": compiled.value_and_grad.__name__,
                 "grad": compiled.grad.__name__}  # fmt: skip
        store(cache_key, names, compiled.source, compiled.code)
    return compiled


__all__ = ["CachedModule", "compile_cached", "directory", "enabled", "key", "load", "store"]
