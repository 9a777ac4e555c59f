"""Invariants (sim/checks/invariants.py) every step, on the shipped scenarios and on extreme but legal inputs."""
import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import run
from sim.checks.invariants import InvariantChecker, InvariantError, check_outputs
from sim.model import RegionalEconomy
from sim.outputs.rerun import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("name", ["jxn_transfer_zone", "changchun_siping"])
def test_policy_scenarios_keep_every_invariant_every_step(name):
    df = simulate(str(ROOT / "scenarios" / f"{name}.yaml"), check=True)
    check_outputs(df)


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_keeps_every_invariant(path):
    for seed in (1, 2):
        check_outputs(simulate(str(path), seed=seed, check=True))


def test_checker_catches_broken_states():
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/baseline.yaml", ["firms.scale=0.3"]), until=2023)
    c = InvariantChecker(m)
    c.check()
    m.step()
    c.check()
    for attr, corrupt, needle in [
        ("free_land", lambda a: a.__setitem__(0, -50.0), "beyond capacity"),
        ("scale", lambda a: a.__setitem__(3, np.nan), "scale"),
        ("jobs", lambda a: a.__setitem__(5, -1.0), "jobs"),
        ("alive", lambda a: a.__setitem__(np.flatnonzero(a)[0], False), "alive"),
        ("land_price", lambda a: a.__setitem__(1, np.inf), "land_price"),
        ("arrivals", lambda a: a.__setitem__(0, a[0] + 1), r"induced \+ deadweight"),
    ]:
        saved = getattr(m, attr).copy()
        corrupt(getattr(m, attr))
        with pytest.raises(InvariantError, match=needle):
            c.check()
        getattr(m, attr)[...] = saved  # the model's names are views: restore in place
    c.check()


def test_check_outputs_catches_a_broken_ledger():
    df = simulate(str(ROOT / "scenarios/jxn_transfer_zone.yaml"), ["firms.scale=0.3"], until=2024)
    check_outputs(df)
    bad = df.copy()
    i = bad.index[(bad.measure == "fiscal_balance") & (bad.place == "四平")][-1]
    bad.loc[i, "value"] += 1.0
    with pytest.raises(InvariantError, match="revenue - spending"):
        check_outputs(bad)
    bad = df.copy()
    bad.loc[bad.index[10], "value"] = np.inf
    with pytest.raises(InvariantError, match="NaN/infinite"):
        check_outputs(bad)


@pytest.mark.slow  # the fast extreme-input runs below also assert the manifest's "checked"
def test_run_check_flag(tmp_path, capsys):
    out = tmp_path / "o"
    assert run.main([str(ROOT / "scenarios/changchun_siping.yaml"), "--set", "firms.scale=0.3", "--until", "2025",
                     "--out", str(out), "--quiet", "--check"]) == 0
    d = Path(capsys.readouterr().out.strip().splitlines()[-1])
    man = pd.read_json(d / "manifest.json", typ="series")
    assert bool(man["checked"])


# ------------------------------------------------------------------------------------------------
# extreme but legal values run to the end with every invariant checked every step
# ------------------------------------------------------------------------------------------------

def _data_copy(tmp: Path, edit) -> Path:
    d = tmp / "data"
    shutil.copytree(DATA, d)
    edit(d)
    return d


def _edit_csv(path: Path, fn) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0].keys())
    rows = fn(rows) or rows
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def _no_free_land(d: Path) -> None:
    def f(rows):
        for r in rows:
            r["occupancy_2022"] = "1.0"
    _edit_csv(d / "parks.csv", f)


def _halve_travel(d: Path) -> None:
    with open(d / "links.csv", encoding="utf-8", newline="") as fh:
        links = list(csv.DictReader(fh))
    with open(d / "projects.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with open(d / "projects.csv", "a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        for ln in links:
            w.writerow({"id": "halve_all", "name_zh": "全部减半", "from": ln["from"], "to": ln["to"],
                        "mode": ln["mode"], "minutes_after": max(float(ln["minutes"]) / 2, 0.1),
                        "completion": "2024", "source": "test: halves every travel time", "estimate": "true"})
    with open(d / "project_costs.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with open(d / "project_costs.csv", "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=header).writerow(
            {"id": "halve_all", "name_zh": "全部减半", "length_km": 0, "investment_yi": 1000, "build_years": 2,
             "central_share": 0.5, "province_share": 0.3, "city_share": 0.2, "city_payers": "",
             "source": "test", "estimate": "true"})


def _no_textile_firms(d: Path) -> None:
    gone = "现代纺织"

    def shares(rows):
        moved = {}
        for r in rows:
            if r["sector"] == gone:
                moved[r["city"]] = float(r["share"])
                r["share"] = "0"
        for r in rows:
            if r["sector"] == "其他工业":
                r["share"] = repr(float(r["share"]) + moved.pop(r["city"], 0.0))
        assert not moved
    _edit_csv(d / "city_sectors.csv", shares)

    def params(rows):
        for r in rows:
            if r["sector"] == gone and r["param"] == "coastal_mobile_share":
                r["value"] = "0"
    _edit_csv(d / "sector_params.csv", params)


LAND_100 = ("levers: [{id: free_land, kind: land_discount, value: {2023: 1.0}, source: test,"
            " target: {cities: [四平, 辽源, 通化], parks_only: true}},"
            " {id: free_rent, kind: land_discount, applies_to: all, value: 1.0, source: test}]\n")

EXTREMES = {
    "land_discount_100": (None, LAND_100, []),
    "zero_free_land": (_no_free_land, "", []),
    "horizon_2060": (None, "", ["horizon.end=2060"]),
    "halve_every_travel_time": (_halve_travel, "transport_projects: [halve_all]\n", []),
    "no_firms_in_a_sector": (_no_textile_firms, "", []),
}


# the longest three (a 38-year horizon; every link rebuilt; free land and rent) run in the slow set CI runs
SLOW_EXTREMES = {"horizon_2060", "halve_every_travel_time", "land_discount_100"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW_EXTREMES else c
                                  for c in sorted(EXTREMES)])
def test_extreme_but_legal_values_run_to_the_end(tmp_path, capsys, case):
    edit, extra, sets = EXTREMES[case]
    data = _data_copy(tmp_path, edit) if edit else DATA
    f = tmp_path / "extreme.yaml"
    f.write_text(f"name: {case}\nextends: {ROOT / 'scenarios/baseline.yaml'}\ndata_dir: {data}\n"
                 f"firms: {{scale: 0.5}}\n{extra}", encoding="utf-8")
    args = [str(f), "--out", str(tmp_path / "o"), "--quiet", "--check"]
    for s in sets:
        args += ["--set", s]
    assert run.main(args) == 0, capsys.readouterr().err
    d = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert bool(pd.read_json(d / "manifest.json", typ="series")["checked"])
    df = pd.read_parquet(d / "trajectories.parquet")
    check_outputs(df)
    end = 2060 if case == "horizon_2060" else 2035
    assert df.year.max() == end + 0.75
    if case == "no_firms_in_a_sector":
        assert df[(df.sector == "现代纺织") & (df.measure == "industrial_output")].value.abs().sum() == 0
    if case == "zero_free_land":
        occ = df[df.measure == "occupancy"]
        assert (occ[occ.year == 2022.0].value == 1.0).all() and (occ.value <= 1.0).all()


def test_a_step_without_entrants_in_parks():
    """The entrant-capacity rule must cope with no entrant born in a park (empty arrays)."""
    m = RegionalEconomy(load_scenario(ROOT / "scenarios/baseline.yaml", ["firms.scale=0.3"]), until=2023)
    c = InvariantChecker(m)
    m.step()
    c.check()
    is_park = m.is_park.copy()
    m.is_park[:] = False
    try:
        m.exits_and_births()
    finally:
        m.is_park[:] = is_park
