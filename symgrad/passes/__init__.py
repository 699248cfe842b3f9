"""Optimization passes: each is a function from a verified Function to a new verified Function.

`optimize` runs them in a fixed order. Every pass keeps results bit-identical for finite inputs (tested by a
property test comparing optimized and unoptimized programs), so no rewrite here may depend on a value being
finite or nonzero.
"""

from __future__ import annotations

from ..ir import Function, verify
from .cse import cse
from .dce import dce
from .floats import floats
from .fold import fold, fold_cse

PIPELINE = (fold_cse, dce, floats)  # fold_cse: fold, cse and fold again in one walk

# verify() after every pass costs about as much as a pass; the tests turn it on (tests/conftest.py). Lowering and
# the reverse sweep verify what they make, and every pass is tested to keep the invariants, so in normal use the
# result is not verified again (a 10,000-step chain: 40 ms).
VERIFY_EACH_PASS = False


def optimize(fn: Function) -> Function:
    for pass_ in PIPELINE:
        fn = pass_(fn)
        if VERIFY_EACH_PASS:
            verify(fn)
    return fn


__all__ = ["PIPELINE", "cse", "dce", "floats", "fold", "fold_cse", "optimize"]
