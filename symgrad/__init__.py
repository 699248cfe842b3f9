"""symgrad: plain Python math in, standalone readable value-and-gradient code out.

This module is the public surface (see API.md); everything else in the package is internal.
"""

from .api import grad, value_and_grad
from .checking import check, compare
from .drawing import graph
from .errors import CheckInconclusive, GradientMismatch, SymgradError, UnsupportedSyntax
from .ops import cos, exp, log, relu, sigmoid, sin, sqrt, tanh
from .sympy_bridge import to_sympy
from .tape import Value

__version__ = "0.1.0"

__all__ = [
    "CheckInconclusive",
    "GradientMismatch",
    "SymgradError",
    "UnsupportedSyntax",
    "Value",
    "check",
    "compare",
    "cos",
    "exp",
    "grad",
    "graph",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "to_sympy",
    "value_and_grad",
]
