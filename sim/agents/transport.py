"""The transport component: the node network, where each site and market sits on it, the markets'
internal travel times, and the freeness of trade φ[s, r, q] it gives at a date.

``Transport`` receives what it reads (the network, the sites' and markets' nodes, the scenario's
transport projects, the markets' internal times t₀_q, the sectors' distance elasticities δ_s and
which sectors' buyers travel) and owns what follows from them:

    t[s, r, q]  travel minutes from site r to market q at date t (``sim.geography.Network.times``):
                freight modes for goods (secondary industry), every passenger mode for the
                tertiary sector 文化旅游 whose buyers travel;
    φ[s, r, q]  = (max(t, t₀_q) / t₀_q)^(−δ_s) ≤ 1 (``sim.economy.market.sector_freeness``), or
                the theory cases' one ``phi`` between markets;
    distances   great-circle km between the nodes of sites (R, R) and from markets to sites (Q, R).
"""
from __future__ import annotations

import numpy as np

from ..economy.market import sector_freeness
from ..errors import ScenarioError
from ..geography import Network


class Transport:
    """Travel times, distances and freeness of one model (``RegionalEconomy.transport``)."""

    def __init__(self, net: Network, site_nodes: list[str], market_nodes: list[str],
                 projects, internal_minutes: np.ndarray, delta, visitor_sector: np.ndarray,
                 phi: float | None, site_market: np.ndarray, sources: str = "") -> None:
        self.net = net
        nidx = {n: k for k, n in enumerate(net.node_ids)}
        self.site_node_idx = np.array([nidx[n] for n in site_nodes])
        self.market_node_idx = np.array([nidx[n] for n in market_nodes])
        self.projects = frozenset(projects)
        unknown = self.projects - net.project_ids()
        if unknown:
            raise ScenarioError(sources, "transport_projects", min(unknown), "a project id from data/projects.csv")
        self.internal_minutes = np.asarray(internal_minutes, dtype=float)  # t₀_q (minutes)
        self.delta, self.visitor_sector = delta, np.asarray(visitor_sector, dtype=bool)
        self.phi_param, self.site_market = phi, site_market
        dist = net.distance_km()
        self.site_dist_km = dist[np.ix_(self.site_node_idx, self.site_node_idx)]      # (R, R) km
        self.market_site_dist_km = dist[np.ix_(self.market_node_idx, self.site_node_idx)]  # (Q, R) km

    @property
    def changes(self) -> bool:
        """Whether travel times can change over the run (the scenario builds transport projects)."""
        return bool(self.projects)

    def site_market_minutes(self, t: float) -> np.ndarray:
        """Travel minutes [s, r, q] from site r to market q for sector s at date t: goods sectors
        (secondary industry, ``industrial`` = 1) ship by freight modes only (road and conventional
        rail, not passenger-dedicated high-speed lines: ``data/modes.csv``); tertiary sectors
        (文化旅游) sell to buyers who travel, by every passenger mode."""
        ix = np.ix_(self.site_node_idx, self.market_node_idx)
        freight = self.net.times(t, self.projects, freight=True)[ix]
        passenger = self.net.times(t, self.projects)[ix]
        return np.where(self.visitor_sector[:, None, None], passenger[None], freight[None])

    def freeness(self, t: float) -> np.ndarray:
        """Freeness φ[s, r, q] at date t (transport projects open on their dates)."""
        return sector_freeness(self.site_market_minutes(t), self.delta, self.internal_minutes,
                               self.phi_param, self.site_market)
