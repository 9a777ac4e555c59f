"""Calibration files (``scenarios/calibration/*.yaml``): the schema, the priors and the loader.

A calibration file is data, validated like a scenario (one-line :class:`CalibrationError` naming the
file, the key, the value and what was expected; exit code 2)::

    name: main
    scenario: ../baseline.yaml          # relative to this file
    set: []                             # --set overrides applied to every run
    until: 2023                         # runs stop after this year
    seed: 20230228                      # root of numpy.random.SeedSequence (design, seeds, draws)
    method: {kind: gp_emulator, design_runs: 400, validation_runs: 80, draws: 1000,
             prior_samples: 50000, central_runs: 20}
    parameters:
      - key: parameters.beta            # a --set-style scenario key
        prior: {dist: loguniform, low: 1.0, high: 16.0}
        label: logit intensity β
        source: "assumption: ..."
    moments:
      - id: siping_projects_signed_2023
        measure: 四平.projects_signed   # place.measure of the tidy rows
        stat: year_total                # year_total (flows) | year_mean (levels) | growth
        year: 2023
        year_share: 0.75                # the observation covers Feb–Oct: simulated × 9/12
        observed: 41
        error: {kind: relative, value: 0.35}
        identifies: [parameters.project_flow_scale]
        source: seed 004
      - id: tax_elasticity_between_cities
        measure: tax.between_cities     # sim.checks.stylized.tax_elasticities on the built model
        observed: -0.35
        error: {kind: sd, value: 0.128}
    checks:                             # optional: compared with the central-set runs, not fitted
      - id: siping_funds_arrived_2023   # (the same keys as a moment, no identifies)
        measure: 四平.funds_arrived
        ...

Priors: ``uniform`` and ``loguniform`` on [low, high]; ``normal`` (mean, sd) truncated to [low,
high]. Statistics of a run's annual values v(y) (``sim.experiments.sweep.annual_series``: flows per
period summed over the year, levels averaged): ``year_total`` = share · v(y) of a flow,
``year_mean`` = v(y) of a level, ``growth`` = v(y)/v(y−1) − 1.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ScenarioError, UserError


class CalibrationError(UserError):
    """A bad calibration file (exit code 2, one line)."""


# measures a moment may name (sim/outputs/metrics.py): flows per period (summed over a year) and
# levels (averaged over a year)
FLOW_MEASURES = ("projects_intended", "projects_signed", "projects_started", "projects_producing",
                 "projects_dropped", "investment_signed", "funds_arrived", "fixed_investment",
                 "arrivals", "departures", "fiscal_revenue", "fiscal_spending", "fiscal_balance",
                 "general_budget_revenue", "land_transfer_revenue")
LEVEL_MEASURES = ("gdp", "gdp_real", "value_added", "industrial_output", "jobs", "firms",
                  "population", "wage", "capital")
TAX_MEASURES = ("tax.between_cities", "tax.between_parks")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Strict):
    dist: Literal["uniform", "loguniform", "normal"]
    low: float = Field(..., description="lower bound (normal: truncation)")
    high: float = Field(..., description="upper bound (normal: truncation)")
    mean: float | None = None
    sd: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Prior:
        if not self.low < self.high:
            raise ValueError("low < high")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError("low > 0 for a loguniform prior")
        if (self.dist == "normal") != (self.mean is not None and self.sd is not None):
            raise ValueError("mean and sd for a normal prior (truncated to [low, high]) and only then")
        return self

    def _t(self, x):
        return np.log(x) if self.dist == "loguniform" else np.asarray(x, dtype=float)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Parameter values at prior quantiles ``u`` in [0, 1]."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.dist == "uniform":
            return self.low + u * (self.high - self.low)
        if self.dist == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        from scipy import stats
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Prior density at ``x`` (for figures)."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        if self.dist == "uniform":
            return np.where(inside, 1.0 / (self.high - self.low), 0.0)
        if self.dist == "loguniform":
            return np.where(inside, 1.0 / (np.maximum(x, 1e-300) * math.log(self.high / self.low)), 0.0)
        from scipy import stats
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.pdf(x, a, b, loc=self.mean, scale=self.sd)

    def to_emulator(self, x: np.ndarray) -> np.ndarray:
        """The emulator's input coordinate in [0, 1]: (t(x) − t(low)) / (t(high) − t(low)), t = log
        for a loguniform prior, the identity otherwise."""
        lo, hi = self._t(self.low), self._t(self.high)
        return (self._t(x) - lo) / (hi - lo)

    @property
    def text(self) -> str:
        if self.dist == "normal":
            return f"normal({self.mean:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"
        return f"{self.dist}[{self.low:g}, {self.high:g}]"


class Parameter(_Strict):
    key: str = Field(..., pattern=r"^parameters\.\w+$", description="a scenario key parameters.<name>")
    prior: Prior
    label: str = ""
    unit: str = ""
    source: str = Field(..., min_length=1, description="a source, or 'assumption: why'")


class Error(_Strict):
    kind: Literal["sd", "relative"]
    value: float = Field(..., gt=0)


class Moment(_Strict):
    id: str = Field(..., min_length=1, max_length=80, pattern=r"^[\w\-\.]+$")
    measure: str = Field(..., min_length=3, description="place.measure or tax.between_cities|parks")
    stat: Literal["year_total", "year_mean", "growth"] | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    year_share: float = Field(1.0, gt=0, le=1, description="year_total: the share of the year observed")
    observed: float
    error: Error
    source: str = Field(..., min_length=1)
    definition: str = ""
    label: str = ""
    label_zh: str = Field("", description="its label in report_zh.md (default: built from the measure)")
    unit: str = ""
    identifies: list[str] = Field(default_factory=list, description="parameter keys (declared)")

    @model_validator(mode="after")
    def _check(self) -> Moment:
        if self.measure.startswith("tax."):
            if self.measure not in TAX_MEASURES:
                raise ValueError(f"a tax measure is one of {', '.join(TAX_MEASURES)}")
            if self.stat is not None or self.year is not None:
                raise ValueError("no stat and no year for a tax measure (computed on the built model)")
        else:
            if "." not in self.measure:
                raise ValueError("measure place.measure (e.g. 四平.projects_signed) or tax.between_cities")
            meas = self.measure.split(".", 1)[1]
            if meas not in FLOW_MEASURES + LEVEL_MEASURES:
                raise ValueError(f"a measure in {', '.join(FLOW_MEASURES + LEVEL_MEASURES)}")
            if self.stat is None or self.year is None:
                raise ValueError("stat and year for a place.measure moment")
            if self.stat == "year_total" and meas not in FLOW_MEASURES:
                raise ValueError(f"stat year_mean or growth for the level {meas} (year_total: flows)")
            if self.stat == "year_mean" and meas not in LEVEL_MEASURES:
                raise ValueError(f"stat year_total or growth for the flow {meas} (year_mean: levels)")
            if self.year_share != 1.0 and self.stat != "year_total":
                raise ValueError("year_share only with stat year_total")
        if self.error.kind == "relative" and self.observed <= 0:
            raise ValueError("an sd error for an observed value <= 0 (a relative error is a "
                             "log-normal one: the observed value must be positive)")
        return self

    @property
    def sd(self) -> float:
        """Observation error (s.d.) in the moment's units (a relative error r: r · observed)."""
        return self.error.value * (abs(self.observed) if self.error.kind == "relative" else 1.0)

    @property
    def log_scale(self) -> bool:
        """A relative error is a log-normal one: the moment is emulated and compared as ln y, with
        ln y_obs ~ N(ln y_sim, r²) (a multiplicative quantity such as money signed)."""
        return self.error.kind == "relative"

    @property
    def place(self) -> str:
        return self.measure.split(".", 1)[0]


LOG_FLOOR = 0.01  # a simulated value ≤ 0 of a log-scale moment counts as 1 % of the observed value


def to_fit_scale(moments: list[Moment], y: np.ndarray) -> np.ndarray:
    """Simulated moments (runs × moments) on the scale they are emulated and compared on: ln y for
    the log-scale (relative-error) moments, floored at LOG_FLOOR · observed; y otherwise."""
    out = np.array(y, dtype=float, copy=True)
    for j, m in enumerate(moments):
        if m.log_scale:
            out[:, j] = np.log(np.maximum(out[:, j], LOG_FLOOR * m.observed))
    return out


def from_fit_scale(moments: list[Moment], q: np.ndarray) -> np.ndarray:
    """Quantiles (moments × k) back from the fit scale (exp of a log-scale moment's quantiles)."""
    out = np.array(q, dtype=float, copy=True)
    for j, m in enumerate(moments):
        if m.log_scale:
            out[j] = np.exp(out[j])
    return out


def fit_observed(moments: list[Moment]) -> tuple[np.ndarray, np.ndarray]:
    """Observed values and their error s.d. on the fit scale."""
    obs = np.array([math.log(m.observed) if m.log_scale else m.observed for m in moments])
    sd = np.array([m.error.value if m.log_scale else m.sd for m in moments])
    return obs, sd


class Method(_Strict):
    kind: Literal["gp_emulator"] = "gp_emulator"
    design: Literal["sobol", "lhs"] = "sobol"
    design_runs: int = Field(..., ge=8, le=20000, description="runs the emulator is fitted on")
    validation_runs: int = Field(..., ge=0, le=5000, description="held-out runs (emulator check)")
    draws: int = Field(1000, ge=10, le=100000, description="weighted posterior draws kept")
    prior_samples: int = Field(50000, ge=1000, le=2_000_000, description="quasi-random prior draws")
    central_runs: int = Field(10, ge=0, le=1000, description="runs at the posterior's central set")


class Benchmark(_Strict):
    """The naive rule for the ``*.gdp`` growth moments: every place at one reference place's growth,
    read from a table (a CSV with columns place, year, measure, value)."""
    table: str = Field(..., min_length=1, description="CSV relative to the calibration file")
    place: str = Field(..., min_length=1)
    measure: str = "gdp"
    label: str = ""


class Calibration(_Strict):
    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[\w\-\.]+$")
    description: str = ""
    scenario: str = Field(..., min_length=1, description="scenario file, relative to this file")
    set: list[str] = Field(default_factory=list)
    until: int = Field(..., ge=1991, le=2100)
    seed: int = Field(20230228, ge=0, le=2**63 - 1)
    method: Method
    parameters: list[Parameter] = Field(..., min_length=1, max_length=12)
    moments: list[Moment] = Field(..., min_length=1, max_length=500)
    checks: list[Moment] = Field(default_factory=list, max_length=500, description=(
        "observed figures compared with the runs at the central set, not in the likelihood"))
    benchmark: Benchmark | None = None

    @field_validator("parameters", "moments", "checks")
    @classmethod
    def _unique(cls, v: list) -> list:
        seen = set()
        for item in v:
            k = getattr(item, "key", None) or item.id
            if k in seen:
                raise ValueError(f"unique entries (duplicate {k!r})")
            seen.add(k)
        return v

    @model_validator(mode="after")
    def _ids_apart(self) -> Calibration:
        both = {m.id for m in self.moments} & {c.id for c in self.checks}
        if both:
            raise ValueError(f"a check's id differs from every moment's (both: {', '.join(sorted(both))})")
        return self

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    @property
    def series(self) -> list[str]:
        """The place.measure series the runs store (sorted): the moments' and the checks'."""
        return sorted({m.measure for m in [*self.moments, *self.checks] if not m.measure.startswith("tax.")})

    @property
    def tax(self) -> bool:
        return any(m.measure.startswith("tax.") for m in [*self.moments, *self.checks])


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


@dataclass
class LoadedCalibration:
    calibration: Calibration
    path: Path
    base: Any            # LoadedScenario (the scenario with ``set`` applied)
    folder_hash: str     # what the runs depend on (names the calibration folder)
    benchmark_rate: float | None = None  # the naive rule's growth (from the benchmark table)

    def scenario_dict(self, values: dict[str, float]) -> dict:
        """The resolved scenario with the parameters set to ``values``."""
        from ..experiments.load import apply_values
        return apply_values(self.base.resolved, [([k], float(v)) for k, v in values.items()])


_MODELS = {"method": Method, "parameters": Parameter, "moments": Moment, "checks": Moment, "prior": Prior,
           "error": Error, "benchmark": Benchmark}


def _calibration_model_for(loc_parts: list[str]):
    """The pydantic model that holds the last key of ``loc_parts`` in a calibration file."""
    model: Any = Calibration
    for part in loc_parts[:-1]:
        if not part.isdigit():
            model = _MODELS.get(part, model)
    return model


def _format(src: str, exc: ValidationError) -> CalibrationError:
    from ..experiments.load import validation_line
    return CalibrationError(src, message=validation_line(src, exc, _calibration_model_for,
                                                         "docs/cli.md calibrate"))


def _benchmark_rate(src: str, path: Path, b: Benchmark, year: int) -> float:
    import csv
    table = (path.parent / b.table).resolve()
    if not table.is_file():
        raise CalibrationError(src, "benchmark.table", b.table, "an existing CSV (relative to the file)")
    with open(table, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    vals = {int(r["year"]): float(r["value"]) for r in rows
            if r.get("place") == b.place and r.get("measure") == b.measure and r.get("year")}
    if year not in vals or year - 1 not in vals:
        raise CalibrationError(src, "benchmark.place", b.place,
                               f"rows of {b.measure} for {year - 1} and {year} in {b.table}")
    return vals[year] / vals[year - 1] - 1.0


def load_calibration(path: str | Path) -> LoadedCalibration:
    """Read and validate a calibration file and its scenario; check every parameter's key and bounds
    against the scenario schema and every moment's place and year against the data and horizon."""
    from ..data import load_data
    from ..experiments.load import apply_values
    from ..scenario import load_scenario, read_yaml_mapping, validate_scenario
    p = Path(path)
    src = str(p)
    try:
        raw = read_yaml_mapping(p, what="calibration")
    except ScenarioError as e:
        raise CalibrationError(src, message=str(e)) from None
    try:
        cal = Calibration.model_validate(raw)
    except ValidationError as exc:
        raise _format(src, exc) from None
    scn_path = p.resolve().parent / cal.scenario
    if not scn_path.is_file():
        raise CalibrationError(src, "scenario", cal.scenario,
                               "an existing scenario file (relative to the calibration file)")
    try:
        base = load_scenario(scn_path, cal.set)
    except ScenarioError as e:
        raise CalibrationError(src, message=f"{src}: scenario: {e}") from None
    h = base.scenario.horizon
    if not h.start < cal.until <= h.end:
        raise CalibrationError(src, "until", cal.until, f"a year after {h.start} and at most {h.end}")
    for j, par in enumerate(cal.parameters):
        for v in (par.prior.low, par.prior.high):
            try:
                data_v = apply_values(base.resolved, [([par.key], float(v))])
                validate_scenario(data_v, src="scenario", path=base.path)
            except KeyError as e:  # sim.scenario.keys.KeyPathError
                raise CalibrationError(src, f"parameters.{j}.key", par.key,
                                       f"a key of the scenario ({e})") from None
            except ScenarioError as e:
                raise CalibrationError(src, f"parameters.{j}.prior", v,
                                       f"bounds the scenario accepts ({str(e).removeprefix('scenario: ')})") from None
    for j, c in enumerate(cal.checks):
        if c.identifies:
            raise CalibrationError(src, f"checks.{j}.identifies", c.identifies,
                                   "none: a check is not fitted (make it a moment to fit it)")
    for j, mo in enumerate(cal.moments):
        for k in mo.identifies:
            if k not in cal.keys:
                raise CalibrationError(src, f"moments.{j}.identifies", k,
                                       f"one of the parameters ({', '.join(cal.keys)})")
    data = load_data(base.data_dir)
    places = {"region", *data.cities.ids(), *(r["id"] for r in data.parks.rows)}
    for part in ("moments", "checks"):
        for j, m in enumerate(getattr(cal, part)):
            if m.measure.startswith("tax."):
                continue
            if m.place not in places:
                raise CalibrationError(src, f"{part}.{j}.measure", m.measure,
                                       f"place region, a city ({', '.join(data.cities.ids())}) or a park id")
            first = h.start + 1
            if not first <= m.year <= cal.until:
                raise CalibrationError(src, f"{part}.{j}.year", m.year,
                                       f"a simulated year from {first} to until ({cal.until})")
    rate = None
    if cal.benchmark is not None:
        years = {m.year for m in cal.moments if m.stat == "growth" and m.measure.endswith(".gdp")}
        if len(years) != 1:
            raise CalibrationError(src, "benchmark", None, "gdp growth moments of one year to compare with")
        rate = _benchmark_rate(src, p.resolve(), cal.benchmark, years.pop())
    from ..scenario.load import hashed_view
    blob = json.dumps({"scenario": hashed_view(base.resolved), "until": cal.until, "seed": cal.seed,
                       "method": cal.method.model_dump(mode="json", include={
                           "kind", "design", "design_runs", "validation_runs"}),
                       "parameters": [{"key": q.key, "prior": q.prior.model_dump(mode="json")}
                                      for q in cal.parameters],
                       "series": cal.series, "tax": cal.tax},
                      sort_keys=True, ensure_ascii=False, default=str)
    return LoadedCalibration(cal, p.resolve(), base, hashlib.sha256(blob.encode()).hexdigest(), rate)
