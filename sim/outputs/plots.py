"""Figures for one run, read from its result files (never from a live model).

Chinese labels use the CJK font shipped in ``sim/fonts/`` (Noto Sans CJK SC, GB2312 subset, OFL).
If it cannot be loaded, labels fall back to English place names.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.ticker import MaxNLocator

from .figure_file import save_figure
from .noise import band_kind, band_limits

FONT = Path(__file__).resolve().parents[1] / "fonts" / "NotoSansSC-Regular-GB2312.otf"  # sim/fonts


def _quarter(year: float) -> str:
    """2035.75 -> '2035Q4' (periods start at quarter boundaries)."""
    return f"{int(year)}Q{round((year - int(year)) * 4) + 1}"


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
    save_figure(fig, path)


def sector_figure(df, cities: list[str], path: Path) -> Path:
    """``industrial_output_by_sector.png``: gross output by sector summed over ``cities`` (亿元/year,
    log scale); the legend outside the axes on the right, sectors in the order of their last value."""
    fig, ax = plt.subplots(figsize=(12, 6))
    d = df[(df.measure == "industrial_output") & (df.sector != "") & df.place.isin(cities)]
    ends = {}
    for sec, g in d.groupby("sector"):
        s = g.groupby("year").value.sum()
        ax.plot(s.index, s.values, label=sec)
        ends[sec] = float(s.iloc[-1])
    ax.set_title("Industrial output by sector, study-area cities 分行业工业产值")
    ax.set_xlabel("year 年份")
    ax.set_ylabel("gross output 工业总产值 (亿元/year, nominal)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    # the legend outside the axes, on the right (over no line), sectors in the order of their
    # last value, top line first
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: -ends.get(labels[i], 0.0))
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, title="sector 行业",
              title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return save_figure(fig, path, dpi=110)


def run_figures(run_dir: Path, parks_xy: dict[str, tuple[float, float, str, str]],
                cities_xy: dict[str, tuple[float, float]], territory=None, zone_cities=()) -> list[Path]:
    """The run's figures. ``parks_xy``: park id -> (lat, lon, name_zh, city); ``cities_xy``: city id
    -> (lat, lon) of its seat; ``territory``: the cities' boundaries (``sim.territory``; None: the
    map shows seats as dots); ``zone_cities``: the cities whose parks the map marks as the zone's."""
    import pandas as pd
    setup_font()
    df = pd.read_parquet(run_dir / "trajectories.parquet")
    figs = run_dir / "figures"
    figs.mkdir(exist_ok=True)
    out = []
    cities = list(cities_xy)
    p = figs / "gdp_by_city.png"
    _lines(df, "gdp", cities, "GDP by city 各市地区生产总值", "GDP (亿元/year, nominal)", p)
    out.append(p)
    out.append(sector_figure(df, cities, figs / "industrial_output_by_sector.png"))
    # firms and jobs by park
    fig, axes = plt.subplots(1, 2, figsize=(14, 7))
    parks = list(parks_xy)
    for ax, (meas, unit) in zip(axes, (("firms", "firms"), ("jobs", "persons"))):
        d = df[(df.measure == meas) & df.place.isin(parks)]
        first = d[d.year == d.year.min()].set_index("place").value.reindex(parks)
        last = d[d.year == d.year.max()].set_index("place").value.reindex(parks)
        yy = range(len(parks))
        ax.barh([y + 0.2 for y in yy], first.values, height=0.4, label=f"{d.year.min():.0f}")
        ax.barh([y - 0.2 for y in yy], last.values, height=0.4, label=_quarter(d.year.max()))
        ax.set_yticks(list(yy), [f"{parks_xy[k][2]}" for k in parks], fontsize=7)
        ax.set_xlabel(f"{meas} ({unit})")
        ax.set_title(f"{meas.capitalize()} by park 各园区{'企业数' if meas == 'firms' else '就业'}")
        ax.legend()
    p = save_figure(fig, figs / "firms_jobs_by_park.png", dpi=110)
    out.append(p)
    # arrivals by origin region (cumulative, into study-area cities)
    fig, ax = plt.subplots(figsize=(10, 6))
    d = df[(df.measure == "arrivals_by_origin")]
    for org, g in d.groupby("origin"):
        s = g.groupby("year").value.sum().cumsum()
        if s.iloc[-1] > 0:
            ax.plot(s.index, s.values, label=org)
    ax.set_title("Cumulative firm arrivals into study-area cities by previous location (city or coastal region) 按来源地累计迁入企业")
    ax.set_xlabel("year")
    ax.set_ylabel("arrivals (firms, cumulative)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    p = save_figure(fig, figs / "arrivals_by_origin.png", dpi=110)
    out.append(p)
    # map: the cities' real shapes (sim/outputs/maps.py)
    from .maps import run_map
    out.append(run_map(df, figs, territory, parks_xy, cities_xy, zone_cities))
    p = policy_figure(df, figs, cities)
    if p is not None:
        out.append(p)
    from .plot_channels import channels_figure
    p = channels_figure(df, cities, figs)
    if p is not None:
        out.append(p)
    return out


# ------------------------------------------------------------------------------------------------
# comparison figures (run.py compare)
# ------------------------------------------------------------------------------------------------

def _series(df, measure: str, place: str):
    d = df[(df.measure == measure) & (df.place == place) & (df.sector == "") & (df.origin == "")
           & (df.lever == "")]
    return d.set_index("year").value


def _diff_band(ax, frames, base: str, pol: str, measure: str, place: str, label: str, scale=1.0,
               cumulative=False, color=None):
    import numpy as np
    reps = []
    for b, p in zip(frames[base], frames[pol]):
        d = (_series(p, measure, place) - _series(b, measure, place)) * scale
        reps.append(d.cumsum() if cumulative else d)
    arr = np.vstack([r.values for r in reps])
    x = reps[0].index.values
    line, = ax.plot(x, np.median(arr, axis=0), label=label, color=color)
    if len(reps) > 1:  # the band of sim/outputs/noise.py: min–max below 5 replicates
        lo, hi = band_limits(arr, axis=0)
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2,
                        label=f"{label} {'5–95%' if band_kind(len(reps)) == 'p5-p95' else 'min–max'}")


def policy_figure(df, figs: Path, cities: list[str]) -> Path | None:
    """Spending per lever and year, and induced, deadweight and unpaid arrivals per city (runs with levers)."""
    import numpy as np
    lev = df[df.measure == "lever_spending"]
    if lev.empty:
        return None
    lev = lev[lev.year > df.year.min()]
    fig, axes = plt.subplots(1, 2, figsize=(15, 6))
    ax = axes[0]
    tab = lev.assign(y=np.floor(lev.year + 1e-9).astype(int)).pivot_table(
        index="y", columns="lever", values="value", aggfunc="sum").fillna(0.0)
    bottom = np.zeros(len(tab))
    for i, col in enumerate(tab.columns):
        ax.bar(tab.index, tab[col].values, bottom=bottom, label=col, color=plt.get_cmap("tab20").colors[i % 20])
        bottom += tab[col].values
    rev = df[(df.measure == "fiscal_revenue") & df.place.isin(cities) & (df.year > df.year.min())]
    ax.set_title("Lever spending by year 政策支出（按年）")
    ax.set_xlabel("year")
    ax.set_ylabel("spending (亿元/year, nominal)")
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    ax = axes[1]
    d = df[df.measure.isin(["induced_arrivals", "deadweight_arrivals", "unpaid_arrivals"]) & df.place.isin(cities)
           & (df.year > df.year.min())]
    t = d.pivot_table(index="place", columns="measure", values="value", aggfunc="sum").reindex(cities).fillna(0)
    t = t[t.sum(axis=1) > 0]
    y = np.arange(len(t))
    ax.barh(y, t.get("induced_arrivals", 0), color="tab:red", label="induced (would not have come without the levers)")
    ax.barh(y, t.get("deadweight_arrivals", 0), left=t.get("induced_arrivals", 0), color="tab:orange",
            label="deadweight (would have come anyway, paid by a money lever)")
    ax.barh(y, t.get("unpaid_arrivals", 0), left=t.get("induced_arrivals", 0) + t.get("deadweight_arrivals", 0),
            color="tab:grey", label="unpaid (would have come anyway, paid by none)")
    ax.set_yticks(y, t.index)
    ax.set_xlabel("arrivals at the city's sites over the run, incl. moves between them (firms)")
    ax.set_title("Arrivals by city: induced, deadweight, unpaid 迁入企业：政策诱发、无谓、未受资助")
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    total_rev = rev.value.sum()
    fig.suptitle(f"Levers: {lev.value.sum():.1f} 亿元 spent; study-area fiscal revenue {total_rev:.0f} 亿元 "
                 f"over the same periods")
    p = save_figure(fig, figs / "levers_spending_and_attribution.png", dpi=110)
    return p


PALETTE = plt.get_cmap("tab10").colors  # one strong colour per policy in comparisons


def _losers(frames: dict, base: str, pols: list[str], skip, most: int = 3) -> list[str]:
    """The cities whose GDP at the last period is below the baseline's for some policy (mean over
    replicates), largest loss first, at most ``most``: the difference plots show them too."""
    import numpy as np
    f0 = frames[base][0]
    cities = [c for c in dict.fromkeys(f0.place[f0.measure == "gdp"]) if c != "region" and c not in skip]
    loss = {}
    for c in cities:
        d = [float(_series(p, "gdp", c).iloc[-1] - _series(b, "gdp", c).iloc[-1])
             for pol in pols for b, p in zip(frames[base], frames[pol])]
        loss[c] = min(float(np.mean(d[i * len(frames[base]):(i + 1) * len(frames[base])]))
                      for i in range(len(pols)))
    return sorted((c for c in cities if round(loss[c], 1) < 0), key=lambda c: loss[c])[:most]


def comparison_figures(out_dir: Path, frames: dict, names: list[str], bands: str = "bands: seed noise",
                       titles: dict | None = None, park_names: dict | None = None,
                       territory=None, parks: dict | None = None, zone_cities=()) -> list[Path]:
    """The comparison's figures; ``bands`` says what the bands carry (seed noise, or seed
    noise and parameter uncertainty: ``sim.scenario.draws.band_caption``). Scenarios are named by
    their titles (``titles``: name → {zh, en}; Chinese when the CJK font loads), parks by their
    Chinese names (``park_names``: id → name), cities with the largest losses next to the zone's;
    ``territory``, ``parks`` (scenario name -> its parks) and ``zone_cities``: the ΔGDP map
    (``sim.outputs.maps``).

    Two sets when the CJK font loads: ``name.png`` for the Chinese report (words in English and
    Chinese, Chinese titles and park names) and ``name_en.png`` for the English one (English words,
    English titles, park ids); one set, English, when it does not."""
    zh = setup_font()
    paths = _comparison_set(out_dir, frames, names, bands, titles, park_names, territory, parks, zone_cities,
                            zh, "")
    if zh:
        paths += _comparison_set(out_dir, frames, names, bands, titles, park_names, territory, parks,
                                 zone_cities, False, "_en")
    return paths


def _comparison_set(out_dir: Path, frames: dict, names: list[str], bands: str, titles: dict | None,
                    park_names: dict | None, territory, parks: dict | None, zone_cities, zh: bool,
                    sfx: str) -> list[Path]:
    """One language's comparison figures (``comparison_figures``): ``zh`` bilingual words and
    Chinese titles, else English; ``sfx`` ends every file name (before .png)."""
    import numpy as np
    import pandas as pd

    def lab(n: str) -> str:
        t = (titles or {}).get(n) or {}
        return (t.get("zh") if zh else None) or t.get("en") or t.get("zh") or n
    figs = out_dir / "figures"
    figs.mkdir(exist_ok=True)
    base, pols = names[0], names[1:]
    n_rep = len(frames[base])
    paths = []
    kind = "5–95%" if band_kind(n_rep) == "p5-p95" else "min–max"
    band = f" (median of {n_rep} replicates, {kind} band)\n{bands}" if n_rep > 1 else ""
    places = ["region", "四平", "辽源", "通化"]
    places += _losers(frames, base, pols, places)
    ncol = 4
    nrow = -(-len(places) // ncol)
    for measure, unit, scale, fname, title in (
            ("gdp", "亿元/year, nominal", 1.0, "diff_gdp.png", "GDP difference vs baseline 地区生产总值差值"),
            ("industrial_output", "亿元/year, nominal", 1.0, "diff_industrial_output.png",
             "Industrial output difference vs baseline 工业总产值差值"),
            ("jobs", "persons", 1.0, "diff_jobs.png", "Jobs difference vs baseline 就业差值")):
        fname, title = fname.replace(".png", f"{sfx}.png"), en_words(title, zh)
        fig, axes = plt.subplots(nrow, ncol, figsize=(16, 4.3 * nrow + 0.4), sharex=True, squeeze=False)
        for ax, pl in zip(axes.flat, places):
            for i, pol in enumerate(pols):
                _diff_band(ax, frames, base, pol, measure, pl, lab(pol), scale, color=PALETTE[i % 10])
            ax.axhline(0, color="grey", lw=0.8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(pl if pl != "region" else en_words("study area 全区", zh))
            ax.set_xlabel("year")
            ax.set_ylabel(f"{measure} difference ({unit})")
            ax.grid(alpha=0.3)
        for ax in list(axes.flat)[len(places):]:
            ax.axis("off")
        # the legend in the first free panel (at most 7 places in 8), the scenarios' long titles wrapped
        handles, labels = axes[0][0].get_legend_handles_labels()
        free = list(axes.flat)[len(places)] if len(places) < nrow * ncol else axes[0][0]
        free.legend(handles, [textwrap.fill(t, 40) for t in labels], fontsize=8,
                    loc="center" if free is not axes[0][0] else "best")
        fig.suptitle(f"{title}: policy − {lab(base)}{band}")
        p = save_figure(fig, figs / fname, dpi=100)
        paths.append(p)
    # fiscal balance: cumulative extra revenue minus lever spending
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, pol in enumerate(pols):
        reps = []
        for b, p in zip(frames[base], frames[pol]):
            extra = _series(p, "fiscal_revenue", "region") - _series(b, "fiscal_revenue", "region")
            reps.append((extra - _series(p, "fiscal_spending", "region")).iloc[1:].cumsum())
        arr = np.vstack([r.values for r in reps])
        x = reps[0].index.values
        line, = ax.plot(x, np.median(arr, axis=0), label=f"{lab(pol)}: cumulative Δrevenue − spending",
                        color=PALETTE[i % 10])
        if n_rep > 1:
            ax.fill_between(x, *band_limits(arr, axis=0), color=line.get_color(), alpha=0.2,
                            label=f"{lab(pol)} {kind}")
        sp = np.vstack([(-_series(p, "fiscal_spending", "region")).iloc[1:].cumsum().values
                        for p in frames[pol]])
        ax.plot(x, np.median(sp, axis=0), ls="--", color=line.get_color(), label=f"{lab(pol)}: cumulative spending (−)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_title(f"Fiscal balance of the levers{' 财政收支（累计）' if zh else ''}\nvs {lab(base)}{band}")
    ax.set_xlabel("year")
    ax.set_ylabel("cumulative amount (亿元)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    p = save_figure(fig, figs / f"fiscal_balance{sfx}.png", dpi=100)
    paths.append(p)
    # arrivals by park: induced, deadweight (paid, not induced) and unpaid of the policy next to
    # the baseline's arrivals
    def park_tot(df, measure):
        d = df[(df.measure == measure) & (df.sector == "") & (df.lever == "") & (df.year > df.year.min())]
        return d.groupby("place").value.sum()
    # every park of any scenario (a joint park only a policy builds too)
    park_ids = sorted(set().union(*[set(fs[0].place[fs[0].measure == "occupancy"]) for fs in frames.values()]))
    for pol in pols:
        ind = pd.concat([park_tot(f, "induced_arrivals") for f in frames[pol]], axis=1).mean(axis=1)
        dw = pd.concat([park_tot(f, "deadweight_arrivals") for f in frames[pol]], axis=1).mean(axis=1)
        up = pd.concat([park_tot(f, "unpaid_arrivals") for f in frames[pol]], axis=1).mean(axis=1)
        ba = pd.concat([park_tot(f, "arrivals") for f in frames[base]], axis=1).mean(axis=1)
        ids = [k for k in park_ids if k in ind.index]
        tab = pd.DataFrame({"induced": ind.reindex(ids).fillna(0), "deadweight": dw.reindex(ids).fillna(0),
                            "unpaid": up.reindex(ids).fillna(0), "baseline": ba.reindex(ids).fillna(0)})
        # every park with an arrival in either run, however many
        tab = tab[(tab.sum(axis=1) > 0)].sort_values(["induced", "deadweight", "unpaid", "baseline"])
        fig, ax = plt.subplots(figsize=(10, max(5.0, 0.32 * len(tab) + 1.8)))
        y = np.arange(len(tab))
        ax.barh(y + 0.2, tab.induced, height=0.4, color="tab:red", label=f"{lab(pol)}: induced")
        ax.barh(y + 0.2, tab.deadweight, height=0.4, left=tab.induced, color="tab:orange",
                label=f"{lab(pol)}: deadweight (paid, not induced)")
        ax.barh(y + 0.2, tab.unpaid, height=0.4, left=tab.induced + tab.deadweight, color="tab:olive",
                label=f"{lab(pol)}: unpaid (not induced)")
        ax.barh(y - 0.2, tab.baseline, height=0.4, color="tab:grey", label=f"{lab(base)}: all arrivals")
        names_shown = [((park_names or {}).get(k) or k).split(" (")[0] if zh else k for k in tab.index]
        ax.set_yticks(y, names_shown, fontsize=8)
        ax.set_xlabel(f"arrivals 2022–end (firms{', mean per replicate' if n_rep > 1 else ''})")
        ax.set_title(f"{en_words('Arrivals by park 园区迁入企业', zh)}: {lab(pol)}\nvs {lab(base)}")
        ax.legend(fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        p = save_figure(fig, figs / f"arrivals_by_park_{pol}{sfx}.png", dpi=100)
        paths.append(p)
    # arrivals into the study area by origin region
    def by_origin(df):
        d = df[(df.measure == "arrivals_by_origin") & (df.year > df.year.min())]
        d = d[d.origin != d.place]
        return d.groupby("origin").value.sum()
    fig, ax = plt.subplots(figsize=(11, 5))
    tabs = {n: pd.concat([by_origin(f) for f in frames[n]], axis=1).mean(axis=1) for n in names}
    origins = sorted(set().union(*[t.index for t in tabs.values()]))
    x = np.arange(len(origins))
    w = 0.8 / len(names)
    for i, n in enumerate(names):
        ax.bar(x + i * w - 0.4 + w / 2, tabs[n].reindex(origins).fillna(0).values, width=w, label=lab(n))
    ax.set_xticks(x, origins, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("arrivals into study-area cities (firms, whole run)")
    ax.set_xlabel("previous location (city or origin region)")
    ax.set_title(en_words("Arrivals by origin 迁入企业来源地", zh))
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    p = save_figure(fig, figs / f"arrivals_by_origin{sfx}.png", dpi=100)
    paths.append(p)
    cities = [c for c in dict.fromkeys(frames[base][0].place[frames[base][0].measure == "gdp"]) if c != "region"]
    p = channel_diff_figure(frames, names, cities, figs, bands=bands, label=lab, zh=zh,
                            fname=f"diff_channels{sfx}.png")
    if p is not None:
        paths.append(p)
    from .maps import comparison_map
    note = f" (median of {n_rep} replicates)" if n_rep > 1 else ""
    p = comparison_map(frames, names, figs, territory, parks, zone_cities, note, label=lab, zh=zh,
                       fname=f"map_gdp_difference{sfx}.png")
    if p is not None:
        paths.append(p)
    return paths


def en_words(text: str, zh: bool) -> str:
    """A bilingual label "English 中文" as drawn: whole when ``zh`` (the CJK font loaded, a Chinese
    report), else its English words (up to the first CJK character)."""
    if zh:
        return text
    cut = next((i for i, ch in enumerate(text) if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"),
               len(text))
    return text[:cut].rstrip(" ,:：")


def channel_diff_figure(frames: dict, names: list[str], cities: list[str], figs: Path,
                        bands: str = "bands: seed noise", label=None, zh: bool = True,
                        fname: str = "diff_channels.png") -> Path | None:
    """``diff_channels.png`` of a comparison (``sim.outputs.plot_channels`` draws the bars): one row
    per policy, each channel's policy − baseline at the last period per city (mean over replicates;
    the net's band with replicates: 5–95%, or min–max below 5, sim/outputs/noise.py; it carries
    what ``bands`` says). ``label``: a scenario's display name (its title; default its id); ``zh``:
    words in English and Chinese (else English only); ``fname``: the file under ``figs``."""
    import numpy as np

    from ..agents.cohort import CHANNELS
    from .channels import last_channels
    from .plot_channels import PANELS, _stacked
    label = label or (lambda n: n)
    base, pols = names[0], names[1:]
    n_rep = len(frames[base])
    rows = []
    for pol in pols:
        reps = [(last_channels(b, cities), last_channels(p, cities)) for b, p in zip(frames[base], frames[pol])]
        if not all(b and p for b, p in reps):
            return None
        rows.append((pol, reps))
    places = [c for c in cities if all(c in b and c in p for _, reps in rows for b, p in reps)]
    fig, axes = plt.subplots(len(rows), len(PANELS), figsize=(17, 5.4 * len(rows)), squeeze=False)
    last = frames[base][0].year.max()
    for i, (pol, reps) in enumerate(rows):
        for ax, (meas, title, unit, scale) in zip(axes[i], PANELS):
            diff = {ch: np.array([[p[c][meas][ch] - b[c][meas][ch] for c in places] for b, p in reps]) * scale
                    for ch in CHANNELS}
            net = sum(diff.values())
            err = np.vstack(band_limits(net, axis=0)) if n_rep > 1 else None
            _stacked(ax, places, {ch: d.mean(axis=0) for ch, d in diff.items()}, err,
                     "5–95%" if band_kind(n_rep) == "p5-p95" else "min–max")
            # the scenarios' titles on lines of their own (a title is long: no overlap with the next panel)
            ax.set_title("\n".join([f"{en_words(title, zh)}:", *textwrap.wrap(f"{label(pol)} −", 58),
                                    *textwrap.wrap(label(base), 58)]), fontsize=10)
            ax.set_xlabel(en_words("city 城市", zh))
            ax.set_ylabel(f"difference in change since {frames[base][0].year.min():.0f} ({unit})")
        handles, labels = axes[i][0].get_legend_handles_labels()
        axes[i][0].legend(handles, [en_words(t, zh) for t in labels], fontsize=8)
    mean = f", mean of {n_rep} replicate pairs (same seeds; the net's band: {bands})" if n_rep > 1 else " (same seed)"
    fig.suptitle(f"{en_words('Policy − baseline by channel 政策效应分解（新设、在位、迁移、退出）', zh)}, "
                 f"{_quarter(last)}{mean}")
    return save_figure(fig, figs / fname, dpi=100)


def fan_figures(out_dir: Path, frames: list, name: str, bands: str = "bands: seed noise") -> list[Path]:
    """Fan charts (median, 25–75% and 5–95% over replicates) of GDP and industrial output; ``bands``
    says what the bands carry."""
    import numpy as np
    setup_font()
    figs = out_dir / "figures"
    figs.mkdir(exist_ok=True)
    paths = []
    places = ["region", "四平", "辽源", "通化"]
    for measure, title in (("gdp", "GDP 地区生产总值"), ("industrial_output", "Industrial output 工业总产值")):
        fig, axes = plt.subplots(1, len(places), figsize=(16, 4.5))
        for ax, pl in zip(axes, places):
            reps = [_series(df, measure, pl) for df in frames]
            arr = np.vstack([r.values for r in reps])
            x = reps[0].index.values
            ax.fill_between(x, *np.percentile(arr, [5, 95], axis=0), color="tab:blue", alpha=0.15, label="5–95%")
            ax.fill_between(x, *np.percentile(arr, [25, 75], axis=0), color="tab:blue", alpha=0.3, label="25–75%")
            ax.plot(x, np.median(arr, axis=0), color="tab:blue", label="median")
            ax.set_title(pl if pl != "region" else "study area 全区")
            ax.set_xlabel("year")
            ax.set_ylabel(f"{measure} (亿元/year, nominal)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{title}: {name}, {len(frames)} replicates; {bands}")
        p = save_figure(fig, figs / f"fan_{measure}.png", dpi=100)
        paths.append(p)
    return paths
