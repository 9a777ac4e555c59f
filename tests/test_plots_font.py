"""Chinese labels render: the shipped font has a glyph for every place and sector name in the data."""
from pathlib import Path

from fontTools.ttLib import TTFont

from sim.data import load_data
from sim.outputs.plots import FONT, setup_font

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_cjk_font_covers_all_names():
    assert setup_font()
    cmap = TTFont(str(FONT)).getBestCmap()
    d = load_data(ROOT / "scenarios" / "data")
    names = d.cities.ids() + d.origins.ids() + d.sectors + [r["name_zh"] for r in d.parks.rows]
    names += ["各市地区生产总值", "分行业工业产值", "按来源地累计迁入企业", "研究区域产值分布", "亿元", "园区外"]
    # the maps (sim/outputs/maps.py) and the boundaries' Chinese names
    names += ["地区生产总值变化", "迁入企业", "园区工业产值", "园区迁入企业", "吉西南", "地区生产总值差值",
              "园区政策诱发迁入", "政策诱发迁入企业", "−"]
    import csv
    with open(ROOT / "scenarios" / "data" / "boundaries" / "city_codes.csv", encoding="utf-8") as fh:
        names += [r["name_zh"] for r in csv.DictReader(fh)]
    missing = sorted({ch for n in names for ch in n if ord(ch) > 127 and ord(ch) not in cmap})
    assert missing == []


def test_park_occupancy_never_exceeds_capacity(baseline_model):
    import copy
    m = copy.deepcopy(baseline_model)
    for _ in range(12):
        m.step()
        assert all(0.0 <= pk.occupancy <= 1.0 + 1e-9 for pk in m.parks)
        assert (m.free_land[: m.n_parks] >= -1e-9).all()
