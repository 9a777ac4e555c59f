"""The ramp to full output (达产, MODEL.md §9.3): a firm born from a project at 投产 produces a share a0
of its full capacity until it reaches 达产, a geometric time of mean T years (hazard h = dt/T per
period; talent subsidies raise it, h' = h·(1 + Σ_j min(v_j / wage, 1)), capped at 1). At 达产 its
scale is divided by a0 (it jumps to full), so the expected output share of a cohort at age n periods
is 1 − (1 − a0)(1 − h)^n. a0 and T are data (national.csv ``ramp_start_share``, ``ramp_years``).

The component holds only the ids of the ramping firms (and their sectors); the firms stay in their
population, so the vectorised model and the per-agent reference in benchmarks/ apply the same
draws (keyed by firm id) to their own firms.

Base year (at rest, MODEL.md §9.6): with births replacing exits at probability e per period, the
stationary share of ramping firms is φ = e / (e + h − e·h) (the period's 达产 draw comes before its
exit draw), and since exits and ramps do not depend on size, it is also their share of full
capacity F. The base firms' calibrated scales c are their current output; a ramping one has full
scale F = c / a0. Drawing base firms ramping with probability

    φ' = φ·a0 / (1 − φ·(1 − a0))

gives the ramping firms the stationary share φ of the base firms' full capacity (φ'c/a0 over
(1 − φ')c + φ'c/a0); new firms' full sizes are drawn from the base firms' full scales. So the
full-capacity mass of ramping firms stays at its stationary share and births (a0 of full), ramps
and exits balance in expectation: output is at rest from the base year on (drawing with φ itself
would put too much capacity on the ramp: output would drift up, by about 2–3 %
at a0 = 0.5, T = 2 years, 3 %/year exits).
"""
from __future__ import annotations

import numpy as np

from .. import rng


class Ramp:
    """Ramping firms (ids and sectors), the start share ``a0`` and the base hazard ``h`` per period."""

    def __init__(self, a0: float, years: float, dt: float, seed: int) -> None:
        self.a0 = float(a0)
        self.h = min(dt / max(years, dt), 1.0) if a0 < 1.0 else 1.0
        self.seed = seed
        self.ids = np.zeros(0, dtype=np.int64)
        self.sector = np.zeros(0, dtype=np.int32)
        self.reached = np.zeros(0, dtype=np.int64)  # ids that reached 达产 in the last step

    @property
    def on(self) -> bool:
        return self.a0 < 1.0

    def stationary_share(self, exit_prob: np.ndarray) -> np.ndarray:
        """φ = e / (e + h − e·h): the stationary share of ramping firms (and of full capacity) at
        exit probability e per period."""
        e = np.asarray(exit_prob, dtype=float)
        return np.where(e > 0, e / np.maximum(e + self.h - e * self.h, 1e-300), 0.0)

    def base_share(self, exit_prob: np.ndarray) -> np.ndarray:
        """φ' = φ·a0 / (1 − φ(1 − a0)): the probability that a base firm (calibrated at its current
        output) is ramping, so that ramping firms hold the stationary share φ of full capacity."""
        phi = self.stationary_share(exit_prob)
        return phi * self.a0 / (1.0 - phi * (1.0 - self.a0))

    def seed_base(self, firm_id: np.ndarray, sector: np.ndarray, site: np.ndarray,
                  exit_prob: np.ndarray) -> np.ndarray:
        """Draw the base firms that are ramping (probability φ' of their (sector, site)'s exit
        probability ``exit_prob[s, r]``); returns the mask. Their full scale is scale / a0."""
        if not self.on or len(firm_id) == 0:
            return np.zeros(len(firm_id), dtype=bool)
        phi = self.base_share(exit_prob)[sector, site]
        u = rng.uniform(self.seed, "ramp_base", 0, firm_id)
        m = u < phi
        self.ids = firm_id[m].astype(np.int64)
        self.sector = sector[m].astype(np.int32)
        return m

    def born(self, births: dict | None) -> dict | None:
        """Projects at 投产 become firms at a0 of their full scale (``births["scale"]`` is full)."""
        if births is None or not self.on:
            return births
        return {**births, "scale": births["scale"] * self.a0}

    def register(self, first_id: int, sector: np.ndarray) -> None:
        """New firms with ids ``first_id`` .. (in births order) start ramping."""
        if not self.on or len(sector) == 0:
            return
        self.ids = np.concatenate([self.ids, first_id + np.arange(len(sector), dtype=np.int64)])
        self.sector = np.concatenate([self.sector, np.asarray(sector, dtype=np.int32)])

    def draw(self, step: int, site: np.ndarray, alive: np.ndarray, mult_sr: np.ndarray | None) -> np.ndarray:
        """This period's 达产: ``site`` of each ramping firm (its current site), ``alive`` whether it
        still exists (those that do not leave the list); ``mult_sr[s, r]`` the talent levers' factor
        on the hazard (None: 1). Keeps the firms still ramping; returns the mask (over the list
        before this call) of those reaching 达产, whose scale the caller divides by a0."""
        if not len(self.ids):
            self.reached = self.ids
            return np.zeros(0, dtype=bool)
        h = np.full(len(self.ids), self.h)
        if mult_sr is not None:
            h = np.minimum(h * mult_sr[self.sector, np.where(alive, site, 0)], 1.0)
        u = rng.uniform(self.seed, "ramp", step, self.ids)
        reach = alive & (u < h)
        self.reached = self.ids[reach]
        keep = alive & ~reach
        self.ids, self.sector = self.ids[keep], self.sector[keep]
        return reach
