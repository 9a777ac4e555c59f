"""Figures for one run, read from its result files (never from a live model).

Chinese labels use the CJK font shipped in ``sim/fonts/`` (Noto Sans CJK SC, GB2312 subset, OFL).
If it cannot be loaded, labels fall back to English place names.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

FONT = Path(__file__).parent / "fonts" / "NotoSansSC-Regular-GB2312.otf"


def setup_font() -> bool:
    """Register the shipped CJK font; True if Chinese labels will render."""
    try:
        font_manager.fontManager.addfont(str(FONT))
        name = font_manager.FontProperties(fname=str(FONT)).get_name()
        plt.rcParams["font.family"] = [name, "DejaVu Sans"]
        plt.rcParams["axes.unicode_minus"] = False
        # 13 cities and 11 sectors: 20 distinct colours so no two lines share one
        plt.rcParams["axes.prop_cycle"] = plt.cycler(color=plt.get_cmap("tab20").colors)
        return True
    except (OSError, RuntimeError, ValueError):
        return False


def _lines(df, measure: str, places, title: str, ylabel: str, path: Path, sector_col: bool = False):
    fig, ax = plt.subplots(figsize=(10, 6))
    for p in places:
        d = df[(df.measure == measure) & (df.place == p) & (df.sector == "")] if not sector_col else p
        if len(d):
            ax.plot(d.year, d.value, label=p if not sector_col else None)
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_figures(run_dir: Path, parks_xy: dict[str, tuple[float, float, str]],
                cities_xy: dict[str, tuple[float, float]]) -> list[Path]:
    import pandas as pd
    setup_font()
    df = pd.read_parquet(run_dir / "trajectories.parquet")
    figs = run_dir / "figures"
    figs.mkdir(exist_ok=True)
    out = []
    cities = list(cities_xy)
    p = figs / "gdp_by_city.png"
    _lines(df, "gdp", cities, "GDP by city 各市地区生产总值", "GDP (亿元/year)", p)
    out.append(p)
    # industrial output by sector (whole study area)
    fig, ax = plt.subplots(figsize=(10, 6))
    d = df[(df.measure == "industrial_output") & (df.sector != "") & df.place.isin(cities)]
    for sec, g in d.groupby("sector"):
        s = g.groupby("year").value.sum()
        ax.plot(s.index, s.values, label=sec)
    ax.set_title("Industrial output by sector, study-area cities 分行业工业产值")
    ax.set_xlabel("year")
    ax.set_ylabel("gross output (亿元/year)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    p = figs / "industrial_output_by_sector.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    out.append(p)
    # firms and jobs by park
    fig, axes = plt.subplots(1, 2, figsize=(14, 7))
    parks = list(parks_xy)
    for ax, (meas, unit) in zip(axes, (("firms", "firms"), ("jobs", "persons"))):
        d = df[(df.measure == meas) & df.place.isin(parks)]
        first = d[d.year == d.year.min()].set_index("place").value.reindex(parks)
        last = d[d.year == d.year.max()].set_index("place").value.reindex(parks)
        yy = range(len(parks))
        ax.barh([y + 0.2 for y in yy], first.values, height=0.4, label=f"{d.year.min():.0f}")
        ax.barh([y - 0.2 for y in yy], last.values, height=0.4, label=f"{d.year.max():.2f}")
        ax.set_yticks(list(yy), [f"{parks_xy[k][2]}" for k in parks], fontsize=7)
        ax.set_xlabel(f"{meas} ({unit})")
        ax.set_title(f"{meas.capitalize()} by park 各园区{'企业数' if meas == 'firms' else '就业'}")
        ax.legend()
    fig.tight_layout()
    p = figs / "firms_jobs_by_park.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    out.append(p)
    # arrivals by origin region (cumulative, into study-area cities)
    fig, ax = plt.subplots(figsize=(10, 6))
    d = df[(df.measure == "arrivals_by_origin")]
    for org, g in d.groupby("origin"):
        s = g.groupby("year").value.sum().cumsum()
        if s.iloc[-1] > 0:
            ax.plot(s.index, s.values, label=org)
    ax.set_title("Cumulative firm arrivals into study-area cities by origin 按来源地累计迁入企业")
    ax.set_xlabel("year")
    ax.set_ylabel("arrivals (firms, cumulative)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    p = figs / "arrivals_by_origin.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    out.append(p)
    # map
    fig, ax = plt.subplots(figsize=(10, 8))
    last_y = df.year.max()
    cityout = df[(df.measure == "industrial_output") & (df.sector == "") & (df.year == last_y)]
    cityout = cityout.set_index("place").value
    for c, (lat, lon) in cities_xy.items():
        v = float(cityout.get(c, 0.0))
        ax.scatter(lon, lat, s=20 + v / 10, color="tab:blue", alpha=0.4,
                   label="city industrial output" if c == cities[0] else None)
        ax.annotate(c, (lon, lat), fontsize=9)
    pk = df[(df.measure == "industrial_output") & (df.year == last_y) & df.place.isin(parks)]
    pk = pk.set_index("place").value
    for i, (k, (lat, lon, name)) in enumerate(parks_xy.items()):
        ax.scatter(lon + 0.05, lat - 0.05, s=10 + float(pk.get(k, 0.0)) / 5, color="tab:red", alpha=0.6,
                   marker="s", label="park industrial output" if i == 0 else None)
    ax.set_title(f"Study area grid, sized by industrial output in {last_y:.2f} 研究区域产值分布")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(alpha=0.3)
    leg = ax.legend(loc="lower right")
    for h in leg.legend_handles:
        h.set_sizes([40])
    fig.tight_layout()
    p = figs / "map.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    out.append(p)
    return out
