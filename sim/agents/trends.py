"""Exogenous trends of places: cumulative growth factors since the base period of income, wages,
population and land prices, from the data's trend rates and the scenario's dated ``trends``."""
from __future__ import annotations

import numpy as np

from ..economy.trends import Schedules
from ..scenario import check_trend_places


class Trends:
    """``f_income[Q]``, ``f_wage[Q]``, ``f_pop[cities]``, ``f_land[R]``: factors since 2022 (1 at the
    base); ``s_*``: the dated schedules of their annual rates."""

    def __init__(self, trends, src: str, market_ids: list[str], city_ids: list[str],
                 income_growth: np.ndarray, wage_growth: np.ndarray, pop_growth: np.ndarray,
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
