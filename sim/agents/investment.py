"""Investment of incumbent firms each period (MODEL.md §9.1): the q-rule of ``sim.economy.capital``
per firm, land gating inside parks, and the period's gross fixed investment by site.

The component owns the capital constants (k_s, δ_s, ψ_s, r_f), the base calibration (wedge 1 + w_sr
and q0_sr: base q = q0, never seeing a lever) and this period's gross investment by site
(``period``, 亿元 in the period). A firm's capital is K_i = k_s·A_i: no firm array is added, and a
mover takes its capital along (its scale moves with it).
"""
from __future__ import annotations

import numpy as np

from ..economy.capital import (
    calibrate_wedge,
    gated_investment_rate,
    investment_rate,
    net_growth_gated,
    operating_return,
    user_cost_factor,
)


class Investment:
    """``k``: capital per unit scale (亿元, S); ``delta``: depreciation (per year, S); ``psi``:
    adjustment cost (years, S); ``r_f``: financing rate (per year); ``cit``: corporate income tax
    rate; ``market``: the market block at its base evaluation (the calibration reads its profits
    and land rents, with no lever in force); ``R``: sites."""

    def __init__(self, k: np.ndarray, delta: np.ndarray, psi: np.ndarray, r_f: float, cit: float,
                 market, R: int) -> None:
        self.k, self.delta, self.psi, self.r_f, self.cit = k, delta, psi, float(r_f), float(cit)
        self.observe(market)
        self.wedge1, self.q0 = calibrate_wedge(self.n_sr, self.r_f, delta, k)
        self.R = R
        self.period = np.zeros(R)  # gross fixed investment of the period by site (亿元/period)
        self.ik = None             # the last period's I/K per firm (per year, after land gating)

    def observe(self, market) -> None:
        """The operating return N_sr the next investment decision reads: that of the state at the end
        of a period (after production), where capacity and demand are of the same date. (A decision
        on the next period's state would see demand a period ahead of capacity: q above q0 by about
        ḡ·dt on the balanced path.) Called at the base state and after each period's "spend"
        evaluation."""
        self.n_sr = operating_return(market.pi_scale, market.bc.land, self.cit)

    def reset(self) -> None:
        self.period = np.zeros(self.R)

    def capital(self, sector: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """K_i = k_s·A_i (亿元)."""
        return self.k[sector] * scale

    def table(self, cut: np.ndarray, extra: np.ndarray, g0: float) -> np.ndarray:
        """I/K per (sector, site) (per year) with the finance cut ``cut`` and the non-finance flows
        ``extra`` of the levers for every firm (S × R)."""
        n = self.n_sr + extra
        d = self.delta[:, None]
        u = user_cost_factor(np.maximum(self.r_f - cut, 0.0), d, self.k[:, None], self.wedge1)
        return investment_rate(n / u, self.q0, d, self.psi[:, None], g0)

    def rates(self, firms, policy, g0: float, t: float) -> np.ndarray:
        """Desired I/K of every firm (per year), before land gating: the operating return observed
        at the end of the last period, the levers in force now."""
        f = firms
        key = f.index()["key"]
        cut, extra = policy.investment_terms()
        ik_sr = self.table(cut, extra, g0)
        ik = ik_sr.ravel().take(key)
        new = policy.investment_terms(key, f.arrived_t, t, newcomers=True) if len(policy.ls) else None
        if new is not None:  # newcomers' levers: their own q
            ci, ni = new
            rows = np.flatnonzero((ci > 0) | (ni != 0))
            k_r = key[rows]
            sec = f.sector[rows]
            n = self.n_sr.ravel().take(k_r) + extra.ravel().take(k_r) + ni[rows]
            r = np.maximum(self.r_f - cut.ravel().take(k_r) - ci[rows], 0.0)
            u = user_cost_factor(r, self.delta[sec], self.k[sec], self.wedge1.ravel().take(k_r))
            ik[rows] = investment_rate(n / u, self.q0.ravel().take(k_r), self.delta[sec], self.psi[sec], g0)
        return ik

    def step(self, firms, market, policy, land, is_park: np.ndarray, g0: float, t: float,
             dt: float) -> np.ndarray:
        """This period's investment: desired I/K per firm (``rates``); inside a park, the net
        expansion A·(e^((I/K − δ)·dt) − 1) needs land at the sector's land intensity
        (``land_ha_per_yi`` × output σπA: ``sim.economy.profits.land_need``) from the park's free
        land; when the park's firms want more than is free, each gets the same share of its need
        (none free: I/K = δ, replacement only). The land taken is the firm's and leaves free land.
        Gross investment I/K·K·dt (K at the start of the period) is added to ``period`` by site.
        Returns the log growth of scale from investment over dt, (I/K − δ)·dt, per firm."""
        f = firms
        sec = f.sector
        site = f.index()["site"]
        ik = self.rates(f, policy, g0, t)
        d = self.delta[sec]
        x = (ik - d) * dt
        grow_in_park = (x > 0) & is_park[site]
        if grow_in_park.any():
            rows = np.flatnonzero(grow_in_park)
            s, r = sec[rows], site[rows]
            need = (market.land_int[s] * market.sigma[s] * market.pi_scale[s, r] * f.scale[rows]
                    * np.expm1(x[rows]))  # ha (land_need of the added scale)
            R = len(is_park)
            need_r = np.bincount(r, weights=need, minlength=R)
            free = np.maximum(np.where(is_park, land.free, 0.0), 0.0)
            share_r = np.where(need_r > free, free / np.maximum(need_r, 1e-300), 1.0)
            share = share_r[r]
            taken = share * need
            f.land[rows] += taken
            land.free -= np.bincount(r, weights=taken, minlength=R)
            cut = share < 1.0
            if cut.any():
                g = rows[cut]
                x[g] = net_growth_gated(ik[g], d[g], dt, share[cut])
                ik[g] = gated_investment_rate(x[g], d[g], dt)
        self.ik = ik
        self.period += np.bincount(site, weights=ik * self.capital(sec, f.scale) * dt, minlength=self.R)
        return x
