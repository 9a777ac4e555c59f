"""Places: the sites firms can be at, park land, and the City and Park Mesa agents on the grid.

A *site* is a park, the outside-park area of a study-area city, or an origin region with firms;
a *market* is a city or an origin region (where income is spent). Sites are numbered parks first
(data, then the scenario's new parks), then one outside-park site per city, then origins.
"""
from __future__ import annotations

import gc

import numpy as np
from mesa.discrete_space import FixedAgent, OrthogonalMooreGrid

from .. import jit
from ..dates import parse_date
from ..economy.pipeline import STARTED
from ..scenario.origins import entry_error
from ..territory import GridSpec, load_territory, rasterize


def park_rows(data, new_parks, city_ids: list[str], src: str) -> list[dict]:
    """Parks from ``data/parks.csv`` plus the scenario's ``new_parks`` (``opens``: −inf for the data's
    parks, the opening date for new ones, closed until then); a bad new park is a one-line error."""
    rows = [dict(r, opens=-np.inf) for r in data.parks.rows]
    known = {r["id"] for r in rows}
    nodes = {n["id"] for n in data.nodes.rows}
    for j, npk in enumerate(new_parks):
        if npk.id in known:
            raise entry_error(src, "new_parks", npk.id, "id", npk.id, "a park id not already in data/parks.csv")
        if npk.city not in city_ids:
            raise entry_error(src, "new_parks", npk.id, "city", npk.city, f"a city id ({', '.join(city_ids)})")
        node = npk.node or next(c["node"] for c in data.cities.rows if c["id"] == npk.city)
        if node not in nodes:
            raise entry_error(src, "new_parks", npk.id, "node", node, "a node id from data/nodes.csv")
        for sec in npk.leading:
            if sec not in data.sectors:
                raise entry_error(src, "new_parks", npk.id, "leading", sec, "a sector from data/sector_params.csv")
        for c in npk.partners:
            if c not in city_ids:
                raise entry_error(src, "new_parks", npk.id, "partners", c, "a city id")
        rows.append({"id": npk.id, "name_zh": npk.name_zh, "city": npk.city, "node": node,
                     "capacity_ha": npk.capacity_ha, "occupancy_2022": 0.0,
                     "leading": list(npk.leading), "land_price_yuan_m2": npk.land_price_yuan_m2,
                     "opens": parse_date(npk.opens), "partners": dict(npk.partners)})
        known.add(npk.id)
    return rows


class Sites:
    """Static tables of the sites: ids, market, node, kind, nests, who pays and collects there."""

    def __init__(self, parks: list[dict], cities: list[dict], origins: list[dict]) -> None:
        city_ids = [c["id"] for c in cities]
        self.ids: list[str] = []
        self.market: list[int] = []
        self.node: list[str] = []
        self.kind: list[str] = []
        for pk in parks:
            self.ids.append(pk["id"])
            self.market.append(city_ids.index(pk["city"]))
            self.node.append(pk["node"])
            self.kind.append("park")
        for i, c in enumerate(cities):
            self.ids.append(f"{c['id']}·园区外")
            self.market.append(i)
            self.node.append(c["node"])
            self.kind.append("other")
        for j, o in enumerate(origins):
            if o["has_firms"]:
                self.ids.append(o["id"])
                self.market.append(len(cities) + j)
                self.node.append(o["node"])
                self.kind.append("origin")
        self.R = len(self.ids)
        self.n_parks = len(parks)
        self.market_arr = np.array(self.market)
        self.is_park = np.array([k == "park" for k in self.kind])
        self.is_origin = np.array([k == "origin" for k in self.kind])
        self.park_opens = np.array([pk["opens"] for pk in parks])
        # nested logit: a city's parks and outside site are one nest, each origin its own
        self.nest = self.market_arr
        # who pays for and collects from each site: its city, or a joint park's partners
        nc = len(cities)
        self.city_w = np.zeros((self.R, nc))
        for k in range(self.R):
            q = self.market[k]
            partners = parks[k].get("partners") if k < self.n_parks else None
            if partners:
                for c, sh in partners.items():
                    self.city_w[k, city_ids.index(c)] += sh
            elif q < nc:
                self.city_w[k, q] = 1.0


class Land:
    """Land by site: free land (ha; +inf off parks), prices (yuan/m²) and their trend rates."""

    def __init__(self, sites: Sites, parks: list[dict], cities: list[dict], origins: list[dict],
                 const) -> None:
        R, n_parks = sites.R, sites.n_parks
        self.free = np.full(R, np.inf)
        self.price = np.zeros(R)
        self.growth = np.zeros(R)  # trend rate of the land price (per year)
        for k, pk in enumerate(parks):
            # a new park has no free land until it opens
            self.free[k] = 0.0 if pk["opens"] > -np.inf else pk["capacity_ha"] * (1 - pk["occupancy_2022"])
            self.price[k] = pk["land_price_yuan_m2"]
            self.growth[k] = const("park_land_price_growth")
        for i, c in enumerate(cities):
            k = n_parks + i
            own = [pk["land_price_yuan_m2"] for pk in parks if pk["city"] == c["id"] and pk["opens"] == -np.inf]
            self.price[k] = const("outside_park_land_price_ratio") * (
                np.mean(own) if own else const("default_land_price_yuan_m2"))
            self.growth[k] = const("park_land_price_growth")
        for k in range(R):
            if sites.kind[k] == "origin":
                o = origins[sites.market[k] - len(cities)]
                self.price[k] = o["land_price_yuan_m2"]
                self.growth[k] = o["land_price_trend_growth"]
        self.price0 = self.price.copy()

    def release(self, sites: np.ndarray, ha: np.ndarray) -> None:
        """Firms leave plots of ``ha`` at ``sites`` (repeated sites add up)."""
        np.add.at(self.free, sites, ha)

    def take(self, sites: np.ndarray, ha: np.ndarray) -> None:
        """Firms take plots of ``ha`` at ``sites`` (repeated sites add up)."""
        np.subtract.at(self.free, sites, ha)


def calibrate_park_land(market, firms, pipeline, sites: Sites, parks: list[dict]) -> np.ndarray:
    """Each park's land factor c_p (MODEL.md §Land): the base firms' plots (sized at the sectors'
    ``land_ha_per_yi`` × base output) plus the plots of the base pipeline's started projects (they
    sit inside base occupancy) scaled to the park's occupied land in parks.csv,

        c_p = capacity_p · occupancy_2022_p / Σ_{i in p} land_ha_per_yi_s(i) · y_i        (ha / ha),

    so that free land + plots held = capacity from the base on. A park with no base plots or no
    occupied land (a park the scenario builds) takes its city's calibrated parks' Σ occupied / Σ
    plots, else the study area's. Sets ``market.land_fac`` (1 off parks; every later plot is sized
    by ``market.land_per_output``) and rescales the plots already drawn; returns c (R,)."""
    P = sites.n_parks
    held = np.bincount(firms.site, weights=firms.land, minlength=sites.R)[:P]
    started = pipeline.stage >= STARTED
    held += np.bincount(pipeline.site[started], weights=pipeline.land[started], minlength=sites.R)[:P]
    occ = np.array([pk["capacity_ha"] * pk["occupancy_2022"] for pk in parks])
    ok = (held > 0) & (occ > 0)
    city = sites.market[:P]
    fac = np.ones(sites.R)
    fac[:P] = np.where(ok, occ / np.where(ok, held, 1.0), 0.0)
    pooled = occ[ok].sum() / held[ok].sum() if ok.any() else 1.0
    for k in np.flatnonzero(~ok):
        peers = ok & (city == city[k])
        fac[k] = occ[peers].sum() / held[peers].sum() if peers.any() else pooled
    market.land_fac[:] = fac
    firms.land *= fac[firms.site]
    pipeline.land *= fac[pipeline.site]
    return fac


class City(FixedAgent):
    """A city: GDP (亿元/year), population (万人) and wage (yuan per person-year), set each period
    from the city accounts (``sim.economy.cities``)."""

    def __init__(self, model, idx: int, row: dict) -> None:
        super().__init__(model)
        self.idx, self.name = idx, row["id"]
        self.gdp = row["gdp_2022_yi"]
        self.population = row["population_2022_wan"]
        self.wage = row["wage_2022_yuan"]


class Park(FixedAgent):
    """A development zone: land capacity (ha), free land at the base, base price (yuan/m²)."""

    def __init__(self, model, site: int, row: dict, land: Land) -> None:
        super().__init__(model)
        self.site, self.id, self.city = site, row["id"], row["city"]
        self.capacity = row["capacity_ha"]
        self.free0 = row["capacity_ha"] * (1 - row["occupancy_2022"])
        self.price0 = row["land_price_yuan_m2"]
        self.leading = row["leading"]
        self._land = land

    @property
    def occupancy(self) -> float:
        return 1.0 - self._land.free[self.site] / self.capacity

    def supply(self, added_ha: float) -> None:
        """Land serviced (a land_supply lever): capacity and free land grow by ``added_ha``."""
        self.capacity += added_ha
        self.free0 += added_ha
        self._land.free[self.site] = max(self._land.free[self.site] + added_ha, 0.0)

    def price(self, f_land: float, elasticity: float) -> float:
        """Land price p = p0 · f · (free0 / free)^ε (yuan/m²): the trend f times scarcity."""
        free = max(self._land.free[self.site], 1e-6 * self.capacity)
        scarcity = (self.free0 + 1e-6 * self.capacity) / free
        return self.price0 * f_land * scarcity ** elasticity


LAYER_MEASURES = ("firms", "jobs", "output", "capital")
MOORE = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


class TerritoryGrid(OrthogonalMooreGrid):
    """Mesa's ``OrthogonalMooreGrid`` with the same cells and the same connections (each cell's
    ``connections``: relative offset → neighbour, in Mesa's offset order), linked in one pass
    without Mesa's per-link cache reset (a new cell has no cache), and built with Python's cyclic
    garbage collector paused: the 22,000 cells and their 175,000 links are new objects that would
    set off collections over the whole heap (0.09 s instead of 0.26–0.45 s;
    tests/test_territory.py compares the links with Mesa's)."""

    def __init__(self, *args, **kwargs) -> None:
        was = gc.isenabled()
        gc.disable()
        try:
            super().__init__(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    def _connect_cells_2d(self) -> None:
        if self.torus:
            super()._connect_cells_2d()
            return
        cells = self._cells
        w, h = self.dimensions
        for (i, j), cell in cells.items():
            conn = cell.connections
            if 0 < i < w - 1 and 0 < j < h - 1:
                for di, dj in MOORE:
                    conn[(di, dj)] = cells[i + di, j + dj]
            else:
                for di, dj in MOORE:
                    if 0 <= i + di < w and 0 <= j + dj < h:
                        conn[(di, dj)] = cells[i + di, j + dj]


def layer_name(measure: str, sector: str) -> str:
    """The PropertyLayer of one measure for one sector, e.g. ``output_汽车及零部件``."""
    return f"{measure}_{sector}"


def territory_layer(data, parks_rows: list[dict]) -> tuple[GridSpec, np.ndarray]:
    """The grid over the study area (``sim.territory``: the cities' boundaries, their seats and
    the parks' nodes plus one cell) and its ``city`` layer ((width, height), the index of the city
    in ``cities.csv`` order per cell, −1 outside); both cached by ``sim.territory.rasterize``."""
    rows = data.cities.rows
    ids = [c["id"] for c in rows]
    seats = [(c["lat"], c["lon"]) for c in rows]
    territory = load_territory(data.folder)
    node = data.nodes.by()
    pts = np.array(seats + [(node[pk["node"]]["lat"], node[pk["node"]]["lon"]) for pk in parks_rows])
    box = [pts[:, 1].min(), pts[:, 0].min(), pts[:, 1].max(), pts[:, 0].max()]
    if territory is not None and any(c in territory.polygons for c in ids):
        b = territory.bounds(ids)
        box = [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])]
    spec = GridSpec.over(*box)
    return spec, rasterize(territory, spec, ids, seats)


def build_grid(model, data, sites: Sites, parks_rows: list[dict], land: Land, sectors: list[str]):
    """The Mesa grid over the study area's territory (``sim.territory``: cells of 1/20° × 1/16°,
    ≈ 5 km, over the cities' boundaries) with

    - PropertyLayer ``city``: the index of the city (in ``cities.csv`` order) whose boundary holds
      the cell's centre, −1 outside the study area;
    - City agents at their seat's cell (``cities.csv`` lat/lon) and Park agents at their
      coordinates (the node of ``parks.csv``: the parks' own positions are not in the data);
    - PropertyLayer ``output`` (gross output of the firms in each cell, 亿元/year) and, per sector
      s, ``firms_s`` (count), ``jobs_s`` (persons), ``output_s`` (亿元/year), ``capital_s`` (亿元),
      filled each step by ``fill_layers``.

    A park's firms stand in the park's cell; a city's outside-park firms in its seat's cell (the
    data place them no finer than their city); origins are off the grid. Sets ``sites.cell`` (the
    flat cell index x·height + y of each site, −1 for origins). Returns (gridspec, grid, cities,
    parks, site_cell); ``site_cell[r]`` = (x, y) of site r ((−1, −1) for origins)."""
    rows = data.cities.rows
    node = data.nodes.by()
    spec, city_layer = territory_layer(data, parks_rows)
    grid = TerritoryGrid((spec.width, spec.height), torus=False, random=model.random)
    grid.create_property_layer("city", default_value=-1, dtype=int)
    grid.city.data[:] = city_layer
    grid.create_property_layer("output", default_value=0.0, dtype=float)
    for m in LAYER_MEASURES:
        for s in sectors:
            grid.create_property_layer(layer_name(m, s), default_value=0.0, dtype=float)
    cities: list[City] = []
    for i, c in enumerate(rows):
        a = City(model, i, c)
        a.cell = grid[spec.cell(c["lat"], c["lon"])]
        cities.append(a)
    parks: list[Park] = []
    for k, pk in enumerate(parks_rows):
        a = Park(model, k, pk, land)
        n = node[pk["node"]]
        a.cell = grid[spec.cell(n["lat"], n["lon"])]
        parks.append(a)
    site_cell = np.full((sites.R, 2), -1, dtype=int)
    for k in range(sites.R):
        if sites.kind[k] == "park":
            site_cell[k] = parks[k].cell.coordinate
        elif sites.kind[k] == "other":
            site_cell[k] = cities[sites.market[k]].cell.coordinate
    on = site_cell[:, 0] >= 0
    sites.cell = np.where(on, spec.flat(site_cell[:, 0], site_cell[:, 1]), -1)
    return spec, grid, cities, parks, site_cell


class GridLayers:
    """Fills the grid's PropertyLayers from the firms after each period's production: ``output``
    (亿元/year, all sectors) and, per measure m ∈ ``LAYER_MEASURES`` and sector s, the sum over
    the live firms standing in each cell of

        firms: 1,  jobs: jobs_i (persons),  output: y_i (亿元/year),  capital: K_i = k_s·A_i (亿元).

    Firms stand in their site's cell, so each sum is a (sector, site) ``np.bincount`` over the firms'
    flat keys, then added to the sites' cells (several sites may share one cell): one matrix
    product with the fixed site → cell incidence matrix. Only the cells of sites are ever written."""

    def __init__(self, grid, site_cell_flat: np.ndarray, sectors: list[str]) -> None:
        self.grid, self.sectors = grid, list(sectors)
        self.on = np.flatnonzero(site_cell_flat >= 0)
        self.cells, inv = np.unique(site_cell_flat[self.on], return_inverse=True)
        self.incidence = np.zeros((len(self.on), len(self.cells)))
        self.incidence[np.arange(len(self.on)), inv] = 1.0
        self.site_cell = site_cell_flat
        # the layers in (measure, sector) order: row m·S + s of the (4·S, cells) sums. Their arrays
        # are made views into one (4·S, w, h) array, written in one call while every layer still
        # holds its view (Mesa's ``modify_cells`` puts a new array in a layer, and a deep copy or a
        # pickle of the model copies views as arrays of their own: then layer by layer)
        self.names = [layer_name(m, s) for m in LAYER_MEASURES for s in self.sectors]
        layers = grid._mesa_property_layers
        first = layers[self.names[0]]._mesa_data if self.names else np.zeros((0, 0))
        self.stack = np.zeros((len(self.names), *first.shape), dtype=first.dtype)
        for i, name in enumerate(self.names):
            self.stack[i] = layers[name]._mesa_data
            layers[name]._mesa_data = self.stack[i]
        self.views = [layers[name]._mesa_data for name in self.names]
        self.flat = self.stack.reshape(len(self.names), -1)

    def fill(self, firms, k: np.ndarray) -> None:
        """``k``: capital per unit scale by sector (亿元)."""
        layers = self.grid._mesa_property_layers
        S, R = len(self.sectors), len(self.site_cell)
        by_sr = layer_sums(firms.index()["key"], firms.alive, firms.jobs, firms.output, firms.scale,
                           S * R).reshape(4, S, R)
        by_sr[3] *= k[:, None]
        by_cell = by_sr[:, :, self.on] @ self.incidence  # (measures, S, cells)
        layers["output"].data.put(self.cells, by_cell[2].sum(axis=0))  # all sectors (only site cells hold firms)
        rows, cells = by_cell.reshape(len(self.names), -1), self.cells
        stack = self.stack
        if self.flat.base is stack and all(layers[name]._mesa_data is v and v.base is stack
                                           for name, v in zip(self.names, self.views)):
            self.flat[:, cells] = rows
        else:
            for name, row in zip(self.names, rows):
                layers[name].data.put(cells, row)  # (flat cell indices of the C-ordered (w, h) array)


def layer_sums(key: np.ndarray, alive: np.ndarray, jobs: np.ndarray, output: np.ndarray, scale: np.ndarray,
               bins: int) -> np.ndarray:
    """(4, bins) sums over rows by flat (sector, site) ``key`` of l_i, jobs_i·l_i, y_i·l_i and A_i·l_i
    with l_i = 1.0 for a live row, 0.0 otherwise: four ``np.bincount``s (each bin adds its rows in
    row order from 0), or the kernel :func:`_layer_sums` (the same additions in one pass)."""
    if jit.ENABLED:
        out = np.zeros((4, bins))
        _layer_sums(np.ascontiguousarray(key, dtype=np.intp), np.ascontiguousarray(alive, dtype=np.bool_),
                    *(np.ascontiguousarray(x, dtype=np.float64) for x in (jobs, output, scale)), out)
        return out
    live = alive.astype(float)
    return np.stack([np.bincount(key, weights=w, minlength=bins) for w in
                     (live, jobs * live, output * live, scale * live)])


@jit.kernel
def _layer_sums(key, alive, jobs, output, scale, out):
    """:func:`layer_sums` row by row: out[q, key[i]] += w_q[i] for q = 0..3, rows i in order."""
    for i in range(key.shape[0]):
        b = key[i]
        live = 1.0 if alive[i] else 0.0
        out[0, b] += live
        out[1, b] += jobs[i] * live
        out[2, b] += output[i] * live
        out[3, b] += scale[i] * live
