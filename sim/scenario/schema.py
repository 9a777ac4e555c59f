"""The scenario schema: immutable pydantic models of a scenario file's blocks.

Unknown keys are errors (``extra="forbid"``), numbers are finite and inside the ranges given below.
Units are part of the field descriptions: 亿元 (1e8 yuan), 万人 (1e4 persons), yuan/m², ha, shares
in [0, 1], rates per year. Levers, new parks, anchors and targets are validated by ``sim/policy/levers.py``.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..dates import Schedule, overlay, parse_date, parse_schedule
from ..policy.levers import Anchor, Lever, NewPark, ScenarioTarget
from .city_policy import CityPolicy


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
    vat_rate: float | None = Field(None, ge=0, lt=1,
                                   description="optional: one VAT rate for every sector, replacing "
                                               "the sectors' statutory rates (sector_params.csv "
                                               "vat_rate: 13 % goods, 9 % construction, 6 % "
                                               "services); unset = the statutory rates")
    local_vat_share: float = Field(0.5, ge=0, le=1, description="local share of VAT")
    local_cit_share: float = Field(0.4, ge=0, le=1, description="local share of income tax")
    exit_rate: float = Field(0.03, ge=0, lt=1, description="annual exit hazard h0 of a profitable firm")
    exit_loss_hazard: float = Field(1.0, ge=0, le=50, description=(
        "h1: extra annual exit hazard per unit of loss relative to the sector's mean profit "
        "(h = h0 + h1·max(0, −π_net/π̄), MODEL.md §9.4; assumption)"))
    project_realization: float = Field(0.5, gt=0, le=1, description=(
        "share of project intentions that reach 投产 (MODEL.md §9.3; assumption, calibrated later)"))
    project_flow_scale: float = Field(1.0, gt=0, le=20, description=(
        "multiplier on the project intentions calibrated at rest (intent = scale × expected exits / "
        "realization per (sector, site); 1 = the at-rest flow; the base pipeline is seeded at the "
        "scaled flow's steady state; fitted by `run.py calibrate` to 四平's 2023 signed projects)"))
    signed_investment_ratio: float = Field(1.0, gt=0, le=1000, description=(
        "measurement parameter: planned investment announced at signing (签约计划投资, what the "
        "seeds count) per yuan of capital the model's project installs; multiplies only the reported "
        "investment_signed rows of the calibrated flow (not the known projects, whose investment is "
        "the announced figure); changes no dynamics"))
    project_years: float = Field(2.5, gt=0, le=20, description=(
        "mean years from intention to 投产 of a realized project (assumption)"))
    project_home_bias: float = Field(0.5, ge=0, le=10, description=(
        "γ: investors' home bias −γ·ln(d/d0) in the project's site utility (assumption)"))
    project_home_km: float = Field(100.0, gt=0, le=2000, description=(
        "d0: the distance (km) below which an investor is at home (assumption)"))
    project_wait_dropout: float = Field(2.0, ge=1, le=20, description=(
        "m: drop-out multiplier of a signed project waiting for free park land (assumption)"))
    funds_share_signing: float = Field(0.1, ge=0, le=1, description=(
        "share of a project's investment arrived (到位) at signing (assumption)"))
    funds_share_construction: float = Field(0.7, ge=0, le=1, description=(
        "share arrived during construction, spread over its expected time; the rest at 投产"))
    gibrat_sd: float = Field(0.12, ge=0, le=2, description="annual s.d. of log firm growth")
    wage_elasticity: float = Field(0.3, ge=0, le=5,
                                   description="elasticity of wages to labour demand over supply")
    migration_per_job: float = Field(1.2, ge=0, le=10,
                                     description="residents (incl. dependants) per extra job")
    land_price_elasticity: float = Field(0.3, ge=0, le=5,
                                         description="elasticity of park land price to scarcity")
    local_multiplier: float = Field(0.3, ge=0, le=5,
                                    description="induced local services per yuan of extra VA")
    internal_travel_minutes: float = Field(30.0, gt=0, le=600, description=(
        "travel time inside an origin region, or a study-area city without a boundary in the data "
        "folder (minutes; phi = 1 within it); a study-area city with a boundary takes its own from "
        "its cells: mean distance × national.csv route_factor ÷ road_speed_kmh (sim.geography)"))
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
    discount_rate: float = Field(0.03, ge=0, le=1,
                                 description="annual rate at which summary.json and compare "
                                             "discount money flows to the base year (nominal, like "
                                             "the model's money; 3%: about the yield of 10-year "
                                             "local government bonds in 2022-2023, assumption)")

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

    A value is a rate (``0.05``, at every date) or a dated schedule (``{2022: 0.05, "2026-07": 0.03}``);
    before a schedule's first date, and for places not named, the data's schedules apply (a city's
    income and wage: its 2023 shift-share rate, then ``gdp_trend_growth``; docs/model.md §Trends).
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

    def schedule(self, which: str, place: str, data_rate: float | Schedule) -> Schedule:
        """The place's schedule: the data's rate (a number, or a dated schedule such as a city's
        income trend, ``sim.agents.trends.income_schedules``) where the scenario says nothing or
        before its schedule's first date; a plain number in the scenario replaces it everywhere."""
        base = data_rate if isinstance(data_rate, Schedule) else Schedule.constant(data_rate)
        table = getattr(self, which)
        value = table.get(place, table.get("default"))
        return base if value is None else overlay(base, parse_schedule(value, before=base.before))


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


KNOWN_STAGES = ("intention", "signed", "started", "producing")


class KnownProject(_Strict):
    """A named project from a city's own list (MODEL.md §9.3, issue 14 item 7), e.g. the seeds'
    52.5亿元 吉林四平新材料产业科创园: it enters the pipeline at ``stage`` on ``date`` and then follows
    the same hazards and land gating as the calibrated flow. Park and sector are checked against
    the data when the model is built (``sim/agents/known_projects.py``)."""

    id: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    name_zh: str = Field(..., min_length=1, max_length=80, description="the project's name")
    sector: str = Field(..., min_length=1, description="a sector of data/sector_params.csv")
    investment_yi: float = Field(..., gt=0, le=1e4, description="total investment (亿元)")
    jobs: float | None = Field(None, ge=0, le=1e6, description=(
        "jobs at full output (persons; reported; unset: the sector's jobs per 亿元 of output × the "
        "output the investment buys)"))
    park: str = Field(..., min_length=1, description="a park id of data/parks.csv or new_parks")
    stage: Literal[KNOWN_STAGES] = Field(..., description="stage on its date")  # type: ignore[valid-type]
    date: str | int = Field(..., description="when it is at that stage (2023, 2023-09, 2023Q3)")
    investor_origin: str | None = Field(None, description=(
        "a market id (city or origin region) of its investor; unset: the park's city"))
    source: str = Field(..., min_length=1)

    @field_validator("date")
    @classmethod
    def _date(cls, v):
        parse_date(v)
        return v


class Title(_Strict):
    """How reports, comparison figures and tables name a scenario, per language (presentation only:
    not inherited through ``extends``, not part of the scenario hash; ``sim/scenario/load.py``)."""

    zh: str | None = Field(None, min_length=1, max_length=80, description="Chinese title")
    en: str | None = Field(None, min_length=1, max_length=120, description="English title")


class Scenario(_Strict):
    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[\w\-\.]+$")
    title: Title | None = Field(None, description=(
        "the scenario's title in Chinese and English ({zh: ..., en: ...}) shown instead of its name "
        "(the name stays in file and folder names); a child scenario does not inherit its parent's"))
    description: str = ""
    extends: str | None = None
    data_dir: str = "data"
    posterior: str | None = Field(None, min_length=1, description=(
        "a posterior file of `run.py calibrate` (posterior.json), relative to the scenario file "
        "that names it: parameters the scenario does not set take its central values "
        "(sim/scenario/posterior.py); null switches an inherited one off"))
    seed: int = Field(20230228, ge=0, le=2**63 - 1)
    horizon: Horizon = Horizon()
    firms: Firms = Firms()
    parameters: Parameters = Parameters()
    trends: Trends = Trends()
    switches: Switches = Switches()
    transport_projects: list[str] = Field(default_factory=list,
                                          description="ids from data/projects.csv to build")
    levers: list[Lever] = Field(default_factory=list, description="policy levers (sim/policy/levers.py)")
    new_parks: list[NewPark] = Field(default_factory=list, description="parks the scenario builds")
    anchors: list[Anchor] = Field(default_factory=list, description="anchor projects")
    targets: list[ScenarioTarget] = Field(default_factory=list, description="plan targets")
    known_projects: list[KnownProject] = Field(default_factory=list,
                                               description="a city's own named projects")
    city_policy: CityPolicy = Field(CityPolicy(), description=(
        "how city governments set their money levers: fixed, compete or coordinate "
        "(sim/scenario/city_policy.py)"))

    @field_validator("levers", "new_parks", "anchors", "targets", "known_projects")
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
