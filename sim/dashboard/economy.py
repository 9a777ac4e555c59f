"""Interactive dashboard (Mesa SolaraViz): a scenario, its demonstration-zone levers on sliders,
step / play / reset, the grid map and the zone's trajectories (``python run.py dashboard``).

This module: :class:`DashboardEconomy` — a :class:`sim.model.RegionalEconomy` built from keyword
parameters (scenario name, seed, zone park, the four lever values) so SolaraViz can (re)create it.
It needs no Solara and is tested in-process (tests/test_dashboard.py). The SolaraViz page is
:func:`sim.dashboard.page.make_page` (needs the ``dashboard`` extra: solara, ipyvuetify<2, ipyvue<2;
Mesa 3.3.1's SolaraViz breaks with ipyvuetify 3).

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

from ..errors import UserError
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


CITY_POLICIES = ("scenario", "fixed", "compete", "coordinate")  # "scenario": as the file says


def build_scenario(scenario: str = TEMPLATE, park: str = ALL_PARKS,
                   values: dict[str, float] | None = None, city_policy: str = "scenario") -> LoadedScenario:
    """The scenario ``scenarios/<scenario>.yaml`` with the dashboard's four lever values put in
    (module docstring) and, unless ``city_policy`` is ``scenario``, the city governments' behaviour
    (``city_policy.behaviour``: fixed, compete or coordinate, the scenario's other city_policy
    parameters kept); validated like any scenario. ``values`` default to :func:`default_values`."""
    if city_policy not in CITY_POLICIES:
        raise UserError("dashboard", "city_policy", city_policy, f"one of {', '.join(CITY_POLICIES)}")
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
    if city_policy != "scenario":
        cp = res.get("city_policy") or {}
        cp = {"behaviour": cp} if isinstance(cp, str) else dict(cp)
        res["city_policy"] = {**cp, "behaviour": city_policy}
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
    trajectories each step in ``history`` (from the same reporters as ``run.py``: sim/outputs/metrics.py).

    ``land_discount`` .. ``talent_subsidy`` default to jxn_transfer_zone's values (None = default).
    The model stops (``running = False``) at the scenario's horizon."""

    def __init__(self, scenario: str = TEMPLATE, seed: int | str | None = None, park: str = ALL_PARKS,
                 land_discount: float | None = None, interest_subsidy: float | None = None,
                 tax_rebate: float | None = None, talent_subsidy: float | None = None,
                 city_policy: str = "scenario") -> None:
        given = {"land_discount": land_discount, "interest_subsidy": interest_subsidy,
                 "tax_rebate": tax_rebate, "talent_subsidy": talent_subsidy}
        values = {k: (_default(k) if v is None else float(v)) for k, v in given.items()}
        loaded = build_scenario(scenario, park, values, city_policy)
        self.dash_city_policy = city_policy
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
                continue  # (project rows by investor origin are region rows: not summed here)
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
            elif lever and measure == "pivotal_arrivals" and place in cities:
                key = f"pivotal:{lever}"  # arrivals into the zone's cities this lever alone decided
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

    def quarter_label(self, lang: str = "en") -> str:
        """The period just simulated, e.g. ``2023Q4`` (``2022 base`` / ``2022 基期`` before the first
        step); its start is ``t``, the ``year`` of run.py's rows (docs/cli.md)."""
        if not self.step_count:
            from .i18n import tr
            return tr(lang, "base", y=f"{self.start:.0f}")
        y = math.floor(self.t + 1e-9)
        return f"{y}Q{round((self.t - y) * 4) + 1}"
