"""Reporters -> tidy rows (year, place, measure, value, unit, sector, origin).

Money flows are annual rates in 亿元; counts per period; stocks at period end.

Rows are kept as one block per ``add`` call (labels and a value array) and expanded into columns
by ``frame()``; ``collect`` takes each firm-level total in one ``bincount`` (by site, by city, by
(sector, city)), whose bins add the same firms in the same order as a mask per place or sector.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

COLUMNS = ("year", "place", "measure", "value", "unit", "sector", "origin", "lever")


class Recorder:
    def __init__(self) -> None:
        self._blocks: list[tuple] = []  # (year, places, measure, values, unit, sector, origin, lever)

    def add(self, year: float, places, measure: str, values, unit: str, sector: str = "",
            origin: str = "", lever: str = "") -> None:
        places = list(places)
        n = len(places)
        if isinstance(values, (float, int)):  # a number (region rows, lever values): no array
            vals = [float(values)] * n
        else:
            # a copy: callers pass views of model arrays that the next step overwrites
            vals = np.array(values, dtype=float)
            if vals.shape != (n,):
                vals = np.full(n, vals) if vals.ndim == 0 else np.broadcast_to(vals, (n,)).copy()
        self._blocks.append((round(year, 4), places, measure, vals, unit, sector, origin, lever))

    @property
    def cols(self) -> dict[str, list]:
        """The rows as columns of Python lists (``year, place, measure, value, unit, sector, origin,
        lever``)."""
        b = self._blocks
        n = [len(x[1]) for x in b]
        out = {"place": list(chain.from_iterable(x[1] for x in b)),
               "value": np.concatenate([x[3] for x in b]).tolist() if b else []}
        for i, k in enumerate(COLUMNS):
            if k not in out:
                out[k] = list(chain.from_iterable([x[i]] * k_n for x, k_n in zip(b, n)))
        return {k: out[k] for k in COLUMNS}

    def collect(self, m) -> None:
        """One period's rows from a RegionalEconomy ``m`` (called after each step and at base)."""
        y = m.t if m.step_count else m.start
        nc = len(m.city_ids)
        cities = m.city_ids
        alive = m.alive
        if alive.all():  # the usual case: dead firms leave the arrays at exit
            site, sector, output, va, jobs = m.site, m.sector, m.output, m.va, m.jobs
        else:
            site, sector, output, va, jobs = (m.site[alive], m.sector[alive], m.output[alive],
                                              m.va[alive], m.jobs[alive])
        place = m.site_market_arr[site]
        in_city = place < nc
        industrial = np.array([s not in ("文化旅游",) for s in m.sectors])
        ind = in_city & industrial[sector]
        Q, R = m.Q, m.R

        def by_place(w=None):  # by city (market) q: the bins of cities add only firms in cities
            return np.bincount(place, weights=w, minlength=Q)[:nc]

        def by_site(w=None):
            return np.bincount(site, weights=w, minlength=R)

        self.add(y, cities, "gdp", [c.gdp for c in m.cities], "亿元/year")
        self.add(y, cities, "population", [c.population for c in m.cities], "万人")
        self.add(y, cities, "wage", [c.wage for c in m.cities], "yuan/year")
        out_ind = output[ind]
        self.add(y, cities, "industrial_output",
                 np.bincount(place[ind], weights=out_ind, minlength=nc), "亿元/year")
        self.add(y, cities, "value_added", by_place(va), "亿元/year")
        self.add(y, cities, "firms", by_place(), "firms")
        self.add(y, cities, "jobs", by_place(jobs), "persons")
        arr_c = np.bincount(m.site_market_arr, weights=m.arrivals, minlength=m.Q)[:nc]
        dep_c = np.bincount(m.site_market_arr, weights=m.departures, minlength=m.Q)[:nc]
        self.add(y, cities, "arrivals", arr_c, "firms/period")
        self.add(y, cities, "departures", dep_c, "firms/period")
        by_sec = np.bincount(sector * Q + place, weights=output, minlength=m.S * Q).reshape(m.S, Q)
        for s, sec in enumerate(m.sectors):
            self.add(y, cities, "industrial_output" if industrial[s] else "output",
                     by_sec[s, :nc], "亿元/year", sector=sec)
        # parks (and origins below): per-site totals
        firms_r, jobs_r, out_r = by_site(), by_site(jobs), by_site(output)
        P = m.n_parks
        pids = m.site_ids[:P]
        self.add(y, pids, "firms", firms_r[:P], "firms")
        self.add(y, pids, "jobs", jobs_r[:P], "persons")
        self.add(y, pids, "industrial_output", out_r[:P], "亿元/year")
        self.add(y, pids, "arrivals", m.arrivals[:P], "firms/period")
        self.add(y, pids, "departures", m.departures[:P], "firms/period")
        self.add(y, pids, "occupancy", [pk.occupancy for pk in m.parks], "share")
        self.add(y, pids, "land_price", m.land_price[:P], "yuan/m²")
        # land in use (capacity − free land; nothing before a new park opens): 亩均 indicators
        cap = np.array([pk.capacity for pk in m.parks], dtype=float)
        opened = m.park_opens[:P] <= y + 1e-9
        self.add(y, pids, "land_used", np.where(opened, cap - m.free_land[:P], 0.0), "ha")
        # arrivals into the study area by origin region (previous location): rows of sites added
        # into their city in site order, as a bincount over sites would
        from_city = np.zeros((Q, Q))
        np.add.at(from_city, m.site_market_arr, m.arrivals_from)
        for q, org in enumerate(m.market_ids):
            by_city = from_city[:nc, q].copy()
            if org in cities:
                by_city[cities.index(org)] = 0.0  # moves inside a city are not arrivals from outside
            self.add(y, cities, "arrivals_by_origin", by_city, "firms/period", origin=org)
        # origin regions
        oids = [m.site_ids[k] for k in range(m.R) if m.is_origin[k]]
        ok = np.flatnonzero(m.is_origin)
        self.add(y, oids, "firms", firms_r[ok], "firms")
        self.add(y, oids, "industrial_output", out_r[ok], "亿元/year")
        self.add(y, oids, "departures", m.departures[ok], "firms/period")
        self._collect_policy(m, y, place if alive.all() else None)
        # region
        self.add(y, ["region"], "gdp", sum(c.gdp for c in m.cities), "亿元/year")
        self.add(y, ["region"], "industrial_output", out_ind.sum(), "亿元/year")
        self.add(y, ["region"], "firms", int(in_city.sum()), "firms")
        self.add(y, ["region"], "jobs", jobs[in_city].sum(), "persons")
        into_area = m.site_market_arr < nc
        self.add(y, ["region"], "arrivals", m.arrivals_from[into_area][:, nc:].sum(), "firms/period")

    def _collect_policy(self, m, y: float, place: np.ndarray | None = None) -> None:
        """Fiscal ledger (亿元 in the period), attribution of arrivals, lever values."""
        nc = len(m.city_ids)
        W = m.site_city_w  # (R, cities): who collects and pays at each site
        cities = m.city_ids
        P = m.n_parks
        pids = m.site_ids[:P]
        rev_c = m.ledger_revenue @ W
        spend_c = m.ledger_spend.sum(axis=0) @ W if len(m.levers) else np.zeros(nc)
        self.add(y, cities, "fiscal_revenue", rev_c, "亿元/period")
        self.add(y, cities, "fiscal_spending", spend_c, "亿元/period")
        self.add(y, cities, "fiscal_balance", rev_c - spend_c, "亿元/period")
        ind_c = np.bincount(m.site_market_arr, weights=m.induced_arrivals, minlength=m.Q)[:nc]
        dw_c = np.bincount(m.site_market_arr, weights=m.deadweight_arrivals, minlength=m.Q)[:nc]
        self.add(y, cities, "induced_arrivals", ind_c, "firms/period")
        self.add(y, cities, "deadweight_arrivals", dw_c, "firms/period")
        self.add(y, pids, "tax_revenue", m.ledger_revenue[:P], "亿元/period")  # before splitting to cities
        self.add(y, pids, "induced_arrivals", m.induced_arrivals[:P], "firms/period")
        self.add(y, pids, "deadweight_arrivals", m.deadweight_arrivals[:P], "firms/period")
        for j, lid in enumerate(m.lever_ids):
            sc = m.ledger_spend[j] @ W
            si = m.ledger_spend_induced[j] @ W
            self.add(y, cities, "lever_spending", sc, "亿元/period", lever=lid)
            self.add(y, cities, "lever_spending_induced", si, "亿元/period", lever=lid)
            self.add(y, cities, "pivotal_arrivals",
                     np.bincount(m.site_market_arr, weights=m.pivotal_arrivals[j], minlength=m.Q)[:nc],
                     "firms/period", lever=lid)
            self.add(y, ["region"], "lever_value", m.lever_val[j], m.levers[j].unit or
                     _kind_unit(m.lever_kind[j]), lever=lid)
        if place is None:  # market of every firm's site (given when every row is alive)
            place = m.site_market_arr[m.site]
        held = np.flatnonzero(m.alive & m.induced & (place < nc))
        self.add(y, ["region"], "fiscal_revenue", rev_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_spending", spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_balance", rev_c.sum() - spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "induced_arrivals", ind_c.sum(), "firms/period")
        self.add(y, ["region"], "deadweight_arrivals", dw_c.sum(), "firms/period")
        self.add(y, ["region"], "induced_firms", int(held.size), "firms")
        self.add(y, ["region"], "induced_jobs", float(m.jobs[held].sum()), "persons")
        self.add(y, cities, "induced_jobs",
                 np.bincount(m.site_market_arr[m.site[held]], weights=m.jobs[held], minlength=m.Q)[:nc],
                 "persons")

    def frame(self):
        import pandas as pd
        return pd.DataFrame(self.cols)


def _kind_unit(kind: str) -> str:
    from .levers import KINDS
    return KINDS[kind]["unit"]


def record_run(model, check: bool = False, on_step=None) -> Recorder:
    """Step ``model`` to its end, collecting every period (the base included); with ``check`` the
    invariants are checked before the first step and after each (sim/invariants.py)."""
    checker = None
    if check:
        from .invariants import InvariantChecker
        checker = InvariantChecker(model)
        checker.check()
    rec = Recorder()
    rec.collect(model)
    for _ in range(model.n_steps):
        model.step()
        rec.collect(model)
        if checker is not None:
            checker.check()
        if on_step is not None:
            on_step()
    return rec
