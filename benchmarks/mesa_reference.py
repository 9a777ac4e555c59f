"""The yardstick: the project's firm rules written the idiomatic Mesa way.

Every firm is a ``mesa.discrete_space.CellAgent`` standing in the grid cell of its site, with its
state in Python attributes; the firm-level rules are agent methods called through
``AgentSet.shuffle_do`` / ``AgentSet.do``; output goes to a ``mesa.DataCollector``. Nothing about a
firm is held in a numpy array.

What is shared with :class:`sim.model.RegionalEconomy`, and why the comparison is fair:

* The same scenario and the same calibrated base state: the reference builds a
  ``RegionalEconomy`` (same scenario, same seed) once, takes its static tables (sites, levers
  compiled against them, parameters, data, calibration: location constants, moving-cost base,
  supply, travel network), deep-copies the components a step mutates (land, market block, trends,
  policy runtime, ledger, arrival tally, flows, the project pipeline; parks' capacity), turns the
  firms into agents (each keeps the model's firm id) and then drops the firm population
  (``_drop_firm_arrays``), so nothing firm-level can be read from it afterwards.
* Place-level rules are the *same code*, run on the reference's own components:
  ``RegionalEconomy``'s stages ``update_exogenous`` (lever values and budgets, land supplied,
  trends, wages, unit costs with the cost levers, income), ``update_places`` (city accounts, land
  prices), ``unit_cost`` and ``update_freeness`` are bound to this model; the market block
  (``MarketBlock.evaluate``: crowding, profits, their components, net profit, π̄) and the lever
  rates (``PolicyRuntime.rates``) are the components' methods; the deterministic utility rows are
  ``SiteChoice.utility_rows`` of a ``SiteChoice`` over the reference's components (only its
  place-level method is used). Cities and parks are ``sim.agents.places.City`` / ``Park``
  ``FixedAgent``s of this model. Whatever the place-level step does (and later levers that enter
  there), the reference does too.
* The investment projects are place-level (projects are not firms; MODEL.md §9.2–9.3): the
  reference's deep copy of the model's ``ProjectEconomy`` (its calibrated flow, the base year's
  pipeline and the per-(sector, site) pools of base-year scales that new units are drawn from),
  whose ``arrive`` (intentions and their site choice, with the levers' terms, from the reference's
  market block and policy runtime) and ``advance`` (the pipeline, with land gating at 开工 on the
  reference's land) run in the same order as in ``RegionalEconomy.step``, with the component's own
  counter-based streams. The exit hazard per (sector, site) is the model's ``exit_hazard`` /
  ``exit_probability`` on the reference's market block, like the market block itself.
* Firm-level rules are re-written per agent, in the same order as ``RegionalEconomy.step``:
  revision with probability θ_s·dt·(1 + κ·pressure) and (nested) logit choice over the same sites
  (Gumbel shocks and, when ``nest_lambda`` < 1, the positive-stable nest terms of
  ``sim.rng.nest_shocks``, from ``model.rng``, one call per revising firm); the same capacity rule
  (parks admit movers sector by sector in order of utility surplus until free land is used,
  refused firms take their next choice for up to ``ROUNDS`` rounds); exit: each agent leaves with
  the probability of its (sector, site)'s loss-dependent hazard, its plot freed, no replacement
  (MODEL.md §9.4); birth: one agent per project reaching 投产, with the fields ``advance`` returns
  (sector, site, home, scale, land taken at 开工, induced, pivotal levers), born at t with the next
  firm id of the model's counter; Gibrat growth (Laplace shocks with size-dependent s.d., or
  log-normal, as the scenario says) on top of each agent's investment (MODEL.md §9.1: its own q from
  the (sector, site) operating return of the end of the last period, the calibrated wedge and q0
  of the model's ``Investment`` component (a deep copy, place-level like the market block), the
  finance levers it is eligible for in its user cost and the per-unit flows of the others in its
  return; I/K = max(0, δ + (q − q0)/ψ + g0); in a park its net expansion above the trend,
  x − g0·dt > 0, asks for land at the park's intensity (growth on the trend intensifies its plot), and the
  park's free land is shared pro rata among the agents asking when it is short), and new units'
  capacity trend with it; production from the same market block.
* Market crowding is computed once per market evaluation at the model level, never per agent: the
  agents add their scale to (sector × site) totals in the same pass that grows them, and
  ``MarketBlock.evaluate`` reads those totals (``SiteTotals``) where the vectorized model gives it
  the firm arrays: a fair yardstick, not a slow one.

Random numbers for revision, choice shocks and growth come from Mesa's own streams
(``model.random``, ``model.rng``), not from the counter-based CRN generator of ``sim.rng``: there the
two models agree in distribution, not draw by draw (``tests/test_benchmark_reference.py``). Exits use
the model's stream "exit" at (seed, step, firm id) (``_uniform_at``: the same bits as
``sim.rng.uniform``, one firm at a time) and the pipeline its own streams, so without revision and
growth the two models have the same exits, births, land and payments
(``tests/test_benchmark_reference_levers.py``).

Policy levers, attribution and the fiscal ledger (docs/model.md §Levers, §Attribution):

* Place-level parts are the components' own methods on the reference's copies: lever values and
  budgets for the period, land supply, retention, the cost cut of cost levers (through
  ``update_exogenous``), the per-(sector, site) rates and spending of every lever
  (``PolicyRuntime.rates``), programme spending not tied to firms (``Ledger.pay_flat``).
* Firm-level parts are per agent: a choosing firm adds its own lever terms to its utility row (what
  it would receive at each site, and what it keeps by staying: land discount already held, years
  left of a ``new``-firm lever), draws its Gumbel shocks, and after the capacity rule compares its
  destination with the argmax of the same row without any lever term (induced or deadweight) and
  without each lever's term (pivotal levers); movers and newborn firms collect one-off grants and
  land discounts; in ``produce`` each firm adds its local taxes to its site's revenue and draws
  its recurring subsidies; payments go in firm-id order within each lever's yearly budget cap.

Not in the reference: anchors and new parks (scenarios with them are not benchmarked).
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim import rng
from sim.agents.demography import exit_hazard, exit_probability
from sim.agents.places import City, Park
from sim.agents.relocation import ROUNDS, SiteChoice
from sim.economy.capital import trend_capacity_growth
from sim.economy.finance import WAN_TO_YI, annuity
from sim.economy.growth import national_drift
from sim.economy.profits import YI_PER_HA_PER_YUAN_M2
from sim.model import RegionalEconomy
from sim.model_views import ModelViews
from sim.outputs.metrics import PROJECT_MEASURES
from sim.policy.levers import CHOICE_KINDS, KINDS
from sim.policy.runtime import INVESTMENT_FLOW_KINDS
from sim.scenario import LoadedScenario

# recurring per-firm subsidies (paid in ``Firm.produce``, as ``Ledger.recurring_payments`` pays
# them); the rest are one-off (grants, land discounts to newcomers) or programme spending
_RECURRING = ("land_discount", "interest_subsidy", "loan_guarantee", "tax_rebate", "profit_subsidy",
              "lump_sum", "talent_subsidy", "cost_subsidy")

_MASK64 = (1 << 64) - 1
_GOLD = 0x9E3779B97F4A7C15


def _uniform_at(key: int, firm_id: int) -> float:
    """``sim.rng.uniform(seed, purpose, step, [firm_id])[0]`` for one firm, on Python integers: the
    same bits (SplitMix64's finaliser twice on id·golden ⊕ key mod 2⁶⁴, the top 53 bits + ½,
    over 2⁵³). ``key``: ``int(sim.rng.stream_key(seed, purpose, step))``."""
    z = rng._mix_int(rng._mix_int(((firm_id * _GOLD) & _MASK64) ^ key))
    return ((z >> 11) + 0.5) / 9007199254740992.0


class Firm(CellAgent):
    """A firm: the model's firm id (which keys its exit draw), sector, site (index into the model's
    sites), scale A_i, land held (ha), owner's home."""

    def __init__(self, model: MesaReference, firm_id: int, sector: int, site: int, scale: float,
                 land: float, home: int) -> None:
        super().__init__(model)
        self.firm_id = firm_id
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
        if m.n_levers:
            pib = max(m.pibar_l[s], 1e-300)
            v[cur] += m.beta * self.land_disc * m.plot_rent[s][cur] / m.aH / pib
            terms = self.lever_terms(pib)
            for j, term in terms:
                if not m.site_level[j]:  # cost levers are already in V (marginal cost c)
                    v += term
        e = m.rng.gumbel(size=m.R)
        if m.nest_lam != 1.0:  # nested logit: the same shock construction as sim.rng.nested_gumbel
            sites, pos, ids = m.choice.layout
            uv = m.rng.random((1, 2 * len(ids)))
            log_s = rng.log_positive_stable(m.nest_lam, uv[:, :len(ids)], uv[:, len(ids):])
            e = rng.nest_shocks(e[None, :], m.nest_lam, sites, pos, log_s)[0]
        v += e
        return (self, v, terms, promo_only)

    def lever_terms(self, pib: float) -> list:
        """Each active lever's utility term for this firm at every site
        (``PolicyRuntime.choice_terms``, for one firm)."""
        m = self.model
        s, cur = self.sector, self.site
        out = []
        for j in m.active_terms[s]:
            kind = m.kind_l[j]
            if kind == "friction_cut":
                if m.lever_city_l[j][m.market_of[cur]]:
                    out.append((j, np.zeros(m.R)))  # moves inside the target's cities: no help
                else:
                    out.append((j, m.beta * m.vmove[s][cur] * (m.val_l[j] * m.mask[j, s]) / pib))
                continue
            site_level = m.site_level[j] or kind == "designation"
            new = m.new_l[j] and not site_level
            term = m.rate_now[j, s] * (m.new_factor[j] if new else 1.0)
            if kind == "grant":
                stay = 0.0
            elif not new:
                stay = m.rate_now[j, s, cur] * (kind != "land_discount" or not m.new_l[j])
            elif kind == "land_discount":
                stay = 0.0
            else:
                left = m.years_l[j] - (m.t - max(self.arrived_t, -1e9))
                stay = m.rate_now[j, s, cur] * self.eligible(j) * float(m.policy.duration_factor(left))
            term[cur] = stay
            out.append((j, term))
        return out

    def eligible(self, j: int) -> float:
        """Whether the firm receives lever j where it is now (``eligible_by_date`` and the target)."""
        m = self.model
        if not m.mask[j, self.sector, self.site] or m.val_l[j] == 0:
            return 0.0
        if not m.new_l[j] or m.site_level[j]:
            return 1.0
        ok = (self.arrived_t >= m.start_l[j] - 1e-9) and (m.t - self.arrived_t < m.years_l[j])
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
                if promo_only and m.mask[j, self.sector, dest]:
                    piv |= 1 << j
                    induced = True
            self.induced, self.pivotal = induced, piv
        self.arrived_t = m.t
        self.land_disc = 0.0
        # the period's arrivals, induced or deadweight, and per pivotal lever (``ArrivalTally``)
        tally = m.tally
        if self.induced:
            tally.induced[dest] += 1
        else:
            tally.deadweight[dest] += 1
        for j in range(m.n_levers):
            if (self.pivotal >> j) & 1:
                tally.pivotal[j, dest] += 1

    def one_off(self) -> None:
        """Grants and land discounts (applies_to: new) on arrival or birth."""
        m = self.model
        for j in m.active_one_off:
            if not m.mask[j, self.sector, self.site]:
                continue
            if m.kind_l[j] == "grant":
                amount = m.val_l[j] * WAN_TO_YI
            else:
                amount = m.val_l[j] * m.land_state.price[self.site] * YI_PER_HA_PER_YUAN_M2 * self.land
            if m.pay(j, self, amount) and m.kind_l[j] == "land_discount":
                self.land_disc = min(self.land_disc + m.val_l[j], 1.0)

    def land_need(self, site: int) -> float:
        m = self.model
        if not m.park_flag[site]:
            return 0.0
        s = self.sector
        return m.land_per_output[s][site] * m.pi_now[s][site] * self.scale

    def relocate_to(self, dest: int, land: float) -> None:
        m = self.model
        src = self.site
        flows, free = m.flows, m.land_state.free
        flows.departures[src] += 1
        flows.arrivals[dest] += 1
        flows.arrivals_from[dest, m.market_of[src]] += 1
        if m.park_flag[src]:
            free[src] += self.land
        free[dest] -= land
        self.land = land
        self.site = dest
        self.move_to(m.site_cells[dest])

    # stage 2: exit by the loss-dependent hazard of its (sector, site), or survive
    def exit_or_survive(self) -> None:
        """Exit with probability 1 − e^(−h·dt) of its (sector, site) (``exit_probability``), drawn
        from the model's counter-based stream "exit" at its firm id: the same uniform as
        ``sim.agents.demography.exits_and_births`` gives the same firm."""
        m = self.model
        if _uniform_at(m.exit_key, self.firm_id) < m.exit_prob[self.sector][self.site]:
            m.exiting.append(self)

    # stage 3: investment (q-rule), then Gibrat growth; the firm reports its scale for the market block
    def invest(self) -> None:
        """Its desired I/K (per year) by the q-rule (``sim.economy.capital``), for one firm: the
        operating return of its (sector, site) plus the per-unit flows of the non-finance levers it
        receives, over the user cost (r_f − the finance levers' cut, floored at 0, + δ)·k·(1 + w);
        and, in a park, the land its net expansion needs (ha), added to the park's requests."""
        m = self.model
        s, r = self.sector, self.site
        n, cut = m.inv_n[s][r], 0.0
        for j in m.active_invest:
            if self.eligible(j):
                kind = m.kind_l[j]
                if kind == "interest_subsidy":
                    cut += m.val_l[j] / 100
                elif kind == "loan_guarantee":
                    cut += m.val_l[j] * m.p.guarantee_spread / 100
                else:
                    n += float(m.policy.flow_money[j, s, r])
        d = m.inv_delta[s]
        u = (max(m.inv_rf - cut, 0.0) + d) * m.inv_k[s] * m.inv_wedge[s][r]
        self.ik = max(d + (n / u - m.inv_q0[s][r]) / m.inv_psi[s] + m.g0, 0.0)
        self.x = (self.ik - d) * m.dt
        self.need = 0.0
        free_x = m.g0 * m.dt  # growth on the trend intensifies its own plot: no new land
        if self.x > free_x and m.park_flag[r]:
            self.need = m.land_per_output[s][r] * m.pi_now[s][r] * self.scale * math.expm1(self.x - free_x)
            m.need_r[r] += self.need

    def grow(self) -> None:
        m = self.model
        s, r = self.sector, self.site
        if self.need > 0:  # the park's share of what it asked for
            share = m.share_r[r]
            taken = share * self.need
            self.land += taken
            m.land_state.free[r] -= taken
            if share < 1.0:
                free_x = m.g0 * m.dt
                self.x = free_x + math.log1p(share * math.expm1(self.x - free_x))
                self.ik = m.inv_delta[s] + self.x / m.dt
        m.inv_r[r] += self.ik * m.inv_k[s] * self.scale * m.dt  # gross investment, K at the start
        if m.growth_plain:
            self.scale *= math.exp(self.x + m.drift + m.growth_sd * m.random.gauss(0.0, 1.0))
        else:  # sim.agents.growth.grow's size-dependent s.d. and Laplace (or normal) shocks
            p = m.p
            sd = min(m.growth_sd * math.exp(-p.gibrat_size_elasticity
                                            * (math.log(self.scale) - m.log_ref[self.sector])), 1.0)
            if p.gibrat_shock == "laplace":
                u = m.random.random() - 0.5
                z = -math.copysign(1.0, u) * math.log1p(-2 * abs(u)) / math.sqrt(2.0)
                corr = math.log1p(-0.5 * sd * sd)
            else:
                z, corr = m.random.gauss(0.0, 1.0), -0.5 * sd * sd
            self.scale *= math.exp(self.x + corr + sd * z)
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
        m.earned[m.market_of[r]] += pi
        m.spent[m.market_of[r] if m.spend_at_site else self.home] += pi
        # local taxes (``Ledger.collect_revenue``): share of VAT at the sector's rate on value added
        # and of income tax on taxable profit min(max(pre-tax profit, 0), margin × output); origin
        # regions collect nothing here
        if not m.origin_flag[r]:
            pre = min(max(m.pretax_l[s][r] * self.scale, 0.0), m.margin_l[s] * self.output)
            m.revenue_r[r] += (m.vat_local[s] * self.va + m.cit_local * pre) * m.dt
        if self.induced and m.market_of[r] < m.n_cities:
            m.induced_firms += 1
            m.induced_jobs_c[m.market_of[r]] += self.jobs
        # recurring subsidies, within each lever's budget
        for j in m.active_recurring:
            if not m.mask[j, s, r] or not self.eligible(j):
                continue
            if m.kind_l[j] == "lump_sum":
                amount = m.spend_firm_now[j, s] * m.dt
            else:
                amount = m.spend_scale_now[j, s, r] * self.scale * m.dt
            m.pay(j, self, amount)


class SiteTotals:
    """The agents' (sector, site) totals in the form ``MarketBlock.evaluate`` reads a firm
    population: one row per (sector, site) pair holding the summed scale of the agents there,
    grouped by sector (``by_sector``: per sector its slice of rows and its number of firms;
    ``scale_sums``: the rows' flat keys and scales, Σ scale by (sector, site) and by sector)."""

    def __init__(self, scale_sum: list, count_sr: list, S: int, R: int) -> None:
        raw = np.asarray(scale_sum, dtype=float).reshape(S, R)
        counts = np.asarray(count_sr).reshape(S, R).sum(axis=1)
        starts = np.arange(S) * R
        self._grp = (None, None, starts, starts + R, counts)
        den = [max(x, 1e-300) for x in raw.sum(axis=1).tolist()]
        self._ms = (np.arange(S * R), raw.ravel(), raw, den)

    def by_sector(self) -> tuple:
        return self._grp

    def scale_sums(self) -> tuple:
        return self._ms


class MesaReference(ModelViews, mesa.Model):
    """Per-agent twin of :class:`sim.model.RegionalEconomy`; ``step()`` includes data collection.

    It holds the same components as ``RegionalEconomy`` except the firm population (``firms`` is
    the ``AgentSet`` of ``Firm`` agents), so the model's place-level stages and the read-only views
    of ``sim.model_views`` (``m.free_land``, ``m.ledger_spend`` ...) work on it unchanged."""

    # place-level stages: RegionalEconomy's own code, run on the reference's components
    update_exogenous = RegionalEconomy.update_exogenous
    update_places = RegionalEconomy.update_places
    unit_cost = RegionalEconomy.unit_cost
    update_freeness = RegionalEconomy.update_freeness
    ramp_factor = RegionalEconomy.ramp_factor

    def __init__(self, loaded: LoadedScenario, seed: int | None = None, until: float | None = None,
                 capacity_rule: bool = True, env: RegionalEconomy | None = None) -> None:
        env = env or RegionalEconomy(loaded, seed=seed, until=until)
        super().__init__(rng=env.seed_value)
        self.env = env
        if env.anchor_rows or env.scn.new_parks:
            raise ValueError("the Mesa reference has no anchors or new parks")
        if env.governments is not None:  # (its levers are the scenario's as written)
            raise ValueError("the Mesa reference runs city_policy: fixed only")
        self.S, self.R, self.Q = env.S, env.R, env.Q  # read by every agent: kept local
        self.p, self.sw, self.dt, self.start = env.p, env.sw, env.dt, env.start
        self.n_steps, self.n_cities = env.n_steps, env.n_cities
        self._own_components()
        self.capacity_rule = capacity_rule
        self.nest_lam = env.p.nest_lambda  # nested logit (nests: sites.nest, choice.layout)
        self.step_count = 0
        self.t = env.t
        self._build_grid_and_places()
        self._build_firms()
        self._drop_firm_arrays()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self._tally_all()
        self.evaluate_market()
        self._production()
        self.datacollector.collect(self)

    def __getattr__(self, name: str):
        # read-only place-level data (scenario, parameters, calibration, network) from the
        # RegionalEconomy the reference was built from; never Mesa internals
        if name.startswith("__") or "env" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["env"], name)

    # ------------------------------------------------------------------ construction
    def _own_components(self) -> None:
        """The components a step mutates, deep-copied from the model the reference was built from
        (its lever set, sites and parameters are static and shared); the choice component's
        place-level part (utility rows) over the copies."""
        env = self.env
        self.sites, self.lever_set = env.sites, env.lever_set
        memo = {id(env.lever_set): env.lever_set, id(env.p): env.p, id(env.sites): env.sites}
        self.land_state = copy.deepcopy(env.land_state, memo)
        self.market = copy.deepcopy(env.market, memo)
        self.trends = copy.deepcopy(env.trends, memo)
        self.policy = copy.deepcopy(env.policy, memo)
        self.ledger = copy.deepcopy(env.ledger, memo)  # its runtime is the copy above (memo)
        self.tally = copy.deepcopy(env.tally, memo)
        self.flows = copy.deepcopy(env.flows, memo)
        # the project pipeline (place-level: projects are not firms), with its base-year state
        self.projects = copy.deepcopy(env.projects, memo)
        self.ramp = copy.deepcopy(env.ramp, memo)    # ids of the firms on their ramp to 达产
        self.known = copy.deepcopy(env.known, memo)  # the scenario's known projects
        # investment: the calibrated constants and the operating return observed (place-level)
        self.investment = copy.deepcopy(env.investment, memo)
        assert self.ledger.rt is self.policy
        # firms=None: the agents choose; only SiteChoice.utility_rows (place-level) is used
        self.choice = SiteChoice(None, self.sites, self.land_state, self.market, self.policy,
                                 self.ledger, self.tally, self.flows, env.admit, env.lead,
                                 env.constants, env.move_base, env.p, env.sw, env.seed_value)

    def _build_grid_and_places(self) -> None:
        env = self.env
        gs = env.gridspec
        # the study-area grid plus one extra row holding the origin regions (outside the area)
        self.grid = OrthogonalMooreGrid((gs.width, gs.height + 1), torus=False, random=self.random)
        self.grid.create_property_layer("output", default_value=0.0, dtype=float)
        self.cities = [City(self, i, row) for i, row in enumerate(env.data.cities.rows)]
        for a, c in zip(self.cities, env.cities):
            a.gdp, a.population, a.wage = c.gdp, c.population, c.wage
            a.cell = self.grid[c.cell.coordinate]
        self.parks = [Park(self, k, row, self.land_state) for k, row in enumerate(env.park_rows)]
        for a, pk in zip(self.parks, env.parks):
            a.capacity, a.free0 = pk.capacity, pk.free0
            a.cell = self.grid[pk.cell.coordinate]
        cells = []
        n_origin = 0
        sites = self.sites
        for k in range(env.R):
            if sites.kind[k] == "origin":
                cells.append(self.grid[(n_origin, gs.height)])
                n_origin += 1
            else:
                cells.append(self.grid[tuple(env.site_cell[k])])
        self.site_cells = cells
        # plain Python lists and local names for per-agent lookups
        mk, p, ls = self.market, env.p, self.lever_set
        self.park_flag = sites.is_park.tolist()
        self.origin_flag = sites.is_origin.tolist()
        self.market_of = sites.market  # (list) the market of each site
        self.mobile = env.mobile_sector.tolist()
        S_, R_ = mk.pi_scale.shape  # ha per 亿元 of output × σ at each (sector, site): c_p included
        self.land_per_output = (mk.land_per_output(np.arange(S_)[:, None], np.arange(R_)[None, :])
                                * mk.sigma[:, None]).tolist()
        self.sigma_l = mk.sigma.tolist()
        v = env.data.sector_values
        self.va_ratio_l = list(v("va_ratio"))
        self.jobs_per_l = list(v("jobs_per_yi"))
        self.spend_at_site = bool(env.sw.owners_spend_at_site)
        self.beta = p.beta
        self.aH = annuity(p.planning_years, p.interest_rate)
        tax = env.tax  # sector VAT rates and margins (``sim.economy.fiscal.TaxRates``)
        self.vat_local = (tax.local_vat_share * tax.vat_collection * tax.vat_rate).tolist()
        self.margin_l = tax.margin.tolist()
        self.cit_local = tax.local_cit_share * tax.cit_rate
        # the compiled levers (static in a run)
        L = self.n_levers = len(ls)
        self.kind_l, self.mask, self.lever_city_l = ls.kind, ls.mask, ls.city
        self.new_l, self.years_l, self.start_l = ls.new.tolist(), ls.years.tolist(), ls.start.tolist()
        self.budget_l = ls.budget
        self.site_level = [bool(KINDS[k].get("site_level")) for k in ls.kind]
        self.new_factor = [float(self.policy.duration_factor(ls.years[j])) for j in range(L)]
        self.cap_hit = [False] * L

    def _build_firms(self) -> None:
        f = self.env.firms
        alive = f.alive
        assert not f.pinned[alive].any()  # (pinned firms are anchors: none here)
        for i, s, r, a, land, h, arr, disc, ind, piv in zip(
                f.firm_id[alive].tolist(), f.sector[alive].tolist(), f.site[alive].tolist(),
                f.scale[alive].tolist(), f.land[alive].tolist(), f.home[alive].tolist(),
                f.arrived_t[alive].tolist(), f.land_disc[alive].tolist(), f.induced[alive].tolist(),
                f.pivotal[alive].tolist()):
            firm = Firm(self, i, s, r, a, land, h)
            firm.arrived_t, firm.land_disc, firm.induced, firm.pivotal = arr, disc, ind, piv
        self.next_firm_id = f.next_id  # the model's firm-id counter (``FirmPopulation.next_id``)
        self.firms = self.agents_by_type[Firm]

    def _drop_firm_arrays(self) -> None:
        """Nothing firm-level is left in the model the reference was built from."""
        env = self.env
        env.firms = None
        env.choice = None  # it holds the firm population
        env.base_output = None

    def _reporters(self) -> dict:
        """The same measures as ``sim.outputs.metrics.Recorder`` (by city, sector, park, origin, region)."""
        nc = self.n_cities
        P = self.sites.n_parks
        ind = np.array(self.data.sector_values("industrial")) > 0
        city_of_site = self.sites.market_arr
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
            # capital and incumbents' gross investment (``Recorder.collect``)
            "capital": lambda m: by_city(m.capital_r()),
            "park_capital": lambda m: m.capital_r()[:P],
            "fixed_investment": lambda m: by_city(m.investment.period),
            "park_fixed_investment": lambda m: m.investment.period[:P].copy(),
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
            # projects (``Recorder._collect_projects``): the pipeline component's tally, by city
            **{meas: (lambda m, meas=meas: getattr(m.projects.tally, meas).sum(axis=1) @ m.site_city_w)
               for meas in PROJECT_MEASURES},
            "projects_in_pipeline": lambda m: int((~m.is_origin[m.projects.pop.site]).sum()),
        }

    # ------------------------------------------------------------------ market block
    def capital_r(self) -> np.ndarray:
        """Capital by site (亿元): Σ_s k_s × the agents' Σ scale of the (sector, site)."""
        return (self.investment.k[:, None] * np.asarray(self.scale_sum).reshape(self.S, self.R)).sum(axis=0)

    def _tally_all(self) -> None:
        self.scale_sum = [0.0] * (self.S * self.R)
        self.count_sr = [0] * (self.S * self.R)
        self.firms.do("tally")

    def evaluate_market(self, rates: str = "both") -> None:
        """``RegionalEconomy.evaluate_market`` on the agents' (sector, site) totals: the market
        block, then the lever rates read from it ("choice", "spend" or "both"); then the per-agent
        look-up tables of this state."""
        mk = self.market
        mk.evaluate(SiteTotals(self.scale_sum, self.count_sr, self.S, self.R), self.land_state.price,
                    self.p, self.sw.cost_of_living, self.sites.market_arr)
        self.policy.rates(mk.bc, mk.pi_scale, mk.net_scale, mk.pibar, mk.pibar_firm, mk.sigma, self.lead,
                          choice=rates != "spend", spend=rates != "choice")
        self.pi_now = mk.pi_scale.tolist()
        self.pibar_l = mk.pibar.tolist()
        self.pretax_l = mk.bc.pretax.tolist()
        self.plot_rent = (mk.bc.land / max(self.p.land_rent_rate, 1e-12)).tolist()
        if rates != "choice":
            self.investment.observe(mk)  # the end-of-period returns the next investment reads
        self._active_levers()

    def _active_levers(self) -> None:
        """Which levers act this period, by what they do, and their values and rates (read by the
        agents)."""
        rt = self.policy
        self.val_l = rt.val.tolist()
        self.rate_now, self.spend_scale_now, self.spend_firm_now = rt.rate_u, rt.spend_scale, rt.spend_firm
        on = [j for j in range(self.n_levers) if self.val_l[j] != 0]
        kinds, new = self.kind_l, self.new_l
        self.active_terms = [[j for j in on if self.mask[j, s].any() and kinds[j] in CHOICE_KINDS]
                             for s in range(self.S)]
        self.active_promo = [j for j in on if kinds[j] == "promotion"]
        self.active_one_off = [j for j in on if kinds[j] == "grant"
                               or (kinds[j] == "land_discount" and new[j])]
        self.active_recurring = [j for j in on if kinds[j] in _RECURRING
                                 and not (kinds[j] == "land_discount" and new[j])]
        # levers in the q-rule: finance levers (user cost), per-unit flows of the others (return)
        self.active_invest = [j for j in on if kinds[j] in ("interest_subsidy", "loan_guarantee")
                              or (kinds[j] in INVESTMENT_FLOW_KINDS
                                  and not (kinds[j] == "land_discount" and new[j]))]

    # ------------------------------------------------------------------ money
    def pay(self, j: int, firm: Firm, amount: float) -> bool:
        """Pay lever j's ``amount`` (亿元) to ``firm`` if its yearly budget allows (agents ask in
        id order); book it in the ledger by the firm's site and induced flag."""
        if amount <= 0:
            return False
        rt = self.policy
        cap_s = self.budget_l[j]
        if cap_s is not None:
            if self.cap_hit[j]:
                return False
            cap = cap_s.at(self.t) * WAN_TO_YI
            left = max(cap - rt.spent_year[j], 0.0)
            if amount > left + 1e-12:
                self.cap_hit[j] = True
                rt.cap_reached(j, self.t, cap, rt.spent_year[j])
                return False
        rt.spent_year[j] += amount
        self.ledger.spend[j, firm.site] += amount
        if firm.induced:
            self.ledger.spend_induced[j, firm.site] += amount
        return True

    def _programme_payments(self) -> None:
        """Spending not tied to firms (promotion and friction-cut programmes, retention, land
        servicing on its dates): place-level, the programme part of ``Ledger.recurring_payments``."""
        ls, rt, t, dt = self.lever_set, self.policy, self.t, self.dt
        lc = ls.consts()
        for j, kind in enumerate(ls.kind):
            v = rt.val[j]
            if v != 0 and kind in ("promotion", "friction_cut") and ls.cost[j] is not None:
                self.ledger.pay_flat(j, ls.cost[j].at(t) * WAN_TO_YI * dt, lc["sites"][j], t)
            elif v != 0 and kind == "retention":
                sites = np.array([self.sites.n_parks + c for c in lc["ret_city_idx"][j]])
                self.ledger.pay_flat(j, v * ls.levers[j].unit_cost_yuan / 1e8 * dt, sites, t)
        for j, kind in enumerate(ls.kind):
            if kind == "land_supply" and ls.cost[j] is not None:
                due = sum(x for d, x in ls.cost[j].points if t - dt < d <= t + 1e-9)
                if due:
                    self.ledger.pay_flat(j, due * WAN_TO_YI, lc["sites"][j], t)

    def owner_income(self) -> np.ndarray:
        """Operating profits spent minus earned by market (from the agents' last production)."""
        return np.asarray(self.spent) - np.asarray(self.earned)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        self.t = self.start + (self.step_count + 1) * self.dt
        self.ledger.reset()
        self.tally.reset()
        self.flows.reset_demography()
        self.projects.tally.reset()
        self.cap_hit = [False] * self.n_levers
        self.investment.reset()
        self.update_exogenous()
        self.evaluate_market("choice")  # the agents' totals of the end of the last step
        self.relocate()
        if self.sw.entry_exit:
            self.exits_and_births()  # the pipeline advances; exits; projects at 投产 become firms
            self.projects.arrive(self.market, self.policy, self.step_count, self.t)  # new intentions
        self.scale_sum = [0.0] * (self.S * self.R)
        self.count_sr = [0] * (self.S * self.R)
        if self.sw.growth:
            gbar = national_drift(self.trends.r_income, self.market.income0)
            sd = self.p.gibrat_sd * math.sqrt(self.dt)
            self.drift = -0.5 * sd * sd  # the Gibrat shock's mean correction (log-normal)
            self.growth_sd = sd
            self.g0 = trend_capacity_growth(gbar)
            self.growth_plain = self.p.gibrat_shock == "normal" and self.p.gibrat_size_elasticity == 0
            if not self.growth_plain:  # each sector's mean log scale (Ā_s), over this step's firms
                tot, cnt = [0.0] * self.S, [0] * self.S
                for f in self.firms:
                    tot[f.sector] += math.log(f.scale)
                    cnt[f.sector] += 1
                self.log_ref = [t / max(c, 1) for t, c in zip(tot, cnt)]
            inv = self.investment
            self.inv_n, self.inv_wedge, self.inv_q0 = inv.n_sr.tolist(), inv.wedge1.tolist(), inv.q0.tolist()
            self.inv_k, self.inv_delta, self.inv_psi = inv.k.tolist(), inv.delta.tolist(), inv.psi.tolist()
            self.inv_rf = inv.r_f
            self.need_r = [0.0] * self.R
            self.firms.do("invest")
            free = self.land_state.free
            self.share_r = [min(max(free[r], 0.0) / need, 1.0) if need > max(free[r], 0.0) else 1.0
                            for r, need in enumerate(self.need_r)]
            self.inv_r = [0.0] * self.R
            self.firms.do("grow")
            inv.period = np.asarray(self.inv_r)
            self.projects.trend *= (1 + gbar) ** self.dt  # new units grow like incumbents
        else:
            self.firms.do("tally")
        self.evaluate_market("spend")
        self._production()  # with each firm's taxes and recurring subsidies
        self._programme_payments()
        self.update_places()
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
        self.flows.reset_moves()
        mk = self.market
        rel = np.log(mk.cost / mk.cost0)
        press = np.maximum(rel - rel.mean(axis=1, keepdims=True), 0.0)
        theta = self.theta0[:, None] * self.dt * (1 + self.p.cost_pressure_revision * press)
        self.theta_now = theta.tolist()
        boost = np.ones((self.S, self.R))
        for j in self.active_promo:  # promotion campaigns reach firms in the origin regions
            boost += self.val_l[j] * (self.mask[j].any(axis=1)[:, None] & self.sites.is_origin[None, :])
        self.promo_boost = boost.tolist()
        # utilities of every (origin site, destination) pair: computed once per step, per sector
        R = self.R
        self.vrows, self.vmove = [None] * self.S, [None] * self.S
        for s in range(self.S):
            if self.mobile[s]:
                pib = np.full(R, max(mk.pibar[s], 1e-300))
                self.vrows[s], self.vmove[s] = self.choice.utility_rows(np.full(R, s), np.arange(R), pib)
        self.applicants = [[] for _ in range(self.S)]
        self.firms.shuffle_do("revise")
        for s in range(self.S):
            if self.applicants[s]:
                self._allocate(self.applicants[s])

    def _allocate(self, applicants: list) -> None:
        """Parks admit movers in order of utility surplus until their free land is used; a firm
        refused takes its next choice (up to ``ROUNDS`` rounds), else stays. Same rule as
        ``SiteChoice.assign``, one applicant at a time. Then each firm that moved is attributed and
        paid."""
        start = [f.site for f, *_ in applicants]
        self._assign_sites(self.R, [[f, v, np.argsort(-v), f.site, 0] for f, v, *_ in applicants])
        for (f, v, terms, promo_only), cur in zip(applicants, start):
            f.attribute(v, terms, cur, promo_only)
            if f.site != cur:
                f.one_off()

    def _assign_sites(self, R: int, pending: list) -> None:
        free_land = self.land_state.free
        for _ in range(ROUNDS):
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
                free = free_land[site] if self.capacity_rule else math.inf
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

    def exits_and_births(self) -> None:
        """``RegionalEconomy.exits_and_births`` with firms as agents: the pipeline advances (the
        shared component, on the reference's land); each agent exits by its (sector, site)'s hazard
        (``Firm.exit_or_survive``), freeing its plot; one agent is born per project reaching 投产,
        with the project's fields and the next firm id, and paid its one-off levers."""
        self._ramp_step()
        births = self.projects.advance(self.land_state, self.step_count, self.t, self.policy)
        births = self.known.enter(self.projects, self.market, self.land_state, self.t, births)
        births = self.ramp.born(births)
        first = self.next_firm_id
        mk, p = self.market, self.p
        self.exit_prob = exit_probability(exit_hazard(mk.net_scale, mk.pibar, p.exit_rate,
                                                      p.exit_loss_hazard), self.dt).tolist()
        self.exit_key = int(rng.stream_key(self.seed_value, "exit", self.step_count))
        self.exiting = []
        self.firms.do("exit_or_survive")
        flows, free = self.flows, self.land_state.free
        for f in self.exiting:
            flows.exits[f.site] += 1
            if self.park_flag[f.site]:
                free[f.site] += f.land
            f.remove()
        if births is None:
            if len(self.known):
                self.known.update(self.projects.pop, births, first)
            return
        born = []  # in order of the projects, which is the order of their firm ids
        for s, r, h, a, land, ind, piv in zip(
                births["sector"].tolist(), births["site"].tolist(), births["home"].tolist(),
                births["scale"].tolist(), births["land"].tolist(), births["induced"].tolist(),
                births["pivotal"].tolist()):
            f = Firm(self, self.next_firm_id, s, r, a, land, h)  # its plot was taken at 开工
            self.next_firm_id += 1
            f.arrived_t, f.induced, f.pivotal = self.t, ind, piv
            flows.entries[r] += 1
            born.append(f)
        if self.n_levers:  # grants and land discounts to newcomers (``Ledger.one_off_payments``)
            for f in born:
                f.one_off()
        self.ramp.register(first, births["sector"])
        if len(self.known):
            self.known.update(self.projects.pop, births, first)

    def _ramp_step(self) -> None:
        """``RegionalEconomy.ramp_step`` on the agents: the ramp component draws who reaches 达产
        (keyed by firm id); those agents' scales are divided by a0."""
        rp = self.ramp
        if not len(rp.ids):
            rp.reached = rp.ids
            return
        by_id = {f.firm_id: f for f in self.firms}
        agents = [by_id.get(i) for i in rp.ids.tolist()]
        alive = np.array([a is not None for a in agents])
        site = np.array([a.site if a is not None else 0 for a in agents], dtype=np.intp)
        reach = rp.draw(self.step_count, site, alive, self.ramp_factor())
        for a, r in zip(agents, reach.tolist()):
            if r:
                a.scale /= rp.a0

    def _production(self) -> None:
        n = self.S * self.R
        self.out_sr = [0.0] * n
        self.firms_sr = [0] * n
        self.va_r = [0.0] * self.R
        self.jobs_r = [0.0] * self.R
        self.earned = [0.0] * self.Q
        self.spent = [0.0] * self.Q
        market_arr = self.sites.market_arr
        self.fwage_site = self.trends.f_wage[market_arr].tolist()
        self.revenue_r = [0.0] * self.R
        self.induced_firms = 0
        self.induced_jobs_c = [0.0] * self.n_cities
        self.firms.do("produce")
        self.ledger.revenue = np.asarray(self.revenue_r)
        nc = self.n_cities
        in_city = market_arr < nc
        self.city_va = np.bincount(market_arr[in_city], weights=np.asarray(self.va_r)[in_city], minlength=nc)
        self.city_jobs = np.bincount(market_arr[in_city], weights=np.asarray(self.jobs_r)[in_city],
                                     minlength=nc)

    def _fill_layers(self) -> None:
        by_site = np.asarray(self.out_sr).reshape(self.S, self.R).sum(axis=0)
        layer = self.grid.output.data
        layer[:] = 0.0
        on = ~self.sites.is_origin
        np.add.at(layer, (self.site_cell[on, 0], self.site_cell[on, 1]), by_site[on])

    # ------------------------------------------------------------------ views for tests
    def city_output_shares(self, industrial_only: bool = True) -> np.ndarray:
        return np.asarray(self.datacollector.model_vars["industrial_output"][-1]) / max(
            float(np.sum(self.datacollector.model_vars["industrial_output"][-1])), 1e-300)

    def close(self) -> None:
        """Release the model (Mesa 3.3.1 keeps every model alive through ``Agent._ids``)."""
        from mesa.agent import Agent
        Agent._ids.pop(self, None)
