"""glibc malloc settings that keep freed numpy buffers in the process (a speed setting only)."""
from __future__ import annotations

import ctypes
import os
import platform
import sys

_MALLOC_TUNED = False


def tune_malloc() -> bool:
    """Keep freed numpy buffers in the process (glibc on Linux; once per process).

    A step allocates dozens of per-firm temporaries (800 kB each at 100k firms). With glibc's
    defaults, blocks above the mmap threshold are mapped and unmapped on every allocation and the
    heap top is trimmed whenever more than twice the last such block is free, so each temporary
    comes back as fresh pages and every page faults on first write (about 900 faults per step at
    100k firms, a third of the step's time). Blocks up to 32 MB (4M firms) now come from the
    heap and up to 256 MB of free heap is kept for reuse. Results do not change (allocation only).
    Skipped where glibc is not the C library, when the user set any ``MALLOC_*_`` variable, or
    with ``SIM_MALLOC=default``. Returns whether the settings were applied."""
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return False
    _MALLOC_TUNED = True
    if (not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc"
            or os.environ.get("SIM_MALLOC") == "default"
            or any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ)):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 2**20)) and bool(mallopt(M_TRIM_THRESHOLD, 256 * 2**20))
