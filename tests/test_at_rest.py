"""At rest under the full dynamics (MODEL.md §9.6; issue 14): `scenarios/theory/frozen.yaml` (every
trend frozen, no levers, every mechanism on) keeps every city's industrial output and firm count
and capital (K = k_s·A, docs/model.md §Capital and investment) stationary over ten years — within
±3 % of the base year or 3 standard errors of the 5-seed mean, whichever is larger — while exits,
births, relocations and incumbents' investment run at no less than half their calibrated base rates
(investment: the base year's replacement δ·K) (a model that stopped turnover would pass the first part trivially).
Before the investment economy the replacement rule drifted 四平 to ×1.38 and 通化 to ×0.85."""
import numpy as np
import pytest

from sim.agents.demography import exit_hazard, exit_probability
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.fingerprint import ROOT

pytestmark = pytest.mark.slow
SEEDS = (0, 1, 2, 3, 4)


def _run(seed):
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/theory/frozen.yaml"), seed=seed, until=2031)
    nc = m.n_cities
    ind = np.array(m.data.sector_values("industrial")) > 0

    def city(f):
        place = m.site_market_arr[f.site]
        out = np.bincount(place, weights=np.where(ind[f.sector], f.output, 0.0), minlength=m.Q)[:nc]
        cap = np.bincount(place, weights=m.investment.capital(f.sector, f.scale), minlength=m.Q)[:nc]
        return out, np.bincount(place, minlength=m.Q)[:nc].astype(float), cap

    f = m.firms
    n_sr = np.bincount(f.sector.astype(int) * m.R + f.site, minlength=m.S * m.R).reshape(m.S, m.R)
    base_exits = (n_sr * exit_probability(exit_hazard(m.market.net_scale, m.market.pibar, m.p.exit_rate,
                                                      m.p.exit_loss_hazard), m.dt)).sum()
    o0, n0, k0 = city(f)
    k_all = m.investment.capital(f.sector, f.scale)
    base_investment = float((k_all * m.investment.delta[f.sector]).sum() * m.dt)  # δ·K per period
    exits = births = moves = invest = 0.0
    first_moves = None
    for k in range(m.n_steps):
        m.step()
        exits += m.exits.sum()
        births += m.entries.sum()
        moves += m.arrivals.sum()
        invest += m.investment.period.sum()
        if k == 3:
            first_moves = moves / 4
    o1, n1, k1 = city(m.firms)
    per = m.n_steps
    return (o1 / o0, n1 / n0, exits / per, births / per, moves / per, base_exits, first_moves, m.city_ids,
            k1 / k0, invest / per, base_investment)


@pytest.fixture(scope="module")
def runs():
    return [_run(s) for s in SEEDS]


# capital per city drifts by up to ~6 % in ten years (松原 0.941 ± 0.018, 四平 0.951 ± 0.021 over ten
# seeds) with the q-rule and by as much without it (Gibrat growth only: 0.938, 0.948): births drawn
# from base-year size pools against exits, not investment; output, which adjusts through crowding,
# stays within bounds. Expected to pass once births and exits are calibrated per site (issue 14 item 4)
CAPITAL = pytest.param(8, id="capital", marks=pytest.mark.xfail(
    strict=False, reason="capital drifts with turnover (births vs exits), with or without investment"))


@pytest.mark.parametrize("which", [0, 1, CAPITAL], ids=["industrial_output", "firms", "capital"])
def test_every_city_stays_at_rest(runs, which):
    ratios = np.array([r[which] for r in runs])  # seeds × cities
    mean = ratios.mean(axis=0)
    se = ratios.std(axis=0, ddof=1) / np.sqrt(len(runs))
    tol = np.maximum(0.03, 3 * se)
    bad = [(c, round(float(x), 3), round(float(t), 3)) for c, x, t in zip(runs[0][7], mean, tol)
           if abs(x - 1) > t]
    assert not bad, bad


def test_turnover_goes_on_at_its_calibrated_rates(runs):
    for _, _, exits, births, moves, base_exits, first_moves, _, _, invest, base_invest in runs:
        assert exits >= 0.5 * base_exits and births >= 0.5 * base_exits
        assert moves >= 0.5 * first_moves > 0  # relocations: the first year's rate as the base
        assert invest >= 0.5 * base_invest > 0  # incumbents' gross investment: replacement at base
