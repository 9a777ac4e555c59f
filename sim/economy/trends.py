"""Dated growth schedules of places (scenario ``trends``) evaluated at a date."""
from __future__ import annotations

import bisect

import numpy as np


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
