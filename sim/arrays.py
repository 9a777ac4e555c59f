"""Array helpers with the numbers of the numpy calls they replace, faster on the model's arrays.

``bincounts``: several weighted ``np.bincount``s over the same rows as one. ``add_at``: ``np.add.at``
into a 1-D table, by ``bincount`` when the table is empty.

A weighted bincount adds each row's weight to its bin in row order. When neighbouring rows fall
in the same bin (firms are stored roughly by site, sector and site), every addition waits for the
previous one into that bin, so one bincount over n sorted rows costs n such waits. Interleaving m
bincounts over the same n rows (row i of problem q at position i·m + q, problem q's bins offset
past those of the problems before it) gives the processor m independent chains of additions, and
each bin still receives its rows' weights in row order from 0: the sums are the same bit for bit.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import jit


def bincounts(idx: list, weights: list, sizes: list) -> list[np.ndarray]:
    """``[np.bincount(i, weights=w, minlength=m) for i, w, m in zip(idx, weights, sizes)]`` for
    index arrays of one length with every index of problem q below ``sizes[q]`` (its bins: no
    bincount here grows past its ``minlength``). Returns views into one array."""
    m, n = len(idx), len(idx[0])
    offs = np.array([0, *itertools.accumulate(sizes)], dtype=np.intp)
    if jit.ENABLED:  # the same additions in the same order, without the interleaved copies
        tot = np.zeros(int(offs[m]))
        _bincounts(tot, offs, tuple(np.ascontiguousarray(i, dtype=np.intp) for i in idx),
                   tuple(np.ascontiguousarray(w, dtype=np.float64) for w in weights))
        return [tot[offs[q]: offs[q + 1]] for q in range(m)]
    key = np.empty((n, m), dtype=np.intp)
    w = np.empty((n, m))
    for q in range(m):
        np.add(idx[q], offs[q], out=key[:, q])
        w[:, q] = weights[q]
    tot = np.bincount(key.ravel(), weights=w.ravel(), minlength=int(offs[m]))
    return [tot[offs[q]: offs[q + 1]] for q in range(m)]


@jit.kernel
def _bincounts(tot, offs, idx, w):
    """tot[offs[q] + idx[q][i]] += w[q][i] for rows i in order, problems q in order within a row
    (the interleaved bincount of :func:`bincounts`: each bin gets its rows' weights in row order,
    from 0). ``idx``, ``w``: tuples of m arrays of one length."""
    m = len(idx)
    for i in range(idx[0].shape[0]):
        for q in range(m):
            tot[offs[q] + idx[q][i]] += w[q][i]


def segment_sums(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``[np.add.reduce(x[a:b]) for a, b in zip(starts, ends)]`` as an array, for a contiguous
    float64 ``x``: numpy's sum of a slice is 0 + its pairwise sum (blocks of ≤ 128 summed in 8
    interleaved partial sums, ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest in
    order; longer slices split in two at a multiple of 8 below the middle; under 8 elements in
    order). The kernel :func:`_segment_sums` does those additions in that order (checked against
    numpy in tests/test_jit.py)."""
    if jit.ENABLED and x.dtype == np.float64 and x.flags.c_contiguous:
        out = np.empty(len(starts))
        _segment_sums(x, np.asarray(starts, dtype=np.intp), np.asarray(ends, dtype=np.intp), out)
        return out
    add = np.add.reduce
    return np.array([add(x[a:b]) for a, b in zip(np.asarray(starts).tolist(), np.asarray(ends).tolist())],
                    dtype=np.float64)


@jit.kernel
def _pairwise(x, lo, n):
    """numpy's pairwise sum of x[lo:lo + n] (``pairwise_sum`` of numpy's loops_utils, PW_BLOCKSIZE 128)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += x[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
        r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
        m = n - n % 8
        i = 8
        while i < m:
            j = lo + i
            r0 += x[j]
            r1 += x[j + 1]
            r2 += x[j + 2]
            r3 += x[j + 3]
            r4 += x[j + 4]
            r5 += x[j + 5]
            r6 += x[j + 6]
            r7 += x[j + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += x[lo + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(x, lo, n2) + _pairwise(x, lo + n2, n - n2)


@jit.kernel
def _segment_sums(x, starts, ends, out):
    """out[s] = 0 + pairwise sum of x[starts[s]:ends[s]] (numpy's ``add.reduce`` of the slice)."""
    for s in range(starts.shape[0]):
        out[s] = 0.0 + _pairwise(x, starts[s], ends[s] - starts[s])


def member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.isin(a, b)`` for integer ids by a sort of ``b`` and a binary search of each of ``a``
    (numpy's isin builds a table over the range of ``b``'s values: ~0.1–0.4 ms for a few ids)."""
    a = np.asarray(a)
    if len(b) == 0 or len(a) == 0:
        return np.zeros(a.shape, dtype=bool)
    s = np.sort(b)
    pos = np.searchsorted(s, a)
    np.minimum(pos, len(s) - 1, out=pos)
    return s[pos] == a


def add_at(a: np.ndarray, idx: np.ndarray, w: np.ndarray) -> None:
    """``np.add.at(a, idx, w)`` for a 1-D float table ``a`` and weights ``w``: when ``a`` holds only
    zeros (a table reset to +0.0) a ``bincount`` (each entry adds its weights in order from 0: the
    same sums, without ``np.add.at``'s per-element cost), else ``np.add.at`` (in order, onto what
    ``a`` holds)."""
    if a.any():
        np.add.at(a, idx, w)
    else:
        a += np.bincount(idx, weights=w, minlength=len(a))
