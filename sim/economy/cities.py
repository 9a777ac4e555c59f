"""City accounts each period: GDP, population and wages (MODEL.md §5), for all cities at once.

The labour market compares labour demand and supply each with its own trend (docs/decisions.md,
"Labour market against trends"): jobs with the jobs trend :func:`jobs_trend`, population with the
population trend. With both on their trends the wage is on its trend, whatever the trend rates.
"""
from __future__ import annotations

import numpy as np


def city_gdp(nonmodelled0: np.ndarray, f_income: np.ndarray, va: np.ndarray, va0: np.ndarray,
             local_multiplier: float) -> np.ndarray:
    """GDP_c = N_c·f_c + VA_c + m·(VA_c − VA0_c·f_c) (亿元/year): non-modelled GDP on its trend
    f_c, modelled value added, and a local multiplier m on modelled VA's deviation from its trend."""
    return nonmodelled0 * f_income + va + local_multiplier * (va - va0 * f_income)


def jobs_trend(jobs0: np.ndarray, f_income: np.ndarray, f_wage: np.ndarray) -> np.ndarray:
    """Jobs on trend (persons): L*_c = L0_c · f_income,c / f_wage,c.

    Derivation: modelled value added on its trend is VA0_c·f_income,c (the trend :func:`city_gdp`
    measures deviations from), and a firm's jobs are output × persons per 亿元 of 2022 output /
    f_wage (``sim.agents.production.produce``: nominal labour productivity rises with the wage
    trend). Jobs per 亿元 of VA therefore fall as 1/f_wage, and jobs on trend are
    L0·f_income/f_wage. With the data's default rates (a city's wage trend = its GDP trend) this is
    L0 exactly; a scenario whose ``trends`` set wage and income growth apart moves it."""
    return jobs0 * (f_income / f_wage)


def city_population(pop0: np.ndarray, f_pop: np.ndarray, retained: np.ndarray, jobs: np.ndarray,
                    jobs_on_trend: np.ndarray, migration_per_job: float) -> tuple[np.ndarray, np.ndarray]:
    """(population, its trend) in 万人: trend P*_c = P0_c·f_pop,c + persons kept by retention
    levers; population P_c = max(P*_c + m·(L_c − L*_c)/1e4, 0): m residents (persons per job,
    ``migration_per_job``) migrate in per job above the jobs trend L*_c (:func:`jobs_trend`), out
    per job below it."""
    trend = pop0 * f_pop + retained / 1e4
    pop = np.maximum(trend + migration_per_job * (jobs - jobs_on_trend) / 1e4, 0.0)
    return pop, trend


def city_wage(wage0: np.ndarray, f_wage: np.ndarray, jobs: np.ndarray, jobs_on_trend: np.ndarray,
              pop: np.ndarray, pop_trend: np.ndarray, elasticity: float,
              labour_market: bool) -> np.ndarray:
    """Wage (yuan per person-year), with the labour market on:

        w_c = w0_c · f_wage,c · [(L_c / L*_c) / (P_c / P*_c)]^ε

    labour demand over its trend (jobs L against the jobs trend L*, :func:`jobs_trend`) relative to
    labour supply over its trend (population P against P*), ε = ``wage_elasticity``; w0·f_w without.
    Both on trend → the wage on its trend (the base year at rest); jobs 10 % over trend with the
    population on trend → w0·f_w·1.1^ε."""
    if not labour_market:
        return wage0 * f_wage
    ratio = np.maximum(jobs, 1.0) / np.maximum(jobs_on_trend, 1.0)
    ratio = ratio / np.maximum(pop / pop_trend, 1e-9)
    return wage0 * f_wage * ratio ** elasticity
