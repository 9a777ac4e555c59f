"""Same scenario + seed -> identical trajectories (twice, in this process and in worker processes);
different seeds -> different results; ``run.py rerun`` reproduces a run from its manifest alone."""
import contextlib
import io
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import run
from sim.outputs.rerun import compare_trajectories, simulate

ROOT = Path(__file__).resolve().parents[1]
ZONE = str(ROOT / "scenarios" / "jxn_transfer_zone.yaml")
SMALL = ["firms.scale=0.5"]
PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    same, summary = compare_trajectories(a, b)
    assert same, summary
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_same_seed_twice_in_one_process_is_identical():
    a = simulate(ZONE, SMALL, seed=5, until=2027)
    b = simulate(ZONE, SMALL, seed=5, until=2027)
    _identical(a, b)


# spawn in the slow set: a fresh interpreter (own hash seed, own imports) also reproduces the numbers
# in test_rerun_command_line (a run.py process) and in tests/test_sweep.py (spawned sweep workers)
@pytest.mark.parametrize("method", [pytest.param("spawn", marks=pytest.mark.slow), "fork"])
def test_worker_process_gives_the_same_numbers(monkeypatch, method):
    for k, v in PINNED.items():  # BLAS threads pinned in the workers (inherited at start)
        monkeypatch.setenv(k, v)
    here = simulate(ZONE, SMALL, seed=9, until=2026)
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context(method)) as pool:
        futs = [pool.submit(simulate, ZONE, SMALL, 9, 2026) for _ in range(2)]
        there = [f.result() for f in futs]
    for df in there:
        _identical(here, df)


def test_different_seeds_give_different_results():
    a = simulate(ZONE, SMALL, seed=1, until=2025)
    b = simulate(ZONE, SMALL, seed=2, until=2025)
    same, _ = compare_trajectories(a, b)
    assert not same
    moved = a[a.measure == "arrivals"].value.to_numpy() != b[b.measure == "arrivals"].value.to_numpy()
    assert moved.any()


RUN = ["--set", "firms.scale=0.3", "--until", "2025", "--seed", "4", "--quiet"]


def _run(tmp_path, capsys, scenario=ZONE, extra=()):
    out = tmp_path / "o"
    assert run.main([scenario, *RUN, "--out", str(out), *extra]) == 0
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def zone_run(tmp_path_factory):
    """One run folder (``_run`` of the zone scenario), made once for the tests below that only read
    it or break a copy of it (``run_copy``)."""
    out = tmp_path_factory.mktemp("zone_run") / "o"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        assert run.main([ZONE, *RUN, "--out", str(out)]) == 0
    return Path(buf.getvalue().strip().splitlines()[-1])


@pytest.fixture
def run_copy(zone_run, tmp_path):
    """A private copy of ``zone_run`` in this test's tmp_path/o (the layout ``_run`` makes)."""
    d = tmp_path / "o" / zone_run.name
    shutil.copytree(zone_run, d)
    return d


@pytest.mark.slow  # slow set (CI runs it): keeps make test under 3 minutes
def test_rerun_reproduces_a_run_from_its_manifest_alone(tmp_path, capsys):
    # the scenario file is a temporary copy that is deleted before the rerun: only the manifest is read
    f = tmp_path / "gone.yaml"
    f.write_text(f"name: gone\nextends: {ZONE}\ndata_dir: {ROOT / 'scenarios/data'}\n", encoding="utf-8")
    d = _run(tmp_path, capsys, str(f))
    f.unlink()
    assert run.main(["rerun", str(d), "--quiet"]) == 0
    cap = capsys.readouterr()
    d2 = Path(cap.out.strip().splitlines()[-1])
    assert d2 != d and d2.parent == d.parent and "match" in cap.err
    man = json.loads((d2 / "manifest.json").read_text())
    assert man["rerun_of"] == str(d.resolve()) and man["seed"] == 4 and man["until"] == 2025
    _identical(pd.read_parquet(d / "trajectories.parquet"), pd.read_parquet(d2 / "trajectories.parquet"))


def test_rerun_reports_a_mismatch_in_one_line(tmp_path, capsys, run_copy):
    d = run_copy
    df = pd.read_parquet(d / "trajectories.parquet")
    i = df.index[(df.measure == "gdp") & (df.place == "四平")][-1]
    df.loc[i, "value"] *= 1.000001
    df.to_parquet(d / "trajectories.parquet", index=False)
    assert run.main(["rerun", str(d), "--quiet", "--out", str(tmp_path / "again")]) == 1
    err = [ln for ln in capsys.readouterr().err.strip().splitlines() if ln.startswith("rerun")]
    assert len(err) == 1 and "MISMATCH" in err[0] and "1 of" in err[0] and "gdp 四平" in err[0], err


def test_rerun_refuses_changed_data(tmp_path, capsys):
    shutil.copytree(ROOT / "scenarios/data", tmp_path / "data")
    f = tmp_path / "s.yaml"
    f.write_text(f"name: s\nextends: {ZONE}\ndata_dir: data\n", encoding="utf-8")
    d = _run(tmp_path, capsys, str(f))
    with open(tmp_path / "data" / "parks.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    again = tmp_path / "again"
    assert run.main(["rerun", str(d), "--out", str(again)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "parks.csv" in err[0] and "changed since the run" in err[0]
    assert not again.exists()


@pytest.mark.parametrize("break_it, needle", [
    (lambda d: (d / "manifest.json").unlink(), "manifest.json"),
    (lambda d: (d / "manifest.json").write_text("{not json"), "unreadable"),
    (lambda d: (d / "manifest.json").write_text(json.dumps({"seed": 1})), "resolved_scenario"),
    (lambda d: (d / "trajectories.parquet").unlink(), "trajectories.parquet"),
])
def test_rerun_of_a_broken_folder_is_a_one_line_error(capsys, run_copy, break_it, needle):
    d = run_copy
    break_it(d)
    assert run.main(["rerun", str(d)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "expected" in err[0], err


def test_rerun_edited_manifest_scenario_is_refused(capsys, run_copy):
    d = run_copy
    man = json.loads((d / "manifest.json").read_text())
    man["resolved_scenario"]["parameters"]["beta"] = 5.0
    (d / "manifest.json").write_text(json.dumps(man, ensure_ascii=False))
    assert run.main(["rerun", str(d)]) == 2
    assert "scenario_hash" in capsys.readouterr().err


@pytest.mark.slow  # slow set (CI runs it): keeps make test under 3 minutes
def test_rerun_command_line(tmp_path, run_copy):
    d = run_copy
    env = dict(os.environ, **PINNED)
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "rerun", str(d), "--quiet"], check=False, capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip().splitlines()[-1]).is_dir()
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "rerun", str(tmp_path / "nope")], check=False,
                       capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
