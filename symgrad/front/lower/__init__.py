"""Lowering, split by concern; `lower` (in `core`) is the entry point. See `core` for what it assumes and guarantees."""

from .core import lower
from .specialize import UNROLL_BUDGET

__all__ = ["UNROLL_BUDGET", "lower"]
