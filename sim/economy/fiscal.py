"""Local public revenue as pure array functions (MODEL.md §9.9): taxes of the modelled firms, the
general budget with its non-modelled residual, land-transfer revenue of the government-fund budget.

Units: money in 亿元; rates and shares unitless; land in ha; land prices in yuan/m².

* Local taxes of firm i of sector s, per year:
  VAT_i = s_v · τ_s · κ · VA_i and CIT_i = s_c · t · min(max(π_pre,i, 0), m_s · y_i),
  with τ_s the sector's statutory VAT rate, κ the VAT collection ratio (VAT collected per yuan of
  τ_s · VA: input VAT on capital goods is credited, exemptions, small-scale taxpayers), s_v, s_c the
  local (province + city) shares of VAT and income tax, t the income-tax rate, π_pre the model's
  pre-tax profit (operating profit − land rent − interest) and m_s the sector's accounting pre-tax
  margin on gross output y (利润总额 / 营业收入): the market block's operating profit y/σ is the
  return to a firm's unit of capital before depreciation and overheads, not taxable profit.
* General budget revenue (一般公共预算收入) of a city: B_c(t) = T_c(t) + R_c · GDP_c(t) / GDP_c(0),
  with T_c its modelled local taxes and R_c = max(B_c(2022) − T_c(0), 0) the residual calibrated
  to the published 2022 figure (non-modelled sectors, other taxes, non-tax revenue), growing with
  the city's nominal GDP.
* Land-transfer revenue (土地出让收入, government-fund budget) of a plot of a ha sold at price p with
  a land discount d: gross p · (1 − d) · a · 1e-4, cost c · p · a · 1e-4 (acquisition and servicing
  as a share c of the undiscounted price), net = gross − cost.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

YI_PER_HA_PER_YUAN_M2 = 1e4 / 1e8  # 1 yuan/m² over 1 ha = 1e4 yuan = 1e-4 亿元


class TaxRates(NamedTuple):
    """Per sector (S,): statutory VAT rate τ_s and accounting pre-tax margin m_s; scalars: VAT
    collection ratio κ, local shares s_v, s_c, income-tax rate t, land cost share c."""

    vat_rate: np.ndarray
    margin: np.ndarray
    vat_collection: float
    local_vat_share: float
    cit_rate: float
    local_cit_share: float
    land_cost_share: float


def tax_rates(vat_rate: np.ndarray, margin: np.ndarray, p, vat_collection: float,
              land_cost_share: float) -> TaxRates:
    """The :class:`TaxRates` of a run: sector rates and margins from the data, shares and the
    income-tax rate from the scenario parameters ``p``; ``p.vat_rate``, when set, replaces every
    sector's statutory rate (one uniform rate, as before the sector rates)."""
    tau = np.asarray(vat_rate, dtype=float)
    if getattr(p, "vat_rate", None) is not None:
        tau = np.full_like(tau, float(p.vat_rate))
    return TaxRates(tau, np.asarray(margin, dtype=float), float(vat_collection),
                    float(p.local_vat_share), float(p.cit_rate), float(p.local_cit_share),
                    float(land_cost_share))


def taxable_profit(pretax: np.ndarray, output: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Taxable profit (亿元/year) per firm: min(max(π_pre, 0), m · y); arguments per firm."""
    return np.minimum(np.maximum(pretax, 0.0), margin * output)


def local_taxes(va: np.ndarray, output: np.ndarray, pretax: np.ndarray, sector: np.ndarray,
                tax: TaxRates) -> tuple[np.ndarray, np.ndarray]:
    """(local VAT, local income tax) per firm in 亿元/year: s_v·τ_s·κ·VA and
    s_c·t·min(max(π_pre, 0), m_s·y). ``va``, ``output``, ``pretax`` (the firm's, i.e. per unit
    scale × scale) and ``sector`` are per firm."""
    vat = va * (tax.local_vat_share * tax.vat_collection * tax.vat_rate[sector])
    cit = taxable_profit(pretax, output, tax.margin[sector]) * (tax.local_cit_share * tax.cit_rate)
    return vat, cit


def budget_residual(published: np.ndarray, modelled: np.ndarray) -> np.ndarray:
    """R_c = max(B_c − T_c, 0) (亿元/year): the non-modelled part of the 2022 general budget
    revenue B_c (NaN where no figure is published: no residual, 0) above the modelled taxes T_c."""
    pub = np.asarray(published, dtype=float)
    return np.where(np.isnan(pub), 0.0, np.maximum(np.nan_to_num(pub) - modelled, 0.0))


def general_budget(taxes: np.ndarray, residual0: np.ndarray, gdp: np.ndarray,
                   gdp0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(B_c, residual_c) = (T_c + R_c·GDP_c/GDP0_c, R_c·GDP_c/GDP0_c), in the units of ``taxes``
    and ``residual0`` (both per year or both per period)."""
    res = residual0 * gdp / np.where(gdp0 > 0, gdp0, 1.0)
    return taxes + res, res


def land_sale(price: np.ndarray, land_ha: np.ndarray, discount: np.ndarray,
              cost_share: float) -> tuple[np.ndarray, np.ndarray]:
    """(gross, net) land-transfer revenue (亿元) of plots of ``land_ha`` sold at ``price``
    (yuan/m²) with land discounts ``discount`` (share): gross = p·(1 − d)·a·1e-4,
    net = gross − c·p·a·1e-4."""
    full = price * land_ha * YI_PER_HA_PER_YUAN_M2
    gross = full * (1.0 - discount)
    return gross, gross - cost_share * full
