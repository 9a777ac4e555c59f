"""A hash of a short run, for comparing two runs made in the same process (same CPU, same numpy):
a SHA-256 over every tidy row the Recorder writes and over the live firms' state in firm-id order.
Across machines compare golden rows at a tolerance instead (tests/golden_cases.py)."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRM_FIELDS = ("sector", "site", "scale", "home", "land", "output", "va", "jobs", "arrived_t",
               "land_disc", "induced", "pivotal", "pinned")


def run(scenario: str, until: float, seed: int | None = None, overrides=()):
    """(model, Recorder) after a run of ``scenarios/<scenario>`` to ``until``."""
    from sim.outputs.metrics import Recorder
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario

    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / scenario, list(overrides)), seed=seed,
                        until=until)
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    return m, rec


def fingerprint(m, rec) -> dict:
    f = rec.frame()
    h = hashlib.sha256()
    for col in ("year", "place", "measure", "unit", "sector", "origin", "lever"):
        h.update("\x1f".join(map(str, f[col].tolist())).encode())
    h.update(np.ascontiguousarray(f["value"].to_numpy(dtype=np.float64)).tobytes())
    rows = h.hexdigest()[:16]
    live = np.flatnonzero(m.alive)
    live = live[np.argsort(m.firm_id[live], kind="stable")]
    h = hashlib.sha256(np.ascontiguousarray(m.firm_id[live].astype(np.int64)).tobytes())
    for name in FIRM_FIELDS:
        h.update(np.ascontiguousarray(getattr(m, name)[live]).tobytes())
    return {"rows": rows, "firms": h.hexdigest()[:16], "n_rows": len(f), "live": int(live.size)}
