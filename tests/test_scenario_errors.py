"""Bad scenario input: one line on stderr naming the file and key, exit code 2, no result folder."""
from pathlib import Path

import pytest

import run

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path, text, name="s.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    (tmp_path / "data").symlink_to(ROOT / "scenarios" / "data")
    return p


@pytest.mark.parametrize("body,needle", [
    ("name: x\nbogus: 1\n", "bogus"),
    ("name: x\nparameters: {beta: -1}\n", "parameters.beta"),
    ("name: x\nparameters: {beta: abc}\n", "parameters.beta"),
    ("name: x\nhorizon: {start: 2022, end: 2020}\n", "horizon"),
    ("name: x\nname: y\n", "duplicate key"),
    ("", "empty file"),
    ("name: x\nextends: missing.yaml\n", "extends"),
    ("name: x\ntransport_projects: [no_such_project]\n", "transport_projects"),
    ("name: x\nparameters: {beta: .nan}\n", "parameters.beta"),
    # a yearly schedule with a word in it: the key down to the year, and the value, are named
    ("name: x\nlevers: [{id: t, kind: tax_rebate, value: {2024: lots}, target: {cities: [四平]}, "
     "source: s}]\n", "levers.t.value.2024: got 'lots'; expected a valid number"),
])
def test_bad_scenario_is_one_line_exit_2(tmp_path, capsys, body, needle):
    p = _write(tmp_path, body)
    out = tmp_path / "out"
    code = run.main([str(p), "--out", str(out), "--until", "2023", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert needle in err and "s.yaml" in err  # names the file and the key
    assert not out.exists() or not any(out.iterdir())


def test_extends_cycle_is_reported(tmp_path, capsys):
    (tmp_path / "data").symlink_to(ROOT / "scenarios" / "data")
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: a.yaml\n")
    assert run.main([str(tmp_path / "a.yaml"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "cycle" in capsys.readouterr().err


def test_binary_file_and_bad_set(tmp_path, capsys):
    p = tmp_path / "b.yaml"
    p.write_bytes(b"\x00\x01\xff")
    assert run.main([str(p), "--quiet"]) == 2
    assert "binary" in capsys.readouterr().err
    assert run.main([str(ROOT / "scenarios/baseline.yaml"), "--set", "parameters.nope=3",
                     "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "parameters.nope" in capsys.readouterr().err


def test_schedule_dates():
    from sim.scenario import parse_schedule
    s = parse_schedule({2024: 0.3, "2026-07": 0.5})
    assert s.at(2023.9) == 0.0 and s.at(2024.0) == 0.3 and s.at(2026.4) == 0.3 and s.at(2026.5) == 0.5


def test_dated_trend_schedule_changes_the_path():
    # a wage-growth schedule for 长三角 that jumps in 2024 raises its wage factor only from then on
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    base = RegionalEconomy(load_scenario(ROOT / "scenarios/baseline.yaml", ["firms.scale=0.3"]), until=2025)
    sch = RegionalEconomy(load_scenario(ROOT / "scenarios/baseline.yaml", [
        "firms.scale=0.3", "trends.wage_growth={长三角: {2024: 0.20}}"]), until=2025)
    q = base.market_ids.index("长三角")
    for _ in range(7):  # to 2023.75
        base.step(); sch.step()
    assert sch.f_wage[q] == base.f_wage[q]
    for _ in range(5):  # the periods 2024.0-2024.75 grow at the scheduled rate
        base.step(); sch.step()
    assert sch.f_wage[q] / base.f_wage[q] == pytest.approx(1.20 / 1.06, rel=1e-9)
