"""Third performance pass (levers' fixed cost per step): the batched lever code against the
straightforward per-lever code it replaced, on a scenario with every lever kind.

``OldLevers`` / ``OldRecorder`` below carry the methods of ``sim/policy.py`` and
``Recorder._collect_policy`` verbatim as they were on ``ee8e661`` (before this pass). The pinned
fingerprints (tests/test_perf_equivalence.py) cover the shipped scenarios; this covers the kinds they do
not use (grants, lump sums, loan guarantees, profit and cost subsidies, land discounts to all firms,
levers reaching only some sectors, budget caps that bind), bit for bit, in the same process.
"""
import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.levers import CHOICE_KINDS, KINDS
from sim.model import RegionalEconomy
from sim.outputs.metrics import Recorder, _kind_unit
from sim.policy import WAN_TO_YI, YI_PER_HA_PER_YUAN_M2, annuity
from sim.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
ZONE = {"cities": ["四平", "辽源", "通化"], "parks_only": True}
SOME = ["装备制造", "医药健康", "新材料", "汽车及零部件"]


def _lv(id_, kind, value, target, **kw):
    return {"id": id_, "kind": kind, "value": value, "target": target, "source": "test", **kw}


# every kind; some levers reach only some sectors, two budgets bind, one lever starts late, one ends
LEVERS = [
    _lv("land_new", "land_discount", {2023: 0.3}, ZONE, applies_to="new"),
    _lv("land_all", "land_discount", {"2023-07": 0.2}, {"cities": ["长春"]}, applies_to="all"),
    _lv("interest", "interest_subsidy", {2023: 1.5}, ZONE, applies_to="new", years=3,
        budget_wan_per_year=300),
    _lv("guarantee", "loan_guarantee", {2023: 0.5}, {"cities": ["吉林"], "sectors": SOME}, applies_to="all"),
    _lv("tax", "tax_rebate", {2023: 0.4}, ZONE, applies_to="new", years=5),
    _lv("profit", "profit_subsidy", {2023: 0.1, "2024-07": 0.0}, {"cities": ["通化"]}, applies_to="all"),
    _lv("grant_new", "grant", {2023: 500}, {**ZONE, "sectors": SOME}, applies_to="new",
        budget_wan_per_year=3000),
    _lv("grant_all", "grant", {"2023-04": 3000}, {"cities": ["吉林", "白城"]}, applies_to="all"),
    _lv("lump", "lump_sum", {2023: 0.2}, {"cities": ["松原"]}, applies_to="new", years=4),
    _lv("talent", "talent_subsidy", {"2023-07": 10000}, {**ZONE, "sectors": SOME}, applies_to="all",
        budget_wan_per_year=5000),
    _lv("cost", "cost_subsidy", {2023: 0.05}, {"cities": ["辽源"]}, applies_to="all"),
    _lv("retain", "retention", {2023: 2000}, {"cities": ["四平"]}, unit_cost_yuan=10000),
    _lv("road", "land_supply", {"2023-07": 100}, {"parks": ["siping_xinkai"]}, cost_wan={"2023-04": 2188}),
    _lv("friction", "friction_cut", {2023: 0.3}, {"cities": ["四平", "辽源"]}, cost_wan=500),
    _lv("promo", "promotion", {2023: 0.8}, {"cities": ["四平"], "sectors": SOME}, cost_wan=3000),
    _lv("glass", "designation", {2023: 1}, {"parks": ["shuangliao_etdz"], "sectors": ["新材料"]}),
]


class OldLevers(RegionalEconomy):
    """``RegionalEconomy`` with the per-lever methods of ``ee8e661`` (verbatim)."""

    def _update_lever_values(self) -> None:
        t = self.t
        year_start = abs(t - round(t)) < 1e-9
        if year_start:
            self.lever_spent_year[:] = 0.0
            self.lever_exhausted[:] = False
        for j, sch in enumerate(self.lever_sched):
            self.lever_val[j] = 0.0 if self.lever_exhausted[j] else sch.at(t)
        # parks opening, land supplied
        for k in np.flatnonzero((self.park_opens > t - self.dt + 1e-9) & (self.park_opens <= t + 1e-9)):
            self.free_land[k] += self.parks[k].capacity
        for j, kind in enumerate(self.lever_kind):
            if kind == "land_supply":
                sch = self.lever_sched[j]
                added = sch.at(t) - sch.at(t - self.dt)
                if added != 0:
                    sites = np.flatnonzero(self.lever_mask[j].any(axis=0))
                    for k in sites:
                        self.parks[k].capacity += added
                        self.parks[k].free0 += added
                        self.free_land[k] = max(self.free_land[k] + added, 0.0)
            elif kind == "retention":
                cities = self.lever_mask[j].any(axis=0) @ self.site_city_w > 0
                self.cum_retained[cities] += self.lever_val[j] * self.dt

    def _lever_rates(self, choice=True, spend=True) -> None:  # (it always computed both)
        """Per lever: ``rate_u[L, s, r]`` its annual choice term (utility units) for a firm that
        gets it in full; ``spend[L, s, r]`` the public money per unit scale per year (亿元)."""
        p, b = self.p, self._base_components()
        self._bc = b
        L = len(self.levers)
        self.rate_u = np.zeros((L, self.S, self.R))
        self.spend_scale = np.zeros((L, self.S, self.R))
        self.spend_firm = np.zeros((L, self.S))  # per-firm amounts (grants once; lump sums per year)
        pib = np.maximum(self.pibar, 1e-300)[:, None]
        per_firm_profit = np.maximum(self.pibar_firm, 1e-300)
        H, r = p.planning_years, p.interest_rate
        aH = annuity(H, r)
        keep = 1 - p.cit_rate
        tax = p.cit_rate * np.maximum(b["pretax"], 0.0)
        net_nopol = self.net_scale
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            m = self.lever_mask[j]
            if v == 0 or not m.any():
                continue
            money = spend = None
            if kind == "land_discount" and self.lever_new[j]:
                # one-off saving on the plot's price, valued like a grant over the planning horizon
                plot = b["land"] / max(p.land_rent_rate, 1e-12)
                money, spend = v * plot / aH, v * b["land"]
            elif kind == "land_discount":  # a rent subsidy to every firm there
                money, spend = v * b["land"] * keep, v * b["land"]
            elif kind == "interest_subsidy":
                money, spend = v / 100 * b["cap"] * keep, v / 100 * b["cap"]
            elif kind == "loan_guarantee":
                money = v * p.guarantee_spread / 100 * b["cap"] * keep
                spend = v * p.guarantee_loss_rate * b["cap"]
            elif kind == "tax_rebate":
                money = spend = v * tax
            elif kind == "profit_subsidy":
                money, spend = v * self.pi_scale * (1 - p.cit_rate * 0), v * self.pi_scale
            elif KINDS[kind].get("site_level"):  # talent and cost subsidies
                # partial equilibrium: profit at the same crowding without this lever's cost cut
                money = net_nopol * (1 - (1 - self.cost_kappa[j]) ** (self.sigma[:, None] - 1))
                kap = self.cost_kappa[j]
                spend = kap / np.maximum(1 - kap, 1e-9) * (self.sigma[:, None] - 1) / self.sigma[:, None] * b["y"]
            elif kind == "grant":
                g = v * WAN_TO_YI
                self.rate_u[j] = np.where(m, p.beta * (g / aH) / per_firm_profit[:, None], 0.0)
                self.spend_firm[j] = g
                continue
            elif kind == "lump_sum":
                self.rate_u[j] = np.where(m, p.beta * v, 0.0)
                self.spend_firm[j] = v * per_firm_profit
                continue
            elif kind == "designation":
                self.rate_u[j] = np.where(m & ~self.lead, p.leading_sector_bonus * v, 0.0)
                continue
            else:  # friction_cut (in _choice_terms), promotion, retention, land_supply: no rate
                continue
            self.rate_u[j] = np.where(m, p.beta * money / pib, 0.0)
            self.spend_scale[j] = np.where(m, spend, 0.0)

    def _eligible(self, j: int, firms: np.ndarray) -> np.ndarray:
        """Firms already at their site that receive lever ``j`` there now (and years left)."""
        m = self.lever_mask[j][self.sector[firms], self.site[firms]]
        if not self.lever_new[j] or KINDS[self.lever_kind[j]].get("site_level"):
            return m.astype(float) * (self.lever_val[j] != 0)
        age = self.t - self.arrived_t[firms]
        ok = m & (self.arrived_t[firms] >= self.lever_start[j] - 1e-9) & (age < self.lever_years[j])
        return ok.astype(float) * (self.lever_val[j] != 0)

    def _choice_terms(self, sec: np.ndarray, firms: np.ndarray, cur: np.ndarray, move: np.ndarray,
                      pib: np.ndarray, present=None) -> list[tuple[int, np.ndarray, np.ndarray]]:  # (present: new)
        """Per active lever: its utility term (n × R) for ``firms`` (of sectors ``sec``, at ``cur``,
        with move costs ``move`` (n × R); ``pib`` per firm) and the firms it applies to (its target
        includes their sector). Rows of other sectors are 0."""
        out = []
        n = len(firms)
        rows = np.arange(n)
        for j, kind in enumerate(self.lever_kind):
            if self.lever_val[j] == 0:
                continue
            applies = self.lever_mask[j].any(axis=1)[sec]
            if not applies.any():
                continue
            if kind == "friction_cut":
                # cheaper to come in from elsewhere: moves inside the target's cities are not helped
                cut = self.lever_val[j] * self.lever_mask[j][sec]
                inside = self.lever_city[j][self.site_market_arr[cur]]
                term = self.p.beta * move * cut / pib[:, None] * ~inside[:, None]
                out.append((j, term, applies))
                continue
            if kind not in CHOICE_KINDS:
                continue
            site_level = bool(KINDS[kind].get("site_level")) or kind == "designation"
            if site_level or not self.lever_new[j]:
                new_factor = 1.0
            else:  # a constant of the run (years, horizon, rate)
                cache = self.__dict__.setdefault("_new_factor", {})
                new_factor = cache.get(j)
                if new_factor is None:
                    new_factor = cache[j] = float(self._duration_factor(self.lever_years[j]))
            term = self.rate_u[j][sec] * new_factor  # 0 where the lever does not reach
            # staying: what the firm receives where it is
            if kind == "grant":
                stay = np.zeros(n)
            elif site_level or not self.lever_new[j]:
                stay = self.rate_u[j][sec, cur] * (kind != "land_discount" or not self.lever_new[j])
            else:
                left = self.lever_years[j] - (self.t - np.maximum(self.arrived_t[firms], -1e9))
                stay = self.rate_u[j][sec, cur] * self._eligible(j, firms) * self._duration_factor(left)
                if kind == "land_discount":
                    stay = np.zeros(n)
            term[rows, cur] = stay
            out.append((j, term, applies))
        return out

    def _attribute(self, firms: np.ndarray, v_full: np.ndarray, terms: list[tuple[int, np.ndarray, np.ndarray]],
                   cur: np.ndarray, dest: np.ndarray, promo_only: np.ndarray, plain: np.ndarray) -> None:
        """Flag each arrival induced (its best choice without any policy term differs from where it
        went) and record the pivotal levers (removing that lever alone changes its best choice).
        Same state, same Gumbel draws: partial equilibrium. ``plain`` marks firms whose sector
        group has no lever term and no promotion-only reviser: deadweight, no pivotal lever."""
        moved = dest != cur
        if plain.all():
            self.induced[firms[moved]] = False
            self.pivotal[firms[moved]] = 0
            return
        total = np.zeros_like(v_full)
        for _, term, _ in terms:
            total += term
        none_choice = np.argmax(v_full - total, axis=1)
        induced = none_choice != dest
        piv = np.zeros(len(firms), dtype=np.int64)
        for j, term, applies in terms:
            flip = (np.argmax(v_full - term, axis=1) != dest) & applies
            piv |= np.where(flip, np.int64(1) << np.int64(j), np.int64(0))
        for j, kind in enumerate(self.lever_kind):
            if kind == "promotion" and self.lever_val[j] != 0:
                # it looked only because of the campaign and came to the campaign's places
                hit = promo_only & self.lever_mask[j][self.sector[firms], dest]
                piv |= np.where(hit, np.int64(1) << np.int64(j), np.int64(0))
                induced |= hit
        induced &= ~plain
        piv[plain] = 0
        sel = firms[moved]
        self.induced[sel] = induced[moved]
        self.pivotal[sel] = piv[moved]

    def _one_off_payments(self, arrivals: np.ndarray) -> None:
        """Grants and land discounts (applies_to: new) for firms that arrived or entered this period."""
        if len(arrivals) == 0:
            return
        sec, site = self.sector[arrivals], self.site[arrivals]
        for j, kind in enumerate(self.lever_kind):
            if self.lever_val[j] == 0 or kind not in ("grant", "land_discount"):
                continue
            if kind == "land_discount" and not self.lever_new[j]:
                continue
            m = self.lever_mask[j][sec, site]
            f = arrivals[m]
            if not len(f):
                continue
            if kind == "grant":
                amounts = np.full(len(f), self.lever_val[j] * WAN_TO_YI)
            else:
                amounts = self.lever_val[j] * self.land_price[self.site[f]] * YI_PER_HA_PER_YUAN_M2 * self.land[f]
            paid = self._pay(j, f, amounts)
            if kind == "land_discount":
                self.land_disc[f[paid]] = np.minimum(self.land_disc[f[paid]] + self.lever_val[j], 1.0)

    def _recurring_payments(self) -> None:
        dt = self.dt
        every = self.alive.all()  # no dead rows (dead firms leave the arrays at exit)
        alive = None if every else np.flatnonzero(self.alive)
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            if v == 0:
                continue
            if kind in ("promotion", "friction_cut"):
                if self.lever_cost[j] is not None:
                    sites = np.flatnonzero(self.lever_mask[j].any(axis=0))
                    self._pay_flat(j, self.lever_cost[j].at(self.t) * WAN_TO_YI * dt, sites)
                continue
            if kind == "retention":
                cities = np.flatnonzero(self.lever_mask[j].any(axis=0) @ self.site_city_w > 0)
                sites = np.array([self.n_parks + c for c in cities])
                amount = v * self.levers[j].unit_cost_yuan / 1e8 * dt
                self._pay_flat(j, amount, sites)
                continue
            if kind in ("grant", "designation", "land_supply") or (kind == "land_discount" and self.lever_new[j]):
                continue
            if every:  # flat (sector, site) index of every firm
                f = np.flatnonzero(self.lever_mask[j].ravel().take(self._firm_index()["key"]))
            else:
                f = alive[self.lever_mask[j][self.sector[alive], self.site[alive]]]
            if not len(f):
                continue
            elig = self._eligible(j, f) > 0
            f = f[elig]
            if kind == "lump_sum":
                amounts = np.full(len(f), 0.0) + self.spend_firm[j, self.sector[f]] * dt
            else:
                amounts = self.spend_scale[j][self.sector[f], self.site[f]] * self.scale[f] * dt
            self._pay(j, f, amounts)
        # land servicing on its dates
        for j, kind in enumerate(self.lever_kind):
            if kind == "land_supply" and self.lever_cost[j] is not None:
                due = sum(v for d, v in self.lever_cost[j].points if self.t - dt < d <= self.t + 1e-9)
                if due:
                    self._pay_flat(j, due * WAN_TO_YI, np.flatnonzero(self.lever_mask[j].any(axis=0)))


class OldRecorder(Recorder):
    """``Recorder`` with ``_collect_policy`` of ``ee8e661`` (verbatim)."""

    def _collect_policy(self, m, y: float, in_city: np.ndarray | None = None) -> None:
        """Fiscal ledger (亿元 in the period), attribution of arrivals, lever values. ``in_city``:
        whether each firm's site is in a city (given when every row is alive)."""
        nc = len(m.city_ids)
        W = m.site_city_w  # (R, cities): who collects and pays at each site
        cities = m.city_ids
        P = m.n_parks
        pids = m.site_ids[:P]
        put = self._put  # fresh arrays only; views of model arrays are copied
        rev_c = m.ledger_revenue @ W
        spend_c = m.ledger_spend.sum(axis=0) @ W if len(m.levers) else np.zeros(nc)
        put(y, cities, "fiscal_revenue", rev_c, "亿元/period")
        put(y, cities, "fiscal_spending", spend_c, "亿元/period")
        put(y, cities, "fiscal_balance", rev_c - spend_c, "亿元/period")
        ind_c = np.bincount(m.site_market_arr, weights=m.induced_arrivals, minlength=m.Q)[:nc]
        dw_c = np.bincount(m.site_market_arr, weights=m.deadweight_arrivals, minlength=m.Q)[:nc]
        put(y, cities, "induced_arrivals", ind_c, "firms/period")
        put(y, cities, "deadweight_arrivals", dw_c, "firms/period")
        put(y, pids, "tax_revenue", m.ledger_revenue[:P].copy(), "亿元/period")  # before splitting to cities
        put(y, pids, "induced_arrivals", m.induced_arrivals[:P].copy(), "firms/period")
        put(y, pids, "deadweight_arrivals", m.deadweight_arrivals[:P].copy(), "firms/period")
        for j, lid in enumerate(m.lever_ids):
            sc = m.ledger_spend[j] @ W
            si = m.ledger_spend_induced[j] @ W
            put(y, cities, "lever_spending", sc, "亿元/period", lever=lid)
            put(y, cities, "lever_spending_induced", si, "亿元/period", lever=lid)
            put(y, cities, "pivotal_arrivals",
                np.bincount(m.site_market_arr, weights=m.pivotal_arrivals[j], minlength=m.Q)[:nc],
                "firms/period", lever=lid)
            self.add(y, ["region"], "lever_value", m.lever_val[j], m.levers[j].unit or
                     _kind_unit(m.lever_kind[j]), lever=lid)
        if in_city is None:
            held = np.flatnonzero(m.alive & m.induced & (m.site_market_arr[m.site] < nc))
        else:  # every row alive
            held = np.flatnonzero(m.induced & in_city)
        self.add(y, ["region"], "fiscal_revenue", rev_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_spending", spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "fiscal_balance", rev_c.sum() - spend_c.sum(), "亿元/period")
        self.add(y, ["region"], "induced_arrivals", ind_c.sum(), "firms/period")
        self.add(y, ["region"], "deadweight_arrivals", dw_c.sum(), "firms/period")
        self.add(y, ["region"], "induced_firms", int(held.size), "firms")
        self.add(y, ["region"], "induced_jobs", float(m.jobs[held].sum()), "persons")
        put(y, cities, "induced_jobs",
            np.bincount(m.site_market_arr[m.site[held]], weights=m.jobs[held], minlength=m.Q)[:nc],
            "persons")


def _model(cls, until=2025.5):
    d = copy.deepcopy(load_scenario(BASE).resolved)
    d["levers"] = copy.deepcopy(LEVERS)
    d["firms"]["scale"] = 0.8
    ls = validate_scenario(d, "test.yaml", path=BASE.resolve())
    return cls(ls, until=until)


def _run(cls, rec_cls):
    m = _model(cls)
    rec = rec_cls()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    return m, rec.frame()


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint8) if a.dtype != bool else a


def test_every_lever_kind_bit_identical_to_the_per_lever_code():
    new, df_new = _run(RegionalEconomy, Recorder)
    old, df_old = _run(OldLevers, OldRecorder)
    # the comparison has power: the scenario exercises what the batched code changed
    assert set(new.lever_kind) == set(KINDS)
    piv = np.bitwise_or.reduce(new.pivotal[new.induced])
    pivotal_levers = {new.lever_ids[j] for j in range(len(new.levers)) if (int(piv) >> j) & 1}
    assert len(pivotal_levers) >= 4, pivotal_levers
    assert new.induced.sum() > 20 and (new.land_disc > 0).any()
    assert {e["lever"] for e in new.budget_events} >= {"interest", "talent"}, new.budget_events
    paid = {lid for j, lid in enumerate(new.lever_ids) if (df_new[(df_new.measure == "lever_spending")
                                                                  & (df_new.lever == lid)].value > 0).any()}
    assert {"interest", "tax", "grant_new", "lump", "talent", "guarantee", "retain", "road"} <= paid, paid
    # every row of the Recorder, exactly (values, labels, order, dtypes)
    pd.testing.assert_frame_equal(df_new, df_old, check_exact=True)
    # and the state: per-firm arrays, ledger, budgets
    for name in RegionalEconomy.FIRM_ARRAYS + ("output", "va", "jobs"):
        assert np.array_equal(_bits(getattr(new, name)), _bits(getattr(old, name))), name
    for name in ("free_land", "land_price", "lever_spent_year", "lever_val", "cum_retained",
                 "ledger_spend", "ledger_spend_induced", "pivotal_arrivals", "spend_scale", "spend_firm"):
        assert np.array_equal(_bits(getattr(new, name)), _bits(getattr(old, name))), name
    assert new.budget_events == old.budget_events


def test_choice_terms_and_attribution_equal_the_per_lever_code_for_random_choosers():
    """Every lever's term, for firms of every sector at every kind of site with arrival dates before,
    during and after the levers' windows; then attribution with random destinations."""
    m = _model(RegionalEconomy)
    while m.t < 2024.25 - 1e-9:
        m.step()
    r = np.random.default_rng(5)
    n = 800
    firms = np.sort(r.choice(len(m.firm_id), n, replace=False))
    m.arrived_t[firms] = r.choice([-np.inf, 2021.0, 2023.0, 2023.5, 2024.0, 2024.25], n)
    sec, cur = m.sector[firms].astype(np.intp), m.site[firms]
    assert len(np.unique(sec)) == m.S
    pib = np.maximum(m.pibar, 1e-300)[sec]
    v, move = m._v_rows(sec, cur, pib)
    old = OldLevers._choice_terms(m, sec, firms, cur, move, pib)
    new = m._choice_terms(sec, firms, cur, move, pib)
    assert [j for j, _, _ in new] == [j for j, _, _ in old]
    assert len(new) >= 12  # the choice levers are on
    for (j, t1, a1), (_, t0, a0) in zip(new, old):
        assert np.array_equal(_bits(t1), _bits(t0)), m.lever_ids[j]
        assert np.array_equal(a1, a0), m.lever_ids[j]
    # utilities with the terms and a shock; half the firms go to their best site, the rest stay
    vf = v.copy()
    for j, term, _ in new:
        if not KINDS[m.lever_kind[j]].get("site_level"):
            vf += term
    vf += r.gumbel(size=vf.shape)
    vf[~np.isfinite(vf)] = -np.inf
    # half go to their best site, a quarter to a random site they may choose, the rest stay
    u = r.random(n)
    anywhere = np.array([r.choice(np.flatnonzero(np.isfinite(row))) for row in vf])
    dest = np.where(u < 0.5, np.argmax(vf, axis=1), np.where(u < 0.75, anywhere, cur))
    promo = r.random(n) < 0.3
    plain = r.random(n) < 0.1
    m.induced[firms] = False
    m.pivotal[firms] = 0
    m._attribute(firms, vf, new, cur, dest, promo, plain)
    got = m.induced[firms].copy(), m.pivotal[firms].copy()
    m.induced[firms] = False
    m.pivotal[firms] = 0
    OldLevers._attribute(m, firms, vf, old, cur, dest, promo, plain)
    assert np.array_equal(got[0], m.induced[firms])
    assert np.array_equal(got[1], m.pivotal[firms])
    seen = int(np.bitwise_or.reduce(got[1]))
    assert bin(seen).count("1") >= 8 and got[0].sum() > 20  # many levers pivotal: the check has power
