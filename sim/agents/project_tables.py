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
    """This period's project counts and money by site × investor origin (R × Q)."""

    MEASURES = ("projects_intended", "projects_signed", "projects_started", "projects_producing",
                "projects_dropped", "investment_signed", "funds_arrived")

    def __init__(self, R: int, Q: int) -> None:
        self.R, self.Q = R, Q
        for m in self.MEASURES:
            setattr(self, m, np.zeros((R, Q)))
        self.intended_elsewhere = 0.0

    def reset(self) -> None:
        for m in self.MEASURES:
            getattr(self, m)[:] = 0.0
        self.intended_elsewhere = 0.0

    def add(self, measure: str, site: np.ndarray, origin: np.ndarray, w=1.0) -> None:
        """Add ``w`` (a number or one per project) at (site, origin), in project order. A
        ``bincount`` gives what ``np.add.at`` would: counts (w = 1) are whole numbers, exact in any
        order; weights into an empty table are added in the same order from 0."""
        if not len(site):
            return
        a = getattr(self, measure)
        key = np.asarray(site, dtype=np.intp) * self.Q + origin
        if np.ndim(w) == 0 and w == 1.0:
            a += np.bincount(key, minlength=self.R * self.Q).reshape(self.R, self.Q)
        elif not a.any():
            a[:] = np.bincount(key, weights=np.broadcast_to(np.asarray(w, dtype=float), key.shape),
                               minlength=self.R * self.Q).reshape(self.R, self.Q)
        else:
            np.add.at(a, (site, origin), w)
