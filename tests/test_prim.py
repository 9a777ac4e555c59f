"""Scenario discovery: PRIM (sim/experiments/prim.py) on data with a known box, and through `run.py analyze`."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import run
from sim.experiments import prim, sweep
from sim.experiments.load import load_experiment

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "jxn_transfer_zone.yaml"


def _data(n=2000, seed=1, flip=0.0):
    rng = np.random.default_rng(seed)
    X = {"x1": rng.random(n), "x2": rng.random(n), "x3": rng.random(n)}  # x3: irrelevant
    y = ((X["x1"] > 0.6) & (X["x2"] > 0.3)).astype(float)
    if flip:
        y = np.where(rng.random(n) < flip, 1 - y, y)
    return X, y


def _check_stats(box, X, y):
    """Density, coverage and mass recomputed from the box's limits alone."""
    inside = np.ones(len(y), dtype=bool)
    for k, (lo, hi) in box.limits.items():
        inside &= (X[k] > lo) & (X[k] <= hi)
    assert box.n == inside.sum()
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert box.mass == pytest.approx(inside.mean())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prim_finds_a_known_box(seed):
    X, y = _data(seed=seed)
    box, _, traj = prim.find_box(X, y, threshold=0.8, alpha=0.05)
    assert box is not None
    assert sorted(box.restricted()) == ["x1", "x2"]  # the noise dimension is left free
    lo1, hi1 = box.limits["x1"]
    lo2, hi2 = box.limits["x2"]
    assert lo1 == pytest.approx(0.6, abs=0.05) and hi1 == math.inf
    assert lo2 == pytest.approx(0.3, abs=0.05) and hi2 == math.inf
    assert box.density >= 0.8
    assert box.coverage == 1.0  # no target-meeting run is left out of the chosen box
    _check_stats(box, X, y)
    # the trajectory starts with everything and peels down to about 5% of the runs
    assert traj[0].n == len(y) and traj[0].coverage == 1.0
    assert traj[0].density == pytest.approx(y.mean())
    assert 0.05 * len(y) <= traj[-1].n < 0.1 * len(y)
    assert all(b.n > c.n for b, c in itertools.pairwise(traj))


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_prim_with_label_noise_meets_the_density(seed):
    # 10% of the outcomes flipped: the true box has density ~0.9, so the box of highest coverage
    # with density >= 0.8 reaches a little below the true thresholds, never above them
    X, y = _data(seed=seed, flip=0.1)
    box, _, _ = prim.find_box(X, y)
    assert box.density >= 0.8
    assert 0.5 <= box.limits["x1"][0] <= 0.62
    assert 0.2 <= box.limits["x2"][0] <= 0.32
    assert "x3" not in box.restricted()
    _check_stats(box, X, y)
    true = (X["x1"] > 0.6) & (X["x2"] > 0.3)
    assert box.coverage >= y[true].sum() / y.sum()  # at least the true box's coverage
    assert box.coverage < 1.0  # flipped positives far outside are not covered


def test_prim_says_when_no_box_reaches_the_share():
    rng = np.random.default_rng(5)
    X = {"x1": rng.random(1000), "x2": rng.random(1000)}
    y = (rng.random(1000) < 0.3).astype(float)  # no lever matters
    box, densest, _ = prim.find_box(X, y)
    assert box is None
    assert densest.density < 0.8 and densest.n >= 50


def test_prim_categorical_lever_and_description():
    rng = np.random.default_rng(6)
    kind = rng.choice(np.array(["a", "b", "c"], dtype=object), 900)
    x = rng.random(900) * 20000
    y = ((kind == "b") & (x > 12000)).astype(float)
    box, _, _ = prim.find_box({"kind": kind, "subsidy": x}, y)
    assert box.allowed["kind"] == frozenset({"b"})
    assert box.limits["subsidy"][0] == pytest.approx(12000, abs=1000)
    text = prim.describe(box, units={"subsidy": "yuan/person-year"},
                         fmt=lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")
    assert text.startswith("subsidy ≥ 1") and "yuan/person-year and kind in {b}" in text


def test_prim_full_box_when_the_target_is_met_everywhere():
    X, _ = _data(n=500)
    y = np.ones(500)
    y[:20] = 0  # 96% met without any lever restriction
    box, _, _ = prim.find_box(X, y)
    assert box.restricted() == [] and box.n == 500 and box.coverage == 1.0
    assert prim.describe(box) == "any lever values"


# ------------------------------------------------------------------------------------------
# Through `run.py analyze`: a sweep store whose runs meet a target by a known rule
# ------------------------------------------------------------------------------------------


def _rule_sweep(tmp_path: Path) -> Path:
    """LHS over two levers and one uncertainty; the zone target is met when the land discount's
    unit coordinate is above 0.6 (land discount > 0.34) and the uncertainty's above 0.1."""
    p = tmp_path / "rule.yaml"
    p.write_text(f"base: {BASE}\n" + """name: rule
until: 2035
design: {kind: lhs, samples: 600}
levers:
  - {name: land, key: levers.jxn_land.value, range: [0.1, 0.5], unit: share of the land price}
  - {name: talent, key: levers.jxn_talent.value, range: [5000, 20000], unit: yuan/person-year}
uncertainties:
  - {name: wage, key: parameters.beta, range: [2, 6]}
outcomes: [region.jobs_end]
thresholds: [{outcome: region.jobs_end, min: 1.5}]
""", encoding="utf-8")
    le = load_experiment(p)
    plan = sweep.Plan(le, sweep.code_version())
    folder = sweep.sweep_dir(tmp_path / "out", le)
    (folder / "runs").mkdir(parents=True)
    plan.write(folder)
    for i, k, seed, rid in plan.runs:
        land, talent, wage = plan.values[i]
        met = float(land > 0.34 and wage > 2.4)
        task = {"run_id": rid, "point": i, "replicate": k, "seed": seed, "until": 2035, "code": "x"}
        flat = {"target.zone_arrivals_2035.met": met,
                "region.jobs_end": (talent - 5000) / 15000 + (wage - 2) / 4}  # >= 1.5: both high
        (folder / "runs" / f"{rid}.parquet").write_bytes(sweep.encode_run(task, flat, {}, 0.0))
    return folder


def test_analyze_writes_the_discovery_table(tmp_path, capsys):
    folder = _rule_sweep(tmp_path)
    assert run.main(["analyze", str(folder), "--threshold", "region.jobs_end<=1.1"]) == 0
    out = Path(capsys.readouterr().out.strip().splitlines()[-1])
    d = pd.read_csv(out / "scenario_discovery.csv").set_index("target")
    z = d.loc["zone_arrivals_2035"]
    assert z.kind == "plan target" and z.label == "四平 arrivals from outside 2023-2035 ≥ 300 firms"
    assert bool(z.found) and z.density >= 0.8
    lim = json.loads(z.limits)
    assert set(lim) == {"land"}  # talent does not matter; the uncertainty is never boxed
    assert lim["land"][0] == pytest.approx(0.34, abs=0.02) and lim["land"][1] is None
    # density and coverage from the runs themselves
    pts = pd.read_csv(folder / "points.csv", dtype={"run_id": str})
    pts["met"] = [sweep.read_run(folder / "runs" / f"{r}.parquet")[1].set_index("name")
                  .value["target.zone_arrivals_2035.met"] for r in pts.run_id]
    inside = pts.land > lim["land"][0]
    assert z.runs == 600 and z.runs_meeting == pts.met.sum()
    assert z.runs_in_box == inside.sum()
    assert z.coverage == pytest.approx(pts.met[inside].sum() / pts.met.sum(), abs=1e-4)
    assert z.density == pytest.approx(pts.met[inside].mean(), abs=1e-4)
    assert z.sentence.startswith("land ≥ 0.3") and "share of the land price: 四平 arrivals" in z.sentence
    assert f"coverage {z.coverage:.2f}, {int(z.runs_in_box)} runs)" in z.sentence
    # the experiment's threshold: jobs >= 1.5 needs the uncertainty above its middle: at most 50% in
    # any lever box. The --threshold one, jobs <= 1.1, holds in min(1, 1.1 - t) of the futures at
    # talent coordinate t: over t in [0, c] the share is 0.8 at c = 0.583 (talent 13,750)
    t = d.loc["region.jobs_end ≥ 1.5"]
    assert t.kind == "outcome threshold" and not bool(t.found)
    assert "no lever box reaches 80%" in t.sentence and t.density < 0.8
    low = d.loc["region.jobs_end ≤ 1.1"]
    lim = json.loads(low.limits)
    assert bool(low.found) and set(lim) == {"talent"} and lim["talent"][0] is None
    assert lim["talent"][1] == pytest.approx(13750, abs=1000)
    assert "talent ≤ 1" in low.sentence and "yuan/person-year" in low.sentence
    figs = {f.name for f in (out / "figures").glob("discovery_*.png")}
    assert figs == {"discovery_zone_arrivals_2035.png", "discovery_region_jobs_end_ge_1_5.png",
                    "discovery_region_jobs_end_le_1_1.png"}  # ≥ and ≤ do not collide
    md = (out / "scenario_discovery.md").read_text(encoding="utf-8")
    assert "PRIM" in md and "coverage" in md and "| **no** |" in md
    assert "Lever thresholds that meet a target" in (out / "summary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["region.jobs_end>1", "region.jobs_end>=x", "nope>=3"])
def test_bad_threshold_is_one_line_exit_2(tmp_path, capsys, bad):
    folder = _rule_sweep(tmp_path)
    assert run.main(["analyze", str(folder), "--threshold", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--threshold" in err and "Traceback" not in err
    assert not list(folder.glob("analysis_*")) and not list(folder.glob(".tmp-*"))


def test_units_and_thresholds_do_not_rename_the_sweep_folder(tmp_path):
    body = (f"base: {BASE}\nname: u\ndesign: {{kind: grid}}\noutcomes: [region.jobs_end]\n"
            "levers: [{name: a, key: parameters.beta, values: [3, 4]%s}]\n")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(body % "", encoding="utf-8")
    b.write_text(body % ", unit: x" + "thresholds: [{outcome: region.jobs_end, max: 3}]\n",
                 encoding="utf-8")
    assert load_experiment(a).text_hash == load_experiment(b).text_hash
    c = tmp_path / "c.yaml"
    c.write_text(body % "" + "thresholds: [{outcome: region.jobz_end, max: 3}]\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"thresholds\[0\].outcome: got 'region.jobz_end'"):
        load_experiment(c)
