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
  revision with probability θ_s·dt·(1 + κ·pressure) and logit choice over the same sites (Gumbel
  shocks from ``model.rng``, one call per revising firm); the same capacity rule (parks admit movers
  sector by sector in order of utility surplus until free land is used, refused firms take their
  next choice for up to four rounds); exit (hazard or loss) with a local spin-off entrant that
  chooses like a reviser; Gibrat growth; production from the same market block.
* Market crowding is computed once per market evaluation at the model level (numpy on the
  (sector × site) totals that the agents accumulate in the same pass that grows them), never per
  agent: a fair yardstick, not a slow one.

Random numbers come from Mesa's own streams (``model.random``, ``model.rng``), not from the
counter-based CRN generator of ``sim.rng``: the two models agree in distribution, not draw by draw
(``tests/test_benchmark_reference.py``).

Not yet in either model (issue 3, on another branch): policy levers, attribution and the fiscal
ledger. The place-level parts come along automatically; attribution and ledger are firm-level and
will need a per-agent counterpart here.
"""

from __future__ import annotations

import math
from collections import defaultdict

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim import market
from sim.model import City, Park, RegionalEconomy
from sim.scenario import LoadedScenario

FIRM_ARRAYS = ("firm_id", "sector", "site", "scale", "home", "alive", "land", "base_output",
               "output", "va", "jobs")

# place-level state that the step mutates: copied so that the reference owns it
_OWNED_STATE = ("free_land", "land_price", "f_income", "f_wage", "f_pop", "f_land", "cost",
                "income", "external", "phi", "g", "pi_scale", "net_scale", "pibar", "arrivals",
                "departures", "arrivals_from", "exits", "entries", "city_va", "city_jobs")


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

    # stage 1: revision and choice
    def revise(self) -> None:
        m = self.model
        s = self.sector
        if not m.mobile[s] or m.random.random() >= m.theta_now[s][self.site]:
            return
        v = m.vrows[s][self.site] + m.rng.gumbel(size=m.R)
        m.applicants[s].append((self, v))

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
        self.scale *= math.exp(m.drift + m.growth_sd * m.random.gauss(0.0, 1.0))
        m.scale_sum[self.sector * m.R + self.site] += self.scale

    def tally(self) -> None:
        m = self.model
        m.scale_sum[self.sector * m.R + self.site] += self.scale

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


class MesaReference(mesa.Model):
    """Per-agent twin of :class:`sim.model.RegionalEconomy`; ``step()`` includes data collection."""

    # place-level rules: RegionalEconomy's own code, bound to this model
    update_trends = RegionalEconomy.update_trends
    _rates = staticmethod(RegionalEconomy._rates)
    _sector_cost = RegionalEconomy._sector_cost
    _update_freeness = RegionalEconomy._update_freeness
    _net_profit_per_scale = RegionalEconomy._net_profit_per_scale
    _vmat = RegionalEconomy._vmat

    def __init__(self, loaded: LoadedScenario, seed: int | None = None, until: float | None = None,
                 capacity_rule: bool = True, env: RegionalEconomy | None = None) -> None:
        env = env or RegionalEconomy(loaded, seed=seed, until=until)
        super().__init__(rng=env.seed_value)
        self.env = env
        self.S, self.R, self.Q = env.S, env.R, env.Q  # read by every agent: kept local
        for name in _OWNED_STATE:
            v = getattr(env, name)
            setattr(self, name, v.copy() if isinstance(v, np.ndarray) else v)
        self.capacity_rule = capacity_rule
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
        """The same measures as ``sim.metrics.Recorder`` (by city, sector, park, origin, region)."""
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
        }

    # ------------------------------------------------------------------ market block
    def _tally_all(self) -> None:
        self.scale_sum = [0.0] * (self.S * self.R)
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
        self.pibar = (self.pi_scale * a).sum(axis=1) / np.maximum(a.sum(axis=1), 1e-300)
        self.pi_now = self.pi_scale.tolist()

    def _owner_income(self) -> np.ndarray:
        return np.asarray(self.spent) - np.asarray(self.earned)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        self.t = self.start + (self.step_count + 1) * self.dt
        self.update_trends()
        self._market_state()
        self.relocate()
        if self.sw.entry_exit:
            self.exit_and_entry()
        self.scale_sum = [0.0] * (self.S * self.R)
        if self.sw.growth:
            gbar = float(np.average(self._rates(self.s_income, self.t - self.dt), weights=self.income0))
            sd = self.p.gibrat_sd * math.sqrt(self.dt)
            self.drift = math.log1p(gbar) * self.dt - 0.5 * sd * sd
            self.growth_sd = sd
            self.firms.do("grow")
        else:
            self.firms.do("tally")
        self._market_state()
        self._production()
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
        self.theta_now = np.minimum(theta, 1.0).tolist()
        # utilities of every (origin site, destination) pair: computed once per step, per sector
        self.vrows = [self._vmat(s) if self.mobile[s] else None for s in range(self.S)]
        self.applicants = [[] for _ in range(self.S)]
        self.firms.shuffle_do("revise")
        for s in range(self.S):
            if self.applicants[s]:
                self._allocate(self.applicants[s])

    def _allocate(self, applicants: list) -> None:
        """Parks admit movers in order of utility surplus until their free land is used; a firm
        refused takes its next choice (up to four rounds), else stays. Same rule as
        ``RegionalEconomy._assign``, one applicant at a time."""
        R = self.R
        pending = [[f, v, np.argsort(-v), f.site, 0] for f, v in applicants]
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
            by_sector[s].append(Firm(self, s, r, mean_scale[s] * x, 0.0, self.site_market[r]))
        for s in sorted(by_sector):
            if self.mobile[s]:
                self._allocate([(f, self.vrows[s][f.site] + self.rng.gumbel(size=self.R))
                                for f in by_sector[s]])
        # entrants that stayed in their birth park take their land there, after every sector chose
        for s in sorted(by_sector):
            for f in by_sector[s]:
                if self.park_flag[f.site] and f.land == 0:
                    f.land = f.land_need(f.site)
                    self.free_land[f.site] -= f.land
                self.entries[f.site] += 1

    def _production(self) -> None:
        n = self.S * self.R
        self.out_sr = [0.0] * n
        self.firms_sr = [0] * n
        self.va_r = [0.0] * self.R
        self.jobs_r = [0.0] * self.R
        self.earned = [0.0] * self.Q
        self.spent = [0.0] * self.Q
        self.fwage_site = self.f_wage[self.site_market_arr].tolist()
        self.firms.do("produce")
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
