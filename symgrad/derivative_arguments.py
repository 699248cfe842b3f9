"""Structured arguments (objects, dicts, nested lists, NumPy arrays) for the derivatives beyond the gradient.

Assumes a module compiled for an argument key (`arguments.argument_key`), whose arguments and gradients are
converted as `grad`'s are (`arguments.converter`, `arguments.shaper`). Guarantees (API.md, "Higher order"):
Hessian and Jacobian rows and columns run over the scalars of the differentiated parameters, flattened in order,
so those matrices come back as the module computes them; what has the gradient's structure has the parameters'
structure here too: `tangent=` and `vector=` are given that way (flattened here), the gradient of
`value_grad_and_hessian` and the result of `hvp` are rebuilt that way (an array's as a float64 array of its
shape, an object's as a new instance, as `grad` gives them). The caller's values are only read.
"""

from __future__ import annotations

from . import structure
from .arguments import converter, shaper

# what of each derivative's result has the gradient's structure: the whole result (hvp) or one position of it
GRADIENT_SHAPED = {"hvp": None, "value_grad_hessian": 1}


def entry(generated, kind: str, key: tuple, wrt: tuple, bare: bool, keyword: str | None):
    """`generated` (the entry point compiled for `key`) called with structured arguments."""
    arguments, gradient = converter(key), shaper(key, wrt, bare) or (lambda value: value)
    specs = [_leaf_spec(key[i]) if i < len(key) else None for i in wrt]

    def flat(spec, value):
        if spec is None:
            return value
        return tuple(structure.leaves(spec, value, []))

    def direction(value):  # shaped like the gradient, to the module's leaves
        if bare:
            return flat(specs[0], value)
        return tuple(flat(spec, item) for spec, item in zip(specs, value, strict=True))

    position = GRADIENT_SHAPED.get(kind, False)

    def call(*args, **extra):
        if keyword is not None:
            extra = {keyword: direction(extra[keyword])}
        result = generated(*arguments(args), **extra)
        if position is None:
            return gradient(result)
        if position is not False:
            result = list(result)
            result[position] = gradient(result[position])
            return tuple(result)
        return result

    return call


def _leaf_spec(key_entry):
    """The structure spec of a key entry: ("struct", spec) -> spec; ("ndarray", shape) -> an array spec."""
    if key_entry is None:
        return None
    return key_entry[1] if key_entry[0] == "struct" else ("array", key_entry[1])
