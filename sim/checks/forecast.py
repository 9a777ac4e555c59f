"""Forecast check (issue 15, the first "Must hold"): the default baseline's 2022→2023 nominal GDP
growth per city against the published figures, beside the naive rules (docs/validation.md §7).

Growth of city c in year Y (1/year, nominal):

    model     g_c = mean over N seeds of GDP_c,s(Y) / GDP_c,s(Y−1) − 1, GDP a year's mean of its
              quarter rows (``sim.experiments.sweep.annual_series``: the base year includes its
              calibrated row); N = ``REPLICATES`` = 8 by default, the seeds the scenario's (20230228,
              "the default seed", also shown alone) then 1, 2, … (``seeds``)
    observed  o_c = GDP_c,Y / GDP_c,Y−1 − 1 from the ``prices.csv`` rows with both GDPs (the city
              bulletins and yearbook values listed there with their sources, the figures of
              shared/reference/bulletins_2022_2023.csv; first-published vintages, growth within them)
    naive     each city at its own province's rate n_P(c) = GDP_P,Y / GDP_P,Y−1 − 1 (province_sectors.csv
              ``gdp_yi``: Jilin; Liaoning for 抚顺 and 铁岭; Inner Mongolia for 通辽) — the rule of the
              Must hold; also every city at Jilin's rate
    trend     the city's data income trend in force at the start of Y−1 (the shift-share input,
              ``sim.economy.trends``): what the model would give with its modelled firms on trend

MAE = mean over the cities with an observed growth of |x_c − o_c|. **The Must hold** (``must_hold``):
MAE of the N-seed mean < MAE of the own-province naive rule. The issue states the rule as "a naive
forecast that grows every city at the province's 2023 nominal rate errs by 1.4%" and the Must hold
as "smaller mean absolute error than the naive rule (every city at the province's rate)": each city
at its own province's rate errs by 1.36 pp over the 12 cities, every city at Jilin's by 1.00 pp, so
the issue's 1.4 % is the own-province rule; both are reported. No parameter is fitted to any city's
2023 growth (the inputs are the provinces' sector growth, the national drift and the cities' 2022
structure), so a city's error when it is left out of the fit equals its error (``loo_error``); the
calibration step that fits parameters to 2023 moments has to refit without the city for that column.
"""

from __future__ import annotations

import numpy as np

NAIVE_PROVINCE = "Jilin"
YEAR = 2023
BASELINE = "scenarios/baseline.yaml"
REPLICATES = 8  # seeds in the model's forecast (the scenario's, then 1, 2, …)


def observed_growth(data, year: int = YEAR) -> dict[str, float]:
    """{city: published nominal growth of ``year`` over the year before}, from prices.csv rows of that
    year that carry both GDPs (cities without a row, e.g. 梅河口, are left out)."""
    cities = set(data.cities.ids())
    return {r["place"]: r["gdp_yi"] / r["gdp_prev_yi"] - 1.0 for r in data.prices.rows
            if r["place"] in cities and int(r["year"]) == year and r["gdp_yi"] is not None}


def province_growth(data, year: int = YEAR) -> dict[str, float]:
    """{province: nominal GDP growth of ``year``} from province_sectors.csv ``gdp_yi``."""
    gdp = {(r["province"], int(r["year"])): r["gdp_yi"] for r in data.province_sectors.rows}
    return {p: gdp[(p, y)] / gdp[(p, y - 1)] - 1.0 for p, y in gdp if y == year and (p, y - 1) in gdp}


def trend_growth(data, year: int = YEAR) -> dict[str, float]:
    """{city: the data's income trend rate in force at the start of ``year`` − 1} (the shift-share rate)."""
    from ..agents.trends import income_schedules
    return {c["id"]: s.at(float(year - 1)) for c, s in zip(data.cities.rows, income_schedules(data))}


def model_growth(df, cities: list[str], year: int = YEAR) -> dict[str, float]:
    """{city: annual GDP of ``year`` / annual GDP of ``year`` − 1 − 1} from a run's trajectories."""
    from ..experiments.sweep import annual_series
    s = annual_series(df, [f"{c}.gdp" for c in cities])
    return {c: s[f"{c}.gdp"][year] / s[f"{c}.gdp"][year - 1] - 1.0 for c in cities}


def growth_table(data, model: dict[str, float], year: int = YEAR,
                 first_seed: dict[str, float] | None = None) -> list[dict]:
    """One row per city with an observed growth: observed, model (the mean over the seeds), the first
    (default) seed alone, trend input, naive (the city's own province's rate, and Jilin's), the
    errors (model − observed, …) and the leave-one-out error."""
    obs, prov, trend = observed_growth(data, year), province_growth(data, year), trend_growth(data, year)
    first_seed = model if first_seed is None else first_seed
    rows = []
    for c in data.cities.rows:
        if c["id"] not in obs:
            continue
        o = obs[c["id"]]
        own = prov.get(c["province"], float("nan"))
        rows.append({"city": c["id"], "province": c["province"], "observed": o, "model": model[c["id"]],
                     "model_default_seed": first_seed[c["id"]],
                     "trend": trend[c["id"]], "naive": prov[NAIVE_PROVINCE], "naive_own_province": own,
                     "model_error": model[c["id"]] - o, "model_default_seed_error": first_seed[c["id"]] - o,
                     "trend_error": trend[c["id"]] - o,
                     "naive_error": prov[NAIVE_PROVINCE] - o, "naive_own_error": own - o,
                     "loo_error": model[c["id"]] - o})
    return rows


def summary(rows: list[dict]) -> dict:
    """MAE (growth, 1/year) of the model (the mean over the seeds; its first seed alone), the trend
    input and both naive rules, over every city of ``rows`` and over the Jilin cities alone (where
    both naive rules coincide); ``must_hold``: the seeds' mean beats the own-province rule."""
    def mae(rs, key):
        return float(np.mean([abs(r[key]) for r in rs])) if rs else float("nan")
    jl = [r for r in rows if r["province"] == NAIVE_PROVINCE]
    out = {"n": len(rows), "n_jilin": len(jl)}
    for name, rs in (("", rows), ("_jilin", jl)):
        for key in ("model", "model_default_seed", "trend", "naive", "naive_own"):
            out[f"mae_{key}{name}"] = mae(rs, f"{key}_error")
    out["model_bias"] = float(np.mean([r["model_error"] for r in rows])) if rows else float("nan")
    out["model_beats_naive"] = out["mae_model"] < out["mae_naive"]
    out["model_beats_naive_own"] = out["mae_model"] < out["mae_naive_own"]
    out["must_hold"] = out["model_beats_naive_own"]
    return out


def run_forecast(seed: int | None = None, replicates: int = REPLICATES, overrides: tuple[str, ...] = (),
                 year: int = YEAR, scenario: str | None = None) -> dict:
    """Run the baseline to the end of ``year`` with ``replicates`` seeds (its own seed, or ``seed``,
    first; then 1, 2, …) and compare; the model's growth is the mean over the seeds, the first seed's
    is kept beside it. Returns {"rows", "summary", "seeds", "year", "seconds"}."""
    import time
    from pathlib import Path

    from ..data import load_data
    from ..model import RegionalEconomy
    from ..outputs.metrics import record_run
    from ..scenario import load_scenario
    t0 = time.perf_counter()
    root = Path(__file__).resolve().parents[2]
    scn = load_scenario(root / (scenario or BASELINE), list(overrides))
    data = load_data(scn.data_dir)
    first = scn.scenario.seed if seed is None else seed
    seeds = [first] + [s for s in range(1, replicates + 5) if s != first][: replicates - 1]
    cities = data.cities.ids()
    runs = []
    for s in seeds:
        m = RegionalEconomy(scn, seed=s, data=data, until=year)
        runs.append(model_growth(record_run(m).frame(), cities, year))
    model = {c: float(np.mean([r[c] for r in runs])) for c in cities}
    rows = growth_table(data, model, year, first_seed=runs[0])
    for r in rows:
        r["model_by_seed"] = [run[r["city"]] for run in runs]
    return {"rows": rows, "summary": summary(rows), "seeds": seeds, "year": year,
            "seconds": round(time.perf_counter() - t0, 1)}


def format_table(res: dict) -> list[str]:
    """Text lines: one per city (growth in %) and the MAE summary, naming the seeds."""
    n = len(res["seeds"])
    head = (f"{'city':<6} {'observed':>8} {'model':>7} {'seed0':>7} {'trend':>7} {'own':>7} {'Jilin':>7}  "
            f"{'|model|':>7} {'|own|':>7}")
    intro = (f"model = mean over {n} seed{'s' if n > 1 else ''} {res['seeds']}; seed0 = the first "
             f"(default) seed alone; own = naive, each city at its own province's rate (the Must hold's "
             f"rule); Jilin = naive, every city at Jilin's rate")
    lines = [intro, head]
    for r in res["rows"]:
        lines.append(f"{r['city']:<6} {100 * r['observed']:8.2f} {100 * r['model']:7.2f} "
                     f"{100 * r['model_default_seed']:7.2f} {100 * r['trend']:7.2f} "
                     f"{100 * r['naive_own_province']:7.2f} {100 * r['naive']:7.2f}  "
                     f"{100 * abs(r['model_error']):7.2f} {100 * abs(r['naive_own_error']):7.2f}")
    s = res["summary"]
    lines.append(f"MAE (pp), {s['n']} cities: model ({n}-seed mean) {100 * s['mae_model']:.2f} (bias "
                 f"{100 * s['model_bias']:+.2f}), default seed alone {100 * s['mae_model_default_seed']:.2f}, "
                 f"trend input {100 * s['mae_trend']:.2f}, naive (own province) {100 * s['mae_naive_own']:.2f}, "
                 f"naive (Jilin's rate) {100 * s['mae_naive']:.2f}; {s['n_jilin']} Jilin cities: model "
                 f"{100 * s['mae_model_jilin']:.2f}, trend {100 * s['mae_trend_jilin']:.2f}, naive "
                 f"{100 * s['mae_naive_jilin']:.2f}; Must hold (model < naive own province): "
                 f"{'holds' if s['must_hold'] else 'does not hold'}")
    return lines
