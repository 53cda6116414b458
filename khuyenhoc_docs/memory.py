"""Hand freed heap memory back to the operating system (glibc), so a worker that has signed or
converted a document does not keep that request's peak resident.

Python returns freed objects to glibc's malloc, which keeps the pages for reuse; ``malloc_trim``
releases the free ones (the top of each arena and whole free pages inside it). Elsewhere (musl,
macOS) these are no-ops. The glibc setting MALLOC_ARENA_MAX is read by glibc itself when the
process starts, so it is set where the server is started (``scripts/run.sh``, the Dockerfile),
not here."""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def trim() -> bool:
    """Release free heap pages to the OS; True when glibc did (and had something to give back)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
