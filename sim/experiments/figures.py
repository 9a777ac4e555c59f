"""Figures of ``run.py analyze`` (PNG, 100 dpi): sensitivity bars (or Morris μ*–σ), fan charts per
lever package, and PRIM's peeling trajectory."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .discovery import ROBUST_SHARE

SERIES_UNITS = {"gdp": "亿元/year", "industrial_output": "亿元/year", "jobs": "persons",
                "firms": "firms", "population": "万人", "wage": "yuan/year",
                "fiscal_balance": "亿元 in the year", "fiscal_revenue": "亿元 in the year",
                "fiscal_spending": "亿元 in the year", "arrivals": "firms in the year"}


def slug(text: str) -> str:
    return re.sub(r"[^\w\-]+", "_", text).strip("_")[:80]


def plot_sensitivity(rows: list[dict], kind: str, outcome: str, path: Path) -> None:
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


def plot_fan(fan, series: str, path: Path, caption: str = "") -> None:
    """Median, 25–75 % and 5–95 % of a series per lever package; ``caption`` says what the bands
    carry (sim/experiments/analyze.py ``bands_caption``)."""
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
    fig.suptitle(f"{series}: fan chart per lever package" + (f"\n{caption}" if caption else ""), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_discovery(row: dict, path: Path, share: float = ROBUST_SHARE) -> None:
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
