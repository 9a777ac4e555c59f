"""The firm population: a struct-of-arrays (one numpy array per field, one row per firm), never
per-firm Python objects (docs/architecture.md).

Rows are in order of creation (firm ids increase down the arrays). Exiting firms leave the arrays at
once (``compact_append``), so every row is alive except inside a step's exit stage. The population
owns the index caches built on its arrays, each with one invalidation point: ``moved()`` when sites or
scales change, ``grown()`` when scales change, ``changed()`` when rows are added or removed.
"""
from __future__ import annotations

import numpy as np

from .. import jit
from ..arrays import segment_sums

# per-firm fields (output, value added and jobs are rebuilt by the production stage each step)
FIELDS = ("firm_id", "sector", "site", "scale", "home", "alive", "land",
          "arrived_t", "land_disc", "induced", "pivotal", "pinned")
DTYPES = {"firm_id": np.int64, "sector": np.int32, "site": np.int32, "scale": float, "home": np.int32,
          "alive": bool, "land": float, "arrived_t": float, "land_disc": float, "induced": bool,
          "pivotal": np.int64, "pinned": bool}


def new_firm_values(t: float) -> dict:
    """Fields of a firm born (or placed) at date ``t`` that do not depend on where: it arrived at
    t, holds no land discount, is not induced, has no pivotal lever and is not pinned."""
    return {"alive": True, "land": 0.0, "arrived_t": t, "land_disc": 0.0, "induced": False,
            "pivotal": 0, "pinned": False}


def group_by_sector(sector: np.ndarray, S: int) -> tuple:
    """Rows of ``sector`` grouped by sector, in row order within a sector:
    ``(perm, sector[perm], starts, ends, counts)`` (a stable sort on a small integer type is a
    radix sort: O(n))."""
    counts = np.bincount(sector, minlength=S)
    ends = np.cumsum(counts)
    if jit.ENABLED:
        perm = np.empty(len(sector), dtype=np.intp)
        _counting_sort(np.ascontiguousarray(sector), ends - counts, perm)
    else:
        perm = np.argsort(sector.astype(np.int8 if S < 128 else np.int32), kind="stable")
    # sector[perm]: each sector's id repeated over its rows (the same array, without the gather)
    return perm, np.repeat(np.arange(S, dtype=sector.dtype), counts), ends - counts, ends, counts


@jit.kernel
def _counting_sort(sector, starts, perm):
    """The stable sort of rows by sector (``np.argsort(sector, kind="stable")``, the same
    permutation): row i goes to the next free place of its sector, from ``starts[sector[i]]``."""
    nxt = starts.copy()
    for i in range(sector.shape[0]):
        s = sector[i]
        perm[nxt[s]] = i
        nxt[s] += 1


@jit.kernel
def _take_into(a, rows, out):
    """out[i] = a[rows[i]] for i < len(rows): the survivors' values in one pass (``take``)."""
    for i in range(rows.shape[0]):
        out[i] = a[rows[i]]


class FirmPopulation:
    """Firms of ``S`` sectors on ``R`` sites. ``site_market[r]``: the market (city or origin) of
    site r; ``mobile_sector[s]``: whether firms of sector s may relocate; ``site_cell[r]``: the flat
    grid cell of site r (−1 off the grid; ``sim.agents.places.build_grid``), None without a grid."""

    def __init__(self, S: int, R: int, site_market: np.ndarray, mobile_sector: np.ndarray,
                 site_cell: np.ndarray | None = None, **fields: np.ndarray) -> None:
        self.S, self.R = S, R
        self.site_market, self.mobile_sector, self.site_cell = site_market, mobile_sector, site_cell
        n = len(fields["firm_id"])
        for name in FIELDS:
            if name in fields:
                setattr(self, name, np.asarray(fields[name], dtype=DTYPES[name]))
            else:
                setattr(self, name, np.full(n, new_firm_values(-np.inf)[name], dtype=DTYPES[name]))
        self.next_id = int(self.firm_id.max()) + 1 if n else 0
        self.output = self.va = self.jobs = None
        self._grp = self._fx = self._pop = self._ms = self._tot = None

    def __len__(self) -> int:
        return len(self.firm_id)

    @property
    def cell(self) -> np.ndarray:
        """Each firm's grid cell (flat index x·height + y; −1 at an origin): its site's cell, read
        through the current sites (one gather, never stale)."""
        return self.site_cell[self.site]

    # ------------------------------------------------------------------ caches
    def moved(self) -> None:
        """Some firm changed site or scale: drop the caches that depend on sites and scales."""
        self._fx = self._ms = self._tot = None

    def grown(self) -> None:
        """Scales changed (growth): drop the market sums over scale and the totals."""
        self._ms = self._tot = None

    def changed(self) -> None:
        """Rows were added or removed: drop every cache."""
        self._grp = self._pop = None
        self.moved()

    def by_sector(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Live firms grouped by sector, in array order within a sector: ``(perm, sector[perm],
        starts, ends, counts)``. Sector ``s`` is ``perm[starts[s]:ends[s]]``, the same firms in the
        same order as ``np.flatnonzero(alive & (sector == s))``, so sums over a slice equal sums
        over that mask bit for bit."""
        g = self._grp
        if g is None:
            if self.alive.all():
                g = group_by_sector(self.sector, self.S)
            else:
                idx = np.flatnonzero(self.alive)
                perm, sec_p, starts, ends, counts = group_by_sector(self.sector[idx], self.S)
                g = (idx[perm], sec_p, starts, ends, counts)
            self._grp = g
        return g

    def index(self) -> dict:
        """Per-firm index arrays (``intp``) of the current sites: ``site``, ``key`` = sector·R + site
        (the flat index into (sector, site) tables), ``place`` = the market of the site and
        ``sector`` (gathers ``x[sector]`` through an ``intp`` index are ~3× faster than through the
        stored ``int32``)."""
        fx = self._fx
        if fx is None:
            site = self.site.astype(np.intp)
            sector = self.sector.astype(np.intp)
            key = sector * self.R
            key += site
            fx = self._fx = {"site": site, "key": key, "place": self.site_market[site], "sector": sector}
        return fx

    def totals(self) -> dict:
        """Totals over the firms that one stage takes in passing and a later one reads, while no firm
        has moved, grown, entered or left (``moved``, ``grown``, ``changed`` drop them): the owners'
        income of the production stage's state, read at the next period's start
        (``sim.agents.production``). Each entry says what else it depends on."""
        if self._tot is None:
            self._tot = {}
        return self._tot

    def revisers(self) -> dict:
        """Arrays that change only with the population (not with moves): ``home`` (``intp``), the
        rows that may revise (mobile sector, not pinned, alive) and their firm ids."""
        pop = self._pop
        if pop is None:
            cand = self.mobile_sector.take(self.index()["sector"])  # (an intp index: faster gather)
            pinned = bool(self.pinned.any())
            if pinned:
                cand &= ~self.pinned
            if not self.alive.all():
                cand &= self.alive
            rows = np.flatnonzero(cand)
            pop = self._pop = {"home": self.home.astype(np.intp), "cand": rows,
                               "cand_ids": self.firm_id[rows], "pinned": pinned}
        return pop

    def scale_sums(self) -> tuple:
        """``(key_p, scale_p, raw, den)``: the live firms' flat keys and scales in sector-grouped
        order, Σ scale by (sector, site) (S × R) and Σ scale by sector (a list; ≥ 1e-300)."""
        ms = self._ms
        if ms is None:
            perm, _, starts, ends, _ = self.by_sector()
            key_p = self.index()["key"][perm]
            scale_p = self.scale[perm]
            raw = np.bincount(key_p, weights=scale_p, minlength=self.S * self.R).reshape(self.S, self.R)
            den = [max(x, 1e-300) for x in segment_sums(scale_p, starts, ends).tolist()]  # (``.sum()``)
            ms = self._ms = (key_p, scale_p, raw, den)
        return ms

    # ------------------------------------------------------------------ rows
    def compact_append(self, keep: np.ndarray, new: dict, n_new: int) -> None:
        """Keep rows ``keep`` (in order) and append ``n_new`` rows with the values of ``new`` (a
        scalar or an array per field; ``scale`` is left for the caller to fill), in one copy of
        each array: the survivors keep their order, so every sum over firms adds the same numbers
        in the same order as a mask over the old rows would."""
        nk = keep.size
        for name in FIELDS:
            if name == "alive":  # survivors and entrants: every row is alive
                self.alive = np.ones(nk + n_new, dtype=bool)
                continue
            a = getattr(self, name)
            b = np.empty(nk + n_new, dtype=a.dtype)
            if jit.ENABLED:
                _take_into(a, keep, b)  # b[:nk] = a[keep]
            else:
                a.take(keep, out=b[:nk], mode="clip")  # (mode="raise" with out= buffers)
            if name != "scale":
                b[nk:] = new[name]
            setattr(self, name, b)
        self.output = self.va = self.jobs = None  # rebuilt by the production stage
        self.changed()

    def append(self, **values) -> None:
        """Append one firm (anchors): a value per field; fields not given take ``new_firm_values``."""
        for name in FIELDS:
            setattr(self, name, np.r_[getattr(self, name), values[name]].astype(DTYPES[name]))
        self.changed()
