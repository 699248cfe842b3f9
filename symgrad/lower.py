"""The old import path of lowering: `symgrad.lower` re-exports `lower` and `UNROLL_BUDGET` from `symgrad.front.lower`.

Assumes nothing; guarantees `from symgrad.lower import lower, UNROLL_BUDGET` keeps working while importers move.
"""

from .front.lower import UNROLL_BUDGET, lower

__all__ = ["UNROLL_BUDGET", "lower"]
