"""At rest under the full dynamics (MODEL.md §9.6; issue 14): `scenarios/theory/frozen.yaml` (every
trend frozen, no levers, every mechanism on) keeps every city's industrial output and firm count
stationary over ten years — within ±3 % of the base year or t standard errors of the mean over the
seeds, whichever is larger (the issue's rule: "±3 % or 3 standard errors of the 5-seed mean"; t below)
— while exits, births, relocations and incumbents' investment run at no less than
half their calibrated base rates (investment: the base year's replacement δ·K) (a model that stopped
turnover would pass the first part trivially). Capital (K = k_s·A, docs/model.md §Capital and
investment) per city is held to the same rule: births' full capacity (a0 at 投产, the rest at 达产)
balances exits' in expectation per (sector, site) (tests/test_projects.py); the ten-seed means that
looked like drift (松原 0.952 ± 0.018, 四平 0.958 ± 0.022 over seeds 0-9) are 0.995 ± 0.010 and
1.005 ± 0.015 over 50 seeds, no city beyond ±1.8 % (docs/validation.md).
Before the investment economy the replacement rule drifted 四平 to ×1.38 and 通化 to ×0.85.
20 seeds (were 5, then 10). The city tests use the parks' family-wise rule: t = the two-sided
Student-t quantile at a family-wise 1 % over the 39 city tests (13 cities × 3 measures, Bonferroni:
each at 1 %/39, two-sided), 19 degrees of freedom: t ≈ 4.48. At 3 s.e. each (the issue's 5-seed rule
applied to the 20-seed mean, no correction), 39 tests fail by chance in about a quarter of runs
(P(|t19| > 3) ≈ 0.7 % each): with seeds 0-4, 延边 came out at ×0.965 (×0.982 ± 0.016 over 20 seeds);
with seeds 0-9 after the park land calibration 松原's capital at ×0.945 against 0.048 (over 40 seeds
every city within 0.979-1.008 in capital and 0.986-1.010 in output); after issue 15's data rebuild
延边's output at ×0.966 with seeds 0-19 (3.4 s.e.; ×0.996 ± 0.011 over seeds 20-59). The seeds were
not changed for it. The price is a wider band: over seeds 0-19 the s.e. are 0.005-0.026 (output and
capital; 梅河口, the smallest, widest), so the tolerance is 3-11 % (3-5 % for most cities); a drift
beyond it fails, a smaller one is left to the longer seed sets of docs/validation.md.

Every park too, by the same rule with a Student-t multiplier for the number of parks tested: a park
of a few dozen firms often has one firm with 15-50 % of its output (Pareto tail ζ ≈ 1.06), whose exit,
re-birth or Gibrat shocks move the park ×0.5-×2 in one seed (seed-to-seed s.d. of the 10-year
output ratio: median 0.13 over parks, up to 1.1), so the spread over 5 seeds is itself a poor
estimate: with 4 degrees of freedom |t| > 3 has probability 4 % per test, and 60 park tests would
fail by chance in most runs. Parks use the two-sided t quantile at a family-wise 1 %
(Bonferroni over the park tests) — a drift of the kind a reviewer suspected (×0.66, ×1.49 in one
park with 2 seeds) would show in every seed and fail it; the expected flows balance per park
(docs/validation.md)."""
import numpy as np
import pytest
from scipy import stats

from sim.agents.demography import exit_hazard, exit_probability
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.fingerprint import ROOT

pytestmark = pytest.mark.slow
SEEDS = tuple(range(20))
CITY_MEASURES = ("industrial_output", "firms", "capital")
FAMILY_WISE = 0.01  # the chance that any of a family of tests (cities, or parks) fails at rest


def _run(seed):
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/theory/frozen.yaml"), seed=seed, until=2031)
    nc = m.n_cities
    ind = np.array(m.data.sector_values("industrial")) > 0

    def city(f):
        place = m.site_market_arr[f.site]
        out = np.bincount(place, weights=np.where(ind[f.sector], f.output, 0.0), minlength=m.Q)[:nc]
        cap = np.bincount(place, weights=m.investment.capital(f.sector, f.scale), minlength=m.Q)[:nc]
        return out, np.bincount(place, minlength=m.Q)[:nc].astype(float), cap

    def park(f):
        npk = m.sites.n_parks
        out = np.bincount(f.site, weights=np.where(ind[f.sector], f.output, 0.0), minlength=m.R)[:npk]
        return out, np.bincount(f.site, minlength=m.R)[:npk].astype(float)

    f = m.firms
    n_sr = np.bincount(f.sector.astype(int) * m.R + f.site, minlength=m.S * m.R).reshape(m.S, m.R)
    base_exits = (n_sr * exit_probability(exit_hazard(m.market.net_scale, m.market.pibar, m.p.exit_rate,
                                                      m.p.exit_loss_hazard), m.dt)).sum()
    o0, n0, k0 = city(f)
    po0, pn0 = park(f)
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
    po1, pn1 = park(m.firms)
    per = m.n_steps
    return {"industrial_output": o1 / o0, "firms": n1 / n0, "capital": k1 / k0, "exits": exits / per,
            "births": births / per, "moves": moves / per, "base_exits": base_exits,
            "first_moves": first_moves, "cities": m.city_ids, "park_industrial_output": po1 / po0,
            "park_firms": pn1 / pn0, "parks": list(m.site_ids[: m.sites.n_parks]),
            "invest": invest / per, "base_invest": base_investment}


@pytest.fixture(scope="module")
def runs():
    return [_run(s) for s in SEEDS]


@pytest.mark.parametrize("which", CITY_MEASURES)
def test_every_city_stays_at_rest(runs, which):
    ratios = np.array([r[which] for r in runs])  # seeds × cities
    n, cities = ratios.shape
    mean = ratios.mean(axis=0)
    se = ratios.std(axis=0, ddof=1) / np.sqrt(n)
    # every measure, every city: family-wise 1 % (Bonferroni), as the parks below
    t = stats.t.ppf(1 - FAMILY_WISE / (2 * len(CITY_MEASURES) * cities), n - 1)
    tol = np.maximum(0.03, t * se)
    bad = [(c, round(float(x), 3), round(float(t), 3)) for c, x, t in zip(runs[0]["cities"], mean, tol)
           if abs(x - 1) > t]
    assert not bad, bad


@pytest.mark.parametrize("which", ["park_industrial_output", "park_firms"])
def test_every_park_stays_at_rest(runs, which):
    ratios = np.array([r[which] for r in runs])  # seeds × parks
    n, parks = ratios.shape
    mean = ratios.mean(axis=0)
    se = ratios.std(axis=0, ddof=1) / np.sqrt(n)
    t = stats.t.ppf(1 - FAMILY_WISE / (2 * 2 * parks), n - 1)  # both measures, every park: family-wise 1 %
    tol = np.maximum(0.03, t * se)
    bad = [(k, round(float(x), 3), round(float(e), 3)) for k, x, e in zip(runs[0]["parks"], mean, tol)
           if abs(x - 1) > e]
    assert not bad, bad


def test_turnover_goes_on_at_its_calibrated_rates(runs):
    for r in runs:
        exits, births, moves, base_exits = r["exits"], r["births"], r["moves"], r["base_exits"]
        first_moves, invest, base_invest = r["first_moves"], r["invest"], r["base_invest"]
        assert exits >= 0.5 * base_exits and births >= 0.5 * base_exits
        assert moves >= 0.5 * first_moves > 0  # relocations: the first year's rate as the base
        assert invest >= 0.5 * base_invest > 0  # incumbents' gross investment: replacement at base
