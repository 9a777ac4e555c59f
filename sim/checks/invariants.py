"""Invariants of a running model and of its outputs (``run.py --check``, tests).

:class:`InvariantChecker` is attached to a :class:`sim.model.RegionalEconomy` before its first step
and called after every step (``check()``). It costs well under a millisecond per step for the full
baseline (a few vectorised passes over the firm arrays), so ``--check`` can be on for every run.

Checked every step:

* **firms**: firms created (initial + entrants + anchors) = alive + exited; ids unique and
  increasing; every per-firm array has one entry per firm in the arrays (exited firms are dropped);
* **no negative** capital (scale), output, value added, jobs, land, free land, land prices, wages,
  population, GDP, incomes, profits per unit scale, arrivals, ledger amounts;
* **parks**: 0 ≤ occupancy ≤ 1 (free land between 0 and capacity);
* **shares sum to 1**: each study-area site's revenue and spending shares over cities (joint
  parks' partners); arrivals = induced + deadweight + unpaid at every site, jointly induced and
  money-induced arrivals ≤ induced; land discounts held in [0, 1];
* **ledger**: spending induced ≤ spending; a lever's spending in a calendar year ≤ its budget cap;
* **no NaN or infinity** anywhere in the numeric state (arrays and scalars of the model, its
  cities and parks), except the documented sentinels: ``free_land`` = +inf off parks (unlimited),
  ``arrived_t`` = −inf for firms present at the base, ``park_opens`` = −inf for existing parks,
  ``lever_start`` / ``lever_years`` = +inf (never / no limit).

:func:`check_outputs` checks a run's ``trajectories.parquet`` frame: finite values, non-negative
stocks and prices, occupancy in [0, 1], fiscal balance = revenue − spending per city, year and for
the region, levers' spending plus the cities' share of infrastructure investment adds up to the
cities' spending, cities add up to the region, and arrivals = induced + deadweight + unpaid for
every city and park (jointly induced and money-induced arrivals at most the induced ones), and the
channels of ``jobs_change`` add up to the change in jobs since the base period in every city, park
and the region.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# arrays that may hold an infinity of one sign by construction (see the module docstring)
INF_ALLOWED = {"free_land": +1, "arrived_t": -1, "park_opens": -1, "lever_start": +1,
               "lever_years": +1}

NONNEGATIVE = ("scale", "output", "va", "jobs", "land", "land_price", "land_price0", "income",
               "pi_scale", "pibar", "pibar_firm", "city_va", "city_jobs", "arrivals", "departures",
               "arrivals_from", "exits", "entries", "induced_arrivals", "deadweight_arrivals",
               "unpaid_arrivals", "jointly_induced_arrivals", "money_induced_arrivals",
               "pivotal_arrivals", "ledger_spend", "ledger_spend_induced", "ledger_revenue",
               "lever_spent_year", "cost", "g", "f_income", "f_wage", "f_pop", "f_land",
               "wages_market", "cum_retained", "extra_demand", "spend_scale", "spend_firm",
               "cost_kappa")

PER_FIRM = ("firm_id", "sector", "site", "scale", "home", "alive", "land", "arrived_t", "land_disc",
            "induced", "pivotal", "pinned")

TOL = 1e-9


class InvariantError(AssertionError):
    """The model broke one of its invariants: our bug, never the user's (exit code 1)."""


class InvariantChecker:
    """Checks a model's invariants; create it before the first step, call :meth:`check` after each."""

    def __init__(self, model) -> None:
        self.m = model
        self.created0 = len(model.firm_id)
        self.exited = 0
        self.entered = 0
        self.seen_step = -1
        self.checks = 0
        self.spent_year: dict[tuple[int, int], float] = {}

    # ------------------------------------------------------------------ public
    def check(self) -> None:
        """Raise :class:`InvariantError` listing every broken invariant of the current state."""
        m = self.m
        if m.step_count != self.seen_step and m.step_count > 0:
            # per-period counters of the step just taken (reset by the model each period)
            self.exited += round(float(m.exits.sum()))
            self.entered += round(float(m.entries.sum()))
        self.seen_step = m.step_count
        problems: list[str] = []
        self._firms(problems)
        self._finite_state(problems)
        self._nonnegative(problems)
        self._parks_and_shares(problems)
        self._ledger(problems)
        self.checks += 1
        if problems:
            when = m.t if m.step_count else m.start
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise InvariantError(f"invariant broken at {when:.2f} (step {m.step_count}): {shown}")

    # ------------------------------------------------------------------ parts
    def _firms(self, out: list[str]) -> None:
        m = self.m
        n = len(m.firm_id)
        for name in PER_FIRM:
            a = getattr(m, name)
            if len(a) != n:
                out.append(f"{name} has {len(a)} entries for {n} firms")
        for name in ("output", "va", "jobs"):
            a = getattr(m, name, None)
            if a is not None and len(a) != n:
                out.append(f"{name} has {len(a)} entries for {n} firms")
        # exiting firms are dropped from the arrays (sim/agents/demography.py), so the arrays
        # hold the live firms plus at most the dead ones of the current period
        created = self.created0 + self.entered
        alive = int(m.alive.sum())
        if alive + self.exited != created:
            out.append(f"firms created {created} (initial + entrants + anchors) != alive {alive} + "
                       f"exited {self.exited}")
        if not alive <= n <= created:
            out.append(f"{n} firms in the arrays, outside [alive {alive}, created {created}]")
        if n and (m.next_id <= int(m.firm_id[-1]) or (n > 1 and not (np.diff(m.firm_id) > 0).all())):
            out.append("firm ids not unique and increasing")
        if (m.site < 0).any() or (m.site >= m.R).any() or (m.sector < 0).any() or (m.sector >= m.S).any():
            out.append("a firm's site or sector index out of range")

    def _finite_state(self, out: list[str]) -> None:
        m = self.m
        state = dict(vars(m))
        # the components' arrays under the model's names (sim/model_views.py)
        for klass in type(m).__mro__:
            for name, attr in vars(klass).items():
                if isinstance(attr, property) and name not in state:
                    try:
                        state[name] = getattr(m, name)
                    except AttributeError:
                        continue
        for name, a in state.items():
            if isinstance(a, np.ndarray):
                if a.dtype.kind != "f":
                    continue
                sign = INF_ALLOWED.get(name)
                if sign is None:
                    if not np.isfinite(a).all():
                        out.append(f"{name} has {int((~np.isfinite(a)).sum())} NaN/infinite values")
                else:
                    bad = np.isnan(a) | (np.isinf(a) & (np.sign(a) != sign))
                    if bad.any():
                        out.append(f"{name} has {int(bad.sum())} NaN or wrong-signed infinite values")
            elif isinstance(a, float) and not math.isfinite(a) and name not in INF_ALLOWED:
                out.append(f"{name} = {a}")
        for agent_list, what in ((m.cities, "city"), (m.parks, "park")):
            for ag in agent_list:
                for name, v in vars(ag).items():
                    if isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isfinite(v):
                        out.append(f"{what} {getattr(ag, 'name', getattr(ag, 'id', '?'))}: {name} = {v}")

    def _nonnegative(self, out: list[str]) -> None:
        m = self.m
        for name in NONNEGATIVE:
            a = getattr(m, name, None)
            if a is None:
                continue
            a = np.asarray(a, dtype=float)
            neg = a < -TOL * np.maximum(1.0, np.abs(a).max(initial=0.0))
            if neg.any():
                out.append(f"{name} has {int(neg.sum())} negative values (min {a.min():.6g})")
        for c in m.cities:
            for name in ("gdp", "population", "wage"):
                if getattr(c, name) < 0:
                    out.append(f"city {c.name}: {name} = {getattr(c, name):.6g} < 0")

    def _parks_and_shares(self, out: list[str]) -> None:
        m = self.m
        P = m.n_parks
        cap = np.array([pk.capacity for pk in m.parks])
        free = m.free_land[:P]
        over = free < -1e-6 * np.maximum(cap, 1.0)
        if over.any():
            k = int(np.flatnonzero(over)[0])
            out.append(f"park {m.site_ids[k]} occupied beyond capacity (free land {free[k]:.6g} ha)")
        above = free > cap * (1 + 1e-9) + 1e-9
        if above.any():
            k = int(np.flatnonzero(above)[0])
            out.append(f"park {m.site_ids[k]} has free land {free[k]:.6g} ha above capacity {cap[k]:.6g}")
        if (cap <= 0).any():
            out.append("a park with capacity <= 0")
        study = ~m.is_origin
        w = m.site_city_w.sum(axis=1)
        if not np.allclose(w[study], 1.0, atol=1e-9) or not np.allclose(w[~study], 0.0, atol=1e-12):
            out.append("city shares of a site's revenue and spending do not sum to 1")
        parts = m.induced_arrivals + m.deadweight_arrivals + m.unpaid_arrivals
        if not np.allclose(parts, m.arrivals, atol=1e-9):
            k = int(np.flatnonzero(~np.isclose(parts, m.arrivals, atol=1e-9))[0])
            out.append(f"arrivals at {m.site_ids[k]}: {m.arrivals[k]:g} != induced + deadweight + "
                       f"unpaid {parts[k]:g}")
        for name in ("jointly_induced_arrivals", "money_induced_arrivals"):
            if (getattr(m, name) > m.induced_arrivals + 1e-9).any():
                out.append(f"{name} above induced arrivals at a site")
        if (m.land_disc < -TOL).any() or (m.land_disc > 1 + TOL).any():
            out.append("a firm's land discount outside [0, 1]")

    def _ledger(self, out: list[str]) -> None:
        m = self.m
        if not len(m.levers):
            return
        if (m.ledger_spend_induced > m.ledger_spend + 1e-12 * (1 + np.abs(m.ledger_spend))).any():
            out.append("spending on induced firms exceeds spending")
        if not m.step_count:
            return
        year = math.floor(m.t + 1e-9)
        for j, cap_s in enumerate(m.lever_budget):
            key = (j, year)
            self.spent_year[key] = self.spent_year.get(key, 0.0) + float(m.ledger_spend[j].sum())
            if cap_s is None:
                continue
            cap = cap_s.at(m.t) * 1e-4
            if self.spent_year[key] > cap * (1 + 1e-9) + 1e-9:
                out.append(f"lever {m.lever_ids[j]} spent {self.spent_year[key] * 1e4:.6g} 万元 in {year}, "
                           f"above its cap {cap * 1e4:.6g}")


def check_outputs(df) -> None:
    """Check a trajectories frame (``trajectories.parquet``); raise :class:`InvariantError`."""
    problems: list[str] = []
    v = df["value"].to_numpy(dtype=float)
    if not np.isfinite(v).all():
        bad = df[~np.isfinite(v)].iloc[0]
        problems.append(f"{int((~np.isfinite(v)).sum())} NaN/infinite values (first: {bad.measure} "
                        f"{bad.place} {bad.year})")
    # land can be sold below its cost; known projects' stage codes are negative while pending/dropped;
    # changes since the base year and their channels have signs
    signed = {"fiscal_balance", "land_transfer_revenue", "known_project_stage", "output_change",
              "jobs_change", "capital_change"}
    neg = (v < -1e-9) & ~df["measure"].isin(signed).to_numpy()
    if neg.any():
        bad = df[neg].iloc[0]
        problems.append(f"{int(neg.sum())} negative values (first: {bad.measure} {bad.place} {bad.year} = "
                        f"{bad.value:.6g})")
    occ = df[df.measure == "occupancy"].value
    if ((occ < -1e-9) | (occ > 1 + 1e-9)).any():
        problems.append("park occupancy outside [0, 1]")
    plain = df[(df.sector == "") & (df.origin == "") & (df.lever == "")]
    fis = plain[plain.measure.isin(["fiscal_revenue", "fiscal_spending", "fiscal_balance"])]
    if len(fis):
        w = fis.pivot_table(index=["year", "place"], columns="measure", values="value", aggfunc="sum")
        gap = (w.fiscal_revenue - w.fiscal_spending - w.fiscal_balance).abs()
        scale = 1e-9 * (1 + w.fiscal_revenue.abs() + w.fiscal_spending.abs())
        if (gap > scale).any():
            problems.append("ledger: revenue - spending != balance")
        cities = w.drop(index="region", level="place", errors="ignore").groupby(level="year").sum()
        if "region" in w.index.get_level_values("place"):
            reg = w.xs("region", level="place")
            if not np.allclose(cities.values, reg.reindex(cities.index).values, rtol=1e-9, atol=1e-9):
                problems.append("ledger: cities do not add up to the region")
        # a city's spending: its levers' and its share of the public investment in projects and parks
        paid = df[df.measure.isin(["lever_spending", "infrastructure_spending_city"]) & (df.place != "region")]
        if len(paid):
            by = paid.groupby(["year", "place"]).value.sum()
            sp = w.fiscal_spending.drop(index="region", level="place", errors="ignore")
            if not np.allclose(by.reindex(sp.index).fillna(0.0).values, sp.values, rtol=1e-9, atol=1e-9):
                problems.append("ledger: levers' spending and the cities' infrastructure share do not "
                                "add up to the cities' spending")
    gb = plain[plain.measure.isin(["general_budget_revenue", "budget_residual", "fiscal_revenue"])]
    if len(gb) and "general_budget_revenue" in set(gb.measure):
        w = gb.pivot_table(index=["year", "place"], columns="measure", values="value", aggfunc="sum")
        gap = (w.fiscal_revenue + w.budget_residual - w.general_budget_revenue).abs()
        if (gap > 1e-9 * (1 + w.general_budget_revenue.abs())).any():
            problems.append("general budget != taxes + residual")
    problems += _attribution_rows(plain)
    problems += _channel_rows(df)
    if problems:
        raise InvariantError("outputs: " + "; ".join(problems))


def _channel_rows(df) -> list[str]:
    """The four channels of ``jobs_change`` add up to jobs at t − jobs at the base period for every
    city, park and the region, in every period (docs/model.md §Decomposition)."""
    if "channel" not in df.columns:
        return []
    ch = df[df.measure == "jobs_change"]
    if not len(ch):
        return []
    total = ch.groupby(["year", "place"]).value.sum()
    jobs = df[(df.measure == "jobs") & (df.sector == "") & (df.origin == "") & (df.lever == "")
              & (df.channel == "")].set_index(["year", "place"]).value
    base = jobs.xs(jobs.index.get_level_values("year").min(), level="year")
    places = total.index.get_level_values("place")
    want = jobs.reindex(total.index).to_numpy() - base.reindex(places).to_numpy()
    gap = np.abs(total.to_numpy() - want)
    bad = ~(gap <= 1e-9 * (1.0 + np.abs(want) + base.abs().reindex(places).to_numpy()))
    if bad.any():
        year, place = total.index[np.flatnonzero(bad)[0]]
        return [f"jobs_change channels != jobs − base jobs ({place}, {year})"]
    return []


ATTRIBUTION = ("arrivals", "induced_arrivals", "deadweight_arrivals", "unpaid_arrivals",
               "jointly_induced_arrivals", "money_induced_arrivals")


def _attribution_rows(plain) -> list[str]:
    """Arrivals = induced + deadweight + unpaid for every city and park and period; jointly
    induced and money-induced arrivals at most the induced ones (the region's ``arrivals`` row
    counts arrivals from the origin regions only, so it has no such identity)."""
    a = plain[plain.measure.isin(ATTRIBUTION) & (plain.place != "region")]
    if not len(a) or "induced_arrivals" not in set(a.measure):
        return []
    w = a.pivot_table(index=["year", "place"], columns="measure", values="value", aggfunc="sum")
    w = w.reindex(columns=list(ATTRIBUTION)).fillna(0.0)
    out = []
    gap = (w.arrivals - w.induced_arrivals - w.deadweight_arrivals - w.unpaid_arrivals).abs()
    if (gap > 1e-9).any():
        year, place = gap[gap > 1e-9].index[0]
        out.append(f"arrivals != induced + deadweight + unpaid ({place}, {year})")
    for col in ("jointly_induced_arrivals", "money_induced_arrivals"):
        if (w[col] > w.induced_arrivals + 1e-9).any():
            out.append(f"{col} above induced arrivals")
    return out
