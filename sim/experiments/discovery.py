"""Scenario discovery: per plan target and outcome threshold, the lever thresholds under which it is
met in at least 80% of the sampled futures, found by PRIM (``sim/experiments/prim.py``) on the
lever dimensions only, with density, coverage and runs in the box, or a sentence saying that no box
reaches 80%."""

from __future__ import annotations

import json
import math

import numpy as np

from .packages import fmt_value

ROBUST_SHARE = 0.8   # "met in at least 80% of the sampled futures"
PEEL_ALPHA = 0.05    # share of the box's runs cut off per peeling step


def _criteria(plan: dict, runs, thresholds: list[dict]) -> list[dict]:
    """What discovery looks at: each plan target (target.<id>.met) and each outcome threshold,
    with y per run (1 met, 0 not, NaN: the run does not say, e.g. it ends before the year)."""
    labels = {t["id"]: t.get("label") or t["id"] for t in plan.get("targets", [])}
    out = []
    for c in runs.columns:
        if c.startswith("target.") and c.endswith(".met"):
            tid = c.removeprefix("target.").removesuffix(".met")
            out.append({"target": tid, "kind": "plan target", "label": labels.get(tid, tid),
                        "y": runs[c].to_numpy(dtype=float)})
    for t in thresholds:
        v = runs[t["outcome"]].to_numpy(dtype=float)
        ok = np.ones(len(v), dtype=bool)
        if t.get("min") is not None:
            ok &= v >= t["min"]
        if t.get("max") is not None:
            ok &= v <= t["max"]
        out.append({"target": t["text"], "kind": "outcome threshold", "label": t["text"],
                    "y": np.where(np.isnan(v), np.nan, ok.astype(float))})
    return out


def scenario_discovery(plan: dict, runs, thresholds: list[dict] | None = None,
                       share: float = ROBUST_SHARE, alpha: float = PEEL_ALPHA) -> list[dict]:
    """Per plan target and outcome threshold: the lever box found by PRIM (sim/experiments/prim.py) in which
    the target is met in at least ``share`` of the runs (sampled futures), with its density,
    coverage and number of runs, and a plain-language sentence; or the densest box and a sentence
    saying that no box reaches ``share``."""
    from . import prim
    levers = [f for f in plan["factors"] if f["group"] == "lever"]
    units = {f["name"]: f.get("unit", "") for f in levers}
    rows = []
    for c in _criteria(plan, runs, thresholds or []):
        y = c["y"]
        have = ~np.isnan(y)
        row = {"target": c["target"], "kind": c["kind"], "label": c["label"],
               "runs": int(have.sum()), "runs_meeting": int(np.nansum(y)),
               "share_meeting": float(np.nanmean(y)) if have.any() else None, "found": False,
               "conditions": None, "limits": None, "density": None, "coverage": None,
               "runs_in_box": None, "mass": None}
        what = c["label"]
        if not have.any():
            row["sentence"] = f"{what}: no run reaches the target's year; nothing to discover."
            rows.append(row)
            continue
        if not levers:
            row["sentence"] = f"{what}: the experiment has no levers; nothing to discover."
            rows.append(row)
            continue
        if row["runs_meeting"] == 0:
            row["sentence"] = (f"{what}: met in none of the {row['runs']} runs; no lever setting "
                               f"in the sampled ranges meets it.")
            rows.append(row)
            continue
        X = {}
        for f in levers:
            col = runs.loc[have, f["name"]]
            try:
                X[f["name"]] = col.to_numpy(dtype=float)
            except (TypeError, ValueError):
                X[f["name"]] = col.astype(str).to_numpy(dtype=object)
        chosen, densest, traj = prim.find_box(X, y[have], threshold=share, alpha=alpha)
        box = chosen if chosen is not None else densest
        cond = prim.describe(box, units=units, fmt=fmt_value)
        row.update({"found": chosen is not None, "conditions": cond,
                    "limits": json.dumps({**{k: [None if not math.isfinite(a) else a,
                                                 None if not math.isfinite(b) else b]
                                             for k, (a, b) in box.limits.items()
                                             if k in box.restricted()},
                                          **{k: sorted(map(str, v)) for k, v in box.allowed.items()}},
                                         ensure_ascii=False),
                    "density": round(box.density, 4), "coverage": round(box.coverage, 4),
                    "runs_in_box": box.n, "mass": round(box.mass, 4),
                    "trajectory": [(b.coverage, b.density, b.n) for b in traj]})
        stats = f"(density {box.density:.2f}, coverage {box.coverage:.2f}, {box.n} runs)"
        if chosen is not None:
            row["sentence"] = (f"{cond}: {what} met in {box.density:.0%} of sampled futures {stats}")
        else:
            row["sentence"] = (f"{what}: no lever box reaches {share:.0%}; the best, {cond}, meets it "
                               f"in {box.density:.0%} of sampled futures {stats}")
        rows.append(row)
    return rows


def discovery_md(rows: list[dict], share: float = ROBUST_SHARE, alpha: float = PEEL_ALPHA) -> str:
    head = (f"Lever thresholds under which each target is met in at least {share:.0%} of the sampled "
            f"futures (every run is one future: a draw of the uncertainties and a seed). Method: PRIM "
            f"(Friedman & Fisher 1999) on the lever dimensions only, peeling {alpha:.0%} of the box's "
            f"runs per step down to 5% of all runs; the box chosen has density ≥ {share:.0%} and the "
            f"highest coverage; restrictions not needed for that are dropped (sim/experiments/prim.py). "
            f"Density: share of the runs in the box that meet the target. Coverage: share of all "
            f"target-meeting runs that lie in the box.\n\n")
    if not rows:
        return head + "No plan targets in the base scenario and no outcome thresholds.\n"
    L = [(f"| target | lever thresholds | ≥ {share:.0%}? | density | coverage | runs in box | "
          "met over all runs |"), "|---|---|---|---|---|---|---|"]
    for r in rows:
        d = "—" if r["density"] is None else f"{r['density']:.2f}"
        cv = "—" if r["coverage"] is None else f"{r['coverage']:.2f}"
        n = "—" if r["runs_in_box"] is None else str(r["runs_in_box"])
        allr = "—" if r["share_meeting"] is None else f"{r['share_meeting']:.0%} of {r['runs']}"
        reach = "yes" if r["found"] else "**no**"
        L.append(f"| {r['label']} | {r['conditions'] or '—'} | {reach} | {d} | {cv} | {n} | {allr} |")
    return head + "\n".join(L) + "\n\n" + "\n".join(f"- {r['sentence']}" for r in rows) + "\n"
