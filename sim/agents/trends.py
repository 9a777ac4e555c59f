"""Exogenous trends of places: cumulative growth factors since the base period of income, wages,
population and land prices, from the data's trend rates and the scenario's dated ``trends``."""
from __future__ import annotations

import numpy as np

from ..dates import Schedule
from ..economy.trends import Schedules, shift_share_points
from ..scenario import check_trend_places


def income_schedules(data) -> list[Schedule]:
    """The data's income trend of every market, cities (cities.csv order) then origin regions: a city
    grows at its shift-share rate where its province has sector value added for two consecutive years
    (province_sectors.csv; ``sim.economy.trends.shift_share_points``), then at its long-run
    ``gdp_trend_growth``; an origin at its ``gdp_trend_growth``. A city's wage trend defaults to the
    same schedule (so the jobs trend L* = L0·f_income/f_wage stays L0)."""
    out = []
    for c in data.cities.rows:
        pts = shift_share_points((c["primary_pct"], c["secondary_pct"], c["tertiary_pct"]),
                                 data.province_sector_va(c["province"]), c["gdp_trend_growth"])
        out.append(Schedule(points=pts, before=pts[0][1]))
    return out + [Schedule.constant(o["gdp_trend_growth"]) for o in data.origins.rows]


class Trends:
    """``f_income[Q]``, ``f_wage[Q]``, ``f_pop[cities]``, ``f_land[R]``: factors since 2022 (1 at the
    base); ``s_*``: the dated schedules of their annual rates. ``income_growth`` and ``wage_growth``
    hold each market's data rate, a number or a dated ``Schedule`` (``income_schedules``)."""

    def __init__(self, trends, src: str, market_ids: list[str], city_ids: list[str],
                 income_growth: list, wage_growth: list, pop_growth: np.ndarray,
                 land_place: list[str], land_growth: np.ndarray) -> None:
        check_trend_places(trends, market_ids, city_ids, src)
        self.s_income = Schedules(trends.schedule("income_growth", q, g)
                                  for q, g in zip(market_ids, income_growth))
        self.s_wage = Schedules(trends.schedule("wage_growth", q, g)
                                for q, g in zip(market_ids, wage_growth))
        self.s_pop = Schedules(trends.schedule("population_growth", c, g)
                               for c, g in zip(city_ids, pop_growth))
        self.s_land = Schedules(trends.schedule("land_price_growth", pl, g)
                                for pl, g in zip(land_place, land_growth))
        self.f_income = np.ones(len(market_ids))
        self.f_wage = np.ones(len(market_ids))
        self.f_pop = np.ones(len(city_ids))
        self.f_land = np.ones(len(land_place))
        self.r_income = None

    def advance(self, t0: float, dt: float) -> None:
        """Grow every factor over the period [t0, t0 + dt) at the rates in force at t0:
        f ← f·(1 + g(t0))^dt. The income rates are kept in ``r_income`` (national drift)."""
        self.r_income = self.s_income.at(t0)
        self.f_income *= (1 + self.r_income) ** dt
        self.f_wage *= (1 + self.s_wage.at(t0)) ** dt
        self.f_pop *= (1 + self.s_pop.at(t0)) ** dt
        self.f_land *= (1 + self.s_land.at(t0)) ** dt
