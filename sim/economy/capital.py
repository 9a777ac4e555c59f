"""Capital and investment of incumbent firms (MODEL.md §9.1, §9.6): pure array functions.

A firm owns K_i = k_s·A_i 亿元 of fixed capital: A_i its scale, k_s 亿元 per unit of scale. It invests
by a q-rule on operating returns, per year:

    q_i   = N_i / u_i,     N_i = (π_sr − ℓ_sr)·(1 − t) + n_i       (亿元/year per unit scale)
    u_i   = (r_i + δ_s)·k_s·(1 + w_sr),   r_i = max(r_f − f_i, 0)  (亿元/year per unit scale)
    I/K_i = max(0, δ_s + (q_i − q0_sr)/ψ_s + g0)                   (per year)

π − ℓ: operating profit less land rent, before interest (finance costs are in the user cost, not
here: counting i·k in N as well would count the cost of finance twice); t the corporate income tax
rate; n_i the per-unit non-finance levers the firm receives (after tax); f_i the finance levers'
cut of its financing rate (interest subsidy in points, a guarantee's spread saved), which enter
only here, once; r_f the financing rate (national.csv ``financing_rate``); δ_s depreciation; ψ_s the
adjustment cost (years); g0 the trend's capacity growth (continuous rate, 0 with trends frozen).
The wedge 1 + w_sr is calibrated at the base state (no levers) so that base q = q0 = 1: the base
year is on its balanced path (I/K = δ + g0). Scale then moves by (I/K − δ)·dt in logs, besides the
Gibrat shocks (``sim.agents.growth``).
"""
from __future__ import annotations

import numpy as np


def capital_per_scale(capital_per_output: np.ndarray, output: np.ndarray, scale: np.ndarray,
                      sector: np.ndarray, S: int) -> np.ndarray:
    """k_s (亿元 of fixed capital per unit of scale) = (capital / output)_s (data: 亿元 per 亿元 of
    annual gross output) × the sector's base output per unit scale Σ y_i / Σ A_i, so that the base
    year's capital of each sector is its capital–output ratio × its base output. One number per
    sector, not per site: a mover keeps its capital (K = k_s·A does not change with the site)."""
    y = np.bincount(sector, weights=output, minlength=S)
    a = np.bincount(sector, weights=scale, minlength=S)
    return capital_per_output * np.where(a > 0, y / np.maximum(a, 1e-300), 0.0)


def operating_return(pi_scale: np.ndarray, land_rent: np.ndarray, cit_rate: float) -> np.ndarray:
    """N_sr = (π − ℓ)·(1 − t): operating profit per unit scale net of land rent, after corporate
    tax, before finance costs (亿元/year per unit scale). Shapes (S, R)."""
    return (pi_scale - land_rent) * (1.0 - cit_rate)


def user_cost_factor(rate, depreciation, k_scale, wedge1):
    """u = (r + δ)·k·(1 + w) (亿元/year per unit scale); broadcasting numpy arrays or floats."""
    return (rate + depreciation) * k_scale * wedge1


def calibrate_wedge(n0: np.ndarray, financing_rate: float, depreciation: np.ndarray,
                    k_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed form at the base state (no levers): 1 + w_sr = N0_sr / ((r_f + δ_s)·k_s), so base
    q = q0 = 1. Where N0 ≤ 0 or k_s = 0 (no wedge makes a positive user cost) 1 + w = 1 and q0 is
    the base q itself (N0/u0, ≤ 0 or 0): the base state is still on its path there. Returns
    ``(wedge1, q0)``, shapes (S, R)."""
    u0 = user_cost_factor(financing_rate, depreciation, k_scale, 1.0)[:, None] * np.ones_like(n0)
    ok = (n0 > 0) & (u0 > 0)
    wedge1 = np.where(ok, n0 / np.where(ok, u0, 1.0), 1.0)
    q0 = np.where(ok, 1.0, np.where(u0 > 0, n0 / np.where(u0 > 0, u0, 1.0), 0.0))
    return wedge1, q0


def investment_rate(q, q0, depreciation, adjustment_cost, g0):
    """I/K = max(0, δ + (q − q0)/ψ + g0) per year: no negative gross investment."""
    return np.maximum(depreciation + (q - q0) / adjustment_cost + g0, 0.0)


def trend_capacity_growth(gbar: float) -> float:
    """g0 = ln(1 + ḡ): the trend's capacity growth as a continuous rate, so that on the balanced path
    scale grows by (1 + ḡ)^dt a period, as the Gibrat drift of the model before investment did."""
    return float(np.log1p(gbar))


def net_growth_gated(ik: np.ndarray, depreciation: np.ndarray, dt: float, share: np.ndarray) -> np.ndarray:
    """Log growth over dt of capital from investment, when only ``share`` ∈ [0, 1] of the wanted net
    expansion A·(e^((I/K − δ)·dt) − 1) > 0 finds land: ln(1 + share·(e^((I/K − δ)·dt) − 1)).
    share = 1 is (I/K − δ)·dt; share = 0 stops investment at replacement (I/K = δ)."""
    x = (ik - depreciation) * dt
    return np.where(share >= 1.0, x, np.log1p(share * np.expm1(x)))
