"""The cyclic garbage collector, paused while the compiler builds what it keeps until it ends.

Parsing, lowering and the passes make many small objects that all stay alive until a compilation (or the
decorator's language check) ends; the collector would scan them again and again (a third of the time of a
10,000-step chain). Assumes nothing; guarantees that `paused()` restores the collector's state on leaving, also
on an exception, and leaves it off when it was off already.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["paused"]
