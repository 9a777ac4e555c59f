"""The CES / footloose-capital market block: pure functions on arrays (MODEL.md §3).

For one sector with elasticity σ and expenditure share μ, markets q with income E_q (亿元/year) and
freeness of trade φ_rq = τ_rq^(1−σ) between production sites r and markets q:

    Δ_q   = Σ_j A_j g_r(j) φ_r(j)q + X_q          market crowding in q (X_q: non-modelled producers)
    MP_r  = Σ_q φ_rq E_q / Δ_q                     market potential of site r
    π_i   = (μ/σ) · A_i · g_r · MP_r               operating profit of firm i at r (亿元/year)
    y_i   = σ · π_i                                its sales = gross output (亿元/year)

with A_i = k_i z_i^(σ−1) the firm's scale (capital times productivity) and g_r = c_r^(1−σ) the
site's unit-cost factor (wages, power, marginal-cost subsidies). This is the multi-region FC model
of Martin & Rogers (1995) and Baldwin et al. (2003, ch. 3) with heterogeneous firms (Baldwin &
Okubo 2006). Owners' profits are spent where the owners live (repatriated), so relocation moves
production, not expenditure. The tests pin these functions against the closed forms.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def freeness_from_time(minutes: np.ndarray, delta: float, internal_minutes) -> np.ndarray:
    """Gravity-consistent freeness from site r to market q, normalised by the market's own
    internal travel time t₀_q (minutes; a number, or an array (Q,) along the last axis):

        φ_rq = (max(t_rq, t₀_q) / t₀_q)^(−δ)   ≤ 1, and = 1 inside the market (t_qq = 0).

    Disdier & Head (2008): trade falls with distance with elasticity about −0.9. The reference is
    the destination's own internal time (docs/model.md §Market block): selling into q costs at
    least a trip across q, which q's own firms pay too, so only the time beyond it is a trade cost.
    A compact city's own firms are sheltered more (an outside seller's trip is long against its
    short internal trips); in a large city a seller from a neighbour 85 minutes away is as close as
    the city's own average buyer. A factor common to every seller into q (a common reference time
    instead of t₀_q) would cancel in q's CES shares except against the non-modelled producers X_q.
    """
    t0 = np.asarray(internal_minutes, dtype=float)
    t = np.maximum(np.asarray(minutes, dtype=float), t0)
    return (t / t0) ** (-float(delta))


def sector_freeness(minutes: np.ndarray, deltas: np.ndarray, internal_minutes,
                    phi: float | None, site_market: np.ndarray) -> np.ndarray:
    """Freeness φ[s, r, q] of every sector from travel times ``minutes[r, q]`` (site r to market q;
    or ``minutes[s, r, q]``, each sector's own times: freight or passenger, ``sim.geography``):
    :func:`freeness_from_time` with the sector's δ_s and the markets' internal times
    ``internal_minutes`` (a number or (Q,), minutes), or, when ``phi`` is given (theory cases), 1
    inside a site's own market and ``phi`` between markets."""
    minutes = np.asarray(minutes)
    R, Q = minutes.shape[-2:]
    out = np.empty((len(deltas), R, Q))
    for s, delta in enumerate(deltas):
        if phi is not None:
            out[s] = np.where(site_market[:, None] == np.arange(Q)[None, :], 1.0, phi)
        else:
            out[s] = freeness_from_time(minutes[s] if minutes.ndim == 3 else minutes, delta,
                                        internal_minutes)
    return out


def tau_from_phi(phi: np.ndarray, sigma: float) -> np.ndarray:
    """Iceberg cost τ ≥ 1 from freeness: φ = τ^(1−σ)."""
    return np.asarray(phi, dtype=float) ** (1.0 / (1.0 - sigma))


def cost_factor(unit_cost: np.ndarray, sigma) -> np.ndarray:
    """g = c^(1−σ): the site's weight in demand for a given relative marginal cost c (σ a number,
    or an array broadcast against c)."""
    return np.asarray(unit_cost, dtype=float) ** (1.0 - sigma)


def crowding(supply: np.ndarray, phi: np.ndarray, external: np.ndarray) -> np.ndarray:
    """Δ_q = Σ_r supply_r φ_rq + X_q, with supply_r = Σ_{i at r} A_i g_r. Shapes (R,), (R,Q), (Q,)."""
    return supply @ phi + external


def market_potential(phi: np.ndarray, income: np.ndarray, delta_q: np.ndarray) -> np.ndarray:
    """MP_r = Σ_q φ_rq E_q / Δ_q. Shapes (R,Q), (Q,), (Q,) -> (R,)."""
    return phi @ (income / delta_q)


def profit_per_scale(mu: float, sigma: float, g: np.ndarray, mp: np.ndarray) -> np.ndarray:
    """Operating profit per unit of firm scale A at each site: (μ/σ) g_r MP_r (亿元/year)."""
    return (mu / sigma) * g * mp


def site_profits(mu: float, sigma: float, supply: np.ndarray, g: np.ndarray, phi: np.ndarray,
                 income: np.ndarray, external: np.ndarray) -> np.ndarray:
    """Operating profit per unit of scale at every site given the supply at every site.

    This is the function the model's step calls (via :func:`crowding` and :func:`market_potential`);
    the closed-form tests call it too.
    """
    d = crowding(supply, phi, external)
    return profit_per_scale(mu, sigma, g, market_potential(phi, income, d))


def site_profits_all(mu: np.ndarray, sigma: np.ndarray, supply: np.ndarray, g: np.ndarray,
                     phi: np.ndarray, income: np.ndarray, external: np.ndarray) -> np.ndarray:
    """:func:`site_profits` for every sector at once: shapes (S,), (S,), (S,R), (S,R), (S,R,Q),
    (S,Q) or (Q,), (S,Q) -> (S,R). Stacked ``matmul`` runs the same BLAS matrix-vector product
    per sector as the sector-by-sector calls, so the numbers are the same bit for bit
    (tests/test_perf_internals.py); the model's step calls this one."""
    income = np.broadcast_to(income, external.shape)
    d = np.matmul(supply[:, None, :], phi)[:, 0, :] + external            # crowding Δ_s,q
    mp = np.matmul(phi, (income / d)[:, :, None])[:, :, 0]                # market potential
    return (mu / sigma)[:, None] * g * mp


def calibrate_supply(target_sales: np.ndarray, mu: float, phi: np.ndarray, income: np.ndarray,
                     external: np.ndarray, g: np.ndarray | None = None, tol: float = 1e-11,
                     max_iter: int = 10000) -> np.ndarray:
    """Supply S_r = Σ A_i g_r that makes each site's sales equal ``target_sales`` (亿元/year).

    Sales_r = μ S_r MP_r(S). Fixed-point iteration S ← Y / (μ MP(S)); since MP falls as S rises the
    iteration is a contraction when modelled firms are a minority of each market.
    """
    y = np.asarray(target_sales, dtype=float)
    s = y / (mu * market_potential(phi, income, external))
    for _ in range(max_iter):
        mp = market_potential(phi, income, crowding(s, phi, external))
        s_new = np.where(y > 0, y / (mu * mp), 0.0)
        if np.max(np.abs(s_new - s) / np.maximum(s_new, 1e-300)) < tol:
            return s_new
        s = 0.5 * s + 0.5 * s_new
    raise RuntimeError("market calibration did not converge: modelled supply exceeds demand")


# ---------------------------------------------------------------------------------------------
# Two-region special case (Baldwin et al. 2003, ch. 3)
# ---------------------------------------------------------------------------------------------


def two_region_profits(s_n: float, s_e: float, phi: float, sigma: float = 4.0, mu: float = 0.4,
                       rho: float = 1.0, cost_subsidy: float = 0.0, total_income: float = 1.0,
                       n_firms: float = 1.0) -> tuple[float, float]:
    """Operating profits per firm in N and S from the model's own market block.

    ``rho`` scales N's profit (profit-tax rebate); ``cost_subsidy`` c cuts N's marginal cost to
    (1 − c) times S's. Identical firms of unit scale; no external crowding.
    """
    phi_m = np.array([[1.0, phi], [phi, 1.0]])
    income = total_income * np.array([s_e, 1.0 - s_e])
    g = cost_factor(np.array([1.0 - cost_subsidy, 1.0]), sigma)
    supply = n_firms * np.array([s_n, 1.0 - s_n]) * g
    pi = site_profits(mu, sigma, supply, g, phi_m, income, np.zeros(2))
    return float(rho * pi[0]), float(pi[1])


def equal_profit_share(s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                       lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """The share of firms in N at which the model's profit function gives equal profits.

    Solved numerically on :func:`two_region_profits`; corner solutions are returned as 0 or 1.
    ``lump_sum`` adds S·π̄ per N firm (π̄ = average operating profit per firm).
    """

    def gap(s: float) -> float:
        pn, ps = two_region_profits(s, s_e, phi, sigma, rho=1.0, cost_subsidy=cost_subsidy)
        pbar = s * pn + (1 - s) * ps
        return rho * pn + lump_sum * pbar - ps

    eps = 1e-12
    lo, hi = gap(eps), gap(1 - eps)
    if lo < 0 and hi < 0:
        return 0.0
    if lo > 0 and hi > 0:
        return 1.0
    return float(brentq(gap, eps, 1 - eps, xtol=1e-14))


def home_market_share(s_e: float, phi: float) -> float:
    """Closed form: s_n = 1/2 + (1+φ)/(1−φ)·(s_E − 1/2), clipped to [0, 1]."""
    return float(np.clip(0.5 + (1 + phi) / (1 - phi) * (s_e - 0.5), 0.0, 1.0))
