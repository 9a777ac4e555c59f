"""The decomposition of every change since the base year into births / incumbents / relocations /
exits (docs/model.md §Decomposition, MODEL.md §9.7): each channel from firm records, checked
against an independent per-firm computation (a merge of the base and final populations by firm
id), and their sum against the total change from independent sums over the two populations."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.agents.cohort import CHANNELS, BaseCohort
from sim.agents.firms import FirmPopulation
from tests.fingerprint import ROOT

MEASURES = {"output_change": "output", "jobs_change": "jobs", "capital_change": "capital"}


def _run(scenario: str, overrides=(), until=2024.5):
    from sim.model import RegionalEconomy
    from sim.outputs.metrics import Recorder
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / scenario, ["firms.scale=0.3", *overrides]),
                        until=until)
    base = _population(m)
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    return m, base, rec.frame()


def _population(m) -> pd.DataFrame:
    """The live firms' records, computed here (capital K = k_s·A: capital per unit scale × scale)."""
    f = m.firms
    live = f.alive
    return pd.DataFrame({"id": f.firm_id[live], "site": f.site[live], "output": f.output[live],
                         "jobs": f.jobs[live],
                         "capital": m.investment.k[f.sector[live]] * f.scale[live]})


def _places(m) -> dict[str, np.ndarray]:
    """Place → its sites (a 0/1 mask over sites): cities, parks, the region."""
    mk = m.site_market_arr
    nc = len(m.city_ids)
    out = {c: mk == i for i, c in enumerate(m.city_ids)}
    for k in range(m.n_parks):
        out[m.site_ids[k]] = np.arange(m.R) == k
    out["region"] = mk < nc
    return out


def _independent_channels(m, base: pd.DataFrame, final: pd.DataFrame) -> dict:
    """{(place, quantity): {channel: value, "total": Σ final − Σ base}} by a merge on firm id."""
    j = final.merge(base, on="id", how="outer", suffixes=("", "_0"), indicator=True)
    born, dead, kept = j[j._merge == "left_only"], j[j._merge == "right_only"], j[j._merge == "both"]
    moved = kept[kept.site != kept.site_0]
    out = {}
    for place, in_p in _places(m).items():
        for q in ("output", "jobs", "capital"):
            def s(d, site_col, col, in_p=in_p):
                return float(d[col][in_p[d[site_col].to_numpy(dtype=int)]].sum()) if len(d) else 0.0
            out[place, q] = {
                "births": s(born, "site", q),
                "incumbents": s(kept, "site", q) - s(kept, "site", q + "_0"),
                "relocations": s(moved, "site", q + "_0") - s(moved, "site_0", q + "_0"),
                "exits": -s(dead, "site_0", q + "_0"),
                "total": s(final, "site", q) - s(base, "site", q)}
    return out


def _last(df) -> pd.DataFrame:
    d = df[(df.year == df.year.max()) & df.measure.isin(list(MEASURES))]
    return d.pivot_table(index=["place", "measure"], columns="channel", values="value", aggfunc="sum")


@pytest.fixture(scope="module")
def zone_run():
    return _run("jxn_transfer_zone.yaml")


def test_channels_equal_firm_records_and_add_up_to_the_total_change(zone_run):
    """Every mechanism on (levers, projects and births, exits, relocation, growth): each channel
    equals its own per-firm sum, and the four add up to Σ final − Σ base, per city, park and region."""
    m, base, df = zone_run
    ref = _independent_channels(m, base, _population(m))
    tab = _last(df)
    places = list(_places(m))
    assert set(tab.index.get_level_values(0)) == set(places)
    for place in places:
        for meas, q in MEASURES.items():
            row, want = tab.loc[(place, meas)], ref[place, q]
            scale = max(abs(want["total"]), *(abs(want[c]) for c in CHANNELS), 1.0)
            for c in CHANNELS:
                assert row[c] == pytest.approx(want[c], rel=1e-9, abs=1e-9 * scale), (place, meas, c)
            assert sum(row[c] for c in CHANNELS) == pytest.approx(want["total"], rel=1e-9, abs=1e-9 * scale), \
                (place, meas)
    # the test has power: births, incumbents and exits move the study area; relocations (which net
    # out inside it unless a firm crosses its border, none did by 2024.5 at 8051bf8) move its cities
    reg = tab.loc[("region", "output_change")]
    assert all(abs(reg[c]) > 1e-6 for c in ("births", "incumbents", "exits")), reg.to_dict()
    moved = [abs(tab.loc[(c, "output_change")]["relocations"]) for c in m.city_ids]
    assert max(moved) > 1e-6, moved
    # and the output channels' total is the region's change in total output (every sector)
    io = df[(df.place == "region") & (df.measure == "jobs") & (df.channel == "")].set_index("year").value
    assert tab.loc[("region", "jobs_change")].sum() == pytest.approx(io.iloc[-1] - io.iloc[0], rel=1e-9)


def test_base_period_rows_are_zero_and_present_for_every_place(zone_run):
    m, _, df = zone_run
    d = df[(df.year == df.year.min()) & df.measure.isin(list(MEASURES))]
    assert len(d) == len(MEASURES) * len(CHANNELS) * (len(m.city_ids) + m.n_parks + 1)
    assert (d.value == 0.0).all()
    assert set(d.channel) == set(CHANNELS)


def test_channels_switched_off_are_zero_and_the_others_move():
    """No relocation (revision_scale = 0): relocations are 0 everywhere, births, incumbents and exits
    are not. No entry and exit (switches.entry_exit = false): births and exits are 0 everywhere,
    relocations and incumbents are not."""
    _, _, df = _run("baseline.yaml", ["parameters.revision_scale=0"], until=2024.0)
    ch = df[df.measure.isin(list(MEASURES))]
    assert (ch[ch.channel == "relocations"].value == 0.0).all()
    reg = _last(df).loc[("region", "output_change")]
    assert all(abs(reg[c]) > 1e-3 for c in ("births", "incumbents", "exits")), reg.to_dict()

    m, _, df = _run("baseline.yaml", ["switches.entry_exit=false"], until=2024.0)
    ch = df[df.measure.isin(list(MEASURES))]
    assert (ch[ch.channel.isin(["births", "exits"])].value == 0.0).all()
    tab = _last(df)
    assert abs(tab.loc[("region", "output_change")]["incumbents"]) > 1e-6
    # relocations net out in the study area unless a firm crosses its border: its cities move
    assert max(abs(tab.loc[(c, "output_change")]["relocations"]) for c in m.city_ids) > 1e-6


def _pop(ids, sites, alive=None):
    n = len(ids)
    return FirmPopulation(2, 4, np.array([0, 0, 1, 2]), np.array([True, True]),
                          firm_id=np.array(ids), sector=np.zeros(n, dtype=int), site=np.array(sites),
                          scale=np.ones(n), home=np.zeros(n, dtype=int),
                          alive=np.ones(n, bool) if alive is None else np.array(alive))


def test_cohort_channels_on_a_hand_made_population():
    """Base firms 0..4 at sites 0,0,1,2,3 with output 1..5. Then: 0 grows to 1.5 where it is; 1
    moves 0 → 1 and yields 4; 2 exits; 3 moves 2 → 0 then exits; 4 stays at 5; 5 is born at 2
    (yield 7); 6 was born and exited (absent)."""
    f0 = _pop([0, 1, 2, 3, 4], [0, 0, 1, 2, 3])
    cohort = BaseCohort(f0, {"y": np.array([1.0, 2.0, 3.0, 4.0, 5.0])})
    f0.next_id = 7
    f1 = _pop([0, 1, 4, 5], [0, 1, 3, 2])
    ch = cohort.channels(f1, {"y": np.array([1.5, 4.0, 5.0, 7.0])})["y"]
    np.testing.assert_array_equal(ch[0], [0, 0, 7, 0])           # births at the current site
    np.testing.assert_array_equal(ch[1], [0.5, 2.0, 0, 0])      # y(t) − y(0) where they are now
    np.testing.assert_array_equal(ch[2], [-2.0, 2.0, 0, 0])     # firm 1: +2 at site 1, −2 at site 0
    np.testing.assert_array_equal(ch[3], [0, -3.0, -4.0, 0])    # exits at the base site
    total = np.bincount([0, 1, 3, 2], weights=[1.5, 4.0, 5.0, 7.0], minlength=4) - \
        np.bincount([0, 0, 1, 2, 3], weights=[1, 2, 3, 4, 5], minlength=4)
    np.testing.assert_allclose(ch.sum(axis=0), total)
    # inside a step (a dead row not yet removed): the same channels from the live rows
    f2 = _pop([0, 1, 3, 4, 5], [0, 1, 0, 3, 2], alive=[True, True, False, True, True])
    ch2 = cohort.channels(f2, {"y": np.array([1.5, 4.0, 99.0, 5.0, 7.0])})["y"]
    np.testing.assert_array_equal(ch2, ch)


@pytest.mark.slow  # a compare end to end (~10 s); the channel identities stay in the fast set
def test_compare_of_a_scenario_with_itself_has_zero_channel_differences(tmp_path, capsys):
    import run
    same = tmp_path / "same.yaml"
    same.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: baseline_again\n"
                    f"data_dir: {ROOT / 'scenarios' / 'data'}\n",
                    encoding="utf-8")
    rc = run.main(["compare", str(ROOT / "scenarios" / "baseline.yaml"), str(same), "--replicates", "2",
                   "--until", "2023", "--set", "firms.scale=0.3", "--out", str(tmp_path / "out")])
    assert rc == 0
    folder = tmp_path / "out" / capsys.readouterr().out.strip().splitlines()[-1].split("/")[-1]
    summ = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    dec = summ["effects"]["baseline_again"]["decomposition"]
    assert set(dec) >= {"region", "四平", "长春"}
    for place, by in dec.items():
        assert set(by) == set(MEASURES)
        for meas, cols in by.items():
            assert set(cols) == {*CHANNELS, "total"}
            for c, v in cols.items():
                assert v["mean"] == 0 and v["p5"] == 0 and v["p95"] == 0 and v["replicates"] == [0, 0], \
                    (place, meas, c)
    d = pd.read_parquet(folder / "differences.parquet")
    d = d[d.measure.isin(list(MEASURES))]
    assert set(d.channel) == set(CHANNELS) and (d.difference == 0.0).all()
    assert (folder / "figures" / "diff_channels.png").is_file()
    # each run's summary carries the last period's channels, equal to its rows
    run_dir = summ["runs"]["baseline"][0]
    rs = json.loads((Path(run_dir) / "summary.json").read_text(encoding="utf-8"))
    df = pd.read_parquet(Path(run_dir) / "trajectories.parquet")
    tab = _last(df)
    for c in CHANNELS:
        assert rs["decomposition"]["region"]["output_change"][c] == round(tab.loc[("region", "output_change")][c], 3)
        assert rs["decomposition"]["cities"]["四平"]["jobs_change"][c] == round(tab.loc[("四平", "jobs_change")][c], 1)
    assert (Path(run_dir) / "figures" / "channels.png").is_file()


def test_check_outputs_accepts_the_channels_and_catches_a_broken_one(zone_run):
    """``--check``: the change rows may be negative, and the jobs channels must add up to the
    change in jobs (cities, parks, region) in every period."""
    from sim.checks.invariants import InvariantError, check_outputs
    _, _, df = zone_run
    assert (df[df.measure == "jobs_change"].value < 0).any()
    check_outputs(df)
    bad = df.copy()
    i = bad.index[(bad.measure == "jobs_change") & (bad.channel == "exits") & (bad.place == "region")][3]
    bad.loc[i, "value"] += 1.0
    with pytest.raises(InvariantError, match="jobs_change channels"):
        check_outputs(bad)
