"""The projects' tables (``sim.agents.projects``): the pipeline's projects as a struct of arrays, the
period's project counts and money by site × investor origin, and the pools of base-year sizes."""
from __future__ import annotations

import numpy as np

FIELDS = {"project_id": np.int64, "sector": np.int32, "site": np.int32, "origin": np.int32,
          "stage": np.int8, "invest": float, "scale0": float, "land": float, "funds": float,
          "since": float, "induced": bool, "pivotal": np.int64, "waiting": bool, "known": np.int32}


class ProjectPopulation:
    """Projects in the pipeline (before 投产), one row each: id, sector, site, investor origin (a
    market index), stage, investment X (亿元), base-year scale, land need (ha), funds arrived (亿元),
    date of intention, whether it was induced (its site choice, or its survival in the pipeline)
    and its pivotal levers, whether it has waited for free park land to start, and its row in the
    scenario's known projects (−1 for the calibrated flow). ``site_cell[r]``: the flat grid cell of
    site r (``sim.agents.places.build_grid``), None without a grid."""

    def __init__(self, site_cell: np.ndarray | None = None) -> None:
        for name, dt in FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dt))
        self.site_cell = site_cell

    @property
    def cell(self) -> np.ndarray:
        """Each project's grid cell (flat index x·height + y): its site's cell."""
        return self.site_cell[self.site]

    def __len__(self) -> int:
        return len(self.project_id)

    def append(self, **values) -> None:
        for name, dt in FIELDS.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.asarray(values[name], dtype=dt)]))

    def keep(self, rows: np.ndarray) -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name)[rows])


class Tally:
    """This period's project counts and money by site × investor origin (R × Q), every measure's
    table a slice of one stacked array (``table``, measures × R × Q)."""

    MEASURES = ("projects_intended", "projects_signed", "projects_started", "projects_producing",
                "projects_dropped", "investment_signed", "funds_arrived")

    def __init__(self, R: int, Q: int) -> None:
        self.R, self.Q = R, Q
        self.table = np.zeros((len(self.MEASURES), R, Q))
        self.intended_elsewhere = 0.0

    def __getattr__(self, name: str) -> np.ndarray:
        if name in Tally.MEASURES:  # a measure's table (a view into ``table``)
            return self.__dict__["table"][Tally.MEASURES.index(name)]
        raise AttributeError(name)

    def reset(self) -> None:
        self.table[:] = 0.0
        self.intended_elsewhere = 0.0

    def add(self, measure: str, site: np.ndarray, origin: np.ndarray, w=1.0) -> None:
        """Add ``w`` (a number or one per project) at (site, origin), in project order. A
        ``bincount`` gives what ``np.add.at`` would: counts (w = 1) are whole numbers, exact in any
        order; weights into an empty table are added in the same order from 0."""
        self.add_many([(measure, site, origin, w)])

    def add_many(self, items: list) -> None:
        """``add`` of several (measure, site, origin, w) in one bincount over the measures' bins:
        counts (w = 1) are whole numbers, exact in any order; weights go into it when their table
        is empty (each bin adds its projects in order from 0: the same numbers), else by
        ``np.add.at`` (in order, onto what the table holds)."""
        RQ, Q = self.R * self.Q, self.Q
        keys, wts = [], []
        for measure, site, origin, w in items:
            if not len(site):
                continue
            i = self.MEASURES.index(measure)
            scalar = not isinstance(w, np.ndarray)
            if not (scalar and w == 1.0) and self.table[i].any():
                np.add.at(self.table[i], (site, origin), w)
                continue
            k = np.asarray(site, dtype=np.intp) * Q
            k += origin
            k += i * RQ
            keys.append(k)
            wts.append(np.full(len(k), float(w)) if scalar else np.asarray(w, dtype=float))
        if keys:
            self.table += np.bincount(np.concatenate(keys), weights=np.concatenate(wts),
                                      minlength=self.table.size).reshape(self.table.shape)


def size_pools(base_scales: dict, S: int, R: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``base_scales`` (key s·R + r → sorted base-year scales of (sector, site); ("sector", s) → the
    sector's) as one array: (the pools end to end, each once, the offset and the length of the pool
    of each (sector, site) key, the sector's pool where the site has none)."""
    parts, off, size, at = [], np.zeros(S * R, dtype=np.intp), np.zeros(S * R, dtype=np.intp), 0
    sector_at = {}
    for k in range(S * R):
        pool = base_scales.get(k)
        if pool is None:  # the sector's pool, stored once
            s = k // R
            if s not in sector_at:
                sp = base_scales[("sector", s)]
                parts.append(sp)
                sector_at[s] = (at, len(sp))
                at += len(sp)
            off[k], size[k] = sector_at[s]
        else:
            parts.append(pool)
            off[k], size[k] = at, len(pool)
            at += len(pool)
    flat = np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(flat, dtype=float), off, size
