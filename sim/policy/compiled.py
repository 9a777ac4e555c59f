"""The scenario's levers compiled against the model's sectors and sites: static for a run."""
from __future__ import annotations

import numpy as np

from ..dates import parse_schedule
from ..errors import ScenarioError
from ..scenario.origins import entry_error

MAX_LEVERS = 62  # pivotal levers are bits of an int64 per firm


class LeverSet:
    """Per lever: id, kind, schedule, first date, ``applies_to: new``, benefit years, budget and
    cost schedules, and ``mask[L, S, R]``: the (sector, site) pairs its target reaches.
    ``consts()``: what follows from the targets alone, computed once."""

    def __init__(self, levers: list, src: str, sectors: list[str], city_ids: list[str], sites,
                 Q: int) -> None:
        self.levers = list(levers)
        L, S, R = len(self.levers), len(sectors), sites.R
        if L > MAX_LEVERS:
            raise ScenarioError(src, "levers", L, f"at most {MAX_LEVERS} levers in one scenario")
        self.ids = [lv.id for lv in self.levers]
        self.kind = [lv.kind for lv in self.levers]
        self.sched = [parse_schedule(lv.value) for lv in self.levers]
        self.start = np.array([min((d for d, v in sch.points if v > 0), default=np.inf)
                               for sch in self.sched])
        self.start = np.maximum(self.start, -1e9)
        self.new = np.array([lv.applies_to == "new" for lv in self.levers], dtype=bool)
        self.years = np.array([lv.years if lv.years is not None else np.inf for lv in self.levers])
        self.budget = [None if lv.budget_wan_per_year is None else parse_schedule(lv.budget_wan_per_year)
                       for lv in self.levers]
        self.cost = [None if lv.cost_wan is None else parse_schedule(lv.cost_wan) for lv in self.levers]
        self.mask = np.zeros((L, S, R), dtype=bool)
        park_ids = sites.ids[: sites.n_parks]
        study = ~sites.is_origin
        for j, lv in enumerate(self.levers):
            t = lv.target
            on = np.zeros(R, dtype=bool)
            for c in t.cities:
                if c not in city_ids:
                    raise entry_error(src, "levers", lv.id, "target.cities", c,
                                        f"a city id ({', '.join(city_ids)})")
                ci = city_ids.index(c)
                on |= (sites.market_arr == ci) & study & (sites.is_park if t.parks_only else True)
            for pk in t.parks:
                if pk not in park_ids:
                    raise entry_error(src, "levers", lv.id, "target.parks", pk,
                                        "a park id from data/parks.csv or the scenario's new_parks")
                on[park_ids.index(pk)] = True
            if not t.cities and not t.parks:
                on = study & (sites.is_park if t.parks_only else True)
            secs = np.ones(S, dtype=bool)
            if t.sectors:
                secs[:] = False
                for sec in t.sectors:
                    if sec not in sectors:
                        raise entry_error(src, "levers", lv.id, "target.sectors", sec,
                                            "a sector from data/sector_params.csv")
                    secs[sectors.index(sec)] = True
            self.mask[j] = secs[:, None] & on[None, :]
        # markets (cities) holding any of a lever's target sites
        self.city = np.zeros((L, Q), dtype=bool)
        for j in range(L):
            for k in np.flatnonzero(self.mask[j].any(axis=0)):
                self.city[j, sites.market[k]] = True
        self._consts = self._compute_consts(sites.city_w)

    def __len__(self) -> int:
        return len(self.levers)

    def _compute_consts(self, site_city_w: np.ndarray) -> dict:
        mask = self.mask
        L = len(mask)
        sec = mask.any(axis=2)  # (L, S)
        cities = [None] * L
        for j, kind in enumerate(self.kind):
            if kind == "retention":
                cities[j] = mask[j].any(axis=0) @ site_city_w > 0
        first: dict[bytes, int] = {}
        return {
            "any": [bool(mask[j].any()) for j in range(L)],
            "sec": sec,
            "sec_set": [frozenset(np.flatnonzero(sec[j]).tolist()) for j in range(L)],
            "sites": [np.flatnonzero(mask[j].any(axis=0)) for j in range(L)],
            "ret_cities": cities,
            "ret_city_idx": [None if c is None else np.flatnonzero(c) for c in cities],
            # levers with the same target (sectors × sites) share one group number
            "group": [first.setdefault(mask[j].tobytes(), j) for j in range(L)],
            "one_off": [j for j, kind in enumerate(self.kind)
                        if kind == "grant" or (kind == "land_discount" and self.new[j])],
        }

    def consts(self) -> dict:
        """Per lever, from its target alone: whether it reaches anything (``any``), its sectors
        (``sec`` rows and ``sec_set``), its sites, the cities a retention lever pays in, its target
        group (levers with equal targets share one) and the one-off levers (grants, land discounts
        to newcomers). Also a dict the choice rule memoises per-lever constants in."""
        return self._consts
