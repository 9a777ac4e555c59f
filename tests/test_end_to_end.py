"""A short run writes a complete result folder with the documented contract."""
import json
from pathlib import Path

import pandas as pd
import pytest

import run

ROOT = Path(__file__).resolve().parents[1]


def test_run_writes_folder_and_prints_path(tmp_path, capsys):
    out = tmp_path / "results"
    code = run.main([str(ROOT / "scenarios/baseline.yaml"), "--until", "2024", "--out", str(out),
                     "--quiet", "--seed", "3"])
    assert code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    d = Path(last)
    assert d.is_absolute() and d.parent == out.resolve()
    for f in ("manifest.json", "summary.json", "trajectories.parquet"):
        assert (d / f).exists()
    figs = sorted(p.name for p in (d / "figures").glob("*.png"))
    assert figs == ["arrivals_by_origin.png", "channels.png", "firms_jobs_by_park.png", "gdp_by_city.png",
                    "industrial_output_by_sector.png", "map.png"]
    df = pd.read_parquet(d / "trajectories.parquet")
    assert list(df.columns) == ["year", "place", "measure", "value", "unit", "sector", "origin", "lever",
                                "investor_origin", "channel", "decided_by"]
    assert df.year.min() == 2022.0 and df.year.max() == 2024.75
    assert df.value.notna().all() and (df[df.measure == "gdp"].value > 0).all()
    summ = json.loads((d / "summary.json").read_text())
    # the summary's GDP is the trajectories' first and last quarter of each city, and the region's
    # end GDP the sum of the cities' (the base-year GDP itself is the data by construction: see
    # tests/test_calibration.py for what the calibration must get right)
    gdp = df[(df.measure == "gdp") & (df.sector == "") & (df.origin == "") & (df.lever == "")]
    by_city = gdp[gdp.place != "region"].pivot_table(index="year", columns="place", values="value")
    assert sorted(summ["cities"]) == sorted(by_city.columns) and len(by_city.columns) == 13
    for c, row in summ["cities"].items():
        assert row["gdp_base_yi"] == round(by_city[c].iloc[0], 2), c
        assert row["gdp_end_yi"] == round(by_city[c].iloc[-1], 2), c
        assert row["gdp_end_yi"] != row["gdp_base_yi"], c  # the run moved every city
    assert abs(summ["region"]["gdp_end"] - by_city.iloc[-1].sum()) <= 0.006
    man = json.loads((d / "manifest.json").read_text())
    assert man["seed"] == 3 and "cities.csv" in man["data_hashes"]
    # a second identical run gets a new folder, the first is untouched; same numbers
    assert run.main([str(ROOT / "scenarios/baseline.yaml"), "--until", "2024", "--out", str(out),
                     "--quiet", "--seed", "3"]) == 0
    d2 = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert d2 != d
    pd.testing.assert_frame_equal(df, pd.read_parquet(d2 / "trajectories.parquet"))


@pytest.mark.slow  # slow set (CI runs it): keeps make test under 3 minutes
def test_runs_in_one_process_do_not_keep_their_models(tmp_path):
    # compare and ensembles run many models in one process: each must leave Mesa's class-level
    # Agent._ids table (mesa/mesa#3179), or the process keeps every finished model alive
    from mesa import Agent

    import run
    before = len(Agent._ids)
    for seed in (1, 2):
        assert run.main(["scenarios/baseline.yaml", "--set", "firms.scale=0.3", "--until", "2023",
                         "--seed", str(seed), "--out", str(tmp_path), "--quiet"]) == 0
    assert len(Agent._ids) == before
