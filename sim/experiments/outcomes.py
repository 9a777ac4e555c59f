"""Outcome vocabulary of experiments: the flattened ``summary.json`` of a run (``region.<key>``,
``<city>.<key>``, ``lever.<id>.<key>``, ``target.<id>[.met]``) and the yearly ``place.measure``
series for fan charts; kept in step with sim/outputs/summary.py by a test."""

from __future__ import annotations

import math

# ------------------------------------------------------------------------------------------

REGION_KEYS = ("gdp_base", "gdp_end", "industrial_output_base", "industrial_output_end",
               "firms_base", "firms_end", "jobs_base", "jobs_end",
               "arrivals_from_origin_regions_total", "induced_arrivals_total",
               "deadweight_arrivals_total", "unpaid_arrivals_total", "jointly_induced_arrivals_total",
               "induced_jobs_end", "money_induced_jobs_end", "fiscal_revenue_total_yi",
               "fiscal_spending_total_yi", "package_spending_total_yi", "fiscal_balance_total_pv_yi",
               "package_spending_total_pv_yi", "cost_per_induced_job_wan", "cost_per_induced_firm_wan")
CITY_KEYS = ("gdp_base_yi", "gdp_end_yi", "industrial_output_base_yi", "industrial_output_end_yi",
             "arrivals_from_other_places_total", "induced_arrivals_total",
             "deadweight_arrivals_total", "fiscal_revenue_total_yi", "fiscal_spending_total_yi")
LEVER_KEYS = ("spending_total_yi", "spending_on_induced_yi", "spending_on_deadweight_yi",
              "pivotal_arrivals", "induced_jobs", "cost_per_induced_job_wan")
SERIES_MEASURES = ("gdp", "industrial_output", "jobs", "firms", "population", "wage",
                   "fiscal_balance", "fiscal_revenue", "fiscal_spending", "arrivals")


def outcome_names(scn, data) -> set[str]:
    names = {f"region.{k}" for k in REGION_KEYS}
    for c in data.cities.rows:
        names |= {f"{c['id']}.{k}" for k in CITY_KEYS}
    for lv in scn.levers:
        names |= {f"lever.{lv.id}.{k}" for k in LEVER_KEYS}
    for t in scn.targets:
        names |= {f"target.{t.id}", f"target.{t.id}.met"}
    return names


def series_names(scn, data) -> set[str]:
    places = ["region", *[c["id"] for c in data.cities.rows]]
    return {f"{p}.{m}" for p in places for m in SERIES_MEASURES}


def flatten_summary(summ: dict) -> dict[str, float]:
    """summary.json -> {outcome name: number} (met: 1.0 / 0.0, not reached: NaN)."""
    out: dict[str, float] = {}

    def num(x):
        if x is None:
            return math.nan
        if isinstance(x, bool):
            return 1.0 if x else 0.0
        return float(x)
    for k, v in summ["region"].items():
        out[f"region.{k}"] = num(v)
    for c, d in summ["cities"].items():
        for k, v in d.items():
            out[f"{c}.{k}"] = num(v)
    for lid, d in summ.get("levers", {}).items():
        for k in LEVER_KEYS:
            out[f"lever.{lid}.{k}"] = num(d.get(k))
    for t in summ.get("targets", []):
        out[f"target.{t['id']}"] = num(t["value"])
        out[f"target.{t['id']}.met"] = num(t["met"])
    # the money levers' spending over what they together induced (docs/model.md §Attribution)
    mon = summ.get("money_levers") or {}
    spent = mon.get("spending_total_yi", 0.0) or 0.0
    ij, ia = mon.get("induced_jobs", 0.0) or 0.0, mon.get("induced_arrivals", 0) or 0
    out["region.cost_per_induced_job_wan"] = spent * 1e4 / ij if spent > 0 and ij > 0 else math.nan
    out["region.cost_per_induced_firm_wan"] = spent * 1e4 / ia if spent > 0 and ia > 0 else math.nan
    return out
