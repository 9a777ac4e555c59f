"""Reporters -> tidy rows (year, place, measure, value, unit, sector, origin).

Money flows are annual rates in 亿元; counts per period; stocks at period end.
"""

from __future__ import annotations

import numpy as np


class Recorder:
    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("year", "place", "measure", "value", "unit",
                                                       "sector", "origin", "lever")}

    def add(self, year: float, places, measure: str, values, unit: str, sector: str = "",
            origin: str = "", lever: str = "") -> None:
        places = list(places)
        vals = np.broadcast_to(np.asarray(values, dtype=float), (len(places),))
        n = len(places)
        self.cols["year"] += [round(year, 4)] * n
        self.cols["place"] += places
        self.cols["measure"] += [measure] * n
        self.cols["value"] += vals.tolist()
        self.cols["unit"] += [unit] * n
        self.cols["sector"] += [sector] * n
        self.cols["origin"] += [origin] * n
        self.cols["lever"] += [lever] * n

    def collect(self, m) -> None:
        """One period's rows from a RegionalEconomy ``m`` (called after each step and at base)."""
        y = m.t if m.step_count else m.start
        nc = len(m.city_ids)
        cities = m.city_ids
        place = m.site_market_arr[m.site]
        alive = m.alive
        in_city = alive & (place < nc)
        industrial = np.array([s not in ("文化旅游",) for s in m.sectors])
        ind = in_city & industrial[m.sector]
        self.add(y, cities, "gdp", [c.gdp for c in m.cities], "亿元/year")
        self.add(y, cities, "population", [c.population for c in m.cities], "万人")
        self.add(y, cities, "wage", [c.wage for c in m.cities], "yuan/year")
        self.add(y, cities, "industrial_output",
                 np.bincount(place[ind], weights=m.output[ind], minlength=nc), "亿元/year")
        self.add(y, cities, "value_added",
                 np.bincount(place[in_city], weights=m.va[in_city], minlength=nc), "亿元/year")
        self.add(y, cities, "firms", np.bincount(place[in_city], minlength=nc), "firms")
        self.add(y, cities, "jobs", np.bincount(place[in_city], weights=m.jobs[in_city], minlength=nc), "persons")
        arr_c = np.bincount(m.site_market_arr, weights=m.arrivals, minlength=m.Q)[:nc]
        dep_c = np.bincount(m.site_market_arr, weights=m.departures, minlength=m.Q)[:nc]
        self.add(y, cities, "arrivals", arr_c, "firms/period")
        self.add(y, cities, "departures", dep_c, "firms/period")
        for s, sec in enumerate(m.sectors):
            mk = in_city & (m.sector == s)
            self.add(y, cities, "industrial_output" if industrial[s] else "output",
                     np.bincount(place[mk], weights=m.output[mk], minlength=nc), "亿元/year", sector=sec)
        # parks
        P = m.n_parks
        pids = m.site_ids[:P]
        at = alive & (m.site < P)
        self.add(y, pids, "firms", np.bincount(m.site[at], minlength=P), "firms")
        self.add(y, pids, "jobs", np.bincount(m.site[at], weights=m.jobs[at], minlength=P), "persons")
        self.add(y, pids, "industrial_output", np.bincount(m.site[at], weights=m.output[at], minlength=P),
                 "亿元/year")
        self.add(y, pids, "arrivals", m.arrivals[:P], "firms/period")
        self.add(y, pids, "departures", m.departures[:P], "firms/period")
        self.add(y, pids, "occupancy", [pk.occupancy for pk in m.parks], "share")
        self.add(y, pids, "land_price", m.land_price[:P], "yuan/m²")
        # arrivals into the study area by origin region (previous location)
        for q, org in enumerate(m.market_ids):
            col = m.arrivals_from[:, q]
            by_city = np.bincount(m.site_market_arr, weights=col, minlength=m.Q)[:nc]
            if org in cities:
                by_city[cities.index(org)] = 0.0  # moves inside a city are not arrivals from outside
            self.add(y, cities, "arrivals_by_origin", by_city, "firms/period", origin=org)
        # origin regions
        oids = [m.site_ids[k] for k in range(m.R) if m.is_origin[k]]
        ok = np.flatnonzero(m.is_origin)
        at_o = alive & m.is_origin[m.site]
        self.add(y, oids, "firms", np.bincount(m.site[at_o], minlength=m.R)[ok], "firms")
        self.add(y, oids, "industrial_output",
                 np.bincount(m.site[at_o], weights=m.output[at_o], minlength=m.R)[ok], "亿元/year")
        self.add(y, oids, "departures", m.departures[ok], "firms/period")
        self._collect_policy(m, y)
        # region
        self.add(y, ["region"], "gdp", sum(c.gdp for c in m.cities), "亿元/year")
        self.add(y, ["region"], "industrial_output", m.output[ind].sum(), "亿元/year")
        self.add(y, ["region"], "firms", int(in_city.sum()), "firms")
        self.add(y, ["region"], "jobs", m.jobs[in_city].sum(), "persons")
        into_area = m.site_market_arr < nc
        self.add(y, ["region"], "arrivals", m.arrivals_from[into_area][:, nc:].sum(), "firms/period")

    def _collect_policy(self, m, y: float) -> None:
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
        alive = m.alive & (m.site_market_arr[m.site] < nc)
        self.add(y, ["region"], "fiscal_revenue", rev_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_spending", spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_balance", rev_c.sum() - spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "induced_arrivals", ind_c.sum(), "firms/period")
        self.add(y, ["region"], "deadweight_arrivals", dw_c.sum(), "firms/period")
        self.add(y, ["region"], "induced_firms", int((alive & m.induced).sum()), "firms")
        self.add(y, ["region"], "induced_jobs", float(m.jobs[alive & m.induced].sum()), "persons")
        self.add(y, cities, "induced_jobs",
                 np.bincount(m.site_market_arr[m.site[alive & m.induced]],
                             weights=m.jobs[alive & m.induced], minlength=m.Q)[:nc], "persons")

    def frame(self):
        import pandas as pd
        return pd.DataFrame(self.cols)


def _kind_unit(kind: str) -> str:
    from .levers import KINDS
    return KINDS[kind]["unit"]
