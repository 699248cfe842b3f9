"""Run a user's function on another number type: a copy of it whose op calls are the reference's own.

Assumes `fun` is a plain Python function (or a symgrad-decorated one: its `.fun` is used). Guarantees:
`rebound(fun, table)` returns a new function with the same code, defaults and keyword defaults, whose globals
are a copy of `fun`'s in which
- every object that names an op by identity (`math.tanh`, `from math import exp as e`, `symgrad.tanh`,
  `numpy.tanh`; see `ops.callable_ops`) is replaced by `table[op_name]` when the table has that op;
- every module it refers to (`math`, `numpy`, `symgrad`, the user's own), however it is named, is replaced by
  a stand-in whose attributes are the real module's, rebound the same way when first used (`math.tanh`
  becomes the table's tanh; `math.pi` stays `math.pi`);
- a user-defined primitive (`symgrad.primitive`) becomes its forward function, rebound: a reference
  differentiates the forward's body with its own rules and never uses the user's derivative, which it checks;
- every plain function it refers to (helpers, inlined by the compiler) is rebound the same way, recursively
  (one copy per function, so recursion and mutual references keep working), and so is the function behind a
  symgrad-decorated helper;
- closure cells holding such objects are replaced by new cells.
The user's own globals, modules and functions are never modified.
"""

from __future__ import annotations

import math
import types

from ..ops import REGISTRY, callable_ops
from ..pycode import code_names, plain_function


class _ModuleStandIn(types.ModuleType):
    """A module seen from the rebound world: each attribute is the real one's, rebound (ops replaced, functions
    rebuilt over rebound globals), looked up when first used."""

    def __init__(self, real: types.ModuleType, rebinder: _Rebinder):
        super().__init__(real.__name__)
        self._real = real
        self._rebinder = rebinder

    def __getattr__(self, name: str):
        value = self._rebinder.resolve(getattr(self._real, name))
        setattr(self, name, value)
        return value


class _Rebinder:
    def __init__(self, table: dict[str, object]):
        self.table = table
        self.ops = callable_ops()
        self.functions: dict[int, types.FunctionType] = {}  # id(original) -> its rebound copy
        self.modules: dict[int, types.ModuleType] = {}
        self.keep_alive: list[object] = []  # the originals, so their ids stay unique while we map them
        # copies whose globals and cells are still the originals': filled by `resolve`, with a worklist rather
        # than recursion, since helpers can refer to helpers thousands of levels deep
        self.pending: list[tuple] = []

    def resolve(self, obj):
        """What `obj` becomes in the rebound world, every function it reaches rebound too."""
        result = self.value(obj)
        self.drain()
        return result

    def drain(self) -> None:
        while self.pending:
            self._fill(*self.pending.pop())

    def value(self, obj):
        """What `obj` becomes in the rebound world (a function's copy is filled in by `resolve`)."""
        op = self.ops.get(id(obj))
        if op is not None and op in self.table:
            return self.table[op]
        if op is not None and REGISTRY[op].primitive is not None:  # a user's primitive: its forward body, rebound
            return self.function(REGISTRY[op].primitive.forward)  # (never the user's derivative: it is checked)
        if isinstance(obj, types.ModuleType):
            return self.module(obj)
        function = plain_function(obj)  # a symgrad-decorated helper: its plain function, rebound
        if function is not None:
            return self.function(function)
        return obj

    def module(self, module: types.ModuleType) -> types.ModuleType:
        if id(module) not in self.modules:
            self.keep_alive.append(module)
            self.modules[id(module)] = _ModuleStandIn(module, self)
        return self.modules[id(module)]

    def function(self, fun: types.FunctionType) -> types.FunctionType:
        if id(fun) in self.functions:
            return self.functions[id(fun)]
        if (fun.__module__ or "").split(".")[0] == "symgrad":
            return fun  # symgrad's own op functions are polymorphic already
        namespace = dict(fun.__globals__)
        closure = None
        if fun.__closure__ is not None:
            closure = tuple(types.CellType() for _ in fun.__closure__)
        copy = types.FunctionType(fun.__code__, namespace, fun.__name__, fun.__defaults__, closure)
        copy.__kwdefaults__ = dict(fun.__kwdefaults__) if fun.__kwdefaults__ else None
        copy.__qualname__ = fun.__qualname__
        copy.__module__ = fun.__module__
        self.keep_alive.append(fun)
        self.functions[id(fun)] = copy  # before its names are filled: a helper may refer back to this function
        self.pending.append((fun, namespace, closure))
        return copy

    def _fill(self, fun: types.FunctionType, namespace: dict, closure) -> None:
        for name in code_names(fun.__code__):
            if name in namespace:
                namespace[name] = self.value(namespace[name])
        if closure is not None:
            for cell, original in zip(closure, fun.__closure__, strict=True):
                try:
                    cell.cell_contents = self.value(original.cell_contents)
                except ValueError:  # an empty cell stays empty
                    pass


def rebound(fun, table: dict[str, object]) -> types.FunctionType:
    """`fun` with its op calls replaced by `table`'s (op name -> function), in copies of its globals."""
    wrapped = getattr(fun, "fun", None)
    if isinstance(wrapped, types.FunctionType):
        fun = wrapped
    rebinder = _Rebinder(table)
    copy = rebinder.function(fun)
    rebinder.drain()
    return copy


def mpmath_ops() -> dict[str, object]:
    """The ops as mpmath functions, for evaluation at high precision."""
    import mpmath

    def sigmoid(x):
        return 1 / (1 + mpmath.exp(-x))

    def relu(x):
        return x if x > 0 else mpmath.mpf(0)

    def sign(x):
        return mpmath.mpf(1) if x > 0 else mpmath.mpf(-1) if x < 0 else mpmath.mpf(0)

    def copysign(x, y):
        return abs(x) if y > 0 or (y == 0 and math.copysign(1.0, float(y)) > 0) else -abs(x)

    names = ("tanh", "exp", "log", "sqrt", "sin", "cos", "expm1", "log1p", "tan", "asin", "acos", "atan", "sinh",
             "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "floor", "ceil")  # fmt: skip
    table = {name: getattr(mpmath, name) for name in names}

    def hypot(*args):  # any number of arguments, as math.hypot (mpmath's takes two)
        return mpmath.sqrt(mpmath.fsum(a * a for a in args))

    table.update(sigmoid=sigmoid, relu=relu, sign=sign, copysign=copysign, hypot=hypot)
    table.update(
        log2=lambda x: mpmath.log(x, 2),
        log10=mpmath.log10,
        atan2=mpmath.atan2,
        fabs=mpmath.fabs,
        trunc=lambda x: mpmath.floor(x) if x >= 0 else mpmath.ceil(x),
        exp2=lambda x: mpmath.power(2, x),
        cbrt=lambda x: mpmath.cbrt(x) if x >= 0 else -mpmath.cbrt(-x),  # the real cube root, as math.cbrt
        degrees=lambda x: x * 180 / mpmath.pi,
        radians=lambda x: x * mpmath.pi / 180,
    )
    return table


__all__ = ["mpmath_ops", "rebound"]
