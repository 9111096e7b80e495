"""The bot process's C heap kept close to what it uses: glibc's malloc tuned once at start and
trimmed after the work that briefly needs much (a scan of the whole ledger, a bulletin).

glibc keeps what a large, short computation freed (a province's year aggregated, its rows and
strings) for reuse, and raises its mmap threshold as big blocks come and go, so that later
big blocks land in the heap too: the process then stays at its highest mark. Fixed thresholds
send big blocks to mmap (returned when freed) and trim the heap's top; two arenas instead of
one per thread keep the ledger's worker thread from holding its own. Elsewhere (musl, macOS)
nothing is done. `BAOSONG_MALLOC_TUNING=0` leaves the allocator as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
from functools import cache
from typing import Final

log = logging.getLogger(__name__)

#: mallopt parameters (glibc's malloc.h).
M_TRIM_THRESHOLD: Final = -1
M_MMAP_THRESHOLD: Final = -3
M_ARENA_MAX: Final = -8
#: Blocks this big or bigger are mapped on their own; free space above this at the heap's top
#: is given back (glibc's starting values, which it would otherwise raise as it goes).
THRESHOLD: Final = 128 * 1024
ARENAS: Final = 2


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc and tuning is not switched off, else None."""
    if os.environ.get("BAOSONG_MALLOC_TUNING", "1") == "0":
        return None
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def tune() -> bool:
    """Fixed thresholds and two arenas for the rest of the process; whether it was done."""
    libc = _glibc()
    if libc is None:
        return False
    done = all(
        libc.mallopt(parameter, value) == 1
        for parameter, value in (
            (M_MMAP_THRESHOLD, THRESHOLD),
            (M_TRIM_THRESHOLD, THRESHOLD),
            (M_ARENA_MAX, ARENAS),
        )
    )
    if not done:
        log.warning("glibc refused a malloc setting; the heap is left as glibc sizes it")
    return done


def trim() -> None:
    """Gives the heap's free pages back to the system (after a large, short piece of work)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
