import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # property-based tests (tests/test_hostile_inputs.py): more examples in CI
    from hypothesis import settings

    settings.register_profile("default", max_examples=150)
    settings.register_profile("ci", max_examples=1000)
    settings.register_profile("hunt", max_examples=5000)  # HYPOTHESIS_PROFILE=hunt: a long search
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                          or ("ci" if os.environ.get("CI") == "true" else "default"))
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


@pytest.fixture(scope="session")
def baseline_model():
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    return RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml"))



# Expensive results read by several test files are made once per test session, also under xdist
# (make test: two worker processes): the first worker to ask makes them in the session's shared
# temporary folder, under a lock; the other waits for it and reads the same folders. Tests only read
# them; a test that writes next to one, or changes one, works on a copy in its own tmp_path.


def _once(tmp_path_factory, name: str, make):
    """``make(folder) -> dict of str`` once per session (the pytest-xdist recipe for session
    fixtures): the JSON of its result is the marker that it is done."""
    import fcntl
    import json
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # .../pytest-N/popen-gwK -> .../pytest-N, shared by this session's workers
    done = root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if make() raises
        if not done.exists():
            folder = root / name
            folder.mkdir(exist_ok=True)
            done.write_text(json.dumps(make(folder)), encoding="utf-8")
        return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def zone_results(tmp_path_factory):
    """``compare baseline.yaml jxn_transfer_zone.yaml --replicates 2 --until 2025`` and the ensemble
    ``jxn_transfer_zone.yaml --replicates 2 --until 2025`` that reuses the comparison's runs, all in
    one folder (tests/report_fixtures.py): {"comparison": folder, "ensemble": folder}. Read by
    test_report.py, test_report_browser.py and test_levers.py."""
    def make(folder):
        from sim.outputs import plots
        from tests.report_fixtures import make_comparison, make_ensemble
        # the replicate runs without their own figures (seconds each): what reads this fixture reads the
        # comparison's and the ensemble's figures, tables and summaries (run figures: test_end_to_end.py)
        keep, plots.run_figures = plots.run_figures, lambda *a, **k: []
        try:
            return {"comparison": str(make_comparison(folder)), "ensemble": str(make_ensemble(folder))}
        finally:
            plots.run_figures = keep
    return {k: Path(v) for k, v in _once(tmp_path_factory, "zone_results", make).items()}
