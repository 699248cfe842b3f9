"""What a specialized module is compiled for, read off the arguments of a call, and the call through it.

Assumes the compiled module was lowered with `key_shapes(key, names)` (see `front.lower.core.lower`). Guarantees:
- `argument_key(args, wrt)` is a hashable key per argument: None for a number; `("list"|"tuple", n)` or the
  lengths of the elements for a list of lists (as before structured parameters); `("ndarray", shape)` for a
  NumPy float array passed to the compiled code as the (nested) list `.tolist()` gives, converted once per call
  (not element by element); `("struct", spec)` (`structure.spec_of`) for an object, a dict, a nested list or
  tuple that is differentiated, or a 2-D array that is differentiated: the compiled code receives the tuple of
  its float leaves. Exact types only: a list subclass is not a list;
- `entry(generated, key, ...)` calls the generated function with those conversions (`converter`), and rebuilds
  each gradient in its parameter's structure (`shaper`, with `structure.rebuild`; an ndarray's is a float64
  ndarray of its shape); the caller's values are only read.
"""

from __future__ import annotations

from . import structure
from .calling import MISMATCH, fast_entry
from .errors import SymgradError


def argument_key(args, wrt=None) -> tuple:
    wrt = () if wrt is None else wrt
    key = []
    for i, arg in enumerate(args):
        kind = type(arg)
        if kind is float or kind is int:
            key.append(None)
            continue
        if structure.is_array(arg):
            if arg.ndim == 1 or (arg.ndim == 2 and i not in wrt):
                structure.spec_of(arg, "an array argument")  # float arrays only
                key.append(("ndarray", arg.shape))
            else:
                key.append(("struct", structure.spec_of(arg, "an array argument")))
            continue
        if kind is list or kind is tuple:
            # judged by the first element (down the first elements of nested lists), as lengths always were: a
            # call must not walk a long list of numbers
            first = type(arg[0]) if arg else float
            if first is float or first is int:
                key.append(("list" if kind is list else "tuple", len(arg)))
            elif (i in wrt and first in (list, tuple) and structure.is_structured(arg)) or _holds_more(arg):
                key.append(("struct", structure.spec_of(arg, f"argument {i + 1}")))
            else:
                key.append(_list_key(arg, kind))
            continue
        if structure.is_structured(arg):
            key.append(("struct", structure.spec_of(arg, f"argument {i + 1}")))
            continue
        key.append(None)
    return tuple(key)


def _list_key(arg, kind) -> tuple:
    container = "list" if kind is list else "tuple"
    if arg and type(arg[0]) in (list, tuple):
        try:
            return (container, tuple(map(len, arg)))
        except TypeError:
            pass  # not a list of lists throughout: its elements stay run-time values
    return (container, len(arg))


def _holds_more(arg) -> bool:
    """Whether a list's first elements (down nested lists) are dicts, arrays or objects: data the general code
    cannot read (lists of numbers, nested or not, stay lists the compiled code may index at run time)."""
    item = arg
    while type(item) in (list, tuple):
        if not item:
            return False
        item = item[0]
    return structure.is_structured(item)


def has_structure(key) -> bool:
    return any(entry is not None and entry[0] in ("ndarray", "struct") for entry in key)


def key_shapes(key) -> list:
    """Per argument, what lowering is told (`lower(..., shapes)`): arrays as the lists they become."""
    shapes = []
    for entry in key:
        if entry is not None and entry[0] == "ndarray":
            shape = entry[1]
            entry = ("list", shape[0]) if len(shape) == 1 else ("list", (shape[1],) * shape[0])
        shapes.append(entry)
    return shapes


def entry(generated, key, wrt: tuple, bare: bool, with_value: bool):
    """`generated` called with the arguments converted as `key` says, gradients rebuilt in their structure:
    by straight-line code made for the key (`calling.fast_entry`, also as `.fast`), or, for arguments it does
    not take exactly (NumPy float leaves), by walking them; arguments of another structure are an error."""
    fast = fast_entry(generated, key, wrt, bare, with_value)
    slow = _walking_entry(generated, key, wrt, bare, with_value)

    def call(*args):
        result = fast(*args)
        if result is MISMATCH:
            if argument_key(args, wrt) != key:
                raise SymgradError("these arguments have another structure than the module was compiled for; "
                                   "call the decorated function, which compiles a module per structure")  # fmt: skip
            return slow(*args)
        return result

    call.fast = fast
    return call


def converter(key):
    """What turns a call's arguments into those the module compiled for `key` takes: an object's, a dict's or a
    nested list's float leaves as a tuple (depth-first), an array as the (nested) list `.tolist()` gives."""
    flat = [(i, e[1]) for i, e in enumerate(key) if e is not None and e[0] == "struct"]
    arrays = [i for i, e in enumerate(key) if e is not None and e[0] == "ndarray"]
    leaves = structure.leaves

    def convert(args):
        args = list(args)
        for i, spec in flat:
            args[i] = tuple(leaves(spec, args[i], []))
        for i in arrays:
            args[i] = args[i].tolist()
        return args

    return convert


def shaper(key, wrt: tuple, bare: bool):
    """What puts a gradient computed by the module for `key` back into its parameters' structure (an array's
    as a float64 array of its shape), or None where no differentiated parameter has one."""
    rebuilds = []
    for position, i in enumerate(wrt):
        e = key[i] if i < len(key) else None
        if e is not None and e[0] in ("struct", "ndarray"):
            rebuilds.append((position, ("array", e[1]) if e[0] == "ndarray" else e[1], e[0] == "ndarray"))
    if not rebuilds:
        return None
    rebuild = structure.rebuild

    def shaped(gradient):
        if bare:
            (position, spec, listed), = rebuilds  # fmt: skip
            return rebuild(spec, _flat(gradient) if listed else gradient)[0]
        gradient = list(gradient)
        for position, spec, listed in rebuilds:
            g = gradient[position]
            gradient[position] = rebuild(spec, _flat(g) if listed else g)[0]
        return tuple(gradient)

    return shaped


def _walking_entry(generated, key, wrt: tuple, bare: bool, with_value: bool):
    convert, shaped = converter(key), shaper(key, wrt, bare)
    if shaped is None:
        return lambda *args: generated(*convert(args))
    if with_value:

        def call(*args):
            value, gradient = generated(*convert(args))
            return value, shaped(gradient)

    else:

        def call(*args):
            return shaped(generated(*convert(args)))

    return call


def _flat(gradient) -> list:
    """A (nested) list gradient's floats in order: the gradient of an array passed as its `.tolist()`."""
    if gradient and type(gradient[0]) is list:
        return [g for row in gradient for g in row]
    return gradient


def describe_key(key, names) -> str:
    """Comment lines for a specialized module's text: how the caller's structured arguments reach it."""
    lines = []
    for name, e in zip(names, key, strict=False):
        if e is None or e[0] not in ("struct", "ndarray"):
            continue
        if e[0] == "ndarray":
            lines.append(f"# {name}: a NumPy float array of shape {e[1]}, passed as {name}.tolist(); its gradient "
                         "comes back as a float64 array of that shape")  # fmt: skip
            continue
        spec = e[1]
        lines.append(f"# {name}: {structure.describe(spec)}, passed as the tuple of its float leaves, in this order:")
        leaf_paths = structure.paths(spec, name)
        lines.extend(f"#     {path}" for path in leaf_paths)
        lines.append("#   and its gradient is rebuilt in the same structure (objects: a new instance of the same class "
                     "made without __init__, static attributes copied)")  # fmt: skip
    if not lines:
        return ""
    head = "# symgrad calls the functions above with these arguments converted (the rest pass unchanged):"
    return "\n".join([head, *lines]) + "\n"
