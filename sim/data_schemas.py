"""What each ``scenarios/data/*.csv`` file may contain: the column parsers (range, unit, empty
allowed), the schema of every table, the sector parameters and national keys with their units and
bounds. ``sim.data`` reads the files against these and cross-checks the tables."""

from __future__ import annotations

import math
from collections.abc import Callable

SECTOR_PARAMS = {
    # name: (unit, lower bound, upper bound)
    "sigma": ("1", 1.05, 20.0),
    "mu": ("share of income", 1e-5, 1.0),
    "delta": ("1", 0.0, 10.0),
    "va_ratio": ("share", 0.01, 1.0),
    "jobs_per_yi": ("persons per 亿元", 0.0, 10000.0),
    "talent_share": ("share", 0.0, 1.0),
    "land_ha_per_yi": ("ha per 亿元", 0.0, 100.0),
    "capital_per_yi": ("亿元 per 亿元", 0.0, 20.0),
    "labour_cost_share": ("share", 0.0, 1.0),
    "energy_cost_share": ("share", 0.0, 1.0),
    "mean_firm_output": ("亿元", 1e-4, 1e4),
    "mobile": ("0/1", 0.0, 1.0),
    "tradable": ("0/1", 0.0, 1.0),
    "revision_rate": ("per year", 0.0, 1.0),
    "coastal_mobile_share": ("share", 0.0, 1.0),
    "industrial": ("0/1", 0.0, 1.0),   # secondary industry (1) or tertiary (0): which VA it splits
    "park_admits": ("0/1", 0.0, 1.0),  # parks admit it (if tradable and mobile) besides their leaders
    "vat_rate": ("share of value added (statutory VAT rate)", 0.0, 0.2),
    "profit_margin": ("share of gross output (accounting pre-tax margin)", 0.0, 1.0),
    "depreciation_rate": ("per year (share of fixed capital)", 0.0, 1.0),  # δ_s of the q-rule
    "adjustment_cost": ("years", 0.01, 1000.0),  # ψ_s of the q-rule: I/K = δ + (q − q0)/ψ + g0
}


# what the ``unit`` column of sector_params.csv may say for each parameter (a wrong unit, e.g. 万元
# where 亿元 is meant, is a mistake of a factor 1e4 that no range check would catch)
SECTOR_UNITS = {
    "sigma": r"^(unitless|1)\b", "delta": r"^(unitless|1)\b",
    "va_ratio": r"^(unitless|share)\b", "talent_share": r"^(unitless|share)\b",
    "labour_cost_share": r"^(unitless|share)\b", "energy_cost_share": r"^(unitless|share)\b",
    "mu": r"^share of (GDP|income)\b", "jobs_per_yi": r"^persons per 亿元",
    "land_ha_per_yi": r"^ha per 亿元", "capital_per_yi": r"^亿元( fixed capital)? per 亿元",
    "mean_firm_output": r"^亿元( |$)", "mobile": r"^0/1$", "tradable": r"^0/1$",
    "revision_rate": r"^(share of firms )?per year$", "coastal_mobile_share": r"^share\b",
    "industrial": r"^0/1$", "park_admits": r"^0/1$",
    "vat_rate": r"^(unitless|share)\b", "profit_margin": r"^(unitless|share)\b",
    "depreciation_rate": r"^per year\b", "adjustment_cost": r"^years\b",
}


def _num(lo: float | None = None, hi: float | None = None, *, allow_empty: bool = False,
         unit: str = "") -> Callable[[str], float | None]:
    def parse(text: str) -> float | None:
        t = text.strip()
        if t == "" and allow_empty:
            return None
        try:
            x = float(t)
        except ValueError:
            raise ValueError(_expect(lo, hi, unit)) from None
        if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
            raise ValueError(_expect(lo, hi, unit))
        return x
    return parse


def _expect(lo: float | None, hi: float | None, unit: str) -> str:
    rng = ""
    if lo is not None and hi is not None:
        rng = f" between {lo:g} and {hi:g}"
    elif lo is not None:
        rng = f" >= {lo:g}"
    u = f" ({unit})" if unit else ""
    return f"a finite number{rng}{u}"


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes"):
        return True
    if t in ("0", "false", "no"):
        return False
    raise ValueError("true/false or 1/0")


def _text(text: str) -> str:
    t = text.strip()
    if not t:
        raise ValueError("a non-empty text")
    return t


def _any(text: str) -> str:
    return text.strip()


SRC = {"source": _text, "estimate": _bool}

CITY_SCHEMA = {
    "id": _text, "name_en": _any, "province": _any, "node": _text,
    "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"),
    "gdp_2022_yi": _num(0.001, 1e7, unit="亿元"), "population_2022_wan": _num(0.001, 1e5, unit="万人"),
    "primary_pct": _num(0, 100, unit="%"), "secondary_pct": _num(0, 100, unit="%"),
    "tertiary_pct": _num(0, 100, unit="%"), "wage_2022_yuan": _num(1000, 1e7, unit="yuan/year"),
    "power_price_yuan_kwh": _num(0.01, 10, unit="yuan/kWh"),
    "gdp_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "population_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "jxn_zone": _bool, "six_city": _bool, "secondary_va_sourced": _bool, **SRC,
}
ORIGIN_SCHEMA = {
    "id": _text, "name_en": _any, "node": _text,
    "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"),
    "gdp_2022_yi": _num(0.001, 1e8, unit="亿元"), "gdp_low_yi": _num(0, 1e8, unit="亿元"),
    "gdp_high_yi": _num(0, 1e8, unit="亿元"),
    "wage_2022_yuan": _num(1000, 1e7, unit="yuan/year"), "wage_low_yuan": _num(0, 1e7),
    "wage_high_yuan": _num(0, 1e7),
    "land_price_yuan_m2": _num(0.01, 1e6, unit="yuan/m²"), "land_price_low_yuan_m2": _num(0, 1e6),
    "land_price_high_yuan_m2": _num(0, 1e6),
    "power_price_yuan_kwh": _num(0.01, 10, unit="yuan/kWh"),
    "gdp_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "wage_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "land_price_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "has_firms": _bool, **SRC,
}
SECTOR_PARAM_SCHEMA = {"sector": _text, "param": _text, "value": _num(), "unit": _any, **SRC}
CITY_SECTOR_SCHEMA = {"city": _text, "sector": _text, "share": _num(0, 1, unit="share"), **SRC}
CITY_TOURISM_SCHEMA = {"city": _text, "tourism_share_of_tertiary": _num(0, 1, unit="share"), **SRC}
PARK_SCHEMA = {
    "id": _text, "name_zh": _text, "city": _text, "node": _text, "level": _any,
    "capacity_ha": _num(0, 1e6, unit="ha"), "capacity_estimate": _bool,
    "occupancy_2022": _num(0, 1, unit="share of capacity"), "leading_sectors": _any,
    "land_price_yuan_m2": _num(0.01, 1e6, unit="yuan/m²"), **SRC,
}
NODE_SCHEMA = {"id": _text, "name_en": _any, "kind": _text, "city": _any,
               "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"), **SRC}
LINK_SCHEMA = {"from": _text, "to": _text, "mode": _text, "minutes": _num(0.1, 1e5, unit="minutes"),
               "opened": _any, **SRC}
# national.csv: key -> (unit, lower bound, upper bound); every key is required
NATIONAL_KEYS = {
    "wage_reference_yuan": ("yuan per person-year", 1e3, 1e7),
    "power_price_reference_yuan_kwh": ("yuan per kWh", 0.01, 10.0),
    "park_share_of_city_firms": ("share", 0.0, 1.0),
    "leading_sector_park_weight": ("ratio", 0.01, 100.0),
    "park_land_price_growth": ("per year", -0.5, 0.5),
    "outside_park_land_price_ratio": ("ratio", 0.01, 100.0),
    "default_land_price_yuan_m2": ("yuan/m²", 1.0, 1e5),
    "study_area_investment_share": ("share", 1e-5, 0.5),
    "project_duration_share_intention": ("share", 0.0, 1.0),
    "project_duration_share_signed": ("share", 0.0, 1.0),
    "project_duration_share_started": ("share", 0.0, 1.0),
    "project_dropout_share_intention": ("share", 0.0, 1.0),
    "project_dropout_share_signed": ("share", 0.0, 1.0),
    "project_dropout_share_started": ("share", 0.0, 1.0),
    "vat_collection_ratio": ("ratio", 0.0, 2.0),
    "land_cost_share": ("share of the land price", 0.0, 5.0),
    "ramp_start_share": ("share", 0.01, 1.0),
    "ramp_years": ("years", 0.0, 20.0),
    "financing_rate": ("per year", 0.0, 0.5),  # r_f of the user cost of capital (1-year LPR)
    "route_factor": ("road km per great-circle km", 1.0, 3.0),  # ρ: detour index (sim.geography)
    "road_speed_kmh": ("km/h", 10.0, 130.0),  # v: typical road speed inside a city (sim.geography)
}
INVESTOR_SCHEMA = {"origin": _text, "share": _num(0.0, 1.0, unit="share"), **SRC}
NATIONAL_SCHEMA = {"key": _text, "value": _num(), "unit": _text, **SRC}
# prices.csv (optional; none: no inflation): a deflator's growth in ``year`` over the year before, by
# city, province (cities.csv ``province``) or ``default``; with both GDPs and the real growth the
# growth is (gdp / gdp_prev) / (1 + real_growth) − 1 and the file's value must agree
PRICE_SCHEMA = {"place": _text, "year": _num(2000, 2100, unit="year"),
                "gdp_prev_yi": _num(0.001, 1e8, allow_empty=True, unit="亿元"),
                "gdp_yi": _num(0.001, 1e8, allow_empty=True, unit="亿元"),
                "real_growth": _num(-0.5, 0.5, allow_empty=True, unit="per year"),
                "deflator_growth": _num(-0.5, 0.5, unit="per year"), **SRC}
# province_sectors.csv (optional; none: the cities' income trends are their constant gdp_trend_growth):
# each province's value added by sector (亿元, current prices) per year, for the shift-share trend
# (docs/model.md §Trends); ``province`` is a province of cities.csv, the sectors add up to gdp_yi
PROVINCE_SECTOR_SCHEMA = {"province": _text, "year": _num(2000, 2100, unit="year"),
                          "gdp_yi": _num(0.001, 1e8, unit="亿元"),
                          "primary_yi": _num(0.0, 1e8, unit="亿元"),
                          "secondary_yi": _num(0.0, 1e8, unit="亿元"),
                          "tertiary_yi": _num(0.0, 1e8, unit="亿元"), **SRC}
# budget.csv (optional; a city without a row has no residual): published 2022 一般公共预算收入
BUDGET_SCHEMA = {"city": _text, "general_budget_revenue_2022_yi": _num(0.0, 1e6, unit="亿元/year"), **SRC}
PROJECT_SCHEMA = {"id": _text, "name_zh": _text, "from": _text, "to": _text, "mode": _text,
                  "minutes_after": _num(0.1, 1e5, unit="minutes"), "completion": _text, **SRC}
# project_costs.csv: one row per transport project: its public investment and who pays it
PROJECT_COST_SCHEMA = {"id": _text, "name_zh": _any, "length_km": _num(0, 1e5, unit="km"),
                       "investment_yi": _num(0, 1e5, unit="亿元"),
                       "build_years": _num(0.25, 30, unit="years"),
                       "central_share": _num(0, 1, unit="share"), "province_share": _num(0, 1, unit="share"),
                       "city_share": _num(0, 1, unit="share"), "city_payers": _any, **SRC}
# modes.csv: each transport mode of links.csv / projects.csv, the network its links belong to (road,
# or rail with the rail access time) and whether goods move on it (freight times -> trade freeness)
MODE_SCHEMA = {"mode": _text, "network": _text, "freight": _bool, "description": _any, **SRC}
NETWORKS = ("road", "rail")
