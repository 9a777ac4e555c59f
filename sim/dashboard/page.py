"""The dashboard page: the map on the cities' real shapes (arrivals by city, parks sized by output), the
status card (every lever of the scenario and the zone's figures) and the zone's trajectories, over a
:class:`sim.dashboard.economy.DashboardEconomy`, in Chinese (default) or English
(sim/dashboard/i18n.py).

The page is laid out here rather than by ``SolaraViz`` because Mesa 3.3.1's ``SolaraViz`` names its
tabs "Page 0", "Page 1" and its sliders show no value; it reuses Mesa's own ``ModelController``
(Step / Play / Reset: a Reset builds a new model from the sidebar's values, as in SolaraViz) and
``ModelCreator``'s contract (``model_parameters``). Needs the ``dashboard`` extra (solara,
ipyvuetify<2, ipyvue<2, mesa[rec]); every import of it is inside a function."""

from __future__ import annotations

from .economy import (
    ALL_PARKS,
    CITY_POLICIES,
    LEVERS,
    TEMPLATE,
    DashboardEconomy,
    default_values,
    scenario_names,
    zone_parks,
)
from .i18n import KIND_LABEL, LANG_LABEL, LANGS, SLIDER_LABEL, UNIT_LABEL, tr


def _figure(model, title: str, ylabel: str, lang: str):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 3.6), dpi=90)
    ax = fig.subplots()
    ax.set_xlim(model.start, model.start + (model.n_steps + 1) * model.dt)  # the whole horizon
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(tr(lang, "year_axis"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def _show(fig) -> None:
    import solara
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")


def _park_name(model) -> str:
    return "" if model.dash_park == ALL_PARKS else model.dash_park


def ZoneParksPlot(model, lang: str = "zh"):
    """Firms and industrial output of the zone's parks (and of the chosen park)."""
    h = model.history
    fig, ax = _figure(model, tr(lang, "zone_plot"), tr(lang, "firms_axis"), lang)
    ax.plot(h["year"], h["zone_firms"], color="tab:blue", label=tr(lang, "firms_zone"))
    ax2 = ax.twinx()
    ax2.plot(h["year"], h["zone_industrial_output"], color="tab:red", label=tr(lang, "output_zone"))
    if "park_industrial_output" in h:
        ax2.plot(h["year"], h["park_industrial_output"], color="tab:red", ls="--",
                 label=tr(lang, "output_park", p=_park_name(model)))
    ax2.set_ylabel(tr(lang, "output_axis"))
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="best", framealpha=0.7)
    _show(fig)


def _flows(model, key: str) -> tuple[list[float], list[float]]:
    """A per-quarter flow from the first simulated quarter on (the base row holds no flow)."""
    return model.history["year"][1:], model.history.get(key, [])[1:]


def ArrivalsPlot(model, lang: str = "zh"):
    """Arrivals into the zone's parks per quarter, induced by the levers or not (attribution)."""
    fig, ax = _figure(model, tr(lang, "arrivals_plot"), tr(lang, "arrivals_axis"), lang)
    ax.plot(*_flows(model, "zone_arrivals"), color="tab:green", label=tr(lang, "all_arrivals"))
    ax.plot(*_flows(model, "zone_induced_arrivals"), color="tab:purple", label=tr(lang, "induced"))
    if "park_arrivals" in model.history:
        ax.plot(*_flows(model, "park_arrivals"), color="tab:green", ls="--",
                label=tr(lang, "arrivals_park", p=_park_name(model)))
    ax.legend(fontsize=8, loc="best", framealpha=0.7)
    _show(fig)


def FiscalPlot(model, lang: str = "zh"):
    """Zone cities' revenue (left axis) and every lever's spending (right axis) per quarter."""
    fig, ax = _figure(model, tr(lang, "fiscal_plot"), tr(lang, "revenue_axis"), lang)
    ax.plot(*_flows(model, "zone_fiscal_revenue"), color="black", label=tr(lang, "revenue"))
    ax2 = ax.twinx()
    ax2.plot(*_flows(model, "zone_fiscal_spending"), color="tab:red", lw=2, label=tr(lang, "spending_all"))
    for lid, kind in zip(model.lever_ids, model.lever_set.kind):
        if model.cumulative(f"spending:{lid}") > 0:
            ax2.plot(*_flows(model, f"spending:{lid}"), lw=1, label=f"{KIND_LABEL[lang][kind]} ({lid})")
    ax2.set_ylabel(tr(lang, "spending_axis"))
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=7, loc="best", ncol=2, framealpha=0.7)
    _show(fig)


def map_figure(model, lang: str = "zh"):
    """The map on the cities' real shapes (sim/outputs/maps.py ``choropleth``): each city coloured by
    the firms that arrived in its parks since the base year, parks as circles of area ∝ industrial
    output (亿元/year), the zone's parks with a thick edge."""
    from matplotlib.figure import Figure

    from ..outputs.maps import choropleth, park_markers, places_of
    from ..territory import load_territory
    parks, _, zone = places_of(model.data, model.park_rows)  # the model's own tables: no reading per step
    P = model.n_parks
    ids = [str(model.site_ids[k]) for k in range(P)]
    by_city: dict[str, float] = {c: 0.0 for c in model.city_ids}
    for k in range(P):
        city = model.park_rows[k]["city"]
        by_city[city] = by_city.get(city, 0.0) + float(model.park_arrivals_cum[k])
    output = {ids[k]: float(model.park_output[k]) for k in range(P)}
    fig = Figure(figsize=(7.0, 5.4), dpi=90, layout="constrained")
    ax = fig.subplots()
    choropleth(ax, load_territory(model.data.folder), by_city,
               tr(lang, "map_title", q=model.quarter_label(lang)),
               tr(lang, "map_colour", y=f"{model.start:.0f}"), cmap="YlOrRd",
               parks=park_markers(parks, output, zone), park_label=tr(lang, "map_size"))
    return fig


def MapView(model, lang: str = "zh"):
    """The map (:func:`map_figure`), drawn again after every step."""
    import solara
    solara.FigureMatplotlib(map_figure(model, lang), format="png")


def _cell(tid: str, text: str) -> str:
    return f'<td data-testid="{tid}" style="text-align:right;padding:0 6px">{text}</td>'


def _in_force(model, j: int, lid: str) -> float:
    """The lever's value this period as run.py reports it (``lever_value``, region row): for a
    government's lever (``gov.<city>.<kind>``) the highest of its sectors' rates."""
    vals = model.history.get(f"value:{lid}")
    return float(vals[-1]) if vals else float(model.lever_val[j])


def lever_rows(model, lang: str = "zh") -> list[str]:
    """One row per lever of the model's scenario (the sliders' levers and every other one, money or
    not): its kind and id, the slider's value if a slider drives it, the value in force now, its
    unit, spending since the base year (亿元) and the arrivals into the zone's cities for which it
    alone was pivotal (attribution), so a free lever that moves firms shows as such."""
    from ..policy.levers import KINDS
    slider_of = {lid: kind for kind, lid in model.dash_lever.items()}
    rows = []
    for j, (lid, kind) in enumerate(zip(model.lever_ids, model.lever_set.kind)):
        slider = slider_of.get(lid)
        name = KIND_LABEL[lang][kind] + (tr(lang, "on_slider") if slider else "")
        key = slider or lid  # the sliders' cells keep their kind as test id
        unit = KINDS[kind]["unit"]
        rows.append(f"<tr><td>{name}<br><small style='color:#666'>{lid}</small></td>"
                    + _cell(f"set-{key}", f"{model.dash_values[slider]:g}" if slider else "–")
                    + _cell(f"in-force-{key}", f"{_in_force(model, j, lid):g}")
                    + f"<td>{UNIT_LABEL[lang].get(unit, unit)}</td>"
                    + _cell(f"spent-{key}", f"{model.cumulative('spending:' + lid):.4f}")
                    + _cell(f"pivotal-{key}", f"{model.cumulative('pivotal:' + lid):.0f}") + "</tr>")
    return rows


def status_html(model, lang: str = "zh") -> str:
    """The status card: every lever of the scenario (:func:`lever_rows`) and the zone's figures,
    each cell tagged with ``data-testid`` (the browser test reads them)."""
    h = model.history
    where = tr(lang, "all_parks") if model.dash_park == ALL_PARKS else model.dash_park
    figures = [
        ("period", tr(lang, "period"), model.quarter_label(lang), ""),
        ("firms", tr(lang, "firms"), f"{h['zone_firms'][-1]:.0f}", tr(lang, "u_firms")),
        ("output", tr(lang, "output"), f"{h['zone_industrial_output'][-1]:.2f}", tr(lang, "u_output")),
        ("arrivals-cum", tr(lang, "arrivals_cum"), f"{model.cumulative('zone_arrivals'):.0f}",
         tr(lang, "u_firms")),
        ("induced-cum", tr(lang, "induced_cum"), f"{model.cumulative('zone_induced_arrivals'):.0f}",
         tr(lang, "u_firms")),
        ("spending-cum", tr(lang, "spending_cum"), f"{model.cumulative('zone_fiscal_spending'):.4f}",
         tr(lang, "u_yi")),
    ]
    fig_rows = "".join(f"<tr><td>{label}</td>{_cell(tid, val)}<td>{unit}</td></tr>"
                       for tid, label, val, unit in figures)
    heads = "".join(f"<th>{tr(lang, k)}</th>" for k in ("lever", "slider", "in_force", "unit", "spent",
                                                         "pivotal"))
    return (f"<div style='font-size:13px'><b>{model.dash_scenario}</b>, seed {model.seed_value}, "
            f"{tr(lang, 'park')}: <b data-testid='where'>{where}</b><br>"
            f"<table><tr>{heads}</tr>" + "".join(lever_rows(model, lang)) + "</table>"
            "<table style='margin-top:6px'>" + fig_rows + "</table>"
            f"<p style='color:#555;margin-top:6px'>{tr(lang, 'note', n=len(model.firm_id))}</p></div>")


def StatusView(model, lang: str = "zh"):
    import solara
    with solara.Card(tr(lang, "status")):
        solara.HTML(tag="div", unsafe_innerHTML=status_html(model, lang))


def model_params() -> dict:
    """The model's keyword parameters offered in the sidebar, with their defaults: scenario and park
    selects, seed, one slider per lever (``kind`` -> {min, max, step, value})."""
    defaults = default_values()
    params = {"scenario": {"type": "Select", "value": TEMPLATE, "values": scenario_names()},
              "seed": {"type": "InputText", "value": ""},
              "park": {"type": "Select", "value": ALL_PARKS, "values": [ALL_PARKS, *zone_parks()]},
              "city_policy": {"type": "Select", "value": "scenario", "values": list(CITY_POLICIES)}}
    for kind, spec in LEVERS.items():
        params[kind] = {"type": "Slider", "value": defaults[kind], "min": spec["min"], "max": spec["max"],
                        "step": spec["step"]}
    return params


def slider_label(kind: str, value: float, lang: str) -> str:
    """A slider's label with its value and unit, e.g. ``用地价格折扣：0.3 比例``."""
    unit = UNIT_LABEL[lang].get(LEVERS[kind]["unit"], LEVERS[kind]["unit"])
    sep = "：" if lang == "zh" else ": "
    return f"{SLIDER_LABEL[lang][kind]}{sep}{value:g} {unit}"


def Inputs(params: dict, model_parameters, lang: str):
    """The sidebar's inputs: each writes its value into ``model_parameters`` (applied on Reset);
    sliders show their value in their label (and on the thumb while dragged)."""
    import solara

    def setter(name):
        return lambda v: model_parameters.set({**model_parameters.value, name: v})

    cur = model_parameters.value
    for name, spec in params.items():
        value = cur.get(name, spec["value"])
        if spec["type"] == "Slider":
            solara.SliderFloat(slider_label(name, float(value), lang), value=value, on_value=setter(name),
                               min=spec["min"], max=spec["max"], step=spec["step"])
        elif spec["type"] == "Select":
            solara.Select(tr(lang, name), value=value, values=spec["values"], on_value=setter(name))
        else:
            solara.InputText(tr(lang, name), value=value, on_value=setter(name))


def font_css(model) -> str:
    """CSS that makes the page render Chinese without any font installed on the reader's machine:
    the shipped CJK font subset to the characters the page can show (every text of both languages,
    the cities' and parks' names, the levers' labels) as a data: URI (sim/outputs/report/page.py
    ``font_face``), used before the reader's own fonts."""
    from ..outputs.report.page import font_face
    from .i18n import KIND_LABEL, SLIDER_LABEL, TEXT, UNIT_LABEL
    words = [*TEXT["zh"].values(), *TEXT["en"].values(), *KIND_LABEL["zh"].values(),
             *SLIDER_LABEL["zh"].values(), *UNIT_LABEL["zh"].values(), *LANG_LABEL.values(),
             *(c.name for c in model.cities), *(str(r.get("name", "")) for r in model.park_rows),
             "0123456789.,:;-–+×∝%()（）：，。/ "]
    face = font_face("".join(words) + "".join(chr(c) for c in range(32, 127)))
    return face + ("body, .v-application, .v-application .text-h6, .v-btn, .v-tab, table "
                   "{font-family: 'ReportSans', 'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', "
                   "sans-serif !important}")


def make_page():
    """The dashboard page (``solara run sim/dashboard/app.py``): a sidebar (language, run controls,
    scenario and levers) and two named tabs (map and zone figures; trajectories and fiscal)."""
    import solara
    from mesa.visualization.solara_viz import ModelController
    from mesa.visualization.utils import update_counter

    from ..outputs.plots import setup_font
    setup_font()
    first = DashboardEconomy()
    params = model_params()
    lang = solara.reactive("zh")
    css = font_css(first)
    # its own component: a slider's change re-renders the inputs only, not the page and its figures
    inputs = solara.component(Inputs)

    @solara.component
    def Page():
        model = solara.use_reactive(first)
        model_parameters = solara.use_reactive({k: v["value"] for k, v in params.items()})
        play, render, threads = solara.use_reactive(100), solara.use_reactive(1), solara.use_reactive(False)
        tab = solara.use_reactive(0)
        update_counter.get()  # Step / Play / Reset bump it: draw the page again
        lg = lang.value
        solara.Style(css)
        with solara.AppBar():
            solara.AppBarTitle(tr(lg, "title"))
        with solara.Sidebar(), solara.Column():
            with solara.Row():  # the language switch: labels change at once, the model stays
                for x in LANGS:
                    solara.Button(LANG_LABEL[x], on_click=lambda x=x: lang.set(x),
                                  outlined=x != lg, color="primary")
            with solara.Card(tr(lg, "controls")):
                ModelController(model, model_parameters=model_parameters, play_interval=play,
                                render_interval=render, use_threads=threads)
            with solara.Card(tr(lg, "params")):
                inputs(params, model_parameters, lg)
        m = model.value
        with solara.v.Tabs(v_model=tab.value, on_v_model=tab.set):
            solara.v.Tab(children=[tr(lg, "tab_main")])
            solara.v.Tab(children=[tr(lg, "tab_paths")])
        if tab.value == 0:
            with solara.Columns([3, 2]):
                MapView(m, lg)
                StatusView(m, lg)
        else:
            with solara.Columns([1, 1]):
                ZoneParksPlot(m, lg)
                ArrivalsPlot(m, lg)
            FiscalPlot(m, lg)

    return Page
