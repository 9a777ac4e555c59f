"""Per-unit-scale profit components at every (sector, site), land need and unit costs (MODEL.md §3-4).

Units: operating profit π per unit of firm scale in 亿元/year; output y = σπ (亿元/year); land
prices in yuan/m², land in ha; capital in 亿元.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

YI_PER_HA_PER_YUAN_M2 = 1e4 / 1e8  # 1 yuan/m² over 1 ha = 1e4 yuan = 1e-4 亿元


class ProfitComponents(NamedTuple):
    """Per unit scale at every (sector, site): output y = σπ, annual land rent ℓ, capital k and
    pre-tax profit π − ℓ − i·k (all 亿元/year, k in 亿元)."""

    y: np.ndarray
    land: np.ndarray
    cap: np.ndarray
    pretax: np.ndarray


def components(pi_scale: np.ndarray, sigma: np.ndarray, land_price: np.ndarray, land_int: np.ndarray,
               capital_per: np.ndarray, land_rent_rate: float, interest_rate: float) -> ProfitComponents:
    """y = σ_s π_sr; ℓ = p_r · 1e-4 · rent rate · land intensity_s · y (p in yuan/m², intensity in
    ha per 亿元 of output); k = capital per 亿元 of output × y; pre-tax = π − ℓ − i·k.
    Shapes: pi_scale (S, R); sigma, land_int, capital_per (S,); land_price (R,)."""
    y = sigma[:, None] * pi_scale
    land = (land_price[None, :] * YI_PER_HA_PER_YUAN_M2 * land_rent_rate
            * land_int[:, None] * y)
    cap = capital_per[:, None] * y
    pretax = pi_scale - land - interest_rate * cap
    return ProfitComponents(y, land, cap, pretax)


def net_profit(c: ProfitComponents, cit_rate: float) -> np.ndarray:
    """π_net per unit scale before levers: pre-tax profit × (1 − t). Cost levers are already in π
    (through marginal cost); the others are added as choice terms by the policy runtime."""
    return c.pretax * (1 - cit_rate)


def land_need(land_int: np.ndarray, sigma: np.ndarray, pi_scale: np.ndarray, scale: np.ndarray,
              in_park: np.ndarray) -> np.ndarray:
    """Park land (ha) a firm needs at a site: land intensity (ha per 亿元) × its output there
    (σ π A, 亿元/year); 0 off parks. Arguments are per firm (gathered by the caller)."""
    return np.where(in_park, land_int * sigma * pi_scale * scale, 0.0)


def unit_cost(wage: np.ndarray, power: np.ndarray, labour_share: np.ndarray,
              energy_share: np.ndarray, wage_ref: float, power_ref: float) -> np.ndarray:
    """Relative marginal cost c[s, r] = (w_r / w_ref)^labour_s × (p_r / p_ref)^energy_s before cost
    levers (w yuan per person-year, p yuan/kWh; w_ref, p_ref: national.csv). Shapes (R,), (S,)."""
    w = wage / wage_ref
    pw = power / power_ref
    return w[None, :] ** labour_share[:, None] * pw[None, :] ** energy_share[:, None]


def move_cost_base(site_market: np.ndarray, dist_km: np.ndarray, fixed: float, within_city_share: float,
                   per_1000km: float) -> np.ndarray:
    """Moving cost from site r0 (row) to r in years of operating profit: a fixed part (a share of it
    for a move inside one city: workforce and suppliers stay) plus a part per 1000 km."""
    same = site_market[:, None] == site_market[None, :]
    return np.where(same, within_city_share, 1.0) * fixed + per_1000km * dist_km / 1000.0
