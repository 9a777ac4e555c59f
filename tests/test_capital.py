"""Capital and investment of incumbents (MODEL.md §9.1, §9.6; docs/model.md §Capital and investment).

The expected numbers come from the data files, not from the model: δ_s and ψ_s from
scenarios/data/sector_params.csv (depreciation: Zhang, Wu & Zhang 2004, 经济研究 10, 9.6 %/year
composite; ψ: a flagged estimate), r_f = 3.65 % (1-year LPR of 2022-12-20, national.csv), the
trend growth ḡ from the cities' and origins' income trends in force in the first period (cities: the
shift-share rate of sim.economy.trends from cities.csv and province_sectors.csv; origins:
gdp_trend_growth of origins.csv) weighted by their 2022 GDP (the national drift of MODEL.md §5), and
the rule's closed form.
"""
import csv
import shutil

import numpy as np
import pytest

from sim.agents.trends import income_schedules
from sim.data import load_data
from sim.economy.capital import calibrate_wedge, investment_rate, net_growth_gated
from sim.model import RegionalEconomy
from sim.outputs.metrics import Recorder
from sim.scenario import load_scenario, validate_scenario
from tests.data_copy import data_with_parks
from tests.fingerprint import ROOT

DATA = ROOT / "scenarios" / "data"


def _data_values():
    d = load_data(DATA)
    delta = np.array(d.sector_values("depreciation_rate"))
    psi = np.array(d.sector_values("adjustment_cost"))
    rows = d.cities.rows + d.origins.rows
    # the rates in force in the first period: cities' shift-share trend (sim.agents.trends), origins'
    g = np.array([s.at(2022.0) for s in income_schedules(d)])
    w = np.array([r["gdp_2022_yi"] for r in rows])
    return d, delta, psi, d.const("financing_rate"), float(np.log1p((g * w).sum() / w.sum()))


def _scenario(levers=(), data_dir=DATA, trends=None, **extra):
    spec = {"name": "capital", "data_dir": str(data_dir),
            "horizon": {"start": 2022, "end": 2023, "steps_per_year": 4},
            "firms": {"scale": 0.3}, "levers": list(levers), **extra}
    if trends is not None:
        spec["trends"] = trends
    return validate_scenario(spec)


FROZEN = {"income_growth": {"default": 0}, "wage_growth": {"default": 0},
          "land_price_growth": {"default": 0}, "population_growth": {"default": 0}}


def _first_step(scn, seed=0):
    m = RegionalEconomy(scn, seed=seed)
    inv, f = m.investment, m.firms
    K0 = inv.capital(f.sector, f.scale).sum()
    m.step()
    return m, float(inv.period.sum() / (m.dt * K0))


# ---------------------------------------------------------------- (a) the base year's balanced path
def test_base_year_on_its_balanced_path_with_trends_and_frozen():
    d, delta, _, _, g0 = _data_values()
    for trends, g in ((None, g0), (FROZEN, 0.0)):
        m = RegionalEconomy(_scenario(trends=trends), seed=1)
        f, inv = m.firms, m.investment
        at_grow = {}

        def record(firms, *a, _step=inv.step, _inv=inv, _out=at_grow, **k):
            _out["K"] = _inv.capital(firms.sector, firms.scale)  # after the period's exits and births
            return _step(firms, *a, **k)

        inv.step = record
        m.step()
        K = at_grow["K"]
        expected = float((K * (delta[f.sector] + g)).sum() / K.sum())  # K-weighted δ + g0
        got = float(inv.period.sum() / (m.dt * K.sum()))
        assert got == pytest.approx(expected, rel=1e-9), (trends is None, got, expected)
        # firm by firm (land does not bind at the first step: the data's parks have free land)
        np.testing.assert_allclose(inv.ik, delta[m.sector] + g, rtol=0, atol=1e-12)
        # the capital–output ratio of the data holds at base: Σ K_s = capital_per_yi_s × Σ output_s
        base = RegionalEconomy(_scenario(trends=trends), seed=1)
        ratio = np.array(d.sector_values("capital_per_yi"))
        K_s = np.bincount(base.sector, weights=base.investment.capital(base.sector, base.scale), minlength=base.S)
        y_s = np.bincount(base.sector, weights=base.base_output, minlength=base.S)
        np.testing.assert_allclose(K_s, ratio * y_s, rtol=1e-9)


def test_frozen_yaml_invests_at_replacement_at_the_first_step():
    _, delta, _, _, _ = _data_values()
    scn = load_scenario(ROOT / "scenarios/theory/frozen.yaml", ["horizon.end=2023"])
    m = RegionalEconomy(scn, seed=0, until=2022.25)
    m.step()
    # every firm (after the period's exits and births) at replacement: I/K = δ_s
    np.testing.assert_allclose(m.investment.ik, delta[m.sector], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- (b) a finance lever raises investment
def _interest(applies_to="all", value=1.0, city="四平"):
    return {"id": "cheap_credit", "kind": "interest_subsidy", "value": {2022: value},
            "target": {"cities": [city]}, "applies_to": applies_to, "source": "test"}


def test_interest_subsidy_raises_investment_by_the_closed_form():
    _, delta, psi, r_f, _ = _data_values()
    v = 1.0  # percentage points off the financing rate
    base = RegionalEconomy(_scenario(), seed=2)
    lev = RegionalEconomy(_scenario([_interest(value=v)]), seed=2)  # common random numbers
    for m in (base, lev):
        m.step()
    city = lev.city_ids.index("四平")
    _, ib, il = np.intersect1d(base.firm_id, lev.firm_id, return_indices=True)
    same = base.site[ib] == lev.site[il]
    off_park = ~lev.is_park[lev.site[il]]
    in_city = lev.site_market_arr[lev.site[il]] == city
    s = lev.sector[il]
    # q1/q0 = (r_f + δ)/(r_f − v/100 + δ) at the same operating return; ΔI/K = (q1 − q0)/ψ (q0 = 1)
    q1 = (r_f + delta[s]) / (r_f - v / 100 + delta[s])
    expected = (q1 - 1) / psi[s]
    sel = same & in_city & off_park
    assert sel.sum() > 20
    np.testing.assert_allclose(lev.investment.ik[il][sel] - base.investment.ik[ib][sel], expected[sel],
                               rtol=1e-9, atol=0)
    # firms elsewhere: no change
    out = same & ~in_city
    np.testing.assert_allclose(lev.investment.ik[il][out], base.investment.ik[ib][out], rtol=0, atol=1e-15)
    # the city's fixed investment rises by about the same relative amount (parks may gate some)
    fi = [np.bincount(m.site_market_arr, weights=m.investment.period, minlength=m.Q)[city] for m in (base, lev)]
    assert fi[1] > fi[0] * 1.02
    for m in (base, lev):
        m.release()


def test_a_newcomer_finance_lever_leaves_base_firms_alone():
    base = RegionalEconomy(_scenario(), seed=2)
    lev = RegionalEconomy(_scenario([_interest("new", 2.0)]), seed=2)
    for m in (base, lev):
        m.step()
    _, ib, il = np.intersect1d(base.firm_id, lev.firm_id, return_indices=True)
    old = (lev.arrived_t[il] == -np.inf) & (base.site[ib] == lev.site[il])
    np.testing.assert_array_equal(lev.investment.ik[il][old], base.investment.ik[ib][old])


def test_finance_lever_is_not_in_the_operating_return():
    # the q-rule's numerator is (π − ℓ)(1 − t): no interest on capital (that is the user cost) and no
    # finance lever; the same lever moves I/K only through the user cost
    m = RegionalEconomy(_scenario([_interest(value=1.0)]), seed=0)
    m.step()
    mk, inv = m.market, m.investment
    m.evaluate_market("both")
    np.testing.assert_allclose(inv.n_sr, (mk.pi_scale - mk.bc.land) * (1 - m.p.cit_rate), rtol=1e-12)
    cut, extra = m.policy.investment_terms()
    assert cut.max() == pytest.approx(0.01) and not extra.any()


# ---------------------------------------------------------------- (c) no negative gross investment
def test_no_negative_gross_investment(tmp_path):
    assert investment_rate(-5.0, 1.0, 0.1, 10.0, 0.0) == 0.0
    # with a tiny adjustment cost (ψ = 0.05) q's swings would ask for negative investment: the floor binds
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    _edit(data / "sector_params.csv", lambda r: r["param"] == "adjustment_cost", "0.05")
    m = RegionalEconomy(_scenario(data_dir=data, trends=FROZEN, parameters={"revision_scale": 10.0}), seed=3)
    rec = Recorder()
    rec.collect(m)
    floor = 0
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
        assert (m.investment.ik >= 0).all()
        floor += int((m.investment.ik == 0).sum())
    assert floor > 0  # the floor was exercised
    df = rec.frame()
    assert (df[df.measure == "fixed_investment"].value >= 0).all()


def _edit(path, which, value):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if which(r):
            r[next(k for k in r if k in ("value", "occupancy_2022"))] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


# ---------------------------------------------------------------- (d) land gating in parks
@pytest.mark.parametrize("frozen", [False, True])
def test_a_park_without_free_land_invests_on_the_trend(tmp_path, frozen):
    # growth on the capacity trend intensifies a firm's own plot (no land); growth above it needs
    # land: with every park full, park firms invest at δ + g0 (δ with trends frozen, g0 = 0) even
    # when a lever makes them want more, while the same lever raises the firms off the parks
    _, delta, psi, r_f, g0 = _data_values()
    g = 0.0 if frozen else g0
    data = data_with_parks(tmp_path, "occupancy_2022", "1.0")
    # nothing frees land in the period: no exits or births, no moves
    kw = {"parameters": {"revision_scale": 0.0}, "switches": {"entry_exit": False},
          "trends": FROZEN if frozen else None}
    m = RegionalEconomy(_scenario([_interest(value=1.0)], data_dir=data, **kw), seed=0)
    P = m.n_parks
    land0 = m.land.copy()
    m.step()
    park = m.is_park[m.site]
    in_city = m.site_market_arr[m.site] == m.city_ids.index("四平")
    assert (park & in_city).sum() > 20 and (~park & in_city).sum() > 20 and (park & ~in_city).sum() > 100
    d = delta[m.sector]
    np.testing.assert_allclose(m.investment.ik[park], d[park] + g, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.investment.ik[~park & ~in_city], d[~park & ~in_city] + g, rtol=0, atol=1e-12)
    # off the parks the lever's closed form: q1/q0 = (r_f + δ)/(r_f − 0.01 + δ), ΔI/K = (q1 − 1)/ψ
    sel = ~park & in_city
    s = m.sector[sel]
    want = d[sel] + g + ((r_f + delta[s]) / (r_f - 0.01 + delta[s]) - 1) / psi[s]
    np.testing.assert_allclose(m.investment.ik[sel], want, rtol=1e-9, atol=0)
    np.testing.assert_array_equal(m.land, land0)
    assert np.all(m.free_land[:P] == 0)
    # the data's parks (free land): the same lever raises the park firms of the city above the trend
    free = RegionalEconomy(_scenario([_interest(value=1.0)], **kw), seed=0)
    free.step()
    sel = free.is_park[free.site] & (free.site_market_arr[free.site] == free.city_ids.index("四平"))
    assert np.all(free.investment.ik[sel] > delta[free.sector[sel]] + g + 1e-3)


def test_partial_free_land_is_shared_and_used_up():
    # parks with some free land: the need of the firms growing above the trend (a lever in 四平) is
    # served pro rata, free land never < 0; growth on the trend takes none
    _, delta, psi, r_f, g0 = _data_values()
    scn = _scenario([_interest(value=1.0)], parameters={"revision_scale": 0.0}, switches={"entry_exit": False})
    m = RegionalEconomy(scn, seed=0)
    P = m.n_parks
    m.land_state.free[:P] = np.minimum(m.free_land[:P], 0.01)  # 0.01 ha each: binds everywhere
    free0 = m.free_land[:P].copy()
    land0 = m.land.copy()
    m.step()
    assert np.all(m.free_land[:P] >= -1e-12)
    np.testing.assert_allclose((m.land - land0).sum(), free0.sum() - m.free_land[:P].sum(), rtol=1e-9)
    park = m.is_park[m.site]
    in_city = m.site_market_arr[m.site] == m.city_ids.index("四平")
    city_parks = np.unique(m.site[park & in_city])
    assert city_parks.size >= 2 and np.all(m.free_land[city_parks] < 1e-9)  # used up
    rest = np.setdiff1d(np.arange(P), city_parks)
    np.testing.assert_allclose(m.free_land[rest], 0.01, rtol=0, atol=1e-12)  # on the trend: untouched
    sel = park & in_city
    s = m.sector[sel]
    d = delta[s]
    want = d + g0 + ((r_f + delta[s]) / (r_f - 0.01 + delta[s]) - 1) / psi[s]
    ik = m.investment.ik[sel]
    assert np.all(ik >= d + g0 - 1e-12) and np.all(ik <= want + 1e-12)
    assert (ik < want - 1e-6).mean() > 0.9
    np.testing.assert_allclose(m.investment.ik[park & ~in_city], delta[m.sector[park & ~in_city]] + g0,
                               rtol=0, atol=1e-12)


def test_gated_growth_formula():
    x = net_growth_gated(np.array([0.2, 0.2, 0.2]), np.array([0.1] * 3), 0.25, np.array([1.0, 0.5, 0.0]))
    assert x[0] == pytest.approx(0.025)
    assert np.expm1(x[1]) == pytest.approx(0.5 * np.expm1(0.025))
    assert x[2] == 0.0


def test_wedge_puts_base_q_at_q0():
    n0 = np.array([[0.3, -0.1, 0.0]])
    w1, q0 = calibrate_wedge(n0, 0.0365, np.array([0.1]), np.array([2.0]))
    np.testing.assert_allclose(n0[0, 0] / ((0.0365 + 0.1) * 2.0 * w1[0, 0]), q0[0, 0])
    assert q0[0, 0] == 1.0 and w1[0, 1] == 1.0 and q0[0, 1] < 0 and q0[0, 2] == 0.0


def test_capital_and_fixed_investment_rows():
    m = RegionalEconomy(_scenario(), seed=0)
    rec = Recorder()
    rec.collect(m)
    m.step()
    rec.collect(m)
    df = rec.frame()
    for meas, unit in (("capital", "亿元"), ("fixed_investment", "亿元/period")):
        rows = df[df.measure == meas]
        assert set(rows.unit) == {unit}
        last = rows[rows.year == rows.year.max()]
        cities = last[last.place.isin(m.city_ids)].value.sum()
        assert last[last.place == "region"].value.iloc[0] == pytest.approx(cities, rel=1e-12)
        assert set(m.site_ids[:m.n_parks]) <= set(last.place)
    fi = df[(df.measure == "fixed_investment") & (df.place == "region")]
    assert fi.value.iloc[0] == 0 and fi.value.iloc[1] > 0
    # capital of the region = Σ k_s·A over the study area's firms
    inv = m.investment
    in_area = m.site_market_arr[m.site] < len(m.city_ids)
    cap = df[(df.measure == "capital") & (df.place == "region") & (df.year == df.year.max())].value.iloc[0]
    assert cap == pytest.approx(inv.capital(m.sector, m.scale)[in_area].sum(), rel=1e-9)
