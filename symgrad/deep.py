"""Room for deep programs: run a compiler stage again with a deep stack when Python's recursion limit stops it.

The compiler's walks over expressions are iterative (an expression of thousands of terms is a deep tree, the
one depth users write without meaning to), but inlining is recursive by nature: a helper's body is lowered while
its caller is half lowered, and the passes then walk blocks as deep as the helpers nested them. Python's default
limit (1,000 frames) stops that at about 120 helper levels. `run` first calls the stage as it is; only when that
raises RecursionError does it call it again, from the start, in a thread of its own with a large C stack
(`STACK_BYTES`) and a recursion limit of `DEEP_LIMIT` frames, so that the limit, not the C stack, is what ends
the deepest program. The common case costs nothing; a deep one costs its first, failed attempt.

Assumes the stage is a pure function of its arguments (the compiler's stages are: they build new IR and text and
keep no state across calls except caches of finished results), so running it twice gives what running it once
would. Guarantees: the stage's result or its own exception; RecursionError only when even `DEEP_LIMIT` frames do
not suffice (the callers turn that into `UnsupportedSyntax` at the user's function). Python's recursion limit is
process-wide: it is raised for the retry only and restored after it; retries run one at a time.
"""

from __future__ import annotations

import sys
import threading

STACK_BYTES = 512 * 1024 * 1024  # reserved address space for the retry's thread, touched only as deep as it goes
DEEP_LIMIT = 60_000  # frames: helpers nested about 7,000 levels deep, passes over blocks as deep

_retry_lock = threading.Lock()
_state = threading.local()  # `deep` is True in a retry's thread: no retry of a retry


def run(stage, *args, **kwargs):
    """`stage(*args, **kwargs)`, again with a deep stack if Python's recursion limit stopped it."""
    try:
        return stage(*args, **kwargs)
    except RecursionError:
        if getattr(_state, "deep", False):
            raise
    return _in_deep_thread(stage, args, kwargs)


def _in_deep_thread(stage, args, kwargs):
    outcome: dict = {}

    def target():
        _state.deep = True
        try:
            outcome["result"] = stage(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome["error"] = exc

    with _retry_lock:
        old_limit = sys.getrecursionlimit()
        old_stack = threading.stack_size()
        thread = threading.Thread(target=target, name="symgrad-deep-compile", daemon=True)
        sys.setrecursionlimit(max(old_limit, DEEP_LIMIT))
        try:
            threading.stack_size(STACK_BYTES)  # read when the thread starts
            try:
                thread.start()
            finally:
                threading.stack_size(old_stack)
            thread.join()
        finally:
            sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        error = outcome.pop("error")
        try:
            raise error.with_traceback(None) if isinstance(error, RecursionError) else error
        finally:
            del error
    return outcome["result"]
