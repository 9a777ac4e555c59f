"""Figures drawn fresh for the report, returned as base64 PNG data URIs: the map of arrivals by park,
the 亩均 bars, the levers' values over time and, for comparisons, fan charts of the levels."""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

from .i18n import bands_note, unit_label
from .source import Source


def png_uri(b: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(b).decode("ascii")


def _fig_uri(fig) -> str:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return png_uri(buf.getvalue())


def png_file(path: Path) -> str | None:
    try:
        return png_uri(path.read_bytes()) if path.is_file() else None
    except OSError:
        return None


def fig_park_map(tabs: dict, geo: dict, T: dict, zh: bool, titles: dict | None = None) -> str | None:
    """One panel per scenario (``titles``: name → how it is shown): parks at their node (spread
    around it), circle area ∝ arrivals."""
    import matplotlib.pyplot as plt
    import numpy as np
    if not geo["parks"] or not tabs:
        return None
    by_node: dict = {}
    for k, (lat, lon, *_r) in geo["parks"].items():
        by_node.setdefault((lat, lon), []).append(k)
    xy = {}
    for (lat, lon), ks in by_node.items():
        for i, k in enumerate(ks):
            a = 2 * np.pi * i / max(len(ks), 1)
            r = 0.0 if len(ks) == 1 else 0.15
            xy[k] = (lon + r * np.cos(a), lat + r * np.sin(a))
    vmax = max(float(t["arrivals"].max()) for t in tabs.values()) or 1.0
    scale = 1500.0 / vmax
    n = len(tabs)
    fig, axes = plt.subplots(1, n, figsize=(min(7.5 * n, 16), 7.2), squeeze=False)
    for ax, (name, t) in zip(axes[0], tabs.items()):
        for c, (lat, lon) in geo["cities"].items():
            ax.scatter(lon, lat, marker="+", color="0.4", s=30, zorder=1)
            ax.annotate(c, (lon, lat), fontsize=8, color="0.35", xytext=(3, -10),
                        textcoords="offset points")
        ids = [k for k in t.index if k in xy]
        x = np.array([xy[k][0] for k in ids])
        y = np.array([xy[k][1] for k in ids])
        arr = t.loc[ids, "arrivals"].to_numpy(dtype=float)
        ind = t.loc[ids, "induced"].to_numpy(dtype=float)
        ax.scatter(x, y, s=arr * scale + 4, color="tab:orange", alpha=0.45, edgecolor="tab:orange",
                   label=T["all_arr"], zorder=2)
        ax.scatter(x, y, s=ind * scale, color="tab:red", alpha=0.8, label=T["ind_arr"], zorder=3)
        offsets = [(8, 6), (8, -12), (8, 18), (8, -24), (8, 30), (8, -36)]
        for j, k in enumerate([ids[i] for i in np.argsort(-arr)[:6] if arr[i] > 0]):
            lab = geo["parks"][k][2].split(" (")[0].split("（")[0] if zh else k
            dx, dy = offsets[j % len(offsets)]
            ax.annotate(f"{lab} {t.loc[k, 'arrivals']:.0f}", xy[k], fontsize=7, xytext=(dx, dy),
                        textcoords="offset points", ha="left" if dx > 0 else "right", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
                        arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5})
        ax.set_title((titles or {}).get(name, name))
        ax.set_xlabel(T["lon"])
        ax.set_ylabel(T["lat"])
        ax.grid(alpha=0.3)
        leg = ax.legend(loc="lower right", fontsize=8)
        for h in leg.legend_handles:
            h.set_sizes([40])
    fig.suptitle(T["fig.map"])
    fig.tight_layout()
    return _fig_uri(fig)


def fig_mu(tabs: dict, geo: dict, T: dict, zh: bool, titles: dict | None = None) -> str | None:
    """Bars per park: 亩均产值 and 亩均税收 in the base year and at the end of each scenario."""
    import matplotlib.pyplot as plt
    import numpy as np
    if not tabs:
        return None
    first = next(iter(tabs.values()))
    # every park with land in use in any scenario (a joint park only a policy builds too)
    keep = list(dict.fromkeys(k for t in tabs.values() for k in t.index
                              if np.isfinite(t.loc[k, "mu_output_end_wan"]) or np.isfinite(t.loc[k, "mu_output_base_wan"])))
    if not keep:
        return None
    last = list(tabs.values())[-1]
    keep = sorted(keep, key=lambda k: float(np.nan_to_num(last.reindex(keep).loc[k, "mu_output_end_wan"])))
    labels = [(geo["parks"].get(k, (0, 0, k))[2].split(" (")[0] if zh else k) for k in keep]
    series = [(f"{first.attrs['base_year']}", first, "base")]
    series += [(f"{(titles or {}).get(name, name)} {t.attrs['end_year']}", t, "end") for name, t in tabs.items()]
    h = 0.8 / len(series)
    fig, axes = plt.subplots(1, 2, figsize=(15, max(5.0, 0.32 * len(keep) * len(series) / 2 + 2)))
    yy = np.arange(len(keep))
    for ax, (col, xlabel) in zip(axes, (("mu_output", T["mu_out_axis"]), ("mu_tax", T["mu_tax_axis"]))):
        for i, (lab, t, when) in enumerate(series):
            v = t.reindex(keep)[f"{col}_{when}_wan"].to_numpy(dtype=float)
            ax.barh(yy - 0.4 + h * (i + 0.5), np.nan_to_num(v), height=h, label=lab,
                    color=plt.get_cmap("tab10").colors[i % 10])
        ax.set_yticks(yy, labels, fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(T["park"])
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_title(T["mu_output"])
    axes[1].set_title(T["mu_tax"])
    fig.suptitle(T["fig.mu"], fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.96))  # the figure's title above the panels' titles, not into them
    return _fig_uri(fig)


def fig_levers(df, name: str, T: dict) -> str | None:
    import matplotlib.pyplot as plt
    lv = df[df.measure == "lever_value"]
    if lv.empty:
        return None
    ids = list(dict.fromkeys(lv.lever))
    ncol = 3
    nrow = math.ceil(len(ids) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(15, 2.8 * nrow), squeeze=False)
    for ax, lid in zip(axes.flat, ids):
        d = lv[lv.lever == lid]
        ax.step(d.year, d.value, where="post", color="tab:blue")
        ax.set_title(lid, fontsize=9)
        ax.set_ylabel(d.unit.iloc[0], fontsize=8)
        ax.set_xlabel(T["year_axis"], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    fig.suptitle(f"{T['fig.levers']}: {name}")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (2.8 * nrow)))
    return _fig_uri(fig)


def fig_fan_levels(src: Source, T: dict) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np
    if not all(src.runs[n] for n in src.names):
        return None
    meas = (("gdp", T["gdp"], "亿元/year"), ("industrial_output", T["industrial_output"], "亿元/year"),
            ("jobs", T["jobs"], "persons"))
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    for ax, (m, title, unit) in zip(axes, meas):
        for i, n in enumerate(src.names):
            reps = []
            for df in src.frames(n):
                d = df[(df.measure == m) & (df.place == "region") & (df.sector == "") & (df.lever == "")]
                reps.append(d.set_index("year").value)
            arr = np.vstack([r.values for r in reps])
            x = reps[0].index.values
            c = plt.get_cmap("tab10").colors[i % 10]
            ax.plot(x, np.median(arr, axis=0), color=c, label=src.title(n, T["lang"]))
            if len(reps) > 1:
                ax.fill_between(x, *np.percentile(arr, [5, 95], axis=0), color=c, alpha=0.2,
                                label=f"{src.title(n, T['lang'])} 5–95%")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(T["year_axis"])
        ax.set_ylabel(unit_label(unit, T))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{T['fig.fan']} ({len(src.runs[src.names[0]])} {T['replicates']}; {bands_note(src.summary, T)})")
    fig.tight_layout()
    return _fig_uri(fig)
