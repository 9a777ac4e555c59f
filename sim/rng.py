"""Counter-based random numbers for common random numbers (CRN).

A draw is a pure function of (run key, purpose, step, firm id, column): the same firm gets the same
Gumbel shock at the same site in a run with and without a lever, whatever else the run drew
(MODEL.md §4). The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied to a
combination of the counters; it is vectorised in numpy (no Python loop over firms).
"""

from __future__ import annotations

import numpy as np

from . import jit

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

PURPOSES = {"revise": 1, "choice": 2, "growth": 3, "exit": 4, "entry": 5, "entry_size": 6,
            "entry_home": 7, "init": 8, "growth2": 9,
            # nested logit: the positive-stable nest terms of the choice shocks (``nested_gumbel``)
            "choice_nest": 10, "entry_nest": 11,
            # projects (MODEL.md §9.2-9.4): counts, investor origins, sizes, site choice, stages, exits
            "project_count": 12, "project_origin": 13, "project_size": 14, "project": 15,
            "project_nest": 16, "project_stage": 17, "project_out": 18,
            # the ramp to 达产 (sim/agents/ramp.py): base firms on their ramp, each period's 达产
            "ramp_base": 40, "ramp": 41,
            # calibration (sim/calibration): a replicate's posterior draw, a calibration's design
            "posterior_draw": 50, "calibration": 51}


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
    """The mixed per-firm counter of a stream, (id·φ) ^ key mixed, for an array of ids of one or
    more dimensions (array arithmetic wraps around mod 2⁶⁴ silently; numpy scalars would warn). An
    int64 array is read as uint64 (the bits of the conversion, without its copy)."""
    a = np.asarray(ids)
    base = np.multiply(a.view(np.uint64) if a.dtype == np.int64 else a.astype(np.uint64), _GOLD)
    base ^= key
    return _mix_inplace(base)


def uniform(seed: int, purpose: str, step: int, ids: np.ndarray, ncols: int | None = None,
            col_ids: np.ndarray | None = None) -> np.ndarray:
    """Uniform(0, 1) draws indexed by firm id (and column): shape (n,) or (n, ncols) for an array
    ``ids`` of n ids. With k = the stream key, b = mix((id·φ) ^ k):
    u = unit(mix(b)), or by column c: u = unit(mix(b ^ mix(c·M2 + k))), unit = :func:`_to_unit`
    (the numba kernels :func:`_units` / :func:`_units_cols` when ``jit.ENABLED``: the same bits)."""
    key = stream_key(seed, purpose, step)
    ids = np.atleast_1d(ids)
    if jit.ENABLED and ids.ndim == 1:
        u64 = _as_u64(ids)
        if ncols is None and col_ids is None:
            out = np.empty(len(u64))
            _units(u64, key, out)
        else:
            cols = (_arange_u64(ncols) if col_ids is None
                    else np.ascontiguousarray(col_ids, dtype=np.uint64))
            out = np.empty((len(u64), len(cols)))
            _units_cols(u64, key, cols, out.reshape(-1))
        return out
    cols = None
    if ncols is not None or col_ids is not None:
        cols = (np.arange(ncols, dtype=np.uint64) if col_ids is None
                else np.asarray(col_ids, dtype=np.uint64))
    base = _firm_base(ids, key)
    if cols is None:
        z = _mix_inplace(base)
    else:
        z = _mix_inplace(base[:, None] ^ _mix(cols * _M2 + key)[None, :])
    return _to_unit(z)


def uniform_below(seed: int, purpose: str, step: int, ids: np.ndarray, table: np.ndarray,
                  key: np.ndarray) -> np.ndarray:
    """u_i < table[key_i] (bool, per id) for the draws u = :func:`uniform` (seed, purpose, step,
    ids): a Bernoulli event per firm with the probability of its cell of a flat table (exits by
    (sector, site)), without the array of draws and the gather (the kernel :func:`_below` when
    ``jit.ENABLED``: the same draws, the same comparisons)."""
    ids = np.atleast_1d(ids)
    if jit.ENABLED and ids.ndim == 1:
        out = np.empty(len(ids), dtype=np.bool_)
        _below(_as_u64(ids), stream_key(seed, purpose, step), np.ascontiguousarray(table, dtype=np.float64),
               np.ascontiguousarray(key, dtype=np.intp), out)
        return out
    return uniform(seed, purpose, step, ids) < np.asarray(table).take(key)


@jit.kernel
def _below(ids, key, table, cell, out):
    """out[i] = unit(mix(mix((ids[i]·φ) ^ key))) < table[cell[i]]: :func:`uniform_below`."""
    for i in range(ids.shape[0]):
        b = _mix_one((ids[i] * np.uint64(0x9E3779B97F4A7C15)) ^ key)
        out[i] = _unit_one(_mix_one(b)) < table[cell[i]]


def _as_u64(ids: np.ndarray) -> np.ndarray:
    """A contiguous uint64 array of 1-D ids (int64 read as uint64 without a copy)."""
    a = ids.view(np.uint64) if ids.dtype == np.int64 else ids.astype(np.uint64)
    return np.ascontiguousarray(a)


@jit.kernel
def _mix_one(z):
    """:func:`_mix` of one uint64 (compiled into the kernels below)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@jit.kernel
def _unit_one(z):
    """:func:`_to_unit` of one uint64: (⌊z / 2¹¹⌋ + 0.5) / 2⁵³ (each operation exact)."""
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@jit.kernel
def _units(ids, key, out):
    """out[i] = unit(mix(mix((ids[i]·φ) ^ key))): :func:`uniform` without columns."""
    for i in range(ids.shape[0]):
        b = _mix_one((ids[i] * np.uint64(0x9E3779B97F4A7C15)) ^ key)
        out[i] = _unit_one(_mix_one(b))


_ARANGE: dict[int, np.ndarray] = {}


def _arange_u64(n: int) -> np.ndarray:
    """``np.arange(n, dtype=np.uint64)`` (kept: read-only, a few sizes)."""
    a = _ARANGE.get(n)
    if a is None:
        a = _ARANGE[n] = np.arange(n, dtype=np.uint64)
        a.flags.writeable = False
    return a


@jit.kernel
def _units_cols(ids, key, cols, out):
    """out[i·m + j] = unit(mix(b_i ^ colkey_j)), b_i = mix((ids[i]·φ) ^ key), colkey_j =
    mix(c_j·M2 + key) for the m columns c = ``cols``: :func:`uniform` by column (``out``: the
    flat (n, m) array)."""
    n, m = ids.shape[0], cols.shape[0]
    colkey = np.empty(m, np.uint64)
    for j in range(m):
        colkey[j] = _mix_one(cols[j] * np.uint64(0x94D049BB133111EB) + key)
    b = np.empty(n, np.uint64)
    for i in range(n):
        b[i] = _mix_one((ids[i] * np.uint64(0x9E3779B97F4A7C15)) ^ key)
    for j in range(m):  # column by column: faster than row by row (measured)
        c = colkey[j]
        for i in range(n):
            out[i * m + j] = _unit_one(_mix_one(b[i] ^ c))


def gumbel(seed: int, purpose: str, step: int, ids: np.ndarray, ncols: int | None = None,
           col_ids: np.ndarray | None = None) -> np.ndarray:
    u = uniform(seed, purpose, step, ids, ncols, col_ids)
    # −log(−log u), in place
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    return u


def log_positive_stable(lam: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """ln S for S positive λ-stable with Laplace transform E e^(−sS) = e^(−s^λ), 0 < λ < 1, from
    two independent Uniform(0, 1) arrays: Kanter's (1975) representation (Chambers, Mallows &
    Stuck 1976) with A = πu ~ Uniform(0, π) and W = −ln v ~ Exp(1):
    S = sin(λA) / sin(A)^(1/λ) · (sin((1−λ)A) / W)^((1−λ)/λ)."""
    a = np.pi * np.asarray(u, dtype=float)
    w = -np.log(v)
    return (np.log(np.sin(lam * a)) - np.log(np.sin(a)) / lam
            + (1.0 - lam) / lam * (np.log(np.sin((1.0 - lam) * a)) - np.log(w)))


def nest_layout(nest: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the nest id of every site: (sites in nests of more than one site, their nest's
    position among those nests, the ids of those nests). Singleton nests need no nest term."""
    nest = np.asarray(nest)
    ids, counts = np.unique(nest, return_counts=True)
    multi_ids = ids[counts > 1]
    sites = np.flatnonzero(np.isin(nest, multi_ids))
    return sites, np.searchsorted(multi_ids, nest[sites]), multi_ids


def nest_shocks(e: np.ndarray, lam: float, sites: np.ndarray, pos: np.ndarray,
                log_s: np.ndarray) -> np.ndarray:
    """Turn iid standard Gumbel ``e`` (n, R) into nested-logit shocks, in place:
    ε_j = λ·(e_j + ln S_n(j)) at ``sites`` (nest ``pos`` of ``log_s``, shape (n, nests)), with S_n
    iid positive λ-stable per (firm, nest). Then exp(−ε_j) = (E_j/S_n)^λ with E_j ~ Exp(1), and
    P(ε_j ≤ x_j ∀j∈n) = E_S exp(−S Σ_j e^(−x_j/λ)) = exp(−(Σ_j e^(−x_j/λ))^λ): the GEV distribution of
    the nested logit (Cardell 1997). A singleton nest's shock is standard Gumbel for any λ, so
    it is left as ``e`` (exact)."""
    if sites.size:
        sub = e[:, sites]
        sub += log_s[:, pos]
        sub *= lam
        e[:, sites] = sub
    return e


def nested_gumbel(seed: int, purpose: str, step: int, ids: np.ndarray, nest: np.ndarray,
                  lam: float, layout: tuple | None = None) -> np.ndarray:
    """Choice shocks (n, R) of the nested logit with nests ``nest`` (one id per site) and
    dissimilarity ``lam``: Gumbel draws of stream ``purpose`` (the same numbers as
    :func:`gumbel`) plus the nest terms of :func:`nest_shocks` from stream ``purpose + "_nest"``
    (two uniforms per firm and nest: columns 2·nest and 2·nest + 1). λ = 1 returns
    :func:`gumbel` itself (plain logit, the same bits)."""
    e = gumbel(seed, purpose, step, ids, len(nest))
    if lam == 1.0:
        return e
    sites, pos, multi_ids = nest_layout(nest) if layout is None else layout
    if sites.size == 0:
        return e
    cols = np.concatenate([2 * multi_ids, 2 * multi_ids + 1])
    uv = uniform(seed, purpose + "_nest", step, ids, col_ids=cols)
    k = len(multi_ids)
    if jit.ENABLED and e.flags.c_contiguous:
        # log_positive_stable and nest_shocks: the arithmetic in two kernels, the sines and logs in
        # numpy (three calls over every (firm, nest) at once)
        x = np.empty((4, len(e), k))
        _stable_args(uv, lam, x)
        np.sin(x[:3], out=x[:3])
        np.log(x, out=x)              # ln sin(λA), ln sin A, ln sin((1−λ)A), ln v
        np.negative(x[3], out=x[3])   # W = −ln v
        np.log(x[3], out=x[3])
        _nest_terms(e, lam, np.ascontiguousarray(sites, dtype=np.intp),
                    np.ascontiguousarray(pos, dtype=np.intp), x)
        return e
    log_s = log_positive_stable(lam, uv[:, :k], uv[:, k:])
    return nest_shocks(e, lam, sites, pos, log_s)


@jit.kernel
def _stable_args(uv, lam, x):
    """x[0] = λA, x[1] = A, x[2] = (1−λ)A with A = π·u, x[3] = v, for u = uv[:, :k], v = uv[:, k:]
    (the products of :func:`log_positive_stable`, (4, n, k))."""
    k = x.shape[2]
    mu = 1.0 - lam
    for i in range(uv.shape[0]):
        for j in range(k):
            a = np.pi * uv[i, j]
            x[0, i, j] = lam * a
            x[1, i, j] = a
            x[2, i, j] = mu * a
            x[3, i, j] = uv[i, k + j]


@jit.kernel
def _nest_terms(e, lam, sites, pos, x):
    """ln S = x0 − x1/λ + ((1−λ)/λ)(x2 − x3) (:func:`log_positive_stable` from its logs), then
    e[i, s] = (e[i, s] + ln S[i, pos_s])·λ at the nested sites s (:func:`nest_shocks`)."""
    c = (1.0 - lam) / lam
    for i in range(e.shape[0]):
        for t in range(sites.shape[0]):
            p = pos[t]
            ls = (x[0, i, p] - x[1, i, p] / lam) + c * (x[2, i, p] - x[3, i, p])
            e[i, sites[t]] = (e[i, sites[t]] + ls) * lam


@jit.kernel
def _units_pair(ids, key, c0, c1, u0, u1):
    """The two columns of :func:`_units_cols` with column keys c0, c1 into two arrays."""
    for i in range(ids.shape[0]):
        b = _mix_one((ids[i] * np.uint64(0x9E3779B97F4A7C15)) ^ key)
        u0[i] = _unit_one(_mix_one(b ^ c0))
        u1[i] = _unit_one(_mix_one(b ^ c1))


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
    (tests/test_perf_internals.py)."""
    key = stream_key(seed, purpose, step)
    ids = np.atleast_1d(ids)
    col = _mix(np.arange(2, dtype=np.uint64) * _M2 + key)
    if jit.ENABLED and ids.ndim == 1:
        u64 = _as_u64(ids)
        u0, u1 = np.empty(len(u64)), np.empty(len(u64))
        _units_pair(u64, key, col[0], col[1], u0, u1)
    else:
        base = _firm_base(ids, key)
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
