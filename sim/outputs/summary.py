"""``summary.json`` of one run: headline numbers, the fiscal ledger, attribution, targets."""

from __future__ import annotations

import numpy as np

from .targets import evaluate


def _series(df, place: str, measure: str, sector: str = ""):
    d = df[(df.place == place) & (df.measure == measure) & (df.sector == sector) & (df.origin == "")
           & (df.lever == "")]
    return d.set_index("year").value


BY_YEAR_KEYS = {"general_budget_revenue": "general_budget_yi", "land_transfer_revenue": "land_transfer_yi"}


def _prices_and_budget(df, place: str, sim_rows, published: float) -> dict:
    """Real GDP at 2022 prices (base and end), the general budget (total over the simulated
    periods; the published 2022 figure; the residual's share of the base period's budget) and
    land-transfer revenue (total, net of cost) of a city or the region."""
    g = _series(df, place, "gdp_real")
    base = df[(df.year == df.year.min()) & (df.place == place) & (df.lever == "") & (df.sector == "")]
    b0 = base[base.measure == "general_budget_revenue"].value
    r0 = base[base.measure == "budget_residual"].value
    share = float(r0.iloc[0] / b0.iloc[0]) if len(b0) and b0.iloc[0] > 0 else None
    sr = sim_rows[(sim_rows.place == place) & (sim_rows.lever == "")]
    return {
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
    summ = {"scenario": scn.name, "seed": seed, "base_year": float(base_year),
            "last_period": float(last), "firms_total": int(model.alive.sum()),
            "run_seconds": round(wall, 2), "cities": {}, "region": {}}
    sim_rows = df[df.year > base_year]
    for c in model.city_ids:
        g, io = _series(df, c, "gdp"), _series(df, c, "industrial_output")
        arr = df[(df.place == c) & (df.measure == "arrivals_by_origin") & (df.origin != c)]
        fin = sim_rows[(sim_rows.place == c) & (sim_rows.lever == "")]
        summ["cities"][c] = {
            "gdp_base_yi": round(float(g.iloc[0]), 2), "gdp_end_yi": round(float(g.iloc[-1]), 2),
            "industrial_output_base_yi": round(float(io.iloc[0]), 2),
            "industrial_output_end_yi": round(float(io.iloc[-1]), 2),
            "arrivals_from_other_places_total": int(arr.value.sum()),
            "induced_arrivals_total": int(fin[fin.measure == "induced_arrivals"].value.sum()),
            "deadweight_arrivals_total": int(fin[fin.measure == "deadweight_arrivals"].value.sum()),
            "fiscal_revenue_total_yi": round(float(fin[fin.measure == "fiscal_revenue"].value.sum()), 3),
            "fiscal_spending_total_yi": round(float(fin[fin.measure == "fiscal_spending"].value.sum()), 3),
        }
        summ["cities"][c].update(_prices_and_budget(df, c, fin, model.data.budget_2022(c)))
    r = df[(df.place == "region") & (df.lever == "")]
    for meas in ("gdp", "industrial_output", "firms", "jobs"):
        s = r[r.measure == meas].set_index("year").value
        summ["region"][f"{meas}_base"] = round(float(s.iloc[0]), 2)
        summ["region"][f"{meas}_end"] = round(float(s.iloc[-1]), 2)
    rs = r[r.year > base_year]
    summ["region"]["arrivals_from_origin_regions_total"] = int(rs[rs.measure == "arrivals"].value.sum())
    summ["region"]["induced_arrivals_total"] = int(rs[rs.measure == "induced_arrivals"].value.sum())
    summ["region"]["deadweight_arrivals_total"] = int(rs[rs.measure == "deadweight_arrivals"].value.sum())
    summ["region"]["induced_jobs_end"] = round(float(r[r.measure == "induced_jobs"].value.iloc[-1]), 1)
    summ["region"]["fiscal_revenue_total_yi"] = round(float(rs[rs.measure == "fiscal_revenue"].value.sum()), 3)
    summ["region"]["fiscal_spending_total_yi"] = round(float(rs[rs.measure == "fiscal_spending"].value.sum()), 3)
    pub = np.array([model.data.budget_2022(c) for c in model.city_ids])
    summ["region"].update(_prices_and_budget(df, "region", rs, float(np.nansum(pub)) if
                                             (~np.isnan(pub)).any() else float("nan")))
    # per lever: money, to whom, what it flipped
    lev = sim_rows[sim_rows.lever != ""]
    summ["levers"] = {}
    for j, lv in enumerate(model.levers):
        d = lev[lev.lever == lv.id]
        spent = float(d[d.measure == "lever_spending"].value.sum())
        to_ind = float(d[d.measure == "lever_spending_induced"].value.sum())
        summ["levers"][lv.id] = {
            "kind": lv.kind, "label": lv.label, "unit": lv.unit or "",
            "spending_total_yi": round(spent, 4), "spending_on_induced_yi": round(to_ind, 4),
            "spending_on_deadweight_yi": round(spent - to_ind, 4),
            "pivotal_arrivals": int(d[d.measure == "pivotal_arrivals"].value.sum()),
            "source": lv.source, "range": list(lv.range) if lv.range else None,
        }
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
    return summ
