"""Prices and public revenue (MODEL.md §9.8-9.9, docs/model.md): deflators from published nominal
and real growth, VAT at each sector's statutory rate, the general budget's residual and
land-transfer revenue, checked against numbers computed here by hand or read from the data files
with the csv module (not through sim.data)."""
import csv
import math
from pathlib import Path

import numpy as np
import pytest

from sim.data import load_data
from sim.economy import fiscal, prices
from sim.errors import DataError
from sim.model import RegionalEconomy
from sim.outputs.metrics import record_run
from sim.outputs.summary import build_summary
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"


def _csv(name: str) -> list[dict]:
    return list(csv.DictReader((DATA / name).read_text(encoding="utf-8").splitlines()))


@pytest.fixture(scope="module")
def run():
    """A baseline run to 2024 with its rows (base period 2022.0, then quarters)."""
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/baseline.yaml", []), until=2024)
    df = record_run(m).frame()
    return m, df


def _value(df, place, measure, year):
    d = df[(df.place == place) & (df.measure == measure) & (df.lever == "") & (df.sector == "")
           & (np.isclose(df.year, year))]
    assert len(d) == 1, (place, measure, year)
    return float(d.value.iloc[0])


# ---------------------------------------------------------------- prices
def test_deflator_of_siping_from_its_bulletins_by_hand():
    """四平市 2022/2023 统计公报: GDP 581.71 and 588.86亿元, real growth 5.9 % in 2023. Nominal growth
    588.86/581.71 - 1 = 1.2291 %; the deflator grew 1.012291/1.059 - 1 = -4.4106 %."""
    assert prices.implied_deflator_growth(588.86 / 581.71 - 1, 0.059) == pytest.approx(-0.044106, abs=1e-6)
    row = next(r for r in _csv("prices.csv") if r["place"] == "四平" and r["year"] == "2023")
    assert float(row["deflator_growth"]) == pytest.approx(-0.044106, abs=1e-6)
    # the index: 2022 = 1, halfway through 2022-23 the square root, 2023 the year's growth; 2023's rate
    # holds until 2024.0 (the income trend's timing), then the file's default rate (1.5 %/year from
    # 2024 on) on top
    pts = load_data(DATA).deflator_points("四平")
    assert pts == [(2022.0, pytest.approx(-0.044106, abs=1e-6)), (2024.0, 0.015)]
    assert prices.deflator_index(2022.0, 2022.0, pts) == 1.0
    assert prices.deflator_index(2022.5, 2022.0, pts) == pytest.approx(math.sqrt(1 - 0.044106))
    assert prices.deflator_index(2023.0, 2022.0, pts) == pytest.approx(0.955894)
    assert prices.deflator_index(2024.0, 2022.0, pts) == pytest.approx(0.955894 ** 2)
    assert prices.deflator_index(2025.0, 2022.0, pts) == pytest.approx(0.955894 ** 2 * 1.015)


def test_annual_mean_of_the_deflator_falls_by_the_published_rate_in_2023():
    """The mean of 2023's quarter indices over 2022's (rows at 2022.0, .25, .5, .75 and 2023.0, …) is
    1 + π(2023) for every city, as the income trend's f_c (tests/test_forecast.py): the model's real
    growth of 2023 is nominal growth deflated by the published rate (before, 2023's rate stopped at
    2023.0 and the annual mean fell by about 1.1 % instead of 2.6 %)."""
    d = load_data(DATA)
    rows = {r["place"]: float(r["deflator_growth"]) for r in _csv("prices.csv") if r["year"] == "2023"}
    for c in d.cities.rows:
        pi = rows.get(c["id"], rows.get(c["province"]))
        pts = d.deflator_points(c["id"])
        idx = [prices.deflator_index(2022 + q / 4, 2022.0, pts) for q in range(8)]
        assert np.mean(idx[4:]) / np.mean(idx[:4]) == pytest.approx(1 + pi, abs=1e-12), c["id"]


def test_gdp_real_rows_are_nominal_gdp_over_the_deflator(run):
    m, df = run
    for year, index in [(2022.0, 1.0), (2023.0, 0.955894), (2024.0, 0.955894 ** 2)]:
        got = _value(df, "四平", "gdp_real", year)
        assert got == pytest.approx(_value(df, "四平", "gdp", year) / index, rel=1e-6)
    # 梅河口 has no bulletin: the province's implied deflator (the Jilin row), flagged
    mhk = next(r for r in _csv("prices.csv") if r["place"] == "梅河口")
    jl = next(r for r in _csv("prices.csv") if r["place"] == "Jilin")
    assert mhk["estimate"] == "true" and mhk["deflator_growth"] == jl["deflator_growth"]
    # the region is the sum of its cities at 2022 prices
    cities = df[(df.measure == "gdp_real") & df.place.isin(m.city_ids) & np.isclose(df.year, 2024.0)]
    assert _value(df, "region", "gdp_real", 2024.0) == pytest.approx(cities.value.sum(), rel=1e-12)


def test_no_2024_or_later_number_in_the_price_data():
    """Data from 2024 on is held out: the rows from 2024 are assumptions, with no published GDP."""
    for r in _csv("prices.csv"):
        if int(r["year"]) >= 2024:
            assert r["estimate"] == "true" and r["source"].startswith("assumption")
            assert not (r["gdp_yi"] or r["gdp_prev_yi"] or r["real_growth"])


def test_a_deflator_that_disagrees_with_its_growth_rates_is_refused(tmp_path):
    import shutil
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    text = (d / "prices.csv").read_text(encoding="utf-8").replace("-0.044106", "-0.034106")
    (d / "prices.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"prices.csv: row \d+: column deflator_growth"):
        load_data(d)


# ---------------------------------------------------------------- taxes
def test_vat_of_one_firm_at_its_sector_rate_by_hand():
    """Value added 10亿元/year: local VAT = 50 % × collection ratio 0.6 × rate × 10: construction 9 %
    -> 0.27, 文化旅游 6 % -> 0.18, goods 13 % -> 0.39亿元/year. Income tax on output 40亿 with pre-tax
    profit 8 and margin 6.09 %: 40 % × 25 % × min(8, 2.436) = 0.2436."""
    class P:
        local_vat_share, local_cit_share, cit_rate, vat_rate = 0.5, 0.4, 0.25, None
    tax = fiscal.tax_rates(np.array([0.13, 0.09, 0.06]), np.array([0.0609, 0.0268, 0.03]), P, 0.6, 0.8)
    va, out, pre = np.full(3, 10.0), np.full(3, 40.0), np.full(3, 8.0)
    vat, cit = fiscal.local_taxes(va, out, pre, np.array([0, 1, 2]), tax)
    np.testing.assert_allclose(vat, [0.39, 0.27, 0.18])
    assert cit[0] == pytest.approx(0.2436)
    assert cit[1] == pytest.approx(0.1 * 40 * 0.0268)
    # a loss-maker pays no income tax; a uniform scenario rate replaces the sector rates
    assert fiscal.local_taxes(va, out, -pre, np.array([0, 1, 2]), tax)[1].tolist() == [0, 0, 0]
    P.vat_rate = 0.13
    assert fiscal.tax_rates(np.array([0.13, 0.09, 0.06]), np.zeros(3), P, 0.6, 0.8).vat_rate.tolist() == [0.13] * 3


def test_base_taxes_recomputed_from_the_data_files(run):
    """Every site's base-period taxes = dt × Σ its firms' (0.5 × κ × τ_s × VA + 0.4 × 0.25 ×
    min(max(π_pre, 0), m_s × y)), τ_s and m_s read from sector_params.csv here: the tax base is the
    model's own value added and output."""
    m, _ = run
    par = {(r["sector"], r["param"]): float(r["value"]) for r in _csv("sector_params.csv")}
    kappa = next(float(r["value"]) for r in _csv("national.csv") if r["key"] == "vat_collection_ratio")
    tau = np.array([par[(s, "vat_rate")] for s in m.sectors])
    assert {tau[m.sectors.index(s)] for s in ("建筑业", "文化旅游", "汽车及零部件")} == {0.09, 0.06, 0.13}
    margin = np.array([par[(s, "profit_margin")] for s in m.sectors])
    m0 = RegionalEconomy(m.loaded, until=2022.25)  # the base state of the same scenario
    f = m0.firms
    pre = m0.market.bc.pretax[f.sector, f.site] * f.scale
    per = (0.5 * kappa * tau[f.sector] * f.va
           + 0.4 * 0.25 * np.minimum(np.maximum(pre, 0), margin[f.sector] * f.output)) * m0.dt
    want = np.bincount(f.site, weights=per, minlength=m0.R)
    want[m0.sites.is_origin] = 0.0
    np.testing.assert_allclose(m0.ledger.revenue0, want, rtol=1e-9, atol=1e-12)
    # taxable profit is the accounting margin, far below the model's pre-tax profit (y/σ − rents)
    in_city = m0.sites.market_arr[f.site] < m0.n_cities
    assert np.maximum(pre, 0)[in_city].sum() > 3 * (margin[f.sector] * f.output)[in_city].sum()


# ---------------------------------------------------------------- general budget
def test_general_budget_residual_non_negative_and_its_share_in_band(run):
    """The 2022 budget equals the published figure by construction where the residual is positive;
    what can fail: the residual is ≥ 0 in every city (modelled taxes never exceed the published
    revenue) and its share lies in a stated band. Band: taxes are ~58 % of a city's general budget
    (延边 2022: 26.44 of 45.66亿元) and local VAT + income tax of every sector about a third (朝阳
    2023: 22.6 + 4.3 of 82.7亿元), so the modelled sectors' local VAT + income tax leave at least 40 %
    of the budget to the residual in the region and 25 % in any city; at most 80 %, since industry and
    construction pay more than their share of GDP in VAT and income tax."""
    m, df = run
    pub = {r["city"]: float(r["general_budget_revenue_2022_yi"]) for r in _csv("budget.csv")}
    assert set(pub) == set(m.city_ids)
    shares = {}
    for c in m.city_ids:
        gbr = _value(df, c, "general_budget_revenue", 2022.0) / m.dt
        res = _value(df, c, "budget_residual", 2022.0) / m.dt
        taxes = _value(df, c, "fiscal_revenue", 2022.0) / m.dt
        assert res >= 0 and taxes <= pub[c] + 1e-9, c
        assert gbr == pytest.approx(pub[c], rel=1e-9)
        shares[c] = res / gbr
    assert all(0.25 <= s <= 0.8 for s in shares.values()), shares
    region = _value(df, "region", "budget_residual", 2022.0) / _value(df, "region", "general_budget_revenue", 2022.0)
    assert 0.4 <= region <= 0.8, region
    # 延边's modelled taxes stay below its published tax revenue (26.44亿元, 2022 bulletin)
    assert _value(df, "延边", "fiscal_revenue", 2022.0) / m.dt < 26.44


def test_budget_residual_grows_with_nominal_gdp(run):
    _, df = run
    for c in ("长春", "四平"):
        r0 = _value(df, c, "budget_residual", 2022.0)
        for y in (2023.0, 2024.0):
            ratio = _value(df, c, "gdp", y) / _value(df, c, "gdp", 2022.0)
            assert _value(df, c, "budget_residual", y) == pytest.approx(r0 * ratio, rel=1e-9)
            assert _value(df, c, "general_budget_revenue", y) == pytest.approx(
                _value(df, c, "fiscal_revenue", y) + _value(df, c, "budget_residual", y), rel=1e-12)


def test_theory_data_has_no_budget_or_deflator():
    """No budget.csv or prices.csv: no residual (the budget is the modelled taxes), no inflation."""
    d = load_data(ROOT / "scenarios/theory/data")
    assert d.deflator_points("N") == [] and math.isnan(d.budget_2022("N"))
    assert fiscal.budget_residual(np.array([np.nan, 5.0]), np.array([1.0, 7.0])).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- land transfer
def test_land_sale_of_one_plot_by_hand():
    """5 ha at 200 yuan/m² is 0.1亿元; with a 30 % discount the city gets 0.07, and acquisition and
    servicing at 80 % of the price cost 0.08: net -0.01亿元."""
    gross, net = fiscal.land_sale(np.array([200.0]), np.array([5.0]), np.array([0.3]), 0.8)
    assert gross[0] == pytest.approx(0.07) and net[0] == pytest.approx(-0.01)


def test_land_transfer_rows_recomputed_from_the_arrivals():
    """Step by step, each park's land-transfer revenue = Σ over the firms that arrived or entered there
    this period of price (before the period's update) × (1 − their land discount) × land − 0.8 ×
    price × land, in 亿元; some arrivals hold a discount; the rows add parks into cities."""
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/jxn_deep_discount.yaml", []), until=2024)
    cost = next(float(r["value"]) for r in _csv("national.csv") if r["key"] == "land_cost_share")
    P = m.n_parks
    seen_discount = False
    for _ in range(m.n_steps):
        price = m.land_price.copy()
        m.step()
        new = np.flatnonzero((m.arrived_t == m.t) & (m.site < P) & (m.land > 0))
        seen_discount |= bool((m.land_disc[new] > 0).any())
        net = price[m.site[new]] * m.land[new] * 1e-4 * (1 - m.land_disc[new] - cost)
        want = np.bincount(m.site[new], weights=net, minlength=m.R)
        np.testing.assert_allclose(m.ledger.land_net, want, rtol=1e-9, atol=1e-12)
    assert seen_discount


def test_summary_and_compare_carry_the_new_measures(run):
    from sim.outputs.compare import DIFF_MEASURES, PERIOD_FLOWS
    m, df = run
    s = build_summary(m, df, 1, 0.0)
    for place in (s["cities"]["四平"], s["region"]):
        for k in ("gdp_real_base_yi", "gdp_real_end_yi", "general_budget_revenue_total_yi",
                  "general_budget_revenue_2022_published_yi", "budget_residual_share_base",
                  "land_transfer_revenue_total_yi"):
            assert place[k] is not None, k
    assert s["region"]["general_budget_revenue_2022_published_yi"] == pytest.approx(967.14)
    assert {"general_budget_yi", "land_transfer_yi"} <= set(s["fiscal_by_year"][2023])
    assert {"gdp_real", "general_budget_revenue", "land_transfer_revenue"} <= set(DIFF_MEASURES)
    assert {"general_budget_revenue", "land_transfer_revenue"} <= set(PERIOD_FLOWS)
