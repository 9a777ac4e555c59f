"""Validation against theory and stylized facts (issue 4; docs/validation.md).

The theory cases run the ordinary :class:`sim.model.RegionalEconomy` on a scenario file of
``scenarios/theory/`` plus overrides; nothing here re-implements the step. What is here:

* closed forms of the two-region special cases (home-market effect with levers, the logit fixed
  point, the footloose-entrepreneur break point), computed from :mod:`sim.market`'s own profit
  functions where possible;
* runners that build the model for a configuration, step it, and compare;
* stylized-fact measures on the baseline's 2035 state (Clauset–Shalizi–Newman Pareto tail,
  Subbotin fit of growth rates, volatility–size slope, tax elasticity of arrivals);
* ``cmd_validate(argv)``: the ``python run.py validate …`` command, and ``validate all``, which
  writes a folder with a table and figures.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from .. import market
from ..errors import UserError

ROOT = Path(__file__).resolve().parents[2]
THEORY = ROOT / "scenarios" / "theory"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LEVERS_MISSING = "levers are not available in this build"

# ------------------------------------------------------------------------------------------
# Configurations (docs/validation.md says why these numbers)
# ------------------------------------------------------------------------------------------

FC_DEFAULTS = {"phi": 0.5, "s_E": 0.6, "sigma": 4.0, "profit_subsidy_N": 0.0, "lump_sum_N": 0.0,
               "cost_subsidy_N": 0.0, "beta": 1000.0, "theta": 0.001, "firms": 2000,
               "steps": 10000, "seed": 20230228}
FE_DEFAULTS = {"phi": 0.85, "sigma": 5.0, "mu": 0.4, "s0": 0.55, "beta": 1000.0, "theta": 0.002,
               "firms": 2000, "steps": 3000, "seed": 20230228}
# tolerances: issue 4 (share averaged over the second half of the run)
TOL_FIXED_POINT = 0.005
TOL_ANALYTIC = 0.01

# key -> (parser, check, what is expected)
_INT, _FLOAT = int, float
_SPECS = {
    "phi": (_FLOAT, lambda x: 0 < x < 1, "a freeness strictly between 0 and 1"),
    "s_E": (_FLOAT, lambda x: 0.01 <= x <= 0.99, "an expenditure share between 0.01 and 0.99"),
    "sigma": (_FLOAT, lambda x: 1.05 <= x <= 20, "an elasticity of substitution between 1.05 and 20"),
    "mu": (_FLOAT, lambda x: 0 < x < 1, "an expenditure share strictly between 0 and 1"),
    "s0": (_FLOAT, lambda x: 0.01 <= x <= 0.99, "an initial share of firms in N between 0.01 and 0.99"),
    "profit_subsidy_N": (_FLOAT, lambda x: -1 < x <= 10, "a profit subsidy s > -1 (profit x (1+s))"),
    "lump_sum_N": (_FLOAT, lambda x: -1 <= x <= 10, "a lump sum between -1 and 10 (units of mean profit)"),
    "cost_subsidy_N": (_FLOAT, lambda x: 0 <= x < 1, "a cost subsidy c in [0, 1) (cost x (1-c))"),
    "beta": (_FLOAT, lambda x: 0 < x <= 1e4, "a logit intensity between 0 and 10000"),
    "theta": (_FLOAT, lambda x: 0 < x <= 1, "a revision share per step in (0, 1]"),
    "firms": (_INT, lambda x: 20 <= x <= 20000, "an even number of firms between 20 and 20000"),
    "steps": (_INT, lambda x: 10 <= x <= 1_000_000, "a number of steps between 10 and 1000000"),
    "seed": (_INT, lambda x: 0 <= x < 2**63, "a non-negative integer seed"),
}
CASES = {
    "footloose-capital": set(FC_DEFAULTS),
    "footloose-entrepreneur": set(FE_DEFAULTS),
}


def levers_available() -> bool:
    from ..scenario import Scenario
    return "levers" in Scenario.model_fields


# ------------------------------------------------------------------------------------------
# Closed forms (Baldwin et al. 2003, ch. 3 and 4)
# ------------------------------------------------------------------------------------------


def fc_lever_share(s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                   lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """Long-run share of firms in N in the two-region FC model with levers in N (closed form).

    Profits per firm in units of the mean operating profit π̄ = μE^w/(σK) (X = 0):
    π_N = g(A + φB), π_S = φA + B, A = s_E/Δ_N, B = (1−s_E)/Δ_S, Δ_N = gs + φ(1−s),
    Δ_S = gφs + 1 − s, g = (1−c)^(1−σ). Equilibrium ρπ_N + S = π_S is the quadratic
    S(g−φ)(gφ−1)s² + [a s_E(gφ−1) + S(φ(gφ−1) + g − φ) − b(1−s_E)(g−φ)]s
    + [a s_E + Sφ − bφ(1−s_E)] = 0 with a = ρg − φ, b = 1 − ρgφ (docs/validation.md);
    corner solutions 0 or 1 when the gap has one sign on [0, 1].
    """
    g = (1.0 - cost_subsidy) ** (1.0 - sigma)
    a, b, S = rho * g - phi, 1.0 - rho * g * phi, lump_sum

    def gap(s: float) -> float:  # (ρπ_N + S − π_S) / π̄
        dn, ds = g * s + phi * (1 - s), g * phi * s + 1 - s
        return a * s_e / dn + S - b * (1 - s_e) / ds

    if gap(0.0) <= 0:
        return 0.0
    if gap(1.0) >= 0:
        return 1.0
    c2 = S * (g - phi) * (g * phi - 1)
    c1 = a * s_e * (g * phi - 1) + S * (phi * (g * phi - 1) + g - phi) - b * (1 - s_e) * (g - phi)
    c0 = a * s_e + S * phi - b * phi * (1 - s_e)
    if abs(c2) < 1e-14:
        roots = [-c0 / c1]
    else:
        disc = math.sqrt(max(c1 * c1 - 4 * c2 * c0, 0.0))
        roots = [(-c1 + disc) / (2 * c2), (-c1 - disc) / (2 * c2)]
    inside = [r for r in roots if -1e-12 <= r <= 1 + 1e-12]
    return float(min(max(inside[0], 0.0), 1.0))


def fc_profit_gap(s: float, s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                  lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """(π_N after policy − π_S)/π̄ at share s, from the model's own profit function
    (:func:`market.two_region_profits`); π̄ is the mean operating profit per firm."""
    pn, ps = market.two_region_profits(s, s_e, phi, sigma, rho=1.0, cost_subsidy=cost_subsidy)
    pbar = s * pn + (1 - s) * ps
    return (rho * pn + lump_sum * pbar - ps) / pbar


def logistic(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * x))


def fc_logit_fixed_point(beta: float, s_e: float, phi: float, sigma: float = 4.0, rho: float = 1.0,
                         lump_sum: float = 0.0, cost_subsidy: float = 0.0) -> float:
    """s = Λ(β·(π_N − π_S)/π̄): unique because the gap falls with s in the FC model. Solved in
    log-odds x = ln(s/(1−s)) so that shares within 1e-17 of a corner are still resolved."""
    def f(x: float) -> float:
        s = logistic(x)
        return x - beta * fc_profit_gap(s, s_e, phi, sigma, rho, lump_sum, cost_subsidy)
    lo, hi = -40.0, 40.0
    if f(hi) < 0:
        return 1.0
    if f(lo) > 0:
        return 0.0
    return logistic(float(brentq(f, lo, hi, xtol=1e-12)))


def fc_convergence_factor(beta: float, theta: float, s: float, s_e: float, phi: float,
                          sigma: float = 4.0, rho: float = 1.0, lump_sum: float = 0.0,
                          cost_subsidy: float = 0.0) -> float:
    """θ(1 − dΛ/ds) at s: the mean-field map s' = (1−θ)s + θΛ converges without oscillation
    when this is below 1 (and at all when below 2)."""
    h = 1e-6
    lam = [logistic(beta * fc_profit_gap(x, s_e, phi, sigma, rho, lump_sum, cost_subsidy))
           for x in (s - h, s + h)]
    return theta * (1 - (lam[1] - lam[0]) / (2 * h))


def fe_break_point(sigma: float, mu: float) -> float:
    """φ_B = (σ−μ)(σ−1−μ)/((σ+μ)(σ−1+μ)) (Forslid & Ottaviano 2003; Baldwin et al. ch. 4)."""
    return (sigma - mu) * (sigma - 1 - mu) / ((sigma + mu) * (sigma - 1 + mu))


def fe_state(s: float, phi: float, sigma: float, mu: float, labour: float = 1.0):
    """Incomes E_r = L/2 + profits at r, profits per firm π_r and crowding Δ_r at share s.

    One unit-scale firm mass split s : 1−s; π = (μ/σ)·Σ_q φ_rq E_q/Δ_q is linear in E, so E
    solves a 2×2 linear system."""
    P = np.array([[1.0, phi], [phi, 1.0]])
    n = np.array([s, 1.0 - s])
    d = n @ P
    b = mu / sigma
    M = np.eye(2) - b * np.diag(n) @ P @ np.diag(1 / d)
    e = np.linalg.solve(M, np.full(2, labour / 2))
    pi = b * P @ (e / d)
    return e, pi, d


def fe_gap(s: float, phi: float, sigma: float, mu: float, s_base: float = 0.5) -> float:
    """(ω_N − ω_S)/π̄ with ω_r = π_r·Δ_r^(μ/(σ−1))/D̄, the real profit the model's
    ``cost_of_living`` switch uses (D̄: income-weighted mean of Δ^(μ/(σ−1)) in logs at the base
    state ``s_base``; one number for both regions)."""
    _, pi, d = fe_state(s, phi, sigma, mu)
    e0, _, d0 = fe_state(s_base, phi, sigma, mu)
    k = mu / (sigma - 1)
    w = pi * np.exp(k * np.log(d) - np.average(k * np.log(d0), weights=e0))
    pbar = s * pi[0] + (1 - s) * pi[1]
    return float((w[0] - w[1]) / pbar)


def fe_symmetric_slope(phi: float, sigma: float, mu: float) -> float:
    """d[(ω_N − ω_S)/π̄]/ds at s = 1/2: negative below φ_B (symmetry stable), positive above."""
    h = 1e-6
    return (fe_gap(0.5 + h, phi, sigma, mu) - fe_gap(0.5 - h, phi, sigma, mu)) / (2 * h)


def fe_mean_field(beta: float, theta: float, steps: int, s0: float, phi: float, sigma: float,
                  mu: float) -> float:
    """Share after ``steps`` of the mean-field map s' = (1−θ)s + θΛ(β·gap(s)) from s0."""
    s = s0
    for _ in range(steps):
        s = (1 - theta) * s + theta * logistic(beta * fe_gap(s, phi, sigma, mu, s0))
    return float(s)


# ------------------------------------------------------------------------------------------
# Building and running the theory cases through RegionalEconomy
# ------------------------------------------------------------------------------------------


def _lever_entries(cfg: dict) -> list[dict]:
    out = []
    for key, kind in (("profit_subsidy_N", "profit_subsidy"), ("lump_sum_N", "lump_sum"),
                      ("cost_subsidy_N", "cost_subsidy")):
        if cfg.get(key, 0.0):
            out.append({"id": f"n_{kind}", "kind": kind, "value": float(cfg[key]),
                        "target": {"cities": ["N"]}, "applies_to": "all", "source": "validation"})
    return out


def _theory_data(case: str, cfg: dict):
    """The theory data folder, with s_E, σ, μ and the initial share set in memory.

    Secondary value added is set so that the calibrated firm counts are s0 : 1−s0 (0.5 : 0.5
    in the FC case); ``va_ratio`` = 1/σ in the FE case so that value added = operating profit."""
    from ..data import load_data
    d = load_data(THEORY / "data")
    sec = d.sectors[0]
    sigma = float(cfg["sigma"])
    d.params[sec]["sigma"] = sigma
    if case == "footloose-capital":
        total = 10000.0
        income = {"N": cfg["s_E"] * total, "S": (1 - cfg["s_E"]) * total}
        target = {"N": 100.0, "S": 100.0}  # gross output = secondary VA (va_ratio 1)
        va_ratio = 1.0
    else:
        d.params[sec]["mu"] = float(cfg["mu"])
        va_ratio = 1.0 / sigma
        d.params[sec]["va_ratio"] = va_ratio
        e, _, _ = fe_state(cfg["s0"], cfg["phi"], sigma, cfg["mu"], labour=2000.0)
        income = {"N": float(e[0]), "S": float(e[1])}
        target = {"N": 200.0 * cfg["s0"], "S": 200.0 * (1 - cfg["s0"])}
    for r in d.cities.rows:
        r["gdp_2022_yi"] = income[r["id"]]
        r["primary_pct"] = 0.0
        r["secondary_pct"] = 100.0 * target[r["id"]] * va_ratio / income[r["id"]]
        r["tertiary_pct"] = 100.0 - r["secondary_pct"]
    return d


def theory_overrides(case: str, cfg: dict) -> list[str]:
    """``--set``-style overrides of the theory scenario file for a configuration."""
    ov = [f"parameters.phi={cfg['phi']}", f"parameters.beta={cfg['beta']}",
          f"parameters.revision_scale={cfg['theta']}", f"firms.scale={cfg['firms'] / 2000}",
          f"seed={cfg['seed']}"]
    lev = _lever_entries(cfg)
    if lev:
        ov.append("levers=" + json.dumps(lev))
    return ov


def build_theory_model(case: str, cfg: dict):
    from ..model import RegionalEconomy
    from ..scenario import load_scenario
    loaded = load_scenario(THEORY / f"{case}.yaml", theory_overrides(case, cfg))
    return RegionalEconomy(loaded, seed=int(cfg["seed"]), data=_theory_data(case, cfg))


def _share_path(model, steps: int) -> np.ndarray:
    n_site = model.site_ids.index("N·园区外")
    out = np.empty(steps)
    for k in range(steps):
        model.step()
        out[k] = (model.site[model.alive] == n_site).mean()
    return out


def run_footloose_capital(cfg: dict) -> dict:
    """Simulate the FC case and compare with the closed form and the logit fixed point."""
    if _lever_entries(cfg) and not levers_available():
        raise UserError("validate", message=LEVERS_MISSING)
    t0 = time.perf_counter()
    model = build_theory_model("footloose-capital", cfg)
    firms = int(model.alive.sum())
    path = _share_path(model, int(cfg["steps"]))
    sim = float(path[len(path) // 2:].mean())
    kw = {"s_e": cfg["s_E"], "phi": cfg["phi"], "sigma": cfg["sigma"], "rho": 1 + cfg["profit_subsidy_N"],
              "lump_sum": cfg["lump_sum_N"], "cost_subsidy": cfg["cost_subsidy_N"]}
    analytic = fc_lever_share(**kw)
    fp = fc_logit_fixed_point(cfg["beta"], **kw)
    conv = fc_convergence_factor(cfg["beta"], cfg["theta"], fp, **kw)
    ok = abs(sim - fp) <= TOL_FIXED_POINT and abs(sim - analytic) <= TOL_ANALYTIC
    return {"case": "footloose-capital", "simulated_share_N": round(sim, 6),
            "analytic_share_N": round(analytic, 6), "home_market_share_N": round(
                market.home_market_share(cfg["s_E"], cfg["phi"]), 6),
            "logit_fixed_point": round(fp, 6), "beta": cfg["beta"], "theta": cfg["theta"],
            "firms": firms, "steps": int(cfg["steps"]), "seed": int(cfg["seed"]),
            "phi": cfg["phi"], "s_E": cfg["s_E"], "sigma": cfg["sigma"],
            "profit_subsidy_N": cfg["profit_subsidy_N"], "lump_sum_N": cfg["lump_sum_N"],
            "cost_subsidy_N": cfg["cost_subsidy_N"],
            "final_share_N": round(float(path[-1]), 6),
            "sd_share_second_half": round(float(path[len(path) // 2:].std()), 6),
            "convergence_factor": round(conv, 4),
            "tolerance_fixed_point": TOL_FIXED_POINT, "tolerance_analytic": TOL_ANALYTIC,
            "pass": bool(ok), "seconds": round(time.perf_counter() - t0, 2),
            "_path": path}


def run_footloose_entrepreneur(cfg: dict) -> dict:
    """Simulate the FE case from s0 and classify: symmetric (φ < φ_B) or agglomerated (φ > φ_B)."""
    t0 = time.perf_counter()
    model = build_theory_model("footloose-entrepreneur", cfg)
    firms = int(model.alive.sum())
    s_start = float((model.site == 0).mean())
    path = _share_path(model, int(cfg["steps"]))
    final = float(path[-1])
    phib = fe_break_point(cfg["sigma"], cfg["mu"])
    mf = fe_mean_field(cfg["beta"], cfg["theta"], int(cfg["steps"]), s_start, cfg["phi"],
                       cfg["sigma"], cfg["mu"])
    if cfg["phi"] < phib:
        expected, ok = "symmetric (|s - 0.5| < 0.05)", abs(final - 0.5) < 0.05
    else:
        expected, ok = "agglomerated (max(s, 1 - s) > 0.9)", max(final, 1 - final) > 0.9
    return {"case": "footloose-entrepreneur", "simulated_share_N": round(final, 6),
            "initial_share_N": round(s_start, 6), "analytic_break_point": round(phib, 6),
            "symmetric_slope": round(fe_symmetric_slope(cfg["phi"], cfg["sigma"], cfg["mu"]), 6),
            "mean_field_share_N": round(mf, 6), "expected": expected,
            "beta": cfg["beta"], "theta": cfg["theta"], "firms": firms,
            "steps": int(cfg["steps"]), "seed": int(cfg["seed"]), "phi": cfg["phi"],
            "sigma": cfg["sigma"], "mu": cfg["mu"], "pass": bool(ok),
            "seconds": round(time.perf_counter() - t0, 2), "_path": path}


# ------------------------------------------------------------------------------------------
# Stylized facts on the baseline's 2035 state
# ------------------------------------------------------------------------------------------


def pareto_tail_csn(x: np.ndarray, max_candidates: int = 400) -> dict:
    """Clauset, Shalizi & Newman (2009): continuous power-law MLE ζ = n / Σ ln(x/x_min) (CCDF
    exponent; density exponent α = ζ + 1), x_min minimising the KS distance between the empirical
    and fitted tail CDFs; candidates are distinct values below the 99.5th percentile."""
    x = np.sort(np.asarray(x, dtype=float)[np.asarray(x) > 0])
    n_all = len(x)
    cands = np.unique(x[: int(n_all * 0.995)])
    if len(cands) > max_candidates:
        cands = cands[np.linspace(0, len(cands) - 1, max_candidates).astype(int)]
    best = None
    for xm in cands:
        t = x[np.searchsorted(x, xm):]
        n = len(t)
        if n < 50:
            continue
        lg = np.log(t / xm)
        zeta = n / lg.sum()
        emp = np.arange(n) / n
        fit = 1 - (t / xm) ** (-zeta)
        ks = float(np.max(np.abs(emp - fit)))
        if best is None or ks < best["ks"]:
            best = {"zeta": float(zeta), "x_min": float(xm), "n_tail": int(n), "ks": ks,
                    "zeta_se": float((zeta) / math.sqrt(n))}
    return best or {"zeta": float("nan"), "x_min": float("nan"), "n_tail": 0, "ks": float("nan"),
                    "zeta_se": float("nan")}


def growth_facts(size0: np.ndarray, size1: np.ndarray, bins: int = 10) -> dict:
    """One-period log growth g = ln(y1/y0): Subbotin shape of g standardised within size
    deciles (Stanley et al. 1996 scale growth rates by the size class's σ), and the slope of
    ln σ(g) on ln size across deciles (Amaral et al. 1997: about −0.15 to −0.2)."""
    from scipy import stats
    ok = (size0 > 0) & (size1 > 0)
    y0, g = size0[ok], np.log(size1[ok] / size0[ok])
    edges = np.quantile(np.log(y0), np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, np.log(y0), side="right") - 1, 0, bins - 1)
    z = np.empty_like(g)
    sds, sizes = [], []
    for b in range(bins):
        m = which == b
        mu_b, sd_b = g[m].mean(), g[m].std()
        z[m] = (g[m] - mu_b) / sd_b
        sds.append(sd_b)
        sizes.append(np.exp(np.log(y0[m]).mean()))
    shape, loc, scale = stats.gennorm.fit(z)
    slope = float(np.polyfit(np.log(sizes), np.log(sds), 1)[0])
    return {"subbotin_shape": float(shape), "subbotin_loc": float(loc),
            "subbotin_scale": float(scale), "volatility_size_slope": slope,
            "firms": int(ok.sum()), "bin_sizes": [float(v) for v in sizes],
            "bin_sd": [float(v) for v in sds], "standardised": z, "raw": g}


def _choosers(m) -> np.ndarray:
    """Per firm: expected probability of choosing a site this period (revision, incl. cost
    pressure, plus replacement entry born at its site) — the weights of RegionalEconomy.relocate
    and exit_and_entry."""
    rel = np.log(m.cost / m.cost0)
    press = np.maximum(rel - rel.mean(axis=1, keepdims=True), 0.0)
    theta = m.theta0[m.sector] * m.dt * (1 + m.p.cost_pressure_revision * press[m.sector, m.site])
    w = np.minimum(theta, 1.0) + (m.p.exit_rate * m.dt if m.sw.entry_exit else 0.0)
    return np.where(m.alive & m.mobile_sector[m.sector], w, 0.0)


def expected_flows(m, factor: np.ndarray | None = None) -> np.ndarray:
    """F[r0, r]: expected number of firms at r0 choosing r in one period (revisers and replacement
    entrants, weights of ``_choosers``; the model's own nested logit over ``_vmat``), with net
    profit at each site multiplied by ``factor[r]`` = (1−t'_r)/(1−t) (a site-specific income-tax
    rate). No simulation noise: the exact expectation of the choice step. The diagonal holds the
    choosers who stay; the model's state is left unchanged."""
    from ..location import nested_logit_probabilities
    w = _choosers(m)
    saved = m.net_scale.copy()
    flows = np.zeros((m.R, m.R))
    try:
        if factor is not None:
            m.net_scale *= np.asarray(factor, dtype=float)[None, :]
        for s in range(m.S):
            if not m.mobile_sector[s]:
                continue
            sel = m.sector == s
            per_site = np.bincount(m.site[sel], weights=w[sel], minlength=m.R)
            flows += per_site[:, None] * nested_logit_probabilities(m._vmat(s), m.site_nest, m.p.nest_lambda)
    finally:
        m.net_scale[:] = saved
    return flows


def expected_arrivals(m, target: np.ndarray, tax_factor: float | np.ndarray = 1.0,
                      flows: np.ndarray | None = None) -> float:
    """Expected arrivals at the sites ``target`` (bool mask) from all other sites in one period,
    with net profit at the target multiplied by ``tax_factor`` (a scalar or an array over
    ``target``); ``flows`` (from :func:`expected_flows`) may be passed when it is already known."""
    if flows is None:
        factor = np.ones(m.R)
        factor[target] = tax_factor
        flows = expected_flows(m, factor)
    return float(flows[~target][:, target].sum())


def tax_elasticities(m, rel_change: float = 0.1) -> dict:
    """Elasticity of expected new-firm arrivals to a site-specific CIT rate (t → t(1+Δ)):
    between cities (all sites of one study-area city) and between parks of one city (one park);
    arrival-weighted means over cities / parks. Bartik (1991): −0.1 to −0.6 between regions,
    −1 to −3 within a metro area."""
    t0 = m.p.cit_rate
    t1 = t0 * (1 + rel_change)
    fac = (1 - t1) / (1 - t0)
    dlt = math.log(t1 / t0)
    out = {"cit_rate": t0, "rel_change": rel_change}
    base = expected_flows(m)
    city_e, city_w = [], []
    for i, c in enumerate(m.city_ids):
        tgt = (m.site_market_arr == i) & ~m.is_origin
        a0 = expected_arrivals(m, tgt, flows=base)
        if a0 <= 0:
            continue
        a1 = expected_arrivals(m, tgt, fac)
        city_e.append(math.log(a1 / a0) / dlt)
        city_w.append(a0)
    park_e, park_w = [], []
    for k in range(m.n_parks):
        tgt = np.zeros(m.R, dtype=bool)
        tgt[k] = True
        a0 = expected_arrivals(m, tgt, flows=base)
        if a0 <= 0:
            continue
        a1 = expected_arrivals(m, tgt, fac)
        park_e.append(math.log(a1 / a0) / dlt)
        park_w.append(a0)
    out["between_cities"] = float(np.average(city_e, weights=city_w))
    out["between_cities_range"] = [float(min(city_e)), float(max(city_e))]
    out["between_parks"] = float(np.average(park_e, weights=park_w))
    out["between_parks_range"] = [float(min(park_e)), float(max(park_e))]
    return out


def expected_arrivals_by_site(m, factor: np.ndarray | None = None) -> np.ndarray:
    """Expected arrivals at every site from all other sites in one period (see
    :func:`expected_flows`)."""
    flows = expected_flows(m, factor)
    return flows.sum(axis=0) - np.diag(flows)


# the simulated check of the tax elasticity (docs/validation.md §3)
SIM_TAX = {"rebate": 0.3, "until": 2026, "seeds": 8, "cities": 6}


def simulated_tax_check(overrides: list[str] = (), rebate: float = SIM_TAX["rebate"],
                        until: float = SIM_TAX["until"], seeds: int = SIM_TAX["seeds"],
                        cities: int = SIM_TAX["cities"]) -> dict:
    """Simulated arrivals under a park-level income-tax cut against the expected-arrivals
    computation (``expected_arrivals_by_site``), with common random numbers.

    Targets: in each of the ``cities`` study-area cities with the most expected park arrivals at
    the base state, its park with the most (one treated park per nest, so each responds like a
    park whose tax alone changes). The baseline (plus ``overrides``) runs from 2022 to ``until``
    for seeds 1..``seeds`` twice: without and with a ``tax_rebate`` lever (``applies_to: all``,
    value ``rebate``: the income-tax rate t → t(1 − rebate) at the targets). Simulated: the
    targets' arrivals summed over steps and seeds, A1 with the lever and A0 without. Expected:
    at the state each step of the lever-free run starts from, the exact expected arrivals with
    and without the tax cut (E1, E0), summed alike. Arc elasticities ln(A1/A0)/ln(1 − rebate) and
    ln(E1/E0)/ln(1 − rebate); the simulated one's standard error by the jackknife over seeds."""
    from ..model import RegionalEconomy
    from ..scenario import load_scenario
    t0 = time.perf_counter()
    base = load_scenario(BASELINE, list(overrides))
    m = RegionalEconomy(base, seed=1, until=base.scenario.horizon.start)
    e0 = expected_arrivals_by_site(m)
    in_area = m.site_market_arr[:m.n_parks]
    by_city = np.bincount(in_area, weights=e0[:m.n_parks], minlength=len(m.city_ids))
    chosen = np.argsort(-by_city, kind="stable")[:cities]
    parks = [int(np.flatnonzero(in_area == c)[np.argmax(e0[:m.n_parks][in_area == c])])
             for c in chosen]
    ids = [m.site_ids[k] for k in parks]
    lever = [{"id": "validation_tax", "kind": "tax_rebate", "value": rebate, "unit": "share",
              "target": {"parks": ids}, "applies_to": "all", "source": "validation"}]
    with_lever = load_scenario(BASELINE, list(overrides) + ["levers=" + json.dumps(lever)])
    t = m.p.cit_rate
    factor = np.ones(m.R)
    factor[parks] = (1 - t * (1 - rebate)) / (1 - t)
    a0, a1, x0, x1 = (np.zeros(seeds) for _ in range(4))
    for i, seed in enumerate(range(1, seeds + 1)):
        m0 = RegionalEconomy(base, seed=seed, until=until)
        m1 = RegionalEconomy(with_lever, seed=seed, until=until)
        for _ in range(m0.n_steps):
            x0[i] += expected_arrivals_by_site(m0)[parks].sum()
            x1[i] += expected_arrivals_by_site(m0, factor)[parks].sum()
            m0.step()
            m1.step()
            a0[i] += m0.arrivals[parks].sum()
            a1[i] += m1.arrivals[parks].sum()
    dlt = math.log(1 - rebate)

    def arc(x, y):
        return math.log(y.sum() / x.sum()) / dlt
    jack = np.array([arc(np.delete(a0, i), np.delete(a1, i)) for i in range(seeds)])
    se = float(np.sqrt((seeds - 1) / seeds * ((jack - jack.mean()) ** 2).sum()))
    return {"parks": ids, "rebate": rebate, "until": until, "seeds": seeds,
            "arrivals_without": float(a0.sum()), "arrivals_with": float(a1.sum()),
            "expected_without": float(x0.sum()), "expected_with": float(x1.sum()),
            "simulated_elasticity": arc(a0, a1), "simulated_se": se,
            "expected_elasticity": arc(x0, x1), "overrides": list(overrides),
            "seconds": round(time.perf_counter() - t0, 1)}


def baseline_facts(overrides: list[str] = (), seed: int | None = None) -> dict:
    """Run the baseline to 2035 and measure the stylized facts on the final state."""
    from ..model import RegionalEconomy
    from ..scenario import load_scenario
    t0 = time.perf_counter()
    m = RegionalEconomy(load_scenario(BASELINE, list(overrides)), seed=seed)
    for _ in range(m.n_steps - 1):
        m.step()
    prev = np.zeros(m.next_id + 10 ** 6)
    prev_alive = np.zeros(len(prev), dtype=bool)
    prev[m.firm_id] = m.output
    prev_alive[m.firm_id] = m.alive
    m.step()
    keep = m.alive & prev_alive[m.firm_id]
    y0, y1 = prev[m.firm_id[keep]], m.output[keep]
    jobs = m.jobs[m.alive]
    res = {"year": float(m.t), "firms": int(m.alive.sum()), "overrides": list(overrides),
           "tail_jobs": pareto_tail_csn(jobs), "tail_output": pareto_tail_csn(m.output[m.alive]),
           "growth": growth_facts(y0, y1), "tax": tax_elasticities(m),
           "_jobs": jobs}
    res["seconds"] = round(time.perf_counter() - t0, 2)
    return res


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------


@dataclass
class _Args:
    case: str
    sets: dict
    json: bool
    out: Path
    quick: bool


def _usage(msg: str) -> UserError:
    return UserError("validate", message=f"validate: {msg}")


def parse_args(argv: list[str]) -> _Args:
    """``CASE [--set k=v ...] [--json] [--out DIR] [--quick]``; every mistake a one-line error."""
    case, sets, js, out, quick = None, {}, False, ROOT / "results", False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--json":
            js = True
        elif a == "--quick":
            quick = True
        elif a in ("--set", "--out") or a.startswith(("--set=", "--out=")):
            if "=" in a and a.startswith("--"):
                opt, val = a.split("=", 1)
            else:
                if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                    raise _usage(f"{a} needs a value")
                opt, val = a, argv[i + 1]
                i += 1
            if opt == "--out":
                out = Path(val)
            else:
                if "=" not in val:
                    raise _usage(f"--set: got {val!r}; expected KEY=VALUE (e.g. phi=0.3)")
                k, _, v = val.partition("=")
                sets[k.strip()] = v.strip()
        elif a.startswith("-"):
            raise _usage(f"unknown option {a!r}; expected --set KEY=VALUE, --json, --out DIR, --quick")
        elif case is None:
            case = a
        else:
            raise _usage(f"unexpected argument {a!r}")
        i += 1
    valid = sorted(CASES) + ["all"]
    if case is None:
        raise _usage(f"missing case; expected one of {', '.join(valid)}")
    if case not in valid:
        raise _usage(f"unknown case {case!r}; expected one of {', '.join(valid)}")
    return _Args(case, sets, js, out, quick)


def resolve_config(case: str, sets: dict) -> dict:
    cfg = dict(FC_DEFAULTS if case == "footloose-capital" else FE_DEFAULTS)
    for k, text in sets.items():
        if k not in CASES[case]:
            raise _usage(f"--set {k}: unknown key for {case}; expected one of "
                         f"{', '.join(sorted(CASES[case]))}")
        parse, check, what = _SPECS[k]
        try:
            v = parse(text) if parse is float else int(text, 10)
        except ValueError:
            raise _usage(f"--set {k}={text}: not a number; expected {what}") from None
        if isinstance(v, float) and not math.isfinite(v) or not check(v):
            raise _usage(f"--set {k}={text}: expected {what}")
        cfg[k] = v
    if case == "footloose-capital" and cfg["firms"] % 2:
        raise _usage(f"--set firms={cfg['firms']}: expected {_SPECS['firms'][2]}")
    if case == "footloose-capital" and _lever_entries(cfg) and not levers_available():
        raise UserError("validate", message=LEVERS_MISSING)
    return cfg


def _public(res: dict) -> dict:
    return {k: v for k, v in res.items() if not k.startswith("_")}


def _print_result(res: dict, as_json: bool) -> None:
    pub = _public(res)
    width = max(len(k) for k in pub)
    for k, v in pub.items():
        print(f"{k:<{width}}  {v}")
    if as_json:
        print(json.dumps(pub, ensure_ascii=False))


def cmd_validate(argv: list[str]) -> int:
    """``python run.py validate CASE …`` (docs/cli.md). Exit 0 when it ran, 2 on bad input."""
    # user errors become exit code 2 in run.main
    if argv and argv[0] in ("-h", "--help"):
        print("usage: run.py validate {footloose-capital,footloose-entrepreneur,all} [--set KEY=VALUE ...] "
              "[--json] [--out DIR] [--quick]\n(docs/cli.md; docs/validation.md)")
        return 0
    args = parse_args(list(argv))
    if args.case == "all":
        if args.sets:
            raise _usage("validate all takes no --set (it runs its own configurations)")
        path = validate_all(args.out, quick=args.quick, sets=args.sets)
        print(path)
        return 0
    cfg = resolve_config(args.case, args.sets)
    if args.case == "footloose-capital":
        res = run_footloose_capital(cfg)
    else:
        res = run_footloose_entrepreneur(cfg)
    _print_result(res, args.json)
    return 0


# ------------------------------------------------------------------------------------------
# validate all: table and figures in a new folder
# ------------------------------------------------------------------------------------------

LEVER_DEFAULTS = {"profit_subsidy_N": 0.02, "lump_sum_N": 0.02, "cost_subsidy_N": 0.01}
# the growth process before the literature defaults (log-normal Gibrat, no size dependence): run
# by ``validate all`` as a contrast, to show that the growth facts are imposed by the parameters
GROWTH_OLD = ["parameters.gibrat_shock=normal", "parameters.gibrat_size_elasticity=0"]
OLD_GROWTH_NAME = "baseline with the old log-normal growth (contrast)"
FE_SWEEP = (0.45, 0.55, 0.65, 0.75, 0.85, 0.95)


def _row(case: str, quantity: str, analytic, simulated, tolerance: str, ok, seconds=None,
         source: str = "", reference=None) -> dict:
    def fmt(x):
        if isinstance(x, float):
            return round(x, 4)
        return x
    return {"case": case, "quantity": quantity, "analytic": fmt(analytic),
            "reference": fmt(reference) if reference is not None else "",
            "simulated": fmt(simulated), "tolerance": tolerance,
            "pass": ("n/a" if ok is None else bool(ok)),
            "seconds": "" if seconds is None else round(seconds, 1), "source": source}


def _fc_rows(runs: dict, quick: bool) -> list[dict]:
    rows = []
    src = "Baldwin et al. 2003 ch. 3: s_n = 1/2 + (1+phi)/(1-phi)(s_E - 1/2)"
    for phi, r in sorted(runs["hme"].items()):
        rows.append(_row(f"FC home market phi={phi}", "s_n (second-half mean)", r["analytic_share_N"],
                         r["simulated_share_N"], "0.01 of closed form; 0.005 of logit FP",
                         r["pass"], r["seconds"], src, reference=r["logit_fixed_point"]))
    if "slope" in runs:
        lo, hi = runs["slope"]
        phi = lo["phi"]
        sim = (hi["simulated_share_N"] - lo["simulated_share_N"]) / (hi["s_E"] - lo["s_E"])
        an = (1 + phi) / (1 - phi)
        fp = (hi["logit_fixed_point"] - lo["logit_fixed_point"]) / (hi["s_E"] - lo["s_E"])
        rows.append(_row(f"FC home-market slope phi={phi}", "ds_n/ds_E (s_E 0.55 -> 0.65)", an, sim,
                         "0.1 (= 2 x 0.005 / 0.1)", abs(sim - an) <= 0.1,
                         lo["seconds"] + hi["seconds"], "(1+phi)/(1-phi)", reference=fp))
    if "transport" in runs:
        r0, r1 = runs["hme"][0.5], runs["transport"]
        an = r1["analytic_share_N"] - r0["analytic_share_N"]
        sim = r1["simulated_share_N"] - r0["simulated_share_N"]
        rows.append(_row("FC lever: transport phi 0.5 -> 0.6", "shift of s_n", an, sim, "0.02",
                         abs(sim - an) <= 0.02, r1["seconds"], "closed form (docs/validation.md)",
                         reference=r1["logit_fixed_point"] - r0["logit_fixed_point"]))
    for key, r in runs["levers"].items():
        if r.get("simulated_share_N") is None:
            rows.append(_row(f"FC lever: {key}", "s_n", r["analytic_share_N"],
                             "not run: " + LEVERS_MISSING, "0.01 of closed form; 0.005 of logit FP",
                             None, None, "closed form (docs/validation.md)",
                             reference=r["logit_fixed_point"]))
        else:
            rows.append(_row(f"FC lever: {key}", "s_n", r["analytic_share_N"], r["simulated_share_N"],
                             "0.01 of closed form; 0.005 of logit FP", r["pass"], r["seconds"],
                             "closed form (docs/validation.md)", reference=r["logit_fixed_point"]))
    return rows


def _lever_configs() -> dict:
    out = {}
    for k, v in LEVER_DEFAULTS.items():
        out[f"{k}={v}"] = {k: v}
    out["all three at once"] = dict(LEVER_DEFAULTS)
    return out


def _run_levers(quick: bool) -> dict:
    res = {}
    for name, lev in _lever_configs().items():
        cfg = dict(FC_DEFAULTS, **lev)
        kw = {"s_e": cfg["s_E"], "phi": cfg["phi"], "sigma": cfg["sigma"],
                  "rho": 1 + cfg["profit_subsidy_N"], "lump_sum": cfg["lump_sum_N"],
                  "cost_subsidy": cfg["cost_subsidy_N"]}
        if levers_available() and not quick:
            res[name] = run_footloose_capital(cfg)
        else:
            res[name] = {"analytic_share_N": fc_lever_share(**kw),
                         "logit_fixed_point": fc_logit_fixed_point(cfg["beta"], **kw),
                         "simulated_share_N": None, **cfg}
    return res


def _fig_home_market(path: Path, runs: dict) -> None:
    import matplotlib.pyplot as plt
    phis = np.linspace(0.01, 0.95, 200)
    beta = FC_DEFAULTS["beta"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.plot(phis, [market.home_market_share(0.6, p) for p in phis], "-", color="black",
            label="closed form s_n = 1/2 + (1+φ)/(1−φ)(s_E − 1/2)")
    ax.plot(phis, [fc_logit_fixed_point(beta, 0.6, p) for p in phis], ls="--", color="tab:orange",
            label=f"logit fixed point, β = {beta:g}")
    pts = sorted(runs["hme"].items())
    ax.plot([p for p, _ in pts], [r["simulated_share_N"] for _, r in pts], "o", color="tab:blue", ms=8,
            label=f"RegionalEconomy (mean of 2nd half, {pts[0][1]['firms']} firms)")
    ax.set_title("Home-market effect: footloose capital, s_E = 0.6, σ = 4")
    ax.set_xlabel("freeness of trade φ (unitless)")
    ax.set_ylabel("share of firms in N, s_n (share)")
    ax.set_ylim(0.45, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_levers(path: Path, runs: dict) -> None:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    base = {"s_e": 0.6, "phi": 0.5, "sigma": 4.0}
    beta = FC_DEFAULTS["beta"]
    panels = [
        ("profit subsidy in N, s (profit × (1+s))", "profit_subsidy_N", np.linspace(0, 0.1, 60),
         lambda x: dict(base, rho=1 + x)),
        ("lump sum per N firm, S (units of mean profit π̄)", "lump_sum_N", np.linspace(0, 0.1, 60),
         lambda x: dict(base, lump_sum=x)),
        ("marginal-cost subsidy in N, c (cost × (1−c))", "cost_subsidy_N", np.linspace(0, 0.05, 60),
         lambda x: dict(base, cost_subsidy=x)),
        ("transport: freeness φ (unitless)", "phi", np.linspace(0.3, 0.7, 60),
         lambda x: dict(base, phi=x)),
    ]
    for ax, (label, key, xs, kw) in zip(axes.ravel(), panels):
        ax.plot(xs, [fc_lever_share(**kw(x)) for x in xs], "k-", label="closed form")
        ax.plot(xs, [fc_logit_fixed_point(beta, **kw(x)) for x in xs], ls="--", color="tab:orange",
                label=f"logit fixed point β = {beta:g}")
        if key == "phi":
            pts = [(p, r) for p, r in sorted(runs["hme"].items()) if 0.3 <= p <= 0.7]
            if "transport" in runs:
                pts.append((runs["transport"]["phi"], runs["transport"]))
            ax.plot([p for p, _ in pts], [r["simulated_share_N"] for _, r in pts], "o", color="tab:blue",
                    label="RegionalEconomy")
        else:
            r = runs["levers"].get(f"{key}={LEVER_DEFAULTS[key]}")
            if r is not None and r.get("simulated_share_N") is not None:
                ax.plot([LEVER_DEFAULTS[key]], [r["simulated_share_N"]], "o", color="tab:blue",
                        label="RegionalEconomy")
            else:
                ax.text(0.35, 0.05, "simulation: " + LEVERS_MISSING, transform=ax.transAxes,
                        fontsize=8, color="tab:red")
        ax.set_xlabel(label)
        ax.set_ylabel("share of firms in N, s_n (share)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Levers in the footloose-capital case (s_E = 0.6, φ = 0.5, σ = 4)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_core_periphery(path: Path, fe_runs: dict) -> None:
    import matplotlib.pyplot as plt
    sigma, mu = FE_DEFAULTS["sigma"], FE_DEFAULTS["mu"]
    phib = fe_break_point(sigma, mu)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 5))
    ss = np.linspace(0.02, 0.98, 200)
    for phi, col in ((0.55, "tab:blue"), (phib, "tab:red"), (0.85, "tab:orange")):
        a1.plot(ss, [fe_gap(x, phi, sigma, mu) for x in ss], color=col, label=f"φ = {phi:.3f}")
    a1.axhline(0, color="k", lw=0.8)
    a1.set_title("Real-profit gap (wiggle diagram)")
    a1.set_xlabel("share of firms in N, s (share)")
    a1.set_ylabel("(ω_N − ω_S) / π̄ (units of mean profit)")
    a1.grid(alpha=0.3)
    a1.legend()
    phis = sorted(fe_runs)
    a2.plot(phis, [fe_runs[p]["simulated_share_N"] for p in phis], "o", color="tab:blue", ms=8,
            label=f"RegionalEconomy, final share (from s0 = {FE_DEFAULTS['s0']})")
    a2.plot(phis, [fe_runs[p]["mean_field_share_N"] for p in phis], "x", color="tab:orange", ms=8,
            label="mean-field logit dynamics")
    a2.axvline(phib, color="tab:red", ls="--", label=f"break point φ_B = {phib:.3f}")
    a2.set_title("Footloose entrepreneurs: σ = 5, μ = 0.4")
    a2.set_xlabel("freeness of trade φ (unitless)")
    a2.set_ylabel("final share of firms in N (share)")
    a2.set_ylim(-0.03, 1.03)
    a2.grid(alpha=0.3)
    a2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_ccdf(path: Path, facts: dict) -> None:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for k, (name, f) in enumerate(facts.items()):
        x = np.sort(f["_jobs"][f["_jobs"] > 0])
        ccdf = 1 - np.arange(len(x)) / len(x)
        ax.loglog(x, ccdf, ".", ms=2, color=("tab:blue", "tab:green")[k % 2], label=f"{name}: firms in 2035")
        t = f["tail_jobs"]
        frac = t["n_tail"] / len(x)
        xs = np.geomspace(t["x_min"], x[-1], 50)
        ax.loglog(xs, frac * (xs / t["x_min"]) ** (-t["zeta"]), "-", color=("tab:orange", "tab:red")[k % 2],
                  label=f"{name}: CSN fit ζ = {t['zeta']:.3f}, x_min = {t['x_min']:.0f}, "
                        f"{t['n_tail']} firms")
    ax.set_title("Firm size distribution (employment), baseline 2035")
    ax.set_xlabel("jobs per firm (persons)")
    ax.set_ylabel("P(size ≥ x) (share of firms)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_growth(path: Path, facts: dict) -> None:
    import matplotlib.pyplot as plt
    from scipy import stats
    fig, axes = plt.subplots(1, len(facts), figsize=(6 * len(facts), 5), squeeze=False)
    for ax, (name, f) in zip(axes[0], facts.items()):
        g = f["growth"]
        z = g["standardised"]
        bins = np.linspace(-8, 8, 81)
        h, e = np.histogram(z, bins=bins, density=True)
        c = 0.5 * (e[1:] + e[:-1])
        ax.semilogy(c[h > 0], h[h > 0], "o", ms=3, color="tab:blue", label="simulated (standardised by size decile)")
        ax.semilogy(c, stats.gennorm.pdf(c, g["subbotin_shape"], g["subbotin_loc"],
                                         g["subbotin_scale"]),
                    "-", color="black", label=f"Subbotin fit, shape {g['subbotin_shape']:.2f}")
        ax.semilogy(c, stats.norm.pdf(c), ":", color="tab:orange", label="normal (shape 2)")
        ax.semilogy(c, stats.laplace.pdf(c, scale=1 / math.sqrt(2)), "--", lw=0.8, color="tab:red",
                    label="Laplace / tent (shape 1)")
        ax.set_ylim(1e-5, 2)
        ax.set_title(f"One-quarter growth rates, 2035Q4\n{name}", fontsize=10)
        ax.set_xlabel("standardised log growth rate of output (s.d. units)")
        ax.set_ylabel("density (log scale)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fact_rows(name: str, f: dict, contrast: bool = False) -> list[dict]:
    """Stylized-fact rows; a ``contrast`` run (the old growth process) is shown, not judged."""
    t, g = f["tail_jobs"], f["growth"]
    note = "" if contrast else " (imposed by the growth parameters)"

    def ok(x):
        return None if contrast else x
    return [
        _row(f"{name}: Pareto tail of employment", "zeta (CSN MLE, x_min by KS)", 1.06, t["zeta"],
             "[0.9, 1.2] with >= 2000 firms in tail",
             ok(0.9 <= t["zeta"] <= 1.2 and t["n_tail"] >= 2000), f["seconds"],
             f"Axtell 2001; tail {t['n_tail']} firms, x_min {t['x_min']:.1f} jobs"),
        _row(f"{name}: growth-rate shape{note}", "Subbotin shape (standardised 1-quarter growth)",
             1.0, g["subbotin_shape"], "[0.8, 1.3]", ok(0.8 <= g["subbotin_shape"] <= 1.3), None,
             "Stanley et al. 1996 (tent = 1)"),
        _row(f"{name}: volatility vs size{note}", "slope of ln sd(growth) on ln size", -0.15,
             g["volatility_size_slope"], "[-0.3, -0.1]",
             ok(-0.3 <= g["volatility_size_slope"] <= -0.1), None,
             "Amaral et al. 1997 (about -0.15 to -0.2)"),
    ]


def _tax_rows(name: str, f: dict) -> list[dict]:
    t = f["tax"]
    return [
        _row(f"{name}: tax elasticity of arrivals, between cities", "d ln arrivals / d ln CIT rate",
             "-0.1 to -0.6", t["between_cities"], "[-0.6, -0.1]",
             -0.6 <= t["between_cities"] <= -0.1, None,
             "Bartik 1991; a validation: nothing was fitted to it (expected arrivals)"),
        _row(f"{name}: tax elasticity of arrivals, parks of one city (calibration target)",
             "d ln arrivals / d ln CIT rate", "-1 to -3", t["between_parks"], "[-3, -1]",
             -3 <= t["between_parks"] <= -1, None,
             "Bartik 1991; CALIBRATED: nest_lambda chosen to put it in the band"),
    ]


def _sim_tax_rows(r: dict) -> list[dict]:
    ok = abs(r["simulated_elasticity"] - r["expected_elasticity"]) <= 3 * r["simulated_se"]
    return [_row(f"baseline: simulated tax rebate {r['rebate']:g} at one park in each of "
                 f"{len(r['parks'])} cities, 2022-{r['until']}, {r['seeds']} seeds (CRN)",
                 "arc elasticity of the parks' arrivals to the CIT rate",
                 r["expected_elasticity"], r["simulated_elasticity"],
                 f"3 s.e. (jackknife over seeds: {r['simulated_se']:.3f})", ok, r["seconds"],
                 f"expected-arrivals computation; arrivals {r['arrivals_without']:.0f} -> "
                 f"{r['arrivals_with']:.0f} ({', '.join(r['parks'])})")]


def validate_all(out: Path, quick: bool = False, sets: dict | None = None) -> Path:
    """Run every validation case, write table + figures to a new folder; return its path."""
    from ..outputs import results
    from ..outputs.plots import setup_font
    t_start = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    fc_steps = 4000 if quick else FC_DEFAULTS["steps"]
    runs: dict = {"hme": {}, "levers": {}}
    phis = (0.5,) if quick else (0.1, 0.3, 0.5, 0.7)
    for phi in phis:
        print(f"validate: footloose-capital phi={phi}", file=sys.stderr)
        runs["hme"][phi] = run_footloose_capital(dict(FC_DEFAULTS, phi=phi, steps=fc_steps))
    if not quick:
        print("validate: footloose-capital slope and transport", file=sys.stderr)
        runs["slope"] = [run_footloose_capital(dict(FC_DEFAULTS, phi=0.3, s_E=se))
                         for se in (0.55, 0.65)]
        runs["transport"] = run_footloose_capital(dict(FC_DEFAULTS, phi=0.6))
    runs["levers"] = _run_levers(quick)
    fe_runs = {}
    for phi in ((0.55, 0.85) if quick else FE_SWEEP):
        print(f"validate: footloose-entrepreneur phi={phi}", file=sys.stderr)
        fe_runs[phi] = run_footloose_entrepreneur(dict(FE_DEFAULTS, phi=phi))
    print("validate: baseline 2035 stylized facts", file=sys.stderr)
    facts = {"baseline": baseline_facts()}
    if not quick:
        facts[OLD_GROWTH_NAME] = baseline_facts(GROWTH_OLD)
        print("validate: simulated park tax cut (common random numbers)", file=sys.stderr)
        sim_tax = simulated_tax_check()

    rows = _fc_rows(runs, quick)
    phib = fe_break_point(FE_DEFAULTS["sigma"], FE_DEFAULTS["mu"])
    for phi, r in sorted(fe_runs.items()):
        rows.append(_row(f"FE phi={phi} ({'below' if phi < phib else 'above'} break point)",
                         "final share of firms in N", r["expected"], r["simulated_share_N"],
                         "|s-0.5| < 0.05 below phi_B; max(s,1-s) > 0.9 above", r["pass"],
                         r["seconds"], f"phi_B = {phib:.4f} (Forslid & Ottaviano 2003)",
                         reference=r["mean_field_share_N"]))
    rows.append(_row("Krugman core-periphery (mobile workers)", "break point 1/7 at sigma=5, mu=0.4",
                     1 / 7, "not supported (docs/validation.md)", "", None, None,
                     "Krugman 1991; Baldwin et al. ch. 2"))
    for name, f in facts.items():
        rows += _fact_rows(name, f, contrast=name == OLD_GROWTH_NAME)
    rows += _tax_rows("baseline", facts["baseline"])
    if not quick:
        rows += _sim_tax_rows(sim_tax)

    cfg_blob = json.dumps({"quick": quick, "fc": FC_DEFAULTS, "fe": FE_DEFAULTS}, sort_keys=True)
    import hashlib
    h = hashlib.sha256(cfg_blob.encode()).hexdigest()
    tmp, final = results.new_run_dir(Path(out), "validation", FC_DEFAULTS["seed"], h)
    try:
        figs = tmp / "figures"
        figs.mkdir()
        setup_font()
        _fig_home_market(figs / "home_market.png", runs)
        _fig_levers(figs / "lever_shifts.png", runs)
        _fig_core_periphery(figs / "core_periphery.png", fe_runs)
        _fig_ccdf(figs / "firm_size_ccdf.png", facts)
        _fig_growth(figs / "growth_density.png", facts)
        cols = list(rows[0])
        with open(tmp / "table.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
        md = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        md += ["| " + " | ".join(str(r[c]).replace("|", "\\|") for c in cols) + " |" for r in rows]
        (tmp / "table.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        detail = {
            "started": started, "quick": quick, "seconds": round(time.perf_counter() - t_start, 1),
            "git_commit": results.git_commit(), "packages": results.package_versions(),
            "fc_defaults": FC_DEFAULTS, "fe_defaults": FE_DEFAULTS,
            "levers_available": levers_available(), "rows": rows,
            "footloose_capital": {str(k): _public(v) for k, v in runs["hme"].items()},
            "footloose_entrepreneur": {str(k): _public(v) for k, v in fe_runs.items()},
            "stylized_facts": {k: {
                "year": f["year"], "firms": f["firms"], "overrides": f["overrides"],
                "tail_jobs": f["tail_jobs"], "tail_output": f["tail_output"],
                "growth": {kk: vv for kk, vv in f["growth"].items()
                           if kk not in ("standardised", "raw")},
                "tax": f["tax"], "seconds": f["seconds"]} for k, f in facts.items()},
            "simulated_tax_check": None if quick else sim_tax,
        }
        results.write_json(tmp / "validation.json", detail)
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    n_pass = sum(r["pass"] is True for r in rows)
    n_fail = sum(r["pass"] is False for r in rows)
    print(f"validate all: {n_pass} pass, {n_fail} fail, "
          f"{sum(r['pass'] == 'n/a' for r in rows)} not judged (not run or contrast); "
          f"{time.perf_counter() - t_start:.0f} s", file=sys.stderr)
    return path
