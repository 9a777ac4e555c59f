"""Projects (MODEL.md §9.2): their site choice against the nested-logit formula for the same
utilities, and the flow calibrated at rest (intentions = expected exits / realization), in firms and
in capacity."""
import numpy as np
import pytest

from sim.agents.demography import exit_hazard, exit_probability
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.fingerprint import ROOT


@pytest.fixture(scope="module")
def frozen():
    return RegionalEconomy(load_scenario(ROOT / "scenarios/theory/frozen.yaml"), until=2023)


def test_calibrated_intentions_equal_expected_exits_over_realization(frozen):
    m = frozen
    f = m.firms
    n = np.bincount(f.sector.astype(int) * m.R + f.site, minlength=m.S * m.R).reshape(m.S, m.R)
    exits = n * exit_probability(exit_hazard(m.market.net_scale, m.market.pibar, m.p.exit_rate,
                                             m.p.exit_loss_hazard), m.dt)
    want = exits / m.p.project_realization
    got = m.projects.expected_intentions(m.market)
    # (the contraction stops at a step of 1e-9; sites without base firms of a sector keep a floor
    # constant: they draw a few intentions, as in the relocation choice)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # the study area gets its share of the mobile sectors' national flow (national.csv)
    pe = m.projects
    mob = pe.national > 0
    sa = ~m.is_origin
    share = got[mob][:, sa].sum(axis=1) / pe.national[mob]
    assert np.all(share <= m.data.const("study_area_investment_share") * (1 + 1e-4))
    assert np.median(share) == pytest.approx(m.data.const("study_area_investment_share"), rel=1e-4)


def test_project_site_choices_follow_the_nested_logit(frozen):
    # counts of intentions by city over many periods against the model's own nested-logit
    # probabilities (expected_intentions) for the same utilities: Poisson, within 4 s.e.
    m = frozen
    pe = m.projects
    mob = pe.national > 0
    exp = pe.expected_intentions(m.market)[mob].sum(axis=0)  # per site, per period
    pe.tally.reset()
    steps = 30
    saved_rate = pe.rate.copy()
    pe.rate[:] = 0.0  # only the mobile sectors' choices
    try:
        for k in range(steps):
            pe.arrive(m.market, m.policy, 10_000 + k, m.t)
    finally:
        pe.rate[:] = saved_rate
    got = pe.tally.projects_intended.sum(axis=1)
    city = m.site_market_arr
    for q in range(m.Q):
        e = steps * exp[city == q].sum()
        if e < 50:
            continue
        assert abs(got[city == q].sum() - e) < 4 * np.sqrt(e), m.market_ids[q]


def test_births_replace_exits_in_capacity_per_sector_and_site(frozen):
    # MODEL.md §9.6 in capacity (K = k_s·A), not only in counts: per (sector, site) and period, in
    # expectation over the base year's ramp draw, births at a0 of their full size (drawn from the
    # site's pool of base full scales) plus ramps to 达产 equal exits (drawn after the 达产 draw):
    # a0·λ·Ā + (1 − a0)·h·R = e·(K + (1 − a0)·h·R), λ = the expected 投产 per period, Ā the pool's
    # mean, R the ramping firms' full scale, K the current scale (docs/validation.md).
    m = frozen
    f, rp, pe = m.firms, m.ramp, m.projects
    S, R = m.S, m.R
    key = f.sector.astype(np.intp) * R + f.site
    n = np.bincount(key, minlength=S * R).astype(float)
    cur = np.bincount(key, weights=f.scale, minlength=S * R)  # current scales (ramping at a0)
    ramping = np.isin(f.firm_id, rp.ids)
    flat, off, size = pe._pools()
    own = n > 0
    pool_sum = np.array([flat[off[j]: off[j] + size[j]].sum() for j in range(S * R)])
    # the pools hold the base firms' full scales: the ramping ones at scale / a0
    full = cur + np.bincount(key, weights=f.scale * ramping, minlength=S * R) * (1 / rp.a0 - 1)
    np.testing.assert_allclose(pool_sum[own], full[own], rtol=1e-12)
    e = exit_probability(exit_hazard(m.market.net_scale, m.market.pibar, m.p.exit_rate,
                                     m.p.exit_loss_hazard), m.dt).ravel()
    lam = pe.expected_intentions(m.market).ravel() * m.p.project_realization
    phi = rp.base_share(e.reshape(S, R)).ravel()  # P(a base firm is ramping)
    ramp_full = phi * cur / rp.a0                      # E[R]
    pool_mean = np.where(own, (cur + ramp_full * (1 - rp.a0)) / np.maximum(n, 1), 0.0)  # E[Ā]
    born = rp.a0 * lam * pool_mean
    ramps = (1 - rp.a0) * rp.h * ramp_full
    exits = e * (cur + ramps)
    assert rp.on and (exits[own] > 0).all()
    np.testing.assert_allclose((born + ramps)[own], exits[own], rtol=1e-4)
