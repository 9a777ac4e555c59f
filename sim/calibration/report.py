"""The calibration report: ``report.md`` (English), ``report_zh.md`` (Chinese, the same numbers:
``report_text``) and ``figures/*.png`` in the calibration folder.

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
from .report_text import MEASURE_ZH, markdown, moment_label, numbers, param_label


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


_GROUP_ZH = {"tax elasticities": "税收弹性", "growth": "增速", "year_total": "年度合计", "year_mean": "年均"}


def _group_zh(g: str) -> str:
    """Chinese name of a moment group (``_group``): measure and statistic."""
    if g in _GROUP_ZH:
        return _GROUP_ZH[g]
    meas, stat = g.split(" ", 1)
    return f"{MEASURE_ZH.get(meas, meas)}{_GROUP_ZH.get(stat, stat)}"


def _bi(cjk: bool, zh: str, en: str, sep: str = " / ") -> str:
    """A figure's words: "中文 / English" when the CJK font loaded, else English (one figure set
    serves report.md and report_zh.md)."""
    return f"{zh}{sep}{en}" if cjk else en


def _label(mo) -> str:
    return mo.label or mo.id


def _par_label(p, sep: str = "\n", cjk: bool = False) -> str:
    name = p.label or p.key
    if cjk and param_label(p, "zh") != name:
        name = f"{param_label(p, 'zh')}{sep}{name}"
    return name + (f"{sep}({p.unit})" if p.unit else "")


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


def fig_moments(path: Path, cal, pred, yc, cjk: bool = False) -> Path:
    """The moments: observed with its 95 % error band, the posterior predictive and the central runs."""
    return _fig_observed(path, cal.moments, pred, yc, cjk, ("观测与模拟", "Observed vs simulated"))


def fig_checks(path: Path, cal, yk, cjk: bool = False) -> Path:
    """The checks (not fitted): observed with the file's error band and the central runs."""
    return _fig_observed(path, cal.checks, None, yk, cjk, ("检验（未拟合）", "Check, not fitted"))


def _fig_observed(path: Path, items: list, pred, yc, cjk: bool, title: tuple[str, str]) -> Path:
    """One panel per group of ``items`` (moments or checks): observed (95 % band of its error), the
    posterior predictive (``pred``, moments only) and the runs ``yc`` (runs × items) at the central set."""
    import matplotlib.pyplot as plt
    groups: dict[str, list[int]] = {}
    for j, mo in enumerate(items):
        groups.setdefault(_group(mo), []).append(j)
    n = len(groups)
    heights = [max(1.6, 0.42 * len(ix) + 1.0) for ix in groups.values()]
    fig, axes = plt.subplots(n, 1, figsize=(12, sum(heights) + 0.6), gridspec_kw={"height_ratios": heights},
                             squeeze=False)
    for ax, (g, ix) in zip(axes[:, 0], groups.items()):
        f, unit = _scale(items[ix[0]])
        yy = np.arange(len(ix))
        for k, j in enumerate(ix):
            mo = items[j]
            if mo.log_scale:  # log-normal error: exp(±1.96 r)
                lo_o, hi_o = mo.observed * math.exp(-1.96 * mo.error.value), mo.observed * math.exp(1.96 * mo.error.value)
            else:
                lo_o, hi_o = mo.observed - 1.96 * mo.sd, mo.observed + 1.96 * mo.sd
            ax.errorbar(mo.observed * f, k + 0.2, xerr=[[(mo.observed - lo_o) * f], [(hi_o - mo.observed) * f]],
                        fmt="o", color="black",
                        label=_bi(cjk, "观测值，95 % 误差带", "observed, 95 % error band") if k == 0 else None)
            if pred is not None:
                ax.errorbar(pred[j, 1] * f, k, xerr=[[(pred[j, 1] - pred[j, 0]) * f], [(pred[j, 2] - pred[j, 1]) * f]],
                            fmt="s", color="tab:blue",
                            label=_bi(cjk, "后验预测中位数，5–95 %", "posterior predictive median, 5–95 %")
                            if k == 0 else None)
            c = yc[:, j][np.isfinite(yc[:, j])] if len(yc) else np.zeros(0)
            if c.size:
                lo, med, hi = np.quantile(c, [0.05, 0.5, 0.95])
                ax.errorbar(med * f, k - 0.2, xerr=[[(med - lo) * f], [(hi - med) * f]], fmt="D",
                            color="tab:orange", label=_bi(cjk, f"中心参数组运行（{c.size}），5–95 %",
                                                          f"runs at the central set ({c.size}), 5–95 %")
                            if k == 0 else None)
        ax.set_yticks(yy, [_label(items[j]) for j in ix], fontsize=8)
        gb = _bi(cjk, _group_zh(g), g)
        ax.set_xlabel(f"{gb} ({unit})" if unit else gb)
        ax.set_title(_bi(cjk, f"{title[0]}：{_group_zh(g)}", f"{title[1]}: {g}"), fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.set_ylim(-0.6, len(ix) - 0.4)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return save_figure(fig, path)


def fig_marginals(path: Path, cal, fit, cjk: bool = False) -> Path:
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
                label=_bi(cjk, "后验", "posterior"))
        grid = (np.geomspace if log else np.linspace)(p.prior.low, p.prior.high, 200)
        ax.plot(grid, p.prior.pdf(grid), color="gray", lw=1.5, label=_bi(cjk, "先验", f"prior {p.prior.dist}"))
        for q in (0.05, 0.5, 0.95):
            ax.axvline(weighted_quantile(fit.x[:, j], fit.weights, q), color="tab:red",
                       ls="-" if q == 0.5 else ":", lw=1)
        if log:
            _log_axis(ax, "x")
        ax.set_xlabel(_par_label(p, cjk=cjk))
        ax.set_ylabel(_bi(cjk, "密度（每单位参数）", "density (per unit of the parameter)", " /\n"))
        ax.set_title(_bi(cjk, f"{p.key.split('.', 1)[1]} 的后验分布", f"Posterior of {p.key.split('.', 1)[1]}"),
                     fontsize=9)
        ax.legend(fontsize=7)
    return save_figure(fig, path)


def fig_pairs(path: Path, cal, values: np.ndarray, w: np.ndarray, cjk: bool = False) -> Path:
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
                ax.hist(values[:, a], bins=edges, weights=w, color="tab:blue", alpha=0.7, label=_bi(cjk, "后验抽样", "posterior draws"))
                ax.legend(fontsize=6)
            else:
                ax.scatter(values[:, b], values[:, a], s=size, alpha=0.35, color="tab:blue", lw=0,
                           label=_bi(cjk, "抽样（面积 ∝ 权重）", "draw (area ∝ weight)"))
                ax.set_xlim(pb.prior.low, pb.prior.high)
                ax.set_ylim(pa.prior.low, pa.prior.high)
                if a == 0 and b == 1:
                    ax.legend(fontsize=6)
            if pb.prior.dist == "loguniform":
                _log_axis(ax, "x")
            if a != b and pa.prior.dist == "loguniform":
                _log_axis(ax, "y")
            if a == d - 1:
                ax.set_xlabel(_par_label(pb, cjk=cjk), fontsize=7)
            if b == 0:
                ax.set_ylabel(_par_label(pa, cjk=cjk) if a != b else _bi(cjk, "权重", "weight"), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle(_bi(cjk, "后验参数两两分布（posterior.parquet 的抽样）",
                     "Posterior pairs (the draws of posterior.parquet)"), fontsize=10)
    return save_figure(fig, path)


def fig_sensitivity(path: Path, cal, s1: np.ndarray, cjk: bool = False) -> Path:
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
    ax.set_xlabel(_bi(cjk, "参数（* = 校准文件声明该矩识别此参数）",
                      "parameter (* = declared as identified by the moment)", " /\n"))
    ax.set_ylabel(_bi(cjk, "矩", "moment"))
    ax.set_title(("哪个参数推动哪个矩：先验范围内仿真器方差的一阶份额 /\n" if cjk else "")
                 + "Which parameter moves which moment: first-order share of the emulator's variance over the prior",
                 fontsize=9)
    fig.colorbar(im, ax=ax, label=_bi(cjk, "一阶指数（方差份额，0–1）", "first-order index (share of variance, 0–1)",
                                          " /\n"))
    return save_figure(fig, path)


def fig_skill(path: Path, rows: list[dict], rate: float | None, cjk: bool = False) -> Path:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 5.5))
    xs = np.arange(len(rows))
    obs = [100 * r["observed"] for r in rows]
    ax.plot(xs, obs, "o", color="black", label=_bi(cjk, "观测值（统计公报）", "observed (bulletins)"))
    med = np.array([100 * r["fitted"] for r in rows])
    lo, hi = np.array([100 * r["fitted_p5"] for r in rows]), np.array([100 * r["fitted_p95"] for r in rows])
    ax.errorbar(xs - 0.15, med, yerr=[med - lo, hi - med], fmt="s", color="tab:blue",
                label=_bi(cjk, "后验预测（全部矩），5–95 %", "posterior predictive (all moments), 5–95 %"))
    ax.plot(xs + 0.15, [100 * r["left_out"] for r in rows], "x", color="tab:green", ms=8,
            label=_bi(cjk, "留出该市的后验预测（中位数）", "posterior predictive with the city left out (median)"))
    cen = [100 * r["central_runs"] for r in rows]
    if np.isfinite(cen).any():
        ax.plot(xs, cen, "D", color="tab:orange", label=_bi(cjk, "中心参数组运行（中位数）", "runs at the central set (median)"))
    if rate is not None:
        ax.axhline(100 * rate, color="gray", ls="--", label=_bi(cjk, f"朴素规则：全省增速 {100 * rate:.2f} %",
                                                               f"naive rule: province rate {100 * rate:.2f} %"))
    own = np.array([100 * r.get("naive_own", math.nan) for r in rows])
    if np.isfinite(own).any():
        ax.plot(xs, own, "_", color="dimgray", ms=16, mew=2, label=_bi(cjk, "朴素规则：各市取本省增速", "naive rule: each city's own province"))
    ax.set_xticks(xs, [r["place"] for r in rows])
    ax.set_xlabel(_bi(cjk, "城市", "city"))
    ax.set_ylabel(_bi(cjk, "2022→2023 年名义GDP增速（%）", "nominal GDP growth 2022→2023 (%)", " /\n"))
    ax.set_title(_bi(cjk, "各市GDP增速：观测、模型与朴素规则", "GDP growth by city: observed, model, and the naive rule"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2 if cjk else 3)
    return save_figure(fig, path)


def fig_check(path: Path, cal, em, z_held, y_held, cjk: bool = False) -> Path:
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
                        ms=3, alpha=0.6, label=_bi(cjk, "留出运行（90 % 区间）", "held-out run (90 % interval)"))
            lim = [np.nanmin(y_held[:, j]) * f, np.nanmax(y_held[:, j]) * f]
            ax.plot(lim, lim, color="gray", lw=1, label=_bi(cjk, "仿真器 = 运行", "emulator = run"))
        ax.set_title(_bi(cjk, moment_label(mo, "zh"), _label(mo), " /\n"), fontsize=8)
        sim_, emu = _bi(cjk, "模拟", "simulated"), _bi(cjk, "仿真器", "emulated")
        ax.set_xlabel(f"{sim_} ({unit})" if unit else sim_, fontsize=7)
        ax.set_ylabel(f"{emu} ({unit})" if unit else emu, fontsize=7)
        ax.tick_params(labelsize=6)
        if j == 0 and ax.get_legend_handles_labels()[0]:  # no held-out runs: nothing to label
            ax.legend(fontsize=6)
    for k in range(m, rows * cols):
        axes[k // cols, k % cols].axis("off")
    fig.suptitle(_bi(cjk, "仿真器在留出运行上的检验（未用于拟合）", "Emulator check on held-out runs (not used to fit)"),
                 fontsize=10)
    return save_figure(fig, path)


# ------------------------------------------------------------------------------------------
# report.md and report_zh.md
# ------------------------------------------------------------------------------------------


def write_report(folder: Path, lc, em, fit, pred, keep, wkeep, checks, loo, yc, x_held, y_held,
                 summary: dict, yk: np.ndarray | None = None) -> Path:
    """Figures, report.md and report_zh.md (the same numbers, ``report_text``); returns report.md's
    path. The figures are one set for both reports: titles and axis labels "中文 / English" when the
    CJK font loads, English otherwise."""
    import csv
    import io

    from ..outputs.plots import setup_font
    from .design import to_emulator
    cal = lc.calibration
    cjk = setup_font()
    figs = folder / "figures"
    figs.mkdir(exist_ok=True)
    s1 = first_order(fit.x, fit.mean)
    rows = skill_table(cal, pred, loo, yc, lc.benchmark_rate, own_province_rates(lc))
    fig_moments(figs / "moments_observed_vs_simulated.png", cal, pred, yc, cjk)
    if cal.checks:
        fig_checks(figs / "checks_observed_vs_central.png", cal,
                   yk if yk is not None else np.zeros((0, len(cal.checks))), cjk)
    fig_marginals(figs / "posterior_marginals.png", cal, fit, cjk)
    fig_pairs(figs / "posterior_pairs.png", cal, fit.x[keep], wkeep, cjk)
    fig_sensitivity(figs / "identification.png", cal, s1, cjk)
    fig_check(figs / "emulator_check.png", cal, em,
              to_emulator(lc, x_held) if len(x_held) else np.zeros((0, len(cal.keys))), y_held, cjk)
    if rows:
        fig_skill(figs / "gdp_growth_skill.png", rows, lc.benchmark_rate, cjk)
        buf = io.StringIO()
        w = csv.DictWriter(buf, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        (folder / "gdp_skill.csv").write_text(buf.getvalue(), encoding="utf-8")
    n = numbers(lc, fit, pred, keep, checks, yc, s1, rows, summary, yk)
    (folder / "report_zh.md").write_text(markdown("zh", lc, n, bool(rows)), encoding="utf-8")
    out = folder / "report.md"
    out.write_text(markdown("en", lc, n, bool(rows)), encoding="utf-8")
    return out


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
