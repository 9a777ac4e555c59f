"""Fingerprint of a short run: a SHA-256 over every tidy row the Recorder writes and over the live
firms' state, in firm-id order. Used by tests/test_perf_equivalence.py to pin that performance work
does not change results (bit for bit).

    python tests/perf_fingerprint.py          # prints the fingerprints to paste into the test
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.model import RegionalEconomy
from sim.outputs.metrics import Recorder
from sim.scenario import load_scenario

# measures the Recorder gained after the fingerprints were pinned (additions, not changes): left
# out so that the pinned hashes keep checking every row that existed then
ADDED_SINCE_PIN = ("land_used", "tax_revenue")

FIRM_FIELDS = ("sector", "site", "scale", "home", "land", "output", "va", "jobs", "arrived_t",
               "land_disc", "induced", "pivotal", "pinned")


# (scenario, overrides, until): levers of every kind the seeds use, new parks, an anchor, the
# cost-of-living switch and the size-dependent Laplace growth variant. The fingerprints pin the
# model as it was before the nested logit and the literature growth defaults: each case restores
# the old settings explicitly (OLD), so they also prove that λ = 1 and log-normal growth
# reproduce the old model bit for bit.
OLD = ("parameters.nest_lambda=1", "parameters.relocation_cost_within_city_share=1", "parameters.gibrat_shock=normal",
       "parameters.gibrat_size_elasticity=0")
OLD_CHOICE = ("parameters.nest_lambda=1", "parameters.relocation_cost_within_city_share=1")
CASES = [
    ("baseline.yaml", OLD, 2025),
    ("jxn_transfer_zone.yaml", OLD, 2025),
    ("changchun_siping.yaml", OLD, 2026),
    ("six_city_integration.yaml", OLD, 2025.5),
    ("theory/footloose-entrepreneur.yaml", OLD, 2024),
    ("baseline.yaml", OLD_CHOICE + ("parameters.gibrat_shock=laplace",
                                    "parameters.gibrat_size_elasticity=0.2", "firms.scale=0.3"), 2024),
]


def run(scenario: str, until: float, seed: int | None = None, overrides=()):
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
    f = f[~f.measure.isin(ADDED_SINCE_PIN)]
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
    firms = h.hexdigest()[:16]
    led = hashlib.sha256(np.ascontiguousarray(np.r_[m.free_land, m.land_price, m.lever_spent_year,
                                                     m.cum_retained]).tobytes()).hexdigest()[:16]
    return {"rows": rows, "firms": firms, "state": led, "n_rows": len(f), "live": int(live.size),
            "gdp_end": float(f[(f.measure == "gdp") & (f.place == "region")].value.iloc[-1])}


if __name__ == "__main__":
    if len(sys.argv) > 1:  # the full default runs: python tests/perf_fingerprint.py 2035
        for scn in ("baseline.yaml", "jxn_transfer_zone.yaml"):
            print(scn, sys.argv[1], fingerprint(*run(scn, float(sys.argv[1]))))
    else:
        for scn, ov, until in CASES:
            print(f"    ({scn!r}, {ov!r}, {until!r}): {fingerprint(*run(scn, until, overrides=ov))!r},")
