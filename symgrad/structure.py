"""Structured arguments: nested lists and tuples, dicts with string keys, NumPy float arrays, and objects whose
attributes hold such values, described by a hashable *spec* and flattened to their float leaves.

Assumes nothing of the compiler (it imports no other symgrad module but `errors`). Guarantees:
- `spec_of(value)` describes the structure completely: containers and their lengths, dict keys, array shapes,
  the class of every object (by identity) and its attribute names in order, and the value of every static leaf
  (int, bool, str, None: `(type, value)`, so 1, 1.0 and True differ). Two values with equal specs differ only in
  their float leaves, so one compiled module serves both; `leaves(spec, value)` lists those leaves depth-first
  (attributes in `vars()` order, arrays in C order) as plain floats;
- `rebuild(spec, floats, template)` builds a new value of the same structure from float leaves in that order:
  list -> list, tuple -> tuple, dict -> dict, ndarray -> float64 ndarray of the same shape, object -> a new
  instance of the same class made without calling `__init__` (`object.__new__`), static leaves copied. Nothing
  of the caller's value is mutated or shared (static leaves are immutable);
- a value that cannot be described (a function, a file, an int array, a 0-d array) raises `SymgradError`
  naming its path (`model.layers[0].act`) and what parameters may hold.
"""

from __future__ import annotations

import numbers
import types

from .errors import SymgradError

FLOAT = ("float",)
_STATIC_TYPES = (int, bool, str, type(None))
_NOT_OBJECTS = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType)


def is_array(value) -> bool:
    kind = type(value)
    return kind.__name__ == "ndarray" and kind.__module__ == "numpy"


def is_structured(value) -> bool:
    """Whether `value` needs a structure spec: not a number and not a flat list or tuple of numbers."""
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return False
    if kind is list or kind is tuple:
        return any(type(item) not in (float, int) and not isinstance(item, numbers.Real) for item in value)
    return not isinstance(value, numbers.Real)


def spec_of(value, path: str = "argument"):
    kind = type(value)
    if kind is float:
        return FLOAT
    if kind is bool or kind is int or kind is str or value is None:
        return ("static", kind, value)
    if kind is list or kind is tuple:
        return (kind.__name__, tuple(spec_of(item, f"{path}[{k}]") for k, item in enumerate(value)))
    if kind is dict:
        for key in value:
            if type(key) is not str:
                raise SymgradError(f"{path} has the key {key!r}: dict parameters need string keys")
        return ("dict", tuple(value), tuple(spec_of(item, f"{path}[{key!r}]") for key, item in value.items()))
    if is_array(value):
        if value.dtype.kind != "f" or value.ndim == 0:
            raise SymgradError(f"{path} is a NumPy array of dtype {value.dtype} and shape {value.shape}: array "
                               "parameters must be float arrays of 1 or more dimensions: xs.astype(float)")  # fmt: skip
        return ("array", value.shape)
    if isinstance(value, numbers.Integral):
        return ("static", int, int(value))  # NumPy ints
    if isinstance(value, numbers.Real) and not type(value).__module__.startswith("sympy"):
        return FLOAT  # NumPy floats, Fractions
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType):
        return ("static", kind, value)  # `self.act = tanh`: resolved when compiling, like a global function
    if isinstance(value, _NOT_OBJECTS) or kind.__module__ in ("builtins", "symgrad.tape"):
        raise SymgradError(
            f"{path} is {_a(kind.__name__)}: parameters hold numbers, lists and tuples, dicts with string keys, NumPy "
            "float arrays, and objects whose attributes hold such values"
        )
    names = _attribute_names(value, path)
    return ("object", kind, names, tuple(spec_of(getattr(value, n), f"{path}.{n}") for n in names))


def _attribute_names(obj, path: str) -> tuple:
    names = list(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                names.append(name)
    if not names:
        raise SymgradError(f"{path} is {_a(type(obj).__name__)} object with no attributes: nothing to differentiate")
    return tuple(names)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def count(spec) -> int:
    """How many float leaves a value of this spec has."""
    tag = spec[0]
    if tag == "float":
        return 1
    if tag == "static":
        return 0
    if tag == "array":
        n = 1
        for d in spec[1]:
            n *= d
        return n
    return sum(count(child) for child in spec[-1])


def leaves(spec, value, out: list) -> list:
    """Append the float leaves of `value` (whose spec is `spec`) to `out`, depth-first; returns `out`."""
    tag = spec[0]
    if tag == "float":
        out.append(float(value))
    elif tag == "array":
        out.extend(value.ravel().tolist())
    elif tag == "list" or tag == "tuple":
        for child, item in zip(spec[1], value, strict=True):
            leaves(child, item, out)
    elif tag == "dict":
        for child, item in zip(spec[2], value.values(), strict=True):
            leaves(child, item, out)
    elif tag == "object":
        for child, name in zip(spec[3], spec[2], strict=True):
            leaves(child, getattr(value, name), out)
    return out


def rebuild(spec, floats, at: int = 0):
    """A new value of structure `spec` whose float leaves are `floats[at:]`, and the position after them."""
    tag = spec[0]
    if tag == "float":
        return floats[at], at + 1
    if tag == "static":
        return spec[2], at
    if tag == "array":
        import numpy  # an array was passed, so NumPy is there

        n = count(spec)
        return numpy.array(floats[at : at + n], dtype=numpy.float64).reshape(spec[1]), at + n
    items = []
    for child in spec[-1]:
        item, at = rebuild(child, floats, at)
        items.append(item)
    if tag == "list":
        return items, at
    if tag == "tuple":
        return tuple(items), at
    if tag == "dict":
        return dict(zip(spec[1], items, strict=True)), at
    new = object.__new__(spec[1])  # without __init__, as API.md says; object.__setattr__ also passes frozen dataclasses
    for name, item in zip(spec[2], items, strict=True):
        object.__setattr__(new, name, item)
    return new, at


def paths(spec, name: str) -> list[str]:
    """The identifier naming each float leaf: `model_layers_0_neurons_1_w_2`, `p_w`, `W_1_0`."""
    out: list[str] = []

    def walk(spec, prefix):
        tag = spec[0]
        if tag == "float":
            out.append(prefix)
        elif tag == "array":
            import itertools

            for index in itertools.product(*(range(d) for d in spec[1])):
                out.append(prefix + "".join(f"_{k}" for k in index))
        elif tag in ("list", "tuple"):
            for k, child in enumerate(spec[1]):
                walk(child, f"{prefix}_{k}")
        elif tag == "dict":
            for key, child in zip(spec[1], spec[2], strict=True):
                walk(child, f"{prefix}_{_identifier(key)}")
        elif tag == "object":
            for attr, child in zip(spec[2], spec[3], strict=True):
                walk(child, f"{prefix}_{attr.strip('_') or 'attr'}")

    walk(spec, name)
    return out


def _identifier(key: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in key)
    return text or "key"


def has_classes(spec) -> bool:
    """Whether the spec holds a user's class or a function (code a persistent cache key cannot describe)."""
    tag = spec[0]
    if tag == "object" or (tag == "static" and callable(spec[2])):
        return True
    if tag in ("list", "tuple", "dict"):
        return any(has_classes(child) for child in spec[-1])
    return False


def describe(spec) -> str:
    """A short description for comments and messages: `an MLP (41 float leaves)`."""
    tag = spec[0]
    what = {"list": "a list", "tuple": "a tuple", "dict": "a dict", "float": "a float", "static": "a constant"}.get(tag)
    if tag == "array":
        what = f"a float array of shape {spec[1]}"
    if tag == "object":
        what = f"an object of class {spec[1].__qualname__}"
    return f"{what} ({count(spec)} float leaves)"
