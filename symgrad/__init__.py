"""symgrad: plain Python math in, standalone readable value-and-gradient code out.

This module is the public surface (see API.md); everything else in the package is internal.
"""

from .api import grad, value_and_grad
from .errors import GradientMismatch, SymgradError, UnsupportedSyntax
from .ops import cos, exp, log, relu, sigmoid, sin, sqrt, tanh

__version__ = "0.1.0"

__all__ = [
    "GradientMismatch",
    "SymgradError",
    "UnsupportedSyntax",
    "cos",
    "exp",
    "grad",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "value_and_grad",
]
