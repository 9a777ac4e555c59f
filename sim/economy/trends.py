"""Dated growth schedules of places (scenario ``trends``) evaluated at a date, and the structural
(shift-share) income trend of a city (docs/model.md §Trends).

Shift-share (pure functions, no data access):

    g_c(Y) = Σ_k w_c,k · g_k(Y),   g_k(Y) = VA_k(Y) / VA_k(Y−1) − 1,   k ∈ {primary, secondary, tertiary}

w_c,k the city's sector shares of its GDP in the base year (shares of 1; cities.csv ``*_pct`` / 100),
VA_k the province's value added of sector k (亿元, current prices, province_sectors.csv), so g_k and g_c
are nominal growth rates per year. A city whose GDP is mostly grain grows with the province's grain
value added, a service city with its services: in 2023 Jilin's primary VA fell 2.6 % (grain prices),
its secondary 0.9 % (producer prices), its tertiary rose 8.1 %.
"""
from __future__ import annotations

import bisect

import numpy as np

SECTORS = ("primary", "secondary", "tertiary")


def sector_growth(va_prev: tuple[float, float, float], va_now: tuple[float, float, float]) -> np.ndarray:
    """g_k = VA_k(Y) / VA_k(Y−1) − 1 for the three sectors (VA in 亿元, current prices; 1/year)."""
    return np.asarray(va_now, dtype=float) / np.asarray(va_prev, dtype=float) - 1.0


def shift_share_growth(shares: tuple[float, float, float], growth: np.ndarray) -> float:
    """g_c = Σ_k w_k g_k, w_k = shares_k / Σ shares (shares in any unit, e.g. % of GDP; growth 1/year):
    the nominal growth of a city whose sectors each grow at the province's rate."""
    w = np.asarray(shares, dtype=float)
    return float(w @ np.asarray(growth, dtype=float) / w.sum())


def shift_share_points(shares: tuple[float, float, float], va: dict[int, tuple[float, float, float]],
                       long_run: float) -> tuple[tuple[float, float], ...]:
    """A city's income trend as (date, annual rate) points, each rate in force from its date (a
    ``sim.dates.Schedule``'s points; before the first date, the first rate): for each year Y of ``va`` ({year: (primary,
    secondary, tertiary VA)}) whose year Y−1 is there too, the shift-share rate g_c(Y) from Y−1.0 on
    (the convention of prices.csv: year Y's growth over Y−1 applies from the start of Y−1), the last
    one until the end of year Y (Y+1.0), then ``long_run``. Trend factors grow as f ← f·(1 + g(t0))^dt
    over each period (``sim.agents.trends.Trends.advance``), and a year's GDP is the mean of its
    quarter rows (``sim.experiments.sweep.annual_series``), so the mean of year Y over the mean of
    year Y−1 grows exactly by 1 + g_c(Y) when the first rate starts at the base year Y−1. Without two
    consecutive years: ((−∞, ``long_run``),)."""
    years = sorted(y for y in va if y - 1 in va)
    if not years:
        return ((-np.inf, float(long_run)),)
    pts = [(float(y - 1), shift_share_growth(shares, sector_growth(va[y - 1], va[y]))) for y in years]
    pts.append((float(years[-1] + 1), float(long_run)))
    return tuple(pts)


class Schedules(list):
    """The dated schedules of several places (a list of ``scenario.Schedule``); ``at(t)`` gives all
    their values as a read-only array, memoised per interval between the schedules' dates (a
    schedule's value at t depends only on which of its dates are ≤ t + 1e-9)."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self._dates = sorted({d for sch in self for d, _ in sch.points})
        self._memo: dict[int, np.ndarray] = {}

    def at(self, t: float) -> np.ndarray:
        i = bisect.bisect_right(self._dates, t + 1e-9)
        a = self._memo.get(i)
        if a is None:
            a = self._memo[i] = np.array([sch.at(t) for sch in self])
            a.flags.writeable = False
        return a
