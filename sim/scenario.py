"""Scenario files: YAML -> validated, immutable :class:`Scenario`.

A scenario is data, not code. Features (PolicyEngine-style parameters, PyPSA-style validation):

* ``extends: other.yaml`` inheritance (paths relative to the file; cycles are an error);
* dated schedules: a number, or a mapping ``{2024: 0.3, "2026-07": 0.5}`` (value from that date on);
* ``--set dotted.key=value`` overrides from the command line (values parsed as YAML scalars);
* unknown keys, wrong types and out-of-range values give a one-line :class:`ScenarioError` naming the
  file, the key, the value and what was expected.

Units are part of the field names' documentation below: 亿元 (1e8 yuan), 万人 (1e4 persons),
yuan/m², ha, shares in [0, 1], rates per year.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ScenarioError
from .policy.levers import Anchor, Lever, NewPark, ScenarioTarget

# --------------------------------------------------------------------------------------------
# YAML loading: safe loader, duplicate keys are an error
# --------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"unhashable key {key!r}", key_node.start_mark) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_mapping(path: Path, what: str = "scenario") -> dict:
    """Read a YAML file that must hold a mapping; every failure is a one-line :class:`ScenarioError`."""
    if not path.exists():
        raise ScenarioError(str(path), message=f"{path}: {what} file not found; expected an existing YAML {what} file")
    if path.is_dir():
        raise ScenarioError(str(path), message=f"{path}: is a folder; expected a {what} YAML file")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ScenarioError(str(path), message=f"{path}: binary file; expected a UTF-8 YAML {what} file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), message=(
            f"{path}: not UTF-8 (byte {exc.start}); expected a UTF-8 YAML {what} file")) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), message=f"{path}: invalid YAML{where}: {problem}; expected a YAML mapping of {what} keys") from None
    if data is None:
        raise ScenarioError(str(path), message=f"{path}: empty file; expected a YAML mapping of {what} keys")
    if not isinstance(data, dict):
        raise ScenarioError(str(path), message=(
            f"{path}: top level is a {type(data).__name__}; expected a mapping of {what} keys"))
    return data


# --------------------------------------------------------------------------------------------
# Dated schedules
# --------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$|^(\d{4})Q([1-4])$")


def parse_date(key: Any) -> float:
    """``2024`` -> 2024.0, ``"2026-07"`` -> 2026.5, ``"2025Q2"`` -> 2025.25 (decimal years)."""
    if isinstance(key, bool):
        raise ValueError(f"{key!r} is not a date")
    if isinstance(key, int):
        if not -10**6 < key < 10**6:  # float() of a huge int overflows
            raise ValueError(f"{key!r} is not a date")
        return float(key)
    if isinstance(key, float) and key.is_integer():
        return float(key)
    m = _DATE_RE.match(str(key).strip())
    if not m:
        raise ValueError(f"{key!r} is not a date")
    if m.group(1):
        year = int(m.group(1))
        month = int(m.group(2) or 1)
        if not 1 <= month <= 12:
            raise ValueError(f"{key!r} has month {month}")
        return year + (month - 1) / 12.0
    return int(m.group(3)) + (int(m.group(4)) - 1) / 4.0


@dataclass(frozen=True)
class Schedule:
    """A value that changes on dates: ``points`` are (decimal year, value), sorted.

    ``at(t)`` returns the value of the last point at or before ``t``, or ``before`` if none.
    """

    points: tuple[tuple[float, float], ...]
    before: float = 0.0

    def at(self, t: float) -> float:
        value = self.before
        for date, v in self.points:
            if date <= t + 1e-9:
                value = v
            else:
                break
        return value

    @classmethod
    def constant(cls, value: float) -> Schedule:
        return cls(points=((-math.inf, float(value)),), before=float(value))


def parse_schedule(value: Any, before: float = 0.0) -> Schedule:
    if isinstance(value, bool):
        raise ValueError("a number or a mapping of dates to numbers")
    if isinstance(value, (int, float)):
        return Schedule.constant(float(value))
    if isinstance(value, dict):
        pts = []
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"value at {k!r} must be a number")
            pts.append((parse_date(k), float(v)))
        pts.sort()
        return Schedule(points=tuple(pts), before=before)
    raise ValueError("a number or a mapping of dates to numbers")


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


def _finite(v: float) -> float:
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("a finite number")
    return v


class Horizon(_Strict):
    start: int = Field(2022, ge=1990, le=2100, description="base year (calibrated state)")
    end: int = Field(2035, ge=1991, le=2100, description="last year simulated (inclusive)")
    steps_per_year: int = Field(4, ge=1, le=12, description="steps per year (4 = quarterly)")


class Firms(_Strict):
    scale: float = Field(1.0, gt=0, le=10,
                         description="multiplier on the number of model firms (1 = one firm per "
                                     "typical establishment of the sector's mean size)")
    min_per_cell: int = Field(1, ge=0, le=100,
                              description="minimum firms in a city-sector with positive output")
    pareto_tail: float = Field(1.06, gt=0.5, le=3.0,
                               description="tail exponent of initial firm sizes (Axtell 2001: 1.06)")
    size_ratio_max: float = Field(2000.0, gt=1, le=1e6, description="largest / smallest initial firm size")


# nested-logit dissimilarity (docs/validation.md §3, docs/decisions.md): an assumption calibrated
# to the between-parks tax elasticity band: the largest of λ ∈ {1, 0.7, 0.5, 0.4, 0.3} inside it
NEST_LAMBDA = 0.4


class Parameters(_Strict):
    """Behavioural and accounting parameters (units in the descriptions)."""

    beta: float = Field(4.0, gt=0, le=1e4,
                        description="logit intensity on profit in units of the sector's mean profit")
    revision_scale: float = Field(1.0, ge=0, le=50,
                                  description="multiplier on the sectors' revision rates")
    cost_pressure_revision: float = Field(2.0, ge=0, le=50,
                                          description="elasticity of the revision rate to the rise "
                                                      "of home unit costs since the base year")
    relocation_cost_fixed: float = Field(1.5, ge=0, le=100,
                                         description="cost of moving, in years of operating profit")
    relocation_cost_per_1000km: float = Field(0.5, ge=0, le=100,
                                              description="extra moving cost per 1000 km")
    relocation_cost_within_city_share: float = Field(
        NEST_LAMBDA, ge=0, le=1,
        description="fixed moving cost of a move inside one city (e.g. into its park: 退城入园) as "
                    "a share of relocation_cost_fixed (workforce and suppliers stay; assumption, "
                    "range 0.2-1; the default equals nest_lambda, so that inside a city the "
                    "nested logit weighs staying against moving as the plain logit did)")
    leading_sector_bonus: float = Field(0.5, ge=0, le=20,
                                        description="utility bonus of a park for its leading sectors")
    land_rent_rate: float = Field(0.05, ge=0, le=1,
                                  description="annual cost of land as a share of its price")
    interest_rate: float = Field(0.045, ge=0, le=1, description="annual interest on capital")
    cit_rate: float = Field(0.25, ge=0, lt=1, description="corporate income tax rate")
    vat_rate: float = Field(0.13, ge=0, lt=1, description="VAT rate on value added")
    local_vat_share: float = Field(0.5, ge=0, le=1, description="local share of VAT")
    local_cit_share: float = Field(0.4, ge=0, le=1, description="local share of income tax")
    exit_rate: float = Field(0.03, ge=0, lt=1, description="annual exit hazard of a firm")
    gibrat_sd: float = Field(0.12, ge=0, le=2, description="annual s.d. of log firm growth")
    wage_elasticity: float = Field(0.3, ge=0, le=5,
                                   description="elasticity of wages to labour demand over supply")
    migration_per_job: float = Field(1.2, ge=0, le=10,
                                     description="residents (incl. dependants) per extra job")
    land_price_elasticity: float = Field(0.3, ge=0, le=5,
                                         description="elasticity of park land price to scarcity")
    local_multiplier: float = Field(0.3, ge=0, le=5,
                                    description="induced local services per yuan of extra VA")
    internal_travel_minutes: float = Field(30.0, gt=0, le=600,
                                           description="travel time inside a place (phi = 1)")
    rail_access_minutes: float = Field(30.0, ge=0, le=600,
                                       description="access/egress time added to rail trips")
    phi: float | None = Field(None, gt=0, le=1,
                              description="theory cases: one freeness for all pairs of places")
    planning_years: float = Field(10.0, gt=0, le=100,
                                  description="horizon over which a firm values time-limited "
                                              "benefits and one-off grants (years)")
    guarantee_spread: float = Field(1.5, ge=0, le=20,
                                    description="loan guarantee: interest saved on guaranteed "
                                                "capital (percentage points)")
    guarantee_loss_rate: float = Field(0.01, ge=0, le=1,
                                       description="loan guarantee: expected annual loss per "
                                                   "yuan guaranteed (public cost)")

    external_crowding: float = Field(1.0, ge=0, le=100,
                                     description="non-modelled producers X_q as a multiple of "
                                                 "market income E_q (theory cases: 0)")
    gibrat_shock: Literal["normal", "laplace"] = Field(
        "laplace", description="distribution of log growth shocks (laplace: tent-shaped, "
                               "Stanley et al. 1996; normal: log-normal Gibrat)")
    gibrat_size_elasticity: float = Field(0.2, ge=0, le=1,
                                          description="growth s.d. falls with size as size^-b "
                                                      "(Amaral et al. 1997: b about 0.15-0.2)")
    nest_lambda: float = Field(NEST_LAMBDA, gt=0, le=1,
                               description="nested-logit dissimilarity of the site choice: a "
                                           "city's parks and outside site form a nest (1 = plain "
                                           "logit; assumption, plausible range 0.3-0.7)")

    @field_validator("*")
    @classmethod
    def _finite_numbers(cls, v: float | None) -> float | None:
        return _finite(v) if v is not None else v


class Trends(_Strict):
    """Exogenous annual growth rates. Keys are place ids; ``default`` applies elsewhere.

    A value is a rate (``0.05``) or a dated schedule (``{2022: 0.05, "2026-07": 0.03}``); before a
    schedule's first date, and for places not named, the rates in the data files apply
    (``gdp_trend_growth`` etc.).
    """

    income_growth: dict[str, float | dict[str | int, float]] = Field(default_factory=dict)
    wage_growth: dict[str, float | dict[str | int, float]] = Field(default_factory=dict)
    land_price_growth: dict[str, float | dict[str | int, float]] = Field(default_factory=dict)
    population_growth: dict[str, float | dict[str | int, float]] = Field(default_factory=dict)

    @field_validator("*")
    @classmethod
    def _rates(cls, v: dict) -> dict:
        for k, x in v.items():
            try:
                sched = parse_schedule(x)
            except ValueError as exc:
                raise ValueError(f"{k}: {exc}") from None
            for _, r in sched.points:
                if not math.isfinite(r) or not -0.5 <= r <= 0.5:
                    raise ValueError(f"{k}: an annual growth rate between -0.5 and 0.5")
        return v

    def schedule(self, which: str, place: str, data_rate: float) -> Schedule:
        table = getattr(self, which)
        value = table.get(place, table.get("default"))
        return Schedule.constant(data_rate) if value is None else parse_schedule(value, before=data_rate)


class Switches(_Strict):
    """Theory switches (MODEL.md §3). Policy scenarios leave them all on."""

    heterogeneity: bool = True
    entry_exit: bool = True
    growth: bool = True
    location_constants: bool = True
    relocation_costs: bool = True
    endogenous_income: bool = True
    owners_spend_at_site: bool = False
    cost_of_living: bool = False  # owners compare profits deflated by the site's price index (FE)
    labour_market: bool = True
    calendar: bool = True


class Scenario(_Strict):
    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[\w\-\.]+$")
    description: str = ""
    extends: str | None = None
    data_dir: str = "data"
    seed: int = Field(20230228, ge=0, le=2**63 - 1)
    horizon: Horizon = Horizon()
    firms: Firms = Firms()
    parameters: Parameters = Parameters()
    trends: Trends = Trends()
    switches: Switches = Switches()
    transport_projects: list[str] = Field(default_factory=list,
                                          description="ids from data/projects.csv to build")
    levers: list[Lever] = Field(default_factory=list, description="policy levers (sim/levers.py)")
    new_parks: list[NewPark] = Field(default_factory=list, description="parks the scenario builds")
    anchors: list[Anchor] = Field(default_factory=list, description="anchor projects")
    targets: list[ScenarioTarget] = Field(default_factory=list, description="plan targets")

    @field_validator("levers", "new_parks", "anchors", "targets")
    @classmethod
    def _unique_ids(cls, v: list) -> list:
        seen = set()
        for item in v:
            if item.id in seen:
                raise ValueError(f"unique ids (duplicate id {item.id!r})")
            seen.add(item.id)
        return v

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, h: Horizon) -> Horizon:
        if h.end <= h.start:
            raise ValueError(f"end {h.end} must be after start {h.start}")
        return h


# --------------------------------------------------------------------------------------------
# Loading: extends, overrides, validation
# --------------------------------------------------------------------------------------------


ID_LISTS = ("levers", "new_parks", "anchors", "targets")


def _merge_by_id(base: list, over: list) -> list:
    """Lists of entries with ``id``: an entry with a parent's id is merged into it, new ids are
    appended; so a child scenario changes a few levers without repeating the others."""
    out = copy.deepcopy(base)
    index = {e.get("id"): i for i, e in enumerate(out) if isinstance(e, dict)}
    for e in over:
        i = index.get(e.get("id")) if isinstance(e, dict) else None
        if i is None:
            out.append(copy.deepcopy(e))
        else:
            out[i] = {**out[i], **copy.deepcopy(e)}  # keys the child names replace the parent's
    return out


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        elif k in ID_LISTS and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_by_id(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


SCENARIOS_ROOT = Path(os.path.normpath(Path(__file__).resolve().parent.parent / "scenarios"))


def _lexical(p: Path) -> Path:
    """Absolute path with ``..`` removed, symlinks not followed (what the file's text says)."""
    return Path(os.path.normpath(os.path.abspath(p)))


def allowed_roots(top: str | Path) -> tuple[Path, ...]:
    """Folders a scenario file may point into with ``extends`` and ``data_dir``: the folder tree of
    the scenario file given on the command line and the project's ``scenarios/`` (docs/decisions.md)."""
    top = Path(top)
    roots = [_lexical(top).parent, SCENARIOS_ROOT]
    if top.exists():
        roots.append(top.resolve().parent)
    return tuple(dict.fromkeys(roots))


def _inside(p: Path, roots: tuple[Path, ...]) -> bool:
    return any(p == r or r in p.parents for r in roots)


def _check_inside(src: str, key: str, value: str, target: Path, roots: tuple[Path, ...]) -> None:
    if not (_inside(_lexical(target), roots) or (target.exists() and _inside(target.resolve(), roots))):
        raise ScenarioError(src, key, value, (
            f"a path inside {' or '.join(str(r) for r in roots)} (a scenario file may not point "
            f"outside its own folder tree or the project's scenarios/; give other data folders "
            f"with --set data_dir=...)"))


def _resolve_extends(path: Path, chain: tuple[Path, ...],
                     roots: tuple[Path, ...] | None = None) -> tuple[dict, list[Path]]:
    roots = allowed_roots(path) if roots is None else roots
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(chain[-1]), "extends", path.name,
                            f"no cycle in extends (found {cycle})")
    raw = read_yaml_mapping(path)
    files = [path]
    parent = raw.get("extends")
    if parent is None:
        return raw, files
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(path), "extends", parent, "the path of another scenario file")
    ppath = (path.parent / parent)
    _check_inside(str(path), "extends", parent, ppath, roots)
    if not ppath.exists():
        raise ScenarioError(str(path), "extends", parent, "an existing scenario file")
    base, pfiles = _resolve_extends(ppath, (*chain, path), roots)
    merged = deep_merge(base, {k: v for k, v in raw.items() if k != "extends"})
    merged["extends"] = parent
    return merged, pfiles + files


def parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ScenarioError("--set", text, text, "key=value (e.g. parameters.beta=5)")
    key, _, val = text.partition("=")
    key = key.strip()
    if not key or any(not p for p in key.split(".")):
        raise ScenarioError("--set", key, text, "a dotted key such as parameters.beta")
    try:
        value = yaml.safe_load(val) if val.strip() else ""
    except yaml.YAMLError:
        value = val
    return key.split("."), value


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    out = copy.deepcopy(data)
    for text in overrides:
        parts, value = parse_override(text)
        cur = out
        for p in parts[:-1]:
            nxt = cur.get(p)
            if nxt is None:
                nxt = {}
                cur[p] = nxt
            if not isinstance(nxt, dict):
                raise ScenarioError("--set", ".".join(parts), text,
                                    f"{p} to be a mapping, not {type(nxt).__name__}")
            cur = nxt
        cur[parts[-1]] = value
    return out


def _format_validation_error(src: str, exc: ValidationError, data: dict) -> ScenarioError:
    err = exc.errors()[0]
    loc = [str(p) for p in err.get("loc", ())]
    key = ".".join(loc) if loc else "(top level)"
    value = err.get("input")
    etype = err.get("type", "")
    msg = err.get("msg", "")
    if etype == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return ScenarioError(src, key, value,
                             f"a known key (unknown key; allowed here: {', '.join(allowed)})"
                             if allowed else "a known key")
    if etype == "missing":
        return ScenarioError(src, key, None, "this required key")
    expected = msg
    for prefix in ("Value error, ", "Assertion failed, "):
        expected = expected.removeprefix(prefix)
    expected = expected[0].lower() + expected[1:] if expected else "a valid value"
    if etype == "string_pattern_mismatch":  # ids and names: say it in words, not as a regex
        expected = "letters, digits, '_', '-' or '.' only (no spaces)"
    if isinstance(value, dict):  # a whole entry failed a cross-field check: name it, not its dump
        ident = f" (id {value['id']!r})" if isinstance(value.get("id"), str) else ""
        return ScenarioError(src, key, message=f"{src}: {key}{ident}: expected {expected}")
    return ScenarioError(src, key, value, expected)


def _allowed_keys(loc: list[str]) -> list[str]:
    model: Any = Scenario
    for p in loc:
        field = getattr(model, "model_fields", {}).get(p)
        if field is None:
            return []
        model = field.annotation
    return sorted(getattr(model, "model_fields", {}).keys())


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from."""

    scenario: Scenario
    path: Path | None
    files: tuple[Path, ...]
    resolved: dict
    overrides: tuple[str, ...]

    @property
    def data_dir(self) -> Path:
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.scenario.data_dir).resolve()

    @property
    def hash(self) -> str:
        blob = json.dumps(self.resolved, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
    """Read, resolve ``extends``, apply ``--set`` overrides and validate a scenario file."""
    p = Path(path)
    roots = allowed_roots(p)
    data, files = _resolve_extends(p, (), roots)
    from_files = data.get("data_dir")
    data = apply_overrides(data, list(overrides))
    if isinstance(from_files, str) and data.get("data_dir") == from_files:  # not given with --set
        _check_inside(str(p), "data_dir", from_files, p.parent / from_files, roots)
    return validate_scenario(data, src=str(p), path=p.resolve(), files=tuple(files),
                             overrides=tuple(overrides))


def check_dates(scn: Scenario, src: str) -> None:
    """Every date in a scenario lies inside its declared horizon (``horizon.start`` to the end of
    ``horizon.end``); ``--until`` only shortens a run and makes no date invalid."""
    h = scn.horizon
    lo, hi = float(h.start), float(h.end + 1)
    expected = (f"a date from {h.start} to {h.end}-12 (the scenario's horizon; "
                f"--until does not change it)")

    def check(key: str, raw: Any) -> None:
        try:
            d = parse_date(raw)
        except ValueError:
            raise ScenarioError(src, key, raw, "a date like 2024, 2026-07 or 2025Q2") from None
        if not lo - 1e-9 <= d < hi - 1e-9:
            raise ScenarioError(src, key, raw, expected)

    for j, lv in enumerate(scn.levers):
        for fld in ("value", "budget_wan_per_year", "cost_wan"):
            v = getattr(lv, fld)
            if isinstance(v, dict):
                for k in v:
                    check(f"levers.{j}.{fld}.{k}", k)
    for which in ("income_growth", "wage_growth", "land_price_growth", "population_growth"):
        for place, v in getattr(scn.trends, which).items():
            if isinstance(v, dict):
                for k in v:
                    check(f"trends.{which}.{place}.{k}", k)
    for j, npk in enumerate(scn.new_parks):
        check(f"new_parks.{j}.opens", npk.opens)
    for j, a in enumerate(scn.anchors):
        check(f"anchors.{j}.starts", a.starts)
    for j, t in enumerate(scn.targets):
        if not h.start < t.year <= h.end:
            raise ScenarioError(src, f"targets.{j}.year", t.year,
                                f"a year after {h.start} and at most {h.end} (the scenario's horizon)")
        if t.since is not None and not h.start <= t.since:
            raise ScenarioError(src, f"targets.{j}.since", t.since,
                                f"a year from {h.start} (the base year) before the target's year")


def check_trend_places(trends: Trends, markets: list[str], cities: list[str], src: str) -> None:
    """Trend keys are place ids from the data (or ``default``); an unknown one is a mistake."""
    for which in ("income_growth", "wage_growth", "land_price_growth", "population_growth"):
        known = cities if which == "population_growth" else markets
        for place in getattr(trends, which):
            if place != "default" and place not in known:
                raise ScenarioError(src, f"trends.{which}.{place}", place,
                                    f"a place id ({', '.join(known)}) or default")


def validate_scenario(data: dict, src: str = "<scenario>", path: Path | None = None,
                      files: tuple[Path, ...] = (), overrides: tuple[str, ...] = ()) -> LoadedScenario:
    try:
        scen = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation_error(src, exc, data) from None
    check_dates(scen, src)
    resolved = scen.model_dump(mode="json")
    ls = LoadedScenario(scenario=scen, path=path, files=files, resolved=resolved,
                        overrides=tuple(overrides))
    if not ls.data_dir.is_dir():
        raise ScenarioError(src, "data_dir", scen.data_dir, "an existing folder of data CSV files")
    return ls
