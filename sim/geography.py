"""The transport network and travel times (-> τ and φ in :mod:`sim.economy.market`).

Travel time between two nodes is the shortest path on the road network or on the rail network
(plus an access/egress time), whichever is faster. Planned projects replace a link's time from
their completion date on. Each link has a mode (``modes.csv``: its network, road or rail, and
whether goods move on it): *passenger* times use every mode; *freight* times only the modes with
``freight = true`` (roads and conventional rail, not the passenger-dedicated high-speed and
intercity lines). Units: minutes, km, degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .data import RegionData


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass
class Network:
    """Nodes and links of one data folder; ``times(t, projects)`` gives node-to-node minutes."""

    node_ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    links: list[tuple[int, int, str, float]]       # (i, j, mode, minutes)
    projects: list[tuple[str, int, int, str, float, float]]  # (id, i, j, mode, minutes, year)
    rail_access: float
    modes: dict[str, tuple[str, bool]]              # mode -> (network "road"/"rail", carries freight)
    route_factor: float                             # ρ: road km per great-circle km
    road_speed_kmh: float                           # v: typical road speed (km/h)

    @classmethod
    def from_data(cls, data: RegionData, rail_access_minutes: float) -> Network:
        ids = data.nodes.ids()
        idx = {n: k for k, n in enumerate(ids)}
        lat = np.array([r["lat"] for r in data.nodes.rows])
        lon = np.array([r["lon"] for r in data.nodes.rows])
        links = [(idx[r["from"]], idx[r["to"]], r["mode"], r["minutes"]) for r in data.links.rows]
        projects = [(r["id"], idx[r["from"]], idx[r["to"]], r["mode"], r["minutes_after"],
                     r["completion_year"]) for r in data.projects.rows]
        modes = {r["mode"]: (r["network"], bool(r["freight"])) for r in data.modes.rows}
        return cls(ids, lat, lon, links, projects, rail_access_minutes, modes,
                   data.const("route_factor"), data.const("road_speed_kmh"))

    def index(self, node: str) -> int:
        return self.node_ids.index(node)

    def distance_km(self) -> np.ndarray:
        return haversine_km(self.lat[:, None], self.lon[:, None], self.lat[None, :], self.lon[None, :])

    def fallback_minutes(self) -> np.ndarray:
        """Node-to-node minutes off the network: great-circle km × ρ ÷ v × 60 (:func:`road_minutes`),
        the time of a pair with no path on either network (``times``)."""
        return road_minutes(self.distance_km(), self.route_factor, self.road_speed_kmh)

    def times(self, year: float, active_projects: set[str] | frozenset[str] = frozenset(),
              freight: bool = False) -> np.ndarray:
        """Node-to-node travel time (minutes) in ``year`` with the given projects built when complete:
        shortest path on the road network, or on the rail network + ``rail_access`` minutes,
        whichever is faster. ``freight``: only links of modes that carry goods (``modes.csv``);
        otherwise (passengers) every mode. A pair with no path on either network takes
        :meth:`fallback_minutes` (by road off the modelled links), so every time is finite (the
        shipped data has no such pair: tests/test_transport.py)."""
        n = len(self.node_ids)
        edges: dict[tuple[int, int, str], float] = {}
        for i, j, mode, minutes in self.links:
            key = (min(i, j), max(i, j), mode)
            edges[key] = min(edges.get(key, math.inf), minutes)
        for pid, i, j, mode, minutes, done in self.projects:
            if pid in active_projects and done <= year + 1e-9:
                key = (min(i, j), max(i, j), mode)
                edges[key] = min(edges.get(key, math.inf), minutes)
        best = np.full((n, n), np.inf)
        for network, extra in (("road", 0.0), ("rail", self.rail_access)):
            on: dict[tuple[int, int], float] = {}  # the fastest link of this network per pair
            for (i, j, m), minutes in edges.items():
                net, goods = self.modes[m]
                if net == network and (goods or not freight):
                    on[i, j] = min(on.get((i, j), math.inf), minutes)
            if not on:
                continue
            ii = [i for i, _ in on] + [j for _, j in on]
            jj = [j for _, j in on] + [i for i, _ in on]
            g = csr_matrix((list(on.values()) * 2, (ii, jj)), shape=(n, n))  # no duplicates to sum
            d = dijkstra(g, directed=False)
            d = np.where(np.isfinite(d) & (d > 0), d + extra, d)
            best = np.minimum(best, d)
        off = ~np.isfinite(best)
        if off.any():
            best[off] = self.fallback_minutes()[off]
        np.fill_diagonal(best, 0.0)
        return best

    def project_ids(self) -> set[str]:
        return {p[0] for p in self.projects}


def road_minutes(mean_km, route_factor: float, speed_kmh: float) -> np.ndarray:
    """Road travel time (minutes) over a mean great-circle distance d̄ (km; e.g. from a city's seat
    to its buyers, :func:`buyer_access_km`, or between two nodes off the network):

        t = d̄ · ρ / v · 60        ρ the route (detour) factor (road km per great-circle km),
                                     v the typical road speed (km/h); ``national.csv``
                                     ``route_factor`` and ``road_speed_kmh``."""
    return np.asarray(mean_km, dtype=float) * route_factor / speed_kmh * 60.0


def buyer_access_km(data: RegionData, park_rows: list[dict], n_cities: int, lat, lon) -> np.ndarray | None:
    """Mean great-circle distance (km) from each point (``lat``, ``lon``) to the buyers of each
    study-area city, spread uniformly over its territory cells (``sim.territory.
    mean_distance_from_points_km``), shape (points, n_cities); NaN for a city without a boundary,
    None when the data folder has no boundaries."""
    from .agents.places import territory_layer
    from .territory import load_territory, mean_distance_from_points_km
    territory = load_territory(data.folder)
    ids = [c["id"] for c in data.cities.rows]
    has = np.array([territory is not None and c in territory.polygons for c in ids], dtype=bool)
    if not has.any():
        return None
    spec, layer = territory_layer(data, park_rows)
    km = mean_distance_from_points_km(layer, spec, n_cities, lat, lon)
    km[:, ~has] = np.nan
    return km


def market_internal_minutes(data: RegionData, park_rows: list[dict], n_cities: int, n_origins: int,
                            default_minutes: float, access_km: np.ndarray | None = None,
                            seat_index: np.ndarray | None = None) -> np.ndarray:
    """Internal travel time t₀_q (minutes) of every market, cities then origins: for a study-area
    city with a boundary, the mean time from its seat to its own buyers, t₀_c = D_seat(c),c · ρ / v
    · 60 (:func:`road_minutes`, D from :func:`buyer_access_km`: the sellers of the market
    block sit at nodes, the buyers over the territory); for an origin region or a city without a
    boundary, ``default_minutes`` (``parameters.internal_travel_minutes``). ``access_km`` (nodes ×
    cities) and ``seat_index`` (each city's node row in it) when the caller has them."""
    t0 = np.full(n_cities + n_origins, float(default_minutes))
    if access_km is None:
        node = data.nodes.by()
        seats = [node[c["node"]] for c in data.cities.rows]
        access_km = buyer_access_km(data, park_rows, n_cities, [n["lat"] for n in seats], [n["lon"] for n in seats])
        seat_index = np.arange(n_cities)
    if access_km is None:
        return t0
    own = access_km[seat_index, np.arange(n_cities)]
    t0[:n_cities] = np.where(np.isfinite(own), road_minutes(own, data.const("route_factor"),
                                                                data.const("road_speed_kmh")), t0[:n_cities])
    return t0
