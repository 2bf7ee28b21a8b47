"""Keep freed memory in the process during a Monte Carlo run (glibc's ``mallopt``).

A chunk of draws allocates and frees the same working arrays (a few MB each: draws x options
x months) thousands of times. With glibc's default settings an array of more than 128 kB is
mapped fresh from the kernel and unmapped when freed, and the heap's free top is given back
once it passes 128 kB; the threshold adapts only after the first large array is freed, and a
forked worker starts from its parent's (unadapted) state. Every new mapping then costs one
page fault per 4 kB page touched: on the default model about 27,000 faults per worker chunk
of 12,288 draws (2.2 per draw), 0.5 s of system time in 100,000 draws, the larger part of the
two-process overhead measured before (``bench/montecarlo.py``).

:func:`keep_freed_memory` raises both thresholds once for the process: arrays under
:data:`MMAP_THRESHOLD_BYTES` come from the heap, and freed heap memory is kept up to
:data:`TRIM_THRESHOLD_BYTES`, so the same pages are reused chunk after chunk. The peak resident
memory of a run does not rise (measured: 174-181 MB at 100,000 draws either way); at most
:data:`TRIM_THRESHOLD_BYTES` of freed memory stays with the process after the run. Results do
not change (only where memory comes from). Elsewhere than glibc (macOS, musl) it does nothing.

>>> keep_freed_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import platform

#: Arrays smaller than this come from the heap (32 MiB: glibc's largest allowed on 64-bit).
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: Free memory at the heap's top kept for reuse up to this (glibc's own ratio: 2 x the above).
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process (once; later calls do nothing).

    Returns True when glibc took the settings, False elsewhere (nothing changed).
    """
    global _done
    if _done is None:
        _done = _set_thresholds()
    return _done


def _set_thresholds() -> bool:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )


__all__ = ["MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES", "keep_freed_memory"]
