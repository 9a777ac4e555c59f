"""Each lever's choice term is the after-tax money the lever table of docs/model.md gives."""
import numpy as np
import pytest

from golden_cases import load_case


@pytest.fixture(scope="module")
def lever_model():
    from sim.model import RegionalEconomy

    m = RegionalEconomy(load_case("every_lever_kind"), until=2024.0)
    while m.t < 2023.5 - 1e-9:  # every lever of the case is on by 2023-07
        m.step()
    m.evaluate_market()
    return m


def _j(m, lever_id):
    return m.lever_ids.index(lever_id)


def test_profit_subsidy_is_taxed_like_the_profit_it_adds_to(lever_model):
    # docs/model.md: profit_subsidy is worth s × π × (1 − t) to the firm, and costs s × π.
    # (Until issue 13 the choice term left the subsidy untaxed: s × π.)
    m = lever_model
    j = _j(m, "profit")
    s, t = m.lever_val[j], m.p.cit_rate
    assert s > 0 and 0 < t < 1
    mask = m.lever_mask[j]
    assert mask.any()
    pib = np.maximum(m.pibar, 1e-300)[:, None]
    want = m.p.beta * s * m.pi_scale * (1 - t) / pib
    np.testing.assert_allclose(m.rate_u[j][mask], want[mask], rtol=1e-12)
    np.testing.assert_allclose(m.spend_scale[j][mask], (s * m.pi_scale)[mask], rtol=1e-12)
    assert (m.rate_u[j][~mask] == 0).all()


def test_a_rent_subsidy_and_an_interest_subsidy_are_taxed_the_same_way(lever_model):
    # both lower a deductible cost, so the firm keeps (1 − t) of the money (docs/model.md)
    m = lever_model
    t = m.p.cit_rate
    b = m.market.bc
    pib = np.maximum(m.pibar, 1e-300)[:, None]
    j = _j(m, "land_all")
    mask = m.lever_mask[j]
    want = m.p.beta * m.lever_val[j] * b.land * (1 - t) / pib
    np.testing.assert_allclose(m.rate_u[j][mask], want[mask], rtol=1e-12)
    j = _j(m, "interest")
    mask = m.lever_mask[j]
    want = m.p.beta * m.lever_val[j] / 100 * b.cap * (1 - t) / pib
    np.testing.assert_allclose(m.rate_u[j][mask], want[mask], rtol=1e-12)
