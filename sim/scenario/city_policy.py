"""The scenario's ``city_policy:`` block: how city governments set their money levers (issue 17).

``city_policy: fixed`` (the default) keeps today's model: levers are what the scenario writes.
``compete`` and ``coordinate`` make the acting cities' governments agents that revise, once a year,
one land-discount and one tax-rebate rate per mobile sector (``sim/policy/governments.py``; the rules
in docs/model.md §City governments). A bare word is the behaviour with every default::

    city_policy: compete
    city_policy: {behaviour: compete, budget_wan_per_year: 20000, step_up: {tax_rebate: 0.1}}

Rates are shares (land: of the plot's price; tax: of the firm's income tax); money in 万元.
Defaults and their sources are in docs/model.md §City governments (most are ``assumption``).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GOVERNED_KINDS = ("land_discount", "tax_rebate")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


class KindRates(_Strict):
    """One rate per governed lever kind (shares)."""

    land_discount: float = Field(0.0, ge=0, le=1, description="share of the plot's price")
    tax_rebate: float = Field(0.0, ge=0, le=1, description="share of the firm's income tax")

    def of(self, kind: str) -> float:
        return float(getattr(self, kind))


class CityPolicy(_Strict):
    """The governments' behaviour and its parameters (units in the descriptions)."""

    behaviour: Literal["fixed", "compete", "coordinate"] = Field(
        "fixed", description="fixed: levers as written; compete: each acting city bids for projects; "
                             "coordinate: the group assigns sectors and does not bid against itself")
    cities: list[str] | None = Field(None, description=(
        "compete: the acting cities; coordinate: the group. null: the six cities of seed 000 "
        "(cities.csv six_city = 1)"))
    kinds: list[Literal[GOVERNED_KINDS]] = Field(  # type: ignore[valid-type]
        list(GOVERNED_KINDS), min_length=1, description="the lever kinds the governments set")
    initial_value: KindRates = Field(KindRates(), description=(
        "rates at the first decision, every governed sector (compete) or assigned sector (coordinate); "
        "0: the baseline's incentives are in the location constants (assumption)"))
    step_up: KindRates = Field(KindRates(land_discount=0.05, tax_rebate=0.05), description=(
        "rise of a sector's rate when neighbours signed projects in it and the city did not (assumption)"))
    step_down: KindRates = Field(KindRates(land_discount=0.05, tax_rebate=0.05), description=(
        "fall of every rate when spending per signed project is above the ceiling (assumption)"))
    max_value: KindRates = Field(KindRates(land_discount=0.3, tax_rebate=0.4), description=(
        "largest rate: land 0.3 (industrial land may go to 70 % of the national minimum price for "
        "priority projects, 国土资发〔2009〕56号); tax 0.4 (a city can return at most its local share "
        "of income tax, parameters.local_cit_share)"))
    tax_years: float = Field(5.0, gt=0, le=50, description=(
        "years a newcomer keeps the tax rebate (typical 招商 agreements; assumption)"))
    ceiling_wan_per_project: float | None = Field(None, gt=0, le=1e7, description=(
        "spending (万元) per project signed over the last year above which a government lowers every "
        "rate by step_down; null: no ceiling"))
    budget_wan_per_year: float | dict[str, float] | None = Field(None, description=(
        "each acting city's budget for its governed levers (万元 per calendar year; one number or one "
        "per city id), split equally over the kinds as hard caps; a city that hit a cap does not "
        "raise rates; null: no cap"))
    neighbours_km: float | None = Field(None, gt=0, le=1e4, description=(
        "neighbours are the cities within this road distance (km); null: compete: every other acting "
        "city; coordinate: every study-area city outside the group"))
    specialties: str = Field("specialties.csv", pattern=r"^[\w\-\.]+\.csv$", description=(
        "coordinate: the table (in the data folder) assigning sectors to the group's members"))
    promotion: float = Field(0.3, ge=0, le=10, description=(
        "coordinate: the group's joint promotion of its assigned sectors (share more revisions; "
        "six_city_integration's six_city_promotion, seed 000; 0: none)"))
    promotion_cost_wan: float = Field(6000.0, ge=0, le=1e9, description="coordinate: its cost (万元 per year)")

    @model_validator(mode="before")
    @classmethod
    def _word(cls, v):
        return {"behaviour": v} if isinstance(v, str) else v

    @field_validator("budget_wan_per_year")
    @classmethod
    def _budget(cls, v):
        vals = v.values() if isinstance(v, dict) else [] if v is None else [v]
        for x in vals:
            if isinstance(x, bool) or not math.isfinite(x) or not 0 <= x <= 1e9:
                raise ValueError("a number of 万元 between 0 and 1e9, one per city id, or null")
        return v

    @field_validator("cities", "kinds")
    @classmethod
    def _unique(cls, v):
        if v is not None and len(set(v)) != len(v):
            raise ValueError("unique entries")
        return v

    def budget_of(self, city: str) -> float | None:
        """The city's budget (万元 per year) or None (no cap)."""
        b = self.budget_wan_per_year
        return b.get(city) if isinstance(b, dict) else b
