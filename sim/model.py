"""RegionalEconomy(mesa.Model): builds the components; ``step()`` lists the stages of a quarter.

Cities and parks are Mesa ``FixedAgent``s on an ``OrthogonalMooreGrid``; firms are a numpy
struct-of-arrays population (``sim.agents.firms``); the economics are pure array functions
(``sim.economy``); levers are the policy components (``sim.policy``). Money in 亿元/year, population
万人. The picture of the house: docs/architecture.md.
"""
from __future__ import annotations

import mesa
import numpy as np

from . import rng
from .agents.anchors import compile_anchors, place_anchors
from .agents.cohort import BaseCohort, recorded_values
from .agents.demography import exit_hazard, exit_probability, exits_and_births
from .agents.firms import FirmPopulation
from .agents.growth import grow, log_scale_sums
from .agents.investment import Investment
from .agents.known_projects import KnownProjects
from .agents.market import MarketBlock
from .agents.places import GridLayers, Land, Sites, build_grid, calibrate_park_land, park_rows
from .agents.production import owner_income, produce
from .agents.projects import ProjectEconomy
from .agents.ramp import Ramp
from .agents.relocation import ROUNDS, Flows, SiteChoice
from .agents.seeding import base_targets, draw_sizes, seed_firms
from .agents.transport import Transport
from .agents.trends import Trends, income_schedules
from .data import RegionData, load_data
from .economy import cities as city_accounts
from .economy import fiscal
from .economy.capital import capital_per_scale, trend_capacity_growth
from .economy.choice import calibrate_constants
from .economy.growth import national_drift
from .economy.market import calibrate_supply
from .economy.pipeline import stage_hazards
from .economy.profits import move_cost_base, unit_cost
from .geography import Network, buyer_access_km, market_internal_minutes
from .malloc import tune_malloc
from .model_views import ModelViews
from .policy.attribution import ArrivalTally
from .policy.compiled import LeverSet
from .policy.governments import GovernmentPlan, Governments, read_specialties
from .policy.ledger import Ledger
from .policy.runtime import PolicyRuntime
from .scenario import LoadedScenario


class RegionalEconomy(ModelViews, mesa.Model):
    """The simulator. ``RegionalEconomy(loaded_scenario, seed)``; ``step()`` advances one period."""

    ROUNDS = ROUNDS

    def __init__(self, loaded: LoadedScenario, seed: int | None = None,
                 data: RegionData | None = None, until: float | None = None) -> None:
        self.seed_value = int(loaded.scenario.seed if seed is None else seed)
        tune_malloc()
        super().__init__(rng=self.seed_value)
        self.loaded, self.scn = loaded, loaded.scenario
        self.p, self.sw = self.scn.parameters, self.scn.switches
        self.data = data or load_data(loaded.data_dir)
        h = self.scn.horizon
        self.start, self.dt = float(h.start), 1.0 / h.steps_per_year
        end = float(h.end + 1) if until is None else min(float(until) + 1, float(h.end + 1))
        # the 2022.0 state is the calibrated base period; each step simulates the next period
        self.n_steps = round((end - self.start) / self.dt) - 1
        self.t = self.start
        self.step_count = 0
        self._build_places()
        self._build_policy()
        self._build_trends()
        self._build_network()
        cs = self.sites.n_parks + np.arange(self.n_cities)  # the cities' own sites: road km between them
        self.governments = None if self.gov_plan is None else Governments(
            self.gov_plan, self.policy, len(self.scn.levers), self.sites.city_w, self.mobile_sector,
            self.transport.site_dist_km[np.ix_(cs, cs)], self.start)
        self.gridspec, self.grid, self.cities, self.parks, self.site_cell = build_grid(
            self, self.data, self.sites, self.park_rows, self.land_state, self.sectors)
        self.layers = GridLayers(self.grid, self.sites.cell, self.sectors)
        self._build_firms()
        self._calibrate()
        self._build_investment()
        self._build_projects()
        self.land_factor = calibrate_park_land(self.market, self.firms, self.projects.pop, self.sites, self.park_rows)
        self.produce()
        self.ledger.collect_revenue(self.firms, self.market.bc.pretax, self.sites.is_origin, self.tax,
                                    self.dt, base=True, by_site=self._taxes_by_site)  # (no land sold)
        self._snapshot_base()
        self.fill_layers()

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One period (a quarter by default), in economic order."""
        self.t = self.start + (self.step_count + 1) * self.dt
        self.ledger.reset()
        self.tally.reset()
        self.flows.reset_demography()  # before anchors are placed: an anchor counts as an entry
        self.projects.tally.reset()
        self.investment.reset()
        self.update_exogenous()        # trends, lever values, land supplied, wages, costs, income
        self.evaluate_market("choice")  # choices read the lever rates of this state
        if place_anchors(self.anchor_rows, self.firms, self.land_state, self.market, self.flows,
                         self.sites.market_arr, self.t):
            self.evaluate_market("choice")
        self.choice.relocate(self.step_count, self.t, self.theta0, self.dt)
        if self.sw.entry_exit:
            self.exits_and_births()    # the pipeline advances; exits; projects at 投产 become firms
            self.projects.arrive(self.market, self.policy, self.step_count, self.t)  # new intentions
        if self.sw.growth:
            self.grow()                # investment (q-rule, land in parks) and Gibrat shocks
        self.evaluate_market("spend")  # payments read the rates of the period's last state
        self.produce()
        self.ledger.recurring_payments(self.firms, self.sites.n_parks, self.t, self.dt)
        self.tally.settle(self.ledger.paid_ids())  # arrivals not induced: paid (deadweight) or not
        self.ledger.collect_revenue(self.firms, self.market.bc.pretax, self.sites.is_origin, self.tax,
                                    self.dt, self.land_state.price, self.sites.is_park, self.t,
                                    by_site=self._taxes_by_site)
        self.update_places()           # city accounts (GDP, population, wages), land prices
        self.fill_layers()
        self.step_count += 1

    def run(self, progress=None) -> None:
        for _ in range(self.n_steps):
            self.step()
            if progress is not None:
                progress(self)

    # ------------------------------------------------------------------ stages
    def update_exogenous(self) -> None:
        """Lever values and land supplied at t; trend factors over the period; wages (cities': their
        labour markets), marginal costs with the cost levers, income and external crowding; travel
        times when a transport project is on."""
        nc, dt, t = self.n_cities, self.dt, self.t
        if self.governments is not None:  # the year's decisions, from last year's budgets and signings
            self.governments.decide(t, self.projects.signed_sr)
        supplied = self.policy.update_values(t, dt)
        for k in ((self.sites.park_opens > t - dt + 1e-9) & (self.sites.park_opens <= t + 1e-9)).nonzero()[0]:
            self.land_state.free[k] += self.parks[k].capacity
        for k, ha in supplied:
            self.parks[k].supply(ha)
        self.trends.advance(t - dt, dt)
        tr = self.trends
        wages = self.wage0_market * tr.f_wage
        wages[:nc] = [c.wage for c in self.cities]
        self.wages_market = wages
        self.market.set_cost(self.unit_cost(wages))
        trend_income = self.market.income0 * tr.f_income
        if self.sw.endogenous_income:
            trend_income[:nc] = [c.gdp for c in self.cities]
            trend_income = trend_income + (self.owner_income() - self.profit0)
        self.market.set_income(np.maximum(trend_income, 1e-6), self.market.income0 * tr.f_income)
        if self.transport.changes:
            self.update_freeness(t)

    def evaluate_market(self, rates: str = "both") -> None:
        """The market block on the current firms, then the lever rates read from it: "choice" (for
        choices made in this state), "spend" (for payments) or "both"."""
        mk = self.market
        mk.evaluate(self.firms, self.land_state.price, self.p, self.sw.cost_of_living, self.sites.market_arr)
        self.policy.rates(mk.bc, mk.pi_scale, mk.net_scale, mk.pibar, mk.pibar_firm, mk.sigma, self.lead,
                          choice=rates != "spend", spend=rates != "choice")
        if rates != "choice" and getattr(self, "investment", None) is not None:
            self.investment.observe(mk)  # the end-of-period returns the next investment reads

    def exits_and_births(self) -> None:
        """Ramping firms reach 达产 (``sim.agents.ramp``); the pipeline advances (``sim.agents.projects``,
        levers by stage) and the known projects dated in the period join it
        (``sim.agents.known_projects``); firms exit by the loss-dependent hazard and projects
        reaching 投产 are born as firms at the ramp's start share (``sim.agents.demography``)."""
        self.ramp_step()
        births = self.projects.advance(self.land_state, self.step_count, self.t, self.policy)
        births = self.known.enter(self.projects, self.market, self.land_state, self.t, births)
        births = self.ramp.born(births)
        first = self.firms.next_id
        exits_and_births(self.firms, self.sites, self.land_state, self.market, self.flows, births,
                         self.ledger, self.p, self.seed_value, self.step_count, self.t, self.dt)
        if births is not None:
            self.ramp.register(first, births["sector"])
        if len(self.known):
            self.known.update(self.projects.pop, births, first)
            self.known.update_firms(self.ramp.reached, self.firms.firm_id[self.firms.alive])

    def ramp_factor(self) -> np.ndarray | None:
        """The talent levers' factor on the hazard of reaching 达产, (S, R), or None."""
        eff = self.policy.stage_effects(self.wages_market[self.sites.market_arr], ("ramp",))
        if not eff:
            return None
        return 1.0 + sum(x for _, _, x in eff)

    def ramp_step(self) -> None:
        """This period's 达产: ramping firms reaching full output have their scale divided by a0."""
        rp, f = self.ramp, self.firms
        if not len(rp.ids) or not len(f):
            rp.draw(self.step_count, np.zeros(len(rp.ids), dtype=np.intp), np.zeros(len(rp.ids), bool), None)
            rp.reached = rp.ids
            return
        pos = np.minimum(np.searchsorted(f.firm_id, rp.ids), len(f) - 1)
        alive = (f.firm_id[pos] == rp.ids) & f.alive[pos]
        reach = rp.draw(self.step_count, f.site[pos], alive, self.ramp_factor())
        if reach.any():
            f.scale[pos[reach]] /= rp.a0
            f.grown()

    def grow(self) -> None:
        """Investment by the q-rule (``sim.agents.investment``: I/K = δ + (q − q0)/ψ + g0, g0 the
        national drift's capacity growth ln(1 + ḡ), land gated in parks), then scale grows by
        (I/K − δ)·dt plus the Gibrat shocks (``sim.agents.growth``)."""
        gbar = national_drift(self.trends.r_income, self.market.income0)
        la = log_scale_sums(self.firms, self.p)  # Σ ln A by sector: in the investment's bincount
        drift, sums = self.investment.step(self.firms, self.market, self.policy, self.land_state, self.sites.is_park,
                                           trend_capacity_growth(gbar), self.t, self.dt, [la[1]] if la else [])
        grow(self.firms, drift, self.p, self.seed_value, self.step_count, self.dt, la and (la[0], sums[0]))
        self.projects.trend *= (1 + gbar) ** self.dt  # new units grow with capacity like incumbents

    def produce(self) -> None:
        """Output, value added and jobs per firm and per city (亿元/year, persons), output and local
        taxes by site (for ``collect_revenue``: nothing changes firms, market or rates in between),
        and the owners' income of this state, read at the next period's start."""
        self.city_va, self.city_jobs, self.site_output, self._taxes_by_site = produce(
            self.firms, self.market.pi_scale, self.market.sigma, self._va_ratio_sr, self._jobs_per_sr,
            self.trends.f_wage[self.sites.market_arr], self.n_cities, self.Q,
            self.sw.owners_spend_at_site if self.sw.endogenous_income else None,
            lambda f: self.ledger.firm_taxes(f, self.market.bc.pretax, self.tax, self.dt))

    def owner_income(self) -> np.ndarray:
        return owner_income(self.firms, self.market.pi_scale, self.Q, self.sw.owners_spend_at_site)

    def update_places(self) -> None:
        """City accounts (``sim.economy.cities``) and park land prices after the period."""
        tr, p, nc = self.trends, self.p, self.n_cities
        gdp = city_accounts.city_gdp(self.nonmodelled0, tr.f_income[:nc], self.city_va, self.city_va0,
                                     p.local_multiplier)
        jobs_trend = city_accounts.jobs_trend(self.city_jobs0, tr.f_income[:nc], tr.f_wage[:nc])
        pop, pop_trend = city_accounts.city_population(self.pop0, tr.f_pop, self.policy.cum_retained,
                                                       self.city_jobs, jobs_trend, p.migration_per_job)
        wage = city_accounts.city_wage(self.wage0_market[:nc], tr.f_wage[:nc], self.city_jobs,
                                       jobs_trend, pop, pop_trend, p.wage_elasticity,
                                       self.sw.labour_market)
        for c in self.cities:
            c.gdp, c.population, c.wage = float(gdp[c.idx]), float(pop[c.idx]), float(wage[c.idx])
        for pk in self.parks:
            self.land_state.price[pk.site] = pk.price(tr.f_land[pk.site], p.land_price_elasticity)

    def fill_layers(self) -> None:
        """The grid's PropertyLayers from this period's firms (``sim.agents.places.GridLayers``):
        ``output`` by cell and firms, jobs, output and capital by sector and cell."""
        self.layers.fill(self.firms, self.investment.k)

    def unit_cost(self, wage_market: np.ndarray) -> np.ndarray:
        """Relative marginal cost c[s, r] from wages and power prices, times the cost levers' cut."""
        sm = self.sites.market_arr
        c = unit_cost(wage_market[sm], self.power[sm], self._labour_share, self._energy_share,
                      self.data.const("wage_reference_yuan"),
                      self.data.const("power_price_reference_yuan_kwh"))
        return c * self.policy.site_cost_cut(wage_market[sm], self._talent_cost_share)

    def update_freeness(self, t: float) -> None:
        """Freeness φ[s, r, q] from today's travel times (``sim.agents.transport``)."""
        self.market.phi = self.transport.freeness(t)

    def utility_matrix(self, s: int, with_constants: bool = True) -> np.ndarray:
        """Deterministic utility V[r0, r] of a revising firm of sector s at r0 choosing r."""
        R = self.R
        pib = np.full(R, max(self.market.pibar[s], 1e-300))
        return self.choice.utility_rows(np.full(R, s, dtype=np.intp), np.arange(R), pib, with_constants)[0]

    def release(self) -> None:
        """Let a finished model be freed: Mesa 3.3.1 keeps every model as a key of the class-level
        ``Agent._ids`` counter table (mesa/mesa#3179), ~11 MB per full run otherwise kept alive in
        a process that builds many models (sweep workers, compare, the dashboard's Reset)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)

    # ------------------------------------------------------------------ construction
    def _build_places(self) -> None:
        d = self.data
        self.sectors = d.sectors
        self.S = len(self.sectors)
        cities, origins = d.cities.rows, d.origins.rows
        self.city_ids = [c["id"] for c in cities]
        self.origin_ids = [o["id"] for o in origins]
        self.n_cities = len(cities)
        self.market_ids = self.city_ids + self.origin_ids  # markets: cities then origins
        self.market_node = [c["node"] for c in cities] + [o["node"] for o in origins]
        self.Q = len(self.market_ids)
        self.gdp0_market = np.array([r["gdp_2022_yi"] for r in cities + origins])
        self.wage0_market = np.array([r["wage_2022_yuan"] for r in cities + origins], dtype=float)
        self.power = np.array([r["power_price_yuan_kwh"] for r in cities + origins])
        self.pop0 = np.array([c["population_2022_wan"] for c in cities])
        self.park_rows = park_rows(d, self.scn.new_parks, self.city_ids, self.loaded.sources)
        self.sites = Sites(self.park_rows, cities, origins)
        self.R = self.sites.R
        self.land_state = Land(self.sites, self.park_rows, cities, origins, d.const)
        self.lead = np.zeros((self.S, self.R), dtype=bool)
        self.admit = np.ones((self.S, self.R), dtype=bool)
        for k, pk in enumerate(self.park_rows):
            for s, sec in enumerate(self.sectors):
                self.lead[s, k] = sec in pk["leading"]
                tradable = d.param(sec, "tradable") > 0 and d.param(sec, "mobile") > 0
                self.admit[s, k] = self.lead[s, k] or (tradable and d.param(sec, "park_admits") > 0)
        v = d.sector_values
        self.mobile_sector = np.array([x > 0 for x in v("mobile")])
        self._labour_share, self._energy_share = np.array(v("labour_cost_share")), np.array(v("energy_cost_share"))
        self._talent_cost_share = np.array([a * b for a, b in zip(v("labour_cost_share"), v("talent_share"))])
        self._delta = v("delta")
        self._visitor_sector = np.array(v("industrial")) == 0  # tertiary: buyers travel to it
        self._va_ratio_sr = np.repeat(np.array(v("va_ratio")), self.R)
        self._jobs_per_sr = np.repeat(np.array(v("jobs_per_yi")), self.R)

    def _build_policy(self) -> None:
        src, cp = self.loaded.sources, self.scn.city_policy
        self.gov_plan = None if cp.behaviour == "fixed" else GovernmentPlan(  # city governments' levers
            cp, src, self.data.cities.rows, self.park_rows, self.sectors, self.mobile_sector, int(self.start),
            read_specialties(self.loaded.data_dir, cp), [lv.id for lv in self.scn.levers])
        self.lever_set = LeverSet(list(self.scn.levers) + (self.gov_plan.levers if self.gov_plan else []), src,
                                  self.sectors, self.city_ids, self.sites, self.Q)
        self.policy = PolicyRuntime(self.lever_set, self.p, self.S, self.R, self.n_cities)
        self.ledger = Ledger(self.policy, self.R)
        v, d = self.data.sector_values, self.data
        self.tax = fiscal.tax_rates(np.array(v("vat_rate")), np.array(v("profit_margin")), self.p,
                                    d.const("vat_collection_ratio"), d.const("land_cost_share"))
        self.tally = ArrivalTally(len(self.lever_set), self.R)
        self.flows = Flows(self.R, self.Q, self.S)
        self.anchor_rows = compile_anchors(self.scn.anchors, src, self.sites.ids[: self.sites.n_parks],
                                           self.sectors)

    def _build_trends(self) -> None:
        d = self.data
        cities, origins = d.cities.rows, d.origins.rows
        # data-file trend rates (cities: the shift-share schedule); scenario ``trends`` override them
        income_growth = income_schedules(d)
        wage_default = {c["id"]: g for c, g in zip(cities, income_growth)}
        wage_default.update({o["id"]: o["wage_trend_growth"] for o in origins})
        sites = self.sites
        land_place = [self.park_rows[k]["city"] if k < sites.n_parks else self.market_ids[sites.market[k]]
                      for k in range(self.R)]
        self.trends = Trends(self.scn.trends, self.loaded.sources, self.market_ids, self.city_ids,
                             income_growth, [wage_default[q] for q in self.market_ids],
                             np.array([c["population_trend_growth"] for c in cities]),
                             land_place, self.land_state.growth)

    def _build_network(self) -> None:
        """The transport component (``sim.agents.transport``): network, the buyers' distances and
        internal times t₀ (cities from their territory, ``sim.geography``) and the base φ."""
        net = Network.from_data(self.data, self.p.rail_access_minutes)
        seat = np.array([net.index(n) for n in self.market_node[: self.n_cities]])
        access = buyer_access_km(self.data, self.park_rows, self.n_cities, net.lat, net.lon)
        t0 = market_internal_minutes(self.data, self.park_rows, self.n_cities, len(self.origin_ids),
                                     self.p.internal_travel_minutes, access, seat)
        self.transport = Transport(net, self.sites.node, self.market_node, self.scn.transport_projects, t0,
                                   self._delta, self._visitor_sector, self.p.phi, self.sites.market_arr,
                                   self.loaded.sources, access)
        self._phi0 = self.transport.freeness(self.start)

    def _sizes(self, n: int, first_id: int) -> np.ndarray:
        f = self.scn.firms
        return draw_sizes(self.seed_value, n, first_id, self.sw.heterogeneity, f.pareto_tail,
                          f.size_ratio_max)

    def _build_firms(self) -> None:
        d, sites = self.data, self.sites
        self.city_target, self.target = base_targets(d, self.sectors, sites, self.gdp0_market)
        # origin regions host only their mobile, tradable sectors
        self.admit[:, sites.is_origin] &= self.target[:, sites.is_origin] > 0
        f = self.scn.firms
        seeded = seed_firms(d, self.sectors, sites, self.park_rows, [pk.capacity for pk in self.parks],
                            self.lead, self.admit, self.city_target, self.target, self.seed_value,
                            f.scale, f.min_per_cell, self._sizes)
        self.base_output = seeded.pop("base_output")
        n = len(seeded["firm_id"])
        v = d.sector_values
        land_int = np.array(v("land_ha_per_yi"))
        # plots in parks (ha), inside base occupancy; scaled by each park's c_p (calibrate_park_land)
        land = np.where(sites.is_park[seeded["site"]], land_int[seeded["sector"]] * self.base_output, 0.0)
        self.firms = FirmPopulation(self.S, self.R, sites.market_arr, self.mobile_sector, sites.cell,
                                    scale=np.empty(n), land=land, **seeded)
        cost0 = unit_cost(self.wage0_market[sites.market_arr], self.power[sites.market_arr],
                          self._labour_share, self._energy_share, d.const("wage_reference_yuan"),
                          d.const("power_price_reference_yuan_kwh"))
        cost0 = cost0 * self.policy.site_cost_cut(self.wage0_market[sites.market_arr], self._talent_cost_share)
        self.market = MarketBlock(np.array(v("sigma")), np.array(v("mu")), land_int,
                                  np.array(v("capital_per_yi")), self._phi0, self.gdp0_market.copy(),
                                  self.p.external_crowding, cost0)

    def _calibrate(self) -> None:
        """Firm scales that reproduce base output (the market block's supply fixed point), then
        location constants that make the base distribution a stationary point of the choices."""
        mk, f, p = self.market, self.firms, self.p
        for s in range(self.S):
            if p.external_crowding > 0:
                supply = calibrate_supply(self.target[s], mk.mu[s], mk.phi[s], mk.income0, mk.external[s])
            else:  # modelled firms are the whole market: only relative supply matters
                supply = self.target[s].copy()
            m = f.sector == s
            # A_i such that Σ_{i at r} A_i g_r = supply_r, split by the firm's output share
            per = np.where(self.target[s] > 0, supply / np.maximum(self.target[s], 1e-300), 0.0)
            f.scale[m] = self.base_output[m] * per[f.site[m]] / mk.g[s, f.site[m]]
        self.theta0 = np.array(self.data.sector_values("revision_rate")) * p.revision_scale
        self.constants = np.zeros((self.S, self.R))
        self.move_base = move_cost_base(self.sites.market_arr, self.transport.site_dist_km, p.relocation_cost_fixed,
                                        p.relocation_cost_within_city_share, p.relocation_cost_per_1000km)
        self.choice = SiteChoice(f, self.sites, self.land_state, mk, self.policy, self.ledger, self.tally,
                                 self.flows, self.admit, self.lead, self.constants, self.move_base, p,
                                 self.sw, self.seed_value)
        self.evaluate_market()
        if not self.sw.location_constants:
            return
        nest = self.sites.nest
        for s in range(self.S):
            if not self.mobile_sector[s]:
                continue
            counts = np.bincount(f.site[f.sector == s], minlength=self.R).astype(float)
            self.constants[s] = calibrate_constants(self.utility_matrix(s, with_constants=False), counts,
                                                    np.ones(self.R), nest, p.nest_lambda)
        # a park the scenario builds has no base firms to calibrate on: it takes the mean constant
        # of its city's existing parks for the sector (else the city's outside site)
        opens = self.sites.park_opens
        for k in np.flatnonzero(opens > -np.inf):
            c = self.sites.market[k]
            peers = [j for j in range(self.sites.n_parks) if self.sites.market[j] == c and opens[j] == -np.inf]
            for s in range(self.S):
                vals = [self.constants[s, j] for j in peers if (f.site[f.sector == s] == j).any()]
                self.constants[s, k] = np.mean(vals) if vals else self.constants[s, self.sites.n_parks + c]

    def _build_investment(self) -> None:
        """Capital per unit scale k_s from the capital–output ratios and the base output per unit
        scale; the q-rule's wedge calibrated on the base market state, before any lever is in force
        (``sim.agents.investment``, MODEL.md §9.1, §9.6)."""
        v, f = self.data.sector_values, self.firms
        k = capital_per_scale(self.market.capital_per, self.base_output, f.scale, f.sector, self.S)
        self.investment = Investment(k, np.array(v("depreciation_rate")), np.array(v("adjustment_cost")),
                                     self.data.const("financing_rate"), self.p.cit_rate, self.market, self.R)

    def _build_projects(self) -> None:
        """The project flow calibrated at rest (MODEL.md §9.6): intentions at every site = the base
        year's expected exits / realization; the pipeline starts at its steady state."""
        d, p, f, sites, mk = self.data, self.p, self.firms, self.sites, self.market
        c = d.const
        hz = stage_hazards(p.project_realization, p.project_years,
                           [c("project_duration_share_intention"), c("project_duration_share_signed"),
                            c("project_duration_share_started")],
                           [c("project_dropout_share_intention"), c("project_dropout_share_signed"),
                            c("project_dropout_share_started")], 1.0, self.dt)
        # investor origins: the data's shares; local investors split by the cities' base output
        nc, S, Q = self.n_cities, self.S, self.Q
        w = np.zeros((S, Q))
        city_out = self.city_target
        for r in d.investors.rows:
            if r["origin"] == "local":
                tot = city_out.sum(axis=1, keepdims=True)
                w[:, :nc] += r["share"] * np.where(tot > 0, city_out / np.maximum(tot, 1e-300), 0.0)
            else:
                w[:, nc + self.origin_ids.index(r["origin"])] += r["share"]
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        dist = self.transport.market_site_dist_km
        self.ramp = Ramp(c("ramp_start_share"), c("ramp_years"), self.dt, self.seed_value)
        self.known = KnownProjects(self.scn.known_projects, self.loaded.sources, list(sites.ids[: sites.n_parks]),
                                   self.sectors, self.market_ids, sites.market_arr)
        exit_prob = exit_probability(exit_hazard(mk.net_scale, mk.pibar, p.exit_rate, p.exit_loss_hazard),
                                     self.dt)
        full = f.scale.copy()  # full scales: base firms on their ramp (at rest) produce a0 of it
        if self.sw.entry_exit:
            full[self.ramp.seed_base(f.firm_id, f.sector, f.site, exit_prob)] /= self.ramp.a0
        key = f.sector.astype(np.intp) * self.R + f.site
        order = np.lexsort((full, key))
        ks, sc = key[order], full[order]
        bounds = np.flatnonzero(np.diff(ks)) + 1
        pools = {int(ks[a]): sc[a:b] for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(ks)])}
        for s in range(S):
            pools[("sector", s)] = np.sort(full[f.sector == s]) if (f.sector == s).any() else np.ones(1)
        self.projects = ProjectEconomy(S=S, sites=sites, Q=Q, mobile=self.mobile_sector, admit=self.admit,
                                       lead=self.lead, capital_per=mk.capital_per, hazards=hz, origin_w=w,
                                       dist_qr=dist, base_scales=pools, p=p, seed=self.seed_value, dt=self.dt)
        if not self.sw.entry_exit:
            return
        n_sr = np.bincount(key, minlength=S * self.R).reshape(S, self.R).astype(float)
        exits = n_sr * exit_prob
        self.projects.calibrate(mk, exits, p.project_realization, c("study_area_investment_share"),
                                p.project_flow_scale)
        self.projects.seed_pipeline(mk, self.land_state, self.step_count, self.t)
        # the base year's owners on the same steady path: where the investors of a (sector, site)
        # come from (owners spend their profits at home: MODEL.md §3)
        post = self.projects.origin_posterior(mk)
        u = rng.uniform(self.seed_value, "project_origin", 10**7, f.firm_id)
        f.home[:] = self.projects.draw_origins(f.sector.astype(np.intp), f.site.astype(np.intp), post, u)
        f.changed()

    def _snapshot_base(self) -> None:
        nc = self.n_cities
        self.city_va0 = self.city_va.copy()
        self.city_jobs0 = self.city_jobs.copy()
        self.nonmodelled0 = self.gdp0_market[:nc] - self.city_va0
        self.profit0 = self.owner_income()
        # the base firms' output, jobs, capital and sites: the channels of every later change
        f = self.firms
        self.cohort = BaseCohort(f, recorded_values(f, self.investment.capital(f.sector, f.scale)))
