"""The calibration report: ``report.md`` and ``figures/*.png`` in the calibration folder.

What it shows (issue 15): every moment observed vs simulated (the posterior predictive of a new run,
median and 5–95 %, and the runs at the central set), the posterior marginals and pairs, which
parameter each moment identifies (declared in the file, shown by the emulator's first-order
sensitivity), the emulator's held-out check, and the in-sample skill of the GDP-growth moments
against the naive rule, with each city's error when its own moment is left out of the fit.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..outputs.figure_file import save_figure
from .posterior import first_order
from .posterior_file import weighted_quantile


def _is_gdp(mo) -> bool:
    return mo.stat == "growth" and mo.measure.endswith(".gdp")


def _scale(mo) -> tuple[float, str]:
    """Display factor and unit of a moment."""
    if mo.stat == "growth":
        return 100.0, "%"
    if mo.measure.startswith("tax."):
        return 1.0, "elasticity"
    return 1.0, mo.unit or ""


def _group(mo) -> str:
    if mo.measure.startswith("tax."):
        return "tax elasticities"
    return f"{mo.measure.split('.', 1)[1]} {mo.stat}"


def _label(mo) -> str:
    return mo.label or mo.id


def _par_label(p, sep: str = "\n") -> str:
    return (p.label or p.key) + (f"{sep}({p.unit})" if p.unit else "")


def skill_table(cal, pred: np.ndarray, loo: dict, yc: np.ndarray, rate: float | None,
                own: dict[str, float] | None = None) -> list[dict]:
    """One row per GDP-growth moment: observed, naive (every city at the benchmark's rate), naive_own
    (each city at its own province's rate, ``own`` = {city: rate}, the forecast check's rule: the one
    the issue's Must hold names), fitted (predictive median), left out, central runs' median, and
    their absolute errors (growth as a fraction)."""
    rows = []
    for j, mo in enumerate(cal.moments):
        if not _is_gdp(mo):
            continue
        cen = yc[:, j][np.isfinite(yc[:, j])] if len(yc) else np.zeros(0)
        r = {"moment": mo.id, "place": mo.place, "observed": mo.observed, "naive": rate,
             "naive_own": (own or {}).get(mo.place, math.nan),
             "fitted": float(pred[j, 1]), "fitted_p5": float(pred[j, 0]), "fitted_p95": float(pred[j, 2]),
             "left_out": loo[j]["median"] if j in loo else math.nan,
             "left_out_p5": loo[j]["p5"] if j in loo else math.nan,
             "left_out_p95": loo[j]["p95"] if j in loo else math.nan,
             "left_out_ess": loo[j]["ess"] if j in loo else math.nan,
             "central_runs": float(np.median(cen)) if cen.size else math.nan}
        for k in ("naive", "naive_own", "fitted", "left_out", "central_runs"):
            v = r[k]
            r[f"err_{k}"] = abs(v - mo.observed) if v is not None and np.isfinite(v) else math.nan
        rows.append(r)
    return rows


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------


def _log_axis(ax, which: str) -> None:
    """A log axis with a few plain-number ticks (1, 2, 5 × 10^k)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def fig_moments(path: Path, cal, pred, yc) -> Path:
    import matplotlib.pyplot as plt
    groups: dict[str, list[int]] = {}
    for j, mo in enumerate(cal.moments):
        groups.setdefault(_group(mo), []).append(j)
    n = len(groups)
    heights = [max(1.6, 0.42 * len(ix) + 1.0) for ix in groups.values()]
    fig, axes = plt.subplots(n, 1, figsize=(12, sum(heights) + 0.6), gridspec_kw={"height_ratios": heights},
                             squeeze=False)
    for ax, (g, ix) in zip(axes[:, 0], groups.items()):
        f, unit = _scale(cal.moments[ix[0]])
        yy = np.arange(len(ix))
        for k, j in enumerate(ix):
            mo = cal.moments[j]
            if mo.log_scale:  # log-normal error: exp(±1.96 r)
                lo_o, hi_o = mo.observed * math.exp(-1.96 * mo.error.value), mo.observed * math.exp(1.96 * mo.error.value)
            else:
                lo_o, hi_o = mo.observed - 1.96 * mo.sd, mo.observed + 1.96 * mo.sd
            ax.errorbar(mo.observed * f, k + 0.2, xerr=[[(mo.observed - lo_o) * f], [(hi_o - mo.observed) * f]],
                        fmt="o", color="black", label="observed, 95 % error band" if k == 0 else None)
            ax.errorbar(pred[j, 1] * f, k, xerr=[[(pred[j, 1] - pred[j, 0]) * f], [(pred[j, 2] - pred[j, 1]) * f]],
                        fmt="s", color="tab:blue", label="posterior predictive median, 5–95 %" if k == 0 else None)
            c = yc[:, j][np.isfinite(yc[:, j])] if len(yc) else np.zeros(0)
            if c.size:
                lo, med, hi = np.quantile(c, [0.05, 0.5, 0.95])
                ax.errorbar(med * f, k - 0.2, xerr=[[(med - lo) * f], [(hi - med) * f]], fmt="D",
                            color="tab:orange", label=f"runs at the central set ({c.size}), 5–95 %" if k == 0 else None)
        ax.set_yticks(yy, [_label(cal.moments[j]) for j in ix], fontsize=8)
        ax.set_xlabel(f"{g} ({unit})" if unit else g)
        ax.set_title(f"Observed vs simulated: {g}", fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.set_ylim(-0.6, len(ix) - 0.4)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return save_figure(fig, path)


def fig_marginals(path: Path, cal, fit) -> Path:
    import matplotlib.pyplot as plt
    d = len(cal.parameters)
    cols = min(d, 2)
    rows = math.ceil(d / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
    for k in range(d, rows * cols):
        axes.flat[k].axis("off")
    for j, (ax, p) in enumerate(zip(axes.flat, cal.parameters)):
        log = p.prior.dist == "loguniform"
        edges = (np.geomspace if log else np.linspace)(p.prior.low, p.prior.high, 31)
        ax.hist(fit.x[:, j], bins=edges, weights=fit.weights, density=True, alpha=0.7, color="tab:blue",
                label="posterior")
        grid = (np.geomspace if log else np.linspace)(p.prior.low, p.prior.high, 200)
        ax.plot(grid, p.prior.pdf(grid), color="gray", lw=1.5, label=f"prior {p.prior.dist}")
        for q in (0.05, 0.5, 0.95):
            ax.axvline(weighted_quantile(fit.x[:, j], fit.weights, q), color="tab:red",
                       ls="-" if q == 0.5 else ":", lw=1)
        if log:
            _log_axis(ax, "x")
        ax.set_xlabel(_par_label(p))
        ax.set_ylabel("density (per unit of the parameter)")
        ax.set_title(f"Posterior of {p.key.split('.', 1)[1]}", fontsize=9)
        ax.legend(fontsize=7)
    return save_figure(fig, path)


def fig_pairs(path: Path, cal, values: np.ndarray, w: np.ndarray) -> Path:
    import matplotlib.pyplot as plt
    d = len(cal.parameters)
    fig, axes = plt.subplots(d, d, figsize=(2.4 * d + 1, 2.4 * d + 1), squeeze=False)
    size = 4 + 200 * w / w.max()
    for a in range(d):
        for b in range(d):
            ax = axes[a, b]
            pa, pb = cal.parameters[a], cal.parameters[b]
            if a == b:
                edges = (np.geomspace if pa.prior.dist == "loguniform" else np.linspace)(pa.prior.low, pa.prior.high, 26)
                ax.hist(values[:, a], bins=edges, weights=w, color="tab:blue", alpha=0.7, label="posterior draws")
                ax.legend(fontsize=6)
            else:
                ax.scatter(values[:, b], values[:, a], s=size, alpha=0.35, color="tab:blue", lw=0,
                           label="draw (area ∝ weight)")
                ax.set_xlim(pb.prior.low, pb.prior.high)
                ax.set_ylim(pa.prior.low, pa.prior.high)
                if a == 0 and b == 1:
                    ax.legend(fontsize=6)
            if pb.prior.dist == "loguniform":
                _log_axis(ax, "x")
            if a != b and pa.prior.dist == "loguniform":
                _log_axis(ax, "y")
            if a == d - 1:
                ax.set_xlabel(_par_label(pb), fontsize=7)
            if b == 0:
                ax.set_ylabel(_par_label(pa) if a != b else "weight", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Posterior pairs (the draws of posterior.parquet)", fontsize=10)
    return save_figure(fig, path)


def fig_sensitivity(path: Path, cal, s1: np.ndarray) -> Path:
    import matplotlib.pyplot as plt
    m, d = s1.shape
    fig, ax = plt.subplots(figsize=(2.0 + 1.6 * d, 1.2 + 0.32 * m))
    im = ax.imshow(s1, vmin=0, vmax=1, cmap="Blues", aspect="auto")
    for i, mo in enumerate(cal.moments):
        for j, p in enumerate(cal.parameters):
            star = "*" if p.key in mo.identifies else ""
            ax.text(j, i, f"{s1[i, j]:.2f}{star}", ha="center", va="center", fontsize=7,
                    color="white" if s1[i, j] > 0.6 else "black")
    ax.set_xticks(range(d), [p.key.split(".", 1)[1] for p in cal.parameters], fontsize=8)
    ax.set_yticks(range(m), [_label(mo) for mo in cal.moments], fontsize=7)
    ax.set_xlabel("parameter (* = declared as identified by the moment)")
    ax.set_ylabel("moment")
    ax.set_title("Which parameter moves which moment: first-order share of the emulator's variance over the prior",
                 fontsize=9)
    fig.colorbar(im, ax=ax, label="first-order index (share of variance, 0–1)")
    return save_figure(fig, path)


def fig_skill(path: Path, rows: list[dict], rate: float | None) -> Path:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 5.5))
    xs = np.arange(len(rows))
    obs = [100 * r["observed"] for r in rows]
    ax.plot(xs, obs, "o", color="black", label="observed (bulletins)")
    med = np.array([100 * r["fitted"] for r in rows])
    lo, hi = np.array([100 * r["fitted_p5"] for r in rows]), np.array([100 * r["fitted_p95"] for r in rows])
    ax.errorbar(xs - 0.15, med, yerr=[med - lo, hi - med], fmt="s", color="tab:blue",
                label="posterior predictive (all moments), 5–95 %")
    ax.plot(xs + 0.15, [100 * r["left_out"] for r in rows], "x", color="tab:green", ms=8,
            label="posterior predictive with the city left out (median)")
    cen = [100 * r["central_runs"] for r in rows]
    if np.isfinite(cen).any():
        ax.plot(xs, cen, "D", color="tab:orange", label="runs at the central set (median)")
    if rate is not None:
        ax.axhline(100 * rate, color="gray", ls="--", label=f"naive rule: province rate {100 * rate:.2f} %")
    own = np.array([100 * r.get("naive_own", math.nan) for r in rows])
    if np.isfinite(own).any():
        ax.plot(xs, own, "_", color="dimgray", ms=16, mew=2, label="naive rule: each city's own province")
    ax.set_xticks(xs, [r["place"] for r in rows])
    ax.set_xlabel("city")
    ax.set_ylabel("nominal GDP growth 2022→2023 (%)")
    ax.set_title("GDP growth by city: observed, model, and the naive rule")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    return save_figure(fig, path)


def fig_check(path: Path, cal, em, z_held, y_held) -> Path:
    import matplotlib.pyplot as plt
    m = len(cal.moments)
    cols = min(4, m)
    rows = math.ceil(m / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    mean, var = em.predict(z_held) if len(z_held) else (np.zeros((0, m)), np.zeros((0, m)))
    for j, mo in enumerate(cal.moments):
        ax = axes[j // cols, j % cols]
        f, unit = (1.0, f"ln of {mo.unit or 'value'}") if mo.log_scale else _scale(mo)
        if len(z_held):
            ax.errorbar(y_held[:, j] * f, mean[:, j] * f, yerr=1.645 * np.sqrt(var[:, j]) * f, fmt="o",
                        ms=3, alpha=0.6, label="held-out run (90 % interval)")
            lim = [np.nanmin(y_held[:, j]) * f, np.nanmax(y_held[:, j]) * f]
            ax.plot(lim, lim, color="gray", lw=1, label="emulator = run")
        ax.set_title(_label(mo), fontsize=8)
        ax.set_xlabel(f"simulated ({unit})" if unit else "simulated", fontsize=7)
        ax.set_ylabel(f"emulated ({unit})" if unit else "emulated", fontsize=7)
        ax.tick_params(labelsize=6)
        if j == 0:
            ax.legend(fontsize=6)
    for k in range(m, rows * cols):
        axes[k // cols, k % cols].axis("off")
    fig.suptitle("Emulator check on held-out runs (not used to fit)", fontsize=10)
    return save_figure(fig, path)


# ------------------------------------------------------------------------------------------
# report.md
# ------------------------------------------------------------------------------------------


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"


def _pct(v) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{100 * v:.2f}"


def write_report(folder: Path, lc, em, fit, pred, keep, wkeep, checks, loo, yc, x_held, y_held,
                 summary: dict) -> Path:
    """Figures and report.md; returns the report's path."""
    import csv
    import io

    from ..outputs.plots import setup_font
    from .design import to_emulator
    cal = lc.calibration
    setup_font()
    figs = folder / "figures"
    figs.mkdir(exist_ok=True)
    s1 = first_order(fit.x, fit.mean)
    rows = skill_table(cal, pred, loo, yc, lc.benchmark_rate, own_province_rates(lc))
    fig_moments(figs / "moments_observed_vs_simulated.png", cal, pred, yc)
    fig_marginals(figs / "posterior_marginals.png", cal, fit)
    fig_pairs(figs / "posterior_pairs.png", cal, fit.x[keep], wkeep)
    fig_sensitivity(figs / "identification.png", cal, s1)
    fig_check(figs / "emulator_check.png", cal, em,
              to_emulator(lc, x_held) if len(x_held) else np.zeros((0, len(cal.keys))), y_held)
    if rows:
        fig_skill(figs / "gdp_growth_skill.png", rows, lc.benchmark_rate)
        buf = io.StringIO()
        w = csv.DictWriter(buf, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        (folder / "gdp_skill.csv").write_text(buf.getvalue(), encoding="utf-8")
    m = cal.method
    L = [f"# Calibration `{cal.name}`", "", cal.description.strip(), "",
         (f"Scenario `{lc.base.path.name}` with set {list(cal.set) or '[]'}, runs to {cal.until}; "
         f"{summary['design_runs_used']} design runs ({m.design}) fit the emulator, "
         f"{summary['validation_runs_used']} held-out runs check it, {m.central_runs} runs at the central "
         f"set. Median {_f(summary.get('seconds_per_run_median'))} s per run (one worker); emulator and "
         f"posterior {summary['fit_seconds']} s. Method: one Gaussian process per moment (ARD Matérn 5/2 + "
         f"white noise for the seed noise), importance sampling of {m.prior_samples} quasi-random prior "
         f"draws with a Gaussian likelihood (observation error² + emulator predictive variance); "
         f"effective sample size **{fit.ess:.0f}**; {keep.size} distinct draws kept in posterior.parquet "
         f"({m.draws} systematic resamples). docs/decisions.md gives the choice against ABC-SMC, "
         f"black-it and SMM."), "",
         ("Bands: the posterior predictive of a new run carries parameter uncertainty and seed noise "
         "(the emulator's white-noise term); the central-set runs carry seed noise only."), "",
         "## Parameters", "",
         "| key | prior | posterior median | 5–95 % | source |", "|---|---|---|---|---|"]
    for j, p in enumerate(cal.parameters):
        v = fit.x[:, j]
        L.append(f"| `{p.key}` {p.label} | {p.prior.text} | {_f(weighted_quantile(v, fit.weights, 0.5))} | "
                 f"{_f(weighted_quantile(v, fit.weights, 0.05))}–{_f(weighted_quantile(v, fit.weights, 0.95))}"
                 f" | {p.source} |")
    L += ["", "![marginals](figures/posterior_marginals.png)", "", "![pairs](figures/posterior_pairs.png)", "",
          "## Moments: observed vs simulated", "",
          ("Growth in %, elasticities as numbers, counts and money in their units; error = the observation "
          "error s.d. of the likelihood."), "",
          "| moment | observed | error s.d. | predictive median | 5–95 % | central runs median | source |",
          "|---|---|---|---|---|---|---|"]
    for j, mo in enumerate(cal.moments):
        f, _ = _scale(mo)
        c = yc[:, j][np.isfinite(yc[:, j])] if len(yc) else np.zeros(0)
        L.append(f"| {_label(mo)} | {_f(mo.observed * f)} | {_f(mo.sd * f)} | {_f(pred[j, 1] * f)} | "
                 f"{_f(pred[j, 0] * f)}–{_f(pred[j, 2] * f)} | {_f(float(np.median(c)) * f) if c.size else '—'} "
                 f"| {mo.source} |")
    L += ["", "![moments](figures/moments_observed_vs_simulated.png)", "",
          "## What identifies what", "",
          ("Declared in the calibration file (`identifies`), and shown by the emulator: the first-order "
          "share of each moment's variance over the prior that each parameter carries (1 = the moment "
          "moves with that parameter alone). A parameter that no moment moves is not identified: its "
          "posterior is its prior."), "",
          ("Signal: the share of a single run's variance over the prior that the parameters explain "
           "(the rest is seed noise); a moment with little signal identifies little, whatever its indices."),
          "",
          "| moment | declared | signal | " + " | ".join(p.key.split(".", 1)[1] for p in cal.parameters) + " |",
          "|---|---|---|" + "---|" * len(cal.parameters)]
    vm = fit.mean.var(axis=0)
    signal = vm / np.maximum(vm + fit.var.mean(axis=0), 1e-300)
    for i, mo in enumerate(cal.moments):
        dec = ", ".join(k.split(".", 1)[1] for k in mo.identifies) or "—"
        L.append(f"| {_label(mo)} | {dec} | {signal[i]:.2f} | "
                 + " | ".join(f"{s1[i, j]:.2f}" for j in range(len(cal.keys))) + " |")
    L += ["", "Posterior sd / prior sd per parameter (1 = nothing learnt): " + ", ".join(
        f"{p.key.split('.', 1)[1]} {_shrink(fit, j, p):.2f}" for j, p in enumerate(cal.parameters)), "",
        "![identification](figures/identification.png)", "",
        "## Emulator check (held-out runs, not used to fit)", "",
        ("On the scale each moment is emulated on (log for the relative-error moments). Coverage: the "
        "share of held-out runs inside the emulator's 90 % predictive interval (about 0.9 when the "
        "emulator's uncertainty is honest)."), "",
        "| moment | scale | runs | RMSE | s.d. of runs | seed-noise s.d. | 90 % coverage |",
        "|---|---|---|---|---|---|---|"]
    for c in checks:
        L.append(f"| {c['moment']} | {c.get('scale', '')} | {c.get('n_validation', 0)} | {_f(c.get('rmse'))} | "
                 f"{_f(c.get('sd_of_runs'))} | {_f(c.get('seed_noise_sd'))} | {_f(c.get('coverage90'), 2)} |")
    L += ["", "![check](figures/emulator_check.png)", ""]
    if rows:
        L += _skill_section(rows, cal, lc.benchmark_rate)
    L += ["", "## Files", "", ("`posterior.parquet` + `posterior.json` (weighted draws and manifest: code "
          "version, data hash, central set), `moments.csv` (every run × moment), `emulator_check.csv`, "
          "`design.csv`, `runs/`, `gdp_skill.csv`."), ""]
    out = folder / "report.md"
    out.write_text("\n".join(L), encoding="utf-8")
    return out


def _shrink(fit, j: int, p) -> float:
    v = fit.x[:, j] if p.prior.dist != "loguniform" else np.log(fit.x[:, j])
    mu = np.sum(fit.weights * v)
    post = math.sqrt(max(np.sum(fit.weights * (v - mu) ** 2), 0.0))
    return post / max(float(np.std(v)), 1e-300)


def own_province_rates(lc) -> dict[str, float]:
    """{city: its province's nominal GDP growth in the GDP moments' year} from the scenario's data
    (``sim.checks.forecast.province_growth``, the forecast check's own-province naive rule); empty
    when the data has no province table or the moments no single year."""
    from ..checks.forecast import province_growth
    from ..data import load_data
    years = {m.year for m in lc.calibration.moments if _is_gdp(m)}
    data = load_data(lc.base.data_dir)
    if len(years) != 1 or getattr(data, "province_sectors", None) is None:
        return {}
    prov = province_growth(data, years.pop())
    return {c["id"]: prov[c["province"]] for c in data.cities.rows if c.get("province") in prov}


def _skill_section(rows: list[dict], cal, rate) -> list[str]:
    def mae(k):
        v = [r[f"err_{k}"] for r in rows if np.isfinite(r[f"err_{k}"])]
        return float(np.mean(v)) if v else math.nan
    label = cal.benchmark.label if cal.benchmark is not None and cal.benchmark.label else "naive rule"
    L = ["## GDP growth 2022→2023: in-sample skill against the naive rule", "",
         (f"Naive rule: {label} ({_pct(rate)} %). Fitted = posterior predictive median with every moment; "
         "left out = the same with the city's own GDP-growth moment dropped from the likelihood (the "
         "posterior refitted on the emulator, no new runs); central runs = the model at the posterior's "
         "central set (what the shipped scenarios run). No parameter is a single city's: the fit is "
         "global."), "",
         ("| city | observed % | naive % | naive, own province % | fitted % | left out % | central runs % | "
          "|error| naive | own province | fitted | left out | central |"),
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['place']} | {_pct(r['observed'])} | {_pct(r['naive'])} | {_pct(r['naive_own'])} | "
                 f"{_pct(r['fitted'])} | {_pct(r['left_out'])} | {_pct(r['central_runs'])} | "
                 f"{_pct(r['err_naive'])} | {_pct(r['err_naive_own'])} | {_pct(r['err_fitted'])} | "
                 f"{_pct(r['err_left_out'])} | {_pct(r['err_central_runs'])} |")
    L.append(f"| **mean absolute error** | | | | | | | **{_pct(mae('naive'))}** | "
             f"**{_pct(mae('naive_own'))}** | **{_pct(mae('fitted'))}** | **{_pct(mae('left_out'))}** | "
             f"**{_pct(mae('central_runs'))}** |")
    for k, name in (("naive", f"the naive rule ({label})"),
                    ("naive_own", "each city at its own province's rate (the issue's naive rule)")):
        if not np.isfinite(mae(k)):
            continue
        better = mae("left_out") < mae(k)
        L += ["", (f"Left-out mean absolute error {_pct(mae('left_out'))} pp against {name}: "
                   f"{_pct(mae(k))} pp — the model {'beats' if better else 'does not beat'} it out of "
                   "sample (in percentage points of growth).")]
    L += ["",
          "![skill](figures/gdp_growth_skill.png)", ""]
    return L
