"""The report's paragraph on which sectors each zone park wins (sim/outputs/report/parks.py), on
made-up counts whose answer is known."""
from __future__ import annotations

import pandas as pd

from sim.outputs.report.parks import gap_paragraph

GEO = {"parks": {"la": (0, 0, "甲园区", "甲市"), "pb": (0, 0, "乙园区", "乙市"), "pb2": (0, 0, "乙二园区", "乙市")},
       "leading": {"la": ["纺织"], "pb": ["装备"], "pb2": []}, "zone": ["甲市", "乙市"]}


def counts(arr: dict, started: dict, base: dict) -> dict:
    cols = ["纺织", "装备", "食品"]
    frame = (lambda d: pd.DataFrame.from_dict(d, orient="index", columns=cols).astype(float))
    return {"arrivals_by_sector": frame(arr), "projects_started_by_sector": frame(started),
            "base": frame(base), "years": (2022, 2035), "n": 1}


def test_the_gap_is_named_by_its_largest_sector():
    c = counts({"la": [10, 1, 0], "pb": [0, 2, 1], "pb2": [0, 0, 1]},
               {"la": [30, 4, 2], "pb": [1, 6, 2], "pb2": [0, 1, 0]},
               {"甲市": [100, 5, 1], "乙市": [2, 50, 1]})
    zh = gap_paragraph(c, GEO, "zh")
    # totals: 甲园区 47, 乙园区 12; the gap 35, of which 纺织 39 > the gap (装备 and 食品 favour 乙园区)
    assert "甲园区（甲市）共迎来 47 个" in zh and "乙园区为 12 个" in zh and "乙二园区 2" in zh
    assert "仅纺织一项就多出 39 个（甲园区 40 个，乙园区 1 个），超过全部差距 35 个" in zh
    assert "纺织是甲园区的主导产业，而不是乙市任何园区的主导产业" in zh
    assert "纺织的产值：甲市 100.0 亿元，乙市 2.0 亿元——" in zh
    assert "在乙园区的主导产业（装备）中，乙园区 8 个，甲园区 5 个" in zh
    en = gap_paragraph(c, GEO, "en")
    assert "纺织 alone accounts for 39 (甲园区 40, 乙园区 1), more than the whole gap of 35" in en


def test_a_share_of_the_gap_and_no_base_claim_when_the_base_is_not_larger():
    c = counts({"la": [10, 10, 0], "pb": [0, 0, 0], "pb2": [0, 0, 0]},
               {"la": [0, 0, 0], "pb": [0, 0, 0], "pb2": [0, 0, 0]},
               {"甲市": [1, 5, 1], "乙市": [2, 50, 1]})
    zh = gap_paragraph(c, GEO, "zh")
    # 纺织 and 装备 tie at 10 of a gap of 20: the first in column order is named, with 50 %
    assert "差距的 50% 在纺织" in zh
    assert "——" not in zh  # 甲市's base in 纺织 (1) is not above 乙市's (2): no claim about investors
    # a city with no busier park than the leader is not compared with itself
    assert zh.count("<p>") == 2


def test_nothing_to_say_without_two_zone_cities_with_parks():
    c = counts({"la": [1, 0, 0]}, {"la": [1, 0, 0]}, {"甲市": [1, 1, 1]})
    assert gap_paragraph(c, dict(GEO, zone=["甲市"]), "zh") == ""
