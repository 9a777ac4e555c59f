"""Public investment in the transport projects and new parks a scenario builds (MODEL.md §9.7): how
much, who pays it (central, province, city) and when.

An investment of X 亿元 with build years B that completes (a project's ``completion``, a park's
``opens``) at T is spent evenly over [T − B, T): the period that starts at t (it runs over
[t, t + dt), like every period of the model) pays X × |[t, t + dt) ∩ [T − B, T)| / B. Spending
before the first simulated period is sunk at the base year and not counted. The city share is paid by the study-area cities named for it: a transport
project's ``city_payers`` (``data/project_costs.csv``; default the cities its links touch), a new
park's partners (default its city). This is an accounting line: it does not change the model's
state (the travel times and the park's land change on their own dates)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dates import parse_date

PAYERS = ("central", "province", "city")


@dataclass(frozen=True)
class Investment:
    """One project or park: ``total_yi`` (亿元) spent evenly over [``start``, ``end``) (decimal
    years), ``shares`` per payer (central, province, city; summing to 1), ``cities`` the study-area
    cities paying the city share (shares summing to 1)."""
    id: str
    kind: str  # "transport" or "park"
    total_yi: float
    start: float
    end: float
    shares: tuple[float, float, float]
    cities: dict[str, float]
    source: str
    estimate: bool

    def spent(self, t0: float, t1: float) -> float:
        """亿元 spent over [t0, t1)."""
        if self.total_yi == 0 or t1 <= self.start or t0 >= self.end:
            return 0.0
        return self.total_yi * (min(t1, self.end) - max(t0, self.start)) / (self.end - self.start)


def investments(scn, data) -> list[Investment]:
    """The scenario's transport projects (costs from ``data.project_costs``) and new parks."""
    out = []
    costs = data.project_costs.by("id")
    done: dict[str, float] = {}
    for r in data.projects.rows:
        done[r["id"]] = max(done.get(r["id"], -np.inf), r["completion_year"])
    for pid in sorted(scn.transport_projects):
        c = costs[pid]
        end = done[pid]
        out.append(Investment(pid, "transport", c["investment_yi"], end - c["build_years"], end,
                              (c["central_share"], c["province_share"], c["city_share"]),
                              dict(c["city_split"]), c["source"], c["estimate"]))
    for npk in scn.new_parks:
        end = parse_date(npk.opens)
        pay = npk.investment_payers
        out.append(Investment(npk.id, "park", npk.investment_yi, end - npk.build_years, end,
                              tuple(float(pay.get(k, 0.0)) for k in PAYERS),
                              dict(npk.partners) if npk.partners else {npk.city: 1.0},
                              npk.investment_source, npk.investment_estimate))
    return out


def period_spending(invs: list[Investment], t0: float, t1: float, city_ids: list[str]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spending over [t0, t1) (亿元): per investment (I), per investment and payer (I × 3, ``PAYERS``
    order) and the city share per investment and city (I × cities)."""
    I, nc = len(invs), len(city_ids)
    total, by_payer, by_city = np.zeros(I), np.zeros((I, 3)), np.zeros((I, nc))
    col = {c: k for k, c in enumerate(city_ids)}
    for i, inv in enumerate(invs):
        x = inv.spent(t0, t1)
        if x == 0.0:
            continue
        total[i] = x
        by_payer[i] = [x * s for s in inv.shares]
        for c, w in inv.cities.items():
            by_city[i, col[c]] += by_payer[i, 2] * w
    return total, by_payer, by_city
