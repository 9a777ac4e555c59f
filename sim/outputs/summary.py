"""``summary.json`` of one run: headline numbers, the fiscal ledger, attribution and cost per induced
job (per lever and for the money levers together), public investment by payer, discounted sums,
targets (docs/cli.md §summary.json, docs/model.md §Attribution)."""

from __future__ import annotations

import numpy as np

from ..policy.attribution import MONEY_KINDS
from ..policy.infrastructure import PAYERS, investments
from .channels import summary_decomposition
from .known import run_summary as known_run_summary
from .targets import evaluate

WAN_PER_YI = 1e4
ZERO_COST, NO_JOBS = "zero-cost lever", "no jobs induced"


def _series(df, place: str, measure: str, sector: str = ""):
    d = df[(df.place == place) & (df.measure == measure) & (df.sector == sector) & (df.origin == "")
           & (df.lever == "")]
    return d.set_index("year").value


def cost_per_job(spent_yi: float, jobs: float) -> tuple[float | None, str | None]:
    """(万元 per induced job, None) or (None, why not): ``zero-cost lever`` when nothing was spent,
    ``no jobs induced`` when spending found no induced job."""
    if not spent_yi > 0:
        return None, ZERO_COST
    if not jobs > 0:
        return None, NO_JOBS
    return round(spent_yi * WAN_PER_YI / jobs, 2), None


def discount_factors(years, base_year: float, rate: float) -> np.ndarray:
    """(1 + r)^−(t − base) for periods starting at ``years`` (money of a period discounted from its
    start to the start of the base year)."""
    return (1.0 + rate) ** -(np.asarray(years, dtype=float) - base_year)


# flows summed over the run in summary.json (per city and the region): incumbents' fixed investment
# and the project pipeline (sim.outputs.metrics.PROJECT_MEASURES); the money ones carry ``_yi``
INVESTMENT_FLOWS = ("fixed_investment", "projects_intended", "projects_signed", "investment_signed",
                    "funds_arrived", "projects_started", "projects_producing", "projects_dropped")
MONEY_FLOWS = ("fixed_investment", "investment_signed", "funds_arrived")
BY_YEAR_KEYS = {"general_budget_revenue": "general_budget_yi", "land_transfer_revenue": "land_transfer_yi"}


def _place_accounts(df, place: str, sim_rows, published: float) -> dict:
    """Capital (base and end, 亿元), incumbents' fixed investment and the project pipeline's counts and
    money (totals over the simulated periods), real GDP at 2022 prices (base and end), the general
    budget (total over the simulated periods; the published 2022 figure; the residual's share of
    the base period's budget) and land-transfer revenue (total, net of cost) of a city or the
    region."""
    g = _series(df, place, "gdp_real")
    base = df[(df.year == df.year.min()) & (df.place == place) & (df.lever == "") & (df.sector == "")]
    b0 = base[base.measure == "general_budget_revenue"].value
    r0 = base[base.measure == "budget_residual"].value
    share = float(r0.iloc[0] / b0.iloc[0]) if len(b0) and b0.iloc[0] > 0 else None
    sr = sim_rows[(sim_rows.place == place) & (sim_rows.lever == "")]
    k = _series(df, place, "capital")
    flows = sr[sr.investor_origin == ""] if "investor_origin" in sr else sr
    invest = {f"{m}_total{'_yi' if m in MONEY_FLOWS else ''}": round(float(flows[flows.measure == m].value.sum()), 3)
              for m in INVESTMENT_FLOWS}
    return {
        "capital_base_yi": round(float(k.iloc[0]), 2) if len(k) else None,
        "capital_end_yi": round(float(k.iloc[-1]), 2) if len(k) else None,
        **invest,
        "gdp_real_base_yi": round(float(g.iloc[0]), 2) if len(g) else None,
        "gdp_real_end_yi": round(float(g.iloc[-1]), 2) if len(g) else None,
        "general_budget_revenue_total_yi": round(float(
            sr[sr.measure == "general_budget_revenue"].value.sum()), 3),
        "general_budget_revenue_2022_published_yi": None if np.isnan(published) else round(published, 2),
        "budget_residual_share_base": round(share, 4) if share is not None else None,
        "land_transfer_revenue_total_yi": round(float(sr[sr.measure == "land_transfer_revenue"].value.sum()), 3),
    }


def build_summary(model, df, seed: int, wall: float) -> dict:
    scn = model.scn
    base_year, last = df.year.min(), df.year.max()
    rate = float(scn.parameters.discount_rate)
    summ = {"scenario": scn.name, "seed": seed, "base_year": float(base_year),
            "last_period": float(last), "firms_total": int(model.alive.sum()),
            "run_seconds": round(wall, 2), "cities": {}, "region": {}}
    sim_rows = df[df.year > base_year]
    for c in model.city_ids:
        g, io = _series(df, c, "gdp"), _series(df, c, "industrial_output")
        arr = df[(df.place == c) & (df.measure == "arrivals_by_origin") & (df.origin != c)]
        fin = sim_rows[(sim_rows.place == c) & (sim_rows.lever == "")]

        def tot(meas, digits=None, fin=fin):
            x = float(fin[fin.measure == meas].value.sum())
            return round(x) if digits is None else round(x, digits)
        summ["cities"][c] = {
            "gdp_base_yi": round(float(g.iloc[0]), 2), "gdp_end_yi": round(float(g.iloc[-1]), 2),
            "industrial_output_base_yi": round(float(io.iloc[0]), 2),
            "industrial_output_end_yi": round(float(io.iloc[-1]), 2),
            "arrivals_from_other_places_total": int(arr.value.sum()),
            "induced_arrivals_total": tot("induced_arrivals"),
            "deadweight_arrivals_total": tot("deadweight_arrivals"),
            "unpaid_arrivals_total": tot("unpaid_arrivals"),
            "jointly_induced_arrivals_total": tot("jointly_induced_arrivals"),
            "fiscal_revenue_total_yi": tot("fiscal_revenue", 3),
            "fiscal_spending_total_yi": tot("fiscal_spending", 3),
            "infrastructure_spending_total_yi": tot("infrastructure_spending_city", 3),
        }
        summ["cities"][c].update(_place_accounts(df, c, fin, model.data.budget_2022(c)))
    r = df[(df.place == "region") & (df.lever == "")]
    reg = summ["region"]
    for meas in ("gdp", "industrial_output", "firms", "jobs"):
        s = r[r.measure == meas].set_index("year").value
        reg[f"{meas}_base"] = round(float(s.iloc[0]), 2)
        reg[f"{meas}_end"] = round(float(s.iloc[-1]), 2)
    rs = r[r.year > base_year]

    def total(meas, pv=False):
        d = rs[rs.measure == meas]
        w = discount_factors(d.year, base_year, rate) if pv else 1.0
        return float((d.value * w).sum())

    def end(meas):
        d = r[r.measure == meas]
        return float(d.value.iloc[-1]) if len(d) else 0.0
    reg["arrivals_from_origin_regions_total"] = int(total("arrivals"))
    for meas in ("induced", "deadweight", "unpaid", "jointly_induced", "money_induced"):
        reg[f"{meas}_arrivals_total"] = round(total(f"{meas}_arrivals"))
    reg["induced_jobs_end"] = round(end("induced_jobs"), 1)
    reg["money_induced_jobs_end"] = round(end("money_induced_jobs"), 1)
    # money: the cities' ledger (levers and their own share of infrastructure), the package
    # (levers and all of the infrastructure, whoever pays), undiscounted and discounted
    lever_rows = sim_rows[(sim_rows.place != "region") & (sim_rows.measure == "lever_spending")]
    lever_w = discount_factors(lever_rows.year, base_year, rate)
    money = {"fiscal_revenue": total("fiscal_revenue"), "fiscal_spending": total("fiscal_spending"),
             "fiscal_balance": total("fiscal_balance"), "lever_spending": float(lever_rows.value.sum()),
             "infrastructure_spending": total("infrastructure_spending")}
    pv = {"fiscal_revenue": total("fiscal_revenue", True), "fiscal_spending": total("fiscal_spending", True),
          "fiscal_balance": total("fiscal_balance", True),
          "lever_spending": float((lever_rows.value * lever_w).sum()),
          "infrastructure_spending": total("infrastructure_spending", True)}
    for d in (money, pv):
        d["package_spending"] = d["lever_spending"] + d["infrastructure_spending"]
    for k, x in money.items():
        reg[f"{k}_total_yi"] = round(x, 3)
    for payer in PAYERS:
        reg[f"infrastructure_spending_{payer}_total_yi"] = round(total(f"infrastructure_spending_{payer}"), 3)
    for k, x in pv.items():
        reg[f"{k}_total_pv_yi"] = round(x, 3)
    summ["discounting"] = {
        "rate": rate, "to": float(base_year),
        "rule": "each period's money × (1 + rate)^−(period start − base year); nominal, like the "
                "model's money (parameters.discount_rate)"}
    summ["levers"], summ["money_levers"] = _levers(model, sim_rows, r, base_year, rate)
    summ["infrastructure"] = _infrastructure(model, sim_rows)
    pub = np.array([model.data.budget_2022(c) for c in model.city_ids])
    reg.update(_place_accounts(df, "region", rs, float(np.nansum(pub)) if
                                  (~np.isnan(pub)).any() else float("nan")))
    by_year: dict[int, dict] = {}
    for meas in ("fiscal_revenue", "fiscal_spending", "fiscal_balance", "general_budget_revenue",
                 "land_transfer_revenue"):
        s = rs[rs.measure == meas]
        key = BY_YEAR_KEYS.get(meas, meas.replace("fiscal_", "") + "_yi")
        for y, v in s.groupby(np.floor(s.year + 1e-9).astype(int)).value.sum().items():
            by_year.setdefault(int(y), {})[key] = round(float(v), 3)
    summ["fiscal_by_year"] = by_year
    summ["budget_events"] = list(model.budget_events)
    summ["targets"] = evaluate(df, scn.targets)
    summ["known_projects"] = known_run_summary(model, df)
    # the last period's change since the base year by channel (births / incumbents / relocations /
    # exits), for the study area and each city
    summ["decomposition"] = summary_decomposition(df, model.city_ids)
    return summ


def _levers(model, sim_rows, region_rows, base_year: float, rate: float) -> tuple[dict, dict]:
    """Per lever: money, to whom, what it flipped, the jobs it alone made pivotal (held at the end
    in firms whose arrival it induced) and their cost; and the money levers together."""
    lev = sim_rows[sim_rows.lever != ""]
    last = region_rows.year.max()
    out = {}
    for lv in model.levers:
        d = lev[lev.lever == lv.id]
        sp = d[d.measure == "lever_spending"]
        spent = float(sp.value.sum())
        to_ind = float(d[d.measure == "lever_spending_induced"].value.sum())
        jobs = d[(d.measure == "induced_jobs") & (d.place == "region") & (d.year == last)].value
        dw = spent - to_ind
        spent, jobs = round(spent, 4), round(float(jobs.iloc[0]) if len(jobs) else 0.0, 1)
        cost, why = cost_per_job(spent, jobs)  # from the numbers as reported, so anyone can redo it
        out[lv.id] = {
            "kind": lv.kind, "label": lv.label, "unit": lv.unit or "", "money": lv.kind in MONEY_KINDS,
            "spending_total_yi": spent,
            "spending_total_pv_yi": round(float((sp.value * discount_factors(sp.year, base_year, rate)).sum()), 4),
            "spending_on_induced_yi": round(to_ind, 4),
            "spending_on_deadweight_yi": round(dw, 4),
            "pivotal_arrivals": int(d[d.measure == "pivotal_arrivals"].value.sum()),
            "induced_jobs": jobs, "cost_per_induced_job_wan": cost, "null_reason": why,
            "source": lv.source, "range": list(lv.range) if lv.range else None,
        }
    ids = [k for k, v in out.items() if v["money"]]
    spent = round(sum(out[k]["spending_total_yi"] for k in ids), 4)
    rs = region_rows[region_rows.year > base_year]
    jobs = region_rows[(region_rows.measure == "money_induced_jobs") & (region_rows.year == last)].value
    jobs = round(float(jobs.iloc[0]) if len(jobs) else 0.0, 1)
    cost, why = cost_per_job(spent, jobs)
    money = {"levers": ids, "spending_total_yi": spent,
             "spending_total_pv_yi": round(sum(out[k]["spending_total_pv_yi"] for k in ids), 4),
             "induced_arrivals": round(float(rs[rs.measure == "money_induced_arrivals"].value.sum())),
             "induced_jobs": jobs, "cost_per_induced_job_wan": cost, "null_reason": why}
    return out, money


def _infrastructure(model, sim_rows) -> dict:
    """Each transport project and new park: its investment, when and by whom it is paid, what
    the run spent on it, and the source of the numbers."""
    out = {}
    reg = sim_rows[(sim_rows.place == "region") & (sim_rows.measure == "infrastructure_spending")]
    for inv in investments(model.scn, model.data):
        out[inv.id] = {"kind": inv.kind, "investment_yi": inv.total_yi,
                       "spending_from": round(inv.start, 4), "spending_to": round(inv.end, 4),
                       "payer_shares": dict(zip(PAYERS, inv.shares)), "city_payers": inv.cities,
                       "spent_in_run_yi": round(float(reg[reg.lever == inv.id].value.sum()), 4),
                       "source": inv.source, "estimate": inv.estimate}
    return out
