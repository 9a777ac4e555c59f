"""Money over time: annuity and duration factors, unit conversions (MODEL.md §6)."""
from __future__ import annotations

import numpy as np

WAN_TO_YI = 1e-4  # 1 万元 = 1e-4 亿元


def annuity(years: float, rate: float) -> float:
    """Present value of 1 a year for ``years`` at ``rate`` (the annuity factor):
    a(H, r) = (1 − (1 + r)^−H) / r, and H when r ≤ 0; 0 for H ≤ 0."""
    if years <= 0:
        return 0.0
    return years if rate <= 0 else (1 - (1 + rate) ** (-years)) / rate


def duration_factor(years: np.ndarray | float, horizon: float, rate: float) -> np.ndarray:
    """Share of a permanent benefit's value that ``years`` of it are worth to a firm planning over
    ``horizon`` years at ``rate``: a(min(y, H), r) / a(H, r), 0 for y ≤ 0."""
    y = np.minimum(np.asarray(years, dtype=float), horizon)
    aH = annuity(horizon, rate)
    if rate <= 0:
        return np.maximum(y, 0) / aH
    return np.where(y > 0, (1 - (1 + rate) ** (-np.maximum(y, 0))) / rate / aH, 0.0)


def eligible_by_date(arrived_t: np.ndarray, start: float, years: float, t: float) -> np.ndarray:
    """A benefit for newcomers (``applies_to: new``): the firm arrived on or after the lever's first
    date and fewer than ``years`` ago (dates in years, 1e-9 for dates on a quarter's boundary)."""
    return (arrived_t >= start - 1e-9) & (t - arrived_t < years)
