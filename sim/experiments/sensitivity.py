"""Sensitivity of sweep outcomes to the factors: Sobol first-order and total indices (SALib), Morris
μ* and σ, or for grid and Latin-hypercube designs the main-effect swing and Spearman's rank
correlation; outcomes are averaged over replicates at each design point first. And the two-way
split of the run-to-run variance into design points, replicate seeds and seed noise."""

from __future__ import annotations

import math
import warnings

import numpy as np


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
