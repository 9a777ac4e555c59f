"""Crash safety: a run killed with SIGKILL at any moment leaves a complete result folder or none;
an existing result folder is never overwritten; leftovers of killed runs are never read."""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.outputs import results

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["arrivals_by_origin.png", "channels.png", "firms_jobs_by_park.png", "gdp_by_city.png",
           "industrial_output_by_sector.png", "map.png"]
CMD = [sys.executable, str(ROOT / "run.py"), str(ROOT / "scenarios/baseline.yaml"), "--set", "firms.scale=0.3",
       "--until", "2023", "--quiet", "--seed", "3"]
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


def assert_complete(d: Path) -> None:
    json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert len(pd.read_parquet(d / "trajectories.parquet")) > 0
    assert sorted(p.name for p in (d / "figures").iterdir()) == FIGURES
    for f in FIGURES:
        raw = (d / "figures" / f).read_bytes()
        assert raw.startswith(b"\x89PNG\r\n\x1a\n") and raw.endswith(b"IEND\xaeB`\x82"), f


def _kill_at(out: Path, delay: float, after_tmp: bool) -> None:
    p = subprocess.Popen([*CMD, "--out", str(out)], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    if after_tmp:  # wait until the run starts writing its folder, then kill it while it writes
        while p.poll() is None and not any(x.name.startswith(".tmp-") for x in out.glob(".tmp-*")):
            if time.monotonic() - t0 > 120:
                break
            time.sleep(0.002)
    time.sleep(delay)
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=60)


def _check_out(out: Path) -> tuple[int, int]:
    complete = leftovers = 0
    for d in out.iterdir():
        if d.name.startswith(".tmp-"):
            leftovers += 1
            continue
        assert_complete(d)
        complete += 1
    # nothing reads a leftover: a reusable folder is always a complete, visible one
    for d in out.iterdir():
        if not d.name.startswith("."):
            h = json.loads((d / "manifest.json").read_text(encoding="utf-8"))["scenario_hash"]
            found = results.find_reusable(out, "baseline", 3, h, 2023)
            assert found is None or not found.name.startswith(".")
    return complete, leftovers


def _write_time(out: Path) -> float:
    """Seconds from the hidden folder's appearance to the rename (a complete run)."""
    p = subprocess.Popen([*CMD, "--out", str(out)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t_tmp = None
    t0 = time.monotonic()
    while p.poll() is None:
        if t_tmp is None and any(out.glob(".tmp-*")):
            t_tmp = time.monotonic()
        time.sleep(0.002)
    total = time.monotonic() - t0
    assert p.returncode == 0
    return total, (time.monotonic() - t_tmp) if t_tmp else 0.5


def _sigkill_many(tmp_path, n_random: int, n_writing: int, seed: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    total, writing = _write_time(out)
    rng = random.Random(seed)
    for _ in range(n_random):
        _kill_at(out, rng.uniform(0.0, total * 1.1), after_tmp=False)
    for _ in range(n_writing):
        _kill_at(out, rng.uniform(0.0, writing * 1.2), after_tmp=True)
    complete, _ = _check_out(out)
    assert complete >= 1
    # a later run removes stale leftovers (here: all of them, age limit 0)
    results.clean_stale_tmp(out, max_age=0)
    assert not list(out.glob(".tmp-*"))
    for d in out.iterdir():
        assert_complete(d)


@pytest.mark.slow  # CI: 14 s
def test_sigkill_leaves_a_complete_folder_or_none(tmp_path):
    # one kill at a random moment and two while the folder is written; 24 more in the slow set
    _sigkill_many(tmp_path, n_random=1, n_writing=2, seed=1)


@pytest.mark.slow
def test_sigkill_at_many_moments(tmp_path):
    _sigkill_many(tmp_path, n_random=12, n_writing=12, seed=2)


def test_an_existing_folder_is_never_overwritten(tmp_path):
    out = tmp_path / "out"
    tmp, final = results.new_run_dir(out, "x", 1, "abcdef123456")
    (tmp / "a.txt").write_text("new")
    final.mkdir()  # another run took the name while this one was writing
    (final / "a.txt").write_text("old")
    got = results.finish(tmp, final)
    assert got != final.resolve() and got.name == final.name + "-2"
    assert (final / "a.txt").read_text() == "old" and (got / "a.txt").read_text() == "new"
    assert not tmp.exists()


def test_hidden_leftovers_are_never_reused_and_stale_ones_are_cleaned(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    man = {"scenario_hash": "h" * 64, "seed": 1, "until": None, "code_hash": results.code_hash()}
    left = out / ".tmp-20260101-000000_base_s1_hhhhhhhh-abc"
    left.mkdir()
    for f in ("manifest.json", "summary.json"):
        (left / f).write_text(json.dumps(man))
    (left / "trajectories.parquet").write_bytes(b"x")
    assert results.find_reusable(out, "base", 1, "h" * 64, None) is None
    fresh = out / ".tmp-recent"
    fresh.mkdir()
    old = time.time() - results.STALE_TMP_SECONDS - 60
    os.utime(left, (old, old))
    results.new_run_dir(out, "base", 1, "h" * 64)
    assert not left.exists() and fresh.exists()
