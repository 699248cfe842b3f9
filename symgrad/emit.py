"""The old path of the CPython printer, kept for its importers (`api.GENERATED_MARKER`, the benchmarks).

Guarantees: the same objects as `symgrad.targets.python` (to change `REPEAT_BODY_LIMIT`, set it on
`symgrad.targets.python.module`, where it is read).
"""

from .targets.python.module import GENERATED_MARKER, REPEAT_BODY_LIMIT, emit_module

__all__ = ["GENERATED_MARKER", "REPEAT_BODY_LIMIT", "emit_module"]
