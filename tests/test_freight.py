"""Goods move on roads and freight rail only (sim/geography.py, scenarios/data/modes.csv): a
passenger-only high-speed line leaves goods trade costs unchanged, a road project lowers them.
Numbers from the data files (link and project minutes), not from the model."""
import csv
from pathlib import Path

import numpy as np
import pytest

from sim.data import load_data
from sim.errors import DataError
from sim.geography import Network

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def net():
    return Network.from_data(load_data(DATA), rail_access_minutes=30.0)


def test_every_link_and_project_has_a_mode_of_the_freight_table():
    # read from the CSV files, not through the loader: each mode named in links.csv and
    # projects.csv is a row of modes.csv with a freight flag and a source; high-speed lines carry
    # no freight, roads do
    modes = {r["mode"]: r for r in _rows("modes.csv")}
    assert modes["road"]["freight"] == "true" and modes["hsr"]["freight"] == "false"
    assert all(r["source"].strip() and r["network"] in ("road", "rail") for r in modes.values())
    for name in ("links.csv", "projects.csv"):
        rows = _rows(name)
        assert rows, name
        for r in rows:
            assert r["mode"] in modes, (name, r)
    # every high-speed, intercity and 客专 project or link is marked passenger-only
    for r in _rows("projects.csv") + _rows("links.csv"):
        text = r.get("name_zh", "") + r["source"]
        if any(w in text for w in ("高铁", "高速铁路", "城际", "HSR")):
            assert modes[r["mode"]]["freight"] == "false", r


def test_an_unknown_mode_is_a_one_line_data_error(tmp_path):
    import shutil
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    text = (d / "projects.csv").read_text(encoding="utf-8").replace(",hsr,", ",maglev,", 1)
    (d / "projects.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_data(d)
    msg = str(e.value)
    assert "projects.csv" in msg and "maglev" in msg and "modes.csv" in msg and "\n" not in msg


def test_passenger_only_hsr_leaves_freight_times_unchanged(net):
    # 长春至双辽至通辽高铁 (hsr, 2028): 长春-双辽 50 min + 30 min access = 80 for passengers
    # (before: road 长春-四平-双辽, G1 85 + G1112 56 = 141); freight times identical everywhere
    hsr = frozenset({"hsr_cc_sl_tl"})
    cc, sl = net.index("长春"), net.index("双辽")
    np.testing.assert_array_equal(net.times(2030, hsr, freight=True), net.times(2030, freight=True))
    assert net.times(2030, freight=True)[cc, sl] == 141.0
    assert net.times(2030)[cc, sl] == 141.0
    assert net.times(2030, hsr)[cc, sl] == 80.0


def test_base_hsr_links_are_passenger_only(net):
    # 哈大高铁 长春-四平 35 min + 30 access = 65 for passengers; goods take G1 京哈高速, 85 min
    cc, sp = net.index("长春"), net.index("四平")
    assert net.times(2022)[cc, sp] == 65.0
    assert net.times(2022, freight=True)[cc, sp] == 85.0


def test_road_project_shortens_freight_times(net):
    # 国道饶盖公路依家屯至伊通镇段 (road, 2025): 长春-伊通 60 → 50 min, for goods and passengers
    road = frozenset({"g_raogai_yjt_yt"})
    cc, yt = net.index("长春"), net.index("伊通")
    assert net.times(2030, freight=True)[cc, yt] == 60.0
    assert net.times(2030, road, freight=True)[cc, yt] == 50.0
    assert net.times(2024, road, freight=True)[cc, yt] == 60.0  # not before its completion


def _model(projects):
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    sets = [f"transport_projects=[{', '.join(projects)}]"]
    return RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml", sets), until=2022.5)


def test_freeness_of_goods_unchanged_by_hsr_and_changed_by_a_road_project():
    # the model's φ[s, r, q] in 2030: (max(t, t₀_q) / t₀_q)^(−δ_s) with t the freight time for goods
    # sectors and the passenger time for 文化旅游 (whose buyers travel), from the site's node to the
    # market's seat on the network, stretched to the market's buyers over its territory (× D / g,
    # ``Transport.stretch``), t₀_q the time from the market's seat to its buyers (tests/test_transport.py)
    none, hsr, road = _model([]), _model(["hsr_cc_sl_tl"]), _model(["g_raogai_yjt_yt"])
    for m in (none, hsr, road):
        m.update_freeness(2030.0)
    goods = np.array([none.data.param(s, "industrial") > 0 for s in none.sectors])
    tour = none.sectors.index("文化旅游")
    np.testing.assert_array_equal(hsr.market.phi[goods], none.market.phi[goods])
    site = {k: i for i, k in enumerate(none.sites.ids)}
    cc, jl = none.market_ids.index("长春"), none.market_ids.index("吉林")
    t0_cc, t0_jl = none.transport.internal_minutes[cc], none.transport.internal_minutes[jl]
    st = none.transport.stretch
    sl, yt = site["shuangliao_etdz"], site["yitong_etdz"]
    # tourism at 双辽 selling to 长春's visitors: 141 min by road → 80 by the new line
    assert none.market.phi[tour, sl, cc] == pytest.approx((max(141 * st[sl, cc], t0_cc) / t0_cc) ** -2.5, rel=1e-12)
    assert hsr.market.phi[tour, sl, cc] == pytest.approx((max(80 * st[sl, cc], t0_cc) / t0_cc) ** -2.5, rel=1e-12)
    assert hsr.market.phi[tour, sl, cc] > none.market.phi[tour, sl, cc]
    # the road project: goods from 伊通 to 吉林 (via 长春) 60 + 75 → 50 + 75 min
    assert 135 * st[yt, jl] > t0_jl
    for s in np.flatnonzero(goods):
        delta = none.data.param(none.sectors[s], "delta")
        assert none.market.phi[s, yt, jl] == pytest.approx((135 * st[yt, jl] / t0_jl) ** -delta, rel=1e-12)
        assert road.market.phi[s, yt, jl] == pytest.approx((125 * st[yt, jl] / t0_jl) ** -delta, rel=1e-12)
        assert road.market.phi[s, yt, jl] > none.market.phi[s, yt, jl]


def test_projects_have_a_date_a_source_and_no_source_from_the_held_out_years():
    # every transport project row: a completion date, a source; data from 2024 on is held out for
    # validation, so no source is dated 2024 or later (planned years like 预计2025年 are allowed)
    import re

    from sim.dates import parse_date
    for r in _rows("projects.csv") + _rows("links.csv"):
        if "completion" in r:
            assert 2022 <= parse_date(r["completion"]) <= 2040, r
        assert r["source"].strip(), r
        for y, mo, d in re.findall(r"\b(20\d\d)-(\d\d)-(\d\d)\b", r["source"]):
            assert int(y) <= 2023, (r["source"], y, mo, d)
