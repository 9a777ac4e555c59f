"""City governments as agents (issue 17): ``city_policy: compete | coordinate``.

Each acting city c holds one lever per governed kind k (``gov.<city>.<kind>``: a land discount on
the plot's price for newcomers, one-off at arrival, and a tax rebate on newcomers' income tax for
``tax_years``), compiled like any scenario lever (target: the city's own parks, not joint parks, and
every mobile sector). Its value is 1 from the first decision on and its rate for sector s is the
government's r[c, k, s] (``PolicyRuntime.set_sector_scale``): payments, choice and project terms,
the q-rule's flows and the attribution read that rate, so a government's decision is a lever change
like any other (induced, pivotal and deadweight stay defined; the random numbers are the same).

Governments decide once a year, in the first period of the year (t an integer after the base year),
before the period's choices, from what a government can observe (never the model's hidden state or
an attribution counterfactual):

* n[c, s]: projects signed (签约, public announcements) at c's sites in sector s since the last
  decision (a joint park's by its partners' shares, ``Sites.city_w``);
* its own spending on its levers over the last calendar year (万元, ``PolicyRuntime.spent_year``)
  and whether one of them hit its budget cap (``exhausted``);
* its budget ``budget_wan_per_year`` (split equally over the kinds as the levers' hard caps).

Its own tax revenue is observable too but no rule below uses it.

**compete** — for each acting city c (neighbours N(c): the other acting cities, or those within
``neighbours_km`` by road):

1. if ``ceiling_wan_per_project`` is set and spending / Σ_s n[c, s] exceeds it (or it spent with no
   project signed), every rate falls by ``step_down[k]`` (floor 0): reason ``above ceiling``;
2. else, if a lever of c hit its cap last year or its spending reached its budget, rates stay:
   (no row in the log);
3. else, in each mobile sector s where it lost ground to its neighbours — it signed none while
   they signed some, or its share of the neighbourhood's signings x[c, s] = n[c, s] / (n[c, s] +
   Σ_{d∈N(c)} n[d, s]) fell since the last decision — each rate rises by ``step_up[k]`` up to
   ``max_value[k]``: reason ``neighbours signed, we did not`` or ``lost share to neighbours``.
   (A share, not a count, so that a small city is not always behind a large one; noise alone makes
   a share fall about every other year, so without a ceiling or a budget rates ratchet up: the race
   to the bottom.)

**coordinate** — the group G (``cities``) acts as one bidder against the cities outside it (within
``neighbours_km`` of a member, or all): a member sets rates only in the sectors assigned to it
(``specialties.csv``; 0 elsewhere), all members assigned a sector set the same rate, and the trigger
compares the group's signings Σ_{c∈G} n[c, s] with the outsiders' (the same zero and share
rules, the group's share of the signings of the group and its outsiders), never one member's with
another's (members do not bid against each other). The ceiling applies to the group's spending per
group project; a member at its cap holds. The group also runs one joint promotion lever
(``gov.group.promotion``: ``promotion`` on its assigned sectors in every member, ``promotion_cost_wan``
per year). Joint parks' revenue is already shared by the partners' shares (``Sites.city_w``: taxes,
land sales and lever payments of a joint park are split by them).

Rates move in steps of ``step_up`` / ``step_down`` (shares); money in 万元 (1e4 yuan), the ledger's
亿元 × 1e4.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..economy.finance import WAN_TO_YI
from ..errors import ScenarioError
from .levers import Lever, Target

GROUP_PROMOTION = "gov.group.promotion"
# the decisions log (``Governments.log``, decisions.csv of a run)
LOG_COLUMNS = ["city", "year", "sector", "kind", "old", "new", "reason", "signed_own", "signed_neighbours",
               "spending_wan", "spending_per_project_wan"]


def lever_id(city: str, kind: str) -> str:
    return f"gov.{city}.{kind}"


def read_specialties(data_dir: Path, cp) -> list[dict] | None:
    """The group's assignment of sectors (``cp.specialties`` in the data folder: city, sector,
    source, estimate), read under ``coordinate`` only."""
    if cp.behaviour != "coordinate":
        return None
    from ..data import read_table
    from ..data_schemas import SRC, _text
    return read_table(Path(data_dir) / cp.specialties, {"city": _text, "sector": _text, **SRC},
                      ("city", "sector")).rows


class GovernmentPlan:
    """What the governments are and hold, from the scenario and the data (before the model's levers
    are compiled): the acting cities (indices into ``city_ids``), the sectors assigned to each
    (coordinate) and the levers to add (``levers``)."""

    def __init__(self, cp, src, city_rows: list[dict], park_rows: list[dict], sectors: list[str],
                 mobile: np.ndarray, start_year: int, specialties: list[dict] | None,
                 scenario_ids: list[str] = ()) -> None:
        self.cp, self.behaviour = cp, cp.behaviour
        for lid in scenario_ids:
            if lid.startswith("gov."):
                raise ScenarioError(src, "levers", lid, "an id not starting with 'gov.' (reserved for "
                                                        "the city governments' levers under city_policy)")
        city_ids = [c["id"] for c in city_rows]
        self.city_ids, self.sectors = city_ids, sectors
        names = cp.cities if cp.cities is not None else [c["id"] for c in city_rows if c.get("six_city")]
        for c in names:
            if c not in city_ids:
                raise ScenarioError(src, "city_policy.cities", c, f"a city id ({', '.join(city_ids)})")
        if len(names) < 2:
            raise ScenarioError(src, "city_policy.cities", names, "at least two cities")
        self.acting = [city_ids.index(c) for c in names]
        S = len(sectors)
        self.assigned = np.zeros((len(city_ids), S), dtype=bool)
        if self.behaviour == "coordinate":
            where = f"{src}: city_policy.specialties"
            for r in specialties or []:
                if r["city"] not in names:
                    raise ScenarioError(where, "city", r["city"], f"a member of the group ({', '.join(names)})")
                if r["sector"] not in sectors or not mobile[sectors.index(r["sector"])]:
                    raise ScenarioError(where, "sector", r["sector"], "a mobile sector of data/sector_params.csv")
                self.assigned[city_ids.index(r["city"]), sectors.index(r["sector"])] = True
            if not self.assigned.any():
                raise ScenarioError(src, "city_policy.specialties", cp.specialties,
                                    "a table assigning at least one sector to a member of the group")
        else:
            self.assigned[self.acting] = mobile
        self.levers: list[Lever] = []
        self.index: dict[tuple[int, str], int] = {}  # (city, kind) -> position in ``levers``
        first = start_year + 1
        mobile_names = [s for s, m in zip(sectors, mobile) if m]
        source = f"city_policy: {self.behaviour} (sim/policy/governments.py); rates set by the city's government"
        for c in self.acting:
            own = [pk["id"] for pk in park_rows if pk["city"] == city_ids[c] and not pk.get("partners")]
            target = Target(parks=own, sectors=mobile_names) if own else \
                Target(cities=[city_ids[c]], sectors=mobile_names)
            budget = cp.budget_of(city_ids[c])
            for k in cp.kinds:
                self.index[(c, k)] = len(self.levers)
                self.levers.append(Lever(
                    id=lever_id(city_ids[c], k), kind=k, label=f"{city_ids[c]} {k} (government)",
                    value={first: 1.0}, unit="share", target=target, applies_to="new",
                    years=cp.tax_years if k == "tax_rebate" else None,
                    budget_wan_per_year=None if budget is None else budget / len(cp.kinds), source=source))
        if self.behaviour == "coordinate" and cp.promotion > 0:
            secs = [s for j, s in enumerate(sectors) if self.assigned[:, j].any()]
            self.levers.append(Lever(
                id=GROUP_PROMOTION, kind="promotion", label="joint promotion of the group's specialties",
                value={first: cp.promotion}, cost_wan=cp.promotion_cost_wan,
                target=Target(cities=names, sectors=secs), source=source))


class Governments:
    """The acting governments' rates ``rate[a, k, s]`` (a: ``plan.acting`` order, k: ``cp.kinds``),
    their decisions (``decide``) and the log of changes (``log``: city, year, sector, kind, old, new,
    reason and what the government saw). ``first_lever``: the position of the plan's first lever in
    the compiled lever set; ``city_w`` (R × cities): who collects at each site; ``city_km``
    (cities × cities): road km between the cities."""

    def __init__(self, plan: GovernmentPlan, rt, first_lever: int, city_w: np.ndarray,
                 mobile: np.ndarray, city_km: np.ndarray, start: float) -> None:
        cp = self.cp = plan.cp
        self.plan, self.rt, self.city_w, self.mobile, self.start = plan, rt, city_w, mobile, start
        self.kinds = list(cp.kinds)
        A, K, S = len(plan.acting), len(self.kinds), len(plan.sectors)
        self.j = np.array([[first_lever + plan.index[(c, k)] for k in self.kinds] for c in plan.acting])
        self.on = plan.assigned[plan.acting]  # (A, S): the sectors each government sets
        init = np.array([cp.initial_value.of(k) for k in self.kinds])
        self.rate = np.where(self.on[:, None, :], init[None, :, None], 0.0) * np.ones((A, K, S))
        acting = np.array(plan.acting)
        near = np.ones_like(city_km, dtype=bool) if cp.neighbours_km is None else city_km <= cp.neighbours_km
        member = np.zeros(len(city_km), dtype=bool)
        member[acting] = True
        if plan.behaviour == "compete":  # each city against the other acting cities near it
            self.neighbours = near[acting] & member[None, :]
            self.neighbours[np.arange(A), acting] = False
        else:  # the group against the cities outside it near any member
            self.neighbours = np.broadcast_to(near[acting].any(axis=0) & ~member, (A, len(member))).copy()
        self.seen = np.zeros((S, len(member)))  # signings by (sector, city) at the last decision
        self.share = np.full((A, S), np.nan)      # each government's share of its neighbourhood's
        self.log: list[dict] = []
        self._apply()

    def _apply(self) -> None:
        for a in range(len(self.plan.acting)):
            for i in range(len(self.kinds)):
                self.rt.set_sector_scale(int(self.j[a, i]), self.rate[a, i])

    def decide(self, t: float, signed_sr: np.ndarray) -> None:
        """The year's decisions at ``t`` (the first period of a year after the base year; a no-op
        otherwise): ``signed_sr`` (S × R) the projects signed since the start by (sector, site);
        spending and caps from the runtime's last calendar year (read before its reset)."""
        if abs(t - round(t)) > 1e-9 or t <= self.start + 1e-9:
            return
        cp, rt = self.cp, self.rt
        cum = signed_sr @ self.city_w  # (S, cities)
        n, self.seen = cum - self.seen, cum
        spent = rt.spent_year[self.j].sum(axis=1) / WAN_TO_YI  # 万元 per government
        capped = rt.exhausted[self.j].any(axis=1)
        budget = np.array([math.inf if cp.budget_of(self.plan.city_ids[c]) is None
                           else cp.budget_of(self.plan.city_ids[c]) for c in self.plan.acting])
        capped |= spent >= budget * (1 - 1e-9)
        acting = self.plan.acting
        own = n[:, acting].T  # (A, S)
        if self.plan.behaviour == "coordinate":  # the group is one bidder
            own = np.broadcast_to(own.sum(axis=0), own.shape)
            spent_per = np.full(len(acting), spent.sum())
        else:
            spent_per = spent
        seen_nb = self.neighbours.astype(float) @ n.T  # (A, S): the neighbours' signings
        tot = own + seen_nb
        share = np.where(tot > 0, own / np.maximum(tot, 1e-300), np.nan)
        fell = share < self.share - 1e-12  # (False where either year had no signings)
        self.share = share
        projects = (own * self.mobile).sum(axis=1)
        per = np.where(projects > 0, spent_per / np.maximum(projects, 1e-300),
                       np.where(spent_per > 0, np.inf, 0.0))
        up = np.array([cp.step_up.of(k) for k in self.kinds])
        down = np.array([cp.step_down.of(k) for k in self.kinds])
        top = np.array([cp.max_value.of(k) for k in self.kinds])
        year = round(t)
        old = self.rate.copy()
        for a, c in enumerate(acting):
            if cp.ceiling_wan_per_project is not None and per[a] > cp.ceiling_wan_per_project:
                self.rate[a] = np.maximum(old[a] - down[:, None], 0.0) * self.on[a]
                reason = "above ceiling"
            elif capped[a]:
                continue
            else:
                none = (seen_nb[a] > 0) & (own[a] == 0)
                lost = self.on[a] & (none | fell[a])
                self.rate[a] = np.where(lost[None, :], np.minimum(old[a] + up[:, None], top[:, None]), old[a])
                reason = np.where(none, "neighbours signed, we did not", "lost share to neighbours")
            for i, s in zip(*np.nonzero(self.rate[a] != old[a])):
                self.log.append({"city": self.plan.city_ids[c], "year": year, "sector": self.plan.sectors[s],
                                 "kind": self.kinds[i], "old": round(float(old[a, i, s]), 6),
                                 "new": round(float(self.rate[a, i, s]), 6),
                                 "reason": reason if isinstance(reason, str) else str(reason[s]),
                                 "signed_own": float(own[a, s]), "signed_neighbours": float(seen_nb[a, s]),
                                 "spending_wan": round(float(spent[a]), 4),
                                 "spending_per_project_wan": None if not math.isfinite(per[a])
                                 else round(float(per[a]), 4)})
        self._apply()

    def value_rows(self, val: np.ndarray) -> list[tuple[str, str, list[str], np.ndarray]]:
        """Per governed lever: (city, lever id, its sectors, the rates in force val × weight) — the
        ``lever_value`` rows by city and sector (``decided_by`` = the behaviour)."""
        out = []
        secs = [s for s, m in zip(self.plan.sectors, self.mobile) if m]
        for a, c in enumerate(self.plan.acting):
            for i, k in enumerate(self.kinds):
                j = int(self.j[a, i])
                out.append((self.plan.city_ids[c], lever_id(self.plan.city_ids[c], k), secs,
                            val[j] * self.rt.sector_scale[j][self.mobile]))
        return out
