"""Hand the C heap's free pages back to the OS (glibc's malloc_trim; nothing elsewhere).

Arrays under glibc's mmap threshold (32 MB at most: the engine's per-chunk temporaries) live on the heap, and
the heap keeps the pages they held after they are freed. The next stage's pair-sized arrays (above the
threshold) are mapped anew beside them, so a stage's freed chunks would count in every later stage's peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def trim_heap() -> None:
    """Return the heap's free pages to the OS (a no-op without glibc)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
