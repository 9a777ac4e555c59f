"""Closed forms of the two-region special cases (Baldwin et al. 2003, ch. 3 and 4), computed from
:mod:`sim.market`'s own profit functions where possible: the home-market effect with levers, the
logit fixed point and its convergence factor, the footloose-entrepreneur break point, the real-profit
gap (wiggle diagram) and its mean-field dynamics. Pure functions of numbers; no model is built.
Shares are unitless; profits are in units of the mean operating profit per firm π̄."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from ..economy import market


def fc_lever_share(s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                   lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """Long-run share of firms in N in the two-region FC model with levers in N (closed form).

    Profits per firm in units of the mean operating profit π̄ = μE^w/(σK) (X = 0):
    π_N = g(A + φB), π_S = φA + B, A = s_E/Δ_N, B = (1−s_E)/Δ_S, Δ_N = gs + φ(1−s),
    Δ_S = gφs + 1 − s, g = (1−c)^(1−σ). Equilibrium ρπ_N + S = π_S is the quadratic
    S(g−φ)(gφ−1)s² + [a s_E(gφ−1) + S(φ(gφ−1) + g − φ) − b(1−s_E)(g−φ)]s
    + [a s_E + Sφ − bφ(1−s_E)] = 0 with a = ρg − φ, b = 1 − ρgφ (docs/validation.md);
    corner solutions 0 or 1 when the gap has one sign on [0, 1].
    """
    g = (1.0 - cost_subsidy) ** (1.0 - sigma)
    a, b, S = rho * g - phi, 1.0 - rho * g * phi, lump_sum

    def gap(s: float) -> float:  # (ρπ_N + S − π_S) / π̄
        dn, ds = g * s + phi * (1 - s), g * phi * s + 1 - s
        return a * s_e / dn + S - b * (1 - s_e) / ds

    if gap(0.0) <= 0:
        return 0.0
    if gap(1.0) >= 0:
        return 1.0
    c2 = S * (g - phi) * (g * phi - 1)
    c1 = a * s_e * (g * phi - 1) + S * (phi * (g * phi - 1) + g - phi) - b * (1 - s_e) * (g - phi)
    c0 = a * s_e + S * phi - b * phi * (1 - s_e)
    if abs(c2) < 1e-14:
        roots = [-c0 / c1]
    else:
        disc = math.sqrt(max(c1 * c1 - 4 * c2 * c0, 0.0))
        roots = [(-c1 + disc) / (2 * c2), (-c1 - disc) / (2 * c2)]
    inside = [r for r in roots if -1e-12 <= r <= 1 + 1e-12]
    return float(min(max(inside[0], 0.0), 1.0))


def fc_profit_gap(s: float, s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                  lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """(π_N after policy − π_S)/π̄ at share s, from the model's own profit function
    (:func:`market.two_region_profits`); π̄ is the mean operating profit per firm."""
    pn, ps = market.two_region_profits(s, s_e, phi, sigma, rho=1.0, cost_subsidy=cost_subsidy)
    pbar = s * pn + (1 - s) * ps
    return (rho * pn + lump_sum * pbar - ps) / pbar


def logistic(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * x))


def fc_logit_fixed_point(beta: float, s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                         lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """s = Λ(β·(π_N − π_S)/π̄): unique because the gap falls with s in the FC model. Solved in
    log-odds x = ln(s/(1−s)) so that shares within 1e-17 of a corner are still resolved."""
    def f(x: float) -> float:
        s = logistic(x)
        return x - beta * fc_profit_gap(s, s_e, phi, sigma, rho, lump_sum, cost_subsidy)
    lo, hi = -40.0, 40.0
    if f(hi) < 0:
        return 1.0
    if f(lo) > 0:
        return 0.0
    return logistic(float(brentq(f, lo, hi, xtol=1e-12)))


def fc_convergence_factor(beta: float, theta: float, s: float, s_e: float, phi: float,
                          sigma: float = 4.0, rho: float = 1.0, lump_sum: float = 0.0,
                          cost_subsidy: float = 0.0) -> float:
    """θ(1 − dΛ/ds) at s: the mean-field map s' = (1−θ)s + θΛ converges without oscillation
    when this is below 1 (and at all when below 2)."""
    h = 1e-6
    lam = [logistic(beta * fc_profit_gap(x, s_e, phi, sigma, rho, lump_sum, cost_subsidy))
           for x in (s - h, s + h)]
    return theta * (1 - (lam[1] - lam[0]) / (2 * h))


def fe_break_point(sigma: float, mu: float) -> float:
    """φ_B = (σ−μ)(σ−1−μ)/((σ+μ)(σ−1+μ)) (Forslid & Ottaviano 2003; Baldwin et al. ch. 4)."""
    return (sigma - mu) * (sigma - 1 - mu) / ((sigma + mu) * (sigma - 1 + mu))


def fe_state(s: float, phi: float, sigma: float, mu: float, labour: float = 1.0):
    """Incomes E_r = L/2 + profits at r, profits per firm π_r and crowding Δ_r at share s.

    One unit-scale firm mass split s : 1−s; π = (μ/σ)·Σ_q φ_rq E_q/Δ_q is linear in E, so E
    solves a 2×2 linear system."""
    P = np.array([[1.0, phi], [phi, 1.0]])
    n = np.array([s, 1.0 - s])
    d = n @ P
    b = mu / sigma
    M = np.eye(2) - b * np.diag(n) @ P @ np.diag(1 / d)
    e = np.linalg.solve(M, np.full(2, labour / 2))
    pi = b * P @ (e / d)
    return e, pi, d


def fe_gap(s: float, phi: float, sigma: float, mu: float, s_base: float = 0.5) -> float:
    """(ω_N − ω_S)/π̄ with ω_r = π_r·Δ_r^(μ/(σ−1))/D̄, the real profit the model's
    ``cost_of_living`` switch uses (D̄: income-weighted mean of Δ^(μ/(σ−1)) in logs at the base
    state ``s_base``; one number for both regions)."""
    _, pi, d = fe_state(s, phi, sigma, mu)
    e0, _, d0 = fe_state(s_base, phi, sigma, mu)
    k = mu / (sigma - 1)
    w = pi * np.exp(k * np.log(d) - np.average(k * np.log(d0), weights=e0))
    pbar = s * pi[0] + (1 - s) * pi[1]
    return float((w[0] - w[1]) / pbar)


def fe_symmetric_slope(phi: float, sigma: float, mu: float) -> float:
    """d[(ω_N − ω_S)/π̄]/ds at s = 1/2: negative below φ_B (symmetry stable), positive above."""
    h = 1e-6
    return (fe_gap(0.5 + h, phi, sigma, mu) - fe_gap(0.5 - h, phi, sigma, mu)) / (2 * h)


def fe_mean_field(beta: float, theta: float, steps: int, s0: float, phi: float, sigma: float,
                  mu: float) -> float:
    """Share after ``steps`` of the mean-field map s' = (1−θ)s + θΛ(β·gap(s)) from s0."""
    s = s0
    for _ in range(steps):
        s = (1 - theta) * s + theta * logistic(beta * fe_gap(s, phi, sigma, mu, s0))
    return float(s)
