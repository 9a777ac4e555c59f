"""Reporters -> tidy rows (year, place, measure, value, unit, sector, origin).

Money flows are annual rates in 亿元; counts per period; stocks at period end.

Rows are kept as one block per ``add`` call (labels and a value array) and expanded into columns
by ``frame()``; ``collect`` takes each firm-level total in one ``bincount`` (by site, by city, by
(sector, city)), whose bins add the same firms in the same order as a mask per place or sector.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from ..agents.cohort import recorded_values
from ..arrays import bincounts
from ..economy.fiscal import general_budget
from ..economy.prices import deflator_index, deflator_indices, real_value
from ..policy.attribution import MONEY_BIT
from ..policy.infrastructure import PAYERS, period_spending
from .channels import CHANGE_MEASURES, QUANTITIES
from .metric_tables import fixed_tables

COLUMNS = ("year", "place", "measure", "value", "unit", "sector", "origin", "lever", "investor_origin",
           "channel", "decided_by")
# where investment projects come from (MODEL.md §9.2): region rows of the project measures are split
# by it; city and park rows, and every other measure, leave it empty
PROJECT_MEASURES = {"projects_intended": "projects/period", "projects_signed": "projects/period",
                    "projects_started": "projects/period", "projects_producing": "projects/period",
                    "projects_dropped": "projects/period", "investment_signed": "亿元/period",
                    "funds_arrived": "亿元/period"}

# stage codes of ``known_project_stage`` rows (sim/agents/known_projects.py STAGE_NAMES)
KNOWN_STAGE_UNIT = ("stage code: -2 pending, 0 intention, 1 signed, 2 started, 3 producing (投产), "
                    "4 full (达产), -1 dropped, 5 closed")


class Recorder:
    def __init__(self) -> None:
        self._blocks: list[tuple] = []  # (year, places, measure, values, unit, sector, origin, lever,
        #                                  investor origin, channel, decided_by)
        self._tab: dict | None = None     # the model's look-up tables (``metric_tables.fixed_tables``), fixed in a run

    def add(self, year: float, places, measure: str, values, unit: str, sector: str = "",
            origin: str = "", lever: str = "", investor_origin: str = "", channel: str = "",
            decided_by: str = "") -> None:
        places = list(places)
        n = len(places)
        if isinstance(values, (float, int)):  # a number (region rows, lever values): no array
            vals = [float(values)] * n
        else:
            # a copy: callers pass views of model arrays that the next step overwrites
            vals = np.array(values, dtype=float)
            if vals.shape != (n,):
                vals = np.full(n, vals) if vals.ndim == 0 else np.broadcast_to(vals, (n,)).copy()
        self._blocks.append((round(year, 4), places, measure, vals, unit, sector, origin, lever,
                             investor_origin, channel, decided_by))

    @property
    def cols(self) -> dict[str, list]:
        """The rows as columns of Python lists (``year, place, measure, value, unit, sector, origin,
        lever``). A block's label is one value for all its rows, or a list of one per row."""
        b = self._blocks
        n = [len(x[1]) for x in b]
        out = {"place": list(chain.from_iterable(x[1] for x in b)),
               "value": np.concatenate([x[3] for x in b]).tolist() if b else []}
        for i, k in enumerate(COLUMNS):
            if k not in out:
                out[k] = list(chain.from_iterable(x[i] if type(x[i]) is list else [x[i]] * k_n
                                                  for x, k_n in zip(b, n)))
        return {k: out[k] for k in COLUMNS}

    def collect(self, m) -> None:
        """One period's rows from a RegionalEconomy ``m`` (called after each step and at base)."""
        y = m.t if m.step_count else m.start
        yr = round(y, 4)  # the rows' year (rounded once for every row of the period)
        nc = len(m.city_ids)
        cities = m.city_ids
        alive = m.alive
        Q, R, S = m.Q, m.R, m.S
        if self._tab is None:  # a Recorder collects one model's run
            self._tab = fixed_tables(m)
        tab = self._tab
        industrial = tab["industrial"]
        every = alive.all()  # the usual case: dead firms leave the arrays at exit
        if every:
            # per-firm index arrays of the model (intp), and the totals its step already took
            # in its production stage: value added and jobs by city, output by site
            fx = m.firms.index()
            key, site, place = fx["key"], fx["site"], fx["place"]
            sector, output, jobs = m.sector, m.output, m.jobs
            va_c, jobs_c, out_r = m.city_va, m.city_jobs, m.site_output
            firms_sr = fx.get("count")
            if firms_sr is None:
                firms_sr = fx["count"] = np.bincount(key, minlength=S * R).reshape(S, R)
            firms_r = firms_sr.sum(axis=0)
            firms_c = np.bincount(m.site_market_arr, weights=firms_r, minlength=Q)[:nc]
            ind_place = tab["ind_place"].take(key)  # the city of a firm of an industrial sector, else nc
            ind = ind_place < nc
            sec_place = tab["sec_place"].take(key)
            # industrial output by city, output by (sector, place), jobs by site: one bincount
            ind_c, by_sec, jobs_r = bincounts([ind_place, sec_place, site], [output, output, jobs],
                                              [nc + 1, S * Q, R])
            ind_c = ind_c[:nc]
        else:
            site, sector, output, va, jobs = (m.site[alive], m.sector[alive], m.output[alive],
                                              m.va[alive], m.jobs[alive])
            place = m.site_market_arr[site]
            va_c = np.bincount(place, weights=va, minlength=Q)[:nc]
            jobs_c = np.bincount(place, weights=jobs, minlength=Q)[:nc]
            out_r = np.bincount(site, weights=output, minlength=R)
            firms_r = np.bincount(site, minlength=R)
            firms_c = np.bincount(place, minlength=Q)[:nc]
            ind = (place < nc) & industrial[sector]
            ind_c = np.bincount(place[ind], weights=output[ind], minlength=nc)
            sec_place = sector * Q + place
            by_sec = np.bincount(sec_place, weights=output, minlength=S * Q)
            jobs_r = np.bincount(site, weights=jobs, minlength=R)
        in_city = place < nc
        put = self._put

        gdp_c = np.array([c.gdp for c in m.cities], dtype=float)
        put(yr, cities, "gdp", gdp_c, "亿元/year")
        # real GDP at 2022 prices: nominal / the city's deflator index (sim.economy.prices)
        defl = tab["deflator"]
        if isinstance(defl, tuple):  # every city's rates change on the same dates
            index = deflator_indices(y, m.start, *defl)
        else:
            index = [deflator_index(y, m.start, pts) for pts in defl]
        gdp_real_c = real_value(gdp_c, index)
        put(yr, cities, "gdp_real", gdp_real_c, "亿元/year")
        put(yr, cities, "population", np.array([c.population for c in m.cities], dtype=float), "万人")
        put(yr, cities, "wage", np.array([c.wage for c in m.cities], dtype=float), "yuan/year")
        out_ind = output[ind]
        put(yr, cities, "industrial_output", ind_c, "亿元/year")
        put(yr, cities, "value_added", va_c.astype(float), "亿元/year")
        put(yr, cities, "firms", firms_c.astype(float), "firms")
        put(yr, cities, "jobs", jobs_c.astype(float), "persons")
        arr_c = np.bincount(m.site_market_arr, weights=m.arrivals, minlength=m.Q)[:nc]
        dep_c = np.bincount(m.site_market_arr, weights=m.departures, minlength=m.Q)[:nc]
        put(yr, cities, "arrivals", arr_c, "firms/period")
        put(yr, cities, "departures", dep_c, "firms/period")
        self._put_rows(yr, tab["by_sector"], by_sec.reshape(S, Q)[:, :nc].ravel())
        # parks (and origins below): per-site totals
        firms_r = firms_r.astype(float)
        P = m.n_parks
        pids = tab["pids"]
        put(yr, pids, "firms", firms_r[:P], "firms")
        put(yr, pids, "jobs", jobs_r[:P], "persons")
        put(yr, pids, "industrial_output", out_r[:P].copy(), "亿元/year")
        put(yr, pids, "arrivals", m.arrivals[:P].copy(), "firms/period")
        # by sector: which sectors a park wins (the report's "why these parks" paragraph)
        self._put_rows(yr, tab["park_sectors"], np.concatenate(
            (m.flows.arrivals_sector[:, :P], m.projects.started_sr[:, :P]), axis=None))
        put(yr, pids, "departures", m.departures[:P].copy(), "firms/period")
        cap = np.array([pk.capacity for pk in m.parks], dtype=float)
        put(yr, pids, "occupancy", 1.0 - m.free_land[:P] / cap, "share")
        put(yr, pids, "land_price", m.land_price[:P].copy(), "yuan/m²")
        # land in use (capacity − free land; nothing before a new park opens): 亩均 indicators
        opened = m.park_opens[:P] <= y + 1e-9
        put(yr, pids, "land_used", np.where(opened, cap - m.free_land[:P], 0.0), "ha")
        # arrivals into the study area by origin region (previous location): rows of sites added
        # into their city in site order, as a bincount over sites would
        # (bin (city, origin) of a bincount over (site, origin) in site order: np.add.at's sums)
        from_city = np.bincount((m.site_market_arr[:, None] * Q + np.arange(Q)).ravel(),
                                weights=m.arrivals_from.ravel(), minlength=Q * Q).reshape(Q, Q)
        by_city = from_city[:nc].T.copy()  # (origin q, city)
        for q, c in tab["self_origin"]:
            by_city[q, c] = 0.0  # moves inside a city are not arrivals from outside
        self._put_rows(yr, tab["by_origin"], by_city.ravel())
        # capital (stock, 亿元) and incumbents' gross fixed investment (亿元/period): sim.agents.investment
        inv = m.investment
        cap_r = (inv.k[:, None] * m.firms.scale_sums()[2]).sum(axis=0)
        cap_c = np.bincount(m.site_market_arr, weights=cap_r, minlength=Q)[:nc]
        fi_c = np.bincount(m.site_market_arr, weights=inv.period, minlength=Q)[:nc]
        put(yr, cities, "capital", cap_c, "亿元")
        put(yr, pids, "capital", cap_r[:P].copy(), "亿元")
        put(yr, cities, "fixed_investment", fi_c, "亿元/period")
        put(yr, pids, "fixed_investment", inv.period[:P].copy(), "亿元/period")
        # origin regions
        oids, ok = tab["oids"], tab["ok"]
        put(yr, oids, "firms", firms_r[ok], "firms")
        put(yr, oids, "industrial_output", out_r[ok], "亿元/year")
        put(yr, oids, "departures", m.departures[ok], "firms/period")
        self._collect_policy(m, yr, in_city if every else None)
        self._collect_projects(m, yr)
        self._collect_budget(m, yr, gdp_c)
        self._collect_channels(m, yr)
        # region
        self.add(yr, ["region"], "gdp", sum(c.gdp for c in m.cities), "亿元/year")
        self.add(yr, ["region"], "gdp_real", float(gdp_real_c.sum()), "亿元/year")
        self.add(yr, ["region"], "industrial_output", out_ind.sum(), "亿元/year")
        self.add(yr, ["region"], "firms", int(firms_r[tab["in_city_site"]].sum()), "firms")
        self.add(yr, ["region"], "jobs", jobs[in_city].sum(), "persons")
        self.add(yr, ["region"], "capital", float(cap_c.sum()), "亿元")
        self.add(yr, ["region"], "fixed_investment", float(fi_c.sum()), "亿元/period")
        into_area = m.site_market_arr < nc
        self.add(yr, ["region"], "arrivals", m.arrivals_from[into_area][:, nc:].sum(), "firms/period")

    def _put(self, year: float, places, measure: str, vals: np.ndarray, unit: str, sector: str = "",
             origin: str = "", lever: str = "", investor_origin: str = "", channel: str = "") -> None:
        """:meth:`add` for ``collect``: ``year`` already rounded to 4 places, ``vals`` a float array of
        one value per place that no one else holds (no copy, no checks)."""
        self._blocks.append((year, places, measure, vals, unit, sector, origin, lever, investor_origin,
                             channel, ""))

    def _put_rows(self, year: float, rows: tuple, vals: np.ndarray) -> None:
        """:meth:`_put` of a block of rows whose labels are fixed in a run (``_rows``)."""
        places, measure, unit, sector, origin, lever, investor_origin, channel, decided_by = rows
        self._blocks.append((year, places, measure, vals, unit, sector, origin, lever, investor_origin,
                             channel, decided_by))

    def _collect_policy(self, m, y: float, in_city: np.ndarray | None = None) -> None:
        """Fiscal ledger (亿元 in the period), public investment by payer, attribution of arrivals and
        induced jobs, lever values. ``y``: the year, rounded to 4 places; ``in_city``: whether each
        firm's site is in a city (given when every row is alive)."""
        nc = len(m.city_ids)
        W = m.site_city_w  # (R, cities): who collects and pays at each site
        cities = m.city_ids
        P = m.n_parks
        pids = m.site_ids[:P]
        put = self._put  # fresh arrays only; views of model arrays are copied
        rev_c = m.ledger_revenue @ W
        spend_c = m.ledger_spend.sum(axis=0) @ W if len(m.levers) else np.zeros(nc)
        # public investment in the scenario's transport projects and new parks (by payer); the
        # cities' own share is part of their fiscal spending (sim/policy/infrastructure.py)
        invs = self._tab["investments"]
        if m.step_count and invs:
            inv_tot, inv_pay, inv_city = period_spending(invs, m.t, m.t + m.dt, cities)  # [t, t + dt)
        else:
            inv_tot, inv_pay, inv_city = np.zeros(len(invs)), np.zeros((len(invs), 3)), np.zeros((len(invs), nc))
        infra_c = inv_city.sum(axis=0)
        put(y, cities, "infrastructure_spending_city", infra_c, "亿元/period")
        spend_c = spend_c + infra_c
        put(y, cities, "fiscal_revenue", rev_c, "亿元/period")
        put(y, cities, "fiscal_spending", spend_c, "亿元/period")
        put(y, cities, "fiscal_balance", rev_c - spend_c, "亿元/period")
        put(y, pids, "tax_revenue", m.ledger_revenue[:P].copy(), "亿元/period")  # before splitting to cities
        # attribution of arrivals (docs/model.md §Attribution): arrivals = induced + deadweight +
        # unpaid at every site; jointly induced and money-induced are parts of induced (cities,
        # then parks, of each measure: one block)
        tab = self._tab
        att = [np.bincount(m.site_market_arr, weights=a, minlength=m.Q)[:nc]
               for a in (m.induced_arrivals, m.deadweight_arrivals, m.unpaid_arrivals,
                         m.jointly_induced_arrivals, m.money_induced_arrivals)]
        parks = (m.induced_arrivals, m.deadweight_arrivals, m.unpaid_arrivals,
                 m.jointly_induced_arrivals, m.money_induced_arrivals)
        self._put_rows(y, tab["attribution"],
                       np.concatenate([x for a_c, a in zip(att, parks) for x in (a_c, a[:P])]))
        L = len(m.lever_ids)
        if L:
            # per lever: spending and spending on induced firms by city, pivotal arrivals by city
            # (one bincount for every lever: bin (lever, city) adds the same sites in the same
            # order), its value; a lever that spent nothing has the zeros ``0 @ W`` gives
            piv_all = np.bincount(tab["lever_market"], weights=m.pivotal_arrivals.ravel(),
                                  minlength=L * m.Q).reshape(L, m.Q)
            blk = np.zeros((L, 3 * nc + 1))
            for j in m.ledger_spend.any(axis=1).nonzero()[0]:
                blk[j, :nc] = m.ledger_spend[j] @ W
            for j in m.ledger_spend_induced.any(axis=1).nonzero()[0]:
                blk[j, nc: 2 * nc] = m.ledger_spend_induced[j] @ W
            blk[:, 2 * nc: 3 * nc] = piv_all[:, :nc]
            sc = m.policy.scaled  # a government's lever: its largest rate over sectors (× 1 otherwise)
            blk[:, 3 * nc] = m.lever_val * np.where(sc, m.policy.sector_scale.max(axis=1), 1.0) \
                if sc.any() else m.lever_val
            self._put_rows(y, tab["levers"], blk.ravel())
            for city, lid, secs, vals in (m.governments.value_rows(m.lever_val) if m.governments else ()):
                self.add(y, [city] * len(secs), "lever_value", vals, "share", sector=secs, lever=lid,
                         decided_by=m.scn.city_policy.behaviour)  # by city and sector
        if in_city is None:
            held = np.flatnonzero(m.alive & m.induced & (m.site_market_arr[m.site] < nc))
        else:  # every row alive
            held = (m.induced & in_city).nonzero()[0]
        jobs_held = m.jobs[held]
        # region rows (one value each; ``add`` would make the same floats)
        rev_t, spend_t = float(rev_c.sum()), float(spend_c.sum())
        region = [rev_t, spend_t, rev_t - spend_t, float(inv_tot.sum())]
        region += [float(inv_pay[:, k].sum()) if payer != "city" else float(infra_c.sum())
                   for k, payer in enumerate(PAYERS)]
        region += inv_tot.tolist() + [float(a.sum()) for a in att]
        region += [float(held.size), float(jobs_held.sum())]
        self._put_rows(y, tab["policy_region"], np.array(region))
        put(y, cities, "induced_jobs",
            np.bincount(m.site_market_arr[m.site[held]], weights=jobs_held, minlength=m.Q)[:nc],
            "persons")
        # jobs held in induced firms by who was pivotal: the money levers together, each lever
        piv_held = m.pivotal[held]
        jobs = [float(jobs_held[((piv_held >> MONEY_BIT) & 1).astype(bool)].sum())]
        if L:
            bits = ((piv_held[None, :] >> np.arange(L, dtype=np.int64)[:, None]) & 1).astype(bool)
            add = np.add.reduce  # (what ``.sum()`` calls)
            jobs += [float(add(jobs_held[b])) for b in bits]
        self._put_rows(y, tab["induced_jobs"], np.array(jobs))

    def _collect_projects(self, m, y: float) -> None:
        """Project counts and money of the period (``ProjectEconomy.tally``): per city and park, and
        for the region (the study area) by investor origin, plus the projects in the pipeline."""
        tl = m.projects.tally
        P = m.n_parks
        W = m.site_city_w
        study = ~m.is_origin
        put, region, cities, pids = self._put, ("region",), m.city_ids, self._tab["pids"]
        mids = m.market_ids
        # every measure's (R × Q) site × investor origin table at once (each row and column summed
        # as it would be alone)
        which = self._tab.get("project_measures")
        if which is None:
            which = self._tab["project_measures"] = np.array([tl.MEASURES.index(meas) for meas in PROJECT_MEASURES])
        tab = tl.table.take(which, axis=0)
        by_sites, by_origins = tab.sum(axis=2), tab[:, study].sum(axis=1)
        by_parks = by_sites[:, :P].copy()  # (its rows: one fresh array per measure's block)
        totals = by_origins.sum(axis=1)  # (each row summed as it would be alone: a contiguous row)
        came = by_origins != 0
        for i, (meas, unit) in enumerate(PROJECT_MEASURES.items()):
            put(y, cities, meas, by_sites[i] @ W, unit)
            put(y, pids, meas, by_parks[i], unit)
            # the region by investor origin (where any came from), then its total: one block
            qs = came[i].nonzero()[0]
            vals = np.empty(qs.size + 1)
            vals[:-1] = by_origins[i, qs]
            vals[-1] = totals[i]
            self._blocks.append((y, region * len(vals), meas, vals, unit, "", "", "",
                                 [mids[q] for q in qs.tolist()] + [""], "", ""))
        pipe = m.projects.pop
        in_study = study[pipe.site] if len(pipe) else np.zeros(0, dtype=bool)
        put(y, region, "projects_in_pipeline", np.array([float(in_study.sum())]), "projects")
        put(y, region, "projects_intended_elsewhere", np.array([float(tl.intended_elsewhere)]),
            "projects/period")
        kn = m.known
        if len(kn):  # the scenario's known projects: each one's stage (place = the project's id)
            put(y, kn.ids, "known_project_stage", kn.stage.astype(float), KNOWN_STAGE_UNIT)

    def _collect_budget(self, m, y: float, gdp_c: np.ndarray) -> None:
        """General budget revenue (local taxes + the non-modelled residual growing with nominal
        GDP, sim.economy.fiscal.general_budget) and land-transfer revenue (government-fund budget,
        net of cost), 亿元 in the period, by city and region; land sold also by park."""
        tab, W, dt = self._tab, m.site_city_w, m.dt
        cities, region = m.city_ids, ("region",)
        taxes_c = m.ledger_revenue @ W
        gbr_c, res_c = general_budget(taxes_c, tab["residual0"] * dt, gdp_c, tab["gdp0"])
        land_r = m.ledger.land_net
        land_c = land_r @ W
        put = self._put
        put(y, cities, "general_budget_revenue", gbr_c, "亿元/period")
        put(y, cities, "budget_residual", res_c, "亿元/period")
        put(y, cities, "land_transfer_revenue", land_c, "亿元/period")
        put(y, tab["pids"], "land_transfer_revenue", land_r[: m.n_parks].copy(), "亿元/period")
        put(y, region, "general_budget_revenue", np.array([float(gbr_c.sum())]), "亿元/period")
        put(y, region, "budget_residual", np.array([float(res_c.sum())]), "亿元/period")
        put(y, region, "land_transfer_revenue", np.array([float(land_c.sum())]), "亿元/period")

    def _collect_channels(self, m, y: float) -> None:
        """``output_change``, ``jobs_change``, ``capital_change`` since the base period, each split
        into births / incumbents / relocations / exits (``sim.agents.cohort``), per city, park and
        the region: one bincount per channel and quantity over sites, then sites → places."""
        tab = self._tab
        f = m.firms
        sec = f.index()["sector"] if f.alive.all() else f.sector
        ch = m.cohort.channels(f, recorded_values(f, m.investment.capital(sec, f.scale)))
        to_place = tab["site_to_place"]
        by_place = [ch[QUANTITIES[meas]] @ to_place for meas in CHANGE_MEASURES]  # (4, places) each
        self._put_rows(y, tab["channels"], np.concatenate(by_place, axis=None))

    def frame(self):
        import pandas as pd
        return pd.DataFrame(self.cols)


def record_run(model, check: bool = False, on_step=None) -> Recorder:
    """Step ``model`` to its end, collecting every period (the base included); with ``check`` the
    invariants are checked before the first step and after each (sim/checks/invariants.py)."""
    checker = None
    if check:
        from ..checks.invariants import InvariantChecker
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
