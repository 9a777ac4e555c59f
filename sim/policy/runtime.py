"""Levers at run time: their values at t, their rates per (sector, site), and their terms in a
firm's choice (docs/model.md §Levers; the equations are the lever table there).

Conventions
-----------
* ``val[L]``: the lever's value this period (0 before its first date, after it ends and, for the
  rest of a calendar year, once its budget cap is spent).
* Choice terms are in utility units: money terms are ``β × (annual after-tax benefit per unit
  scale) / π̄_s`` like the rest of the utility (MODEL.md §4); per-firm lump sums are in units of
  the sector's mean operating profit per firm.
* Spending is gross public money in 亿元 (a tax rebate counts as spending; revenue is counted before
  rebates).
"""
from __future__ import annotations

import math

import numpy as np

from ..economy.finance import WAN_TO_YI, annuity, duration_factor, eligible_by_date
from .compiled import LeverSet
from .levers import CHOICE_KINDS, KINDS

# levers acting on a pipeline stage (MODEL.md §9.3; ``PolicyRuntime.stage_effects``)
STAGE_KINDS = {"friction_cut": "start", "interest_subsidy": "build", "loan_guarantee": "build",
               "talent_subsidy": "ramp"}
# non-finance levers paid per unit scale as a flow: they add to the operating return of the q-rule
INVESTMENT_FLOW_KINDS = ("land_discount", "tax_rebate", "profit_subsidy")


class PolicyRuntime:
    """Values, budgets and rates of the compiled levers ``ls`` for a model of ``S`` sectors on
    ``R`` sites with ``n_cities`` cities; ``p``: the scenario's parameters."""

    def __init__(self, ls: LeverSet, p, S: int, R: int, n_cities: int) -> None:
        self.ls, self.p, self.S, self.R = ls, p, S, R
        L = len(ls)
        self.val = np.zeros(L)
        self.spent_year = np.zeros(L)  # 亿元 spent in the current calendar year
        self.exhausted = np.zeros(L, dtype=bool)
        self.budget_events: list[dict] = []
        self.cum_retained = np.zeros(n_cities)  # persons kept by retention levers
        self.cost_kappa = np.zeros((L, S, R))
        self.rate_u = np.zeros((L, S, R))
        self.spend_scale = np.zeros((L, S, R))
        self.spend_firm = np.zeros((L, S))
        self.flow_money = np.zeros((L, S, R))  # per-unit after-tax flows of INVESTMENT_FLOW_KINDS
        self.term_stack = None
        self._new_factor: dict[int, float] = {}
        # per (lever, sector) weight on the lever's value (``set_sector_scale``: city governments'
        # rates per sector, sim/policy/governments.py); ones and unused unless a lever is ``scaled``
        self.sector_scale = np.ones((L, S))
        self.scaled = np.zeros(L, dtype=bool)

    # ------------------------------------------------------------------ values each period
    def update_values(self, t: float, dt: float) -> list[tuple[int, float]]:
        """Values at ``t`` (budgets reset at a calendar year's start); retention adds to the
        persons kept. Returns the land supplied this period: (park site, ha) pairs."""
        ls = self.ls
        if abs(t - round(t)) < 1e-9:
            self.spent_year[:] = 0.0
            self.exhausted[:] = False
        self.val[:] = [0.0 if ex else sch.at(t) for sch, ex in zip(ls.sched, self.exhausted.tolist())]
        if self.scaled.any():  # a scaled lever with every sector's weight 0 is not in force
            self.val[self.scaled & ~self.sector_scale.any(axis=1)] = 0.0
        supplied = []
        for j, kind in enumerate(ls.kind):
            if kind == "land_supply":
                sch = ls.sched[j]
                added = sch.at(t) - sch.at(t - dt)
                if added != 0:
                    supplied += [(int(k), added) for k in np.flatnonzero(ls.mask[j].any(axis=0))]
            elif kind == "retention":
                cities = ls.consts()["ret_cities"][j]
                self.cum_retained[cities] += self.val[j] * dt
        return supplied

    def set_sector_scale(self, j: int, weights: np.ndarray) -> None:
        """Lever ``j``'s value for sector s becomes val[j] × ``weights[s]`` wherever it is paid or
        valued: ``rates`` (the money and the spending of the money kinds, hence choice and project
        terms, the q-rule's flows and recurring payments) and ``Ledger.one_off_payments`` (the plot
        discount paid and remembered). Only land discounts and tax rebates are scaled."""
        assert self.ls.kind[j] in ("land_discount", "tax_rebate"), self.ls.kind[j]
        self.sector_scale[j] = weights
        self.scaled[j] = True

    def in_force(self, kind: str) -> float:
        """The largest value in force this period of the levers of ``kind`` (0 if none)."""
        vals = [self.val[j] for j, k in enumerate(self.ls.kind) if k == kind]
        return float(max(vals)) if vals else 0.0

    def site_cost_cut(self, wages_site: np.ndarray, talent_cost_share: np.ndarray) -> np.ndarray:
        """Multiplier on marginal cost c[s, r] from cost levers (talent and cost subsidies), and per
        lever the share κ_L it removes (``cost_kappa``, for attribution). κ = c for a cost subsidy;
        for talent, the talent share of labour cost × subsidy (yuan per person-year) / wage, ≤ 0.9.
        ``wages_site``: wage at each site (yuan per person-year); ``talent_cost_share[s]``: labour
        cost share × talent share."""
        ls = self.ls
        self.cost_kappa = np.zeros((len(ls), self.S, self.R))
        mult = np.ones((self.S, self.R))
        for j, kind in enumerate(ls.kind):
            v = self.val[j]
            if v == 0 or not KINDS[kind].get("site_level"):
                continue
            if kind == "cost_subsidy":
                kappa = np.full((self.S, self.R), v)
            else:
                kappa = np.minimum(talent_cost_share[:, None] * v / wages_site[None, :], 0.9)
            kappa = np.where(ls.mask[j], kappa, 0.0)
            self.cost_kappa[j] = kappa
            mult *= 1 - kappa
        return mult

    # ------------------------------------------------------------------ rates
    def rates(self, bc, pi_scale: np.ndarray, net_scale: np.ndarray, pibar: np.ndarray,
              pibar_firm: np.ndarray, sigma: np.ndarray, lead: np.ndarray,
              choice: bool = True, spend: bool = True) -> None:
        """Per lever: ``rate_u[L, s, r]`` its annual choice term (utility units) for a firm that gets
        it in full; ``spend_scale[L, s, r]`` the public money per unit scale per year (亿元);
        ``spend_firm[L, s]`` per-firm amounts (grants once, lump sums per year). ``bc``: the profit
        components (``sim.economy.profits.components``) of the market state.

        ``choice`` / ``spend``: compute the choice terms / the spending rates (both by default): the
        choices read the rates of the market state they are made in and the payments those of the
        last one, so each evaluation computes only what is read from it."""
        p, ls = self.p, self.ls
        L = len(ls)
        want_choice, want_spend = choice, spend
        if want_choice:
            self.rate_u = np.zeros((L, self.S, self.R))
            self.flow_money = np.zeros((L, self.S, self.R))
        if want_spend:
            self.spend_scale = np.zeros((L, self.S, self.R))
            self.spend_firm = np.zeros((L, self.S))
        pib = np.maximum(pibar, 1e-300)[:, None]
        per_firm_profit = np.maximum(pibar_firm, 1e-300)
        aH = annuity(p.planning_years, p.interest_rate)
        keep = 1 - p.cit_rate
        tax = None  # p.cit_rate · max(pretax, 0), when a tax lever is on
        reaches = ls.consts()["any"]
        for j, kind in enumerate(ls.kind):
            v = self.val[j]
            if v == 0 or not reaches[j]:
                continue
            m = ls.mask[j]
            money = spent = None
            # (each expression only when its result is kept: the same operations when it is)
            if kind == "land_discount" and ls.new[j]:
                # one-off saving on the plot's price, valued like a grant over the planning horizon
                if want_choice:
                    plot = bc.land / max(p.land_rent_rate, 1e-12)
                    money = v * plot / aH
                if want_spend:
                    spent = v * bc.land
            elif kind == "land_discount":  # a rent subsidy to every firm there
                if want_choice:
                    money = v * bc.land * keep
                if want_spend:
                    spent = v * bc.land
            elif kind == "interest_subsidy":
                if want_choice:
                    money = v / 100 * bc.cap * keep
                if want_spend:
                    spent = v / 100 * bc.cap
            elif kind == "loan_guarantee":
                if want_choice:
                    money = v * p.guarantee_spread / 100 * bc.cap * keep
                if want_spend:
                    spent = v * p.guarantee_loss_rate * bc.cap
            elif kind == "tax_rebate":
                if tax is None:
                    tax = p.cit_rate * np.maximum(bc.pretax, 0.0)
                money = spent = v * tax
            elif kind == "profit_subsidy":
                if want_choice:
                    money = v * pi_scale * keep  # taxed like the profit it adds to (docs/model.md)
                if want_spend:
                    spent = v * pi_scale
            elif KINDS[kind].get("site_level"):  # talent and cost subsidies
                kap = self.cost_kappa[j]
                if want_choice:
                    # partial equilibrium: profit at the same crowding without this lever's cost cut
                    money = net_scale * (1 - (1 - kap) ** (sigma[:, None] - 1))
                if want_spend:
                    spent = kap / np.maximum(1 - kap, 1e-9) * (sigma[:, None] - 1) / sigma[:, None] * bc.y
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
                    self.rate_u[j] = np.where(m & ~lead, p.leading_sector_bonus * v, 0.0)
                continue
            else:  # friction_cut (in choice_terms), promotion, retention, land_supply: no rate
                continue
            if self.scaled[j]:  # a government's rate per sector (set_sector_scale)
                sc = self.sector_scale[j][:, None]
                money = None if money is None else money * sc
                spent = None if spent is None else spent * sc
            # (rows start at +0: writing where m is what np.where(m, x, 0.0) gives)
            if want_choice:
                np.copyto(self.rate_u[j], p.beta * money / pib, where=m)
                if kind in INVESTMENT_FLOW_KINDS and not (kind == "land_discount" and ls.new[j]):
                    np.copyto(self.flow_money[j], money, where=m)  # the q-rule's n (investment_terms)
            if want_spend:
                np.copyto(self.spend_scale[j], spent, where=m)

    def investment_terms(self, key: np.ndarray | None = None, arrived_t: np.ndarray | None = None,
                         t: float = 0.0, newcomers: bool = False):
        """The levers in the q-rule of investment (``sim.economy.capital``), from the rates of the
        last "choice" evaluation. Finance levers cut the financing rate, in the user cost only:
        f = interest subsidy (points) / 100 + guarantee share × ``guarantee_spread`` / 100 (per
        year). Non-finance levers paid per unit scale add their after-tax flow n to the operating
        return (亿元/year per unit scale): a rent subsidy (land discount to all), a tax rebate, a
        profit subsidy. Not in the q-rule: cost levers (already in π through marginal cost), grants,
        lump sums and plot discounts to newcomers (one-off or per firm: nothing on the margin).

        Levers for every firm (``applies_to: all``): ``(f, n)`` per (sector, site), shapes (S, R)
        (``newcomers=False``). Levers for newcomers: ``(f, n)`` per firm for the firms of flat keys
        ``key`` arrived at ``arrived_t`` while eligible at ``t`` (``newcomers=True``), or None when
        none is in force."""
        ls = self.ls
        cut = extra = None
        for j, c, n in self._q_levers(newcomers):
            if newcomers:
                on = ls.mask[j].ravel().take(key) & eligible_by_date(arrived_t, ls.start[j], ls.years[j], t)
                if not on.any():
                    continue
                if cut is None:
                    cut, extra = np.zeros(len(key)), np.zeros(len(key))
                if c is not None:
                    cut += np.where(on, c, 0.0)
                else:
                    extra += np.where(on, n.ravel().take(key), 0.0)
            else:
                if cut is None:
                    cut, extra = np.zeros((self.S, self.R)), np.zeros((self.S, self.R))
                if c is not None:
                    cut += np.where(ls.mask[j], c, 0.0)
                else:
                    extra += n
        if newcomers:
            return None if cut is None else (cut, extra)
        return (np.zeros((self.S, self.R)), np.zeros((self.S, self.R))) if cut is None else (cut, extra)

    def _q_levers(self, newcomers: bool) -> list[tuple[int, float | None, np.ndarray | None]]:
        """The levers in force that enter the q-rule, for newcomers or for every firm, in lever
        order: (j, f, None) for a finance lever (its cut of the financing rate, per year) or
        (j, None, n) for a flow per unit scale (S × R). A land discount for newcomers is a plot
        discount (one-off): not on the margin."""
        ls, p = self.ls, self.p
        reaches = ls.consts()["any"]
        out = []
        for j, kind in enumerate(ls.kind):
            v = self.val[j]
            if v == 0 or not reaches[j] or bool(ls.new[j]) != newcomers:
                continue
            if kind == "interest_subsidy":
                out.append((j, v / 100, None))
            elif kind == "loan_guarantee":
                out.append((j, v * p.guarantee_spread / 100, None))
            elif kind in INVESTMENT_FLOW_KINDS and not (kind == "land_discount" and ls.new[j]):
                out.append((j, None, self.flow_money[j]))
        return out

    def newcomer_investment_terms(self, key: np.ndarray, arrived_t: np.ndarray, t: float):
        """``investment_terms(key, arrived_t, t, newcomers=True)`` at the rows that can hold a
        newcomer lever only: (rows, f, n) with ``rows`` (increasing) the firms arrived on or after
        the first such lever's first date, f and n theirs (the same sums, lever by lever in the same
        order: the other rows' terms are 0), or None when none is in force or no row is reached."""
        ls = self.ls
        act = self._q_levers(newcomers=True)
        if not act:
            return None
        first = min(float(ls.start[j]) for j, _, _ in act)
        rows = (arrived_t >= first - 1e-9).nonzero()[0]  # eligible_by_date needs this for each
        k_r, a_r = key[rows], arrived_t[rows]
        cut = extra = None
        for j, c, n in act:
            on = ls.mask[j].ravel().take(k_r) & eligible_by_date(a_r, ls.start[j], ls.years[j], t)
            if not on.any():
                continue
            if cut is None:
                cut, extra = np.zeros(len(rows)), np.zeros(len(rows))
            if c is not None:
                cut += np.where(on, c, 0.0)
            else:
                extra += np.where(on, n.ravel().take(k_r), 0.0)
        return None if cut is None else (rows, cut, extra)

    def duration_factor(self, years: np.ndarray | float) -> np.ndarray:
        """Share of a permanent benefit's value that ``years`` of it are worth to a firm."""
        return duration_factor(years, self.p.planning_years, self.p.interest_rate)

    # ------------------------------------------------------------------ choice terms
    def choice_terms(self, sec: np.ndarray, arrived_t: np.ndarray, cur: np.ndarray, move: np.ndarray,
                     pib: np.ndarray, site_market: np.ndarray, t: float,
                     present: set | None = None) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per active lever: its utility term (n × R) for n choosers of sectors ``sec`` at sites
        ``cur`` (arrived at ``arrived_t``), with move costs ``move`` (n × R) and ``pib`` per chooser,
        and the choosers it applies to (its target includes their sector). Rows of other sectors
        are 0. ``present``: the set of sectors in ``sec`` (computed if not given). The stacked
        terms are kept in ``term_stack`` for the attribution of the same choice."""
        ls, p = self.ls, self.p
        n = len(sec)
        lc = ls.consts()
        self.term_stack = None
        if present is None:  # sectors choosing
            present = set(np.flatnonzero(np.bincount(sec, minlength=self.S)).tolist())
        js = []
        for j, kind in enumerate(ls.kind):
            if self.val[j] == 0:
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
        A = lc["sec"].take(jarr, axis=0).take(sec, axis=1)  # the choosers each lever applies to
        rows = np.arange(n)
        arr = since = key = None  # per-chooser inputs of the eligibility rule, gathered once
        df_nonneg = p.interest_rate > 0 and annuity(p.planning_years, p.interest_rate) > 0
        for k, j in enumerate(js):
            kind = ls.kind[j]
            if kind == "friction_cut":
                # cheaper to come in from elsewhere: moves inside the target's cities are not helped
                cut = self.val[j] * ls.mask[j].take(sec, axis=0)
                inside = ls.city[j][site_market[cur]]
                tt = p.beta * move  # the same operations in the same order, in place
                tt *= cut
                tt /= pib[:, None]
                np.multiply(tt, ~inside[:, None], out=T[k])
                continue
            site_level = bool(KINDS[kind].get("site_level")) or kind == "designation"
            new = ls.new[j] and not site_level
            if new:  # (otherwise the factor is 1: x · 1 = x)
                new_factor = self._new_factor.get(j)
                if new_factor is None:
                    new_factor = self._new_factor[j] = float(self.duration_factor(ls.years[j]))
                T[k] *= new_factor  # 0 where the lever does not reach
            # staying: what the firm receives where it is
            if kind == "grant" or (kind == "land_discount" and ls.new[j]):
                T[k, rows, cur] = 0.0  # a one-off on arrival: nothing for staying
                continue
            if not new:  # staying gets the same rate as arriving (x · True = x): nothing to change
                continue
            if arr is None:
                arr = arrived_t
                since = t - np.maximum(arr, -1e9)
                key = sec.astype(np.intp, copy=False) * self.R + cur
            left = ls.years[j] - since
            m = ls.mask[j].ravel().take(key)
            ok = m & eligible_by_date(arr, ls.start[j], ls.years[j], t)
            if ok.any() or not df_nonneg:
                T[k, rows, cur] = self.rate_u[j][sec, cur] * ok.astype(float) * self.duration_factor(left)
            else:  # (x · 0) · d = x · 0 for a finite d ≥ +0 (the factor's values when r > 0, a_H > 0)
                T[k, rows, cur] = self.rate_u[j].ravel().take(key) * 0.0
        out = [(j, T[k], A[k]) for k, j in enumerate(js)]
        self.term_stack = (out, T, A, jarr)  # for the attribution: the same terms, stacked
        return out

    def project_terms(self, sec: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per active lever: its utility term (n × R) for n new projects of sectors ``sec`` choosing
        a site, and the projects it applies to. A project is a new unit: levers for newcomers count
        in full over their duration (``applies_to: new``), one-offs (grants, land discounts) count,
        nothing is lost by leaving; cost levers are already in profits (no term); a friction cut has no
        moving cost to cut; promotion (招商) raises the odds of its places: + ln(1 + v) (MODEL.md §9.3)."""
        ls = self.ls
        lc = ls.consts()
        out = []
        for j, kind in enumerate(ls.kind):
            v = self.val[j]
            if v == 0 or not lc["any"][j]:
                continue
            if kind == "promotion":
                term = np.log1p(v) * ls.mask[j][sec].astype(float)
            elif kind in CHOICE_KINDS and not KINDS[kind].get("site_level"):
                term = self.rate_u[j][sec]
                if ls.new[j]:
                    f = self._new_factor.get(j)
                    if f is None:
                        f = self._new_factor[j] = float(self.duration_factor(ls.years[j]))
                    term = term * f
            else:
                continue
            out.append((j, term, lc["sec"][j][sec]))
        return out

    def stage_effects(self, wages_site: np.ndarray | None = None,
                      which: tuple[str, ...] = ("start", "build", "ramp")) -> list[tuple[int, str, np.ndarray]]:
        """Levers acting by pipeline stage (MODEL.md §9.3): per active lever of ``STAGE_KINDS`` whose
        effect is in ``which``, (j, effect, x[S, R]) with x = 0 off its target:

        * ``start`` — business environment (friction_cut, share v): the signed → started hazard
          × (1 + Σ v) (approvals and land handed over faster by the share the 营商环境 cut
          removes; assumption);
        * ``build`` — interest subsidy (v pp) and loan guarantee (share v of capital at the
          guarantee spread): drop-outs during construction × (1 − Σ x), x = the share of the
          financing cost the lever removes, (v/100) / r or v·spread/100 / r (r:
          ``interest_rate``); construction drop-outs taken as proportional to the financing cost
          (assumption);
        * ``ramp`` — talent subsidy (v yuan per person-year): the hazard of reaching 达产 × (1 + Σ x),
          x = min(v / wage at the site, 1) (hiring skilled staff is the ramp's bottleneck;
          assumption). Needs ``wages_site``."""
        ls, p = self.ls, self.p
        lc = ls.consts()
        r = max(p.interest_rate, 1e-12)
        out = []
        for j, kind in enumerate(ls.kind):
            v = self.val[j]
            eff = STAGE_KINDS.get(kind)
            if v == 0 or eff not in which or not lc["any"][j]:
                continue
            if kind == "friction_cut":
                x = np.full((self.S, self.R), v)
            elif kind == "interest_subsidy":
                x = np.full((self.S, self.R), v / 100 / r)
            elif kind == "loan_guarantee":
                x = np.full((self.S, self.R), v * p.guarantee_spread / 100 / r)
            else:
                x = np.broadcast_to(np.minimum(v / np.maximum(wages_site, 1e-9), 1.0)[None, :],
                                    (self.S, self.R))
            out.append((j, eff, np.where(ls.mask[j], x, 0.0)))
        return out

    def land_discount_stay(self, land_disc: np.ndarray, plot_rent: np.ndarray, pib: np.ndarray) -> np.ndarray:
        """Utility of the land discount a firm obtained when it bought its plot (sunk, permanent):
        β × d × plot value (rent / rent rate) / a(H, r) / π̄; ``plot_rent`` per unit scale."""
        p = self.p
        plot = plot_rent / max(p.land_rent_rate, 1e-12)
        return p.beta * land_disc * plot / annuity(p.planning_years, p.interest_rate) / pib

    # ------------------------------------------------------------------ budgets
    def cap_reached(self, j: int, t: float, cap_yi: float, spent_yi: float) -> None:
        """Lever ``j``'s budget is spent: it stops for the rest of the calendar year (recorded)."""
        self.exhausted[j] = True
        self.budget_events.append({"lever": self.ls.ids[j], "year": math.floor(t + 1e-9),
                                   "period": round(t, 4), "cap_wan": round(cap_yi / WAN_TO_YI, 4),
                                   "spent_wan": round(spent_yi / WAN_TO_YI, 4)})
