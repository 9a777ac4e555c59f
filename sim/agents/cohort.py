"""The base-period cohort: what each firm alive at the base period (2022.0) held then, so every
change since the base year splits into four channels computed from firm records (MODEL.md §9.7,
docs/model.md §Decomposition).

For a place P (a set of sites) and a per-firm quantity y (output 亿元/year, jobs persons, capital
亿元), with y_i(0) and r_i(0) a base firm's value and site at the base period and y_i(t), r_i(t) at t:

* births      B_P = Σ_{i born after the base, alive at t, r_i(t) ∈ P} y_i(t)
* incumbents  I_P = Σ_{i base, alive at t, r_i(t) ∈ P} (y_i(t) − y_i(0))
* relocations M_P = Σ_{i base, alive, r_i(t) ≠ r_i(0), r_i(t) ∈ P} y_i(0)
                    − Σ_{i base, alive, r_i(t) ≠ r_i(0), r_i(0) ∈ P} y_i(0)
* exits       X_P = −Σ_{i base, dead at t, r_i(0) ∈ P} y_i(0)

and B + I + M + X = Σ_{alive at t, in P} y(t) − Σ_{base, in P at 0} y(0) exactly (in real numbers;
in floating point to rounding). A firm born and gone by t adds nothing; a base firm that moved and
then exited is an exit at its base site. No channel is a residual: each is its own sum over firms.

The population keeps rows in order of creation (``sim.agents.firms``), so the base firms still
alive are the first rows (firm id below the cohort's end) and the born firms the rest: each channel
is one ``np.bincount`` over a slice, per recorded period, never a loop over firms.
"""
from __future__ import annotations

import numpy as np

from .. import jit
from ..arrays import bincounts

CHANNELS = ("births", "incumbents", "relocations", "exits")


def recorded_values(firms, capital: np.ndarray) -> dict[str, np.ndarray]:
    """The quantities the channels split, per row of ``firms`` (after the production stage):
    ``output`` (gross output, 亿元/year), ``jobs`` (persons), ``capital`` (亿元: K_i = k_s·A_i of the
    investment component, ``sim.agents.investment.Investment.capital``, given per row)."""
    return {"output": firms.output, "jobs": firms.jobs, "capital": capital}


class BaseCohort:
    """The firms alive at the base period: ids, sites and their values of each recorded quantity.

    ``values``: name → per-firm array (one value per row of ``firms``, all rows alive)."""

    def __init__(self, firms, values: dict[str, np.ndarray]) -> None:
        live = np.flatnonzero(firms.alive)
        ids = firms.firm_id[live]
        if ids.size and np.any(np.diff(ids) <= 0):
            raise ValueError("BaseCohort: firm ids must increase down the rows")
        self.R = firms.R
        self.n = ids.size
        self.id_end = int(firms.next_id)   # every firm with a smaller id is a base firm
        self.id0 = int(ids[0]) if ids.size else 0
        self.contiguous = bool(ids.size == 0 or ids[-1] - ids[0] + 1 == ids.size)
        self.ids = ids.copy()
        self.site0 = firms.site[live].astype(np.intp)
        self.y0 = {k: np.asarray(v, dtype=float)[live].copy() for k, v in values.items()}

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Cohort positions of base-firm ids."""
        if self.contiguous:
            return ids - self.id0
        return np.searchsorted(self.ids, ids)

    def channels(self, firms, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per quantity, a (4, R) array of the channels (``CHANNELS`` order) by site: births and
        incumbents at the firm's current site, relocations in at the current and out at the base
        site, exits at the base site. ``values``: name → per-row array of ``firms`` (as the base)."""
        R = self.R
        if firms.alive.all():
            fid, site = firms.firm_id, firms.index()["site"]
            vals = values
        else:  # inside a step (dead rows not yet removed): the live rows, in order
            live = np.flatnonzero(firms.alive)
            fid, site = firms.firm_id[live], firms.site[live].astype(np.intp)
            vals = {k: np.asarray(v)[live] for k, v in values.items()}
        k = int(np.searchsorted(fid, self.id_end))  # rows [0, k): base firms; [k, n): born after
        pos = self._positions(fid[:k])
        names = list(vals)
        sums = _channel_sums([np.asarray(vals[name]) for name in names], [self.y0[name] for name in names],
                             site, pos, k, self.site0, R)
        out = {}
        for q, name in enumerate(names):
            ch = np.empty((4, R))
            ch[0] = sums[1, q]             # births
            ch[1] = sums[0, q]             # incumbents
            np.subtract(sums[2, q], sums[3, q], out=ch[2])  # relocations: in − out
            np.negative(sums[4, q], out=ch[3])              # exits
            out[name] = ch
        return out


def _channel_sums(ys: list, y0s: list, site: np.ndarray, pos: np.ndarray, k: int, site0: np.ndarray,
                  R: int) -> np.ndarray:
    """(5, m, R) sums by site of m quantities: [0] incumbents Σ_{rows i < k at r} (y[i] − y0[pos[i]]),
    [1] births Σ_{rows i ≥ k at r} y[i], [2] relocations in Σ_{i < k moved, now at r} y0[pos[i]],
    [3] relocations out Σ_{i < k moved, from r} y0[pos[i]], [4] exits Σ_{base j gone, r0_j = r}
    y0[j]. Rows i < k are the base firms alive (cohort positions ``pos``, base sites ``site0``);
    every bin adds its rows in row order from 0 (moves in row order, exits by cohort position).
    Bincounts (births and incumbents of all quantities in one interleaved bincount, row i of
    quantity q at position i·m + q: ``sim.arrays``), or the kernel :func:`_channel_sums_kernel`
    (the same additions in one pass)."""
    m, n = len(ys), len(site)
    if jit.ENABLED:
        out = np.zeros((5, m, R))
        _channel_sums_kernel(tuple(np.ascontiguousarray(y, dtype=np.float64) for y in ys),
                             tuple(np.ascontiguousarray(y, dtype=np.float64) for y in y0s),
                             np.ascontiguousarray(site, dtype=np.intp), np.ascontiguousarray(pos, dtype=np.intp),
                             k, np.ascontiguousarray(site0, dtype=np.intp), out)
        return out
    out = np.empty((5, m, R))
    bins = site.copy()
    bins[k:] += R
    key = np.empty((n, m), dtype=np.intp)
    w = np.empty((n, m))
    for q in range(m):
        np.add(bins, 2 * R * q, out=key[:, q])
        np.subtract(ys[q][:k], y0s[q][pos], out=w[:k, q])
        w[k:, q] = ys[q][k:]
    born_inc = np.bincount(key.ravel(), weights=w.ravel(), minlength=2 * R * m).reshape(m, 2, R)
    out[0], out[1] = born_inc[:, 0], born_inc[:, 1]
    site_b, site0_b = site[:k], site0[pos]
    moved = (site_b != site0_b).nonzero()[0]
    gone = np.ones(len(site0), dtype=bool)
    gone[pos] = False
    dead = np.flatnonzero(gone)
    to_b, from_b, pos_m = site_b[moved], site0_b[moved], pos[moved]
    for q in range(m):
        m0 = y0s[q][pos_m]
        out[2, q] = np.bincount(to_b, weights=m0, minlength=R)
        out[3, q] = np.bincount(from_b, weights=m0, minlength=R)
    out[4] = bincounts([site0[dead]] * m, [y0s[q][dead] for q in range(m)], [R] * m)
    return out


@jit.kernel
def _channel_sums_kernel(ys, y0s, site, pos, k, site0, out):
    """:func:`_channel_sums` row by row: out[0, q, r] += y_q[i] − y0_q[pos[i]] and, if the firm
    moved (r ≠ r0 = site0[pos[i]]), out[2, q, r] += y0_q[pos[i]], out[3, q, r0] += y0_q[pos[i]] for
    rows i < k; out[1, q, r] += y_q[i] for rows i ≥ k; out[4, q, site0[j]] += y0_q[j] for the base
    positions j that no row holds, in increasing j. ``ys``, ``y0s``: tuples of m arrays."""
    m = len(ys)
    held = np.zeros(site0.shape[0], dtype=np.bool_)
    for i in range(k):
        p, r = pos[i], site[i]
        held[p] = True
        r0 = site0[p]
        for q in range(m):
            out[0, q, r] += ys[q][i] - y0s[q][p]
        if r != r0:
            for q in range(m):
                x = y0s[q][p]
                out[2, q, r] += x
                out[3, q, r0] += x
    for i in range(k, site.shape[0]):
        r = site[i]
        for q in range(m):
            out[1, q, r] += ys[q][i]
    for j in range(site0.shape[0]):
        if not held[j]:
            r0 = site0[j]
            for q in range(m):
                out[4, q, r0] += y0s[q][j]
