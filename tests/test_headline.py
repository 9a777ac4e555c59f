"""The comparison's headline paragraph (sim/outputs/headline.py) is generated from the numbers:
change the inputs and the sentence changes (a losing city named, a noise clause when the band of
the zone's difference covers zero, the spending said)."""
from __future__ import annotations

import pandas as pd

from sim.outputs.headline import headlines

ZONE = ["四平", "辽源", "通化"]
CITIES = ["长春", "吉林", *ZONE]
NAMES_EN = {"长春": "Changchun", "吉林": "Jilin City", "四平": "Siping", "辽源": "Liaoyuan", "通化": "Tonghua"}
TITLES = {"base": {"zh": "基准情景", "en": "Baseline"}, "pol": {"zh": "示范区政策包", "en": "Zone package"}}


def _dd(zone_diffs, changchun_diffs, years=(2030.75, 2035.75)):
    """Difference rows of replicate pairs: ``zone_diffs[k]`` per zone city, 长春's, 吉林 unchanged."""
    rows = []
    for k, (z, cc) in enumerate(zip(zone_diffs, changchun_diffs)):
        for y in years:
            scale = 0.5 if y < 2031 else 1.0
            diffs = {**{c: z * scale for c in ZONE}, "长春": cc * scale, "吉林": 0.0}
            diffs["region"] = sum(diffs.values())
            for place, d in diffs.items():
                rows.append({"scenario": "pol", "replicate": k, "year": y, "place": place, "measure": "gdp",
                             "sector": "", "origin": "", "lever": "", "investor_origin": "", "channel": "",
                             "value_base": 1000.0, "value_policy": 1000.0 + d, "difference": d})
    return pd.DataFrame(rows)


def _effects(spent=142.0, births=(60.0, 80.0), moves=(30.0, 20.0)):
    dec = {c: {"output_change": {"births": {"replicates": list(births)}, "relocations": {"replicates": list(moves)},
                                 "incumbents": {"replicates": [5.0, 5.0]}, "exits": {"replicates": [0.0, 0.0]},
                                 "total": {"replicates": [b + m + 5 for b, m in zip(births, moves)]}}}
           for c in ZONE}
    return {"pol": {"mean": {"package_spending_total_yi": spent, "spending_total_yi": spent,
                             "infrastructure_spending_total_yi": 0.0}, "decomposition": dec}}


def _text(dd, eff):
    h = headlines(dd, eff, ["pol"], "base", CITIES, TITLES, NAMES_EN)
    return h["headline_zh"], h["headline_en"], h["headline_numbers"]["pol"]


def test_sentence_follows_the_numbers():
    zh, en, nums = _text(_dd([10.0, 14.0], [-8.0, -6.0]), _effects())
    # what it buys: the zone's ΔGDP (3 cities × 12 mean) in 2035 and half that in 2030, with bands
    assert nums["zone_gdp"]["end"]["mean"] == 36.0 and nums["zone_gdp"]["2030"]["mean"] == 18.0
    assert "2035年 +36.0 亿元/年" in zh and "2030年 +18.0 亿元/年" in zh and "区间 +30.0 至 +42.0" in zh
    assert "+36.0 亿元/year in 2035" in en and "band +30.0 to +42.0" in en
    assert "+1.2%" in zh and "+0.6%" in zh  # 36 / (3 × 1000), 18 / 3000
    # spending; new projects vs relocations (sum over the zone cities, mean over replicates)
    assert "共投入 142.0 亿元" in zh and "spends 142.0 亿元" in en
    assert "新建项目投产（新设企业）+210.0 亿元" in zh and "企业迁入（迁入减迁出）+75.0 亿元" in zh
    assert "+210.0 from new projects" in en and "+75.0 from relocations" in en
    # who loses: 长春, and its band (−8 to −6) excludes zero
    assert "长春 −7.0" in zh and "Changchun −7.0" in en and "吉林" not in zh.split("低于基准情景的城市")[1]
    assert "可与随机噪声区分" in zh and "distinguishable from noise" in en and "not distinguishable" not in en


def test_sentence_changes_when_the_inputs_change():
    zh0, _, _ = _text(_dd([10.0, 14.0], [-8.0, -6.0]), _effects())
    # 长春 gains instead: no loser named
    zh1, en1, _ = _text(_dd([10.0, 14.0], [3.0, 1.0]), _effects())
    assert "长春" not in zh1 and "Changchun" not in en1 and "没有其他城市" in zh1 and "No other city" in en1
    # the zone's band covers zero: the noise clause says so
    zh2, en2, nums = _text(_dd([-4.0, 14.0], [-8.0, -6.0]), _effects())
    assert nums["zone_gdp"]["end"]["indistinguishable_from_noise"] is True
    assert "无法与随机噪声区分" in zh2 and "not distinguishable from noise" in en2 and zh2 != zh0
    # more spending, more births: the numbers in the sentence move
    zh3, _, _ = _text(_dd([10.0, 14.0], [-8.0, -6.0]), _effects(spent=300.5, births=(100.0, 100.0)))
    assert "共投入 300.5 亿元" in zh3 and "+300.0 亿元" in zh3
    # one replicate: noise cannot be judged
    zh4, en4, _ = _text(_dd([10.0], [-8.0]), _effects(births=(60.0,), moves=(30.0,)))
    assert "无法判断" in zh4 and "cannot be judged" in en4
