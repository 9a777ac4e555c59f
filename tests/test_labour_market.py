"""The cities' labour market (sim/economy/cities.py): jobs and population each against their own
trend (docs/decisions.md, "Labour market against trends"). Hand-computed cases, and the model's
base year at rest when jobs follow their trend while wages and incomes grow at different rates."""
from pathlib import Path

import numpy as np

from sim.economy import cities

ROOT = Path(__file__).resolve().parents[1]


def test_jobs_trend_is_base_jobs_times_income_over_wage_trend():
    # 1000 jobs, income ×1.3 and wages ×1.2 since 2022: jobs on trend 1000 × 1.3 / 1.2 = 1083.33…
    got = cities.jobs_trend(np.array([1000.0, 500.0]), np.array([1.3, 1.1]), np.array([1.2, 1.1]))
    np.testing.assert_allclose(got, [1083.3333333333333, 500.0], rtol=1e-15)


def test_wage_rises_by_1_1_to_the_epsilon_when_jobs_are_10_percent_over_trend():
    # w0 = 50,000 yuan, wage trend ×1.2; jobs 10 % above their trend, population on its trend;
    # ε = 0.3: w = 50,000 × 1.2 × 1.1^0.3 = 60,000 × 1.0290058 = 61,740.35 yuan (1.1^0.3 by hand:
    # exp(0.3 × ln 1.1) = exp(0.3 × 0.0953102) = exp(0.0285931) = 1.0290058)
    jt = cities.jobs_trend(np.array([2.0e5]), np.array([1.3]), np.array([1.2]))
    w = cities.city_wage(np.array([50000.0]), np.array([1.2]), 1.1 * jt, jt, np.array([380.0]),
                         np.array([380.0]), 0.3, True)
    np.testing.assert_allclose(w, [61740.35], rtol=1e-6)
    # population 10 % over its trend offsets jobs 10 % over theirs: the wage is on its trend
    w = cities.city_wage(np.array([50000.0]), np.array([1.2]), 1.1 * jt, jt, np.array([418.0]),
                         np.array([380.0]), 0.3, True)
    np.testing.assert_allclose(w, [60000.0], rtol=1e-12)
    # labour market off: the trend whatever the jobs
    w = cities.city_wage(np.array([50000.0]), np.array([1.2]), 2 * jt, jt, np.array([1.0]),
                         np.array([380.0]), 0.3, False)
    np.testing.assert_allclose(w, [60000.0], rtol=1e-15)


def test_migration_is_persons_per_job_over_the_jobs_trend():
    # trend population 300 万人 (250 × 1.2) + 5,000 persons retained = 300.5 万人; 1,000 jobs above
    # the jobs trend at 1.2 residents per job → +1,200 persons = +0.12 万人; 1,000 below → −0.12
    jt = np.array([1.0e5, 1.0e5])
    pop, trend = cities.city_population(np.array([250.0, 250.0]), np.array([1.2, 1.2]),
                                        np.array([5000.0, 5000.0]), jt + np.array([1000.0, -1000.0]),
                                        jt, 1.2)
    np.testing.assert_allclose(trend, [300.5, 300.5], rtol=1e-15)
    np.testing.assert_allclose(pop, [300.62, 300.38], rtol=1e-12)


def test_model_wages_stay_on_trend_while_jobs_follow_their_trend():
    # The at-rest case of tests/test_calibration.py (every market's income +6 %/year, wages, land
    # prices and population flat, no entry/exit, exogenous income, Gibrat without noise, no
    # revisions: every firm's output grows by exactly f = 1.06^(t − 2022)) with the labour market ON.
    # Jobs = output / wage trend grow by f: they are on their trend L0·f_income/f_wage, so wages
    # stay at their 2022 level and population at its flat trend. Against jobs0 (the old rule) the
    # wage would read jobs 1.06^t over "trend": +0.44 % after one quarter and migration inward.
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    g = 0.06
    sets = [f"trends.income_growth={{default: {g}}}"] + [
        f"trends.{k}={{default: 0.0}}" for k in ("wage_growth", "land_price_growth", "population_growth")]
    sets += ["switches.entry_exit=false", "switches.endogenous_income=false",
             "switches.labour_market=true", "parameters.gibrat_sd=0", "parameters.revision_scale=0"]
    # land prices flat: the parks' scarcity premium off (incumbents' investment takes park land, and
    # a land price rising with scarcity would lower their return, q and investment a little: 1e-6)
    sets.append("parameters.land_price_elasticity=0")
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml", sets), until=2023)
    assert not m.levers
    w0 = np.array([r["wage_2022_yuan"] for r in m.data.cities.rows])
    p0 = np.array([r["population_2022_wan"] for r in m.data.cities.rows])
    for _ in range(4):
        m.step()
        f = (1 + g) ** (m.t - 2022)
        np.testing.assert_allclose(m.city_jobs, m.city_jobs0 * f, rtol=1e-12)  # jobs on trend
        np.testing.assert_allclose([c.wage for c in m.cities], w0, rtol=1e-12)
        np.testing.assert_allclose([c.population for c in m.cities], p0, rtol=1e-12)


def test_model_wages_read_jobs_over_their_trend_when_trends_differ():
    # wages +8 %/year and incomes +3 %/year apart: after a step, set each city's jobs to 1.1 × the
    # trend computed here by hand (L0 × f_income / f_wage from the model's factors) and update the
    # city accounts: the wage is w0·f_wage·(1.1 / (P/P*))^ε with P − P* = 1.2 × (jobs over trend)
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    sets = ["trends.income_growth={default: 0.03}", "trends.wage_growth={default: 0.08}",
            "trends.population_growth={default: 0.0}"]
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml", sets), until=2024)
    for _ in range(6):
        m.step()
    nc = m.n_cities
    fi, fw = m.trends.f_income[:nc], m.trends.f_wage[:nc]
    np.testing.assert_allclose(fi, 1.03 ** 1.5, rtol=1e-12)
    np.testing.assert_allclose(fw, 1.08 ** 1.5, rtol=1e-12)
    trend = m.city_jobs0 * 1.03 ** 1.5 / 1.08 ** 1.5
    m.city_jobs = 1.1 * trend
    m.update_places()
    p0 = np.array([r["population_2022_wan"] for r in m.data.cities.rows]) + m.policy.cum_retained / 1e4
    pop = p0 + m.p.migration_per_job * 0.1 * trend / 1e4
    np.testing.assert_allclose([c.population for c in m.cities], pop, rtol=1e-9)
    w0 = np.array([r["wage_2022_yuan"] for r in m.data.cities.rows])
    want = w0 * 1.08 ** 1.5 * (1.1 / (pop / p0)) ** m.p.wage_elasticity
    np.testing.assert_allclose([c.wage for c in m.cities], want, rtol=1e-9)
