"""Full validation set (issue 4, docs/validation.md): the remaining home-market points at the
default configuration (10,000 steps), the slope, the transport lever, the stylized facts on the
baseline's 2035 state and the simulated park tax cut. About 90 s in all; CI runs them
(`pytest -m ""`)."""
import numpy as np
import pytest

from sim.economy import market
from sim.checks import stylized, theory

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("phi,expected", [(0.3, 0.6857), (0.7, 1.0)])
def test_home_market_effect_default_configuration(phi, expected):
    # Baldwin et al. 2003 ch. 3; issue 4 tolerances 0.005 (logit fixed point), 0.01 (closed form)
    r = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=phi))
    assert abs(r["simulated_share_N"] - r["logit_fixed_point"]) <= 0.005
    assert abs(r["simulated_share_N"] - expected) <= 0.01


def test_home_market_slope():
    # ds_n/ds_E = (1+phi)/(1-phi) = 1.857 at phi = 0.3; each share within 0.005 -> slope within 0.1
    lo, hi = (theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=0.3, s_E=se)) for se in (0.55, 0.65))
    slope = (hi["simulated_share_N"] - lo["simulated_share_N"]) / 0.1
    assert slope == pytest.approx(1.3 / 0.7, abs=0.1)


def test_transport_lever_shift():
    # closed form: phi 0.5 -> 0.6 raises s_n from 0.8 to 0.9
    r0 = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=0.5, steps=4000))
    r1 = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=0.6))
    assert market.home_market_share(0.6, 0.6) == pytest.approx(0.9)
    assert r1["simulated_share_N"] - r0["simulated_share_N"] == pytest.approx(0.1, abs=0.02)


@pytest.fixture(scope="module")
def facts():
    return stylized.baseline_facts()


@pytest.fixture(scope="module")
def facts_old_growth():
    return stylized.baseline_facts(stylized.GROWTH_OLD)


def test_zipf_tail_in_2035(facts):
    # Axtell 2001: zeta = 1.06; accept [0.9, 1.2] with >= 2000 firms in the tail (CSN method)
    t = facts["tail_jobs"]
    assert 0.9 <= t["zeta"] <= 1.2 and t["n_tail"] >= 2000


def test_shipped_baseline_growth_is_tent_shaped_and_size_dependent(facts):
    # Stanley et al. 1996 (Subbotin shape ~1), Amaral et al. 1997 (slope -0.15 to -0.2); IMPOSED
    # by the shipped growth defaults (parameters.gibrat_shock = laplace, gibrat_size_elasticity = 0.2)
    g = facts["growth"]
    assert 0.8 <= g["subbotin_shape"] <= 1.3
    assert -0.3 <= g["volatility_size_slope"] <= -0.1


def test_growth_facts_are_imposed_not_emergent(facts_old_growth):
    # the same model with the old log-normal, size-independent growth misses both facts: the
    # pass above comes from the growth parameters, not from the market or relocation dynamics
    g = facts_old_growth["growth"]
    assert g["subbotin_shape"] > 1.3
    assert g["volatility_size_slope"] > -0.1


def test_tax_elasticity_between_cities_in_bartik_band(facts):
    # Bartik 1991: -0.1 to -0.6 between regions; a validation: neither beta, theta nor
    # nest_lambda was fitted to it (nest_lambda was fitted to the between-parks band below)
    assert -0.6 <= facts["tax"]["between_cities"] <= -0.1


def test_tax_elasticity_between_parks_in_bartik_band(facts):
    # Bartik 1991: -1 to -3 between parks of one metro area. A CALIBRATION TARGET, not a
    # validation: parameters.nest_lambda = 0.4 was chosen to put it there (docs/validation.md §3)
    assert -3 <= facts["tax"]["between_parks"] <= -1


def test_simulated_park_tax_cut_matches_expected_arrivals():
    # a moment not fitted: the baseline run with a 30 % income-tax rebate at six parks (one per
    # city) against the same run without it (common random numbers, 16 seeds); the simulated arc
    # elasticity of their arrivals must match the expected-arrivals computation that the
    # elasticities above use, within 3 jackknife standard errors
    r = stylized.simulated_tax_check()
    assert r["arrivals_with"] > r["arrivals_without"] > 300
    assert abs(r["simulated_elasticity"] - r["expected_elasticity"]) <= 3 * r["simulated_se"]
    assert r["simulated_se"] < 0.1  # enough arrivals for the comparison to mean something


def test_expected_arrivals_fall_with_a_tax_rise_and_leave_state_unchanged(facts):
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(stylized.BASELINE), until=2023)
    before = m.net_scale.copy()
    tgt = np.zeros(m.R, dtype=bool)
    tgt[0] = True
    a0, a1 = stylized.expected_arrivals(m, tgt), stylized.expected_arrivals(m, tgt, 0.9)
    assert 0 < a1 < a0
    assert np.array_equal(m.net_scale, before)
