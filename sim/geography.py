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
        return cls(ids, lat, lon, links, projects, rail_access_minutes, modes)

    def index(self, node: str) -> int:
        return self.node_ids.index(node)

    def distance_km(self) -> np.ndarray:
        return haversine_km(self.lat[:, None], self.lon[:, None], self.lat[None, :], self.lon[None, :])

    def times(self, year: float, active_projects: set[str] | frozenset[str] = frozenset(),
              freight: bool = False) -> np.ndarray:
        """Node-to-node travel time (minutes) in ``year`` with the given projects built when complete:
        shortest path on the road network, or on the rail network + ``rail_access`` minutes,
        whichever is faster. ``freight``: only links of modes that carry goods (``modes.csv``);
        otherwise (passengers) every mode."""
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
        np.fill_diagonal(best, 0.0)
        return best

    def project_ids(self) -> set[str]:
        return {p[0] for p in self.projects}
