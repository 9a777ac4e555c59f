"""Optional compiled kernels: the switch and the decorator (numba, the ``fast`` extra).

A few hot loops over firms have a numba kernel beside their numpy form, in the same module, with
the equation in the docstring. The kernels do only what gives the same bits as the numpy form:
integer arithmetic (the counter-based hashes, mod 2⁶⁴) and single, correctly rounded IEEE
operations in the numpy form's order (conversion of < 2⁵³ integers to float64, +, −, ×, ÷); no
``fastmath`` (no reassociation, no fused multiply-add). Transcendental functions (log, sin, cos)
stay numpy's on both paths: numpy's ``log`` on an AVX-512 CPU is a vector routine that differs
from the C library's (numba's) in the last bit of ~0.3 % of values (docs/decisions.md).

``ENABLED`` is False when numba cannot be imported or ``SIM_NO_NUMBA`` is set to anything but
"" or "0"; callers read it at call time (``jit.ENABLED``), so a test can flip it. Compiled code
is cached next to the module (``cache=True``): the first run of a checkout compiles.
"""
from __future__ import annotations

import os

try:
    if os.environ.get("SIM_NO_NUMBA", "") not in ("", "0"):
        raise ImportError("SIM_NO_NUMBA is set")
    import numba
except ImportError:
    numba = None

ENABLED = numba is not None


def kernel(fn):
    """``numba.njit(cache=True)`` of ``fn`` when numba is importable, else ``fn`` unchanged (the
    callers then take their numpy form, so it is never called)."""
    if numba is None:
        return fn
    return numba.njit(cache=True, nogil=True)(fn)
