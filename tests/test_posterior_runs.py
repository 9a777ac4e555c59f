"""A posterior in scenarios and runs (issue 15): the scenario key ``posterior:`` (central values,
explicit parameters win, inherited, switched off), ``--posterior`` draws per replicate on run,
compare and sweep (repeatable across processes, paired in compare), what bands carry, the
provenance warning, and bad files (docs/scenarios.md, docs/cli.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import run
from sim.calibration.posterior_file import data_hash, read_posterior, write_posterior
from sim.experiments.sweep import code_version
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KEYS = ["parameters.beta", "parameters.revision_scale"]
# three sets; the weighted median of each marginal (central) is the middle one
VALUES = np.array([[3.0, 0.8], [5.0, 1.2], [6.0, 1.5]])
WEIGHTS = np.array([0.3, 0.4, 0.3])
DEFAULT_BETA = 4.0  # sim/scenario/schema.py Parameters.beta


def write_post(folder: Path, code: str | None = None, data: str | None = None) -> Path:
    return write_posterior(folder, KEYS, VALUES, WEIGHTS, {
        "calibration": "test", "code_version": code_version() if code is None else code,
        "data_hash": data_hash(DATA) if data is None else data})


def scenario(folder: Path, name: str = "tiny", extends: str = "baseline.yaml", extra: str = "",
             posterior: str | None = "calibration/posterior.json") -> Path:
    """A small copy of a shipped scenario in ``folder`` (firms.scale 0.1) that names the posterior
    (``posterior=None``: ``posterior: null``, so the shipped baseline's posterior is not inherited)."""
    p = folder / f"{name}.yaml"
    p.write_text(f"name: {name}\nextends: {ROOT / 'scenarios' / extends}\ndata_dir: {DATA}\n"
                 + f"posterior: {posterior or 'null'}\n" + "firms: {scale: 0.1}\n" + extra,
                 encoding="utf-8")
    return p


@pytest.fixture
def post_dir(tmp_path):
    write_post(tmp_path / "calibration")
    return tmp_path


@pytest.fixture
def no_run_figures(monkeypatch):
    """Each run folder without its figures (seconds each; these tests read manifests and summaries)."""
    from sim.outputs import plots
    monkeypatch.setattr(plots, "run_figures", lambda *a, **k: [])


def _last(out: str) -> Path:
    return Path(out.strip().splitlines()[-1])


def _manifest(d: Path) -> dict:
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# The scenario key: central values, explicit parameters win, extends, null
# ------------------------------------------------------------------------------------------


def test_central_values_fill_what_the_scenario_does_not_set(post_dir):
    ls = load_scenario(scenario(post_dir, extra="parameters: {revision_scale: 0.9}\n"))
    p = ls.scenario.parameters
    assert p.beta == 5.0 and p.beta != DEFAULT_BETA  # central, not the schema default
    assert p.revision_scale == 0.9  # the file sets it: it wins
    rec = ls.posterior
    assert rec["parameters_from"] == "central"
    assert rec["values"] == {"parameters.beta": 5.0}
    assert rec["explicit"] == {"parameters.revision_scale": 0.9}
    assert rec["central"] == {"parameters.beta": 5.0, "parameters.revision_scale": 1.2}
    assert rec["code_version"] == code_version() and rec["data_hash"] == data_hash(DATA)
    assert rec["warning"] is None
    assert Path(rec["path"]) == (post_dir / "calibration" / "posterior.parquet")
    # --set wins too, and the scenario hash follows the values
    ls2 = load_scenario(scenario(post_dir), ["parameters.beta=7"])
    assert ls2.scenario.parameters.beta == 7.0 and ls2.scenario.parameters.revision_scale == 1.2
    assert ls2.posterior["values"] == {"parameters.revision_scale": 1.2}
    assert ls2.hash != ls.hash


def test_a_scenario_without_the_key_is_unchanged():
    # no posterior (the shipped baseline names one; null switches it off): the resolved scenario
    # (and so its hash, run ids) as without the key
    ls = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["posterior=null"])
    assert "posterior" not in ls.resolved and ls.posterior is None
    assert ls.scenario.parameters.beta == DEFAULT_BETA


def test_child_inherits_and_null_switches_off(post_dir):
    # the parent in a subfolder names the posterior relative to itself, not to the child
    (post_dir / "base").mkdir()
    parent = scenario(post_dir / "base", name="parent", posterior="../calibration/posterior.json")
    child = post_dir / "child.yaml"
    child.write_text("name: child\nextends: base/parent.yaml\n", encoding="utf-8")
    ls = load_scenario(child)
    assert ls.scenario.parameters.beta == 5.0 and ls.posterior["declared_in"] == str(parent)
    off = post_dir / "nopost.yaml"
    off.write_text("name: nopost\nextends: base/parent.yaml\nposterior: null\n", encoding="utf-8")
    ls_off = load_scenario(off)
    assert ls_off.posterior is None and ls_off.scenario.parameters.beta == DEFAULT_BETA
    assert load_scenario(child, ["posterior=null"]).scenario.parameters.beta == DEFAULT_BETA


def test_run_manifest_records_the_central_set_and_rerun_matches(post_dir, capsys, no_run_figures):
    out = post_dir / "out"
    assert run.main([str(scenario(post_dir)), "--until", "2023", "--out", str(out), "--quiet"]) == 0
    d = _last(capsys.readouterr().out)
    man = _manifest(d)
    assert man["posterior"]["parameters_from"] == "central"
    assert man["posterior"]["values"] == {"parameters.beta": 5.0, "parameters.revision_scale": 1.2}
    assert man["resolved_scenario"]["parameters"]["beta"] == 5.0
    assert man["posterior_warning"] is None
    # rerun rebuilds the scenario from the manifest alone (the values, not the posterior file)
    (post_dir / "calibration" / "posterior.parquet").unlink()
    assert run.main(["rerun", str(d), "--quiet"]) == 0
    assert _manifest(_last(capsys.readouterr().out))["posterior"] == man["posterior"]


# ------------------------------------------------------------------------------------------
# --posterior: one draw per replicate
# ------------------------------------------------------------------------------------------


@pytest.mark.slow  # sweep/compare end to end (~6 s each); the fast set keeps the draw and key tests
def test_draws_differ_across_replicates_and_repeat_across_processes(post_dir):
    post = read_posterior(post_dir / "calibration" / "posterior.json")
    assert len({tuple(post.draw(20230228, k).values()) for k in range(8)}) > 1
    scn = scenario(post_dir, extra="parameters: {revision_scale: 0.9}\n")
    outs = []
    for k in range(2):  # two processes, the same command
        r = subprocess.run([sys.executable, "run.py", str(scn), "--until", "2023", "--quiet", "--out",
                            str(post_dir / f"o{k}"), "--posterior"], cwd=ROOT, capture_output=True, check=False,
                           text=True, env=ENV, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(_last(r.stdout))
    m0, m1 = _manifest(outs[0]), _manifest(outs[1])
    drawn = post.draw(20230228, 0)
    assert m0["posterior"]["drawn"] == m1["posterior"]["drawn"] == drawn
    assert m0["posterior"]["parameters_from"] == "draw" and m0["posterior"]["replicate"] == 0
    # the scenario's own revision_scale wins over the draw
    assert m0["resolved_scenario"]["parameters"]["beta"] == drawn["parameters.beta"]
    assert m0["resolved_scenario"]["parameters"]["revision_scale"] == 0.9
    assert m0["posterior"]["explicit"] == {"parameters.revision_scale": 0.9}
    pd.testing.assert_frame_equal(pd.read_parquet(outs[0] / "trajectories.parquet"),
                                  pd.read_parquet(outs[1] / "trajectories.parquet"), check_exact=True)


def test_ensemble_bands_say_what_they_carry(post_dir, capsys, no_run_figures):
    scn = str(scenario(post_dir))
    base = [scn, "--until", "2023", "--replicates", "2", "--quiet"]
    assert run.main([*base, "--out", str(post_dir / "seed")]) == 0
    d = _last(capsys.readouterr().out)
    s = json.loads((d / "summary.json").read_text())
    assert s["band_sources"] == "seed" and s["bands"] == "bands: seed noise" and s["parameter_draws"] == []
    assert run.main([*base, "--out", str(post_dir / "par"), "--posterior"]) == 0
    d = _last(capsys.readouterr().out)
    s = json.loads((d / "summary.json").read_text())
    assert s["band_sources"] == "seed+parameters"
    assert s["bands"].startswith("bands: seed noise + parameter uncertainty (posterior ")
    post = read_posterior(post_dir / "calibration" / "posterior.json")
    root = load_scenario(scn).scenario.seed
    assert [r["drawn"] for r in s["parameter_draws"]] == [post.draw(root, k) for k in range(2)]
    betas = [_manifest(Path(p))["resolved_scenario"]["parameters"]["beta"] for p in s["runs"]]
    assert betas == [post.draw(root, k)["parameters.beta"] for k in range(2)]
    assert len(set(betas)) == 2  # the two replicates drew different sets


@pytest.mark.slow  # sweep/compare end to end (~6 s each); the fast set keeps the draw and key tests
def test_compare_pairs_the_draws_and_labels_its_bands(post_dir, capsys, no_run_figures):
    base, pol = scenario(post_dir), scenario(post_dir, name="pol", extends="jxn_transfer_zone.yaml")
    assert run.main(["compare", str(base), str(pol), "--until", "2023", "--replicates", "2", "--out",
                     str(post_dir / "out"), "--posterior"]) == 0
    d = _last(capsys.readouterr().out)
    s = json.loads((d / "summary.json").read_text())
    assert s["band_sources"] == "seed+parameters" and "parameter uncertainty" in s["bands"]
    assert s["noise"]["band_sources"] == "seed+parameters"  # the difference statistics say it too
    draws = s["parameter_draws"]
    assert len(draws) == 2 and len({json.dumps(r["drawn"], sort_keys=True) for r in draws}) > 1
    for k, r in enumerate(draws):
        # replicate k of the policy and of its baseline ran with the same set (paired differences)
        b = _manifest(Path(s["runs"]["tiny"][k]))["resolved_scenario"]["parameters"]
        p = _manifest(Path(s["runs"]["pol"][k]))["resolved_scenario"]["parameters"]
        assert b["beta"] == p["beta"] == r["drawn"]["parameters.beta"]
        assert b["revision_scale"] == p["revision_scale"] == r["drawn"]["parameters.revision_scale"]
        assert r["values"]["tiny"] == r["values"]["pol"] == r["drawn"]
    assert set(pd.read_csv(d / "cost_effectiveness.csv").band_sources) == {"seed+parameters"}
    assert run.main(["report", str(d), "--lang", "en", "--out", str(post_dir / "rep")]) == 0
    html = (_last(capsys.readouterr().out)).read_text(encoding="utf-8")
    assert "bands: seed noise + parameter uncertainty (posterior " in html


def test_sweep_runs_take_their_replicates_draw(post_dir, capsys):
    exp = post_dir / "e.yaml"
    exp.write_text("name: tinyp\nbase: tiny.yaml\nuntil: 2023\nreplicates: 2\ndesign: {kind: grid}\n"
                   "outcomes: [region.jobs_end]\nseries: [region.jobs]\nuncertainties:\n"
                   "  - {name: rev, key: parameters.revision_scale, values: [0.5, 1.0]}\n", encoding="utf-8")
    scenario(post_dir)
    assert run.main(["sweep", str(exp), "--out", str(post_dir / "sw"), "--workers", "1", "--quiet",
                     "--posterior"]) == 0
    folder = _last(capsys.readouterr().out)
    pts = pd.read_csv(folder / "points.csv", dtype={"run_id": str})
    plan = json.loads((folder / "plan.json").read_text())
    post = read_posterior(post_dir / "calibration" / "posterior.json")
    # the factor sets revision_scale: only beta is taken from the draw, the same at every point
    assert "posterior:parameters.beta" in pts and "posterior:parameters.revision_scale" not in pts
    for k, g in pts.groupby("replicate"):
        assert set(g["posterior:parameters.beta"]) == {post.draw(plan["seed"], k)["parameters.beta"]}
    assert pts.run_id.nunique() == 4
    assert plan["band_sources"] == "seed+parameters" and plan["posterior"]["explicit_keys"] == [
        "parameters.revision_scale"]
    # without draws every run takes the central beta 5.0: a run whose draw is 5.0 is the same run
    from sim.experiments.load import load_experiment
    from sim.experiments.sweep import Plan, sweep_dir
    le = load_experiment(exp)
    assert sweep_dir(post_dir / "sw", le) != folder  # and its own folder
    ids = {(i, k): rid for i, k, _, rid in Plan(le, code_version()).runs}
    same = pts["posterior:parameters.beta"] == 5.0
    assert 0 < same.sum() < len(pts)
    assert [ids[(r.point, r.replicate)] == r.run_id for r in pts.itertuples()] == list(same)
    # what a worker runs: the point's factor value and the replicate's drawn beta
    from sim.scenario.draws import posterior_draws
    plan_d = Plan(le, code_version(), posterior_draws("", le.base))
    for i, k, seed, rid in plan_d.runs:
        scn = plan_d.task(i, k, seed, rid)["scenario"]["parameters"]
        assert scn["beta"] == post.draw(plan["seed"], k)["parameters.beta"]
        assert scn["revision_scale"] == [0.5, 1.0][i]
    assert [r[3] for r in plan_d.runs] == [r[3] for r in Plan(le, code_version(), plan_d.draws).runs]
    assert {r[3] for r in plan_d.runs} == set(pts.run_id)
    # the analysis says what its bands carry: the posterior's draws among them
    assert run.main(["analyze", str(folder)]) == 0
    an = _last(capsys.readouterr().out)
    info = json.loads((an / "analysis.json").read_text())
    assert info["band_sources"] == "seed+parameters" and "parameter uncertainty (posterior " in info["bands"]
    assert "parameter uncertainty" in (an / "summary.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# Provenance and bad files
# ------------------------------------------------------------------------------------------


def _warnings(err: str) -> list[str]:
    return [x for x in err.splitlines() if x.startswith("warning: posterior")]


@pytest.mark.slow  # CI: 10 s
def test_posterior_fitted_on_other_code_warns_once(tmp_path, capsys, no_run_figures):
    # a comparison loads the posterior many times (each scenario, each run): one line
    write_post(tmp_path / "calibration", code="0123456789abcdef")
    base, pol = scenario(tmp_path), scenario(tmp_path, name="pol", extends="jxn_transfer_zone.yaml")
    assert run.main(["compare", str(base), str(pol), "--until", "2023", "--replicates", "2", "--out",
                     str(tmp_path / "out"), "--posterior"]) == 0
    cap = capsys.readouterr()
    lines = _warnings(cap.err)
    assert len(lines) == 1, cap.err
    assert f"model code 0123456789abcdef (now {code_version()})" in lines[0] and "data" not in lines[0]
    s = json.loads((_last(cap.out) / "summary.json").read_text())
    assert s["posterior"]["warning"] == lines[0]
    for n in ("tiny", "pol"):
        for p in s["runs"][n]:
            assert _manifest(Path(p))["posterior_warning"] == lines[0]
    # the next command says it again (once per command)
    assert run.main([str(base), "--until", "2023", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert _warnings(capsys.readouterr().err) == lines


def test_posterior_fitted_on_other_data_warns(tmp_path, capsys, no_run_figures):
    write_post(tmp_path / "calibration", data="0123456789abcdef")
    assert run.main([str(scenario(tmp_path)), "--until", "2023", "--out", str(tmp_path / "o"),
                     "--quiet"]) == 0
    cap = capsys.readouterr()
    lines = _warnings(cap.err)
    assert len(lines) == 1 and f"data 0123456789abcdef (now {data_hash(DATA)})" in lines[0]
    assert _manifest(_last(cap.out))["posterior_warning"] == lines[0]


def test_matching_posterior_does_not_warn(post_dir, capsys, no_run_figures):
    assert run.main([str(scenario(post_dir)), "--until", "2023", "--out", str(post_dir / "o"), "--quiet",
                     "--posterior"]) == 0
    cap = capsys.readouterr()
    assert "warning" not in cap.err
    assert _manifest(_last(cap.out))["posterior_warning"] is None


def _one_line_error(capsys, argv) -> str:
    assert run.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    return err


def test_bad_posterior_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    scn = scenario(tmp_path, posterior="calibration/missing.json")
    err = _one_line_error(capsys, [str(scn), "--until", "2023", "--out", str(tmp_path)])
    assert str(scn) in err and "posterior" in err and "not found" in err
    (tmp_path / "calibration").mkdir()
    (tmp_path / "calibration" / "posterior.parquet").write_bytes(b"not parquet")
    (tmp_path / "calibration" / "posterior.json").write_text('{"format": 1}')
    err = _one_line_error(capsys, [str(scenario(tmp_path)), "--until", "2023", "--out", str(tmp_path)])
    assert str(tmp_path / "tiny.yaml") in err and "posterior" in err and "cannot read" in err
    # a parameter that is not a scenario key
    write_posterior(tmp_path / "calibration", ["parameters.no_such"], np.ones((2, 1)), np.ones(2), {})
    err = _one_line_error(capsys, [str(scenario(tmp_path)), "--until", "2023", "--out", str(tmp_path)])
    assert "parameters.no_such" in err
    # --posterior: a missing file, a scenario in its place, and no FILE with nothing to default to
    plain = scenario(tmp_path, name="plain", posterior=None)
    err = _one_line_error(capsys, [str(plain), "--until", "2023", "--out", str(tmp_path / "o"),
                                   "--posterior", str(tmp_path / "nope.json")])
    assert err.startswith("error: --posterior: ") and "not found" in err
    err = _one_line_error(capsys, ["run", "--posterior", str(plain)])
    assert "YAML" in err
    from sim.scenario import draws as sp
    monkeypatch.setattr(sp, "DEFAULT_FILE", tmp_path / "none" / "posterior.json")
    err = _one_line_error(capsys, [str(plain), "--until", "2023", "--out", str(tmp_path / "o"), "--posterior"])
    assert "no FILE given" in err and str(plain) in err
