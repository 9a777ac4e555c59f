"""The yardstick: the project's firm rules written the idiomatic Mesa way.

Every firm is a ``mesa.discrete_space.CellAgent`` standing in the grid cell of its site, with its
state in Python attributes; the firm-level rules are agent methods called through
``AgentSet.shuffle_do`` / ``AgentSet.do``; output goes to a ``mesa.DataCollector``. Nothing about a
firm is held in a numpy array.

What is shared with :class:`sim.model.RegionalEconomy`, and why the comparison is fair:

* The same scenario and the same calibrated base state: the reference builds a
  ``RegionalEconomy`` (same scenario, same seed) once, takes its places, calibration (location
  constants, supply, travel times) and its initial firms (sector, site, size, land), turns the
  firms into agents and then drops the firm arrays (``_drop_firm_arrays``), so nothing firm-level
  can be read from them afterwards.
* Place-level rules are the *same functions*: trends, unit costs, freeness, net profit per unit of
  scale and the deterministic utility matrix are ``RegionalEconomy``'s own methods, bound to this
  model (``update_trends``, ``_sector_cost``, ``_net_profit_per_scale``, ``_vmat`` ...), and cities
  and parks are ``sim.model.City`` / ``sim.model.Park`` ``FixedAgent``s of this model. Whatever the
  place-level step does (and later levers that enter there), the reference does too.
* Firm-level rules are re-written per agent, in the same order as ``RegionalEconomy.step``:
  revision with probability θ_s·dt·(1 + κ·pressure) and (nested) logit choice over the same sites
  (Gumbel shocks and, when ``nest_lambda`` < 1, the positive-stable nest terms of
  ``sim.rng.nest_shocks``, from ``model.rng``, one call per revising firm); the same capacity rule (parks admit movers
  sector by sector in order of utility surplus until free land is used, refused firms take their
  next choice for up to four rounds); exit (hazard or loss) with a local spin-off entrant that
  chooses like a reviser; Gibrat growth (Laplace shocks with size-dependent s.d., or log-normal,
  as the scenario says); production from the same market block.
* Market crowding is computed once per market evaluation at the model level (numpy on the
  (sector × site) totals that the agents accumulate in the same pass that grows them), never per
  agent: a fair yardstick, not a slow one.

Random numbers come from Mesa's own streams (``model.random``, ``model.rng``), not from the
counter-based CRN generator of ``sim.rng``: the two models agree in distribution, not draw by draw
(``tests/test_benchmark_reference.py``).

Policy levers, attribution and the fiscal ledger (docs/model.md §Levers, §Attribution):

* Place-level parts are ``RegionalEconomy``'s own methods bound to this model: lever values and
  budgets for the period, land supply, retention, the cost cut of cost levers, the per-(sector,
  site) rates and spending of every lever (``_lever_rates``), programme spending not tied to firms.
* Firm-level parts are per agent: a choosing firm adds its own lever terms to its utility row (what
  it would receive at each site, and what it keeps by staying: land discount already held, years
  left of a ``new``-firm lever), draws its Gumbel shocks, and after the capacity rule compares its
  destination with the argmax of the same row without any lever term (induced or deadweight) and
  without each lever's term (pivotal levers); movers and entrants collect one-off grants and land
  discounts; in ``produce`` each firm adds its local taxes to its site's revenue and draws its
  recurring subsidies, in firm-id order within each lever's yearly budget cap.

Not in the reference: anchors and new parks (scenarios with them are not benchmarked).
"""

from __future__ import annotations

import math
from collections import defaultdict

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim import market, rng
from sim.levers import KINDS
from sim.model import City, Park, RegionalEconomy
from sim.policy import WAN_TO_YI, YI_PER_HA_PER_YUAN_M2, PolicyMixin, annuity
from sim.scenario import LoadedScenario

FIRM_ARRAYS = ("firm_id", "sector", "site", "scale", "home", "alive", "land", "base_output",
               "output", "va", "jobs")

# place-level state that the step mutates: copied so that the reference owns it
_OWNED_STATE = ("free_land", "land_price", "f_income", "f_wage", "f_pop", "f_land", "cost",
                "income", "external", "phi", "g", "pi_scale", "net_scale", "pibar", "arrivals",
                "departures", "arrivals_from", "exits", "entries", "city_va", "city_jobs",
                # policy: lever values and budgets, the period's ledger, attribution tallies
                "lever_val", "lever_spent_year", "lever_exhausted", "budget_events", "cum_retained",
                "ledger_spend", "ledger_spend_induced", "ledger_revenue", "induced_arrivals",
                "deadweight_arrivals", "pivotal_arrivals", "cost_kappa")

# recurring per-firm subsidies (paid in ``Firm.produce``); the rest are one-off or programme spending
_RECURRING = ("land_discount", "interest_subsidy", "loan_guarantee", "tax_rebate", "profit_subsidy",
              "lump_sum", "talent_subsidy", "cost_subsidy")
_TERM_KINDS = ("land_discount", "interest_subsidy", "loan_guarantee", "tax_rebate", "profit_subsidy",
               "grant", "lump_sum", "talent_subsidy", "cost_subsidy", "designation")


class Firm(CellAgent):
    """A firm: sector, site (index into the model's sites), scale A_i, land held (ha), owner's home."""

    def __init__(self, model: MesaReference, sector: int, site: int, scale: float, land: float,
                 home: int) -> None:
        super().__init__(model)
        self.sector = sector
        self.site = site
        self.scale = scale
        self.land = land
        self.home = home
        self.output = 0.0
        self.va = 0.0
        self.jobs = 0.0
        self.cell = model.site_cells[site]
        # policy state
        self.arrived_t = -math.inf
        self.land_disc = 0.0
        self.induced = False
        self.pivotal = 0

    # stage 1: revision and choice
    def revise(self) -> None:
        m = self.model
        s = self.sector
        if not m.mobile[s]:
            return
        u = m.random.random()
        theta = m.theta_now[s][self.site]
        boost = m.promo_boost[s][self.site]
        if u >= min(theta * boost, 1.0):
            return
        m.applicants[s].append(self.utility_row(promo_only=u >= min(theta, 1.0)))

    def utility_row(self, promo_only: bool = False) -> tuple:
        """(firm, V + lever terms + Gumbel shocks, its lever terms, promo_only)."""
        m = self.model
        s, cur = self.sector, self.site
        v = m.vrows[s][cur].copy()
        terms = []
        if m.levers:
            pib = max(m.pibar[s], 1e-300)
            v[cur] += m.beta * self.land_disc * m.plot_rent[s][cur] / m.aH / pib
            terms = self.lever_terms(pib)
            for j, term in terms:
                if m.lever_kind[j] not in ("talent_subsidy", "cost_subsidy"):  # cost levers: in V
                    v += term
        e = m.rng.gumbel(size=m.R)
        if m.nest_lam != 1.0:  # nested logit: the same shock construction as sim.rng.nested_gumbel
            sites, pos, ids = m.nest_layout
            uv = m.rng.random((1, 2 * len(ids)))
            log_s = rng.log_positive_stable(m.nest_lam, uv[:, :len(ids)], uv[:, len(ids):])
            e = rng.nest_shocks(e[None, :], m.nest_lam, sites, pos, log_s)[0]
        v += e
        return (self, v, terms, promo_only)

    def lever_terms(self, pib: float) -> list:
        """Each active lever's utility term for this firm at every site (``_choice_terms``)."""
        m = self.model
        s, cur = self.sector, self.site
        out = []
        for j in m.active_terms[s]:
            kind = m.lever_kind[j]
            val = m.lever_val[j]
            if kind == "friction_cut":
                if m.lever_city[j][m.site_market[cur]]:
                    out.append((j, np.zeros(m.R)))  # moves inside the target's cities: no help
                else:
                    out.append((j, m.beta * m.vmove[s][cur] * (val * m.lever_mask[j, s]) / pib))
                continue
            site_level = bool(KINDS[kind].get("site_level")) or kind == "designation"
            new = m.lever_new[j] and not site_level
            term = m.rate_u[j, s] * (m.new_factor[j] if new else 1.0)
            if kind == "grant":
                stay = 0.0
            elif not new:
                stay = m.rate_u[j, s, cur] * (kind != "land_discount" or not m.lever_new[j])
            elif kind == "land_discount":
                stay = 0.0
            else:
                left = m.lever_years[j] - (m.t - max(self.arrived_t, -1e9))
                stay = m.rate_u[j, s, cur] * self.eligible(j) * float(m._duration_factor(left))
            term[cur] = stay
            out.append((j, term))
        return out

    def eligible(self, j: int) -> float:
        """Whether the firm receives lever j where it is now (``_eligible``)."""
        m = self.model
        if not m.lever_mask[j, self.sector, self.site] or m.lever_val[j] == 0:
            return 0.0
        if not m.lever_new[j] or KINDS[m.lever_kind[j]].get("site_level"):
            return 1.0
        ok = (self.arrived_t >= m.lever_start[j] - 1e-9) and (m.t - self.arrived_t < m.lever_years[j])
        return float(ok)

    def attribute(self, v: np.ndarray, terms: list, cur: int, promo_only: bool) -> None:
        """After the capacity rule: induced or deadweight, pivotal levers (same draws, PE)."""
        m = self.model
        dest = self.site
        if dest == cur:
            return
        if not terms and not promo_only:
            self.induced, self.pivotal = False, 0
        else:
            total = np.zeros(m.R)
            for _, term in terms:
                total += term
            induced = int(np.argmax(v - total)) != dest
            piv = 0
            for j, term in terms:
                if int(np.argmax(v - term)) != dest:
                    piv |= 1 << j
            for j in m.active_promo:
                if promo_only and m.lever_mask[j, self.sector, dest]:
                    piv |= 1 << j
                    induced = True
            self.induced, self.pivotal = induced, piv
        self.arrived_t = m.t
        self.land_disc = 0.0
        # the period's arrivals, induced or deadweight, and per pivotal lever
        if self.induced:
            m.induced_arrivals[dest] += 1
        else:
            m.deadweight_arrivals[dest] += 1
        for j in range(len(m.lever_ids)):
            if (self.pivotal >> j) & 1:
                m.pivotal_arrivals[j, dest] += 1

    def one_off(self) -> None:
        """Grants and land discounts (applies_to: new) on arrival or entry."""
        m = self.model
        for j in m.active_one_off:
            if not m.lever_mask[j, self.sector, self.site]:
                continue
            if m.lever_kind[j] == "grant":
                amount = m.lever_val[j] * WAN_TO_YI
            else:
                amount = m.lever_val[j] * m.land_price[self.site] * YI_PER_HA_PER_YUAN_M2 * self.land
            if m.pay(j, self, amount) and m.lever_kind[j] == "land_discount":
                self.land_disc = min(self.land_disc + m.lever_val[j], 1.0)

    def land_need(self, site: int) -> float:
        m = self.model
        if not m.park_flag[site]:
            return 0.0
        s = self.sector
        return m.land_per_output[s] * m.pi_now[s][site] * self.scale

    def relocate_to(self, dest: int, land: float) -> None:
        m = self.model
        src = self.site
        m.departures[src] += 1
        m.arrivals[dest] += 1
        m.arrivals_from[dest, m.site_market[src]] += 1
        if m.park_flag[src]:
            m.free_land[src] += self.land
        m.free_land[dest] -= land
        self.land = land
        self.site = dest
        self.move_to(m.site_cells[dest])

    # stage 2: exit (hazard or negative net profit) or survive
    def exit_or_survive(self) -> None:
        m = self.model
        s = self.sector
        if m.random.random() < m.exit_p or m.loss_now[s][self.site]:
            m.exiting.append(self)
        else:
            m.survivor_scale[s] += self.scale
            m.survivors[s] += 1

    # stage 3: Gibrat growth; the firm reports its scale for the market block
    def grow(self) -> None:
        m = self.model
        if m.growth_plain:
            self.scale *= math.exp(m.drift + m.growth_sd * m.random.gauss(0.0, 1.0))
        else:  # RegionalEconomy.grow's size-dependent s.d. and Laplace (or normal) shocks
            sd = min(m.growth_sd * math.exp(-m.p.gibrat_size_elasticity
                                            * (math.log(self.scale) - m.log_ref[self.sector])), 1.0)
            if m.p.gibrat_shock == "laplace":
                u = m.random.random() - 0.5
                z = -math.copysign(1.0, u) * math.log1p(-2 * abs(u)) / math.sqrt(2.0)
                corr = math.log1p(-0.5 * sd * sd)
            else:
                z, corr = m.random.gauss(0.0, 1.0), -0.5 * sd * sd
            self.scale *= math.exp(m.drift_base + corr + sd * z)
        k = self.sector * m.R + self.site
        m.scale_sum[k] += self.scale
        m.count_sr[k] += 1

    def tally(self) -> None:
        m = self.model
        k = self.sector * m.R + self.site
        m.scale_sum[k] += self.scale
        m.count_sr[k] += 1

    # stage 4: production from the market block
    def produce(self) -> None:
        m = self.model
        s, r = self.sector, self.site
        pi = m.pi_now[s][r] * self.scale
        self.output = m.sigma_l[s] * pi
        self.va = self.output * m.va_ratio_l[s]
        self.jobs = self.output * m.jobs_per_l[s] / m.fwage_site[r]
        k = s * m.R + r
        m.out_sr[k] += self.output
        m.firms_sr[k] += 1
        m.va_r[r] += self.va
        m.jobs_r[r] += self.jobs
        m.earned[m.site_market[r]] += pi
        m.spent[m.site_market[r] if m.spend_at_site else self.home] += pi
        if m.ledger_on:
            # local taxes: share of VAT on value added and of income tax on pre-tax profit
            if not m.park_flag_origin[r]:
                pre = max(m.pretax_l[s][r] * self.scale, 0.0)
                m.revenue_r[r] += (m.vat_local * self.va + m.cit_local * pre) * m.dt
            if self.induced and m.site_market[r] < m.n_cities:
                m.induced_firms += 1
                m.induced_jobs_c[m.site_market[r]] += self.jobs
            # recurring subsidies, within each lever's budget
            for j in m.active_recurring:
                if not m.lever_mask[j, s, r] or not self.eligible(j):
                    continue
                if m.lever_kind[j] == "lump_sum":
                    amount = m.spend_firm[j, s] * m.dt
                else:
                    amount = m.spend_scale[j, s, r] * self.scale * m.dt
                m.pay(j, self, amount)


class MesaReference(mesa.Model):
    """Per-agent twin of :class:`sim.model.RegionalEconomy`; ``step()`` includes data collection."""

    # place-level rules: RegionalEconomy's own code, bound to this model
    update_trends = RegionalEconomy.update_trends
    _rates = staticmethod(RegionalEconomy._rates)
    _sector_cost = RegionalEconomy._sector_cost
    _update_freeness = RegionalEconomy._update_freeness
    _net_profit_per_scale = RegionalEconomy._net_profit_per_scale
    _vmat = RegionalEconomy._vmat
    _move_cost = RegionalEconomy._move_cost
    _current_wages = RegionalEconomy._current_wages
    # place-level policy: lever values, budgets, land supply, retention, cost cuts, rates
    _update_lever_values = PolicyMixin._update_lever_values
    _site_cost_cut = PolicyMixin._site_cost_cut
    _base_components = PolicyMixin._base_components
    _lever_rates = PolicyMixin._lever_rates
    _duration_factor = PolicyMixin._duration_factor
    _reset_period_ledger = PolicyMixin._reset_period_ledger
    _pay_flat = PolicyMixin._pay_flat

    def __init__(self, loaded: LoadedScenario, seed: int | None = None, until: float | None = None,
                 capacity_rule: bool = True, env: RegionalEconomy | None = None) -> None:
        env = env or RegionalEconomy(loaded, seed=seed, until=until)
        super().__init__(rng=env.seed_value)
        self.env = env
        self.S, self.R, self.Q = env.S, env.R, env.Q  # read by every agent: kept local
        for name in _OWNED_STATE:
            v = getattr(env, name)
            setattr(self, name, v.copy() if isinstance(v, (np.ndarray, list)) else v)
        if env.anchor_rows or env.scn.new_parks:
            raise ValueError("the Mesa reference has no anchors or new parks")
        self.capacity_rule = capacity_rule
        self.nest_lam = env.p.nest_lambda  # nested logit (nests: env.site_nest, env.nest_layout)
        self.step_count = 0
        self.t = env.t
        self._build_grid_and_places()
        self._build_firms()
        self._drop_firm_arrays()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self._tally_all()
        self._market_state()
        self._production()
        self.datacollector.collect(self)

    def __getattr__(self, name: str):
        # read-only place-level data (scenario, parameters, sites, calibration) from the
        # RegionalEconomy the reference was built from; never Mesa internals
        if name.startswith("__") or "env" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["env"], name)

    # ------------------------------------------------------------------ construction
    def _build_grid_and_places(self) -> None:
        env = self.env
        gs = env.gridspec
        # the study-area grid plus one extra row holding the origin regions (outside the area)
        self.grid = OrthogonalMooreGrid((gs.width, gs.height + 1), torus=False, random=self.random)
        self.grid.create_property_layer("output", default_value=0.0, dtype=float)
        self.cities = [City(self, i, row) for i, row in enumerate(env.data.cities.rows)]
        for a, c in zip(self.cities, env.cities):
            a.cell = self.grid[c.cell.coordinate]
        self.parks = [Park(self, k, row) for k, row in enumerate(env.data.parks.rows)]
        for a, pk in zip(self.parks, env.parks):
            a.cell = self.grid[pk.cell.coordinate]
        cells = []
        n_origin = 0
        for k in range(env.R):
            if env.site_kind[k] == "origin":
                cells.append(self.grid[(n_origin, gs.height)])
                n_origin += 1
            else:
                cells.append(self.grid[tuple(env.site_cell[k])])
        self.site_cells = cells
        # plain Python lists for per-agent lookups
        self.park_flag = env.is_park.tolist()
        self.site_market = env.site_market_arr.tolist()
        self.mobile = env.mobile_sector.tolist()
        self.land_per_output = (env.land_int * env.sigma).tolist()
        self.sigma_l = env.sigma.tolist()
        self.va_ratio_l = env.va_ratio.tolist()
        self.jobs_per_l = env.jobs_per.tolist()
        self.spend_at_site = bool(env.sw.owners_spend_at_site)
        p = env.p
        self.park_flag_origin = env.is_origin.tolist()
        self.beta = p.beta
        self.aH = annuity(p.planning_years, p.interest_rate)
        self.vat_local = p.local_vat_share * p.vat_rate
        self.cit_local = p.local_cit_share * p.cit_rate
        self.ledger_on = True  # revenue is booked in every scenario, as in RegionalEconomy.step
        self.n_cities = len(env.city_ids)
        L = len(env.levers)
        self.new_factor = [float(env._duration_factor(env.lever_years[j])) for j in range(L)]

    def _build_firms(self) -> None:
        env = self.env
        alive = env.alive
        for s, r, a, land, h in zip(env.sector[alive].tolist(), env.site[alive].tolist(),
                                    env.scale[alive].tolist(), env.land[alive].tolist(),
                                    env.home[alive].tolist()):
            Firm(self, s, r, a, land, h)
        self.firms = self.agents_by_type[Firm]

    def _drop_firm_arrays(self) -> None:
        for name in FIRM_ARRAYS:
            setattr(self.env, name, None)

    def _reporters(self) -> dict:
        """The same measures as ``sim.outputs.metrics.Recorder`` (by city, sector, park, origin, region)."""
        nc = len(self.city_ids)
        P = self.n_parks
        ind = np.array([s != "文化旅游" for s in self.sectors])
        city_of_site = self.site_market_arr
        in_city = city_of_site < nc

        def by_city(x):  # x by site -> by city
            return np.bincount(city_of_site[in_city], weights=x[in_city], minlength=nc)

        def out_sr(m):
            return np.asarray(m.out_sr).reshape(m.S, m.R)

        def firms_sr(m):
            return np.asarray(m.firms_sr, dtype=float).reshape(m.S, m.R)

        return {
            "gdp": lambda m: [c.gdp for c in m.cities],
            "population": lambda m: [c.population for c in m.cities],
            "wage": lambda m: [c.wage for c in m.cities],
            "industrial_output": lambda m: by_city(out_sr(m)[ind].sum(axis=0)),
            "value_added": lambda m: by_city(np.asarray(m.va_r)),
            "firms": lambda m: by_city(firms_sr(m).sum(axis=0)),
            "jobs": lambda m: by_city(np.asarray(m.jobs_r)),
            "arrivals": lambda m: by_city(m.arrivals),
            "departures": lambda m: by_city(m.departures),
            "output_by_sector": lambda m: np.array([by_city(row) for row in out_sr(m)]),
            "park_firms": lambda m: firms_sr(m).sum(axis=0)[:P],
            "park_jobs": lambda m: np.asarray(m.jobs_r)[:P],
            "park_output": lambda m: out_sr(m).sum(axis=0)[:P],
            "park_arrivals": lambda m: m.arrivals[:P].copy(),
            "park_departures": lambda m: m.departures[:P].copy(),
            "occupancy": lambda m: [pk.occupancy for pk in m.parks],
            "land_price": lambda m: m.land_price[:P].copy(),
            "arrivals_by_origin": lambda m: np.array([by_city(m.arrivals_from[:, q])
                                                      for q in range(m.Q)]),
            "origin_firms": lambda m: firms_sr(m).sum(axis=0)[m.is_origin],
            "origin_output": lambda m: out_sr(m).sum(axis=0)[m.is_origin],
            "origin_departures": lambda m: m.departures[m.is_origin].copy(),
            "region_gdp": lambda m: sum(c.gdp for c in m.cities),
            "region_firms": lambda m: firms_sr(m).sum(axis=0)[in_city].sum(),
            "region_arrivals": lambda m: m.arrivals_from[in_city][:, nc:].sum(),
            # policy (``Recorder._collect_policy``)
            "fiscal_revenue": lambda m: m.ledger_revenue @ m.site_city_w,
            "fiscal_spending": lambda m: m.ledger_spend.sum(axis=0) @ m.site_city_w,
            "induced_arrivals": lambda m: by_city(m.induced_arrivals),
            "deadweight_arrivals": lambda m: by_city(m.deadweight_arrivals),
            "park_induced_arrivals": lambda m: m.induced_arrivals[:P].copy(),
            "lever_spending": lambda m: m.ledger_spend @ m.site_city_w,
            "lever_spending_induced": lambda m: m.ledger_spend_induced @ m.site_city_w,
            "pivotal_arrivals": lambda m: np.array([by_city(row) for row in m.pivotal_arrivals]),
            "lever_value": lambda m: m.lever_val.copy(),
            "induced_firms": lambda m: m.induced_firms,
            "induced_jobs": lambda m: list(m.induced_jobs_c),
        }

    # ------------------------------------------------------------------ market block
    def _tally_all(self) -> None:
        self.scale_sum = [0.0] * (self.S * self.R)
        self.count_sr = [0] * (self.S * self.R)
        self.firms.do("tally")

    def _market_state(self) -> None:
        a = np.asarray(self.scale_sum).reshape(self.S, self.R)
        self.pi_scale = np.zeros((self.S, self.R))
        for s in range(self.S):
            self.g[s] = market.cost_factor(self.cost[s], self.sigma[s])
            self.pi_scale[s] = market.site_profits(self.mu[s], self.sigma[s], a[s] * self.g[s],
                                                   self.g[s], self.phi[s], self.income,
                                                   self.external[s])
        self.net_scale = self._net_profit_per_scale()
        tot = (self.pi_scale * a).sum(axis=1)
        self.pibar = tot / np.maximum(a.sum(axis=1), 1e-300)
        self.pibar_firm = tot / np.maximum(np.asarray(self.count_sr).reshape(self.S, self.R).sum(axis=1), 1)
        self.pi_now = self.pi_scale.tolist()
        self._lever_rates()
        self.pretax_l = self._bc["pretax"].tolist()
        self.plot_rent = (self._bc["land"] / max(self.p.land_rent_rate, 1e-12)).tolist()
        self._active_levers()

    def _active_levers(self) -> None:
        """Which levers act this period, by what they do (read by the agents)."""
        L = len(self.lever_ids)
        on = [j for j in range(L) if self.lever_val[j] != 0]
        kinds = self.lever_kind
        self.active_terms = [[j for j in on if self.lever_mask[j, s].any()
                              and (kinds[j] == "friction_cut" or kinds[j] in _TERM_KINDS)]
                             for s in range(self.S)]
        self.active_promo = [j for j in on if kinds[j] == "promotion"]
        self.active_one_off = [j for j in on if kinds[j] == "grant"
                               or (kinds[j] == "land_discount" and self.lever_new[j])]
        self.active_recurring = [j for j in on if kinds[j] in _RECURRING
                                 and not (kinds[j] == "land_discount" and self.lever_new[j])]

    # ------------------------------------------------------------------ money
    def pay(self, j: int, firm: Firm, amount: float) -> bool:
        """Pay lever j's ``amount`` (亿元) to ``firm`` if its yearly budget allows (agents ask in
        id order); book it by the firm's site and induced flag."""
        if amount <= 0:
            return False
        cap_s = self.lever_budget[j]
        if cap_s is not None:
            if self.cap_hit[j]:
                return False
            left = max(cap_s.at(self.t) * WAN_TO_YI - self.lever_spent_year[j], 0.0)
            if amount > left + 1e-12:
                self.cap_hit[j] = True
                self.lever_exhausted[j] = True
                self.budget_events.append({"lever": self.lever_ids[j], "period": round(self.t, 4)})
                return False
        self.lever_spent_year[j] += amount
        self.ledger_spend[j, firm.site] += amount
        if firm.induced:
            self.ledger_spend_induced[j, firm.site] += amount
        return True

    def _programme_payments(self) -> None:
        """Spending not tied to firms (promotion and friction-cut programmes, retention, land
        servicing): place-level, as in ``PolicyMixin._recurring_payments``."""
        dt = self.dt
        for j, kind in enumerate(self.lever_kind):
            v = self.lever_val[j]
            if v != 0 and kind in ("promotion", "friction_cut") and self.lever_cost[j] is not None:
                sites = np.flatnonzero(self.lever_mask[j].any(axis=0))
                self._pay_flat(j, self.lever_cost[j].at(self.t) * WAN_TO_YI * dt, sites)
            elif v != 0 and kind == "retention":
                cities = np.flatnonzero(self.lever_mask[j].any(axis=0) @ self.site_city_w > 0)
                sites = np.array([self.n_parks + c for c in cities])
                self._pay_flat(j, v * self.levers[j].unit_cost_yuan / 1e8 * dt, sites)
        for j, kind in enumerate(self.lever_kind):
            if kind == "land_supply" and self.lever_cost[j] is not None:
                due = sum(x for d, x in self.lever_cost[j].points if self.t - dt < d <= self.t + 1e-9)
                if due:
                    self._pay_flat(j, due * WAN_TO_YI, np.flatnonzero(self.lever_mask[j].any(axis=0)))

    def _owner_income(self) -> np.ndarray:
        return np.asarray(self.spent) - np.asarray(self.earned)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        self.t = self.start + (self.step_count + 1) * self.dt
        self._reset_period_ledger()
        self.cap_hit = [False] * len(self.lever_ids)
        self.update_trends()
        self._market_state()
        self.relocate()
        if self.sw.entry_exit:
            self.exit_and_entry()
        self.scale_sum = [0.0] * (self.S * self.R)
        self.count_sr = [0] * (self.S * self.R)
        if self.sw.growth:
            gbar = float(np.average(self._rates(self.s_income, self.t - self.dt), weights=self.income0))
            sd = self.p.gibrat_sd * math.sqrt(self.dt)
            self.drift = math.log1p(gbar) * self.dt - 0.5 * sd * sd
            self.drift_base = math.log1p(gbar) * self.dt
            self.growth_sd = sd
            self.growth_plain = self.p.gibrat_shock == "normal" and self.p.gibrat_size_elasticity == 0
            if not self.growth_plain:  # each sector's mean log scale (Ā_s), over this step's firms
                tot, cnt = [0.0] * self.S, [0] * self.S
                for f in self.firms:
                    tot[f.sector] += math.log(f.scale)
                    cnt[f.sector] += 1
                self.log_ref = [t / max(c, 1) for t, c in zip(tot, cnt)]
            self.firms.do("grow")
        else:
            self.firms.do("tally")
        self._market_state()
        self._production()
        self._programme_payments()
        self.cities_set.do("update", self.t)
        self.parks_set.do("update", self.t)
        self._fill_layers()
        self.datacollector.collect(self)
        self.step_count += 1

    @property
    def cities_set(self):
        return self.agents_by_type[City]

    @property
    def parks_set(self):
        return self.agents_by_type[Park]

    def relocate(self) -> None:
        self.arrivals[:] = 0
        self.departures[:] = 0
        self.arrivals_from[:] = 0
        rel = np.log(self.cost / self.cost0)
        press = np.maximum(rel - rel.mean(axis=1, keepdims=True), 0.0)
        theta = self.theta0[:, None] * self.dt * (1 + self.p.cost_pressure_revision * press)
        self.theta_now = theta.tolist()
        boost = np.ones((self.S, self.R))
        for j in self.active_promo:  # promotion campaigns reach firms in the origin regions
            boost += self.lever_val[j] * (self.lever_mask[j].any(axis=1)[:, None] & self.is_origin[None, :])
        self.promo_boost = boost.tolist()
        # utilities of every (origin site, destination) pair: computed once per step, per sector
        self.vmove = [self._move_cost(s) if self.mobile[s] else None for s in range(self.S)]
        self.vrows = [self._vmat(s, move=self.vmove[s]) if self.mobile[s] else None for s in range(self.S)]
        self.applicants = [[] for _ in range(self.S)]
        self.firms.shuffle_do("revise")
        for s in range(self.S):
            if self.applicants[s]:
                self._allocate(self.applicants[s])

    def _allocate(self, applicants: list, entry: bool = False) -> None:
        """Parks admit movers in order of utility surplus until their free land is used; a firm
        refused takes its next choice (up to four rounds), else stays. Same rule as
        ``RegionalEconomy._assign``, one applicant at a time. Then each firm that moved is
        attributed and (unless it is an entrant, paid once its plot is known) paid."""
        R = self.R
        start = [f.site for f, *_ in applicants]
        self._assign_sites(R, [[f, v, np.argsort(-v), f.site, 0] for f, v, *_ in applicants])
        for (f, v, terms, promo_only), cur in zip(applicants, start):
            f.attribute(v, terms, cur, promo_only)
            if not entry and f.site != cur:
                f.one_off()

    def _assign_sites(self, R: int, pending: list) -> None:
        for _ in range(4):
            if not pending:
                break
            by_site = defaultdict(list)
            for item in pending:
                f, v, order, cur, rank = item
                choice = int(order[rank])
                if choice == cur:
                    continue
                by_site[choice].append((-(v[choice] - v[cur]), item))
            nxt, accepted = [], []
            for site in sorted(by_site):
                queue = by_site[site]
                queue.sort(key=lambda x: x[0])
                free = self.free_land[site] if self.capacity_rule else math.inf
                used = 0.0
                for _, item in queue:
                    need = item[0].land_need(site)
                    used += need
                    if used <= free + 1e-12:
                        accepted.append((item[0], site, need))
                    else:
                        item[4] += 1
                        if item[4] < R:
                            nxt.append(item)
            for f, site, need in accepted:
                f.relocate_to(site, need)
            pending = nxt

    def exit_and_entry(self) -> None:
        self.exits[:] = 0
        self.entries[:] = 0
        self.exit_p = self.p.exit_rate * self.dt
        self.loss_now = (self.net_scale < 0).tolist()
        self.exiting = []
        self.survivor_scale = [0.0] * self.S
        self.survivors = [0] * self.S
        self.firms.shuffle_do("exit_or_survive")
        if not self.exiting:
            return
        born = []
        for f in self.exiting:
            self.exits[f.site] += 1
            if self.park_flag[f.site]:
                self.free_land[f.site] += f.land
            born.append((f.sector, f.site))
            f.remove()
        # replacement entrants: local spin-offs of the same sector, Pareto sizes
        n = len(born)
        fz = self.scn.firms
        if self.sw.heterogeneity:
            u = self.rng.random(n)
            rel = (1 - u * (1 - fz.size_ratio_max ** (-fz.pareto_tail))) ** (-1 / fz.pareto_tail)
            rel = rel / rel.mean()
        else:
            rel = np.ones(n)
        mean_scale = [self.survivor_scale[s] / self.survivors[s] if self.survivors[s] else 1.0
                      for s in range(self.S)]
        by_sector = defaultdict(list)
        for (s, r), x in zip(born, rel.tolist()):
            f = Firm(self, s, r, mean_scale[s] * x, 0.0, self.site_market[r])
            f.arrived_t = self.t
            by_sector[s].append(f)
        for s in sorted(by_sector):
            if self.mobile[s]:
                self._allocate([f.utility_row() for f in by_sector[s]], entry=True)
        # entrants that stayed in their birth park take their land there, after every sector chose
        for s in sorted(by_sector):
            for f in by_sector[s]:
                if self.park_flag[f.site] and f.land == 0:
                    f.land = f.land_need(f.site)
                    self.free_land[f.site] -= f.land
                self.entries[f.site] += 1
        if self.levers:  # entrants' grants and land discounts, once their plot is known
            for s in sorted(by_sector):
                for f in by_sector[s]:
                    f.one_off()

    def _production(self) -> None:
        n = self.S * self.R
        self.out_sr = [0.0] * n
        self.firms_sr = [0] * n
        self.va_r = [0.0] * self.R
        self.jobs_r = [0.0] * self.R
        self.earned = [0.0] * self.Q
        self.spent = [0.0] * self.Q
        self.fwage_site = self.f_wage[self.site_market_arr].tolist()
        self.revenue_r = [0.0] * self.R
        self.induced_firms = 0
        self.induced_jobs_c = [0.0] * len(self.city_ids)
        self.firms.do("produce")
        self.ledger_revenue = np.asarray(self.revenue_r)
        nc = len(self.city_ids)
        in_city = self.site_market_arr < nc
        self.city_va = np.bincount(self.site_market_arr[in_city], weights=np.asarray(self.va_r)[in_city],
                                   minlength=nc)
        self.city_jobs = np.bincount(self.site_market_arr[in_city],
                                     weights=np.asarray(self.jobs_r)[in_city], minlength=nc)

    def _fill_layers(self) -> None:
        by_site = np.asarray(self.out_sr).reshape(self.S, self.R).sum(axis=0)
        layer = self.grid.output.data
        layer[:] = 0.0
        on = ~self.is_origin
        np.add.at(layer, (self.site_cell[on, 0], self.site_cell[on, 1]), by_site[on])

    # ------------------------------------------------------------------ views for tests
    def city_output_shares(self, industrial_only: bool = True) -> np.ndarray:
        return np.asarray(self.datacollector.model_vars["industrial_output"][-1]) / max(
            float(np.sum(self.datacollector.model_vars["industrial_output"][-1])), 1e-300)

    def close(self) -> None:
        """Release the model (Mesa 3.3.1 keeps every model alive through ``Agent._ids``)."""
        from mesa.agent import Agent
        Agent._ids.pop(self, None)
