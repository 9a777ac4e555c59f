"""Plan targets (a scenario's ``targets:`` block) evaluated on a run's trajectories.

Annual values are the mean of the year's periods (flows are annual rates); the base year is the
calibrated ``start`` row. Growth is the compound annual rate between ``since`` and ``year``.
"""

from __future__ import annotations

import math

import numpy as np


def annual(df, measure: str, place: str, year: int, sector: str = "") -> float:
    d = df[(df.measure == measure) & (df.place == place) & (df.sector == sector) & (df.origin == "")
           & (df.lever == "")]
    base = d.year.min()
    sel = d[d.year == base] if year == int(base) else d[np.floor(d.year + 1e-9) == year]
    if sel.empty:
        return math.nan
    return float(sel.value.mean())


def clusters(df, place: str, year: int, threshold: float) -> int:
    d = df[(df.measure == "industrial_output") & (df.sector != "") & (df.origin == "") & (df.lever == "")]
    if place != "region":
        d = d[d.place == place]
    else:
        d = d[~d.place.isin(["region"])]
    base = df.year.min()
    d = d[d.year == base] if year == int(base) else d[np.floor(d.year + 1e-9) == year]
    by = d.groupby(["place", "sector"]).value.mean()
    return int((by >= threshold).sum())


def period_sum(df, measure: str, place: str, since: int, year: int, origin_not: str | None = None) -> float:
    d = df[(df.measure == measure) & (df.place == place) & (df.lever == "")]
    if origin_not is not None:
        d = d[d.origin != origin_not]
    base = df.year.min()
    d = d[(d.year > base) & (np.floor(d.year + 1e-9) >= since) & (np.floor(d.year + 1e-9) <= year)]
    return float(d.value.sum())


def evaluate(df, targets) -> list[dict]:
    """One dict per target: value, unit, met (None if the run does not reach the target's year)."""
    out = []
    last = float(df.year.max())
    for t in targets:
        if t.measure in ("industrial_output", "gdp", "jobs"):
            value, unit = annual(df, t.measure, t.place, t.year), {"jobs": "persons"}.get(t.measure, "亿元/year")
        elif t.measure == "clusters":
            value, unit = clusters(df, t.place, t.year, t.threshold_yi), f"city-sectors ≥ {t.threshold_yi:g} 亿元"
        elif t.measure in ("output_growth", "gdp_growth"):
            meas = "industrial_output" if t.measure == "output_growth" else "gdp"
            a, b = annual(df, meas, t.place, t.since), annual(df, meas, t.place, t.year)
            value = (b / a) ** (1 / (t.year - t.since)) - 1 if a > 0 and b > 0 else math.nan
            unit = "per year"
        else:  # arrivals from outside the place
            if t.place == "region":
                value = period_sum(df, "arrivals", "region", t.since, t.year)
            else:
                value = period_sum(df, "arrivals_by_origin", t.place, t.since, t.year, origin_not=t.place)
            unit = "firms"
        reached = last >= t.year
        if not reached:  # a shortened run says nothing about a later target
            value = math.nan
        met = None
        if reached and not math.isnan(value):
            met = bool(value >= t.at_least) if t.at_least is not None else bool(value <= t.at_most)
        out.append({"id": t.id, "label": t.label, "measure": t.measure, "place": t.place, "year": t.year,
                    "since": t.since, "value": None if math.isnan(value) else round(float(value), 4),
                    "unit": unit, "at_least": t.at_least, "at_most": t.at_most, "met": met,
                    "source": t.source})
    return out
