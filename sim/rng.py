"""Counter-based random numbers for common random numbers (CRN).

A draw is a pure function of (run key, purpose, step, firm id, column): the same firm gets the same
Gumbel shock at the same site in a run with and without a lever, whatever else the run drew
(MODEL.md §4). The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied to a
combination of the counters; it is vectorised in numpy (no Python loop over firms).
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

PURPOSES = {"revise": 1, "choice": 2, "growth": 3, "exit": 4, "entry": 5, "entry_size": 6,
            "entry_home": 7, "init": 8, "growth2": 9}


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _mix_inplace(z: np.ndarray) -> np.ndarray:
    """:func:`_mix` on a uint64 array, overwriting it (no temporaries but one; same bits)."""
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


_KEYS: dict[tuple[int, str, int], np.uint64] = {}


def stream_key(seed: int, purpose: str, step: int) -> np.uint64:
    """A 64-bit key for (run seed, purpose, step) (memoised: a pure function of its arguments)."""
    k = _KEYS.get((seed, purpose, step))
    if k is None:
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        k = _KEYS[(seed, purpose, step)] = _stream_key(seed, purpose, step)
    return k


_MASK = 0xFFFFFFFFFFFFFFFF


def _mix_int(z: int) -> int:
    """:func:`_mix` on one Python int (arithmetic mod 2⁶⁴; the same bits, ~10× faster than
    through one-element arrays)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _stream_key(seed: int, purpose: str, step: int) -> np.uint64:
    k = _mix_int(seed & _MASK)
    k = _mix_int(k ^ ((PURPOSES[purpose] * 0x9E3779B97F4A7C15) & _MASK))
    k = _mix_int(k ^ (((step + 1) * 0xBF58476D1CE4E5B9) & _MASK))
    return np.uint64(k)


def _stream_key_arrays(seed: int, purpose: str, step: int) -> np.uint64:
    """The original numpy form of :func:`_stream_key` (kept for the equivalence test)."""
    with np.errstate(over="ignore"):
        k = _mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
        k = _mix(np.array([k ^ (np.uint64(PURPOSES[purpose]) * _GOLD)], dtype=np.uint64))[0]
        k = _mix(np.array([k ^ (np.uint64(step + 1) * _M1)], dtype=np.uint64))[0]
    return k


def _firm_base(ids: np.ndarray, key: np.uint64) -> np.ndarray:
    """The mixed per-firm counter of a stream (the caller wraps it in errstate(over="ignore"))."""
    base = np.asarray(ids, dtype=np.uint64) * _GOLD
    base ^= key
    return _mix_inplace(base)


def uniform(seed: int, purpose: str, step: int, ids: np.ndarray, ncols: int | None = None,
            col_ids: np.ndarray | None = None) -> np.ndarray:
    """Uniform(0, 1) draws indexed by firm id (and column): shape (n,) or (n, ncols)."""
    key = stream_key(seed, purpose, step)
    with np.errstate(over="ignore"):
        base = _firm_base(ids, key)
        if ncols is None and col_ids is None:
            z = _mix_inplace(base)
        else:
            cols = (np.arange(ncols, dtype=np.uint64) if col_ids is None
                    else np.asarray(col_ids, dtype=np.uint64))
            z = _mix_inplace(base[:, None] ^ _mix(cols * _M2 + key)[None, :])
    return _to_unit(z)


def gumbel(seed: int, purpose: str, step: int, ids: np.ndarray, ncols: int | None = None,
           col_ids: np.ndarray | None = None) -> np.ndarray:
    u = uniform(seed, purpose, step, ids, ncols, col_ids)
    # −log(−log u), in place
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    return u


def _to_unit(z: np.ndarray) -> np.ndarray:
    """53 random bits of uint64 ``z`` (overwritten) -> (0, 1), never exactly 0 or 1."""
    z >>= np.uint64(11)
    u = z.astype(np.float64)
    u += 0.5
    u *= 1.0 / 9007199254740992.0
    return u


def normal(seed: int, purpose: str, step: int, ids: np.ndarray) -> np.ndarray:
    """Standard normal draws by Box–Muller from two counter-based uniforms.

    The same numbers, bit for bit, as ``u = uniform(seed, purpose, step, ids, 2)`` and
    ``sqrt(-2 log u[:, 0]) · cos(2π u[:, 1])``, computed column by column and in place
    (tests/test_perf_equivalence.py)."""
    key = stream_key(seed, purpose, step)
    with np.errstate(over="ignore"):
        base = _firm_base(ids, key)
        col = _mix(np.arange(2, dtype=np.uint64) * _M2 + key)
        z1 = base ^ col[1]
        base ^= col[0]
        u0 = _to_unit(_mix_inplace(base))
        u1 = _to_unit(_mix_inplace(z1))
    np.log(u0, out=u0)
    u0 *= -2.0
    np.sqrt(u0, out=u0)
    u1 *= 2.0 * np.pi
    np.cos(u1, out=u1)
    u0 *= u1
    return u0
