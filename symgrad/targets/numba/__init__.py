"""The Numba target: `emit_module` prints the CPython module compiled by `numba.njit` (see `module`)."""

from .module import emit_module

__all__ = ["emit_module"]
