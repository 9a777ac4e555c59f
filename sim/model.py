"""RegionalEconomy(mesa.Model): builds everything; ``step()`` reads as the story (MODEL.md §2-§5).

Cities and parks are Mesa ``FixedAgent``s on an ``OrthogonalMooreGrid``; firms are a numpy
struct-of-arrays population (no per-firm Python object). Money in 亿元/year, population 万人.
"""

from __future__ import annotations

import bisect
import ctypes
import os
import platform
import sys

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, OrthogonalMooreGrid

from . import market, rng
from .data import RegionData, load_data
from .geography import GridSpec, Network
from .levers import KINDS
from .location import calibrate_constants
from .policy import PolicyMixin
from .scenario import LoadedScenario, check_trend_places

YI_PER_HA_PER_YUAN_M2 = 1e4 / 1e8  # 1 yuan/m² over 1 ha = 1e4 yuan = 1e-4 亿元

_MALLOC_TUNED = False


def tune_malloc() -> bool:
    """Keep freed numpy buffers in the process (glibc on Linux; once per process).

    A step allocates dozens of per-firm temporaries (800 kB each at 100k firms). With glibc's
    defaults, blocks above the mmap threshold are mapped and unmapped on every allocation and the
    heap top is trimmed whenever more than twice the last such block is free, so each temporary
    comes back as fresh pages and every page faults on first write (about 900 faults per step at
    100k firms, a third of the step's time). Blocks up to 32 MB (4M firms) now come from the
    heap and up to 256 MB of free heap is kept for reuse. Results do not change (allocation only).
    Skipped where glibc is not the C library, when the user set any ``MALLOC_*_`` variable, or
    with ``SIM_MALLOC=default``. Returns whether the settings were applied."""
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return False
    _MALLOC_TUNED = True
    if (not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc"
            or os.environ.get("SIM_MALLOC") == "default"
            or any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ)):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 2**20)) and bool(mallopt(M_TRIM_THRESHOLD, 256 * 2**20))


class Schedules(list):
    """The dated schedules of several places (a list of ``scenario.Schedule``); ``at(t)`` gives all
    their values as a read-only array, memoised per interval between the schedules' dates (a
    schedule's value at t depends only on which of its dates are ≤ t + 1e-9)."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self._dates = sorted({d for sch in self for d, _ in sch.points})
        self._memo: dict[int, np.ndarray] = {}

    def at(self, t: float) -> np.ndarray:
        i = bisect.bisect_right(self._dates, t + 1e-9)
        a = self._memo.get(i)
        if a is None:
            a = self._memo[i] = np.array([sch.at(t) for sch in self])
            a.flags.writeable = False
        return a


class City(FixedAgent):
    """A city: labour market, population, non-modelled GDP, GDP accounting."""

    def __init__(self, model: RegionalEconomy, idx: int, row: dict) -> None:
        super().__init__(model)
        self.idx, self.name = idx, row["id"]
        self.gdp = row["gdp_2022_yi"]
        self.population = row["population_2022_wan"]
        self.wage = row["wage_2022_yuan"]

    def update(self, t: float) -> None:
        m = self.model
        i = self.idx
        trend = m.f_income[i]
        va = m.city_va[i]
        va_trend = m.city_va0[i] * trend
        self.gdp = m.nonmodelled0[i] * trend + va + m.p.local_multiplier * (va - va_trend)
        pop_trend = m.pop0[i] * m.f_pop[i] + m.cum_retained[i] / 1e4  # retention levers keep graduates
        jobs_gap = m.city_jobs[i] - m.city_jobs0[i]
        self.population = max(pop_trend + m.p.migration_per_job * jobs_gap / 1e4, 0.0)
        if m.sw.labour_market:
            ratio = max(m.city_jobs[i], 1.0) / max(m.city_jobs0[i], 1.0)
            ratio /= max(self.population / pop_trend, 1e-9)
            self.wage = m.wage0_city[i] * m.f_wage[i] * ratio ** m.p.wage_elasticity
        else:
            self.wage = m.wage0_city[i] * m.f_wage[i]


class Park(FixedAgent):
    """A development zone: land capacity (ha), free land, land price rising with scarcity."""

    def __init__(self, model: RegionalEconomy, site: int, row: dict) -> None:
        super().__init__(model)
        self.site, self.id, self.city = site, row["id"], row["city"]
        self.capacity = row["capacity_ha"]
        self.free0 = row["capacity_ha"] * (1 - row["occupancy_2022"])
        self.price0 = row["land_price_yuan_m2"]
        self.leading = row["leading"]

    @property
    def occupancy(self) -> float:
        return 1.0 - self.model.free_land[self.site] / self.capacity

    def update(self, t: float) -> None:
        m = self.model
        free = max(m.free_land[self.site], 1e-6 * self.capacity)
        scarcity = (self.free0 + 1e-6 * self.capacity) / free
        m.land_price[self.site] = (self.price0 * m.f_land[self.site]
                                   * scarcity ** m.p.land_price_elasticity)


class RegionalEconomy(PolicyMixin, mesa.Model):
    """The simulator. ``RegionalEconomy(loaded_scenario, seed)``; ``step()`` advances one period."""

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
        self.n_steps = int(round((end - self.start) / self.dt)) - 1
        self.t = self.start
        self.step_count = 0
        self._build_places()
        self._build_levers()
        self._build_schedules()
        self._build_network()
        self._build_grid()
        self._build_firms()
        self._calibrate()
        self._production()
        self._snapshot_base()
        self._fill_layers()

    # ------------------------------------------------------------------ construction
    def _build_places(self) -> None:
        d = self.data
        self.sectors = d.sectors
        self.S = len(self.sectors)
        cities = d.cities.rows
        origins = d.origins.rows
        self.city_ids = [c["id"] for c in cities]
        self.origin_ids = [o["id"] for o in origins]
        # markets: cities then origins
        self.market_ids = self.city_ids + self.origin_ids
        self.market_node = [c["node"] for c in cities] + [o["node"] for o in origins]
        self.Q = len(self.market_ids)
        self.gdp0_market = np.array([r["gdp_2022_yi"] for r in cities + origins])
        # data-file trend rates; scenario ``trends`` override them through schedules
        self.income_growth = np.array([r["gdp_trend_growth"] for r in cities + origins])
        self.city_gdp_growth = self.income_growth[: len(cities)]
        self.city_pop_growth = np.array([c["population_trend_growth"] for c in cities])
        wage_default = {c["id"]: c["gdp_trend_growth"] for c in cities}
        wage_default.update({o["id"]: o["wage_trend_growth"] for o in origins})
        self.wage_growth_market = np.array([wage_default[q] for q in self.market_ids])
        self.city_wage_growth = self.wage_growth_market[: len(cities)]
        self.wage0_market = np.array([r["wage_2022_yuan"] for r in cities + origins], dtype=float)
        self.wage0_city = self.wage0_market[: len(cities)]
        self.power = np.array([r["power_price_yuan_kwh"] for r in cities + origins])
        self.pop0 = np.array([c["population_2022_wan"] for c in cities])
        # sites: parks (data, then the scenario's new parks), one "outside parks" site per city,
        # then origins with firms
        parks = self._park_rows()
        self.park_rows = parks
        self.site_ids: list[str] = []
        self.site_market: list[int] = []
        self.site_node: list[str] = []
        self.site_kind: list[str] = []
        for pk in parks:
            self.site_ids.append(pk["id"])
            self.site_market.append(self.city_ids.index(pk["city"]))
            self.site_node.append(pk["node"])
            self.site_kind.append("park")
        for i, c in enumerate(cities):
            self.site_ids.append(f"{c['id']}·园区外")
            self.site_market.append(i)
            self.site_node.append(c["node"])
            self.site_kind.append("other")
        for j, o in enumerate(origins):
            if o["has_firms"]:
                self.site_ids.append(o["id"])
                self.site_market.append(len(cities) + j)
                self.site_node.append(o["node"])
                self.site_kind.append("origin")
        self.R = len(self.site_ids)
        self.site_market_arr = np.array(self.site_market)
        self.is_park = np.array([k == "park" for k in self.site_kind])
        self.is_origin = np.array([k == "origin" for k in self.site_kind])
        self.n_parks = len(parks)
        self.free_land = np.full(self.R, np.inf)
        self.land_price = np.zeros(self.R)
        self.land_growth_site = np.zeros(self.R)
        for k, pk in enumerate(parks):
            # a new park has no free land until it opens (``_open_parks``)
            self.free_land[k] = 0.0 if pk["opens"] > -np.inf else pk["capacity_ha"] * (1 - pk["occupancy_2022"])
            self.land_price[k] = pk["land_price_yuan_m2"]
            self.land_growth_site[k] = d.const("park_land_price_growth")
        for i, c in enumerate(cities):
            k = self.n_parks + i
            own = [pk["land_price_yuan_m2"] for pk in parks if pk["city"] == c["id"] and pk["opens"] == -np.inf]
            self.land_price[k] = d.const("outside_park_land_price_ratio") * (
                np.mean(own) if own else d.const("default_land_price_yuan_m2"))
            self.land_growth_site[k] = d.const("park_land_price_growth")
        for k in range(self.R):
            if self.site_kind[k] == "origin":
                o = origins[self.site_market[k] - len(cities)]
                self.land_price[k] = o["land_price_yuan_m2"]
                self.land_growth_site[k] = o["land_price_trend_growth"]
        self.land_price0 = self.land_price.copy()
        self.lead = np.zeros((self.S, self.R), dtype=bool)
        self.admit = np.ones((self.S, self.R), dtype=bool)
        for k, pk in enumerate(parks):
            for s, sec in enumerate(self.sectors):
                self.lead[s, k] = sec in pk["leading"]
                tradable = d.param(sec, "tradable") > 0 and d.param(sec, "mobile") > 0
                self.admit[s, k] = self.lead[s, k] or (tradable and d.param(sec, "park_admits") > 0)

    def _park_rows(self) -> list[dict]:
        """Parks from the data plus the scenario's ``new_parks`` (closed until they open)."""
        from .errors import ScenarioError
        from .scenario import parse_date
        rows = [dict(r, opens=-np.inf) for r in self.data.parks.rows]
        known = {r["id"] for r in rows}
        nodes = {n["id"] for n in self.data.nodes.rows}
        src = str(self.loaded.path)
        for j, npk in enumerate(self.scn.new_parks):
            key = f"new_parks.{j}"
            if npk.id in known:
                raise ScenarioError(src, f"{key}.id", npk.id, "a park id not already in data/parks.csv")
            if npk.city not in self.city_ids:
                raise ScenarioError(src, f"{key}.city", npk.city, f"a city id ({', '.join(self.city_ids)})")
            node = npk.node or next(c["node"] for c in self.data.cities.rows if c["id"] == npk.city)
            if node not in nodes:
                raise ScenarioError(src, f"{key}.node", node, "a node id from data/nodes.csv")
            for sec in npk.leading:
                if sec not in self.data.sectors:
                    raise ScenarioError(src, f"{key}.leading", sec, "a sector from data/sector_params.csv")
            for c in npk.partners:
                if c not in self.city_ids:
                    raise ScenarioError(src, f"{key}.partners", c, "a city id")
            rows.append({"id": npk.id, "name_zh": npk.name_zh, "city": npk.city, "node": node,
                         "capacity_ha": npk.capacity_ha, "occupancy_2022": 0.0,
                         "leading": list(npk.leading), "land_price_yuan_m2": npk.land_price_yuan_m2,
                         "opens": parse_date(npk.opens), "partners": dict(npk.partners)})
            known.add(npk.id)
        return rows

    def _build_schedules(self) -> None:
        """Dated growth schedules per place (scenario ``trends``) and cumulative factors since 2022."""
        tr = self.scn.trends
        check_trend_places(tr, self.market_ids, self.city_ids, str(self.loaded.path))
        self.s_income = Schedules(tr.schedule("income_growth", q, g)
                                  for q, g in zip(self.market_ids, self.income_growth))
        self.s_wage = Schedules(tr.schedule("wage_growth", q, g)
                                for q, g in zip(self.market_ids, self.wage_growth_market))
        self.s_pop = Schedules(tr.schedule("population_growth", c, g)
                               for c, g in zip(self.city_ids, self.city_pop_growth))
        land_place = [self.park_rows[k]["city"] if k < self.n_parks else self.market_ids[self.site_market[k]]
                      for k in range(self.R)]
        self.s_land = Schedules(tr.schedule("land_price_growth", pl, g)
                                for pl, g in zip(land_place, self.land_growth_site))
        self.f_income = np.ones(self.Q)
        self.f_wage = np.ones(self.Q)
        self.f_pop = np.ones(len(self.city_ids))
        self.f_land = np.ones(self.R)

    @staticmethod
    def _rates(schedules, t: float) -> np.ndarray:
        if isinstance(schedules, Schedules):
            return schedules.at(t)
        return np.array([s.at(t) for s in schedules])

    def _build_network(self) -> None:
        self.net = Network.from_data(self.data, self.p.rail_access_minutes)
        nidx = {n: k for k, n in enumerate(self.net.node_ids)}
        self.site_node_idx = np.array([nidx[n] for n in self.site_node])
        self.market_node_idx = np.array([nidx[n] for n in self.market_node])
        dist = self.net.distance_km()
        self.site_dist_km = dist[np.ix_(self.site_node_idx, self.site_node_idx)]
        self.projects = frozenset(self.scn.transport_projects)
        unknown = self.projects - self.net.project_ids()
        if unknown:
            from .errors import ScenarioError
            raise ScenarioError(str(self.loaded.path), "transport_projects", sorted(unknown)[0],
                                "a project id from data/projects.csv")
        self._update_freeness(self.start)

    def _update_freeness(self, t: float) -> None:
        times = self.net.times(t, self.projects)
        tm = times[np.ix_(self.site_node_idx, self.market_node_idx)]
        self.phi = np.empty((self.S, self.R, self.Q))
        for s, sec in enumerate(self.sectors):
            if self.p.phi is not None:
                ph = np.where(self.site_market_arr[:, None] == np.arange(self.Q)[None, :], 1.0, self.p.phi)
            else:
                ph = market.freeness_from_time(tm, self.data.param(sec, "delta"),
                                               self.p.internal_travel_minutes)
            self.phi[s] = ph

    def _build_grid(self) -> None:
        lats = np.array([c["lat"] for c in self.data.cities.rows])
        lons = np.array([c["lon"] for c in self.data.cities.rows])
        self.gridspec = GridSpec.around(lats, lons)
        self.grid = OrthogonalMooreGrid((self.gridspec.width, self.gridspec.height), torus=False,
                                        random=self.random)
        self.grid.create_property_layer("output", default_value=0.0, dtype=float)
        self.cities: list[City] = []
        for i, c in enumerate(self.data.cities.rows):
            a = City(self, i, c)
            a.cell = self.grid[self.gridspec.cell(c["lat"], c["lon"])]
            self.cities.append(a)
        node = self.data.nodes.by()
        self.parks: list[Park] = []
        for k, pk in enumerate(self.park_rows):
            a = Park(self, k, pk)
            n = node[pk["node"]]
            a.cell = self.grid[self.gridspec.cell(n["lat"], n["lon"])]
            self.parks.append(a)
        # grid cell of every site (origins lie outside the grid: -1)
        self.site_cell = np.full((self.R, 2), -1, dtype=int)
        for k in range(self.R):
            if self.site_kind[k] == "park":
                self.site_cell[k] = self.parks[k].cell.coordinate
            elif self.site_kind[k] == "other":
                self.site_cell[k] = self.cities[self.site_market[k]].cell.coordinate

    def _current_wages(self) -> np.ndarray:
        return getattr(self, "wages_market", self.wage0_market)

    def _sector_cost(self, wage_market: np.ndarray) -> np.ndarray:
        """Relative marginal cost c[s, r] from wages and power prices (national mean = 1)."""
        w = wage_market[self.site_market_arr] / self.data.const("wage_reference_yuan")
        pw = self.power[self.site_market_arr] / self.data.const("power_price_reference_yuan_kwh")
        shares = self.__dict__.get("_cost_shares")
        if shares is None:  # (labour, energy) cost shares by sector: data, fixed in a run
            shares = self._cost_shares = (
                np.array([self.data.param(sec, "labour_cost_share") for sec in self.sectors])[:, None],
                np.array([self.data.param(sec, "energy_cost_share") for sec in self.sectors])[:, None])
        c = w[None, :] ** shares[0] * pw[None, :] ** shares[1]
        return c * self._site_cost_cut()

    def _build_firms(self) -> None:
        d, f = self.data, self.scn.firms
        cities = d.cities.rows
        shares = {(r["city"], r["sector"]): r["share"] for r in d.city_sectors.rows}
        tour = {r["city"]: r["tourism_share_of_tertiary"] for r in d.city_tourism.rows}
        self.target = np.zeros((self.S, self.R))  # base gross output per site (亿元/year)
        city_target = np.zeros((self.S, len(cities)))
        for i, c in enumerate(cities):
            sec_va = c["gdp_2022_yi"] * c["secondary_pct"] / 100
            ter_va = c["gdp_2022_yi"] * c["tertiary_pct"] / 100
            for s, sec in enumerate(self.sectors):
                if d.param(sec, "industrial") > 0:
                    va = sec_va * shares.get((c["id"], sec), 0.0)
                else:  # tertiary (文化旅游): the tourism share of tertiary VA
                    va = ter_va * tour.get(c["id"], 0.0)
                city_target[s, i] = va / d.param(sec, "va_ratio")
        for k in range(self.R):
            if self.site_kind[k] == "origin":
                q = self.site_market[k]
                for s, sec in enumerate(self.sectors):
                    if d.param(sec, "mobile") > 0 and d.param(sec, "tradable") > 0:
                        self.target[s, k] = (d.param(sec, "coastal_mobile_share") * d.param(sec, "mu")
                                             * self.gdp0_market[q])
        # origin regions host only their mobile, tradable sectors
        self.admit[:, self.is_origin] &= self.target[:, self.is_origin] > 0
        # split city output between its parks and its outside-park site (60% in parks where they admit)
        ids, sector, site, size = [], [], [], []
        next_id = 0
        in_parks, lead_w = d.const("park_share_of_city_firms"), d.const("leading_sector_park_weight")
        for s, sec in enumerate(self.sectors):
            ybar = d.param(sec, "mean_firm_output") / f.scale
            for i, c in enumerate(cities):
                y = city_target[s, i]
                if y <= 0:
                    continue
                n = max(f.min_per_cell, int(round(y / ybar)))
                cand = [k for k in range(self.n_parks) if self.site_market[k] == i and self.admit[s, k]
                        and d.param(sec, "mobile") > 0 and self.park_rows[k]["opens"] == -np.inf]
                other = self.n_parks + i
                w = np.array([(lead_w if self.lead[s, k] else 1.0) * self.parks[k].capacity * (
                    self.park_rows[k]["occupancy_2022"]) for k in cand])
                probs = np.concatenate([in_parks * w / w.sum(), [1 - in_parks]]) if cand else np.array([1.0])
                sites = np.array(cand + [other])
                u = rng.uniform(self.seed_value, "init", s * 1000 + i, np.arange(next_id, next_id + n))
                pick = sites[np.minimum(np.searchsorted(np.cumsum(probs), u * probs.sum()), len(sites) - 1)]
                ids.append(np.arange(next_id, next_id + n))
                sector.append(np.full(n, s))
                site.append(pick)
                size.append(self._draw_sizes(n, next_id))
                next_id += n
            for k in np.flatnonzero(self.target[s] > 0):
                n = max(f.min_per_cell, int(round(self.target[s, k] / ybar)))
                ids.append(np.arange(next_id, next_id + n))
                sector.append(np.full(n, s))
                site.append(np.full(n, k))
                size.append(self._draw_sizes(n, next_id))
                next_id += n
        self.firm_id = np.concatenate(ids)
        self.sector = np.concatenate(sector).astype(np.int32)
        self.site = np.concatenate(site).astype(np.int32)
        rel = np.concatenate(size)
        # city targets per site follow the firms drawn there
        for s in range(self.S):
            for i in range(len(cities)):
                m = (self.sector == s) & (self.site_market_arr[self.site] == i) & ~self.is_origin[self.site]
                if m.any():
                    tot = rel[m].sum()
                    np.add.at(self.target[s], self.site[m], city_target[s, i] * rel[m] / tot)
        # firm output shares within each (sector, site)
        key = self.sector * self.R + self.site
        tot = np.bincount(key, weights=rel, minlength=self.S * self.R)
        self.base_output = self.target.ravel()[key] * rel / tot[key]
        self.home = self.site_market_arr[self.site].astype(np.int32)  # owner's region (market index)
        self.alive = np.ones(len(self.firm_id), dtype=bool)
        self.next_id = next_id
        self.mobile_sector = np.array([d.param(s, "mobile") > 0 for s in self.sectors])
        # land held by firms in parks (ha); does not change free land at base (already occupied)
        self.land_int = np.array([d.param(s, "land_ha_per_yi") for s in self.sectors])
        self.va_ratio = np.array([d.param(s, "va_ratio") for s in self.sectors])
        self.jobs_per = np.array([d.param(s, "jobs_per_yi") for s in self.sectors])
        self.land = np.where(self.is_park[self.site], self.land_int[self.sector] * self.base_output, 0.0)
        self.capital_per = np.array([d.param(s, "capital_per_yi") for s in self.sectors])
        self._init_firm_policy_state(len(self.firm_id))
        self._grp = self._fx = self._ms = self._pop = None

    def _draw_sizes(self, n: int, first_id: int) -> np.ndarray:
        f = self.scn.firms
        if not self.sw.heterogeneity:
            return np.ones(n)
        u = rng.uniform(self.seed_value, "init", 10**7 + first_id, np.arange(first_id, first_id + n))
        zeta, hmax = f.pareto_tail, f.size_ratio_max
        # truncated Pareto on [1, hmax] by inverse CDF
        return (1 - u * (1 - hmax ** (-zeta))) ** (-1 / zeta)

    def _calibrate(self) -> None:
        d = self.data
        self.sigma = np.array([d.param(s, "sigma") for s in self.sectors])
        self.mu = np.array([d.param(s, "mu") for s in self.sectors])
        self.cost0 = self._sector_cost(self.wage0_market)
        self.cost = self.cost0.copy()
        self.income0 = self.gdp0_market.copy()
        self.income = self.income0.copy()
        # X_q = E_q (only S/X matters); external_crowding = 0 drops it (theory cases)
        self.external = np.tile(self.income0, (self.S, 1)) * self.p.external_crowding
        self.scale = np.empty(len(self.firm_id))
        self.g = np.empty((self.S, self.R))
        for s in range(self.S):
            self.g[s] = market.cost_factor(self.cost0[s], self.sigma[s])
            if self.p.external_crowding > 0:
                supply = market.calibrate_supply(self.target[s], self.mu[s], self.phi[s],
                                                 self.income0, self.external[s])
            else:  # modelled firms are the whole market: only relative supply matters
                supply = self.target[s].copy()
            m = self.sector == s
            # A_i such that Σ_{i at r} A_i g_r = supply_r, split by the firm's output share
            per = np.where(self.target[s] > 0, supply / np.maximum(self.target[s], 1e-300), 0.0)
            self.scale[m] = self.base_output[m] * per[self.site[m]] / self.g[s, self.site[m]]
        self.theta0 = np.array([d.param(s, "revision_rate") for s in self.sectors]) * self.p.revision_scale
        self.constants = np.zeros((self.S, self.R))
        # nested logit: a city's parks and outside site are one nest, each origin its own
        self.site_nest = self.site_market_arr
        self.nest_layout = rng.nest_layout(self.site_nest)
        self._market_state()
        if self.sw.location_constants:
            for s in range(self.S):
                if not self.mobile_sector[s]:
                    continue
                vmat = self._vmat(s, with_constants=False)
                counts = np.bincount(self.site[self.sector == s], minlength=self.R).astype(float)
                self.constants[s] = calibrate_constants(vmat, counts, np.ones(self.R),
                                                        self.site_nest, self.p.nest_lambda)
            # a park the scenario builds has no base firms to calibrate on: it takes the mean
            # constant of its city's existing parks for the sector (else the city's outside site)
            for k in np.flatnonzero(self.park_opens > -np.inf):
                c = self.site_market[k]
                peers = [j for j in range(self.n_parks) if self.site_market[j] == c
                         and self.park_opens[j] == -np.inf]
                for s in range(self.S):
                    vals = [self.constants[s, j] for j in peers if (self.site[self.sector == s] == j).any()]
                    self.constants[s, k] = np.mean(vals) if vals else self.constants[s, self.n_parks + c]

    # ------------------------------------------------------------------ economics each step
    def _by_sector(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Live firms grouped by sector, in array order within a sector: ``(perm, sector[perm],
        starts, ends, counts)``. Sector ``s`` is ``perm[starts[s]:ends[s]]``, the same firms in the
        same order as ``np.flatnonzero(alive & (sector == s))``, so sums over a slice equal sums
        over that mask bit for bit. Cached until the population changes (``_firms_changed``)."""
        g = self._grp
        if g is None:
            if self.alive.all():
                g = self._group(self.sector)
            else:
                idx = np.flatnonzero(self.alive)
                perm, sec_p, starts, ends, counts = self._group(self.sector[idx])
                g = (idx[perm], sec_p, starts, ends, counts)
            self._grp = g
        return g

    def _group(self, sector: np.ndarray) -> tuple:
        """Rows of ``sector`` grouped by sector, in row order within a sector (see _by_sector)."""
        # a stable sort on a small integer type is a radix sort: O(n)
        perm = np.argsort(sector.astype(np.int8 if self.S < 128 else np.int32), kind="stable")
        counts = np.bincount(sector, minlength=self.S)
        ends = np.cumsum(counts)
        return perm, sector[perm], ends - counts, ends, counts

    def _firms_changed(self) -> None:
        """The firm arrays were reallocated (exit, entry, anchors): drop what is cached on them."""
        self._grp = self._pop = None
        self._sites_changed()

    def _sites_changed(self) -> None:
        """Some firm changed site (or scale: ``_ms`` only): drop the caches that depend on sites."""
        self._fx = self._ms = None

    def _firm_index(self) -> dict:
        """Per-firm index arrays (``intp``, for fast gathers and bincounts) of the current sites,
        cached until a firm moves or the population changes: ``key`` = sector·R + site (the flat
        index into (sector, site) tables) and ``place`` = the market (city or origin) of the site."""
        fx = self._fx
        if fx is None:
            site = self.site.astype(np.intp)
            key = self.sector.astype(np.intp)
            key *= self.R
            key += site
            fx = self._fx = {"site": site, "key": key, "place": self.site_market_arr[site]}
        return fx

    def _population_index(self) -> dict:
        """Per-firm arrays that change only with the population (not with moves): ``home``
        (``intp``), the rows that may revise (mobile sector, not pinned) and their firm ids."""
        pop = self._pop
        if pop is None:
            cand = self.mobile_sector[self.sector]
            pinned = bool(self.pinned.any())
            if pinned:
                cand &= ~self.pinned
            if not self.alive.all():
                cand &= self.alive
            rows = np.flatnonzero(cand)
            pop = self._pop = {"home": self.home.astype(np.intp), "cand": rows,
                               "cand_ids": self.firm_id[rows], "pinned": pinned}
        return pop

    def _market_state(self, rates: str = "both") -> None:
        """Supply by site, crowding and profits per unit of scale (the market block).

        ``rates``: which lever rates to compute from it (``PolicyMixin._lever_rates``): "choice"
        (for choices made in this state), "spend" (for payments; the last state of a step) or
        "both".

        One pass over the live firms for every sector: (sector, site) supply is one ``bincount``
        on ``sector·R + site``, and the per-sector sums for π̄ are slices of the sector-grouped
        arrays (``_by_sector``); the numbers are the same, bit for bit, as per-sector masks."""
        S, R = self.S, self.R
        perm, sec_p, starts, ends, counts = self._by_sector()
        ms = self._ms  # what depends on sites and scales only (kept while no firm moves or grows)
        if ms is None:
            key_p = self._firm_index()["key"][perm]
            scale_p = self.scale[perm]
            raw = np.bincount(key_p, weights=scale_p, minlength=S * R).reshape(S, R)
            den = [max(scale_p[a:b].sum(), 1e-300) for a, b in zip(starts.tolist(), ends.tolist())]
            ms = self._ms = (key_p, scale_p, raw, den)
        key_p, scale_p, raw, den = ms
        self._supply_raw = raw  # Σ scale by (sector, site), before the cost factor g
        if self.__dict__.get("_g_for") is not self.cost:  # g = c^(1−σ) changes with c only
            for s in range(S):
                self.g[s] = market.cost_factor(self.cost[s], self.sigma[s])
            self._g_for = self.cost
        supply = raw * self.g
        extra = self.extra_demand.any(axis=1)
        if extra.any():  # anchors' local purchases (income + 0 = income: added where there are some)
            income = np.repeat(self.income[None, :], S, axis=0)
            income[extra] += self.extra_demand[extra] / self.mu[extra][:, None]
        else:
            income = self.income
        # all sectors at once: the same products as market.site_profits sector by sector
        self.pi_scale = market.site_profits_all(self.mu, self.sigma, supply, self.g, self.phi, income,
                                                self.external)
        self.net_scale = self._net_profit_per_scale()
        if self.sw.cost_of_living:
            self.net_scale = self.net_scale * self._cost_of_living()[None, :]
        w = np.zeros(S)
        wf = np.zeros(S)
        prod = self.pi_scale.ravel().take(key_p)
        prod *= scale_p
        for s, a, b, c in zip(range(S), starts.tolist(), ends.tolist(), counts.tolist()):
            tot = prod[a:b].sum()
            w[s] = tot / den[s]
            wf[s] = tot / max(c, 1)
        self.pibar = w            # mean operating profit per unit scale (亿元/year)
        self.pibar_firm = wf      # mean operating profit per firm (亿元/year)
        self._lever_rates(choice=rates != "spend", spend=rates != "choice")

    def _net_profit_per_scale(self) -> np.ndarray:
        """π_net per unit scale before levers: (op. profit − land rent − finance cost) × (1 − tax).
        Cost levers are already in ``pi_scale`` (through c); the others are added as choice terms
        by ``PolicyMixin._lever_rates`` / ``_choice_terms``, each once."""
        p = self.p
        # all sectors at once, each product in the same order as sector by sector
        y = self.sigma[:, None] * self.pi_scale
        land = (self.land_price * YI_PER_HA_PER_YUAN_M2 * p.land_rent_rate)[None, :] * self.land_int[:, None] * y
        fin = (p.interest_rate * self.capital_per)[:, None] * y
        return (self.pi_scale - land - fin) * (1 - p.cit_rate)

    def _move_base_matrix(self) -> np.ndarray:
        """Moving cost from r0 (row) to r in years of operating profit: a fixed part (a share of it
        for a move inside one city: workforce and suppliers stay) plus a part per 1000 km. Distances
        and parameters are fixed in a run, so it is computed once."""
        base = self.__dict__.get("_move_base")
        if base is None:
            p = self.p
            same = self.site_market_arr[:, None] == self.site_market_arr[None, :]
            fixed = np.where(same, p.relocation_cost_within_city_share, 1.0) * p.relocation_cost_fixed
            base = self._move_base = fixed + p.relocation_cost_per_1000km * self.site_dist_km / 1000.0
        return base

    def _move_cost(self, s: int) -> np.ndarray:
        """Annualised cost per unit scale of moving from site r0 (row) to r (column); 0 to stay."""
        if not self.sw.relocation_costs:
            return np.zeros((self.R, self.R))
        move = self._move_base_matrix() * self.pi_scale[s][:, None]
        np.fill_diagonal(move, 0.0)
        return move

    def _cost_of_living(self) -> np.ndarray:
        """Deflator 1/P_r^μ of each site's market (switch ``cost_of_living``: owners live and
        spend where their firm is and compare real profits, Forslid & Ottaviano 2003).
        P_s,q^(1−σ) ∝ Δ_s,q, so 1/P_q^μ = Π_s Δ_s,q^(μ_s/(σ_s−1)), normalised by one number for
        all places (its base-year income-weighted mean in logs) so that it ranks places only."""
        logd = np.zeros(self.Q)
        for s in range(self.S):
            supply = self._supply_raw[s] * self.g[s]  # from _market_state, this call
            d = market.crowding(supply, self.phi[s], self.external[s])
            logd += self.mu[s] / (self.sigma[s] - 1) * np.log(np.maximum(d, 1e-300))
        if not hasattr(self, "_col_log0"):
            self._col_log0 = float(np.average(logd, weights=self.income0))
        return np.exp(logd - self._col_log0)[self.site_market_arr]

    def _vmat(self, s: int, with_constants: bool = True, move: np.ndarray | None = None) -> np.ndarray:
        """Deterministic utility V[r0, r] of a revising firm of sector s at r0 choosing r."""
        p = self.p
        pib = max(self.pibar[s], 1e-300)
        move = self._move_cost(s) if move is None else move
        v = p.beta * (self.net_scale[s][None, :] - move) / pib
        v = v + p.leading_sector_bonus * self.lead[s][None, :]
        # a firm may always stay where it is, even at a site that no longer admits its sector
        v = np.where(self.admit[s][None, :] | np.eye(self.R, dtype=bool), v, -np.inf)
        if with_constants:
            v = v + self.constants[s][None, :]
        return v

    def _v_rows(self, sec: np.ndarray, cur: np.ndarray, pib: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row ``cur[i]`` of ``_vmat(sec[i])`` and of ``_move_cost(sec[i])`` for every chooser i, all
        sectors at once and only the rows needed: the same element-wise operations on the same
        numbers as the full matrices, so the same bits (tests/test_perf_internals.py). ``pib`` is
        max(π̄, 1e-300) of each chooser's sector."""
        p = self.p
        n, R = len(sec), self.R
        rows = np.arange(n)
        if self.sw.relocation_costs:
            move = self._move_base_matrix()[cur]
            move *= self.pi_scale[sec, cur][:, None]
            move[rows, cur] = 0.0
        else:
            move = np.zeros((n, R))
        v = self.net_scale[sec]
        v -= move
        v *= p.beta
        v /= pib[:, None]
        v += p.leading_sector_bonus * self.lead[sec]
        # a firm may always stay where it is, even at a site that no longer admits its sector
        ok = self.admit[sec]
        ok[rows, cur] = True
        v[~ok] = -np.inf
        v += self.constants[sec]
        return v, move

    def _production(self) -> None:
        """Output, value added, jobs per firm and per city (亿元/year, persons)."""
        fx = self._firm_index()  # flat (sector, site) index of every firm, and its market
        key, place = fx["key"], fx["place"]
        S, R = self.S, self.R
        out = (self.sigma[:, None] * self.pi_scale).ravel().take(key)
        out *= self.scale
        if not self.alive.all():
            out[~self.alive] = 0.0
        self.output = out
        # per-sector parameters looked up through (sector, site) tables: the same numbers
        tabs = self.__dict__.get("_sector_tabs")
        if tabs is None:
            tabs = self._sector_tabs = (np.repeat(self.va_ratio, R), np.repeat(self.jobs_per, R))
        self.va = out * tabs[0].take(key)
        # persons per 亿元 of 2022 output: nominal labour productivity rises with the wage trend
        jobs = out * tabs[1].take(key)
        jobs /= self.f_wage[self.site_market_arr].take(fx["site"])
        self.jobs = jobs
        nc = len(self.city_ids)
        # bins of cities get the same firms in the same order as with a mask ``place < nc``
        self.city_va = np.bincount(place, weights=self.va, minlength=self.Q)[:nc]
        self.city_jobs = np.bincount(place, weights=self.jobs, minlength=self.Q)[:nc]

    def _snapshot_base(self) -> None:
        nc = len(self.city_ids)
        self.city_va0 = self.city_va.copy()
        self.city_jobs0 = self.city_jobs.copy()
        gdp = self.gdp0_market[:nc]
        self.nonmodelled0 = gdp - self.city_va0
        self.profit0 = self._owner_income()
        self.arrivals = np.zeros(self.R)
        self.departures = np.zeros(self.R)
        self.arrivals_from = np.zeros((self.R, self.Q))
        self.exits = np.zeros(self.R)
        self.entries = np.zeros(self.R)

    def _owner_income(self) -> np.ndarray:
        """Operating profits by the market where they are spent (owners' region, or the site)."""
        fx = self._firm_index()
        place = fx["place"]
        pi = self.pi_scale.ravel().take(fx["key"])
        pi *= self.scale
        if not self.alive.all():
            pi[~self.alive] = 0.0
        where = place if self.sw.owners_spend_at_site else self._population_index()["home"]
        earned = np.bincount(place, weights=pi, minlength=self.Q)
        spent = np.bincount(where, weights=pi, minlength=self.Q)
        return spent - earned

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        self.t = self.start + (self.step_count + 1) * self.dt
        self._reset_period_ledger()
        self.exits[:] = 0  # reset before anchors are placed: an anchor counts as an entry
        self.entries[:] = 0
        self.update_trends()
        # choices (relocation, entry) read the lever rates of this state, payments those of the last
        self._market_state("choice")
        if self.anchor_rows:
            self._place_anchors()
            self._market_state("choice")
        self.relocate()
        if self.sw.entry_exit:
            self.exit_and_entry()
        if self.sw.growth:
            self.grow()
        self._market_state("spend")
        self._production()
        self._recurring_payments()
        self._collect_revenue()
        for c in self.cities:
            c.update(self.t)
        for pk in self.parks:
            pk.update(self.t)
        self._fill_layers()
        self.step_count += 1

    def _fill_layers(self) -> None:
        """PropertyLayer ``output``: gross output (亿元/year) of the firms in each grid cell."""
        if self.alive.all():
            by_site = np.bincount(self._firm_index()["site"], weights=self.output, minlength=self.R)
        else:
            by_site = np.bincount(self.site[self.alive], weights=self.output[self.alive], minlength=self.R)
        self.site_output = by_site  # read by the Recorder (the same bincount)
        layer = self.grid.output.data
        layer[:] = 0.0
        on = self.site_cell[:, 0] >= 0
        np.add.at(layer, (self.site_cell[on, 0], self.site_cell[on, 1]), by_site[on])

    def update_trends(self) -> None:
        nc = len(self.city_ids)
        dt = self.dt
        t0 = self.t - dt
        self._update_lever_values()
        r_income = self._rates(self.s_income, t0)
        self._r_income = (t0, r_income)  # grow() uses the same rates
        self.f_income *= (1 + r_income) ** dt
        self.f_wage *= (1 + self._rates(self.s_wage, t0)) ** dt
        self.f_pop *= (1 + self._rates(self.s_pop, t0)) ** dt
        self.f_land *= (1 + self._rates(self.s_land, t0)) ** dt
        wages = self.wage0_market * self.f_wage
        wages[:nc] = [c.wage for c in self.cities]
        self.wages_market = wages
        self.cost = self._sector_cost(wages)
        trend_income = self.income0 * self.f_income
        if self.sw.endogenous_income:
            trend_income[:nc] = [c.gdp for c in self.cities]
            trend_income = trend_income + (self._owner_income() - self.profit0)
        self.income = np.maximum(trend_income, 1e-6)
        self.external = np.tile(self.income0 * self.f_income, (self.S, 1)) * self.p.external_crowding
        if self.projects:
            self._update_freeness(self.t)

    def relocate(self) -> None:
        """Revision, logit choice with CRN Gumbel shocks, park capacity, moves."""
        k = self.step_count
        self.arrivals[:] = 0
        self.departures[:] = 0
        self.arrivals_from[:] = 0
        # per (sector, site) tables looked up through the flat index sector·R + site
        pop = self._population_index()  # live firms of mobile sectors, not pinned
        alive = pop["cand"]
        if alive.size == 0:
            return
        ka = self._firm_index()["key"].take(alive)
        # cost pressure: home unit cost up relative to the base, beyond the average
        rel = np.log(self.cost / self.cost0)
        press = np.maximum(rel - rel.mean(axis=1, keepdims=True), 0.0)
        theta_sr = self.theta0[:, None] * self.dt * (1 + self.p.cost_pressure_revision * press)
        theta = theta_sr.ravel().take(ka)
        u = rng.uniform(self.seed_value, "revise", k, pop["cand_ids"])
        base_rev = u < np.minimum(theta, 1.0)
        # promotion levers (招商): more firms of the target sectors elsewhere look at moving
        promos = [j for j, kind in enumerate(self.lever_kind) if kind == "promotion" and self.lever_val[j] != 0]
        if promos:
            boost = np.ones(alive.size)
            lc = self._lever_consts()
            for j in promos:
                # the campaigns go out to the origin regions (走出去), so firms there look more
                outside = lc.setdefault(("promo_outside", j), (lc["sec"][j][:, None] & self.is_origin[None, :]).ravel())
                boost += self.lever_val[j] * outside.take(ka)
            revise = u < np.minimum(theta * boost, 1.0)
            rev = alive[revise]
            promo_only = ~base_rev[revise]
        else:  # boost 1: theta · 1 = theta
            rev = alive[base_rev]
            promo_only = np.zeros(rev.size, dtype=bool)
        # by sector (a stable sort keeps row order within a sector)
        sec_rev = self.sector[rev]
        o = np.argsort(sec_rev.astype(np.int8 if self.S < 128 else np.int32), kind="stable")
        self._choose(rev[o], sec_rev[o].astype(np.intp), promo_only[o], "choice")

    def _choose(self, idx: np.ndarray, sec: np.ndarray, promo: np.ndarray | None, purpose: str) -> None:
        """Firms ``idx`` of sectors ``sec`` (grouped by sector in increasing order, in row order
        within a sector; ``promo``: revising only because of a promotion lever, or None) choose a
        site: base utility (with the land discount they already hold), lever terms, CRN Gumbel
        draws; parks admit by surplus, sector after sector; arrivals attributed.

        Utilities, shocks, preference orders and attribution are per firm, so they are computed for
        all groups at once; only the capacity rule (which uses the free land left by the sectors
        before) and lever payments (budget caps, in firm-id order within a sector) go sector by
        sector."""
        k = self.step_count
        R = self.R
        if len(idx) == 0:
            return
        counts = np.bincount(sec, minlength=self.S)
        secs = np.flatnonzero(counts)
        sizes = counts[secs]
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        b0, b1 = bounds[:-1].tolist(), bounds[1:].tolist()
        if promo is None:
            promo = np.zeros(len(idx), dtype=bool)
        cur = self.site[idx]
        pib = np.maximum(self.pibar, 1e-300)[sec]
        v, move = self._v_rows(sec, cur, pib)  # each firm's row of V and of move costs
        rows = np.arange(len(idx))
        v[rows, cur] += self._land_discount_stay(sec, idx, pib)
        terms = self._choice_terms(sec, idx, cur, move, pib, set(secs.tolist())) if self.levers else []
        for j, term, _ in terms:
            # cost levers are already in V (through marginal cost c in the market block); their
            # term is kept only to remove them in the attribution counterfactual
            if not KINDS[self.lever_kind[j]].get("site_level"):
                v += term
        v += rng.nested_gumbel(self.seed_value, purpose, k, self.firm_id[idx], self.site_nest,
                               self.p.nest_lambda, self.nest_layout)
        v[~np.isfinite(v)] = -np.inf
        # first choices; the full preference order only for firms a park refuses (_assign_all)
        self._assign_all(idx, v, np.argmax(v, axis=1), sec, cur, secs, b0, b1)
        dest = self.site[idx]
        moved = dest != cur
        if moved.any():  # arrival and departure counts (integers, in floats)
            R, Q = self.R, self.Q
            src_m, dst_m = cur[moved].astype(np.intp), dest[moved].astype(np.intp)
            self.departures += np.bincount(src_m, minlength=R)
            self.arrivals += np.bincount(dst_m, minlength=R)
            self.arrivals_from += np.bincount(dst_m * Q + self.site_market_arr[src_m],
                                              minlength=R * Q).reshape(R, Q)
        # a group with no lever term and no promotion-only reviser: every mover is deadweight
        # (a lever reaches a whole sector or none of it: its first row tells)
        first = bounds[:-1]
        stack = self.__dict__.get("_term_stack")  # the terms' ``applies`` rows stacked (_choice_terms)
        if terms and stack is not None and stack[0] is terms:
            termed = stack[2].take(first, axis=1).any(axis=0)
        else:
            termed = np.zeros(len(secs), dtype=bool)
            for _, _, ap in terms:
                termed |= ap[first]
        plain = ~termed & ~np.logical_or.reduceat(promo, first)
        self._attribute(idx, v, terms, cur, dest, promo, np.repeat(plain, sizes))
        self.arrived_t[idx[moved]] = self.t
        self.land_disc[idx[moved]] = 0.0
        if purpose == "choice" and self.levers and moved.any():  # entrants are paid in exit_and_entry
            # group by group (budget caps); a group without movers pays nothing
            moved_in = np.logical_or.reduceat(moved, first).tolist()
            for a, b, any_moved in zip(b0, b1, moved_in):
                if any_moved:
                    self._one_off_payments(idx[a:b][moved[a:b]])
        if moved.any():
            self._count_arrivals(idx[moved], cur[moved])

    ROUNDS = 4  # capacity rounds: a firm refused by a park takes its next choice, up to 3 times

    def _preference_order(self, v: np.ndarray) -> np.ndarray:
        """Each row's sites by decreasing utility, the first ``ROUNDS`` of them (all the capacity
        rule can reach): ``argsort(-v)[:, :ROUNDS]`` without sorting the rest. The firm's own site
        is finite and ends its list, so only finite utilities are ever read; ties between them
        have probability 0 (continuous Gumbel shocks)."""
        k = min(self.ROUNDS, v.shape[1])
        if v.shape[1] <= k or v.shape[0] == 0:
            return np.argsort(-v, axis=1)
        neg = -v
        top = np.argpartition(neg, k - 1, axis=1)[:, :k]
        return np.take_along_axis(top, np.argsort(np.take_along_axis(neg, top, axis=1), axis=1), axis=1)

    def _assign_all(self, idx: np.ndarray, v: np.ndarray, first: np.ndarray, sec: np.ndarray,
                    cur: np.ndarray, secs: np.ndarray, b0: list, b1: list) -> None:
        """The capacity rule (``_assign``) for every sector group of ``_choose``, sector after
        sector, with the first round's per-firm work done for all groups at once. ``first``: each
        firm's first choice, ``argmax(v)``, which is ``_preference_order(v)[:, 0]`` (the maximum is
        finite, the firm's own site; exact ties have probability 0 with continuous shocks); the
        preference order itself is computed only for the groups where a park refuses someone.

        In a group's first round, the firms whose first choice is another site are sorted by
        (choice, −surplus), as ``_assign`` sorts them; only the admission test reads free land
        (left by the groups before), so it and the moves go group by group, and a group with
        refusals finishes its later rounds (``_assign``) before the next group. Free-land updates
        of groups whose movers were all admitted are applied later in one ``np.add.at``, in the
        same order (a − x = a + (−x) exactly), but always before free land is read again."""
        mrows = np.flatnonzero(first != cur)
        if mrows.size == 0:
            return
        msec = sec[mrows]
        choice = first[mrows]
        firms = idx[mrows]
        park = self.is_park[choice]
        # _land_need: the same product, in the same order
        need = np.where(park, self.land_int[msec] * self.sigma[msec] * self.pi_scale[msec, choice]
                        * self.scale[firms], 0.0)
        surplus = v[mrows, choice] - v[mrows, cur[mrows]]
        o = np.lexsort((-surplus, choice, msec))  # stable: by sector, then as in _assign
        mrows, msec, choice, firms, need, park = (x[o] for x in (mrows, msec, choice, firms, need, park))
        # groups with movers: their slices of the sorted arrays (contiguous, in sector order)
        ga = np.searchsorted(msec, secs, side="left")
        gb = np.searchsorted(msec, secs, side="right")
        busy = np.flatnonzero(gb > ga)
        gpark = np.logical_or.reduceat(park, ga[busy]).tolist()
        sites, vals = [], []  # deferred free-land updates, in order

        def flush() -> None:
            if sites:
                np.add.at(self.free_land, np.concatenate(sites), np.concatenate(vals))
                sites.clear()
                vals.clear()

        for g, s, a, b, has_park in zip(busy.tolist(), secs[busy].tolist(), ga[busy].tolist(),
                                        gb[busy].tolist(), gpark):
            ch, nd, fm = choice[a:b], need[a:b], firms[a:b]
            ok = None
            if has_park:
                flush()
                csum = np.cumsum(nd)
                start = np.concatenate(([0], np.flatnonzero(np.diff(ch)) + 1))
                base = np.repeat(csum[start] - nd[start], np.diff(np.append(start, len(ch))))
                ok = (csum - base) <= self.free_land[ch] + 1e-12
                if ok.all():
                    ok = None
            if ok is None:  # every mover admitted
                src = self.site[fm]
                sites += [src, ch]
                vals += [np.where(self.is_park[src], self.land[fm], 0.0), -nd]
                self.land[fm] = nd
                self.site[fm] = ch
                continue
            self._move(fm[ok], ch[ok], nd[ok])
            # the refused go on with their next choices (rounds 2..) before the next sector
            lo, hi = b0[g], b1[g]
            rank = np.zeros(hi - lo, dtype=np.intp)
            pending = np.zeros(hi - lo, dtype=bool)
            rej = mrows[a:b][~ok] - lo
            rank[rej] = 1
            order = self._preference_order(v[lo:hi])
            pending[rej] = rank[rej] < order.shape[1]
            self._assign(idx[lo:hi], v[lo:hi], order, s, cur[lo:hi], rank, pending)
        flush()
        self._sites_changed()

    def _assign(self, idx: np.ndarray, v: np.ndarray, order: np.ndarray, s: int, cur: np.ndarray,
                rank: np.ndarray | None = None, pending: np.ndarray | None = None) -> None:
        """Parks admit movers (firms ``idx`` of sector ``s`` at sites ``cur``) in order of utility
        surplus until their free land is used; a firm refused takes its next choice (up to 3
        rounds), else stays. Arrival and departure counts are the caller's (``_choose``).
        ``rank``, ``pending``: the state after the first round (``_assign_all``)."""
        if rank is None:
            rank = np.zeros(len(idx), dtype=np.intp)
            pending = np.ones(len(idx), dtype=bool)
        # land intensity × σ of the sector (the first two factors of _land_need's product)
        li_sig = self.land_int[s] * self.sigma[s]
        pi_s = self.pi_scale[s]
        for _ in range(self.ROUNDS):
            rows = np.flatnonzero(pending)
            if rows.size == 0:
                break
            choice = order[rows, rank[rows]]
            stay = choice == cur[rows]
            pending[rows[stay]] = False
            go = ~stay
            rows, choice = rows[go], choice[go]
            if rows.size == 0:
                break
            firms = idx[rows]
            park = self.is_park[choice]
            # _land_need for one sector: the same product, in the same order
            need = np.where(park, li_sig * pi_s[choice] * self.scale[firms], 0.0)
            surplus = v[rows, choice] - v[rows, cur[rows]]
            o = np.lexsort((-surplus, choice))
            rows, choice, need = rows[o], choice[o], need[o]
            if park.any():
                csum = np.cumsum(need)
                start = np.concatenate(([0], np.flatnonzero(np.diff(choice)) + 1))
                base = np.repeat(csum[start] - need[start], np.diff(np.append(start, len(choice))))
                ok = (csum - base) <= self.free_land[choice] + 1e-12
            else:  # no park among the choices: nothing needs land (free land off parks is inf)
                ok = None
            if ok is None or ok.all():
                self._move(idx[rows], choice, need)
                pending[rows] = False
                continue
            acc, rej = rows[ok], rows[~ok]
            self._move(idx[acc], choice[ok], need[ok])
            pending[acc] = False
            rank[rej] += 1
            pending[rej] &= rank[rej] < order.shape[1]

    def _land_need(self, firms: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Park land (ha) a firm needs at a site: land intensity × its output there; 0 off parks."""
        sec = self.sector[firms]
        need = self.land_int[sec] * self.sigma[sec] * self.pi_scale[sec, sites] * self.scale[firms]
        return np.where(self.is_park[sites], need, 0.0)

    def _move(self, firms: np.ndarray, dest: np.ndarray, land: np.ndarray) -> None:
        src = self.site[firms]
        freed = np.where(self.is_park[src], self.land[firms], 0.0)
        np.add.at(self.free_land, src, freed)
        np.subtract.at(self.free_land, dest, land)
        self.land[firms] = land
        self.site[firms] = dest
        self._sites_changed()

    def exit_and_entry(self) -> None:
        k = self.step_count
        if self.alive.all():  # the usual case: no dead rows, no gathers
            u = rng.uniform(self.seed_value, "exit", k, self.firm_id)
            loss = (self.net_scale < 0).ravel().take(self._firm_index()["key"])
            go = u < self.p.exit_rate * self.dt
            go |= loss
            if self._population_index()["pinned"]:
                go &= ~self.pinned
            out = np.flatnonzero(go)
        else:
            alive = np.flatnonzero(self.alive)
            u = rng.uniform(self.seed_value, "exit", k, self.firm_id[alive])
            loss = self.net_scale[self.sector[alive], self.site[alive]] < 0
            out = alive[((u < self.p.exit_rate * self.dt) | loss) & ~self.pinned[alive]]
        if out.size == 0:
            return
        self.alive[out] = False
        np.add.at(self.exits, self.site[out], 1)
        np.add.at(self.free_land, self.site[out], np.where(self.is_park[self.site[out]], self.land[out], 0.0))
        self.land[out] = 0.0
        # replacement entrants: born where an exiting firm of the same sector was (spin-offs)
        n = out.size
        new_ids = np.arange(self.next_id, self.next_id + n)
        self.next_id += n
        sec = self.sector[out]
        born = self.site[out]
        rel = self._draw_sizes(n, int(new_ids[0]))
        # the mean as ndarray.mean takes it (the same pairwise sum over the count), without its overhead
        rel = rel / ((rel.sum() / rel.size if rel.size else rel.mean()) if self.sw.heterogeneity else 1.0)
        # the exiting firms leave the arrays and the entrants are appended, in one copy of each
        # array (the survivors keep their order, so every sum over firms adds the same numbers in
        # the same order as with a mask over ``alive``)
        keep = np.flatnonzero(self.alive)
        nk = keep.size
        new = {"firm_id": new_ids, "sector": sec, "site": born, "home": self.site_market_arr[born],
               "alive": True, "land": 0.0, **self._new_firm_policy_values(self.t)}
        for name in self.FIRM_ARRAYS:
            if name == "alive":  # survivors and entrants: every row is alive
                self.alive = np.ones(nk + n, dtype=bool)
                continue
            a = getattr(self, name)
            b = np.empty(nk + n, dtype=a.dtype)
            np.take(a, keep, out=b[:nk], mode="clip")  # (mode="raise" with out= buffers)
            if name != "scale":
                b[nk:] = new[name]
            setattr(self, name, b)
        # output, value added and jobs are rebuilt by _production before anything reads them
        self.output = self.va = self.jobs = None
        # mean scale of the surviving firms of each sector (rows :nk, all alive)
        S = self.S
        perm, _, starts, ends, counts = self._group(self.sector[:nk])
        scale_p = self.scale[perm]
        st, en, ct = starts.tolist(), ends.tolist(), counts.tolist()
        # sum / count: what ndarray.mean computes (the same pairwise sum, one division)
        mean_scale = np.array([scale_p[st[s]:en[s]].sum() / ct[s] if ct[s] else 1.0 for s in range(S)])
        self.scale[nk:] = mean_scale[sec] * rel
        self._firms_changed()
        # the sector grouping of all rows (``_by_sector``): each sector's survivors, then its
        # entrants, in row order (what a stable sort of the new sector array gives)
        oe = np.argsort(sec.astype(np.int8 if S < 128 else np.int32), kind="stable") + nk
        ce = np.bincount(sec, minlength=S)
        ee = np.cumsum(ce).tolist()
        parts = []
        for s in range(S):
            parts.append(perm[st[s]:en[s]])
            parts.append(oe[ee[s] - ce[s]:ee[s]])
        counts_all = counts + ce
        ends_all = np.cumsum(counts_all)
        perm_all = np.concatenate(parts)
        self._grp = (perm_all, np.repeat(np.arange(S, dtype=self.sector.dtype), counts_all),
                     ends_all - counts_all, ends_all, counts_all)
        new_idx = np.arange(nk, nk + n)
        # entrants choose like revisers, from their birth site (those of mobile sectors, by sector
        # in row order: ``oe`` above); they need land if in a park
        chooser = oe[self.mobile_sector[sec[oe - nk]]]
        self._choose(chooser, self.sector[chooser].astype(np.intp), None, "entry")
        park_new = new_idx[self.is_park[self.site[new_idx]] & (self.land[new_idx] == 0)]
        need = self._land_need(park_new, self.site[park_new])
        # an entrant stays in its birth park only if its plot fits (in firm-id order); otherwise it
        # is born outside the parks of the same city (free land never goes negative)
        if len(park_new):
            where = self.site[park_new]
            o = np.argsort(where, kind="stable")
            csum = np.cumsum(need[o])
            first = np.concatenate(([0], np.flatnonzero(np.diff(where[o])) + 1))  # (np.r_ is slow)
            before = np.repeat(csum[first] - need[o][first], np.diff(np.concatenate((first, [len(o)]))))
            fits = np.empty(len(o), dtype=bool)
            fits[o] = csum - before <= self.free_land[where[o]] + 1e-12
            self.site[park_new[~fits]] = self.n_parks + self.site_market_arr[where[~fits]]
            self._sites_changed()
            park_new, need = park_new[fits], need[fits]
        self.land[park_new] = need
        np.subtract.at(self.free_land, self.site[park_new], need)
        if self.levers:
            self._one_off_payments(new_idx)
        np.add.at(self.entries, self.site[new_idx], 1)

    def grow(self) -> None:
        """Gibrat growth of firm scale with drift equal to national nominal income growth."""
        self._ms = None  # the market block's sums over scale
        alive = np.flatnonzero(self.alive)
        t0 = self.t - self.dt
        cached = self.__dict__.get("_r_income")
        rates = cached[1] if cached is not None and cached[0] == t0 else self._rates(self.s_income, t0)
        # np.average(rates, weights=income0) without its checks: Σ rates·w / Σ w
        w = self.income0
        gbar = float(np.multiply(rates, w).sum() / w.sum())
        sd = self.p.gibrat_sd * np.sqrt(self.dt)
        if self.p.gibrat_shock == "normal" and self.p.gibrat_size_elasticity == 0:
            every = alive.size == self.alive.size  # no dead rows (the usual case): no gather
            z = rng.normal(self.seed_value, "growth", self.step_count,
                           self.firm_id if every else self.firm_id[alive])
            z *= sd
            z += np.log1p(gbar) * self.dt - 0.5 * sd**2
            np.exp(z, out=z)
            if every:
                self.scale *= z
            else:
                self.scale[alive] *= z
            return
        # size-dependent volatility sd·(A/Ā_s)^−b (Ā_s the sector's geometric mean size) and
        # tent-shaped (Laplace) shocks: scenario parameters, see docs/validation.md
        a = self.scale[alive]
        sec = self.sector[alive]
        la = np.log(a)
        ref = np.bincount(sec, weights=la, minlength=self.S) / np.maximum(
            np.bincount(sec, minlength=self.S), 1)
        sd = np.minimum(sd * np.exp(-self.p.gibrat_size_elasticity * (la - ref[sec])), 1.0)
        if self.p.gibrat_shock == "laplace":  # unit variance; mean of e^(sd·z) = 1/(1 − sd²/2)
            u = rng.uniform(self.seed_value, "growth", self.step_count, self.firm_id[alive]) - 0.5
            z = -np.sign(u) * np.log1p(-2 * np.abs(u)) / np.sqrt(2.0)
            corr = np.log1p(-0.5 * sd**2)
        else:
            z = rng.normal(self.seed_value, "growth", self.step_count, self.firm_id[alive])
            corr = -0.5 * sd**2
        self.scale[alive] = a * np.exp(np.log1p(gbar) * self.dt + corr + sd * z)

    # ------------------------------------------------------------------ views
    # per-firm arrays, one row per firm (row order = order of creation; firm ids are increasing);
    # output, va and jobs are rebuilt by _production each step
    FIRM_ARRAYS = ("firm_id", "sector", "site", "scale", "home", "alive", "land",
                   "arrived_t", "land_disc", "induced", "pivotal", "pinned")

    def release(self) -> None:
        """Let a finished model be freed: Mesa 3.3.1 keeps every model as a key of the class-level
        ``Agent._ids`` counter table (mesa/mesa#3179), ~11 MB per full run otherwise kept alive in
        a process that builds many models (sweep workers, compare, the dashboard's Reset)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)

    def run(self, progress=None) -> None:
        for _ in range(self.n_steps):
            self.step()
            if progress is not None:
                progress(self)
