"""A city's own named projects (``known_projects:`` of a scenario, MODEL.md §9.3, issue 14 item 7).

Each enters the pipeline at its stage (intention, signed, started) in the period that holds its
date, after that period's pipeline step, so its first hazards are those of the next period; a
project known at 投产 (``producing``) is born as a firm in that period. From then on it is a project
like any other: the same stage hazards, levers by stage and land gating at 开工 (a project that
enters as ``started`` holds its plot: it takes it from the park's free land, at most what is free).
Its size is its investment X (亿元): the scale whose output at today's profit per unit scale needs X
of fixed assets (X = k_s·y), so its full output is y = X / k_s and its land need y × 投资强度⁻¹.

Ids: known projects have project ids ``KNOWN_ID0 + k`` (k its row in the list), so their draws are
their own and adding a list changes no draw of the calibrated flow (common random numbers).

The tracker's stage codes per project and period (``STAGE_NAMES``): pending (before its date),
intention, signed, started, producing (投产, ramping), full (达产), dropped (left the pipeline),
closed (exited as a firm after 投产).
"""
from __future__ import annotations

import numpy as np

from ..arrays import member
from ..dates import parse_date
from ..economy.pipeline import PRODUCING, STARTED
from ..economy.profits import land_need
from ..scenario.origins import entry_error

KNOWN_ID0 = 1 << 40
STAGE_INDEX = {"intention": 0, "signed": 1, "started": 2, "producing": 3}
PENDING, DROPPED, FULL, CLOSED = -2, -1, 4, 5
STAGE_NAMES = {PENDING: "pending", 0: "intention", 1: "signed", 2: "started", 3: "producing",
               FULL: "full", DROPPED: "dropped", CLOSED: "closed"}


class KnownProjects:
    """The scenario's known projects compiled against parks, sectors and markets, and each one's
    stage now (``stage``) and firm id once born (``firm_id``, −1 before)."""

    def __init__(self, rows, src: str, park_ids: list[str], sectors: list[str], market_ids: list[str],
                 park_market: np.ndarray) -> None:
        self.rows = list(rows)
        K = len(self.rows)
        self.ids = [kp.id for kp in self.rows]
        self.names = [kp.name_zh for kp in self.rows]
        self.site = np.zeros(K, dtype=np.int32)
        self.sector = np.zeros(K, dtype=np.int32)
        self.origin = np.zeros(K, dtype=np.int32)
        self.start = np.zeros(K)
        self.stage0 = np.zeros(K, dtype=np.int8)
        self.invest = np.array([kp.investment_yi for kp in self.rows], dtype=float)
        places = set(park_ids) | set(market_ids) | {"region"}
        for k, kp in enumerate(self.rows):
            if kp.id in places:  # its rows carry its id as their place
                raise entry_error(src, "known_projects", kp.id, "id", kp.id, "an id that is not a place id (park, city, region)")
            if kp.park not in park_ids:
                raise entry_error(src, "known_projects", kp.id, "park", kp.park,
                                    "a park id from data/parks.csv or the scenario's new_parks")
            if kp.sector not in sectors:
                raise entry_error(src, "known_projects", kp.id, "sector", kp.sector, "a sector from data/sector_params.csv")
            self.site[k] = park_ids.index(kp.park)
            self.sector[k] = sectors.index(kp.sector)
            if kp.investor_origin is None:
                self.origin[k] = park_market[self.site[k]]
            elif kp.investor_origin in market_ids:
                self.origin[k] = market_ids.index(kp.investor_origin)
            else:
                raise entry_error(src, "known_projects", kp.id, "investor_origin", kp.investor_origin,
                                    f"a market id ({', '.join(market_ids)})")
            self.start[k] = parse_date(kp.date)
            self.stage0[k] = STAGE_INDEX[kp.stage]
        self.stage = np.full(K, PENDING, dtype=np.int8)
        self.firm_id = np.full(K, -1, dtype=np.int64)
        self.entered = np.zeros(K, dtype=bool)

    def __len__(self) -> int:
        return len(self.rows)

    def jobs_full(self, capital_per: np.ndarray, jobs_per_yi: np.ndarray) -> np.ndarray:
        """Jobs at full output: the given number, else X / k_s × the sector's jobs per 亿元 (2022)."""
        y = self.invest / capital_per[self.sector]
        return np.array([kp.jobs if kp.jobs is not None else float(y[k] * jobs_per_yi[self.sector[k]])
                         for k, kp in enumerate(self.rows)])

    def enter(self, projects, market, land, t: float, births: dict | None) -> dict | None:
        """The known projects dated in this period (date ≤ t) join the pipeline at their stage (or,
        at ``producing``, the period's births, returned with them)."""
        due = (~self.entered & (self.start <= t + 1e-9)).nonzero()[0]
        if due.size == 0:
            return births
        self.entered[due] = True
        sec, site = self.sector[due], self.site[due]
        y = self.invest[due] / market.capital_per[sec]                  # full output (亿元/year)
        per = np.maximum(market.sigma[sec] * market.pi_scale[sec, site], 1e-300)
        scale = y / per
        need = land_need(market.land_per_output(sec, site), market.sigma[sec], market.pi_scale[sec, site], scale,
                         projects.sites.is_park[site])
        stage = self.stage0[due]
        pre = stage < PRODUCING
        holds = stage >= STARTED   # started or producing: they hold a plot, from the free land
        take = np.zeros(due.size)
        for k in np.flatnonzero(holds):  # one after another: two on one park share what is free
            take[k] = min(need[k], max(land.free[site[k]], 0.0))
            land.free[site[k]] -= take[k]
        land_held = np.where(holds, take, need)
        if pre.any():
            i = pre.nonzero()[0]
            projects.add_known(ids=KNOWN_ID0 + due[i], known=due[i], sector=sec[i], site=site[i],
                               origin=self.origin[due[i]], stage=stage[i], invest=self.invest[due[i]],
                               scale0=scale[i] / projects.trend, land=land_held[i], t=t)
            self.stage[due[i]] = stage[i]
        prod = (~pre).nonzero()[0]
        if prod.size == 0:
            return births
        k = due[prod]
        self.stage[k] = PRODUCING
        new = {"sector": sec[prod], "site": site[prod], "home": self.origin[k], "scale": scale[prod],
               "land": land_held[prod], "induced": np.zeros(prod.size, bool),
               "pivotal": np.zeros(prod.size, np.int64), "known": k.astype(np.int64)}
        if births is None:
            return new
        return {key: np.concatenate([births[key], new[key]]) for key in new}

    def update(self, pop, births: dict | None, first_firm_id: int) -> None:
        """Stages after the period's pipeline step: those in the pipeline at their stage, those born
        as firms (ids from ``first_firm_id`` in births order) producing, the rest that were in the
        pipeline dropped."""
        was = (self.stage >= 0) & (self.stage < PRODUCING)
        now = np.zeros(len(self), dtype=bool)
        kn = pop.known
        inp = kn >= 0
        if inp.any():
            self.stage[kn[inp]] = pop.stage[inp]
            now[kn[inp]] = True
        if births is not None and "known" in births:
            b = (births["known"] >= 0).nonzero()[0]
            k = births["known"][b]
            self.stage[k] = PRODUCING
            self.firm_id[k] = first_firm_id + b
            now[k] = True
        self.stage[was & ~now] = DROPPED

    def update_firms(self, reached: np.ndarray, alive_ids: np.ndarray) -> None:
        """After 投产: full (达产) once the ramp reached it (``reached``: firm ids this period),
        closed when the firm is gone (``alive_ids``: sorted ids of the firms alive)."""
        born = (self.firm_id >= 0).nonzero()[0]
        if born.size == 0:
            return
        fid = self.firm_id[born]
        self.stage[born[member(fid, reached)]] = FULL
        pos = np.minimum(np.searchsorted(alive_ids, fid), max(len(alive_ids) - 1, 0))
        gone = (alive_ids[pos] != fid) if len(alive_ids) else np.ones(born.size, bool)
        self.stage[born[gone]] = CLOSED
