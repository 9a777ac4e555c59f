"""Investment of incumbent firms each period (MODEL.md §9.1): the q-rule of ``sim.economy.capital``
per firm, land gating inside parks, and the period's gross fixed investment by site.

The component owns the capital constants (k_s, δ_s, ψ_s, r_f), the base calibration (wedge 1 + w_sr
and q0_sr: base q = q0, never seeing a lever) and this period's gross investment by site
(``period``, 亿元 in the period). A firm's capital is K_i = k_s·A_i: no firm array is added, and a
mover takes its capital along (its scale moves with it).
"""
from __future__ import annotations

import numpy as np

from ..arrays import bincounts
from ..economy.capital import (
    calibrate_wedge,
    investment_rate,
    net_growth_gated,
    operating_return,
    user_cost_factor,
)


def _q(n: np.ndarray, u: np.ndarray, q0: np.ndarray) -> np.ndarray:
    """q = N/u; q0 (the balanced path) where the user cost is 0: a sector with no base firms has no
    capital per unit scale (k_s = 0), so its newcomers follow the trend."""
    ok = u > 0
    return n / u if ok.all() else np.where(ok, n / np.where(ok, u, 1.0), q0)


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
        self.x = self.sector = None  # the last period's log growth from investment per firm, sectors
        self.dt = 1.0

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
        return investment_rate(_q(n, u, self.q0), self.q0, d, self.psi[:, None], g0)

    def newcomers(self, firms, key: np.ndarray, policy, cut: np.ndarray, extra: np.ndarray, g0: float,
                  t: float):
        """Rows whose own levers for newcomers change their q, and their I/K (per year), or None:
        the operating return plus every lever's flows, the financing rate less every cut."""
        new = policy.newcomer_investment_terms(key, firms.arrived_t, t) if len(policy.ls) else None
        if new is None:
            return None
        cand, ci, ni = new  # (only the rows that can hold such a lever: the others' terms are 0)
        sel = ((ci > 0) | (ni != 0)).nonzero()[0]
        rows, ci, ni = cand[sel], ci[sel], ni[sel]
        k_r = key[rows]
        sec = firms.sector[rows]
        n = self.n_sr.ravel().take(k_r) + extra.ravel().take(k_r) + ni
        r = np.maximum(self.r_f - cut.ravel().take(k_r) - ci, 0.0)
        u = user_cost_factor(r, self.delta[sec], self.k[sec], self.wedge1.ravel().take(k_r))
        q0 = self.q0.ravel().take(k_r)
        return rows, investment_rate(_q(n, u, q0), q0, self.delta[sec], self.psi[sec], g0)

    def step(self, firms, market, policy, land, is_park: np.ndarray, g0: float, t: float,
             dt: float, also: list = ()) -> tuple[np.ndarray, list]:
        """This period's investment: desired I/K per firm (the (sector, site) table with the levers
        for every firm, ``newcomers`` for the rows with their own levers). Growth on the capacity
        trend, x ≤ g0·dt, intensifies the firm's own plot (亩均产值 and 投资强度 rise with the trend)
        and needs no land; inside a park only the growth above it, A·(e^(x − g0·dt) − 1) more units
        of scale, needs land at the park's intensity (``market.land_per_output`` × σπ per unit
        scale) from the park's free land; when the park's firms want more than is free, each gets
        the same share of its need (none free: x = g0·dt, I/K = δ + g0). The land taken is the
        firm's and leaves free land. Gross investment I/K·K·dt (K at the start of the period) is
        added to ``period`` by site. Returns the log growth of scale from investment over dt,
        x = (I/K − δ)·dt, per firm, and the sums of ``also``: further (index, weights, bins) totals
        over every row, taken in the same bincount (``sim.arrays.bincounts``)."""
        f = firms
        fx = f.index()
        key, site = fx["key"], fx["site"]
        cut, extra = policy.investment_terms()
        ik_sr = self.table(cut, extra, g0)
        x_sr = (ik_sr - self.delta[:, None]) * dt
        x = x_sr.ravel().take(key)
        free_x = g0 * dt  # growth on the trend: no new land
        own = self.newcomers(f, key, policy, cut, extra, g0, t)
        if own is not None:
            rows, ik_own = own
            x[rows] = (ik_own - self.delta[f.sector[rows]]) * dt
            grow_in_park = (x > free_x) & is_park[site]
        else:
            grow_in_park = ((x_sr > free_x) & is_park[None, :]).ravel().take(key)
        changed = [] if own is None else [own[0]]
        rows = grow_in_park.nonzero()[0]
        if rows.size:
            r = site[rows]
            S, R = market.pi_scale.shape
            per_output = (market.land_per_output(np.arange(S)[:, None], np.arange(R)[None, :])
                          * market.sigma[:, None] * market.pi_scale)  # ha per unit A
            need = per_output.ravel().take(key[rows]) * f.scale[rows] * np.expm1(x[rows] - free_x)
            R = len(is_park)
            need_r = np.bincount(r, weights=need, minlength=R)
            free = np.maximum(np.where(is_park, land.free, 0.0), 0.0)
            share_r = np.where(need_r > free, free / np.maximum(need_r, 1e-300), 1.0)
            share = share_r[r]
            taken = share * need
            f.land[rows] += taken
            land.free -= np.bincount(r, weights=taken, minlength=R)
            short = share < 1.0
            if short.any():
                g = rows[short]
                # g0·dt + ln(1 + share·(e^(x − g0·dt) − 1))
                x[g] = free_x + net_growth_gated(x[g] - free_x, 0.0, 1.0, share[short])
                changed.append(g)
        self.x, self.sector, self.dt = x, f.sector, dt
        # gross investment I/K·k_s·A·dt by site: the table's rate, then the rows with their own
        fac = ik_sr * self.k[:, None] * dt
        w = fac.ravel().take(key) * f.scale
        sums = bincounts([site] + [i for i, _, _ in also], [w] + [x for _, x, _ in also],
                         [self.R] + [n for _, _, n in also])
        self.period += sums[0]
        if changed:
            c = changed[0] if len(changed) == 1 else np.union1d(changed[0], changed[1])
            sec = f.sector[c]
            dik = self.delta[sec] + x[c] / dt - ik_sr.ravel().take(key[c])
            self.period += np.bincount(site[c], weights=dik * self.k[sec] * f.scale[c] * dt, minlength=self.R)
        return x, sums[1:]

    @property
    def ik(self) -> np.ndarray:
        """The last period's I/K per firm (per year, after land gating): δ_s + x/dt."""
        return self.delta[self.sector] + self.x / self.dt
