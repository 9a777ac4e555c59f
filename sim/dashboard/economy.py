"""Interactive dashboard (Mesa SolaraViz): a scenario, its demonstration-zone levers on sliders,
step / play / reset, the grid map and the zone's trajectories (``python run.py dashboard``).

Two parts:

* :class:`DashboardEconomy` — a :class:`sim.model.RegionalEconomy` built from keyword parameters
  (scenario name, seed, zone park, the four lever values) so SolaraViz can (re)create it. It needs
  no Solara and is tested in-process (tests/test_dashboard.py).
* :func:`make_page` — the SolaraViz page (needs the ``dashboard`` extra: solara, ipyvuetify<2,
  ipyvue<2; Mesa 3.3.1's SolaraViz breaks with ipyvuetify 3).

How the sliders reach the model
-------------------------------
The four sliders are the four levers of 吉西南承接产业转移示范区 in ``scenarios/jxn_transfer_zone.yaml``
(``jxn_land`` land_discount, ``jxn_interest`` interest_subsidy, ``jxn_tax`` tax_rebate,
``jxn_talent`` talent_subsidy). The scenario is loaded and validated as for ``run.py``, then each
lever's ``value`` is replaced before the model is built: every dated point where the scenario's
value is positive takes the slider's value (dates, duration ``years``, ``applies_to``, sector target
and budget cap stay the scenario's). A scenario without the lever (``baseline.yaml``, ...) gets
jxn_transfer_zone's lever with the slider's value; 0 means no lever. The values therefore sit in
the model's lever schedules (``lever_sched`` -> ``lever_val`` each period), so land payments, the
ledger, budget caps and the attribution of arrivals use them exactly as in a run.

Park: ``all`` sets the lever for every zone park (the scenario's target). One park id splits the
lever in two: ``<id>.<park>`` for that park with the slider's value, and ``<id>`` for the other
zone parks with the scenario's own value; a budget cap is split between them by capacity (ha).

SolaraViz in Mesa 3.3.1 builds a new model from the sidebar's values only on **Reset**
(``ModelCreator`` only stores them; ``ModelController.do_reset`` builds the model), so a changed
slider applies after Reset; the status card shows the values in force.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path

import numpy as np

from ..errors import CommandParser, UserError
from ..model import RegionalEconomy
from ..scenario import LoadedScenario, load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "scenarios"
TEMPLATE = "jxn_transfer_zone"
ZONE_CITIES = ("四平", "辽源", "通化")
ALL_PARKS = "all"

# slider (= model keyword) -> the template lever it drives, its label, unit and slider range
LEVERS: dict[str, dict] = {
    "land_discount": {"id": "jxn_land", "label": "land price discount", "unit": "share",
                      "min": 0.0, "max": 1.0, "step": 0.05},
    "interest_subsidy": {"id": "jxn_interest", "label": "interest subsidy",
                         "unit": "percentage points", "min": 0.0, "max": 5.0, "step": 0.1},
    "tax_rebate": {"id": "jxn_tax", "label": "income-tax rebate", "unit": "share",
                   "min": 0.0, "max": 1.0, "step": 0.05},
    "talent_subsidy": {"id": "jxn_talent", "label": "talent subsidy",
                       "unit": "yuan per person-year", "min": 0.0, "max": 40000.0, "step": 1000.0},
}
UNIT_SHORT = {"share": "share", "percentage points": "pp", "yuan per person-year": "yuan/person-year"}


def scenario_names() -> list[str]:
    """Scenario files offered by the dashboard: ``scenarios/*.yaml`` (stems)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=1)
def _template() -> dict[str, dict]:
    """The template levers by kind (resolved form of jxn_transfer_zone.yaml)."""
    loaded = load_scenario(SCENARIO_DIR / f"{TEMPLATE}.yaml")
    by_id = {lv["id"]: lv for lv in loaded.resolved["levers"]}
    return {kind: by_id[spec["id"]] for kind, spec in LEVERS.items()}


def _first_positive(value) -> float:
    if isinstance(value, dict):
        return next((float(v) for v in value.values() if float(v) > 0), 0.0)
    return float(value)


def default_values() -> dict[str, float]:
    """Slider defaults: jxn_transfer_zone's values (land 0.3, interest 1 pp, tax 0.4, talent 10000)."""
    return {kind: _first_positive(lv["value"]) for kind, lv in _template().items()}


def zone_parks() -> list[str]:
    """Park ids of the 吉西南 zone (parks of 四平, 辽源, 通化 in scenarios/data/parks.csv)."""
    return [r["id"] for r in _data(str(SCENARIO_DIR / "data")).parks.rows if r["city"] in ZONE_CITIES]


@functools.lru_cache(maxsize=4)
def _data(data_dir: str):
    from ..data import load_data
    return load_data(Path(data_dir))


def _with_value(value, v: float):
    """The schedule ``value`` with every positive point set to ``v`` (zeros and dates kept)."""
    if isinstance(value, dict):
        return {k: (float(v) if float(x) > 0 else 0.0) for k, x in value.items()}
    return float(v)


def _scaled(budget, share: float):
    if budget is None:
        return None
    if isinstance(budget, dict):
        return {k: float(x) * share for k, x in budget.items()}
    return float(budget) * share


def _parks_reached(lever: dict, parks: dict[str, dict], where: str) -> list[str]:
    """Park ids a park-only lever reaches (its cities' parks and its parks)."""
    t = lever.get("target") or {}
    if t.get("cities") and not t.get("parks_only"):
        raise UserError(where, f"levers.{lever['id']}.target", "parks_only: false",
                        "a lever on parks only to set it for one park (choose park 'all')")
    if not t.get("cities") and not t.get("parks"):
        return [p for p, r in parks.items() if r["city"] in ZONE_CITIES]
    out = [p for p, r in parks.items() if r["city"] in t.get("cities", [])]
    return out + [p for p in t.get("parks", []) if p not in out]


def build_scenario(scenario: str = TEMPLATE, park: str = ALL_PARKS,
                   values: dict[str, float] | None = None) -> LoadedScenario:
    """The scenario ``scenarios/<scenario>.yaml`` with the dashboard's four lever values put in
    (module docstring); validated like any scenario. ``values`` default to :func:`default_values`."""
    names = scenario_names()
    if scenario not in names:
        raise UserError("dashboard", "scenario", scenario, f"one of {', '.join(names)}")
    vals = {**default_values(), **(values or {})}
    path = SCENARIO_DIR / f"{scenario}.yaml"
    base = load_scenario(path)
    res = copy.deepcopy(base.resolved)
    levers: list[dict] = res["levers"]
    data = _data(str(base.data_dir))
    parks = {r["id"]: {"city": r["city"], "capacity": r["capacity_ha"]} for r in data.parks.rows}
    for npk in res.get("new_parks", []):
        parks[npk["id"]] = {"city": npk["city"], "capacity": npk["capacity_ha"]}
    zone = [p for p, r in parks.items() if r["city"] in ZONE_CITIES]
    if park != ALL_PARKS and park not in zone:
        raise UserError("dashboard", "park", park, f"'{ALL_PARKS}' or a zone park ({', '.join(zone)})")
    tmpl = _template()
    for kind, spec in LEVERS.items():
        v = float(vals[kind])
        if not spec["min"] <= v <= spec["max"] or not math.isfinite(v):
            raise UserError("dashboard", kind, v, f"a number from {spec['min']:g} to {spec['max']:g} "
                                                  f"({spec['unit']})")
        at = next((i for i, lv in enumerate(levers) if lv["id"] == spec["id"]), None)
        own = copy.deepcopy(levers[at] if at is not None else tmpl[kind])
        if own["kind"] != kind:
            raise UserError(str(path), f"levers.{spec['id']}.kind", own["kind"], kind)
        if park == ALL_PARKS:
            own["value"] = _with_value(own["value"], v)
            if at is None:
                levers.append(own)
            else:
                levers[at] = own
            continue
        reached = _parks_reached(own, parks, str(path))
        cap = {p: parks[p]["capacity"] for p in reached + [park]}
        share = cap[park] / sum(cap.values())
        one = copy.deepcopy(own)
        one.update(id=f"{spec['id']}.{park}", value=_with_value(own["value"], v),
                   budget_wan_per_year=_scaled(own.get("budget_wan_per_year"), share),
                   target={**own["target"], "cities": [], "parks": [park], "parks_only": True})
        one["label"] = f"{own.get('label', '')} ({park}, dashboard)"
        rest_parks = [p for p in reached if p != park]
        if at is not None:  # the scenario's lever keeps the other parks, at its own value
            if rest_parks:
                levers[at] = {**own, "budget_wan_per_year": _scaled(own.get("budget_wan_per_year"),
                                                                    1 - share),
                              "target": {**own["target"], "cities": [], "parks": rest_parks,
                                         "parks_only": True}}
            else:
                levers.pop(at)
        levers.append(one)
    return validate_scenario(res, src=str(path), path=base.path, files=base.files)


def _seed(seed) -> int | None:
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    try:
        s = int(str(seed).strip())
    except ValueError:
        raise UserError("dashboard", "seed", seed, "a non-negative integer (empty: the scenario's)") from None
    if s < 0:
        raise UserError("dashboard", "seed", seed, "a non-negative integer (empty: the scenario's)")
    return s


_DEFAULTS = None


def _default(kind: str) -> float:
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = default_values()
    return _DEFAULTS[kind]


class DashboardEconomy(RegionalEconomy):
    """RegionalEconomy from keyword parameters (SolaraViz's ``model_params``), recording the zone's
    trajectories each step in ``history`` (from the same reporters as ``run.py``: sim/metrics.py).

    ``land_discount`` .. ``talent_subsidy`` default to jxn_transfer_zone's values (None = default).
    The model stops (``running = False``) at the scenario's horizon."""

    def __init__(self, scenario: str = TEMPLATE, seed: int | str | None = None, park: str = ALL_PARKS,
                 land_discount: float | None = None, interest_subsidy: float | None = None,
                 tax_rebate: float | None = None, talent_subsidy: float | None = None) -> None:
        given = {"land_discount": land_discount, "interest_subsidy": interest_subsidy,
                 "tax_rebate": tax_rebate, "talent_subsidy": talent_subsidy}
        values = {k: (_default(k) if v is None else float(v)) for k, v in given.items()}
        loaded = build_scenario(scenario, park, values)
        super().__init__(loaded, seed=_seed(seed))
        self.dash_scenario, self.dash_park, self.dash_values = scenario, park, values
        # the lever each slider drives (its id in the model) and the zone's parks
        self.dash_lever = {k: LEVERS[k]["id"] if park == ALL_PARKS else f"{LEVERS[k]['id']}.{park}"
                           for k in LEVERS}
        P = self.n_parks
        self.zone_park_ids = [self.site_ids[k] for k in range(P) if self.park_rows[k]["city"] in ZONE_CITIES]
        self.is_zone_park = np.array([self.park_rows[k]["city"] in ZONE_CITIES for k in range(P)])
        self.park_arrivals_cum = np.zeros(P)   # firms arrived at each park since the base year
        self.park_output = np.zeros(P)         # 亿元/year, this period
        self.history: dict[str, list[float]] = {}
        self._record()
        # this model creates no agents after construction: release it from Mesa's Agent._ids
        # now, or every Reset would keep the old model alive
        self.release()

    def step(self) -> None:
        if self.step_count >= self.n_steps:
            self.running = False
            return
        super().step()
        self._record()
        if self.step_count >= self.n_steps:
            self.running = False

    # ------------------------------------------------------------------ what the page shows
    def _record(self) -> None:
        """Append this period's zone figures to ``history`` (one value per key per period)."""
        from ..outputs.metrics import Recorder
        rec = Recorder()
        rec.collect(self)
        cols = rec.cols
        zone = set(self.zone_park_ids)
        cities = set(ZONE_CITIES)
        picked = self.dash_park
        sums: dict[str, float] = {}
        for place, measure, value, sector, origin, lever in zip(
                cols["place"], cols["measure"], cols["value"], cols["sector"], cols["origin"], cols["lever"]):
            if sector or origin:
                continue
            key = None
            if place in zone and not lever and measure in ("firms", "industrial_output", "jobs",
                                                            "arrivals", "induced_arrivals"):
                key = f"zone_{measure}"
                if place == picked:
                    sums[f"park_{measure}"] = sums.get(f"park_{measure}", 0.0) + value
            elif place in cities and not lever and measure in ("fiscal_spending", "fiscal_revenue"):
                key = f"zone_{measure}"
            elif lever and measure == "lever_spending" and place in cities:
                key = f"spending:{lever}"
            elif lever and measure == "lever_value" and place == "region":
                key = f"value:{lever}"
            if key is not None:
                sums[key] = sums.get(key, 0.0) + value
        h = self.history
        h.setdefault("year", []).append(self.t if self.step_count else float(self.start))
        for k, v in sums.items():
            h.setdefault(k, []).append(v)
        P = self.n_parks
        alive = self.alive
        out = np.bincount(self.site[alive], weights=self.output[alive], minlength=self.R)
        self.park_output = out[:P].copy()
        if self.step_count:
            self.park_arrivals_cum += self.arrivals[:P]

    def lever_in_force(self, kind: str) -> float:
        """The value in force this period of the lever the ``kind`` slider drives."""
        return float(self.lever_val[self.lever_ids.index(self.dash_lever[kind])])

    def cumulative(self, key: str) -> float:
        """Sum of a per-period history series since the base year (0 if never recorded)."""
        return float(np.sum(self.history.get(key, [0.0])[1:]))

    def quarter_label(self) -> str:
        """The period just simulated, e.g. ``2023Q4`` (``2022 base`` before the first step); its
        start is ``t``, the ``year`` of run.py's rows (docs/cli.md)."""
        if not self.step_count:
            return f"{self.start:.0f} base"
        y = math.floor(self.t + 1e-9)
        return f"{y}Q{round((self.t - y) * 4) + 1}"


# ---------------------------------------------------------------------- the SolaraViz page
# Everything below needs the ``dashboard`` extra (solara, ipyvuetify<2, ipyvue<2, mesa[rec]).

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

    from ..model import Park
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
    ax.set_xlabel(f"grid column (0.1° longitude east of {gs.lon0:.1f}°E)")
    ax.set_ylabel(f"grid row (0.1° latitude north of {gs.lat0:.1f}°N)")
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


# ---------------------------------------------------------------------- the command
APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8765  # solara's own default


def missing_packages() -> list[str]:
    """The dashboard extra's packages that cannot be imported here (empty: all there)."""
    import importlib.util
    out = [name for name in ("solara", "ipyvuetify", "ipyvue", "altair", "networkx")
           if importlib.util.find_spec(name) is None]
    if not out:
        import ipyvuetify
        if int(ipyvuetify.__version__.split(".")[0]) >= 2:
            out.append(f"ipyvuetify<2 (found {ipyvuetify.__version__}; Mesa 3.3.1's SolaraViz "
                       "needs 1.x)")
    return out


def cmd_dashboard(argv: list[str]) -> int:
    """``run.py dashboard [--port N] [--host H]``: serve the dashboard with ``solara run`` until
    Ctrl-C. The URL is printed on stdout (its last line); solara's log goes to stderr."""
    import signal
    import socket
    import subprocess
    import sys

    p = CommandParser(prog="run.py dashboard", description="Serve the interactive dashboard (SolaraViz).")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    args = p.parse_args(argv)  # user errors and --help: run.main
    if not 1 <= args.port <= 65535:
        raise UserError("dashboard", "--port", args.port, "a port number from 1 to 65535")
    missing = missing_packages()
    if missing:
        raise UserError("dashboard", message=(
            f"dashboard: missing {', '.join(missing)}; install the extra: "
            "pip install -e '.[dashboard]' (make dashboard and make test do)"))
    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as s:
            s.bind((args.host, args.port))
    except OSError as exc:
        raise UserError("dashboard", "--host/--port", f"{args.host}:{args.port}",
                        f"a free port on an address of this machine ({exc.strerror})") from None
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", args.host,
           "--port", str(args.port), "--no-open"]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print("dashboard: starting solara (Ctrl-C stops it); open the URL below", file=sys.stderr)
    print(f"http://{host}:{args.port}/", flush=True)
    proc = subprocess.Popen(cmd, stdout=sys.stderr, cwd=str(ROOT))

    def _stop(signum, frame):  # a kill of this process stops the server too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
