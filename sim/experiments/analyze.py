"""``run.py analyze SWEEP_DIR``: sensitivity indices, fan charts, target probabilities, summary.

Reads a sweep folder (``sim/sweep.py``) — only the runs of its current plan (same code version) —
and writes a new folder ``SWEEP_DIR/analysis_<timestamp>/`` (temporary folder renamed when
complete; never overwritten) with:

* ``sensitivity.csv`` and ``figures/sensitivity_<outcome>.png``: per outcome and factor, Sobol
  first-order and total indices with 95% confidence intervals (sobol designs; SALib; with
  ``second_order`` also ``S2_<other factor>`` and its interval), Morris μ*, its
  confidence interval, μ and σ (morris designs; in units of the outcome per full range of the
  factor), or for grid and Latin-hypercube designs the main-effect swing (largest minus smallest mean
  outcome across the factor's values or quintiles) and Spearman's rank correlation. Outcomes are
  averaged over replicates at each design point first;
* ``variance.csv``: each outcome's run-to-run variance split into design points (the factors),
  replicate seeds (common to all points with common random numbers) and seed noise (point × seed);
* ``fan_charts.csv`` and ``figures/fan_<series>.png``: 5, 25, 50, 75 and 95% of each yearly series
  over all runs of each lever package (a package is a combination of lever values; continuous levers
  are cut into ``package_bins`` equal-width bins of their range);
* ``targets.csv`` / ``targets.md``: per package and plan target, the probability the target is met
  over the package's runs (runs ending before the target's year do not count);
* ``scenario_discovery.csv`` / ``.md`` and ``figures/discovery_<target>.png``: per plan target and
  outcome threshold, the lever thresholds under which it is met in at least 80% of the sampled
  futures (PRIM on the lever dimensions, ``sim/prim.py``) with density, coverage and runs in the
  box, or a sentence saying no box reaches 80%;
* ``outcomes.csv``: per package and outcome, mean and 5/50/95%;
* ``summary.md``: in plain language, which levers and uncertainties matter most for which outcome,
  and which package meets the targets most reliably; ``analysis.json``: all of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..errors import CommandParser, UserError

QUANTILES = (5, 25, 50, 75, 95)
SERIES_UNITS = {"gdp": "亿元/year", "industrial_output": "亿元/year", "jobs": "persons",
                "firms": "firms", "population": "万人", "wage": "yuan/year",
                "fiscal_balance": "亿元 in the year", "fiscal_revenue": "亿元 in the year",
                "fiscal_spending": "亿元 in the year", "arrivals": "firms in the year"}


class AnalysisError(UserError):
    pass


# ------------------------------------------------------------------------------------------
# Reading a sweep
# ------------------------------------------------------------------------------------------


def load_sweep(folder: Path):
    """(plan, runs: DataFrame one row per finished run, series: long DataFrame, errors: list)."""
    import pandas as pd

    plan_path = folder / "plan.json"
    if not plan_path.is_file():
        raise AnalysisError(str(folder), message=(
            f"{folder}: not a sweep folder (no plan.json); expected the folder `run.py sweep` printed"))
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    points = pd.read_csv(folder / "points.csv", dtype={"run_id": str})
    names = [f["name"] for f in plan["factors"]]
    for n in names:  # list factors were written as JSON text
        if points[n].dtype == object:
            points[n] = points[n].map(_maybe_json)
    import pyarrow.parquet as pq
    rows, errors = [], []
    ser_cols: dict[str, list] = {"run_id": [], "point": [], "series": [], "year": [], "value": []}
    runs_dir = folder / "runs"
    for r in points.itertuples(index=False):
        p = runs_dir / f"{r.run_id}.parquet"
        if p.is_file():  # pyarrow columns, no pandas per run (thousands of runs)
            t = pq.read_table(p)
            nm = t.column("name").to_pylist()
            yr = t.column("year").to_numpy(zero_copy_only=False).astype(float)
            val = t.column("value").to_numpy(zero_copy_only=False)
            scalar = np.isnan(yr)
            row = {"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
                   **{n: getattr(r, n) for n in names},
                   **{nm[i]: float(val[i]) for i in np.flatnonzero(scalar)}}
            rows.append(row)
            idx = np.flatnonzero(~scalar)
            ser_cols["run_id"] += [r.run_id] * len(idx)
            ser_cols["point"] += [r.point] * len(idx)
            ser_cols["series"] += [nm[i].removeprefix("series:") for i in idx]
            ser_cols["year"].append(yr[idx])
            ser_cols["value"].append(val[idx])
        elif (runs_dir / f"{r.run_id}.error.json").is_file():
            e = json.loads((runs_dir / f"{r.run_id}.error.json").read_text(encoding="utf-8"))
            errors.append({"run_id": r.run_id, "point": int(r.point), "replicate": int(r.replicate),
                           "error": e.get("error")})
    runs = pd.DataFrame(rows)
    for k in ("year", "value"):
        ser_cols[k] = np.concatenate(ser_cols[k]) if ser_cols[k] else np.array([], dtype=float)
    ser = pd.DataFrame(ser_cols)
    return plan, points, runs, ser, errors


def _maybe_json(x):
    try:
        return json.dumps(json.loads(x), ensure_ascii=False)  # canonical text for lists
    except (TypeError, ValueError):
        return x


# ------------------------------------------------------------------------------------------
# Packages
# ------------------------------------------------------------------------------------------


def _fmt(x) -> str:
    if isinstance(x, str):
        return x
    x = float(x)
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def package_labels(plan: dict, points) -> list[str]:
    """A package label per row of ``points``: the lever values (binned when continuous)."""
    levers = [f for f in plan["factors"] if f["group"] == "lever"]
    if not levers:
        return ["all runs"] * len(points)
    parts = []
    for f in levers:
        col = points[f["name"]]
        distinct = sorted(col.unique(), key=lambda v: (isinstance(v, str), v))
        if len(distinct) <= max(plan.get("package_bins", 2), 5) and (
                f["spec"].get("values") is not None or len(distinct) <= plan.get("package_bins", 2)):
            parts.append([f"{f['name']}={_fmt(v)}" for v in col])
            continue
        spec = f["spec"]
        lo, hi = (spec["range"] if spec.get("range") else (float(col.min()), float(col.max())))
        nb = plan.get("package_bins", 2)
        edges = np.linspace(lo, hi, nb + 1)
        idx = np.clip(np.searchsorted(edges, col.to_numpy(dtype=float), side="right") - 1, 0, nb - 1)
        parts.append([f"{f['name']} {_fmt(edges[i])}–{_fmt(edges[i + 1])}" for i in idx])
    return [" · ".join(p) for p in zip(*parts)]


# ------------------------------------------------------------------------------------------
# Sensitivity
# ------------------------------------------------------------------------------------------


def point_means(plan: dict, runs, outcome: str) -> np.ndarray:
    """Outcome averaged over replicates per design point (NaN where no run finished)."""
    y = np.full(plan["n_points"], np.nan)
    if outcome in runs:
        g = runs.groupby("point")[outcome].mean()
        y[g.index.to_numpy(dtype=int)] = g.to_numpy(dtype=float)
    return y


def sensitivity(plan: dict, points, runs, outcome: str) -> tuple[list[dict], str | None]:
    """Rows (factor, indices) for one outcome, or ([], reason) when it cannot be computed."""
    import pandas as pd
    kind = plan["design"]["kind"]
    facs = plan["factors"]
    y = point_means(plan, runs, outcome)
    if np.isnan(y).all():
        return [], "no finished run has a value"
    if kind in ("sobol", "morris") and np.isnan(y).any():
        return [], (f"{int(np.isnan(y).sum())} of {len(y)} design points have no value (failed, "
                    "unfinished or undefined runs); Sobol and Morris need them all")
    if np.nanstd(y) == 0:
        return [], "the outcome does not vary"
    problem = {"num_vars": len(facs), "names": [f["name"] for f in facs],
               "bounds": [[0.0, 1.0]] * len(facs)}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "sobol":
            from SALib.analyze import sobol
            res = sobol.analyze(problem, y, calc_second_order=plan["design"]["second_order"],
                                conf_level=0.95, seed=1)
            for j, f in enumerate(facs):
                rows.append({"outcome": outcome, "factor": f["name"], "group": f["group"],
                             "S1": res["S1"][j], "S1_conf": res["S1_conf"][j],
                             "ST": res["ST"][j], "ST_conf": res["ST_conf"][j]})
                if plan["design"]["second_order"]:  # S2 with every other factor (upper triangle)
                    for m, g in enumerate(facs):
                        if m > j:
                            rows[-1][f"S2_{g['name']}"] = res["S2"][j, m]
                            rows[-1][f"S2_conf_{g['name']}"] = res["S2_conf"][j, m]
        elif kind == "morris":
            from SALib.analyze import morris
            X = np.asarray(plan["unit_sample"])
            res = morris.analyze(problem, X, y, conf_level=0.95, num_levels=plan["design"]["levels"],
                                 seed=1)
            for j, f in enumerate(facs):
                rows.append({"outcome": outcome, "factor": f["name"], "group": f["group"],
                             "mu_star": res["mu_star"][j], "mu_star_conf": res["mu_star_conf"][j],
                             "mu": res["mu"][j], "sigma": res["sigma"][j]})
        else:
            pts = points.drop_duplicates("point").sort_values("point")
            ok = ~np.isnan(y)
            for f in facs:
                x = pts[f["name"]].to_numpy()
                try:
                    xf = x.astype(float)
                except (TypeError, ValueError):
                    xf = pd.Series(x).astype("category").cat.codes.to_numpy(dtype=float)
                if len(np.unique(xf)) > 5:
                    bins = pd.qcut(xf, 5, labels=False, duplicates="drop")
                else:
                    bins = xf
                m = pd.Series(y[ok]).groupby(np.asarray(bins)[ok]).mean()
                swing = float(m.max() - m.min()) if len(m) > 1 else 0.0
                rho = float(pd.Series(xf[ok]).corr(pd.Series(y[ok]), method="spearman")) \
                    if np.std(xf[ok]) > 0 else math.nan
                rows.append({"outcome": outcome, "factor": f["name"], "group": f["group"],
                             "main_effect_swing": swing, "spearman": rho})
    for r in rows:
        for k, v in list(r.items()):
            if isinstance(v, (float, np.floating)):
                r[k] = None if not np.isfinite(v) else float(v)
    return rows, None


def importance_key(kind: str) -> tuple[str, str | None, str]:
    """(measure used to rank factors, its confidence column, words for it)."""
    if kind == "sobol":
        return "ST", "ST_conf", "total-order Sobol index"
    if kind == "morris":
        return "mu_star", "mu_star_conf", "Morris μ* (mean absolute effect of moving the factor across its range)"
    return "main_effect_swing", None, "main-effect swing (largest minus smallest mean outcome across its values)"


def variance_split(runs, outcome: str) -> dict | None:
    """Two-way split of the run-to-run variance of an outcome (points with every replicate):
    ``points`` (the factors), ``seeds`` (a replicate's seed, common to all points under common
    random numbers, so it cancels between points) and ``noise`` (point × seed: the seed noise left
    in differences between points, which blurs the sensitivity indices)."""
    if outcome not in runs or runs.replicate.nunique() < 2:
        return None
    w = runs.pivot_table(index="point", columns="replicate", values=outcome, aggfunc="mean").dropna()
    if len(w) < 2:
        return None
    y = w.to_numpy(dtype=float)
    grand = y.mean()
    ss_p = y.shape[1] * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_s = y.shape[0] * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_t = ((y - grand) ** 2).sum()
    if ss_t <= 0:
        return None
    ss_e = max(ss_t - ss_p - ss_s, 0.0)
    return {"points": float(ss_p / ss_t), "seeds": float(ss_s / ss_t), "noise": float(ss_e / ss_t),
            "points_used": len(w)}


# ------------------------------------------------------------------------------------------
# Scenario discovery (PRIM on the lever dimensions)
# ------------------------------------------------------------------------------------------

ROBUST_SHARE = 0.8   # "met in at least 80% of the sampled futures"
PEEL_ALPHA = 0.05    # share of the box's runs cut off per peeling step


def parse_threshold(text: str) -> dict:
    """``OUTCOME>=VALUE`` or ``OUTCOME<=VALUE`` (``--threshold``) -> a threshold dict."""
    m = re.fullmatch(r"\s*([^<>=\s]+)\s*(>=|<=)\s*([-+0-9.eE_,]+)\s*", text)
    try:
        v = float(m.group(3).replace(",", "").replace("_", "")) if m else math.nan
    except ValueError:
        v = math.nan
    if not m or not math.isfinite(v):
        raise AnalysisError("--threshold", message=(
            f"--threshold: got {text!r}; expected OUTCOME>=VALUE or OUTCOME<=VALUE, "
            f"e.g. region.induced_arrivals_total>=1000"))
    o, op = m.group(1), m.group(2)
    t = {"outcome": o, "min": v if op == ">=" else None, "max": v if op == "<=" else None}
    t["text"] = f"{o} {'≥' if op == '>=' else '≤'} {v:,.6g}"
    return t


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
    """Per plan target and outcome threshold: the lever box found by PRIM (sim/prim.py) in which
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
        cond = prim.describe(box, units=units, fmt=_fmt)
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


def _plot_discovery(row: dict, path: Path, share: float = ROBUST_SHARE) -> None:
    """PRIM's peeling trajectory: coverage against density, the chosen box marked."""
    import matplotlib.pyplot as plt
    cov, den, n = (np.array(v, dtype=float) for v in zip(*row["trajectory"]))
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    sc = ax.scatter(cov, den, c=n, cmap="viridis", s=18, label="boxes of the peeling trajectory")
    fig.colorbar(sc, ax=ax, label="runs in the box")
    ax.axhline(share, color="tab:red", ls="--", lw=1, label=f"density {share:.0%}")
    ax.plot([row["coverage"]], [row["density"]], marker="*", ms=16, color="tab:red", ls="none",
            label="chosen box" if row["found"] else "densest box (below the line)")
    ax.set_xlabel("coverage (share of all target-meeting runs in the box)")
    ax.set_ylabel("density (share of the box's runs meeting the target)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM: {row['label']}\n{row['conditions']}", fontsize=9)
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _discovery_md(rows: list[dict], share: float = ROBUST_SHARE, alpha: float = PEEL_ALPHA) -> str:
    head = (f"Lever thresholds under which each target is met in at least {share:.0%} of the sampled "
            f"futures (every run is one future: a draw of the uncertainties and a seed). Method: PRIM "
            f"(Friedman & Fisher 1999) on the lever dimensions only, peeling {alpha:.0%} of the box's "
            f"runs per step down to 5% of all runs; the box chosen has density ≥ {share:.0%} and the "
            f"highest coverage; restrictions not needed for that are dropped (sim/prim.py). "
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


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^\w\-]+", "_", text).strip("_")[:80]


def _plot_sensitivity(rows: list[dict], kind: str, outcome: str, path: Path) -> None:
    import matplotlib.pyplot as plt
    names = [r["factor"] for r in rows]
    colors = ["tab:blue" if r["group"] == "lever" else "tab:orange" for r in rows]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.8))
    y = np.arange(len(rows))
    if kind == "sobol":
        for off, key, hatch in ((-0.18, "S1", ""), (0.18, "ST", "//")):
            v = [r[key] or 0.0 for r in rows]
            e = [r[key + "_conf"] or 0.0 for r in rows]
            ax.barh(y + off, v, 0.34, xerr=e, color=colors, hatch=hatch, edgecolor="k", alpha=0.85,
                    label={"S1": "first order S1", "ST": "total ST"}[key])
        ax.set_xlabel("Sobol index (bars: 95% confidence interval)")
        ax.legend(fontsize=8)
    elif kind == "morris":
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(6.5, 5))
        for r, c in zip(rows, colors):
            ax.errorbar(r["mu_star"], r["sigma"], xerr=r["mu_star_conf"], fmt="o", color=c)
            ax.annotate(r["factor"], (r["mu_star"], r["sigma"]), fontsize=8, xytext=(4, 4),
                        textcoords="offset points")
        ax.set_xlabel(f"μ* (effect of the full range, units of {outcome})")
        ax.set_ylabel(f"σ (interaction / non-linearity, units of {outcome})")
    else:
        ax.barh(y, [r["main_effect_swing"] for r in rows], color=colors, edgecolor="k")
        ax.set_xlabel("main-effect swing (outcome units)")
    if kind != "morris":
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_ylabel("factor")
    if kind != "sobol":
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color="tab:blue", label="lever"),
                           Patch(color="tab:orange", label="uncertainty")], fontsize=8)
    ax.set_title(f"{outcome}\n(blue: levers, orange: uncertainties)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_fan(fan, series: str, path: Path) -> None:
    import matplotlib.pyplot as plt
    d = fan[fan.series == series]
    pkgs = list(dict.fromkeys(d.package))
    n = len(pkgs)
    cols = min(n, 3)
    rows_ = math.ceil(n / cols)
    fig, axes = plt.subplots(rows_, cols, figsize=(4.6 * cols, 3.4 * rows_), squeeze=False,
                             sharey=True)
    for ax, pk in zip(axes.flat, pkgs):
        q = d[d.package == pk].sort_values("year")
        ax.fill_between(q.year, q.p5, q.p95, alpha=0.25, color="tab:blue", label="5–95%")
        ax.fill_between(q.year, q.p25, q.p75, alpha=0.35, color="tab:blue", label="25–75%")
        ax.plot(q.year, q.p50, color="tab:blue", label="median")
        ax.set_title(f"{pk}\n(runs: {int(q.runs.max())})", fontsize=8)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    unit = SERIES_UNITS.get(series.split(".", 1)[-1], "")
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{series} ({unit})" if unit else series)
    fig.suptitle(f"{series}: fan chart per lever package", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------------------------------
# The analysis folder
# ------------------------------------------------------------------------------------------


def analyze(folder: Path, outcomes: list[str] | None = None, out: Path | None = None,
            thresholds: list[str] | None = None) -> Path:
    import pandas as pd

    from ..outputs.plots import setup_font
    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisError(str(folder), message=f"{folder}: not a folder; expected a sweep folder")
    plan, points, runs, ser, errors = load_sweep(folder)
    if runs.empty:
        raise AnalysisError(str(folder), message=(
            f"{folder}: no finished runs for this code version; run `run.py sweep` on its "
            f"experiment first"))
    outcomes = list(outcomes or plan["outcomes"])
    known = [c for c in runs.columns[4 + len(plan["factors"]):]]
    for o in outcomes:
        if o not in runs.columns:
            near = [c for c in known if c.split(".")[0] == o.split(".")[0]] or known
            raise AnalysisError("--outcome", message=(
                f"--outcome: got {o!r}; expected an outcome the runs hold, e.g. {', '.join(near[:6])}"))
    thr = list(plan.get("thresholds", [])) + [parse_threshold(t) for t in thresholds or []]
    for t in thr:
        if t["outcome"] not in runs.columns:
            raise AnalysisError("--threshold", message=(
                f"--threshold: got outcome {t['outcome']!r}; expected an outcome the runs hold, "
                f"e.g. {', '.join(known[:6])}"))
    setup_font()
    out = Path(out) if out else folder
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = out / f"analysis_{stamp}"
    k = 1
    while final.exists():
        k += 1
        final = out / f"analysis_{stamp}-{k}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-analysis-", dir=out))
    try:
        figs = tmp / "figures"
        figs.mkdir()
        kind = plan["design"]["kind"]
        pts = points.drop_duplicates("point").sort_values("point")
        pkg_of_point = dict(zip(pts.point, package_labels(plan, pts)))
        runs["package"] = runs.point.map(pkg_of_point)
        # sensitivity
        sens_rows, skipped = [], {}
        for o in outcomes:
            rows, why = sensitivity(plan, points, runs, o)
            if why:
                skipped[o] = why
                continue
            sens_rows += rows
            _plot_sensitivity(rows, kind, o, figs / f"sensitivity_{_slug(o)}.png")
        pd.DataFrame(sens_rows).to_csv(tmp / "sensitivity.csv", index=False)
        noise = [{"outcome": o, **(variance_split(runs, o) or {})} for o in outcomes]
        pd.DataFrame(noise).to_csv(tmp / "variance.csv", index=False)
        # outcomes per package
        orows = []
        for pk, g in [("all runs", runs), *runs.groupby("package", sort=True)]:
            for o in outcomes:
                v = g[o].dropna().to_numpy(dtype=float)
                orows.append({"package": pk, "outcome": o, "runs": len(v),
                              "mean": float(v.mean()) if len(v) else None,
                              **{f"p{q}": float(np.percentile(v, q)) if len(v) else None
                                 for q in (5, 50, 95)}})
        pd.DataFrame(orows).to_csv(tmp / "outcomes.csv", index=False)
        # fan charts
        fan = pd.DataFrame()
        if not ser.empty:
            ser["package"] = ser.point.map(pkg_of_point)
            g = ser.groupby(["package", "series", "year"]).value
            fan = g.quantile([q / 100 for q in QUANTILES]).unstack()
            fan.columns = [f"p{q}" for q in QUANTILES]
            fan["runs"] = g.size()
            fan = fan.reset_index()
            fan["year"] = fan.year.astype(int)
            fan.to_csv(tmp / "fan_charts.csv", index=False)
            for s in dict.fromkeys(fan.series):
                _plot_fan(fan, s, figs / f"fan_{_slug(s)}.png")
        # targets per package
        trows = []
        tcols = [c for c in runs.columns if c.startswith("target.") and c.endswith(".met")]
        for pk, g in [("all runs", runs), *runs.groupby("package", sort=True)]:
            for c in tcols:
                v = g[c].dropna()
                trows.append({"package": pk, "target": c.removeprefix("target.").removesuffix(".met"),
                              "probability_met": round(float(v.mean()), 4) if len(v) else None,
                              "runs": len(g), "runs_reaching_year": len(v)})
        tdf = pd.DataFrame(trows)
        tdf.to_csv(tmp / "targets.csv", index=False)
        (tmp / "targets.md").write_text(_targets_md(tdf), encoding="utf-8")
        # scenario discovery: lever thresholds that meet each target in >= 80% of futures
        disc = scenario_discovery(plan, runs, thr)
        for r in disc:
            if r.get("trajectory"):
                name = r["target"].replace("≥", "ge").replace("≤", "le")
                _plot_discovery(r, figs / f"discovery_{_slug(name)}.png")
            r.pop("trajectory", None)
        pd.DataFrame(disc).to_csv(tmp / "scenario_discovery.csv", index=False)
        (tmp / "scenario_discovery.md").write_text(_discovery_md(disc), encoding="utf-8")
        info = {"sweep": str(folder.resolve()), "experiment": plan["experiment"],
                "design": plan["design"], "n_points": plan["n_points"],
                "replicates": plan["replicates"], "runs_planned": plan["n_runs"],
                "runs_finished": len(runs), "runs_failed": len(errors), "errors": errors[:50],
                "code_version": plan["code_version"], "outcomes": outcomes,
                "sensitivity": sens_rows, "sensitivity_skipped": skipped, "noise": noise,
                "targets": trows, "outcomes_by_package": orows, "scenario_discovery": disc}
        (tmp / "summary.md").write_text(_summary_md(plan, runs, info, tdf), encoding="utf-8")
        (tmp / "analysis.json").write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str),
                                           encoding="utf-8")
        import os
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final.resolve()


def _targets_md(tdf) -> str:
    if tdf.empty:
        return "No plan targets in the base scenario.\n"
    wide = tdf.pivot(index="package", columns="target", values="probability_met")
    cols = list(wide.columns)
    lines = ["| package | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for pk, r in wide.iterrows():
        lines.append(f"| {pk} | " + " | ".join("—" if pd_isna(v) else f"{v:.0%}" for v in r) + " |")
    return "Probability that each plan target is met, over the runs of each package " \
           "(— : no run reaches the target's year).\n\n" + "\n".join(lines) + "\n"


def pd_isna(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _num(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _summary_md(plan: dict, runs, info: dict, tdf) -> str:
    kind = plan["design"]["kind"]
    key, conf, words = importance_key(kind)
    facs = {f["name"]: f for f in plan["factors"]}
    L = [f"# Sweep `{plan['experiment']}`: what matters", "",
         f"{info['runs_finished']} of {info['runs_planned']} runs finished "
         f"({plan['n_points']} design points × {plan['replicates']} replicates, {kind} design"
         f"{'' if not info['runs_failed'] else '; ' + str(info['runs_failed']) + ' failed'}). "
         f"Factors: " + "; ".join(
             f"**{n}** ({'lever' if f['group'] == 'lever' else 'uncertainty'}"
             f"{': ' + f['label'] if f['label'] else ''})" for n, f in facs.items()) + ".", "",
         (f"Importance below is the {words}; outcomes are averaged over replicates at each point "
          "first. The variance split says how much of the run-to-run variance comes from the design "
          "points (the factors), from the replicate seeds shared by all points, and from seed noise "
          "that differs between points (it blurs the indices)."), ""]
    by_outcome: dict[str, list[dict]] = {}
    for r in info["sensitivity"]:
        by_outcome.setdefault(r["outcome"], []).append(r)
    noise = {n["outcome"]: n for n in info["noise"] if "points" in n}
    for o in info["outcomes"]:
        v = runs[o].dropna().to_numpy(dtype=float)
        spread = (f"mean {_num(v.mean())}, 5–95% {_num(np.percentile(v, 5))} to "
                  f"{_num(np.percentile(v, 95))} over runs" if len(v) else "no values")
        L.append(f"## {o}")
        L.append("")
        nz = noise.get(o)
        L.append(f"{spread}" + (f"; variance: design points {nz['points']:.0%}, replicate seeds "
                                f"{nz['seeds']:.0%}, seed noise {nz['noise']:.0%}" if nz else "") + ".")
        if o not in by_outcome:
            L.append(f"Sensitivity not computed: {info['sensitivity_skipped'].get(o, 'n/a')}.")
            L.append("")
            continue
        rows = sorted(by_outcome[o], key=lambda r: -(r[key] or 0.0))
        top = rows[0]
        total = sum(max(r[key] or 0.0, 0.0) for r in rows) or 1.0

        def desc(r):
            s = f"{r['factor']} ({_num(r[key])}"
            if conf and r.get(conf) is not None:
                s += f" ± {_num(r[conf])}"
            return s + ")"
        grp = "a lever" if top["group"] == "lever" else "an uncertainty"
        L.append(f"**{top['factor']}** ({grp}) matters most: {desc(top)}.")
        others = [r for r in rows[1:] if (r[key] or 0.0) >= 0.1 * total]
        if others:
            L.append("Then " + ", ".join(desc(r) for r in others) + ".")
        small = [r for r in rows[1:] if (r[key] or 0.0) < 0.1 * total]
        if small:
            L.append("Small by comparison (< 10% of the sum): " + ", ".join(desc(r) for r in small) + ".")
        lev = sum(max(r[key] or 0.0, 0.0) for r in rows if r["group"] == "lever")
        unc = sum(max(r[key] or 0.0, 0.0) for r in rows if r["group"] != "lever")
        if lev + unc > 0:
            L.append(f"Levers account for {lev / (lev + unc):.0%} of the summed importance, "
                     f"uncertainties for {unc / (lev + unc):.0%}.")
        if kind == "sobol":
            s1 = sum(max(r["S1"] or 0.0, 0.0) for r in rows)
            L.append(f"First-order indices sum to {s1:.2f}"
                     + (" (interactions or noise carry the rest)." if s1 < 0.8 else "."))
        L.append("")
    if not tdf.empty:
        L.append("## Plan targets by lever package")
        L.append("")
        t = tdf[(tdf.package != "all runs") & tdf.probability_met.notna()]
        if not t.empty:
            score = t.groupby("package").probability_met.agg(["min", "mean"])
            best = score.sort_values(["min", "mean"], ascending=False).index[0]
            worst = score.sort_values(["min", "mean"]).index[0]
            if score["min"].nunique() == 1 and score["mean"].nunique() == 1:
                L.append(f"Every package has the same target probabilities (lowest "
                         f"{score['min'].iloc[0]:.0%}, mean {score['mean'].iloc[0]:.0%}).")
            else:
                L.append(f"Most robust package (highest lowest probability over the targets): **{best}** "
                         f"(lowest {score.loc[best, 'min']:.0%}, mean {score.loc[best, 'mean']:.0%}); "
                         f"least robust: {worst} (lowest {score.loc[worst, 'min']:.0%}, "
                         f"mean {score.loc[worst, 'mean']:.0%}).")
            L.append("")
        L.append(_targets_md(tdf))
    if info.get("scenario_discovery"):
        L.append(f"## Lever thresholds that meet a target in ≥ {ROBUST_SHARE:.0%} of sampled futures")
        L.append("")
        L.append(_discovery_md(info["scenario_discovery"]))
    if info["runs_failed"]:
        L.append(f"{info['runs_failed']} runs failed; their errors are in `runs/*.error.json` of the sweep "
                 "folder and in analysis.json.")
    return "\n".join(L) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py analyze", description="Analyse a sweep folder (docs/experiments.md).")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.add_argument("--outcome", action="append", default=[], metavar="NAME",
                   help="an outcome to analyse (repeatable; default: the experiment's outcomes)")
    p.add_argument("--out", default=None, help="where the analysis folder goes (default: SWEEP_DIR)")
    p.add_argument("--threshold", action="append", default=[], metavar="OUTCOME>=VALUE",
                   help="an outcome threshold for scenario discovery (repeatable; OUTCOME<=VALUE too), "
                        "in addition to the plan targets and the experiment's thresholds")
    return p


def cmd_analyze(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # user errors and --help: run.main
    path = analyze(Path(args.sweep_dir), args.outcome or None, args.out,
                   args.threshold)  # errors: run.main
    print(path)
    return 0
