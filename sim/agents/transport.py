"""The transport component: the node network, where each site and market sits on it, the markets'
internal travel times, and the freeness of trade φ[s, r, q] it gives at a date.

``Transport`` receives what it reads (the network, the sites' and markets' nodes, the scenario's
transport projects, the markets' internal times t₀_q, the sectors' distance elasticities δ_s and
which sectors' buyers travel) and owns what follows from them:

    t[s, r, q]  travel minutes from site r to the buyers of market q at date t: the network's
                node-to-node minutes (``sim.geography.Network.times``; freight modes for goods,
                every passenger mode for the tertiary sector 文化旅游 whose buyers travel) from r's
                node to q's seat, stretched to q's buyers spread over its territory,
                t_rq = t_net(r, seat_q) · D_rq / g_r,seat_q  (D_rq the mean km from r's node to q's
                cells, g the great-circle km between the nodes: the network's minutes per km over the
                mean distance to the buyers), and t₀_q for a site at q's seat; origin markets (no
                territory) keep the network's minutes;
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
                 phi: float | None, site_market: np.ndarray, sources: str = "",
                 access_km: np.ndarray | None = None) -> None:
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
        # stretch[r, q]: the buyers' mean km from r's node over the seat-to-seat km (nan: keep the
        # network's minutes, e.g. origins; 0: r sits at q's seat and takes t₀_q)
        R, Q = len(self.site_node_idx), len(self.market_node_idx)
        self.stretch = np.full((R, Q), np.nan)
        if access_km is not None:
            nc = access_km.shape[1]
            g = dist[np.ix_(self.site_node_idx, self.market_node_idx[:nc])]
            d = access_km[self.site_node_idx]
            self.stretch[:, :nc] = np.where(g >= 1.0, d / np.maximum(g, 1.0), np.where(np.isfinite(d), 0.0, np.nan))

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
        freight = self.to_buyers(self.net.times(t, self.projects, freight=True)[ix])
        passenger = self.to_buyers(self.net.times(t, self.projects)[ix])
        return np.where(self.visitor_sector[:, None, None], passenger[None], freight[None])

    def to_buyers(self, minutes: np.ndarray) -> np.ndarray:
        """Node-to-seat minutes (R, Q) → minutes to the market's buyers: × ``stretch`` where the
        market has a territory, t₀_q at its seat, unchanged elsewhere."""
        st = self.stretch
        return np.where(np.isnan(st), minutes, np.where(st > 0, minutes * st, self.internal_minutes[None, :]))

    def freeness(self, t: float) -> np.ndarray:
        """Freeness φ[s, r, q] at date t (transport projects open on their dates)."""
        return sector_freeness(self.site_market_minutes(t), self.delta, self.internal_minutes,
                               self.phi_param, self.site_market)
