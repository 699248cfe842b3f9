"""Straight-line Python, made once per specialization key, that calls a specialized module with structured
arguments: it checks that the arguments still have the key's structure while it reads their leaves, calls the
generated function, and rebuilds the gradients.

Assumes a key from `arguments.argument_key` and the generated function compiled for it. Guarantees: `fast(*args)`
returns the generated function's result with gradients in their parameters' structure, or `MISMATCH` (and has
called nothing) when an argument differs from the key in anything the key records: a type (by identity, classes
included), a length, a dict's keys, an array's shape or dtype kind, a static leaf's type or value, or a float leaf
that is not exactly a `float` (a NumPy float, say: the caller then takes the general path, which converts it). So a
call costs a few attribute reads and type checks per node, not a walk that builds the key: unpacking a list checks
its length (the ValueError is caught: no length test per list), one test per list covers its type and its floats',
and gradient objects get plain attribute stores where the class keeps `object.__setattr__` and defines none of the
names (else stores into `__dict__`, which bypass a frozen class's guard). What stays is about 100 ns per object made
and per object read (benchmarks/models.py prints it). The code is generated text compiled under a pseudo-filename;
the caller's values are only read.
"""

from __future__ import annotations

from . import structure

MISMATCH = object()


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.names: dict = {}  # objects the code refers to (classes, constants) -> their global names
        self.count = 0

    def fresh(self, stem: str = "v") -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, obj) -> str:
        for name, value in self.names.items():
            if value is obj:
                return name
        name = f"K{len(self.names)}"
        self.names[name] = obj
        return name

    def check(self, condition: str) -> None:
        self.lines.append(f"    if {condition}:")
        self.lines.append("        return MISMATCH")

    def read(self, spec, var: str) -> list[str]:
        """Check `var` against `spec`; the expressions of its float leaves, in order."""
        tag = spec[0]
        if tag == "float":
            self.check(f"type({var}) is not float")
            return [var]
        if tag == "static":
            kind, value = spec[1], spec[2]
            if value is None or kind is bool:
                self.check(f"{var} is not {value!r}")
            else:
                self.check(f"type({var}) is not {self.const(kind)} or {var} != {self.const(value)}")
            return []
        if tag == "array":
            self.check(f"type({var}) is not {self.const(_ndarray())} or {var}.shape != {spec[1]!r} or "
                       f"{var}.dtype.kind != 'f'")  # fmt: skip
            return [f"*{var}.ravel().tolist()"]
        if tag in ("list", "tuple"):
            children = spec[1]
            if not children:
                self.check(f"type({var}) is not {tag} or {var}")
                return []
            items = [self.fresh() for _ in children]
            # the unpacking checks the length (ValueError, TypeError: the caller returns MISMATCH); the type test
            # follows it, in one test with the floats' when the elements are floats
            self.lines.append(f"    {', '.join(items)}, = {var}")
            if all(child == structure.FLOAT for child in children):
                self.check(
                    " or ".join([f"type({var}) is not {tag}", *(f"type({item}) is not float" for item in items)])
                )
                return items
            self.check(f"type({var}) is not {tag}")
            return [leaf for child, item in zip(children, items, strict=True) for leaf in self.read(child, item)]
        if tag == "dict":
            keys, children = spec[1], spec[2]
            self.check(f"type({var}) is not dict or len({var}) != {len(keys)}")
            leaves = []
            for key, child in zip(keys, children, strict=True):
                item = self.fresh()
                self.lines.append(f"    {item} = {var}[{key!r}]")
                leaves += self.read(child, item)
            return leaves
        cls, names, children = spec[1], spec[2], spec[3]
        in_dict = _dict_names(cls, names) if cls.__dictoffset__ else set()
        if in_dict:  # its attributes exactly: one more would be another structure (its gradient has it too)
            attrs = self.fresh("d")
            self.check(f"type({var}) is not {self.const(cls)} or len({attrs} := {var}.__dict__) != {len(in_dict)}")
        else:
            self.check(f"type({var}) is not {self.const(cls)}")
        leaves = []
        for name, child in zip(names, children, strict=True):
            item = self.fresh()
            self.lines.append(f"    {item} = {attrs}[{name!r}]" if name in in_dict else f"    {item} = {var}.{name}")
            leaves += self.read(child, item)
        return leaves

    def build(self, spec, grads: list[str], at: int) -> tuple[str, int]:
        """An expression building a value of `spec` from the gradient names `grads[at:]`, and the position after
        it; objects are made by statements before it (no call per object)."""
        tag = spec[0]
        if tag == "float":
            return grads[at], at + 1
        if tag == "static":
            return self.const(spec[2]), at
        if tag == "array":
            n = structure.count(spec)
            np = self.const(_numpy())
            return f"{np}.array([{', '.join(grads[at : at + n])}], dtype={np}.float64).reshape({spec[1]!r})", at + n
        parts = []
        for child in spec[-1]:
            part, at = self.build(child, grads, at)
            parts.append(part)
        if tag == "list":
            return f"[{', '.join(parts)}]", at
        if tag == "tuple":
            return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})", at
        if tag == "dict":
            return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(spec[1], parts, strict=True)) + "}", at
        cls = spec[1]
        fields = "{" + ", ".join(f"{n!r}: {p}" for n, p in zip(spec[2], parts, strict=True)) + "}"
        if not cls.__dictoffset__:
            return f"_instance({self.const(cls)}, {fields})", at  # slots: set one by one
        made = self.fresh("o")
        self.lines.append(f"    {made} = _new({self.const(cls)})")
        in_dict = _dict_names(cls, spec[2])
        if _plain_stores(cls, spec[2]):  # `o.w = ...` is the fastest store, and here it is exactly a dict store
            self.lines.extend(f"    {made}.{n} = {p}" for n, p in zip(spec[2], parts, strict=True))
            return made, at
        attrs = self.fresh("d")
        self.lines.append(f"    {attrs} = {made}.__dict__")  # stores into it bypass __setattr__ (frozen classes)
        for n, p in zip(spec[2], parts, strict=True):
            self.lines.append(f"    {attrs}[{n!r}] = {p}" if n in in_dict else f"    _set({made}, {n!r}, {p})")
        return made, at


def _dict_names(cls, names) -> set:
    """The attribute names held in instances' `__dict__` (the others are slots)."""
    slots = set()
    for klass in cls.__mro__:
        value = klass.__dict__.get("__slots__", ())
        slots.update((value,) if isinstance(value, str) else value)
    return {n for n in names if n not in slots}


def _plain_stores(cls, names) -> bool:
    """Whether `obj.name = value` on an instance of `cls` only puts `value` in its `__dict__` for each of
    `names`: the class keeps object's `__setattr__`, and no class in its MRO defines the names (a property, a
    slot or another descriptor would take the store)."""
    if cls.__setattr__ is not object.__setattr__ or not cls.__dictoffset__:
        return False
    return all(name.isidentifier() and not any(name in klass.__dict__ for klass in cls.__mro__) for name in names)


def _instance(cls, fields: dict):
    """A new instance of `cls` made without `__init__`, holding `fields` (frozen dataclasses and slots too)."""
    new = object.__new__(cls)
    if hasattr(new, "__dict__"):
        new.__dict__.update(fields)
        return new
    for name, value in fields.items():
        object.__setattr__(new, name, value)
    return new


def _ndarray():
    import numpy  # an array was passed, so NumPy is there

    return numpy.ndarray


def _numpy():
    import numpy

    return numpy


def fast_entry(generated, key, wrt: tuple, bare: bool, with_value: bool):
    """The function `fast(*args)` described in the module docstring."""
    w = _Writer()
    n = len(key)
    w.lines.append(
        f"    {', '.join(f'a{i}' for i in range(n))}, = args" if n else "    if args:\n        return MISMATCH"
    )
    call_args = []
    for i, entry in enumerate(key):
        var = f"a{i}"
        if entry is None:
            w.check(f"type({var}) is not float and type({var}) is not int")
            call_args.append(var)
        elif entry[0] == "struct":
            leaves = w.read(entry[1], var)
            call_args.append(f"({', '.join(leaves)}{',' if len(leaves) == 1 else ''})")
        elif entry[0] == "ndarray":
            w.check(f"type({var}) is not {w.const(_ndarray())} or {var}.shape != {entry[1]!r} or "
                    f"{var}.dtype.kind != 'f'")  # fmt: skip
            call_args.append(f"{var}.tolist()")
        else:
            kind, shape = entry
            w.check(f"type({var}) is not {kind}")
            if isinstance(shape, tuple):
                w.check(f"tuple(map(len, {var})) != {shape!r}")
            else:
                w.check(f"len({var}) != {shape}")
            call_args.append(var)
    # the reading raises where an unpacking meets another length or a lookup another dict: not this structure
    reading = ["def fast(*args):", "    try:", *("    " + line for line in w.lines),
               "    except (ValueError, TypeError, KeyError, AttributeError):", "        return MISMATCH"]  # fmt: skip
    w.lines = reading
    if with_value:
        w.lines.append(f"    value, gradient = generated({', '.join(call_args)})")
        gradient = "gradient"
    else:
        w.lines.append(f"    result = generated({', '.join(call_args)})")
        gradient = "result"
    rebuilt = {}
    for position, i in enumerate(wrt):
        entry = key[i] if i < len(key) else None
        source = gradient if bare else f"{gradient}[{position}]"
        if entry is not None and entry[0] == "struct":
            names = [w.fresh("g") for _ in range(structure.count(entry[1]))]
            if names:
                w.lines.append(f"    {', '.join(names)}, = {source}")
            rebuilt[position] = w.build(entry[1], names, 0)[0]
        elif entry is not None and entry[0] == "ndarray":
            np = w.const(_numpy())
            rebuilt[position] = f"{np}.array({source}, dtype={np}.float64)"
    if rebuilt:
        if bare:
            shaped = rebuilt[0]
        else:
            parts = [rebuilt.get(p, f"{gradient}[{p}]") for p in range(len(wrt))]
            shaped = f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"
        w.lines.append(f"    return (value, {shaped})" if with_value else f"    return {shaped}")
    else:
        w.lines.append("    return (value, gradient)" if with_value else "    return result")
    text = "\n".join(w.lines) + "\n"
    namespace = {"MISMATCH": MISMATCH, "generated": generated, "_instance": _instance, "_new": object.__new__,
                 "_set": object.__setattr__}  # fmt: skip
    namespace.update(w.names)
    exec(compile(text, "<symgrad structured call>", "exec"), namespace)  # our own text, from the key
    fast = namespace["fast"]
    fast.text = text
    return fast
