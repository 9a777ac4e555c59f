"""``run.py compare BASE POLICY [...]``: policy versus baseline, replicate by replicate.

Replicate k of every scenario uses the same seed (spawned from one root ``SeedSequence``), so a
policy run and its baseline share their random draws (common random numbers) and their difference
is the policy's effect plus only the noise the policy itself stirs up.

Two attributions (docs/model.md §Attribution):
* partial equilibrium (PE), inside the policy run: an arrival is induced if, with the same state
  and the same draws, its best choice without the policy terms differs. ``cost_per_induced_job_wan``
  and ``cost_per_induced_firm_wan`` divide the money levers' spending by what the money levers
  together induced; per lever, ``cost_per_lever.csv`` divides its spending by the jobs it alone
  made pivotal (null with a reason for a free lever or one that induced no job).
* general equilibrium (GE): policy run minus baseline run (jobs, firms, GDP, revenue), including
  displacement between cities, crowding and wage effects. Reported next to it as
  ``cost_per_ge_job_wan`` (the package's spending, public investment included).

Over the replicates (sim/outputs/noise.py): every difference carries its mean, its band (5–95 %,
min–max below 5 replicates), the share of replicates with each sign and whether the band covers
zero; a cost over replicates is the cost of the mean (mean spending / mean jobs) only when the
jobs' band excludes zero, else null with a reason counting the replicates in which jobs did not
rise; the headline differences are printed with the replicates a stated precision needs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..scenario.draws import band_caption, posterior_draws
from . import results
from .channels import CHANGE_MEASURES, channel_differences
from .known import reach_by_year
from .metrics import PROJECT_MEASURES
from .noise import (
    DEFAULT_PRECISION,
    HEADLINE_MEASURES,
    HEADLINE_PLACES,
    band,
    band_kind,
    band_rows,
    cost_of_mean,
    describe,
    headline,
    noise_block,
)
from .summary import NO_JOBS, ZERO_COST, cost_per_job, discount_factors

DIFF_MEASURES = ("gdp", "gdp_real", "industrial_output", "jobs", "firms", "arrivals", "fiscal_revenue",
                 "fiscal_spending", "fiscal_balance", "induced_arrivals", "deadweight_arrivals",
                 "unpaid_arrivals", "jointly_induced_arrivals", "infrastructure_spending",
                 "general_budget_revenue", "budget_residual", "land_transfer_revenue",
                 "capital", "fixed_investment", *PROJECT_MEASURES, *CHANGE_MEASURES)
# why a cost over replicates is null (sim/outputs/noise.py: cost_of_mean), besides ZERO_COST
NO_FIRMS, NO_GE_JOBS = "no firms induced", "jobs do not rise"
# cost -> (the spending it divides, the count it divides by, what "<…> in k of n replicates" says,
# the reason when nothing was spent or None); all from each replicate's effects as reported
COSTS = {"cost_per_induced_firm_wan": ("money_spending_total_yi", "money_induced_arrivals_pe", NO_FIRMS, ZERO_COST),
         "cost_per_induced_job_wan": ("money_spending_total_yi", "money_induced_jobs_end_pe", NO_JOBS, ZERO_COST),
         "cost_per_ge_job_wan": ("package_spending_total_yi", "delta_jobs_end_ge", NO_GE_JOBS, None)}
# the tidy difference rows' keys (differences.parquet, difference_bands.parquet)
ROW_KEYS = ["year", "place", "measure", "sector", "origin", "lever", "unit", "investor_origin", "channel"]
# measures that are flows per period (summed over a year); the others are levels (averaged)
PERIOD_FLOWS = ("general_budget_revenue", "budget_residual", "land_transfer_revenue", "fixed_investment",
                *PROJECT_MEASURES)


def replicate_seeds(root: int, n: int) -> list[int]:
    """Seeds of the replicates: the root itself for one run, else children of ``SeedSequence(root)``."""
    if n == 1:
        return [int(root)]
    ss = np.random.SeedSequence(int(root))
    return [int(c.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1)) for c in ss.spawn(n)]


def _annual(df, measure: str, place: str = "region"):
    d = df[(df.measure == measure) & (df.place == place) & (df.sector == "") & (df.origin == "")
           & (df.lever == "")]
    base = d.year.min()
    d = d[d.year > base]
    flow_per_period = (measure.startswith("fiscal_") or measure.endswith("arrivals") or measure == "arrivals"
                       or measure in PERIOD_FLOWS)
    g = d.groupby(np.floor(d.year + 1e-9).astype(int)).value
    return g.sum() if flow_per_period else g.mean()


def payback_year(base_df, pol_df) -> int | None:
    """First year in which the cumulative extra revenue (policy − baseline) covers the cumulative
    lever spending; None if it never does within the horizon (or nothing was spent)."""
    spend = _annual(pol_df, "fiscal_spending")
    if spend.sum() <= 0:
        return None
    extra = _annual(pol_df, "fiscal_revenue") - _annual(base_df, "fiscal_revenue")
    net = (extra.reindex(spend.index).fillna(0.0) - spend).cumsum()
    first = spend[spend > 0].index[0]
    ok = net[(net.index >= first) & (net >= 0)]
    return int(ok.index[0]) if len(ok) else None


def _effects(base_df, pol_df, pol_sum: dict) -> dict:
    """One replicate's effects (docs/cli.md §compare). PE costs divide the money levers' spending by
    the jobs the money levers together induced (held at the end), never by arrivals a free lever
    induced; GE costs divide the package's spending (levers and public investment, whoever pays)
    by the study-area jobs gained against the baseline."""
    last = pol_df.year.max()
    r = pol_sum["region"]
    mon = pol_sum["money_levers"]
    package = r["package_spending_total_yi"]

    def end(df, meas):
        d = df[(df.place == "region") & (df.measure == meas) & (df.lever == "") & (df.year == last)]
        return float(d.value.iloc[0])

    def total(df, meas, pv=False):
        # region rows without an investor origin (project rows by origin add up to that row)
        d = df[(df.place == "region") & (df.measure == meas) & (df.lever == "") & (df.year > df.year.min())
               & (df.investor_origin == "")]
        w = discount_factors(d.year, df.year.min(), pol_sum["discounting"]["rate"]) if pv else 1.0
        return float((d.value * w).sum())
    d_jobs = end(pol_df, "jobs") - end(base_df, "jobs")
    d_firms = end(pol_df, "firms") - end(base_df, "firms")
    d_gdp = end(pol_df, "gdp") - end(base_df, "gdp")
    d_rev = r["fiscal_revenue_total_yi"] - total(base_df, "fiscal_revenue")
    d_rev_pv = r["fiscal_revenue_total_pv_yi"] - total(base_df, "fiscal_revenue", pv=True)
    d_gdp_real = end(pol_df, "gdp_real") - end(base_df, "gdp_real")
    wan = 1e4  # 亿元 -> 万元

    def per(x, n):
        return round(x * wan / n, 2) if n > 0 else None
    firm_cost, firm_why = cost_per_job(mon["spending_total_yi"], mon["induced_arrivals"])
    return {
        "spending_total_yi": round(r["lever_spending_total_yi"], 3),
        "money_spending_total_yi": round(mon["spending_total_yi"], 3),
        "infrastructure_spending_total_yi": round(r["infrastructure_spending_total_yi"], 3),
        "package_spending_total_yi": round(package, 3),
        "package_spending_total_pv_yi": round(r["package_spending_total_pv_yi"], 3),
        "spending_on_deadweight_yi": round(sum(v["spending_on_deadweight_yi"] for v in pol_sum["levers"].values()), 3),
        "induced_arrivals_pe": r["induced_arrivals_total"], "deadweight_arrivals_pe": r["deadweight_arrivals_total"],
        "unpaid_arrivals_pe": r["unpaid_arrivals_total"],
        "jointly_induced_arrivals_pe": r["jointly_induced_arrivals_total"],
        "money_induced_arrivals_pe": mon["induced_arrivals"],
        "induced_jobs_end_pe": r["induced_jobs_end"], "money_induced_jobs_end_pe": mon["induced_jobs"],
        "cost_per_induced_firm_wan": firm_cost,
        "cost_per_induced_firm_null_reason": NO_FIRMS if firm_why == NO_JOBS else firm_why,
        "cost_per_induced_job_wan": mon["cost_per_induced_job_wan"],
        "cost_per_induced_job_null_reason": mon["null_reason"],
        "delta_jobs_end_ge": round(d_jobs, 1), "delta_firms_end_ge": round(d_firms, 1),
        "delta_gdp_end_ge_yi": round(d_gdp, 2), "delta_revenue_total_ge_yi": round(d_rev, 3),
        "delta_revenue_total_ge_pv_yi": round(d_rev_pv, 3),
        "delta_gdp_real_end_ge_yi": round(d_gdp_real, 2),
        "delta_general_budget_total_ge_yi": round(total(pol_df, "general_budget_revenue")
                                                  - total(base_df, "general_budget_revenue"), 3),
        "delta_land_transfer_total_ge_yi": round(total(pol_df, "land_transfer_revenue")
                                                 - total(base_df, "land_transfer_revenue"), 3),
        # the investment economy (region): capital at the end, incumbents' fixed investment and the
        # projects' pipeline over the run (policy − baseline)
        "delta_capital_end_ge_yi": round(end(pol_df, "capital") - end(base_df, "capital"), 2),
        "delta_fixed_investment_total_ge_yi": round(total(pol_df, "fixed_investment")
                                                    - total(base_df, "fixed_investment"), 3),
        "delta_investment_signed_total_yi": round(total(pol_df, "investment_signed")
                                                  - total(base_df, "investment_signed"), 3),
        "delta_funds_arrived_total_yi": round(total(pol_df, "funds_arrived") - total(base_df, "funds_arrived"), 3),
        "delta_projects_signed_total": round(total(pol_df, "projects_signed") - total(base_df, "projects_signed"), 1),
        "delta_projects_producing_total": round(total(pol_df, "projects_producing")
                                                - total(base_df, "projects_producing"), 1),
        "cost_per_ge_job_wan": per(package, d_jobs),
        "cost_per_ge_job_null_reason": None if d_jobs > 0 else NO_GE_JOBS,
        "fiscal_payback_year": payback_year(base_df, pol_df),
    }


def _lever_effects(sums: list[dict]) -> list[dict]:
    """Per lever over replicates (``summary.json`` of each): mean spending and mean induced jobs,
    and their ratio as the cost per induced job when the jobs' band excludes zero (else null with
    its reason; ``undefined_replicates`` counts the replicates whose own cost is undefined:
    sim/outputs/noise.py ``cost_of_mean``); the money levers together as the row
    ``lever = "money levers"``."""
    rows = []
    first = sums[0]
    items = [(lid, v["kind"], v["money"], [s["levers"][lid] for s in sums]) for lid, v in first["levers"].items()]
    items.append(("money levers", "", True, [s["money_levers"] for s in sums]))
    for lid, kind, money, per in items:
        spent = [x["spending_total_yi"] for x in per]
        jobs = [x["induced_jobs"] for x in per]
        c = cost_of_mean(spent, jobs, NO_JOBS, ZERO_COST)
        rows.append({"lever": lid, "kind": kind, "money": money, "spending_total_yi": round(float(np.mean(spent)), 4),
                     "spending_total_pv_yi": round(float(np.mean([x["spending_total_pv_yi"] for x in per])), 4),
                     "induced_jobs": round(float(np.mean(jobs)), 1), "cost_per_induced_job_wan": c["value"],
                     "null_reason": c["null_reason"], "undefined_replicates": c["undefined_replicates"]})
    return rows


def run_comparison(args, execute_run, band_sources: str = "seed") -> Path:
    """Run every scenario per replicate and write the comparison folder (docs/cli.md §compare).
    ``band_sources`` says what the replicates' spread carries (``summary.json`` ``noise``):
    ``"seed"``, or ``"seed+parameters"`` when a parameter set is drawn per replicate."""
    import sys

    import pandas as pd

    from ..scenario import load_scenario
    if len(args.scenarios) < 2:
        raise UserError("compare", message="compare: expected BASE.yaml and at least one POLICY.yaml")
    if not 1 <= args.replicates <= 1000:
        raise UserError("--replicates", message=f"--replicates: got {args.replicates}; expected 1 to 1000")
    relative = getattr(args, "precision", None)
    relative = DEFAULT_PRECISION if relative is None else relative
    if not 0 < relative <= 1:
        raise UserError("--precision", message=f"--precision: got {relative}; expected a share of |mean| "
                                               f"above 0 and at most 1 (0.1 = ±10%)")
    loaded = [load_scenario(p, args.set) for p in args.scenarios]  # validate all before running any
    names = [ld.scenario.name for ld in loaded]
    if len(set(names)) != len(names):
        raise UserError("compare", message=f"compare: scenario names must differ (got {names})")
    root = loaded[0].scenario.seed if args.seed is None else args.seed
    if root < 0:
        raise UserError("--seed", message=f"--seed: got {root}; expected a non-negative integer")
    seeds = replicate_seeds(root, args.replicates)
    out = Path(args.out)
    # --posterior: replicate k of every scenario takes the same draw (paired differences)
    draws = posterior_draws(getattr(args, "posterior", None), loaded[0])
    runs: dict[str, list[tuple[Path, dict]]] = {n: [] for n in names}
    param_draws = []
    for k, seed in enumerate(seeds):
        used = {}
        for ld, path, n in zip(loaded, args.scenarios, names):
            ld_k = None if draws is None else draws.apply(ld, root, k)
            used[n] = None if ld_k is None else ld_k.posterior["values"]
            runs[n].append(execute_run(path, args.set, seed, args.until, out, quiet=True, reuse=True,
                                       check=getattr(args, "check", False), loaded=ld_k))
            print(f"compare: {n} replicate {k + 1}/{len(seeds)} -> {runs[n][-1][0].name}", flush=True,
                  file=sys.stderr)
        if draws is not None:
            param_draws.append({"replicate": k, "seed": seed, "drawn": draws.draw(root, k), "values": used})
    key = hashlib.sha256(json.dumps([ld.hash for ld in loaded] + seeds + [args.until]
                                    + ([] if draws is None else [draws.content_hash]),
                                    default=str).encode()).hexdigest()
    if draws is not None:
        band_sources = draws.band_sources
    bands = {"band_sources": band_sources, "bands": band_caption(draws)}
    tmp, final = results.new_run_dir(out, "compare_" + "_vs_".join(names)[:60], root, key)
    try:
        base = names[0]
        frames = {n: [pd.read_parquet(p / "trajectories.parquet") for p, _ in runs[n]] for n in names}
        city_ids = list(runs[base][0][1]["cities"])
        diffs, effects, target_rows = [], {}, []
        for n in names[1:]:
            per_rep = []
            for k in range(len(seeds)):
                b, p = frames[base][k], frames[n][k]
                sel = lambda d: d[d.measure.isin(DIFF_MEASURES) & (d.lever == "")]
                m = sel(p).merge(sel(b), on=ROW_KEYS, suffixes=("_policy", "_base"), how="outer").fillna(
                    {"value_policy": 0.0, "value_base": 0.0})
                m["difference"] = m.value_policy - m.value_base
                m["scenario"], m["replicate"], m["seed"] = n, k, seeds[k]
                diffs.append(m)
                per_rep.append(_effects(b, p, runs[n][k][1]))
            effects[n] = {"replicates": per_rep, "mean": mean_effects(per_rep, band_sources),
                          "levers": _lever_effects([s for _, s in runs[n]]),
                          # each channel's policy − baseline at the last period, over CRN pairs
                          "decomposition": channel_differences(frames[base], frames[n],
                                                               ["region", *city_ids])}
        # the baseline measured against each policy's targets: what the package adds to the odds
        from .targets import evaluate
        base_targets = {}
        for ld in loaded[1:]:
            if ld.scenario.targets:
                base_targets[f"{base} (targets of {ld.scenario.name})"] = [
                    evaluate(df, ld.scenario.targets) for df in frames[base]]
        target_sets = {n: [s["targets"] for _, s in runs[n]] for n in names}
        target_sets.update(base_targets)
        for n, tg in target_sets.items():
            target_rows += [{"scenario": n, **row} for row in target_table(tg)]
        dd = pd.concat(diffs, ignore_index=True)
        dd.to_parquet(tmp / "differences.parquet", index=False)
        # over the replicates: mean, band, sign shares and the noise flag of every difference row;
        # the headline differences with the replicates a stated precision needs
        band_rows(dd, ROW_KEYS).to_parquet(tmp / "difference_bands.parquet", index=False)
        heads = headline(dd, names[1:], [p for p in HEADLINE_PLACES if p == "region" or p in city_ids],
                         relative)
        for n in names[1:]:
            effects[n]["headline"] = heads.get(n, {})
        rows = []
        for n, e in effects.items():
            rows.append({"scenario": n, **e["mean"]})  # band_sources among them
        pd.DataFrame(rows).to_csv(tmp / "cost_effectiveness.csv", index=False)
        pd.DataFrame([{"scenario": n, **row} for n, e in effects.items() for row in e["levers"]]).to_csv(
            tmp / "cost_per_lever.csv", index=False)
        pd.DataFrame([{**r, "band_sources": bands["band_sources"]} for r in target_rows]).to_csv(
            tmp / "targets.csv", index=False)
        summary = {"base": base, "policies": names[1:],
                   "titles": {ld.scenario.name: ld.resolved.get("title") for ld in loaded},
                   "seeds": seeds, "until": args.until,
                   "overrides": list(args.set), **bands,
                   "posterior": None if draws is None else draws.record, "parameter_draws": param_draws,
                   "runs": {n: [str(p) for p, _ in runs[n]] for n in names},
                   "noise": noise_block(relative, float(dd.year.max()), band_sources),
                   "effects": effects, "targets": target_rows,
                   "notes": {"cost_per_induced_job_wan": "partial equilibrium: the money levers' "
                             "spending / jobs at the end of the run in firms whose arrival the money "
                             "levers together induced (same state, same draws); free levers are not "
                             "in it (per lever: effects.<policy>.levers)",
                             "cost_per_ge_job_wan": "general equilibrium: the package's spending "
                             "(levers and public investment in projects and parks, every payer) / "
                             "(policy − baseline) study-area jobs at the end of the run",
                             "discounting": "…_pv_yi: discounted to the base year at "
                             "parameters.discount_rate (summary.json of each run: discounting)"}}
        # the headline paragraph, from the numbers above (sim/outputs/headline.py)
        from .headline import city_names_en, headlines
        summary.update(headlines(dd, effects, names[1:], base, city_ids, summary["titles"],
                                 city_names_en(loaded[0].data_dir)))
        results.write_json(tmp / "summary.json", summary)
        from ..territory import load_territory
        from .maps import scenario_places
        from .plots import comparison_figures
        places = {n: scenario_places(ld) for n, ld in zip(names, loaded)}
        parks = pd.read_csv(loaded[0].data_dir / "parks.csv", usecols=["id", "name_zh"])
        park_names = dict(zip(parks.id, parks.name_zh)) | {p.id: p.name_zh for ld in loaded for p in ld.scenario.new_parks}
        comparison_figures(tmp, frames, names, bands=bands["bands"], titles=summary["titles"], park_names=park_names,
                           territory=load_territory(loaded[0].data_dir),
                           parks={n: pl[0] for n, pl in places.items()}, zone_cities=places[names[0]][2])
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    for n in names[1:]:
        for place, by in heads.get(n, {}).items():
            for meas in HEADLINE_MEASURES:
                if meas in by:
                    print(describe(n, place, meas, by[meas], base), file=sys.stderr)
    print(f"compare: bands carry {'seed noise only' if band_sources == 'seed' else 'seed noise and parameter uncertainty'}"
          f" (band_sources = {band_sources})", file=sys.stderr)
    return path


def target_table(per_replicate: list[list[dict]]) -> list[dict]:
    """One row per target over replicates (each a list of ``targets.evaluate`` dicts): probability
    met (None if no replicate reaches the target's year) and 5/50/95% of its value."""
    rows = []
    for i, t in enumerate(per_replicate[0] if per_replicate else []):
        vals = [r[i]["value"] for r in per_replicate if r[i]["value"] is not None]
        mets = [r[i]["met"] for r in per_replicate if r[i]["met"] is not None]
        rows.append({"target": t["id"], "label": t["label"], "unit": t["unit"], "year": t["year"],
                     "at_least": t["at_least"], "at_most": t["at_most"],
                     "probability_met": round(float(np.mean(mets)), 4) if mets else None,
                     "value_p5": _q(vals, 5), "value_p50": _q(vals, 50), "value_p95": _q(vals, 95),
                     "replicates": len(per_replicate)})
    return rows


def _q(vals, q):
    return round(float(np.percentile(vals, q)), 4) if vals else None


def mean_effects(per_rep: list[dict], band_sources: str = "seed") -> dict:
    """One row of ``cost_effectiveness.csv``: each effect's mean over the replicates with its band
    (``_p5``/``_p95``; min and max below 5 replicates: ``band_kind``); each difference
    (``delta_…``, policy − baseline) also with ``_share_positive``, ``_share_negative`` and
    ``_indistinguishable_from_noise`` (sim/outputs/noise.py). A cost is the cost of the mean
    (``COSTS``, ``cost_of_mean``) or null with ``…_null_reason``; ``…_undefined_replicates``
    counts the replicates whose own cost is undefined (none is dropped); its band only when every
    replicate's cost is defined."""
    n = len(per_rep)
    out = {}
    for k in per_rep[0]:
        if k.endswith("_null_reason"):
            continue  # written with its cost
        xs = [r[k] for r in per_rep if r[k] is not None]
        if k in COSTS:
            spent, count, nothing, zero = COSTS[k]
            c = cost_of_mean([r[spent] for r in per_rep], [r[count] for r in per_rep], nothing, zero)
            out[k] = c["value"]
            if n > 1:
                b = band(xs, 2) if c["value"] is not None and len(xs) == n else {}
                out[k + "_p5"], out[k + "_p95"] = b.get("p5"), b.get("p95")
            stem = k.removesuffix("_wan")
            out[stem + "_null_reason"] = c["null_reason"]
            out[stem + "_undefined_replicates"] = c["undefined_replicates"]
        elif not xs:
            out[k] = None
        elif k == "fiscal_payback_year":
            out[k] = int(np.median(xs)) if len(xs) == len(per_rep) else None
        else:
            b = band(xs, 4)
            out[k] = round(float(np.mean(xs)), 3)
            if n > 1:
                out[k + "_p5"], out[k + "_p95"] = b["p5"], b["p95"]
            if k.startswith("delta_"):
                out[k + "_share_positive"] = b["share_positive"]
                out[k + "_share_negative"] = b["share_negative"]
                out[k + "_indistinguishable_from_noise"] = b["indistinguishable_from_noise"]
    out.update(band_kind=band_kind(n), band_sources=band_sources, n_replicates=n)
    return out


def run_ensemble(args, scenario: str, execute_run) -> Path:
    """``run.py run SCENARIO --replicates N``: N runs with spawned seeds, and an ensemble folder with
    the probability of each target, 5–95% bands of the headline numbers and fan charts."""
    import pandas as pd

    from ..scenario import load_scenario
    from .targets import evaluate
    if not 2 <= args.replicates <= 1000:
        raise UserError("--replicates", message=f"--replicates: got {args.replicates}; expected 1 to 1000")
    ld = load_scenario(scenario, args.set)
    root = ld.scenario.seed if args.seed is None else args.seed
    if root < 0:
        raise UserError("--seed", message=f"--seed: got {root}; expected a non-negative integer")
    seeds = replicate_seeds(root, args.replicates)
    out = Path(args.out)
    draws = posterior_draws(getattr(args, "posterior", None), ld)  # --posterior: a draw per replicate
    runs, param_draws = [], []
    for k, seed in enumerate(seeds):
        ld_k = None if draws is None else draws.apply(ld, root, k)
        runs.append(execute_run(scenario, args.set, seed, args.until, out, quiet=True, reuse=True, loaded=ld_k))
        if ld_k is not None:
            param_draws.append({"replicate": k, "seed": seed, "drawn": ld_k.posterior["drawn"],
                                "values": ld_k.posterior["values"]})
        print(f"ensemble: {ld.scenario.name} replicate {k + 1}/{len(seeds)} -> {runs[-1][0].name}",
              file=__import__("sys").stderr, flush=True)
    key = hashlib.sha256(json.dumps([ld.hash] + seeds + [args.until]
                                    + ([] if draws is None else [draws.content_hash]),
                                    default=str).encode()).hexdigest()
    bands = {"band_sources": "seed" if draws is None else draws.band_sources, "bands": band_caption(draws)}
    tmp, final = results.new_run_dir(out, f"ensemble_{ld.scenario.name}"[:70], root, key)
    try:
        frames = [pd.read_parquet(p / "trajectories.parquet") for p, _ in runs]
        tg = [evaluate(df, ld.scenario.targets) for df in frames]
        rows = target_table(tg)
        pd.DataFrame([{**r, "band_sources": bands["band_sources"]} for r in rows]).to_csv(
            tmp / "targets.csv", index=False)
        heads = {}
        for key_ in ("gdp_end", "industrial_output_end", "jobs_end", "induced_arrivals_total",
                     "fiscal_spending_total_yi"):
            xs = [s["region"][key_] for _, s in runs]
            heads[key_] = {"mean": round(float(np.mean(xs)), 3), "p5": _q(xs, 5), "p95": _q(xs, 95)}
        # each known project's probability of reaching 投产 by year (sim/outputs/known.py)
        static = ("name_zh", "park", "sector", "investment_yi", "jobs_full", "stage_given", "date", "source")
        meta = {pid: {k: info.get(k) for k in static}
                for pid, info in (runs[0][1].get("known_projects") or {}).items()}
        reach = reach_by_year(frames, meta)
        known = {pid: {**info, "probability_producing_by_year": {
            str(r["year"]): r["probability_producing"] for r in reach if r["id"] == pid}}
            for pid, info in meta.items()}
        if reach:
            pd.DataFrame(reach).to_csv(tmp / "known_projects.csv", index=False)
        results.write_json(tmp / "summary.json", {
            "scenario": ld.scenario.name, "title": ld.resolved.get("title"), "seeds": seeds,
            "until": args.until, "overrides": list(args.set),
            "runs": [str(p) for p, _ in runs], "region": heads, "targets": rows, "known_projects": known,
            **bands, "posterior": None if draws is None else draws.record, "parameter_draws": param_draws})
        from .plots import fan_figures
        fan_figures(tmp, frames, ld.scenario.name, bands=bands["bands"])
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    return path
