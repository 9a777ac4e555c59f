"""``run.py calibrate`` end to end on the smoke file (fast set, ~10-30 s): the folder and its files,
the posterior and its manifest, the last stdout line, a resumed run, and the same numbers in a
worker and in this process (docs/cli.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import run
from sim.calibration import worker
from sim.calibration.design import Plan
from sim.calibration.posterior_file import data_hash, read_posterior
from sim.calibration.spec import load_calibration
from sim.experiments.sweep import code_version

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "tests" / "calibration_smoke.yaml"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibrations")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "run.py", "calibrate", str(SMOKE), "--out", str(out), "--workers", "2",
                        "--quiet"], check=False, cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr
    return Path(_last_line(r.stdout)), r, time.perf_counter() - t0


def test_smoke_calibration_writes_its_folder(smoke):
    folder, r, wall = smoke
    print(f"smoke calibration: {wall:.1f} s")
    assert folder.is_dir() and folder.name.startswith("calibration_smoke_")
    for f in ("calibration.yaml", "plan.json", "design.csv", "moments.csv", "emulator_check.csv", "checks.csv",
              "posterior.parquet", "posterior.json", "report.md", "report_zh.md", "log.jsonl", "gdp_skill.csv"):
        assert (folder / f).is_file(), f
    figs = {p.name for p in (folder / "figures").glob("*.png")}
    assert figs == {"moments_observed_vs_simulated.png", "posterior_marginals.png", "posterior_pairs.png",
                    "identification.png", "emulator_check.png", "gdp_growth_skill.png", "checks_observed_vs_central.png"}
    plan = json.loads((folder / "plan.json").read_text())
    runs = {p.stem for p in (folder / "runs").glob("*.parquet")}
    assert runs == set(plan["run_ids"]) and len(runs) == 12 + 4 + 2
    assert "18 done, 0 failed, 0 skipped" in r.stderr
    assert "Glyph" not in r.stderr and "missing from" not in r.stderr  # Chinese labels render
    design = pd.read_csv(folder / "design.csv")
    assert list(design.kind.value_counts().sort_index().items()) == [("central", 2), ("design", 12),
                                                                      ("validation", 4)]
    assert design.seed.nunique() == len(design)  # every run its own seed
    mom = pd.read_csv(folder / "moments.csv")
    assert len(mom) == 18 * 4 and set(mom.moment) == {
        "gdp_growth_2023_siping", "gdp_growth_2023_liaoyuan", "siping_projects_signed_2023",
        "tax_elasticity_between_cities"}
    chk = pd.read_csv(folder / "emulator_check.csv")
    assert (chk.n_validation == 4).all() and chk.rmse.notna().all()
    text = (folder / "report.md").read_text(encoding="utf-8")
    for needle in ("## Parameters", "## Moments: observed vs simulated", "## What identifies what",
                   "## Emulator check", "naive rule", "left out", "effective sample size"):
        assert needle in text, needle


def test_checks_are_the_central_runs_and_not_fitted(smoke):
    """A check's row in checks.csv and the report is its statistic over the central runs, read here
    from the stored runs; a check is in no emulator and no posterior (the moments only)."""
    folder, _, _ = smoke
    lc = load_calibration(SMOKE)
    design = pd.read_csv(folder / "design.csv")
    central = design[design.kind == "central"].run_id
    chk = pd.read_csv(folder / "checks.csv").set_index("check")
    assert list(chk.index) == [c.id for c in lc.calibration.checks]
    for c in lc.calibration.checks:
        vals = []
        for rid in central:
            _, v = worker.read_run(folder / "runs" / f"{rid}.parquet")
            now, before = v[(c.measure, c.year)], v.get((c.measure, c.year - 1))
            vals.append(now / before - 1 if c.stat == "growth" else c.year_share * now)
        assert chk.loc[c.id, "central_median"] == pytest.approx(np.median(vals), rel=1e-12)
        assert chk.loc[c.id, "central_p5"] <= chk.loc[c.id, "central_median"] <= chk.loc[c.id, "central_p95"]
        assert chk.loc[c.id, "observed"] == c.observed and chk.loc[c.id, "central_runs"] == 2
    ids = {c.id for c in lc.calibration.checks}
    assert not ids & set(pd.read_csv(folder / "moments.csv").moment)
    assert not ids & set(pd.read_csv(folder / "emulator_check.csv").moment)
    man = read_posterior(folder / "posterior.parquet").manifest
    assert not ids & {m["id"] for m in man["moments"]}
    for lang, head in (("report.md", "## Checks: observed figures not fitted"), ("report_zh.md", "## 检验")):
        text = (folder / lang).read_text(encoding="utf-8")
        part = text[text.index(head):]
        part = part[: part.index("\n## ", 4)]
        rows = [ln for ln in part.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
        assert len(rows) == len(ids), lang
        med = f"{100 * chk.loc['real_gdp_growth_2023_siping', 'central_median']:.3g}"
        assert any(med in r for r in rows), (lang, med)


def test_the_posterior_and_its_manifest(smoke):
    folder, _, _ = smoke
    post = read_posterior(folder / "posterior.parquet")
    lc = load_calibration(SMOKE)
    assert post.keys == ["parameters.beta", "parameters.project_flow_scale"]
    assert post.weights.sum() == pytest.approx(1) and len(post.weights) <= 100
    for j, p in enumerate(lc.calibration.parameters):
        assert (post.values[:, j] >= p.prior.low).all() and (post.values[:, j] <= p.prior.high).all()
    man = post.manifest
    assert man["code_version"] == code_version() and man["data_hash"] == data_hash(lc.base.data_dir)
    assert man["calibration"] == "smoke" and man["used_by_default"]
    assert set(man["central"]) == set(post.keys) and man["central_rule"]
    assert man["importance_ess"] > 10 and man["n_draws"] == len(post.weights)
    assert [m["id"] for m in man["moments"]] == [m.id for m in lc.calibration.moments]
    for m in man["moments"]:
        assert m["simulated_p5"] <= m["simulated_median"] <= m["simulated_p95"]
    assert post.provenance_warning(code_version(), data_hash(lc.base.data_dir)) is None
    # the central runs ran at the manifest's central set
    design = pd.read_csv(folder / "design.csv")
    cen = design[design.kind == "central"]
    for k, v in man["central"].items():
        assert np.allclose(cen[k], v)


def test_rerun_refits_without_running_and_prints_the_same_folder(smoke, capsys):
    folder, _, _ = smoke
    before = {p.name: p.stat().st_mtime_ns for p in (folder / "runs").glob("*.parquet")}
    assert run.main(["calibrate", str(SMOKE), "--out", str(folder.parent), "--quiet"]) == 0
    cap = capsys.readouterr()
    assert _last_line(cap.out) == str(folder)
    assert "0 done, 0 failed, 18 skipped" in cap.err and "process pool" not in cap.err
    assert before == {p.name: p.stat().st_mtime_ns for p in (folder / "runs").glob("*.parquet")}


def test_a_run_gives_the_same_numbers_here_as_in_a_worker(smoke):
    """Same scenario and seed, same numbers: a design run redone in this process equals the stored
    one bit for bit (values and tax elasticities)."""
    folder, _, _ = smoke
    lc = load_calibration(SMOKE)
    plan = Plan(lc, code_version())
    kind, i, seed, rid, vals = plan.runs[3]
    res = worker.run_task(plan.task(rid, {"kind": kind, "index": i, "seed": seed, "values": vals}))
    assert res["ok"], res.get("error")
    tmp = folder.parent / "here.parquet"
    tmp.write_bytes(res["data"])
    meta_a, a = worker.read_run(tmp)
    meta_b, b = worker.read_run(folder / "runs" / f"{rid}.parquet")
    assert a == b and meta_a["values"] == meta_b["values"] == vals
    assert ("tax.between_cities", None) in a and ("四平.projects_signed", 2023) in a


def test_the_tax_elasticities_leave_the_run_unchanged(smoke):
    lc = load_calibration(SMOKE)
    plan = Plan(lc, code_version())
    kind, i, seed, rid, vals = plan.runs[0]
    task = plan.task(rid, {"kind": kind, "index": i, "seed": seed, "values": vals})
    with_tax = worker.read_run(_write(worker.run_task(task), smoke[0].parent / "a.parquet"))[1]
    without = worker.read_run(_write(worker.run_task({**task, "tax": False}), smoke[0].parent / "b.parquet"))[1]
    assert {k: v for k, v in with_tax.items() if not k[0].startswith("tax.")} == without


def _write(res: dict, path: Path) -> Path:
    assert res["ok"], res.get("error")
    path.write_bytes(res["data"])
    return path
