"""The CPython target: `emit_module` prints a standalone Python module (see `module` for its guarantees)."""

from .module import GENERATED_MARKER, REPEAT_BODY_LIMIT, emit_module

__all__ = ["GENERATED_MARKER", "REPEAT_BODY_LIMIT", "emit_module"]
