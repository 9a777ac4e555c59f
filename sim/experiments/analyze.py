"""``run.py analyze SWEEP_DIR``: sensitivity indices, fan charts, target probabilities, summary.

Reads a sweep folder (``sim/experiments/sweep.py``) — only the runs of its current plan (same code version) —
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
  futures (PRIM on the lever dimensions, ``sim/experiments/prim.py``) with density, coverage and runs in the
  box, or a sentence saying no box reaches 80%;
* ``outcomes.csv``: per package and outcome, mean and 5/50/95%;
* ``summary.md``: in plain language, which levers and uncertainties matter most for which outcome,
  and which package meets the targets most reliably; ``analysis.json``: all of it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UserError
from . import figures
from .discovery import ROBUST_SHARE, discovery_md, scenario_discovery
from .packages import package_labels
from .sensitivity import importance_key, sensitivity, variance_split

QUANTILES = (5, 25, 50, 75, 95)


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
# Options
# ------------------------------------------------------------------------------------------


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
            figures.plot_sensitivity(rows, kind, o, figs / f"sensitivity_{figures.slug(o)}.png")
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
                figures.plot_fan(fan, s, figs / f"fan_{figures.slug(s)}.png", bands_caption(plan))
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
                figures.plot_discovery(r, figs / f"discovery_{figures.slug(name)}.png")
            r.pop("trajectory", None)
        pd.DataFrame(disc).to_csv(tmp / "scenario_discovery.csv", index=False)
        (tmp / "scenario_discovery.md").write_text(discovery_md(disc), encoding="utf-8")
        info = {"sweep": str(folder.resolve()), "experiment": plan["experiment"],
                "design": plan["design"], "n_points": plan["n_points"],
                "replicates": plan["replicates"], "runs_planned": plan["n_runs"],
                "runs_finished": len(runs), "runs_failed": len(errors), "errors": errors[:50],
                "code_version": plan["code_version"], "outcomes": outcomes,
                "bands": bands_caption(plan), "band_sources": plan.get("band_sources", "seed"),
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


def bands_caption(plan: dict) -> str:
    """What the spread of a package's runs carries (fan charts, outcome percentiles): the seeds of
    its replicates and the uncertain factors of its design points, and with ``sweep --posterior``
    the calibrated parameters' posterior too (plan.json ``posterior``)."""
    post = plan.get("posterior")
    base = "bands: seed noise + the uncertain factors within each package"
    if not post:
        return base
    return f"{base} + parameter uncertainty (posterior {post.get('path', '')})"


def _summary_md(plan: dict, runs, info: dict, tdf) -> str:
    kind = plan["design"]["kind"]
    key, conf, words = importance_key(kind)
    facs = {f["name"]: f for f in plan["factors"]}
    L = [f"# Sweep `{plan['experiment']}`: what matters", "",
         f"{info['runs_finished']} of {info['runs_planned']} runs finished "
         f"({plan['n_points']} design points × {plan['replicates']} replicates, {kind} design"
         f"{'' if not info['runs_failed'] else '; ' + str(info['runs_failed']) + ' failed'}; "
         f"{info['bands']}). Factors: " + "; ".join(
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
        L.append(discovery_md(info["scenario_discovery"]))
    if info["runs_failed"]:
        L.append(f"{info['runs_failed']} runs failed; their errors are in `runs/*.error.json` of the sweep "
                 "folder and in analysis.json.")
    return "\n".join(L) + "\n"
