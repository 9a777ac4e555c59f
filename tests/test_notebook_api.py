"""The notebook entry point (``from sim import build_model, run_model``; docs/notebook.md) builds the
same model the command line runs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import run
from sim import build_model, run_model
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
ZONE = ROOT / "scenarios" / "jxn_transfer_zone.yaml"


@pytest.mark.slow  # slow set (CI runs it): keeps make test under 3 minutes
def test_build_model_gives_the_rows_the_command_line_writes(tmp_path):
    rows = run_model(build_model(ZONE, seed=11, until=2023))
    assert run.main([str(ZONE), "--seed", "11", "--until", "2023", "--out", str(tmp_path), "--quiet"]) == 0
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    stored = pd.read_parquet(folder / "trajectories.parquet")
    keys = ["year", "place", "measure", "sector", "origin", "lever", "investor_origin", "channel"]
    for measure in ("gdp", "firms", "investment_signed"):
        a, b = (f[f.measure == measure].astype({k: str for k in keys}).sort_values(keys)
                for f in (rows, stored))
        assert len(a) > 8 and len(a) == len(b), measure
        assert np.array_equal(a.value.to_numpy(), b.value.to_numpy()), measure


def test_build_model_takes_overrides_and_seeds():
    m = build_model(ZONE, seed=3, overrides=["levers.jxn_land.value=0.45"], until=2023)
    land = next(lv for lv in m.scn.levers if lv.id == "jxn_land")
    assert land.value == {"2023-09": 0.45} and m.seed_value == 3
    assert build_model(ZONE, until=2023).seed_value == m.scn.seed  # the scenario's own seed by default


def test_build_model_bad_input_is_the_command_lines_error():
    with pytest.raises(ScenarioError, match=r"--set: levers\.jxn_lnd: got .*expected the id of one of"):
        build_model(ZONE, overrides=["levers.jxn_lnd.value=0.5"])
    with pytest.raises(Exception, match="--until"):
        build_model(ZONE, until=2050)
