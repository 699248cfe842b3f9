"""symgrad: plain Python math in, standalone readable value-and-gradient code out.

This module is the public surface (see API.md); everything else in the package is internal.
"""

from .api import grad, value_and_grad
from .checking import check, compare
from .drawing import graph
from .errors import CheckInconclusive, GradientMismatch, SymgradError, UnsupportedSyntax
from .ops import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    copysign,
    cos,
    cosh,
    erf,
    erfc,
    exp,
    expm1,
    fabs,
    floor,
    hypot,
    log,
    log1p,
    log2,
    log10,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
    trunc,
)
from .sympy_bridge import to_sympy
from .tape import Value

__version__ = "0.1.0"

__all__ = [
    "CheckInconclusive",
    "GradientMismatch",
    "SymgradError",
    "UnsupportedSyntax",
    "Value",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "check",
    "compare",
    "copysign",
    "cos",
    "cosh",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "fabs",
    "floor",
    "grad",
    "graph",
    "hypot",
    "log",
    "log1p",
    "log2",
    "log10",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "to_sympy",
    "trunc",
    "value_and_grad",
]
