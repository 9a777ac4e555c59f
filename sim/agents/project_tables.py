"""The projects' tables (``sim.agents.projects``): the pipeline's projects as a struct of arrays, and
the period's project counts and money by site × investor origin."""
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
    scenario's known projects (−1 for the calibrated flow)."""

    def __init__(self) -> None:
        for name, dt in FIELDS.items():
            setattr(self, name, np.zeros(0, dtype=dt))

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
        """``add`` of several (measure, site, origin, w), in one bincount over the measures' bins
        (each bin adds its projects in order from 0: the same numbers) when every table with
        weights is empty, else one by one (``np.add.at`` where a table with weights has some)."""
        RQ = self.R * self.Q
        items = [it for it in items if len(it[1])]
        counts = [np.ndim(w) == 0 and w == 1.0 for _, _, _, w in items]
        if any(not c and self.table[self.MEASURES.index(it[0])].any() for it, c in zip(items, counts)):
            for (measure, site, origin, w), c in zip(items, counts):
                a = getattr(self, measure)
                if c:
                    key = np.asarray(site, dtype=np.intp) * self.Q + origin
                    a += np.bincount(key, minlength=RQ).reshape(self.R, self.Q)
                elif not a.any():
                    self._fill([(measure, site, origin, w)])
                else:
                    np.add.at(a, (site, origin), w)
            return
        self._fill(items)

    def _fill(self, items: list) -> None:
        """Add every item's projects by one bincount (counts as weights 1.0: whole numbers)."""
        if not items:
            return
        RQ = self.R * self.Q
        keys = [np.asarray(site, dtype=np.intp) * self.Q + origin + self.MEASURES.index(measure) * RQ
                for measure, site, origin, _ in items]
        wts = [np.broadcast_to(np.asarray(w, dtype=float), k.shape) for k, (_, _, _, w) in zip(keys, items)]
        self.table += np.bincount(np.concatenate(keys), weights=np.concatenate(wts),
                                  minlength=len(self.MEASURES) * RQ).reshape(self.table.shape)
