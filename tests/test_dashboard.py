"""The dashboard's model in-process, no browser (sim/dashboard/economy.py; the page: test_dashboard_browser.py).

A slider value must reach the model's lever schedule, so that the lever in force, the payments, the
ledger and the attribution of arrivals all use it, exactly as a scenario file with that value would.
"""

import copy
import re
import socket

import numpy as np
import pytest

from sim.dashboard.economy import (
    ALL_PARKS,
    LEVERS,
    SCENARIO_DIR,
    DashboardEconomy,
    build_scenario,
    default_values,
    zone_parks,
)
from sim.dashboard.page import status_html
from sim.errors import UserError
from sim.model import RegionalEconomy
from sim.outputs.metrics import record_run
from sim.scenario import load_scenario

ZERO = {k: 0.0 for k in LEVERS}


def steps(m, n):
    for _ in range(n):
        m.step()
    return m


def test_default_sliders_are_jxn_transfer_zone_exactly():
    """With the sliders at their defaults the dashboard runs jxn_transfer_zone.yaml itself (same
    resolved scenario, same hash) and its zone figures are run.py's trajectories."""
    assert default_values() == {"land_discount": 0.3, "interest_subsidy": 1.0, "tax_rebate": 0.4,
                                "talent_subsidy": 10000.0}
    file = load_scenario(SCENARIO_DIR / "jxn_transfer_zone.yaml")
    assert build_scenario().hash == file.hash
    run = RegionalEconomy(file, until=2024)  # 11 steps: 2022Q2 .. 2024Q4
    df = record_run(run).frame()
    dash = steps(DashboardEconomy(), run.n_steps)
    zone = set(dash.zone_park_ids)
    assert len(zone) == 12 and zone == set(zone_parks())
    cities = ["四平", "辽源", "通化"]
    for measure, key in (("firms", "zone_firms"), ("induced_arrivals", "zone_induced_arrivals"),
                         ("industrial_output", "zone_industrial_output")):
        d = df[(df.measure == measure) & df.place.isin(zone) & (df.sector == "")]
        assert np.allclose(d.groupby("year").value.sum().to_numpy(), dash.history[key], rtol=1e-12)
    d = df[(df.measure == "lever_spending") & (df.lever == "jxn_land") & df.place.isin(cities)]
    assert np.allclose(d.groupby("year").value.sum().to_numpy(), dash.history["spending:jxn_land"])
    assert dash.cumulative("spending:jxn_land") > 0


def test_land_slider_reaches_lever_payments_and_firms():
    """land_discount 0 / 0.3 / 0.6: the value in force from 2023-09 (scenario date), the discount
    the arriving firms hold, and land spending growing with the slider."""
    out = {}
    for v in (0.0, 0.3, 0.6):
        m = steps(DashboardEconomy(land_discount=v), 6)  # 2023Q3 (t = 2023.5): before 2023-09
        assert m.lever_in_force("land_discount") == 0.0
        steps(m, 6)  # to 2025Q1
        assert m.lever_in_force("land_discount") == v
        j = m.lever_ids.index("jxn_land")
        assert m.lever_val[j] == v
        held = m.land_disc[m.land_disc > 0]
        # firms that bought a plot in a zone park under the lever hold exactly the slider's discount
        assert (v == 0 and held.size == 0) or (held.size > 0 and np.allclose(held, v))
        out[v] = m.cumulative("spending:jxn_land")
    assert out[0.0] == 0.0 < out[0.3] < out[0.6]


def test_zero_sliders_on_baseline_are_the_baseline_and_defaults_induce_arrivals(baseline_model):
    """On baseline.yaml the sliders add jxn's levers: at 0 the run is the baseline bit for bit (no
    spending, no induced arrival); at the defaults the zone pays and some arrivals are induced."""
    base = steps(copy.deepcopy(baseline_model), 12)  # tests/conftest.py: baseline.yaml, built once
    zero = steps(DashboardEconomy(scenario="baseline", **ZERO), 12)
    assert set(zero.lever_ids) == {spec["id"] for spec in LEVERS.values()}
    assert np.array_equal(zero.site, base.site) and np.array_equal(zero.scale, base.scale)
    assert zero.cumulative("zone_fiscal_spending") == 0.0
    assert zero.cumulative("zone_induced_arrivals") == 0.0
    on = steps(DashboardEconomy(scenario="baseline"), 12)
    assert on.cumulative("zone_fiscal_spending") > 0
    assert on.cumulative("zone_induced_arrivals") > 0
    assert not np.array_equal(on.site, base.site)


def test_one_park_splits_the_levers():
    """park = lishu_etdz: the sliders drive '<id>.lishu_etdz' at that park only; the other eleven
    parks keep the scenario's values; budget caps are split by capacity and add up."""
    m = DashboardEconomy(park="lishu_etdz", talent_subsidy=20000.0)
    k = m.site_ids.index("lishu_etdz")
    one = m.lever_ids.index("jxn_talent.lishu_etdz")
    rest = m.lever_ids.index("jxn_talent")
    assert set(np.flatnonzero(m.lever_mask[one].any(axis=0))) == {k}
    reached = set(np.flatnonzero(m.lever_mask[rest].any(axis=0)))
    assert k not in reached and len(reached) == 11
    caps = {lv.id: lv.budget_wan_per_year for lv in m.scn.levers}
    assert caps["jxn_interest"] + caps["jxn_interest.lishu_etdz"] == pytest.approx(20000)
    assert caps["jxn_talent"] + caps["jxn_talent.lishu_etdz"] == pytest.approx(15000)
    assert 0 < caps["jxn_talent.lishu_etdz"] < caps["jxn_talent"]
    steps(m, 9)  # 2024Q2: the talent levers run from 2024
    assert m.lever_in_force("talent_subsidy") == 20000.0 and m.lever_val[rest] == 10000.0
    spend = m.ledger_spend[one]
    assert spend[k] > 0 and np.count_nonzero(spend) == 1
    assert m.history["park_firms"][-1] > 0


def test_mistakes_are_user_errors():
    for kwargs, word in (({"scenario": "nope"}, "scenario"), ({"park": "cc_auto_etdz"}, "park"),
                         ({"land_discount": 1.5}, "land_discount"), ({"seed": "abc"}, "seed"),
                         ({"seed": -1}, "seed"), ({"talent_subsidy": float("nan")}, "talent_subsidy")):
        with pytest.raises(UserError, match=word):
            DashboardEconomy(**kwargs)


def test_seed_and_horizon():
    """An empty seed is the scenario's; a given one changes the draws; the model stops at the
    scenario's horizon (SolaraViz disables play and step when ``running`` is False)."""
    a = DashboardEconomy(scenario="baseline", seed="")
    b = DashboardEconomy(scenario="baseline", seed="7")
    assert a.seed_value == 20230228 and b.seed_value == 7
    steps(a, a.n_steps - 1)
    assert a.running
    a.step()
    assert not a.running and a.t == 2035.75 and a.quarter_label() == "2035Q4"
    n = len(a.history["year"])
    a.step()
    assert a.step_count == a.n_steps and len(a.history["year"]) == n


def test_status_card_shows_the_model():
    m = steps(DashboardEconomy(land_discount=0.5), 7)
    html = status_html(m, "en")
    assert 'data-testid="in-force-land_discount" style="text-align:right;padding:0 6px">0.5<' in html
    assert 'data-testid="period" style="text-align:right;padding:0 6px">2023Q4<' in html
    spent = f"{m.cumulative('spending:jxn_land'):.4f}"
    assert f'data-testid="spent-land_discount" style="text-align:right;padding:0 6px">{spent}<' in html
    assert m.dash_park == ALL_PARKS and "all zone parks" in html


def test_status_card_lists_every_lever_and_speaks_both_languages():
    """Every lever of the scenario has a row (the free business-environment lever too, with the
    arrivals it alone decided), and the card is in Chinese by default."""
    m = steps(DashboardEconomy(), 9)
    zh, en = status_html(m), status_html(m, "en")
    for lid in m.lever_ids:
        assert f">{lid}<" in zh and f">{lid}<" in en
    piv = {lid: m.cumulative(f"pivotal:{lid}") for lid in m.lever_ids}
    assert piv["jxn_business_env"] > 0  # the free lever moves firms: the card must show it
    assert (f'data-testid="pivotal-jxn_business_env" style="text-align:right;padding:0 6px">'
            f'{piv["jxn_business_env"]:.0f}<') in zh
    assert "营商环境" in zh and "business environment" in en and "营商环境" not in en
    assert "全部示范区园区" in zh and "政策杠杆" in zh and "lever" not in zh.split("<table>")[1].split("</tr>")[0]


def test_map_on_the_cities_shapes():
    """The dashboard's map: every city's real shape filled by arrivals into its parks since the base
    year (cities with arrivals darker than those without), parks as circles sized by output."""
    from matplotlib.collections import PathCollection

    from sim.dashboard.page import map_figure
    m = steps(DashboardEconomy(), 8)
    fig = map_figure(m, "zh")
    ax = fig.axes[0]
    fills = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_paths()) >= 13]
    assert fills, "no collection with the cities' shapes"
    colours = fills[0].get_facecolors()
    assert len({tuple(np.round(c, 3)) for c in colours}) > 2  # the cities differ by their arrivals
    assert "园区产值与落地企业" in ax.get_title() and "2024Q1" in ax.get_title()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "四平" in texts and "辽源" in texts


def test_command_mistakes(capsys, monkeypatch):
    import run
    assert run.main(["dashboard", "--port", "70000"]) == 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert run.main(["dashboard", "--port", str(busy)]) == 2
    monkeypatch.setattr("sim.dashboard.server.missing_packages", lambda: ["solara"])
    assert run.main(["dashboard"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "65535" in err[0] and "free port" in err[1] and ".[dashboard]" in err[2]


def test_city_policy_switch_makes_governments_act():
    """The dashboard's city-government select: ``compete`` on the zone scenario adds the six
    governments' levers, which the status card lists with the highest sector rate in force."""
    m = steps(DashboardEconomy(city_policy="compete"), 12)
    gov = [lid for lid in m.lever_ids if lid.startswith("gov.")]
    assert len(gov) == 12 and not [lid for lid in DashboardEconomy().lever_ids if lid.startswith("gov.")]
    html = status_html(m, "en")
    rates = [float(x) for x in re.findall(r'data-testid="in-force-gov[^>]*>([^<]*)<', html)]
    assert len(rates) == 12 and max(rates) > 0 and max(rates) <= 0.4
    with pytest.raises(UserError, match="city_policy"):
        DashboardEconomy(city_policy="bid")
