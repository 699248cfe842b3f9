"""The CPython target: `emit_module` prints a standalone Python module with the value-and-gradient entry points,
`emit_entry` one with a single entry point of any shape (see `module` for their guarantees)."""

from .module import GENERATED_MARKER, REPEAT_BODY_LIMIT, emit_entry, emit_module

__all__ = ["GENERATED_MARKER", "REPEAT_BODY_LIMIT", "emit_entry", "emit_module"]
