import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def baseline_model():
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    return RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml"))
