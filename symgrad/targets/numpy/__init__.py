"""The NumPy target: `emit_module` prints a module that evaluates the function at many points at once."""

from .module import emit_module

__all__ = ["emit_module"]
