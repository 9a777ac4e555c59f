"""Golden cases: short runs of every shipped scenario (plus one with every lever kind) and values of
the pure economic functions, stored in tests/golden/ and compared by tests/test_golden.py at a stated
floating tolerance (GOLDEN_RTOL / GOLDEN_ATOL).

Why a tolerance and not hashes: the old pins were SHA-256 hashes of the rows, which differ in the
last bit between CPUs (numpy's SIMD log/exp), so they skipped on every machine but one and pinned
nothing. A tolerance absorbs last-bit differences in smooth quantities. It cannot absorb a flipped
discrete choice: if a last-bit difference moves a logit argmax across a tie, a firm chooses another
site and the rows differ by a whole firm. That has not been seen on the machines here; if it
happens, the diff names the case, measure and place, and the rows must be regenerated on purpose.

Regenerate (only when numbers are meant to change, and say why in the commit message):

    python tests/golden_cases.py            # rewrites tests/golden/*.csv.gz and functions.npz
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "golden"
GOLDEN_RTOL = 1e-9
GOLDEN_ATOL = 1e-9
LABELS = ["year", "place", "measure", "unit", "sector", "origin", "lever", "investor_origin", "channel"]

ZONE = {"cities": ["四平", "辽源", "通化"], "parks_only": True}
SOME = ["装备制造", "医药健康", "新材料", "汽车及零部件"]


def _lv(id_, kind, value, target, **kw):
    return {"id": id_, "kind": kind, "value": value, "target": target, "source": "test", **kw}


# every lever kind; some reach only some sectors, two budgets bind, one starts late, one ends
EVERY_LEVER_KIND = [
    _lv("land_new", "land_discount", {2023: 0.3}, ZONE, applies_to="new"),
    _lv("land_all", "land_discount", {"2023-07": 0.2}, {"cities": ["长春"]}, applies_to="all"),
    _lv("interest", "interest_subsidy", {2023: 1.5}, ZONE, applies_to="new", years=3,
        budget_wan_per_year=300),
    _lv("guarantee", "loan_guarantee", {2023: 0.5}, {"cities": ["吉林"], "sectors": SOME},
        applies_to="all"),
    _lv("tax", "tax_rebate", {2023: 0.4}, ZONE, applies_to="new", years=5),
    _lv("profit", "profit_subsidy", {2023: 0.1, "2024-07": 0.0}, {"cities": ["通化"]},
        applies_to="all"),
    _lv("grant_new", "grant", {2023: 500}, {**ZONE, "sectors": SOME}, applies_to="new",
        budget_wan_per_year=3000),
    _lv("grant_all", "grant", {"2023-04": 3000}, {"cities": ["吉林", "白城"]}, applies_to="all"),
    _lv("lump", "lump_sum", {2023: 0.2}, {"cities": ["松原"]}, applies_to="new", years=4),
    _lv("talent", "talent_subsidy", {"2023-07": 10000}, {**ZONE, "sectors": SOME},
        applies_to="all", budget_wan_per_year=5000),
    _lv("cost", "cost_subsidy", {2023: 0.05}, {"cities": ["辽源"]}, applies_to="all"),
    _lv("retain", "retention", {2023: 2000}, {"cities": ["四平"]}, unit_cost_yuan=10000),
    _lv("road", "land_supply", {"2023-07": 100}, {"parks": ["siping_xinkai"]},
        cost_wan={"2023-04": 2188}),
    _lv("friction", "friction_cut", {2023: 0.3}, {"cities": ["四平", "辽源"]}, cost_wan=500),
    _lv("promo", "promotion", {2023: 0.8}, {"cities": ["四平"], "sectors": SOME}, cost_wan=3000),
    _lv("glass", "designation", {2023: 1}, {"parks": ["shuangliao_etdz"], "sectors": ["新材料"]}),
]

# name -> (scenario file under scenarios/, overrides, end date)
RUN_CASES = {
    "baseline": ("baseline.yaml", (), 2025.0),
    "jxn_transfer_zone": ("jxn_transfer_zone.yaml", (), 2025.0),
    "jxn_deep_discount": ("jxn_deep_discount.yaml", (), 2025.0),
    "changchun_siping": ("changchun_siping.yaml", (), 2026.0),
    "six_city_integration": ("six_city_integration.yaml", (), 2025.5),
    "footloose_entrepreneur": ("theory/footloose-entrepreneur.yaml", (), 2024.0),
    "footloose_capital": ("theory/footloose-capital.yaml", (), 2024.0),
    "every_lever_kind": ("baseline.yaml", ("firms.scale=0.8",), 2025.5),
}


def load_case(name: str):
    """The validated scenario of a golden case."""
    from sim.scenario import load_scenario, validate_scenario

    scenario, overrides, _ = RUN_CASES[name]
    loaded = load_scenario(ROOT / "scenarios" / scenario, list(overrides))
    if name != "every_lever_kind":
        return loaded
    d = copy.deepcopy(loaded.resolved)
    d["levers"] = copy.deepcopy(EVERY_LEVER_KIND)
    return validate_scenario(d, "every_lever_kind.yaml", path=(ROOT / "scenarios" / scenario).resolve())


def run_case(name: str):
    """(model, tidy rows) of a golden case: the Recorder's rows at every step."""
    from sim.model import RegionalEconomy
    from sim.outputs.metrics import Recorder

    m = RegionalEconomy(load_case(name), until=RUN_CASES[name][2])
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    return m, rec.frame()


def rows(name: str) -> pd.DataFrame:
    """The tidy rows of a case in a canonical form: labels as strings, values as float64."""
    _, f = run_case(name)
    f = f[LABELS + ["value"]].copy()
    for c in LABELS:
        f[c] = f[c].astype(str)
    f["value"] = f["value"].astype(np.float64)
    return f.reset_index(drop=True)


def function_values() -> dict[str, np.ndarray]:
    """Values of the pure economic functions on fixed random inputs (the market block, the
    nested logit and its calibration, the random streams, distances)."""
    from sim import rng
    from sim.economy import choice as location
    from sim.economy import market
    from sim.geography import haversine_km

    r = np.random.default_rng(20221)
    S, R, Q = 3, 7, 5
    mu, sigma = r.uniform(0.2, 0.6, S), r.uniform(3.0, 6.0, S)
    supply, g = r.uniform(0.1, 2.0, (S, R)), r.uniform(0.5, 1.5, (S, R))
    phi = r.uniform(0.05, 0.9, (S, R, Q))
    income, external = r.uniform(1.0, 10.0, Q), r.uniform(0.5, 3.0, (S, Q))
    out = {
        "site_profits_all": market.site_profits_all(mu, sigma, supply, g, phi, income, external),
        "freeness_from_time": market.freeness_from_time(r.uniform(10, 600, (R, Q)), 1.3, 30.0),
        "calibrate_supply": market.calibrate_supply(r.uniform(0.1, 1.0, R), 0.4, phi[0], income,
                                                    external[0] * 20),
        "two_region_profits": np.array(market.two_region_profits(0.55, 0.5, 0.3, rho=1.1,
                                                                 cost_subsidy=0.05)),
        "equal_profit_share": np.array([market.equal_profit_share(0.55, phi_, rho=1.05)
                                        for phi_ in (0.1, 0.3, 0.5)]),
    }
    v = r.normal(0, 1, (6, R))
    v[0, 2] = -np.inf
    nest = np.array([0, 0, 1, 1, 1, 2, 2])
    out["logit"] = location.logit_probabilities(v)
    out["nested_logit"] = location.nested_logit_probabilities(v, nest, 0.6)
    vmat = r.normal(0, 1, (R, R))
    counts = np.array([5.0, 3.0, 0.0, 8.0, 1.0, 2.0, 4.0])
    theta = r.uniform(0.01, 0.1, R)
    out["calibrate_constants"] = location.calibrate_constants(vmat, counts, theta, nest, 0.6)
    out["calibrate_constants_logit"] = location.calibrate_constants(vmat, counts, theta)
    ids = np.arange(1, 50, 3)
    out["rng_uniform"] = rng.uniform(7, "choice", 3, ids, 4)
    out["rng_gumbel"] = rng.gumbel(7, "choice", 3, ids, 4)
    out["rng_normal"] = rng.normal(7, "choice", 3, ids)
    out["rng_nested_gumbel"] = rng.nested_gumbel(7, "choice", 3, ids, nest, 0.6)
    # capital and investment (sim.economy.capital): the wedge, the q-rule, gated growth
    from sim.economy import capital
    n0 = r.uniform(-0.05, 0.5, (S, R))
    dep, kap = r.uniform(0.05, 0.15, S), r.uniform(0.5, 3.0, S)
    w1, q0 = capital.calibrate_wedge(n0, 0.0365, dep, kap)
    out["capital_wedge"], out["capital_q0"] = w1, q0
    q = n0 * r.uniform(0.5, 1.5, (S, R)) / capital.user_cost_factor(0.03, dep[:, None], kap[:, None], w1)
    ik = capital.investment_rate(q, q0, dep[:, None], 10.0, 0.05)
    out["capital_investment_rate"] = ik
    out["capital_gated_growth"] = capital.net_growth_gated(ik, dep[:, None], 0.25, r.uniform(0, 1.2, (S, R)))
    lat, lon = r.uniform(40, 46, 5), r.uniform(121, 130, 5)
    out["haversine_km"] = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return out


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in RUN_CASES:
        f = rows(name)
        f.to_csv(GOLDEN / f"{name}.csv.gz", index=False, float_format="%.17g")
        print(name, len(f), "rows")
    np.savez_compressed(GOLDEN / "functions.npz", **function_values())
    print("functions.npz")


if __name__ == "__main__":
    main()
