"""Dates and dated schedules of scenario files (pure functions; no pydantic, nothing from ``sim``).

A leaf module: ``sim/policy/levers.py`` (lever schema) and ``sim/scenario/`` (which imports the lever
schema) both read dates, so it lives outside the ``sim/scenario`` package, whose ``__init__`` would
otherwise import the lever schema back (docs/decisions.md).

A date is a year (``2024``), a month (``"2026-07"``) or a quarter (``"2025Q2"``), read as a decimal
year. A schedule is a number, or a mapping ``{2024: 0.3, "2026-07": 0.5}`` (value from that date on).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$|^(\d{4})Q([1-4])$")


def parse_date(key: Any) -> float:
    """``2024`` -> 2024.0, ``"2026-07"`` -> 2026.5, ``"2025Q2"`` -> 2025.25 (decimal years)."""
    if isinstance(key, bool):
        raise ValueError(f"{key!r} is not a date")  # noqa: TRY004 (pydantic reports ValueError)
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


def overlay(base: Schedule, top: Schedule) -> Schedule:
    """``top`` from its first date on, ``base`` before it: a scenario's dated schedule over the data's
    (the data's points before the scenario's first date are kept). A constant ``top`` (a plain number,
    its first date −∞) replaces ``base`` everywhere."""
    if not top.points:
        return base
    first = top.points[0][0]
    kept = tuple((d, v) for d, v in base.points if d < first)
    return Schedule(points=kept + top.points, before=base.before)


def parse_schedule(value: Any, before: float = 0.0) -> Schedule:
    if isinstance(value, bool):
        raise ValueError("a number or a mapping of dates to numbers")  # noqa: TRY004 (pydantic reports ValueError)
    if isinstance(value, (int, float)):
        return Schedule.constant(float(value))
    if isinstance(value, dict):
        pts = []
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"value at {k!r} must be a number")  # noqa: TRY004 (pydantic reports ValueError)
            pts.append((parse_date(k), float(v)))
        pts.sort()
        return Schedule(points=tuple(pts), before=before)
    raise ValueError("a number or a mapping of dates to numbers")
