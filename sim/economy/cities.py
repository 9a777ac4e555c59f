"""City accounts each period: GDP, population and wages (MODEL.md §5), for all cities at once."""
from __future__ import annotations

import numpy as np


def city_gdp(nonmodelled0: np.ndarray, f_income: np.ndarray, va: np.ndarray, va0: np.ndarray,
             local_multiplier: float) -> np.ndarray:
    """GDP_c = N_c·f_c + VA_c + m·(VA_c − VA0_c·f_c) (亿元/year): non-modelled GDP on its trend
    f_c, modelled value added, and a local multiplier m on modelled VA's deviation from its trend."""
    return nonmodelled0 * f_income + va + local_multiplier * (va - va0 * f_income)


def city_population(pop0: np.ndarray, f_pop: np.ndarray, retained: np.ndarray, jobs: np.ndarray,
                    jobs0: np.ndarray, migration_per_job: float) -> tuple[np.ndarray, np.ndarray]:
    """(population, its trend) in 万人: trend P0·f plus persons kept by retention levers, plus
    migration m per job gained since the base, floored at 0."""
    trend = pop0 * f_pop + retained / 1e4
    pop = np.maximum(trend + migration_per_job * (jobs - jobs0) / 1e4, 0.0)
    return pop, trend


def city_wage(wage0: np.ndarray, f_wage: np.ndarray, jobs: np.ndarray, jobs0: np.ndarray,
              pop: np.ndarray, pop_trend: np.ndarray, elasticity: float,
              labour_market: bool) -> np.ndarray:
    """Wage (yuan per person-year) = w0·f_w·(jobs ratio / population ratio)^ε with the labour
    market on, w0·f_w without: w rises when jobs grow faster than the population."""
    if not labour_market:
        return wage0 * f_wage
    ratio = np.maximum(jobs, 1.0) / np.maximum(jobs0, 1.0)
    ratio = ratio / np.maximum(pop / pop_trend, 1e-9)
    return wage0 * f_wage * ratio ** elasticity
