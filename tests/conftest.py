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
