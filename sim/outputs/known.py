"""Outputs of the scenario's known projects (sim/agents/known_projects.py): each one's stage by
period (rows ``known_project_stage``, place = the project's id), its summary in ``summary.json``
and, over replicates, the probability that it has reached 投产 by the end of each year."""
from __future__ import annotations

import numpy as np

from ..agents.known_projects import STAGE_NAMES

REACHED = (3, 4, 5)  # producing, full (达产), closed after 投产


def run_summary(model, df) -> dict:
    """Per known project: name, park, sector, investment (亿元), jobs at full output, its stage and
    date as given, its stage at the end and the year it reached 投产 (None if it did not)."""
    kn = model.known
    if not len(kn):
        return {}
    jobs = kn.jobs_full(model.market.capital_per, np.array(model.data.sector_values("jobs_per_yi")))
    rows = df[df.measure == "known_project_stage"]
    out = {}
    for k, kp in enumerate(kn.rows):
        d = rows[rows.place == kp.id].sort_values("year")
        hit = d[d.value.round().isin(REACHED)]
        out[kp.id] = {"name_zh": kp.name_zh, "park": kp.park, "sector": kp.sector,
                      "investment_yi": kp.investment_yi, "jobs_full": round(float(jobs[k]), 1),
                      "jobs_given": kp.jobs is not None, "stage_given": kp.stage, "date": str(kp.date),
                      "stage_end": STAGE_NAMES[round(float(d.value.iloc[-1]))] if len(d) else None,
                      "producing_from": round(float(hit.year.iloc[0]), 4) if len(hit) else None,
                      "source": kp.source}
    return out


def reach_by_year(frames, meta: dict) -> list[dict]:
    """Over replicates (``frames``: each run's rows), per known project and year: the share of
    replicates in which it has reached 投产 by the end of that year (its last period in the year)."""
    out = []
    for pid, info in meta.items():
        per_rep = []
        for df in frames:
            d = df[(df.measure == "known_project_stage") & (df.place == pid)]
            yr = np.floor(d.year.to_numpy() + 1e-9).astype(int)
            last = d.groupby(yr).apply(lambda g: g.sort_values("year").value.iloc[-1], include_groups=False)
            per_rep.append(last.round().isin(REACHED))
        if not per_rep:
            continue
        years = sorted(set().union(*[set(s.index) for s in per_rep]))
        for y in years:
            xs = [bool(s.get(y, False)) for s in per_rep]
            out.append({"id": pid, "name_zh": info.get("name_zh", pid), "year": int(y),
                        "probability_producing": round(float(np.mean(xs)), 4), "replicates": len(xs)})
    return out
