"""Maps people read: choropleths on the cities' real shapes (``sim.territory``: the boundaries of
``scenarios/data/boundaries/``), with park markers. matplotlib only; Chinese labels in the shipped
font (``sim.outputs.plots.setup_font``).

``choropleth(ax, territory, values_by_city, title, unit_label, ...)`` fills each city with its value
(a sequential colour map, or a diverging one centred on 0 for changes), writes the city's name and
value at a point inside it, adds a colour bar with the unit, and draws parks as circles of area ∝
their value (parks at one place are spread on a small ring so none hides another) with a size
legend. Longitude and latitude are drawn at the true ratio of the study area's mid-latitude
(1° of longitude is cos φ of 1° of latitude).
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.collections import PathCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath

NO_DATA = "#e6e6e6"


def _city_path(polys: list) -> MplPath:
    """One compound path of a city's polygons (exteriors and holes: even–odd filling)."""
    verts, codes = [], []
    for rings in polys:
        for r in rings:
            verts.append(r)
            c = np.full(len(r), MplPath.LINETO, dtype=MplPath.code_type)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            codes.append(c)
    return MplPath(np.concatenate(verts), np.concatenate(codes))


LABEL_BOX = (0.6, 0.4)  # degrees lon, lat: no two city labels' centres closer in both directions


def label_point(polys: list, avoid: np.ndarray | None = None,
                taken: np.ndarray | None = None) -> tuple[float, float]:
    """A point well inside a city's largest polygon (lon, lat): among the points of a 40 × 40
    lattice over its box that lie inside, the one farthest from the boundary and from the
    ``avoid`` points ((n, 2) lon/lat: the park markers), distances in km-like units (longitude
    times cos φ); points within ``LABEL_BOX`` of a ``taken`` point (another label) are left out
    while any other remains."""
    from ..territory import inside
    big = max(polys, key=lambda rings: _ring_area(rings[0]))
    ext = big[0]
    (x0, y0), (x1, y1) = ext.min(axis=0), ext.max(axis=0)
    gx, gy = np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40))
    px, py = gx.ravel(), gy.ravel()
    ok = inside([big], px, py)
    if not ok.any():
        return float(ext[:, 0].mean()), float(ext[:, 1].mean())
    px, py = px[ok], py[ok]
    if taken is not None and len(taken):
        free = ~((np.abs(px[:, None] - taken[None, :, 0]) < LABEL_BOX[0])
                 & (np.abs(py[:, None] - taken[None, :, 1]) < LABEL_BOX[1])).any(axis=1)
        if free.any():
            px, py = px[free], py[free]
    k = math.cos(math.radians(float(ext[:, 1].mean())))
    edge = np.concatenate([r for r in big])
    d2 = ((px[:, None] - edge[None, :, 0]) * k) ** 2 + (py[:, None] - edge[None, :, 1]) ** 2
    score = d2.min(axis=1)
    if avoid is not None and len(avoid):
        a2 = ((px[:, None] - avoid[None, :, 0]) * k) ** 2 + (py[:, None] - avoid[None, :, 1]) ** 2
        score = np.minimum(score, a2.min(axis=1))
    i = int(np.argmax(score))
    return float(px[i]), float(py[i])


def _ring_area(r: np.ndarray) -> float:
    return 0.5 * abs(float(np.dot(r[:-1, 0], r[1:, 1]) - np.dot(r[1:, 0], r[:-1, 1])))


def spread(points: list[tuple[float, float]], radius: float = 0.14) -> list[tuple[float, float]]:
    """Display positions (lon, lat): points sharing one place are put on a ring of ``radius``
    degrees around it (in list order, starting north), a lone point stays where it is."""
    groups: dict = {}
    for i, p in enumerate(points):
        groups.setdefault((round(p[0], 4), round(p[1], 4)), []).append(i)
    out = list(points)
    for (lon, lat), idx in groups.items():
        if len(idx) < 2:
            continue
        k = math.cos(math.radians(lat))
        r = radius * (1 + 0.08 * max(len(idx) - 5, 0))
        for j, i in enumerate(idx):
            a = math.pi / 2 - 2 * math.pi * j / len(idx)
            out[i] = (lon + r * math.cos(a) / k, lat + r * math.sin(a))
    return out


def _fmt(v: float, fmt: str) -> str:
    s = fmt.format(v)
    return s.replace("-", "−")


def choropleth(ax, territory, values_by_city: dict, title: str, unit_label: str, cmap: str = "YlOrRd",
               parks: list[dict] | None = None, park_label: str = "", diverging: bool = False,
               fmt: str = "{:,.0f}", names: dict | None = None, cities: list[str] | None = None,
               seats: dict | None = None, vmax: float | None = None) -> None:
    """Fill each city of ``values_by_city`` (city id -> value; NaN or missing: grey, "no data")
    on its real shape; ``cities``: the cities to draw (default: every boundary, then the keys).
    ``diverging``: a red–blue map centred on 0 (losses red, gains blue) with symmetric limits.
    ``parks``: dicts with ``lon``, ``lat``, ``value`` (marker area ∝ value, ≥ 0) and optionally
    ``name`` (the largest three are labelled) and ``highlight`` (a thick edge); ``park_label``
    says what the size is. ``names``: display names (default: the ids, which are Chinese).
    ``seats``: city id -> (lat, lon), where a city without a boundary is drawn as a dot."""
    fig = ax.figure
    polys = territory.polygons if territory is not None else {}
    order = list(cities) if cities is not None else list(dict.fromkeys(list(polys) + list(values_by_city)))
    vals = np.array([float(values_by_city.get(c, np.nan)) for c in order], dtype=float)
    finite = vals[np.isfinite(vals)]
    cm = plt.get_cmap("RdBu" if diverging and cmap == "YlOrRd" else cmap)
    if diverging:
        top = vmax or (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
        norm = TwoSlopeNorm(0.0, -top, top)
    else:  # from 0, or from the smallest value when every value is far from 0 (growth rates)
        lo = float(finite.min()) if finite.size else 0.0
        hi = vmax or (float(finite.max()) if finite.size else 1.0)
        lo = 0.0 if lo >= 0 and lo < 0.5 * hi else lo
        norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    k = None
    pos = spread([(p["lon"], p["lat"]) for p in parks]) if parks else []
    # label points: the smallest cities first, each one away from the parks and the labels before it
    avoid = np.array(pos, dtype=float).reshape(-1, 2)
    where: dict = {}
    for c in sorted((c for c in order if polys.get(c)), key=lambda c: _ring_area(max(
            (r[0] for r in polys[c]), key=_ring_area))):
        taken = np.array(list(where.values()), dtype=float).reshape(-1, 2)
        where[c] = label_point(polys[c], np.concatenate([avoid, taken]), taken)
    paths, colours = [], []
    for c, v in zip(order, vals):
        colour = cm(norm(v)) if np.isfinite(v) else NO_DATA
        name = (names or {}).get(c, c)
        if polys.get(c):
            paths.append(_city_path(polys[c]))
            colours.append(colour)
            lx, ly = where[c]
        elif seats and c in seats:
            ly, lx = seats[c]
            ax.scatter([lx], [ly], s=160, color=colour, edgecolor="#555555", zorder=2)
        else:
            continue
        text = name if not np.isfinite(v) else f"{name}\n{_fmt(v, fmt)}"
        ax.text(lx, ly, text, ha="center", va="center", fontsize=8, zorder=8, color="black",
                linespacing=1.1, path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    # one collection for the fills and one for the borders (patches would each recompute the axes'
    # limits over every vertex; the limits are set below)
    ax.add_collection(PathCollection(paths, facecolors=colours, edgecolors="white", linewidths=1.2,
                                     zorder=1), autolim=False)
    ax.add_collection(PathCollection(paths, facecolors="none", edgecolors="#555555", linewidths=0.4,
                                     zorder=2), autolim=False)
    if polys:
        allpts = np.concatenate([p[0] for c in order if polys.get(c) for p in polys[c]])
        (x0, y0), (x1, y1) = allpts.min(axis=0), allpts.max(axis=0)
        ax.set_xlim(x0 - 0.2, x1 + 0.2)
        ax.set_ylim(y0 - 0.2, y1 + 0.2)
        k = math.cos(math.radians((y0 + y1) / 2))
    ax.set_aspect(1.0 / (k or math.cos(math.radians(43.5))))
    ax.set_xlabel("longitude (°E)", fontsize=8)
    ax.set_ylabel("latitude (°N)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=10)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cm)
    fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.02).set_label(unit_label, fontsize=8)
    if parks:
        _parks(ax, parks, pos, park_label)


def _parks(ax, parks: list[dict], pos: list, park_label: str) -> None:
    """Circles of area ∝ value at the display positions ``pos`` (``spread``); a size legend; the
    largest three named in the map's empty lower-right corner, each with a leader line."""
    v = np.array([max(float(p.get("value", 0.0)), 0.0) for p in parks])
    top = float(v.max()) if v.size and v.max() > 0 else 1.0
    area = 6 + 260 * v / top
    for (x, y), a, p in zip(pos, area, parks):
        ax.scatter([x], [y], s=a, facecolor="white", alpha=0.8, zorder=6,
                   edgecolor="black", linewidth=1.6 if p.get("highlight") else 0.6)
    named = [i for i in np.argsort(-v, kind="stable")[:3] if v[i] > 0 and parks[i].get("name")]
    for j, i in enumerate(named):
        ax.annotate(f"{parks[i]['name']}: {_fmt(v[i], '{:,.0f}' if v[i] >= 10 else '{:,.1f}')}", pos[i],
                    xytext=(0.985, 0.03 + 0.065 * (len(named) - 1 - j)), textcoords="axes fraction",
                    ha="right", va="bottom", fontsize=7, zorder=9,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "alpha": 0.9},
                    arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.6, "shrinkA": 0, "shrinkB": 3})
    steps = [top, top / 4] if top > 0 else [1.0]
    handles = [Line2D([], [], ls="", marker="o", markerfacecolor="white", markeredgecolor="black",
                      markersize=math.sqrt(6 + 260 * s / top), label=_fmt(s, "{:,.0f}" if s >= 10 else "{:,.1f}"))
               for s in steps]
    if any(p.get("highlight") for p in parks):
        handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="white", markeredgecolor="black",
                              markeredgewidth=1.6, markersize=7, label="吉西南 zone park"))
    ax.legend(handles=handles, title=park_label, loc="lower left", fontsize=7, title_fontsize=7,
              framealpha=0.85, labelspacing=1.2, borderpad=0.8)


def map_figure(territory, panels: list[dict], path: Path, suptitle: str | None = None,
               dpi: int = 100) -> Path:
    """One figure of choropleth panels side by side (each dict: the keyword arguments of
    ``choropleth`` but ``ax`` and ``territory``); saved to ``path``."""
    n = len(panels)
    cols = 1 if n <= 2 else 2
    rows = math.ceil(n / cols)
    w = 11.0 if cols == 1 else 9.0
    # constrained layout: placed in the one drawing that writes the file (tight_layout would draw
    # the figure once more first)
    fig, axes = plt.subplots(rows, cols, figsize=(w * cols, 0.58 * w * rows), squeeze=False,
                             layout="constrained")
    for ax, kw in zip(axes.ravel(), panels):
        choropleth(ax, territory, **kw)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    # PNG compression level 3 instead of 6: a third of the encoding time for ~10 % more bytes
    fig.savefig(path, dpi=dpi, pil_kwargs={"compress_level": 3})
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------------------------
# the maps of a run and of a comparison (read from result frames, never from a live model)
# ------------------------------------------------------------------------------------------------
def _total(df, measure: str, places) -> dict:
    """Σ over the periods after the base of a measure by place (no sector, origin or lever split)."""
    d = df[(df.measure == measure) & (df.sector == "") & (df.origin == "") & (df.lever == "")
           & (df.year > df.year.min()) & df.place.isin(list(places))]
    return d.groupby("place").value.sum().to_dict()


def _at(df, measure: str, places, year: float) -> dict:
    d = df[(df.measure == measure) & (df.sector == "") & (df.origin == "") & (df.lever == "")
           & (df.year == year) & df.place.isin(list(places))]
    return d.groupby("place").value.sum().to_dict()


def _quarter(year: float) -> str:
    return f"{int(year)}Q{round((year - int(year)) * 4) + 1}"


def park_markers(parks: dict, values: dict, zone_cities=()) -> list[dict]:
    """``parks``: id -> (lat, lon, name_zh, city); ``values``: id -> marker value."""
    return [{"lat": lat, "lon": lon, "name": name, "value": float(values.get(k, 0.0)),
             "highlight": city in zone_cities} for k, (lat, lon, name, city) in parks.items()]


def run_map(df, figs: Path, territory, parks: dict, cities: dict, zone_cities=()) -> Path:
    """``map.png`` of one run: GDP change since the base year by city (%, diverging) with parks sized
    by their industrial output at the end, and firm arrivals by city over the run with parks sized
    by their arrivals. ``parks``: id -> (lat, lon, name_zh, city); ``cities``: id -> (lat, lon)."""
    y0, y1 = float(df.year.min()), float(df.year.max())
    g0, g1 = _at(df, "gdp", cities, y0), _at(df, "gdp", cities, y1)
    growth = {c: 100.0 * (g1[c] / g0[c] - 1.0) for c in cities if g0.get(c) and c in g1}
    out_pk = _at(df, "industrial_output", parks, y1)
    arr_c = _total(df, "arrivals", cities)
    arr_pk = _total(df, "arrivals", parks)
    panels = [
        {"values_by_city": growth, "cmap": "YlOrRd", "title": f"GDP change {y0:.0f}→{_quarter(y1)} 地区生产总值变化",
             "unit_label": f"GDP {_quarter(y1)} vs {y0:.0f} (%, nominal)", "fmt": "{:+.1f}%",
             "parks": park_markers(parks, out_pk, zone_cities),
             "park_label": f"park industrial output {_quarter(y1)}\n园区工业产值 (亿元/year)",
             "cities": list(cities), "seats": cities},
        {"values_by_city": arr_c, "title": f"Firm arrivals {y0:.0f}–{_quarter(y1)} 迁入企业",
             "unit_label": "arrivals at the city's sites, incl. moves between them (firms)", "cmap": "YlGnBu",
             "fmt": "{:,.0f}", "parks": park_markers(parks, arr_pk, zone_cities),
             "park_label": "park arrivals 园区迁入企业 (firms)", "cities": list(cities), "seats": cities},
    ]
    return map_figure(territory, panels, figs / "map.png")


def comparison_map(frames: dict, names: list[str], figs: Path, territory, parks: dict | None = None,
                   zone_cities=(), n_rep_note: str = "", label=None, zh: bool = True,
                   fname: str = "map_gdp_difference.png") -> Path | None:
    """``map_gdp_difference.png``: per policy, GDP (policy − base) by city at the last period
    (亿元/year, the median over replicates; diverging: losses red) with parks sized by the policy's
    induced arrivals (mean per replicate), and its induced arrivals by city. ``parks``: scenario
    name -> its parks (id -> (lat, lon, name_zh, city), ``scenario_places``); ``label``: a
    scenario's display name (its title; default its id); ``zh``: the words in English and Chinese
    (else English only, the English report's ``fname``)."""
    label = label or (lambda n: n)
    base, pols = names[0], names[1:]
    if not pols:
        return None
    f0 = frames[base][0]
    cities = [c for c in dict.fromkeys(f0.place[f0.measure == "gdp"]) if c != "region"]
    y1 = float(f0.year.max())
    panels = []
    for pol in pols:
        diffs = [{c: _at(p, "gdp", cities, y1).get(c, np.nan) - _at(b, "gdp", cities, y1).get(c, np.nan)
                  for c in cities} for b, p in zip(frames[base], frames[pol])]
        d_med = {c: float(np.median([d[c] for d in diffs])) for c in cities}
        ind = [_total(p, "induced_arrivals", cities) for p in frames[pol]]
        ind_c = {c: float(np.mean([i.get(c, 0.0) for i in ind])) for c in cities}
        markers = None
        if parks and parks.get(pol):
            pk = [_total(p, "induced_arrivals", parks[pol]) for p in frames[pol]]
            pk_vals = {k: float(np.mean([i.get(k, 0.0) for i in pk])) for k in parks[pol]}
            markers = park_markers(parks[pol], pk_vals, zone_cities)
        panels.append({"values_by_city": d_med, "title": f"{label(pol)} − {label(base)}\nGDP {_quarter(y1)} "
                       f"{'地区生产总值差值' if zh else 'difference'}{n_rep_note}",
                           "unit_label": "GDP difference (亿元/year, nominal)", "diverging": True, "fmt": "{:+,.1f}",
                           "parks": markers, "park_label": f"park induced arrivals{chr(10) + '园区政策诱发迁入' if zh else ''} (firms)",
                           "cities": cities})
        panels.append({"values_by_city": ind_c, "title": f"{label(pol)}\ninduced arrivals{' 政策诱发迁入企业' if zh else ''}",
                           "unit_label": "arrivals the levers induced, whole run (firms)", "cmap": "YlGnBu",
                           "fmt": "{:,.0f}", "cities": cities})
    return map_figure(territory, panels, figs / fname)


def scenario_places(loaded) -> tuple[dict, dict, list[str]]:
    """(parks, cities, zone cities) of a loaded scenario for the maps (:func:`places_of` on its data
    and its parks, the data's and the scenario's new ones)."""
    from ..agents.places import park_rows
    from ..data import load_data
    d = load_data(loaded.data_dir)
    return places_of(d, park_rows(d, loaded.scenario.new_parks, d.cities.ids(), str(loaded.path)))


def places_of(data, rows: list[dict]) -> tuple[dict, dict, list[str]]:
    """(parks, cities, zone cities) for the maps from a data set and its park rows: parks id ->
    (lat, lon, name_zh, city) at their node; cities id -> (lat, lon); the zone's city ids."""
    node = data.nodes.by()
    parks = {pk["id"]: (node[pk["node"]]["lat"], node[pk["node"]]["lon"], pk["name_zh"], pk["city"])
             for pk in rows}
    cities = {c["id"]: (c["lat"], c["lon"]) for c in data.cities.rows}
    return parks, cities, [c["id"] for c in data.cities.rows if c.get("jxn_zone")]
