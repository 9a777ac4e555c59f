"""Figures of the decomposition (docs/model.md §Decomposition), read from result rows: the change
since the base year by channel per city at the last period (a run; the comparison's policy −
baseline difference is ``sim.outputs.plots.channel_diff_figure``, on these bars). Stacked bars: the positive channels stack up from zero, the negative
ones down; a black diamond marks the net change (the four channels' sum). Called by
``sim.outputs.plots`` after it has set up the CJK font (``setup_font``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

from ..agents.cohort import CHANNELS
from .channels import last_channels
from .figure_file import save_figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _quarter(year: float) -> str:
    """2035.75 -> '2035Q4' (as ``sim.outputs.plots``, which calls this module: no import back)."""
    return f"{int(year)}Q{round((year - int(year)) * 4) + 1}"

CHANNEL_LABELS = {"births": "births 新设企业", "incumbents": "incumbents 在位企业增长",
                  "relocations": "relocations 迁入减迁出", "exits": "exits 退出企业"}
CHANNEL_COLORS = {"births": "tab:green", "incumbents": "tab:blue", "relocations": "tab:orange",
                  "exits": "tab:red"}
# measure → (panel title, axis unit, scale from the rows' unit)
PANELS = (("output_change", "Output 总产值", "亿元/year, nominal", 1.0),
          ("jobs_change", "Jobs 就业", "万人 (10⁴ persons)", 1e-4),
          ("capital_change", "Capital 资本存量", "亿元, nominal", 1.0))
NET_LABEL = "net change 净变化"


def _stacked(ax, places: list[str], vals: dict[str, np.ndarray], err: np.ndarray | None = None,
             kind: str = "5–95%") -> None:
    """Bars of ``vals[channel]`` (one value per place) stacked by sign, and the net as a diamond
    (with an error bar over replicates, ``kind`` 5–95% or min–max, if ``err`` (2, places) is given)."""
    x = np.arange(len(places))
    up = np.zeros(len(places))
    down = np.zeros(len(places))
    for ch in CHANNELS:
        v = vals[ch]
        pos, neg = np.where(v > 0, v, 0.0), np.where(v < 0, v, 0.0)
        ax.bar(x, pos, bottom=up, color=CHANNEL_COLORS[ch], label=CHANNEL_LABELS[ch], width=0.7)
        ax.bar(x, neg, bottom=down, color=CHANNEL_COLORS[ch], width=0.7)
        up, down = up + pos, down + neg  # new arrays: the bars keep theirs
    net = sum(vals[ch] for ch in CHANNELS)
    lo, hi = min(down.min(), net.min(), 0.0), max(up.max(), net.max(), 0.0)
    if err is not None:
        lo, hi = min(lo, err.min()), max(hi, err.max())
    pad = 0.05 * (hi - lo) or 1.0
    ax.set_ylim(lo - pad, hi + pad)
    if err is not None:
        ax.errorbar(x, net, yerr=np.abs(err - net), fmt="none", ecolor="black", capsize=3, lw=1,
                    label=f"net, {kind} over replicates")
    ax.scatter(x, net, marker="D", color="black", s=22, zorder=3, label=NET_LABEL)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, places, rotation=45, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def channels_figure(df, cities: list[str], figs: Path) -> Path | None:
    """``channels.png`` of a run: output, jobs and capital change since the base year per city at
    the last period, by channel."""
    tab = last_channels(df, cities)
    if not tab:
        return None
    places = [c for c in cities if c in tab]
    fig, axes = plt.subplots(1, len(PANELS), figsize=(17, 5.5))
    for ax, (meas, title, unit, scale) in zip(axes, PANELS):
        vals = {ch: np.array([tab[c][meas][ch] for c in places]) * scale for ch in CHANNELS}
        _stacked(ax, places, vals)
        ax.set_title(title)
        ax.set_xlabel("city 城市")
        ax.set_ylabel(f"change since {df.year.min():.0f} ({unit})")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Change since the base year by channel 变化来源分解：新设、在位、迁移、退出, "
                 f"{_quarter(df.year.max())}")
    p = save_figure(fig, figs / "channels.png", dpi=110)
    return p
