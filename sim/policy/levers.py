"""Policy levers (MODEL.md §6): the scenario schema, and the compiled form the model uses each step.

A lever is one row of a scenario's ``levers:`` list::

    - id: siping_land                 # unique; used in outputs (column ``lever``)
      kind: land_discount             # what it is (table below)
      label: 用地价格优惠               # free text shown in reports
      value: {2023-03: 0.3, 2030: 0}  # a number or a dated schedule (0 before its first date)
      unit: share                     # optional; if given it must be the kind's unit
      target: {cities: [四平], parks: [], sectors: [装备制造], parks_only: true}
      applies_to: new                 # new: firms arriving after the lever starts; all: every firm there
      years: 5                        # benefit duration for a new firm (default: while the lever runs)
      budget_wan_per_year: 5000       # optional cap (万元 per calendar year); the lever stops when spent
      range: [0.1, 0.5]               # plausible range where no document gives the number
      source: "assumption: ..."       # a seed passage, a statistic, or ``assumption`` with a reason

Every lever enters the firm's net profit in exactly one place (``PolicyRuntime.rates`` / ``choice_terms``, sim/policy/runtime.py),
or the state (land supply, population, revision) — see docs/model.md §Levers.

| kind | value unit | enters as | spending (亿元) |
|---|---|---|---|
| land_discount | share of land price | land rent × (1 − d) | new: d × price × area once at arrival; all: d × annual rent |
| interest_subsidy | percentage points | finance cost | pp × capital, per year |
| loan_guarantee | share of capital | finance cost (− spread × share) | expected loss × share × capital, per year |
| tax_rebate | share of income tax | tax × (1 − rebate) | rebate × income tax, per year |
| profit_subsidy | share of operating profit | profit × (1 + s) | s × operating profit, per year |
| grant | 万元 per firm | one-off payment at arrival (annualised in choice) | once at arrival |
| lump_sum | mean profits per firm-year | S × π̄ per firm, per year | per year |
| talent_subsidy | yuan per person-year | marginal cost (talent share of labour cost) | per talent job-year |
| cost_subsidy | share of marginal cost | marginal cost × (1 − c) | c × variable cost, per year |
| retention | persons per year | city population (labour supply) | persons × unit_cost_yuan |
| friction_cut | share of moving cost | relocation cost into the target | — (cost_wan if given) |
| promotion | share more revisions | revision rate of target-sector firms elsewhere | cost_wan per year |
| designation | 1 = leading sector | leading-sector bonus at target parks | — |
| land_supply | ha (cumulative) | park capacity and free land | cost_wan on its dates |
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..dates import parse_date, parse_schedule

KINDS: dict[str, dict[str, Any]] = {
    # kind: unit, allowed value range, cost levers apply to every firm at the site
    "land_discount": {"unit": "share", "lo": 0.0, "hi": 1.0},
    "interest_subsidy": {"unit": "percentage points", "lo": 0.0, "hi": 20.0},
    "loan_guarantee": {"unit": "share", "lo": 0.0, "hi": 1.0},
    "tax_rebate": {"unit": "share", "lo": 0.0, "hi": 1.0},
    "profit_subsidy": {"unit": "share", "lo": 0.0, "hi": 10.0},
    "grant": {"unit": "万元 per firm", "lo": 0.0, "hi": 1e7},
    "lump_sum": {"unit": "mean profits per firm-year", "lo": 0.0, "hi": 100.0},
    "talent_subsidy": {"unit": "yuan per person-year", "lo": 0.0, "hi": 1e6, "site_level": True},
    "cost_subsidy": {"unit": "share", "lo": 0.0, "hi": 0.9, "site_level": True},
    "retention": {"unit": "persons per year", "lo": 0.0, "hi": 1e6, "city_level": True},
    "friction_cut": {"unit": "share", "lo": 0.0, "hi": 1.0},
    "promotion": {"unit": "share", "lo": 0.0, "hi": 10.0},
    "designation": {"unit": "flag", "lo": 0.0, "hi": 1.0},
    "land_supply": {"unit": "ha", "lo": 0.0, "hi": 1e5, "parks_only": True},
}

# levers whose benefit enters a firm's choice (the others act through the state)
CHOICE_KINDS = ("land_discount", "interest_subsidy", "loan_guarantee", "tax_rebate", "profit_subsidy",
                "grant", "lump_sum", "talent_subsidy", "cost_subsidy", "friction_cut", "designation")


def _schedule_points(value: Any, what: str, lo: float, hi: float) -> None:
    try:
        sched = parse_schedule(value)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    for _, v in sched.points:
        if not math.isfinite(v) or not lo <= v <= hi:
            raise ValueError(f"{what} between {lo:g} and {hi:g}")


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    cities: list[str] = Field(default_factory=list, description="city ids (all their sites)")
    parks: list[str] = Field(default_factory=list, description="park ids")
    sectors: list[str] = Field(default_factory=list, description="sectors (default: all)")
    parks_only: bool = Field(False, description="restrict city targets to the cities' parks")


class Lever(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    kind: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    label: str = ""
    value: float | dict[str | int, float]
    unit: str | None = None
    target: Target = Target()
    applies_to: Literal["new", "all"] = "new"
    years: float | None = Field(None, gt=0, le=100, description="benefit years for a new firm")
    budget_wan_per_year: float | dict[str | int, float] | None = None
    cost_wan: float | dict[str | int, float] | None = Field(
        None, description="promotion, friction_cut: 万元 per year; land_supply: 万元 on its dates")
    unit_cost_yuan: float | None = Field(None, ge=0, le=1e7, description="retention: yuan per person-year")
    range: tuple[float, float] | None = None
    source: str = Field(..., min_length=1)

    @field_validator("value", "budget_wan_per_year", "cost_wan", mode="before")
    @classmethod
    def _no_bool(cls, v):
        if isinstance(v, bool):
            raise ValueError("a number or a mapping of dates to numbers")  # noqa: TRY004 (pydantic reports ValueError)
        return v

    @model_validator(mode="after")
    def _check(self) -> Lever:
        spec = KINDS[self.kind]
        if self.unit is not None and self.unit != spec["unit"]:
            raise ValueError(f"unit {self.unit!r} for kind {self.kind}: expected {spec['unit']!r}")
        _schedule_points(self.value, f"value of a {self.kind} lever ({spec['unit']})", spec["lo"], spec["hi"])
        if self.budget_wan_per_year is not None:
            _schedule_points(self.budget_wan_per_year, "budget_wan_per_year (万元)", 0.0, 1e9)
        if self.cost_wan is not None:
            _schedule_points(self.cost_wan, "cost_wan (万元)", 0.0, 1e9)
        if self.range is not None:
            lo, hi = self.range
            if not (math.isfinite(lo) and math.isfinite(hi) and spec["lo"] <= lo <= hi <= spec["hi"]):
                raise ValueError(f"range [low, high] inside {spec['lo']:g}..{spec['hi']:g}")
        if spec.get("site_level") and self.applies_to != "all":
            raise ValueError(f"applies_to: all for a {self.kind} lever (it lowers the site's marginal "
                             "cost for every firm there)")
        if self.kind == "retention" and (self.unit_cost_yuan is None or not self.target.cities
                                         or self.target.parks):
            raise ValueError("a retention lever needs unit_cost_yuan and target.cities (no parks)")
        if self.kind == "land_supply" and (not self.target.parks or self.target.cities):
            raise ValueError("a land_supply lever needs target.parks (and no cities)")
        return self


class ScenarioTarget(BaseModel):
    """A plan target checked on a run (``targets:`` block)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    label: str = ""
    measure: Literal["industrial_output", "gdp", "jobs", "clusters", "output_growth", "gdp_growth",
                     "arrivals"]
    place: str = Field("region", description="a city id or region")
    year: int = Field(..., ge=1990, le=2100, description="year the target refers to")
    since: int | None = Field(None, ge=1990, le=2100,
                              description="growth and arrivals: first year of the period")
    threshold_yi: float = Field(100.0, gt=0, le=1e7, description="clusters: output per city-sector (亿元)")
    at_least: float | None = Field(None, ge=-1e12, le=1e12)
    at_most: float | None = Field(None, ge=-1e12, le=1e12)
    source: str = Field(..., min_length=1)
    # presentation only (the Chinese report): not in the scenario hash (sim/scenario/load.py)
    label_zh: str | None = Field(None, min_length=1, description="the label in Chinese")
    source_zh: str | None = Field(None, min_length=1, description="the source in Chinese")

    @model_validator(mode="after")
    def _check(self) -> ScenarioTarget:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("exactly one of at_least / at_most")
        if self.measure in ("output_growth", "gdp_growth", "arrivals") and self.since is None:
            raise ValueError(f"since (first year) for measure {self.measure}")
        if self.since is not None and self.since >= self.year:
            raise ValueError(f"since {self.since} before year {self.year}")
        for v in (self.at_least, self.at_most):
            if v is not None and not math.isfinite(v):
                raise ValueError("a finite number")
        return self


class NewPark(BaseModel):
    """A park the scenario builds (园区同建: joint parks), closed until ``opens``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    name_zh: str = Field(..., min_length=1)
    city: str
    node: str | None = Field(None, description="network node (default: the city's)")
    capacity_ha: float = Field(..., gt=0, le=1e5)
    opens: str | int = Field(..., description="date the park starts admitting firms")
    leading: list[str] = Field(default_factory=list)
    land_price_yuan_m2: float = Field(..., gt=0, le=1e5)
    partners: dict[str, float] = Field(default_factory=dict,
                                       description="cities sharing its revenue and lever costs")
    source: str = Field(..., min_length=1)
    # public investment to build and service it (sim/policy/infrastructure.py), spent evenly over
    # the build_years before it opens
    investment_yi: float = Field(..., ge=0, le=1e5, description="public investment (亿元)")
    investment_payers: dict[Literal["central", "province", "city"], float] = Field(
        default_factory=lambda: {"city": 1.0},
        description="shares of the investment paid by central, province and city (the partners)")
    build_years: float = Field(2.0, gt=0, le=30, description="years of building before it opens")
    investment_source: str = Field(..., min_length=1)
    investment_estimate: bool = Field(True, description="the investment is an estimate")

    @field_validator("partners", "investment_payers")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if v and (any(not (0 <= x <= 1) for x in v.values()) or abs(sum(v.values()) - 1) > 1e-6):
            raise ValueError("shares between 0 and 1 that sum to 1")
        return v

    @field_validator("opens")
    @classmethod
    def _date(cls, v):
        parse_date(v)
        return v


class Anchor(BaseModel):
    """An anchor project placed by policy (e.g. 一汽解放四平专用车基地) and its supplier pull."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    park: str
    sector: str
    output_yi: float = Field(..., gt=0, le=1e4, description="annual gross output at full scale (亿元)")
    starts: str | int
    input_sector: str | None = Field(None, description="sector its local purchases go to")
    local_input_share: float = Field(0.0, ge=0, le=1,
                                     description="share of its output bought from that sector nearby")
    source: str = Field(..., min_length=1)

    @field_validator("starts")
    @classmethod
    def _date(cls, v):
        parse_date(v)
        return v
