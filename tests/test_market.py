"""The market block against closed forms (Baldwin et al. 2003, ch. 3)."""
import numpy as np
import pytest

from sim.economy import market
from sim.economy.choice import calibrate_constants, logit_probabilities, logit_share_after_shock


@pytest.mark.parametrize("phi,expected", [(0.1, 0.6222), (0.3, 0.6857), (0.5, 0.8000), (0.7, 1.0)])
def test_home_market_effect_from_model_profit_function(phi, expected):
    # the share at which the model's own profit function equalises profits in N and S
    s = market.equal_profit_share(0.6, phi, sigma=4.0)
    assert s == pytest.approx(expected, abs=5e-5)
    assert s == pytest.approx(market.home_market_share(0.6, phi), abs=1e-9)


def test_home_market_slope_is_one_plus_phi_over_one_minus_phi():
    phi, h = 0.3, 1e-4
    slope = (market.equal_profit_share(0.55 + h, phi) - market.equal_profit_share(0.55 - h, phi)) / (2 * h)
    assert slope == pytest.approx((1 + phi) / (1 - phi), rel=1e-5)


def test_freeness_is_one_inside_a_place_and_falls_with_time():
    phi = market.freeness_from_time(np.array([0.0, 30.0, 60.0, 600.0]), 0.9, 30.0)
    assert phi[0] == phi[1] == 1.0
    assert phi[2] == pytest.approx(2 ** -0.9)
    assert phi[3] < phi[2]


def test_calibrated_supply_reproduces_target_sales():
    rng = np.random.default_rng(1)
    R, Q = 6, 8
    phi = np.clip(rng.uniform(0.05, 0.6, (R, Q)), 0, 1)
    income = rng.uniform(100, 1000, Q)
    target = rng.uniform(1, 20, R)
    s = market.calibrate_supply(target, 0.05, phi, income, income)
    sales = 0.05 * s * market.market_potential(phi, income, market.crowding(s, phi, income))
    np.testing.assert_allclose(sales, target, rtol=1e-8)


@pytest.mark.parametrize("s,delta", [(0.2, 0.5), (0.5, -1.0), (0.9, 2.0)])
def test_logit_with_calibrated_constants_matches_closed_form(s, delta):
    # two alternatives, all firms revising, no relocation cost: constants reproduce share s
    vmat = np.zeros((2, 2))
    a = calibrate_constants(vmat, np.array([s, 1 - s]) * 1000, np.ones(2))
    p0 = logit_probabilities(a)
    assert p0[0] == pytest.approx(s, abs=1e-8)
    p1 = logit_probabilities(a + np.array([delta, 0.0]))
    assert p1[0] == pytest.approx(logit_share_after_shock(s, delta), abs=1e-8)
