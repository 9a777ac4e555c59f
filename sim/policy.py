"""Levers at run time: their values, how they enter a firm's choice, what they cost, who they induce.

Mixed into :class:`sim.model.RegionalEconomy`. Everything is per (sector, site) or per firm in numpy
arrays; no Python loop over firms. See docs/model.md §Levers for the equations.

Conventions
-----------
* ``lever_val[L]``: the lever's value this period (0 before its first date, after it ends and, for
  the rest of a calendar year, once its budget cap is spent).
* Choice terms are in utility units: money terms are ``β × (annual after-tax benefit per unit
  scale) / π̄_s`` like the rest of the utility (MODEL.md §4); per-firm lump sums are in units of
  the sector's mean operating profit per firm.
* Spending is gross public money in 亿元 for the period (a tax rebate is counted as spending; revenue
  is counted before rebates, so ``revenue − spending = balance``).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ScenarioError
from .levers import CHOICE_KINDS, KINDS
from .scenario import parse_date, parse_schedule

YI_PER_HA_PER_YUAN_M2 = 1e4 / 1e8  # 1 yuan/m² over 1 ha = 1e4 yuan = 1e-4 亿元
WAN_TO_YI = 1e-4  # 1 万元 = 1e-4 亿元


def annuity(years: float, rate: float) -> float:
    """Present value of 1 a year for ``years`` at ``rate`` (the annuity factor)."""
    if years <= 0:
        return 0.0
    return years if rate <= 0 else (1 - (1 + rate) ** (-years)) / rate


class PolicyMixin:
    # ------------------------------------------------------------------ construction
    def _build_levers(self) -> None:
        """Compile the scenario's levers against the model's sectors and sites."""
        scn, src = self.scn, str(self.loaded.path)
        self.levers = list(scn.levers)
        L = len(self.levers)
        if L > 62:
            raise ScenarioError(src, "levers", L, "at most 62 levers in one scenario")
        self.lever_ids = [lv.id for lv in self.levers]
        self.lever_kind = [lv.kind for lv in self.levers]
        self.lever_sched = [parse_schedule(lv.value) for lv in self.levers]
        self.lever_start = np.array([min((d for d, v in sch.points if v > 0), default=np.inf)
                                     for sch in self.lever_sched])
        self.lever_start = np.maximum(self.lever_start, -1e9)
        self.lever_new = np.array([lv.applies_to == "new" for lv in self.levers], dtype=bool)
        self.lever_years = np.array([lv.years if lv.years is not None else np.inf for lv in self.levers])
        self.lever_budget = [None if lv.budget_wan_per_year is None else parse_schedule(lv.budget_wan_per_year)
                             for lv in self.levers]
        self.lever_cost = [None if lv.cost_wan is None else parse_schedule(lv.cost_wan) for lv in self.levers]
        self.lever_mask = np.zeros((L, self.S, self.R), dtype=bool)
        park_ids = self.site_ids[: self.n_parks]
        study = ~self.is_origin
        for j, lv in enumerate(self.levers):
            key = f"levers.{j}"
            t = lv.target
            sites = np.zeros(self.R, dtype=bool)
            for c in t.cities:
                if c not in self.city_ids:
                    raise ScenarioError(src, f"{key}.target.cities", c,
                                        f"a city id ({', '.join(self.city_ids)})")
                ci = self.city_ids.index(c)
                sites |= (self.site_market_arr == ci) & study & (self.is_park if t.parks_only else True)
            for pk in t.parks:
                if pk not in park_ids:
                    raise ScenarioError(src, f"{key}.target.parks", pk,
                                        "a park id from data/parks.csv or the scenario's new_parks")
                sites[park_ids.index(pk)] = True
            if not t.cities and not t.parks:
                sites = study & (self.is_park if t.parks_only else True)
            secs = np.ones(self.S, dtype=bool)
            if t.sectors:
                secs[:] = False
                for sec in t.sectors:
                    if sec not in self.sectors:
                        raise ScenarioError(src, f"{key}.target.sectors", sec,
                                            "a sector from data/sector_params.csv")
                    secs[self.sectors.index(sec)] = True
            self.lever_mask[j] = secs[:, None] & sites[None, :]
        # markets (cities) holding any of a lever's target sites
        self.lever_city = np.zeros((L, self.Q), dtype=bool)
        for j in range(L):
            for k in np.flatnonzero(self.lever_mask[j].any(axis=0)):
                self.lever_city[j, self.site_market[k]] = True
        self.lever_val = np.zeros(L)
        self.lever_spent_year = np.zeros(L)  # 亿元 spent in the current calendar year
        self.lever_exhausted = np.zeros(L, dtype=bool)
        self.budget_events: list[dict] = []
        self.cum_retained = np.zeros(len(self.city_ids))  # persons kept by retention levers
        # who pays for and collects from each site: its city, or a joint park's partners
        nc = len(self.city_ids)
        self.site_city_w = np.zeros((self.R, nc))
        for k in range(self.R):
            q = self.site_market[k]
            partners = self.park_rows[k].get("partners") if k < self.n_parks else None
            if partners:
                for c, sh in partners.items():
                    self.site_city_w[k, self.city_ids.index(c)] += sh
            elif q < nc:
                self.site_city_w[k, q] = 1.0
        self.park_opens = np.array([pk["opens"] for pk in self.park_rows])
        # anchors: validated now, placed on their start date
        self.anchor_rows = []
        for j, a in enumerate(scn.anchors):
            key = f"anchors.{j}"
            if a.park not in park_ids:
                raise ScenarioError(src, f"{key}.park", a.park, "a park id")
            for fld in ("sector", "input_sector"):
                v = getattr(a, fld)
                if v is not None and v not in self.sectors:
                    raise ScenarioError(src, f"{key}.{fld}", v, "a sector from data/sector_params.csv")
            self.anchor_rows.append({"id": a.id, "site": park_ids.index(a.park), "sector": self.sectors.index(a.sector),
                                     "output": a.output_yi, "start": parse_date(a.starts),
                                     "input": None if a.input_sector is None else self.sectors.index(a.input_sector),
                                     "share": a.local_input_share, "placed": False})
        self.extra_demand = np.zeros((self.S, self.Q))  # anchors' local purchases (亿元/year)
        # ledger of the current period (filled by _pay and _collect)
        self.ledger_spend = np.zeros((L, self.R))        # 亿元 this period, by lever and site
        self.ledger_spend_induced = np.zeros((L, self.R))
        self.ledger_revenue = np.zeros(self.R)
        self.induced_arrivals = np.zeros(self.R)
        self.deadweight_arrivals = np.zeros(self.R)
        self.pivotal_arrivals = np.zeros((L, self.R))

    def _lever_consts(self) -> dict:
        """What follows from the levers' targets alone (``lever_mask``, fixed after
        ``_build_levers``), computed once: per lever whether it reaches anything, its sectors (a
        boolean row and a set), its sites, and for retention levers the cities it pays in."""
        lc = self.__dict__.get("_lever_consts_cache")
        if lc is None or lc["mask"] is not self.lever_mask:
            mask = self.lever_mask
            L = len(mask)
            sec = mask.any(axis=2)  # (L, S)
            cities = [None] * L
            for j, kind in enumerate(self.lever_kind):
                if kind == "retention":
                    cities[j] = mask[j].any(axis=0) @ self.site_city_w > 0
            first: dict[bytes, int] = {}
            lc = self.__dict__["_lever_consts_cache"] = {
                "mask": mask,
                "any": [bool(mask[j].any()) for j in range(L)],
                "sec": sec,
                "sec_set": [frozenset(np.flatnonzero(sec[j]).tolist()) for j in range(L)],
                "sites": [np.flatnonzero(mask[j].any(axis=0)) for j in range(L)],
                "ret_cities": cities,
                "ret_city_idx": [None if c is None else np.flatnonzero(c) for c in cities],
                # levers with the same target (sectors × sites) share one group number
                "group": [first.setdefault(mask[j].tobytes(), j) for j in range(L)],
                "one_off": [j for j, kind in enumerate(self.lever_kind)
                            if kind == "grant" or (kind == "land_discount" and self.lever_new[j])],
            }
        return lc

    def _init_firm_policy_state(self, n: int) -> None:
        self.arrived_t = np.full(n, -np.inf)
        self.land_disc = np.zeros(n)
        self.induced = np.zeros(n, dtype=bool)
        self.pivotal = np.zeros(n, dtype=np.int64)
        self.pinned = np.zeros(n, dtype=bool)

    def _grow_firm_policy_state(self, n: int, t: float) -> None:
        self.arrived_t = np.r_[self.arrived_t, np.full(n, t)]
        self.land_disc = np.r_[self.land_disc, np.zeros(n)]
        self.induced = np.r_[self.induced, np.zeros(n, dtype=bool)]
        self.pivotal = np.r_[self.pivotal, np.zeros(n, dtype=np.int64)]
        self.pinned = np.r_[self.pinned, np.zeros(n, dtype=bool)]

    @staticmethod
    def _new_firm_policy_values(t: float) -> dict:
        """Policy state of an entrant (the values ``_grow_firm_policy_state`` appends)."""
        return {"arrived_t": t, "land_disc": 0.0, "induced": False, "pivotal": 0, "pinned": False}

    # ------------------------------------------------------------------ values each period
    def _update_lever_values(self) -> None:
        t = self.t
        year_start = abs(t - round(t)) < 1e-9
        if year_start:
            self.lever_spent_year[:] = 0.0
            self.lever_exhausted[:] = False
        self.lever_val[:] = [0.0 if ex else sch.at(t)
                             for sch, ex in zip(self.lever_sched, self.lever_exhausted.tolist())]
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
                cities = self._lever_consts()["ret_cities"][j]
                self.cum_retained[cities] += self.lever_val[j] * self.dt

    def _site_cost_cut(self) -> np.ndarray:
        """Multiplier on marginal cost c[s, r] from cost levers (talent and cost subsidies), and
        per lever the share κ_L it removes (for attribution). Needs ``lever_val``."""
        L = len(self.levers)
        self.cost_kappa = np.zeros((L, self.S, self.R))
        mult = np.ones((self.S, self.R))
        wages = self._current_wages()[self.site_market_arr]
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            if v == 0 or not KINDS[kind].get("site_level"):
                continue
            if kind == "cost_subsidy":
                kappa = np.full((self.S, self.R), v)
            else:  # yuan per talent person-year over the site's wage, on the labour share
                share = self.__dict__.get("_talent_cost_share")  # data: fixed in a run
                if share is None:
                    share = self._talent_cost_share = np.array(
                        [self.data.param(s, "labour_cost_share") * self.data.param(s, "talent_share")
                         for s in self.sectors])
                kappa = np.minimum(share[:, None] * v / wages[None, :], 0.9)
            kappa = np.where(self.lever_mask[j], kappa, 0.0)
            self.cost_kappa[j] = kappa
            mult *= 1 - kappa
        return mult

    # ------------------------------------------------------------------ choice terms
    def _base_components(self) -> dict[str, np.ndarray]:
        """Per unit scale at every (sector, site): output, land rent, capital, pre-tax profit."""
        p = self.p
        y = self.sigma[:, None] * self.pi_scale
        land = (self.land_price[None, :] * YI_PER_HA_PER_YUAN_M2 * p.land_rent_rate
                * self.land_int[:, None] * y)
        cap = self.capital_per[:, None] * y
        pretax = self.pi_scale - land - p.interest_rate * cap
        return {"y": y, "land": land, "cap": cap, "pretax": pretax}

    def _lever_rates(self, choice: bool = True, spend: bool = True) -> None:
        """Per lever: ``rate_u[L, s, r]`` its annual choice term (utility units) for a firm that
        gets it in full; ``spend[L, s, r]`` the public money per unit scale per year (亿元).

        ``choice`` / ``spend``: compute the choice terms / the spending rates (both by default).
        In a step, the choices read the rates of the market state they are made in and the
        payments those of the last one (``RegionalEconomy.step``), so each evaluation computes only
        what is read from it; the other arrays keep their last values."""
        p, b = self.p, self._base_components()
        self._bc = b
        L = len(self.levers)
        want_choice, want_spend = choice, spend
        if want_choice:
            self.rate_u = np.zeros((L, self.S, self.R))
        if want_spend:
            self.spend_scale = np.zeros((L, self.S, self.R))
            self.spend_firm = np.zeros((L, self.S))  # per-firm amounts (grants once; lump sums per year)
        pib = np.maximum(self.pibar, 1e-300)[:, None]
        per_firm_profit = np.maximum(self.pibar_firm, 1e-300)
        H, r = p.planning_years, p.interest_rate
        aH = annuity(H, r)
        keep = 1 - p.cit_rate
        tax = None  # p.cit_rate · max(pretax, 0), when a tax lever is on
        net_nopol = self.net_scale
        reaches = self._lever_consts()["any"]
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            if v == 0 or not reaches[j]:
                continue
            m = self.lever_mask[j]
            money = spend = None
            # (each expression only when its result is kept: the same operations when it is)
            if kind == "land_discount" and self.lever_new[j]:
                # one-off saving on the plot's price, valued like a grant over the planning horizon
                if want_choice:
                    plot = b["land"] / max(p.land_rent_rate, 1e-12)
                    money = v * plot / aH
                if want_spend:
                    spend = v * b["land"]
            elif kind == "land_discount":  # a rent subsidy to every firm there
                if want_choice:
                    money = v * b["land"] * keep
                if want_spend:
                    spend = v * b["land"]
            elif kind == "interest_subsidy":
                if want_choice:
                    money = v / 100 * b["cap"] * keep
                if want_spend:
                    spend = v / 100 * b["cap"]
            elif kind == "loan_guarantee":
                if want_choice:
                    money = v * p.guarantee_spread / 100 * b["cap"] * keep
                if want_spend:
                    spend = v * p.guarantee_loss_rate * b["cap"]
            elif kind == "tax_rebate":
                if tax is None:
                    tax = p.cit_rate * np.maximum(b["pretax"], 0.0)
                money = spend = v * tax
            elif kind == "profit_subsidy":
                if want_choice:
                    money = v * self.pi_scale * keep  # taxed like the profit it adds to (docs/model.md)
                if want_spend:
                    spend = v * self.pi_scale
            elif KINDS[kind].get("site_level"):  # talent and cost subsidies
                kap = self.cost_kappa[j]
                if want_choice:
                    # partial equilibrium: profit at the same crowding without this lever's cost cut
                    money = net_nopol * (1 - (1 - kap) ** (self.sigma[:, None] - 1))
                if want_spend:
                    spend = kap / np.maximum(1 - kap, 1e-9) * (self.sigma[:, None] - 1) / self.sigma[:, None] * b["y"]
            elif kind == "grant":
                g = v * WAN_TO_YI
                if want_choice:
                    self.rate_u[j] = np.where(m, p.beta * (g / aH) / per_firm_profit[:, None], 0.0)
                if want_spend:
                    self.spend_firm[j] = g
                continue
            elif kind == "lump_sum":
                if want_choice:
                    self.rate_u[j] = np.where(m, p.beta * v, 0.0)
                if want_spend:
                    self.spend_firm[j] = v * per_firm_profit
                continue
            elif kind == "designation":
                if want_choice:
                    self.rate_u[j] = np.where(m & ~self.lead, p.leading_sector_bonus * v, 0.0)
                continue
            else:  # friction_cut (in _choice_terms), promotion, retention, land_supply: no rate
                continue
            # (rows start at +0: writing where m is what np.where(m, x, 0.0) gives)
            if want_choice:
                np.copyto(self.rate_u[j], p.beta * money / pib, where=m)
            if want_spend:
                np.copyto(self.spend_scale[j], spend, where=m)

    def _duration_factor(self, years: np.ndarray | float) -> np.ndarray:
        """Share of a permanent benefit's value that ``years`` of it are worth to a firm."""
        H, r = self.p.planning_years, self.p.interest_rate
        y = np.minimum(np.asarray(years, dtype=float), H)
        aH = annuity(H, r)
        if r <= 0:
            return np.maximum(y, 0) / aH
        return np.where(y > 0, (1 - (1 + r) ** (-np.maximum(y, 0))) / r / aH, 0.0)

    def _eligible(self, j: int, firms: np.ndarray) -> np.ndarray:
        """Firms already at their site that receive lever ``j`` there now (and years left)."""
        m = self.lever_mask[j][self.sector[firms], self.site[firms]]
        if not self.lever_new[j] or KINDS[self.lever_kind[j]].get("site_level"):
            return m.astype(float) * (self.lever_val[j] != 0)
        age = self.t - self.arrived_t[firms]
        ok = m & (self.arrived_t[firms] >= self.lever_start[j] - 1e-9) & (age < self.lever_years[j])
        return ok.astype(float) * (self.lever_val[j] != 0)

    def _choice_terms(self, sec: np.ndarray, firms: np.ndarray, cur: np.ndarray, move: np.ndarray,
                      pib: np.ndarray, present: set | None = None) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per active lever: its utility term (n × R) for ``firms`` (of sectors ``sec``, at ``cur``,
        with move costs ``move`` (n × R); ``pib`` per firm) and the firms it applies to (its target
        includes their sector). Rows of other sectors are 0. ``present``: the set of sectors in ``sec``
        (computed if not given)."""
        n = len(firms)
        lc = self._lever_consts()
        self._term_stack = None
        if present is None:  # sectors choosing
            present = set(np.flatnonzero(np.bincount(sec, minlength=self.S)).tolist())
        js = []
        for j, kind in enumerate(self.lever_kind):
            if self.lever_val[j] == 0:
                continue
            if not lc["sec_set"][j] & present:  # its target includes none of the choosers' sectors
                continue
            if kind == "friction_cut" or kind in CHOICE_KINDS:
                js.append(j)
        if not js:
            return []
        # every lever's rows at once (K × n × R, lever order), then each lever's own changes in place
        jarr = np.array(js, dtype=np.intp)
        T = self.rate_u.take(jarr, axis=0).take(sec, axis=1)  # (take: the same rows, copied faster)
        A = lc["sec"].take(jarr, axis=0).take(sec, axis=1)  # the firms each lever applies to
        rows = np.arange(n)
        arr = since = age = key = None  # per-firm inputs of ``_eligible``, gathered once
        r_, H_ = self.p.interest_rate, self.p.planning_years
        df_nonneg = r_ > 0 and annuity(H_, r_) > 0  # duration factors finite and ≥ +0
        for k, j in enumerate(js):
            kind = self.lever_kind[j]
            if kind == "friction_cut":
                # cheaper to come in from elsewhere: moves inside the target's cities are not helped
                cut = self.lever_val[j] * self.lever_mask[j].take(sec, axis=0)
                inside = self.lever_city[j][self.site_market_arr[cur]]
                t = self.p.beta * move  # the same operations in the same order, in place
                t *= cut
                t /= pib[:, None]
                np.multiply(t, ~inside[:, None], out=T[k])
                continue
            site_level = bool(KINDS[kind].get("site_level")) or kind == "designation"
            new = self.lever_new[j] and not site_level
            if new:  # (otherwise the factor is 1: x · 1 = x)
                cache = self.__dict__.setdefault("_new_factor", {})  # a constant of the run
                new_factor = cache.get(j)
                if new_factor is None:
                    new_factor = cache[j] = float(self._duration_factor(self.lever_years[j]))
                T[k] *= new_factor  # 0 where the lever does not reach
            # staying: what the firm receives where it is
            if kind == "grant" or (kind == "land_discount" and self.lever_new[j]):
                T[k, rows, cur] = 0.0  # a one-off on arrival: nothing for staying
                continue
            if not new:  # staying gets the same rate as arriving (x · True = x): nothing to change
                continue
            # ``_eligible(j, firms) * _duration_factor(left)`` with the per-firm gathers shared
            # by the levers (``sec``, ``cur`` are the firms' sector and site): same operations
            if arr is None:
                arr = self.arrived_t[firms]
                since = self.t - np.maximum(arr, -1e9)
                age = self.t - arr
                key = sec.astype(np.intp, copy=False) * self.R + cur
            left = self.lever_years[j] - since
            m = self.lever_mask[j].ravel().take(key)
            ok = m & (arr >= self.lever_start[j] - 1e-9) & (age < self.lever_years[j])
            if ok.any() or not df_nonneg:
                T[k, rows, cur] = self.rate_u[j][sec, cur] * ok.astype(float) * self._duration_factor(left)
            else:  # (x · 0) · d = x · 0 for a finite d ≥ +0 (the factor's values when r > 0, a_H > 0)
                T[k, rows, cur] = self.rate_u[j].ravel().take(key) * 0.0
        out = [(j, T[k], A[k]) for k, j in enumerate(js)]
        self._term_stack = (out, T, A, jarr)  # for ``_attribute``: the same terms, stacked
        return out

    def _land_discount_stay(self, sec: np.ndarray, firms: np.ndarray, pib: np.ndarray) -> np.ndarray:
        """Utility of the land discount a firm obtained when it bought its plot (sunk, permanent)."""
        cur = self.site[firms]
        plot = self._bc["land"][sec, cur] / max(self.p.land_rent_rate, 1e-12)
        return self.p.beta * self.land_disc[firms] * plot / annuity(self.p.planning_years, self.p.interest_rate) / pib

    # ------------------------------------------------------------------ attribution
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
        # only the movers' flags are kept: the same row-wise operations on their rows alone
        mi = np.flatnonzero(moved)
        if not len(mi):
            return
        sel = firms[mi]
        v_m, dest_m = v_full.take(mi, axis=0), dest[mi]
        total = np.zeros_like(v_m)
        stack = self.__dict__.get("_term_stack")
        self._term_stack = None
        if terms and stack is not None and stack[0] is terms:  # the terms as one K × n × R array
            _, T, A, jarr = stack
            sub = T.take(mi, axis=1)
            for k in range(len(sub)):
                total += sub[k]
            none_choice = np.argmax(v_m - total, axis=1)
            flips = (np.argmax(v_m - sub, axis=2) != dest_m) & A.take(mi, axis=1)
            bits = np.where(flips, (np.int64(1) << jarr.astype(np.int64))[:, None], np.int64(0))
            piv = np.bitwise_or.reduce(bits, axis=0)
        else:
            for _, term, _ in terms:
                total += term[mi]
            none_choice = np.argmax(v_m - total, axis=1)
            piv = np.zeros(len(mi), dtype=np.int64)
            for j, term, applies in terms:
                flip = (np.argmax(v_m - term[mi], axis=1) != dest_m) & applies[mi]
                piv[flip] |= np.int64(1) << np.int64(j)
        induced = none_choice != dest_m
        for j, kind in enumerate(self.lever_kind):
            if kind == "promotion" and self.lever_val[j] != 0:
                # it looked only because of the campaign and came to the campaign's places
                hit = promo_only[mi] & self.lever_mask[j][self.sector[sel], dest_m]
                piv[hit] |= np.int64(1) << np.int64(j)
                induced |= hit
        pl = plain[mi]
        induced &= ~pl
        piv[pl] = 0
        self.induced[sel] = induced
        self.pivotal[sel] = piv

    # ------------------------------------------------------------------ money
    def _pay(self, j: int, firms: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Pay lever ``j``'s ``amounts`` (亿元) to ``firms`` in firm-id order within its budget cap.
        Returns the mask of firms paid; records a budget event when the cap binds."""
        if len(firms) == 0:
            return np.zeros(0, dtype=bool)
        paid = amounts > 0
        cap_s = self.lever_budget[j]
        if cap_s is not None:
            cap = cap_s.at(self.t) * WAN_TO_YI
            left = max(cap - self.lever_spent_year[j], 0.0)
            order = np.argsort(self.firm_id[firms], kind="stable")
            cs = np.cumsum(amounts[order])
            ok_sorted = cs <= left + 1e-12
            paid = np.zeros(len(firms), dtype=bool)
            paid[order] = ok_sorted
            paid &= amounts > 0
            if not ok_sorted.all():
                self._cap_reached(j, cap, self.lever_spent_year[j] + amounts[paid].sum())
        amt = np.where(paid, amounts, 0.0)
        self.lever_spent_year[j] += amt.sum()
        sites = self.site[firms]
        np.add.at(self.ledger_spend[j], sites, amt)
        np.add.at(self.ledger_spend_induced[j], sites, np.where(self.induced[firms], amt, 0.0))
        return paid

    def _cap_reached(self, j: int, cap_yi: float, spent_yi: float) -> None:
        """Lever ``j``'s budget is spent: it stops for the rest of the calendar year (recorded)."""
        self.lever_exhausted[j] = True
        self.budget_events.append({"lever": self.lever_ids[j], "year": int(math.floor(self.t + 1e-9)),
                                   "period": round(self.t, 4), "cap_wan": round(cap_yi / WAN_TO_YI, 4),
                                   "spent_wan": round(spent_yi / WAN_TO_YI, 4)})

    def _pay_flat(self, j: int, amount: float, sites: np.ndarray) -> None:
        """Programme spending not tied to firms (promotion, land servicing), split over ``sites``."""
        if amount <= 0 or len(sites) == 0:
            return
        cap_s = self.lever_budget[j]
        if cap_s is not None:
            left = max(cap_s.at(self.t) * WAN_TO_YI - self.lever_spent_year[j], 0.0)
            if amount > left + 1e-12:
                self._cap_reached(j, cap_s.at(self.t) * WAN_TO_YI, self.lever_spent_year[j] + left)
                amount = left
        self.lever_spent_year[j] += amount
        np.add.at(self.ledger_spend[j], sites, amount / len(sites))

    def _one_off_payments(self, arrivals: np.ndarray) -> None:
        """Grants and land discounts (applies_to: new) for firms that arrived or entered this period."""
        if len(arrivals) == 0:
            return
        sec = site = None
        for j in self._lever_consts()["one_off"]:  # grants and land discounts (applies_to: new)
            if self.lever_val[j] == 0:
                continue
            kind = self.lever_kind[j]
            if sec is None:
                sec, site = self.sector[arrivals], self.site[arrivals]
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
        lc = self._lever_consts()
        reached: dict[int, tuple] = {}
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            if v == 0:
                continue
            if kind in ("promotion", "friction_cut"):
                if self.lever_cost[j] is not None:
                    sites = lc["sites"][j]
                    self._pay_flat(j, self.lever_cost[j].at(self.t) * WAN_TO_YI * dt, sites)
                continue
            if kind == "retention":
                cities = lc["ret_city_idx"][j]
                sites = np.array([self.n_parks + c for c in cities])
                amount = v * self.levers[j].unit_cost_yuan / 1e8 * dt
                self._pay_flat(j, amount, sites)
                continue
            if kind in ("grant", "designation", "land_supply") or (kind == "land_discount" and self.lever_new[j]):
                continue
            # the firms the lever's target reaches (levers with the same target: found once)
            g = lc["group"][j]
            got = reached.get(g)
            if got is None:
                if every:  # flat (sector, site) index of every firm
                    f = np.flatnonzero(self.lever_mask[j].ravel().take(self._firm_index()["key"]))
                else:
                    f = alive[self.lever_mask[j][self.sector[alive], self.site[alive]]]
                got = reached[g] = (f, self.arrived_t[f] if len(f) else None)
            f, arr = got
            if not len(f):
                continue
            if self.lever_new[j] and not KINDS[kind].get("site_level"):
                # ``_eligible``: every one of them is in the target, so only its dates remain
                age = self.t - arr
                f = f[(arr >= self.lever_start[j] - 1e-9) & (age < self.lever_years[j])]
            # (otherwise ``_eligible`` is 1 for all of them: the lever is on and they are in its target)
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
                    self._pay_flat(j, due * WAN_TO_YI, lc["sites"][j])

    def _collect_revenue(self) -> None:
        """Local share of VAT on value added and of income tax on pre-tax profit (亿元 this period)."""
        p, dt = self.p, self.dt
        b = self._bc
        if self.alive.all():  # flat (sector, site) index of every firm
            pre = b["pretax"].ravel().take(self._firm_index()["key"])
            pre *= self.scale
            np.maximum(pre, 0.0, out=pre)
        else:
            pre = np.maximum(b["pretax"][self.sector, self.site] * self.scale, 0.0)
        # (vat share · vat rate · va + cit share · cit rate · pre) · dt, in place: the same operations
        rev = self.va * (p.local_vat_share * p.vat_rate)
        pre *= p.local_cit_share * p.cit_rate
        rev += pre
        rev *= dt
        if self.alive.all():
            # the bins of study-area sites add the same firms in the same order as with a mask
            self.ledger_revenue = np.bincount(self._firm_index()["site"], weights=rev, minlength=self.R)
            self.ledger_revenue[self.is_origin] = 0.0
        else:
            alive = self.alive & ~self.is_origin[self.site]
            self.ledger_revenue = np.bincount(self.site[alive], weights=rev[alive], minlength=self.R)

    def _reset_period_ledger(self) -> None:
        self.ledger_spend[:] = 0.0
        self.ledger_spend_induced[:] = 0.0
        self.induced_arrivals[:] = 0.0
        self.deadweight_arrivals[:] = 0.0
        self.pivotal_arrivals[:] = 0.0

    def _count_arrivals(self, firms: np.ndarray, src: np.ndarray) -> None:
        """Tally this period's arrivals (moved into a study-area site from another city or origin
        region, or from another site of the same city) as induced or deadweight."""
        dest = self.site[firms]
        ind = self.induced[firms]
        np.add.at(self.induced_arrivals, dest, ind.astype(float))
        np.add.at(self.deadweight_arrivals, dest, (~ind).astype(float))
        piv = self.pivotal[firms]
        seen = int(np.bitwise_or.reduce(piv)) if len(piv) else 0  # levers pivotal for any of them
        for j in range(len(self.levers)):
            if (seen >> j) & 1:
                hit = (piv >> np.int64(j)) & 1
                np.add.at(self.pivotal_arrivals[j], dest, hit.astype(float))

    # ------------------------------------------------------------------ anchors
    def _place_anchors(self) -> None:
        for a in self.anchor_rows:
            if a["placed"] or a["start"] > self.t + 1e-9:
                continue
            a["placed"] = True
            s, k = a["sector"], a["site"]
            per = max(self.sigma[s] * self.pi_scale[s, k], 1e-300)
            fid = self.next_id
            self.next_id += 1
            self.firm_id = np.r_[self.firm_id, fid]
            self.sector = np.r_[self.sector, s].astype(np.int32)
            self.site = np.r_[self.site, k].astype(np.int32)
            self.scale = np.r_[self.scale, a["output"] / per]
            self.home = np.r_[self.home, self.site_market_arr[k]].astype(np.int32)
            self.alive = np.r_[self.alive, True]
            need = min(self.land_int[s] * a["output"], max(self.free_land[k], 0.0))
            self.land = np.r_[self.land, need]
            self.free_land[k] -= need
            self._grow_firm_policy_state(1, self.t)
            self.pinned[-1] = True
            self.induced[-1] = True
            self._firms_changed()
            self.entries[k] += 1
            if a["input"] is not None and a["share"] > 0:
                self.extra_demand[a["input"], self.site_market_arr[k]] += a["share"] * a["output"]
