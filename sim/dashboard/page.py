"""The SolaraViz page of the dashboard: the grid map (parks sized by industrial output, coloured by
arrivals), the status card (levers and zone figures) and the zone's trajectories, over a
:class:`sim.dashboard.economy.DashboardEconomy`. Needs the ``dashboard`` extra (solara,
ipyvuetify<2, ipyvue<2, mesa[rec]); every import of it is inside a function."""

from __future__ import annotations

import math

from .economy import (
    ALL_PARKS,
    LEVERS,
    TEMPLATE,
    UNIT_SHORT,
    DashboardEconomy,
    default_values,
    scenario_names,
    zone_parks,
)

ZONE_LABEL = "吉西南示范区"  # the zone's parks (四平, 辽源, 通化)


def _rgba(c, alpha: float | None = None) -> tuple:
    from matplotlib.colors import to_rgba
    return to_rgba(c, alpha)


def portray(agent):
    """Map style: parks sized by industrial output (亿元/year), coloured by arrivals since 2022;
    zone parks with a black edge; cities as grey squares.

    Every agent has zorder 1: Mesa 3.3.1's ``_scatter`` selects layers with
    ``z_order == zorder & mask_marker`` (``&`` binds first), which drops agents whose zorder is
    even and draws odd ones as 1."""
    from matplotlib import colormaps
    from mesa.visualization.components import AgentPortrayalStyle

    from ..agents.places import Park
    m = agent.model
    if isinstance(agent, Park):
        k = agent.site
        top = max(float(m.park_output.max()), 1e-9)
        share = float(m.park_arrivals_cum[k]) / max(float(m.park_arrivals_cum.max()), 1.0)
        zone = bool(m.is_zone_park[k])
        return AgentPortrayalStyle(
            color=_rgba(colormaps["plasma_r"](0.05 + 0.9 * share)), marker="o",
            size=15 + 600 * math.sqrt(max(float(m.park_output[k]), 0.0) / top), zorder=1, alpha=0.8,
            edgecolors=_rgba("black" if zone else "white"), linewidths=1.6 if zone else 0.5)
    return AgentPortrayalStyle(color=_rgba("lightgray"), marker="s", size=40, zorder=1, alpha=1.0,
                               edgecolors=_rgba("dimgray"), linewidths=0.8)


def _decorate_map(ax, model) -> None:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    top = max(float(model.park_arrivals_cum.max()), 1.0)
    sm = ScalarMappable(norm=Normalize(0, top / 0.95), cmap=colormaps["plasma_r"])
    ax.figure.colorbar(sm, ax=ax, shrink=0.8, label=f"arrivals since {model.start:.0f} (firms)")
    for c in model.cities:
        x, y = c.cell.coordinate
        ax.annotate(c.name, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
    gs = model.gridspec
    ax.set_title(f"Parks 园区, {model.quarter_label()}\nsize ∝ industrial output (亿元/year), "
                 f"colour = arrivals since {model.start:.0f}", fontsize=9)
    ax.set_xlabel(f"grid column ({gs.dlon:g}° longitude east of {gs.lon0:g}°E)")
    ax.set_ylabel(f"grid row ({gs.dlat:g}° latitude north of {gs.lat0:g}°N)")
    top_out = float(model.park_output.max())
    # a marker of area 15 + 150 stands for a quarter of the largest park's output (sizes ∝ sqrt)
    handles = [
        Line2D([], [], ls="", marker="s", color="lightgray", markeredgecolor="dimgray", label="city 城市"),
        Line2D([], [], ls="", marker="o", color="white", markeredgecolor="black", markeredgewidth=1.6,
               label=f"{ZONE_LABEL} park"),
        Line2D([], [], ls="", marker="o", color="white", markeredgecolor="gray", label="other park"),
        Line2D([], [], ls="", marker="o", color="gray", alpha=0.5,
               markersize=math.sqrt(15 + 150), label=f"{top_out / 4:.0f} 亿元/year"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.8)
    ax.set_aspect("equal")


def _figure(model, title: str, ylabel: str):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 3.6), dpi=90)
    ax = fig.subplots()
    ax.set_xlim(model.start, model.start + (model.n_steps + 1) * model.dt)  # the whole horizon
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("year (quarter start)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def _show(fig) -> None:
    import solara
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")


def _park_name(model) -> str:
    return "" if model.dash_park == ALL_PARKS else model.dash_park


def ZoneParksPlot(model):
    """Firms and industrial output of the zone's parks (and of the chosen park)."""
    h = model.history
    fig, ax = _figure(model, f"{ZONE_LABEL} parks: firms and industrial output", "firms (count)")
    ax.plot(h["year"], h["zone_firms"], color="tab:blue", label="firms, zone parks")
    ax2 = ax.twinx()
    ax2.plot(h["year"], h["zone_industrial_output"], color="tab:red", label="output, zone parks")
    if "park_industrial_output" in h:
        ax2.plot(h["year"], h["park_industrial_output"], color="tab:red", ls="--",
                 label=f"output, {_park_name(model)}")
    ax2.set_ylabel("industrial output (亿元/year)")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="best", framealpha=0.7)
    _show(fig)


def _flows(model, key: str) -> tuple[list[float], list[float]]:
    """A per-quarter flow from the first simulated quarter on (the base row holds no flow)."""
    return model.history["year"][1:], model.history.get(key, [])[1:]


def ArrivalsPlot(model):
    """Arrivals into the zone's parks per quarter, induced by the levers or not (attribution)."""
    fig, ax = _figure(model, f"Arrivals into {ZONE_LABEL} parks", "arrivals (firms/quarter)")
    ax.plot(*_flows(model, "zone_arrivals"), color="tab:green", label="all arrivals")
    ax.plot(*_flows(model, "zone_induced_arrivals"), color="tab:purple", label="induced by levers")
    if "park_arrivals" in model.history:
        ax.plot(*_flows(model, "park_arrivals"), color="tab:green", ls="--",
                label=f"all arrivals, {_park_name(model)}")
    ax.legend(fontsize=8, loc="best", framealpha=0.7)
    _show(fig)


def FiscalPlot(model):
    """Zone cities' revenue (left axis) and lever spending (right axis) per quarter."""
    fig, ax = _figure(model, "Fiscal: 四平 + 辽源 + 通化", "revenue (亿元/quarter)")
    ax.plot(*_flows(model, "zone_fiscal_revenue"), color="black", label="revenue (local taxes)")
    ax2 = ax.twinx()
    ax2.plot(*_flows(model, "zone_fiscal_spending"), color="tab:red", lw=2, label="all levers' spending")
    for kind, lid in model.dash_lever.items():
        ax2.plot(*_flows(model, f"spending:{lid}"), lw=1, label=LEVERS[kind]["label"])
    ax2.set_ylabel("lever spending (亿元/quarter)")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=7, loc="best", ncol=2, framealpha=0.7)
    _show(fig)


def MapView(model):
    """The grid map: Mesa's matplotlib space component over the model's OrthogonalMooreGrid."""
    from mesa.visualization.components.matplotlib_components import SpaceMatplotlib
    return SpaceMatplotlib(model, portray, None, post_process=lambda ax: _decorate_map(ax, model),
                           draw_grid=False)


def status_html(model) -> str:
    """The status card: the lever values in force and the zone's figures, each cell tagged with
    ``data-testid`` (the browser test reads them)."""
    def cell(tid: str, text: str) -> str:
        return f'<td data-testid="{tid}" style="text-align:right;padding:0 6px">{text}</td>'
    rows = []
    for kind, spec in LEVERS.items():
        lid = model.dash_lever[kind]
        rows.append(f"<tr><td>{spec['label']}</td>"
                    + cell(f"set-{kind}", f"{model.dash_values[kind]:g}")
                    + cell(f"in-force-{kind}", f"{model.lever_in_force(kind):g}")
                    + f"<td>{UNIT_SHORT[spec['unit']]}</td>"
                    + cell(f"spent-{kind}", f"{model.cumulative('spending:' + lid):.4f}") + "</tr>")
    h = model.history
    where = "all zone parks" if model.dash_park == ALL_PARKS else model.dash_park
    figures = [
        ("period", "period", model.quarter_label(), ""),
        ("firms", "firms in zone parks", f"{h['zone_firms'][-1]:.0f}", "firms"),
        ("output", "industrial output, zone parks", f"{h['zone_industrial_output'][-1]:.2f}",
         "100M yuan/year"),
        ("arrivals-cum", "arrivals since base, zone parks", f"{model.cumulative('zone_arrivals'):.0f}",
         "firms"),
        ("induced-cum", "of which induced", f"{model.cumulative('zone_induced_arrivals'):.0f}", "firms"),
        ("spending-cum", "lever spending since base, zone cities",
         f"{model.cumulative('zone_fiscal_spending'):.4f}", "100M yuan"),
    ]
    fig_rows = "".join(f"<tr><td>{label}</td>{cell(tid, val)}<td>{unit}</td></tr>"
                       for tid, label, val, unit in figures)
    return (f"<div style='font-size:13px'><b>{model.dash_scenario}</b>, seed {model.seed_value}, "
            f"levers set for: <b>{where}</b><br>"
            "<table><tr><th>lever</th><th>slider</th><th>in force now</th><th>unit</th>"
            "<th>spent since base (100M yuan)</th></tr>" + "".join(rows) + "</table>"
            "<table style='margin-top:6px'>" + fig_rows + "</table>"
            "<p style='color:#555;margin-top:6px'>Sliders, scenario, seed and park apply on "
            "<b>Reset</b>. Levers start on the scenario's dates (land, interest, tax 2023-09; "
            f"talent 2024). Full firm scale: {len(model.firm_id)} model firms. "
            "Zone: the parks of Siping, Liaoyuan, Tonghua.</p></div>")


def StatusView(model):
    import solara
    with solara.Card("Levers and zone figures"):
        solara.HTML(tag="div", unsafe_innerHTML=status_html(model))


def model_params() -> dict:
    """SolaraViz ``model_params``: scenario and park Selects, seed, one slider per lever."""
    from mesa.visualization import Slider
    defaults = default_values()
    params = {
        "scenario": {"type": "Select", "value": TEMPLATE, "values": scenario_names(),
                     "label": "scenario (scenarios/*.yaml)"},
        "seed": {"type": "InputText", "value": "", "label": "seed (empty: the scenario's)"},
        "park": {"type": "Select", "value": ALL_PARKS, "values": [ALL_PARKS, *zone_parks()],
                 "label": "levers set for (zone park)"},
    }
    for kind, spec in LEVERS.items():
        params[kind] = Slider(f"{spec['label']} ({UNIT_SHORT[spec['unit']]})", defaults[kind],
                              spec["min"], spec["max"], spec["step"])
    return params


def make_page():
    """The SolaraViz page (``solara run sim/dashboard/app.py``)."""
    from mesa.visualization import SolaraViz

    from ..outputs.plots import setup_font
    setup_font()
    model = DashboardEconomy()
    return SolaraViz(model, components=[MapView, StatusView, ZoneParksPlot, ArrivalsPlot, FiscalPlot],
                     model_params=model_params(), name="Jixinan zone (JXN) industry-transfer dashboard")
