"""Scenario titles (issue 16): an optional ``title: {zh, en}`` shown by reports and comparisons
instead of the scenario's name; presentation only, so it is not in the scenario hash and a child
scenario does not inherit its parent's."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sim.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "theory").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_has_a_title_in_both_languages(path):
    t = load_scenario(path).resolved.get("title")
    assert t and t["zh"] and t["en"], path
    assert any("\u4e00" <= ch <= "\u9fff" for ch in t["zh"])  # Chinese
    assert t["en"].isascii() or "–" in t["en"]


def test_title_changes_no_hash_but_is_in_the_manifest_dict():
    ld = load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml")
    data = copy.deepcopy(ld.resolved)
    untitled = validate_scenario({k: v for k, v in data.items() if k != "title"}, path=ld.path)
    retitled = validate_scenario({**data, "title": {"zh": "别的名字", "en": "Another name"}}, path=ld.path)
    assert "title" not in untitled.resolved and retitled.resolved["title"]["zh"] == "别的名字"
    assert ld.hash == untitled.hash == retitled.hash
    # a changed description (not presentation only) does change it
    assert validate_scenario({**data, "description": "x"}, path=ld.path).hash != ld.hash


def test_child_does_not_inherit_the_parents_title(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"name: child\nextends: {ROOT / 'scenarios' / 'jxn_transfer_zone.yaml'}\n"
                     f"data_dir: {ROOT / 'scenarios' / 'data'}\n", encoding="utf-8")
    ld = load_scenario(child)
    assert "title" not in ld.resolved
    titled = tmp_path / "titled.yaml"
    titled.write_text(child.read_text(encoding="utf-8").replace("name: child", "name: titled\ntitle: {zh: 子情景}"),
                      encoding="utf-8")
    assert load_scenario(titled).resolved["title"] == {"zh": "子情景", "en": None}


def test_report_source_names_a_scenario_by_its_title():
    from sim.outputs.report.source import Source
    src = Source("comparison", Path("."), {"titles": {"a": {"zh": "甲", "en": "A"}, "b": {"zh": "乙", "en": None},
                                                      "c": None}}, ["a", "b", "c"], {})
    assert [src.title(n, "zh") for n in "abc"] == ["甲", "乙", "c"]
    assert [src.title(n, "en") for n in "abc"] == ["A", "乙", "c"]  # no English title: the Chinese one
    assert src.title("a (targets of b)", "zh") == "甲（按乙的目标）"
