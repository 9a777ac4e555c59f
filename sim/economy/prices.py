"""Price indices as pure functions (MODEL.md §9.8): GDP deflators and real values at 2022 prices.

* A deflator's growth from published nominal growth n and real growth r of the same year:
  π = (1 + n) / (1 + r) − 1.
* The index P(t) with P(base) = 1 grows at the rate in force on each stretch of time:
  P(t) = Π_k (1 + π_k)^(length of stretch k inside [base, t]), a rate π_k applying from its date
  d_k until the next date (dates in years, e.g. 2022.0 = the 2022 level, 2023.0 = the 2023 level).
* Real value at base-year prices: X_real = X_nominal / P(t).
"""
from __future__ import annotations

import numpy as np


def implied_deflator_growth(nominal_growth, real_growth):
    """π = (1 + n)/(1 + r) − 1: the deflator's growth implied by nominal growth n and real
    (constant-price) growth r, both as fractions (0.05 = 5 %)."""
    return (1.0 + np.asarray(nominal_growth, dtype=float)) / (1.0 + np.asarray(real_growth, dtype=float)) - 1.0


def deflator_index(t: float, base: float, points: list[tuple[float, float]]) -> float:
    """P(t) with P(base) = 1 for piecewise-constant annual rates ``points`` [(date, rate), …]
    sorted by date: a rate applies from its date to the next date; before the first date the
    first rate applies (no point: P = 1); t < base gives the index backwards (P < 1 if rates > 0)."""
    if not points:
        return 1.0
    dates = [d for d, _ in points]
    return float(deflator_indices(t, base, dates, np.log1p(np.array([[r] for _, r in points])))[0])


def deflator_indices(t: float, base: float, dates: list[float], logs: np.ndarray) -> np.ndarray:
    """``deflator_index`` of n places whose rates change at the same ``dates`` (K, sorted):
    ``logs[k, i]`` = ln(1 + rate of place i from date k). ln P adds the stretches in date order."""
    lo, hi, sign = (base, t, 1.0) if t >= base else (t, base, -1.0)
    log_p = np.zeros(logs.shape[1])
    K = len(dates)
    for k in range(K):
        start = -np.inf if k == 0 else dates[k]
        end = dates[k + 1] if k + 1 < K else np.inf
        span = min(hi, end) - max(lo, start)
        if span > 0:
            log_p += span * logs[k]
    return np.exp(sign * log_p)


def real_value(nominal, index):
    """Nominal value / price index: the value at base-year prices."""
    return np.asarray(nominal, dtype=float) / np.asarray(index, dtype=float)
