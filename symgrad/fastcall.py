"""C-level calls for `functools.partial` subclasses (the decorated objects of `api`).

A `functools.partial` object supports the vectorcall protocol: calling it passes the arguments straight to the
function it wraps, with no argument tuple or dict built. CPython 3.12 and later let a subclass that does not
define `__call__` inherit that; CPython 3.11 does not (the flag `Py_TPFLAGS_HAVE_VECTORCALL` is not inherited
by classes defined in Python), so each call of a subclass instance takes the generic path: a tuple of the
arguments, `partial.__call__`, then a call of the wrapped function from that tuple (about 15 ns more per call
than a plain partial, measured on CPython 3.11).

`enable_vectorcall(cls)` sets that one flag on such a subclass. It is safe because nothing else changes: the
subclass has partial's memory layout and inherits its `tp_vectorcall_offset`, and every instance's vectorcall
slot is filled by `partial.__new__` (it falls back to the generic path by itself when the wrapped object has no
vectorcall). A subclass of an enabled class needs its own call: the flag is not inherited on 3.11 either.
Assumes: CPython, a subclass of `functools.partial` that does not define `__call__` and whose
`__call__` is never assigned later (vectorcall would bypass it; nothing in symgrad does that). Guarantees: the
flag is written only after the word at the flags' offset in the type object was read back equal to
`cls.__flags__`, so an unexpected layout (another implementation, a debug build) leaves the class unchanged;
returns whether calls now take the fast path.
"""

from __future__ import annotations

import ctypes
import functools
import platform

HAVE_VECTORCALL = 1 << 11  # Py_TPFLAGS_HAVE_VECTORCALL (Include/object.h)
# In PyTypeObject, tp_flags follows 21 pointer-sized fields (the object header, tp_name ... tp_as_buffer).
_FLAGS_OFFSET = 21 * ctypes.sizeof(ctypes.c_void_p)


def enable_vectorcall(cls: type) -> bool:
    if cls.__flags__ & HAVE_VECTORCALL:
        return True  # CPython 3.12 and later: inherited already
    if (
        platform.python_implementation() != "CPython"
        or not issubclass(cls, functools.partial)
        or not functools.partial.__flags__ & HAVE_VECTORCALL
        or any("__call__" in vars(klass) for klass in cls.__mro__[: cls.__mro__.index(functools.partial)])
    ):
        return False
    flags = ctypes.c_ulong.from_address(id(cls) + _FLAGS_OFFSET)
    if flags.value != cls.__flags__:
        return False  # not the layout this module knows: leave the class alone
    flags.value |= HAVE_VECTORCALL
    return bool(cls.__flags__ & HAVE_VECTORCALL)


__all__ = ["enable_vectorcall"]
