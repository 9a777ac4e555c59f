"""Validation against theory (issue 4, docs/validation.md): closed forms, the theory scenarios run
through RegionalEconomy, and the ``validate`` command. Fast subset; the full set is in
tests/test_validation_slow.py."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

import run
from sim.checks import closed_forms, stylized, theory
from sim.economy import market

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("phi,expected", [(0.1, 0.6222), (0.3, 0.6857), (0.5, 0.8000), (0.7, 1.0)])
def test_lever_closed_form_without_levers_is_the_home_market_effect(phi, expected):
    # Baldwin et al. 2003 ch. 3 (numbers of issue 4): sigma = 4, s_E = 0.6
    assert closed_forms.fc_lever_share(0.6, phi) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize("kw", [
    {"rho": 1.05}, {"rho": 0.97}, {"lump_sum": 0.05}, {"lump_sum": -0.03},
    {"cost_subsidy": 0.02}, {"cost_subsidy": 0.02, "sigma": 6.0},
    {"rho": 1.03, "lump_sum": 0.02, "cost_subsidy": 0.01}, {"rho": 1.2, "lump_sum": 0.3},
])
@pytest.mark.parametrize("phi,s_e", [(0.2, 0.6), (0.5, 0.6), (0.4, 0.45)])
def test_lever_closed_form_equals_the_model_profit_function(kw, phi, s_e):
    # the quadratic of docs/validation.md against the share at which market.two_region_profits
    # (the model's own market block) equalises after-policy profits
    kw = dict(kw)  # the parametrised dict is shared between the (phi, s_e) cases
    sigma = kw.pop("sigma", 4.0)
    cf = closed_forms.fc_lever_share(s_e, phi, sigma=sigma, **kw)
    num = market.equal_profit_share(s_e, phi, sigma=sigma, **kw)
    assert cf == pytest.approx(num, abs=1e-9)


def test_transport_lever_shift_is_the_home_market_slope_in_phi():
    # ds_n/dphi = 2(s_E - 1/2)/(1-phi)^2 (derivative of the closed form)
    h = 1e-6
    d = (closed_forms.fc_lever_share(0.6, 0.5 + h) - closed_forms.fc_lever_share(0.6, 0.5 - h)) / (2 * h)
    assert d == pytest.approx(2 * 0.1 / 0.25, rel=1e-6)


@pytest.mark.parametrize("phi", [0.1, 0.3, 0.5])
def test_logit_fixed_point_approaches_closed_form_as_beta_grows(phi):
    # MODEL.md §3: the logit target tends to s_n as beta grows; beta = 1000 is within 0.005
    sn = market.home_market_share(0.6, phi)
    errs = [abs(closed_forms.fc_logit_fixed_point(b, 0.6, phi) - sn) for b in (50, 200, 1000, 10000)]
    assert errs == sorted(errs, reverse=True)
    assert errs[2] < 0.005 and errs[3] < 0.0005
    # and it is a fixed point of the logit map on the model's profit gap
    s = closed_forms.fc_logit_fixed_point(1000, 0.6, phi)
    assert s == pytest.approx(closed_forms.logistic(1000 * closed_forms.fc_profit_gap(s, 0.6, phi)), abs=1e-9)


def test_validation_configuration_converges_without_oscillation():
    # theta (1 - dLambda/ds) < 1 at every home-market point of the table (docs/validation.md)
    c = theory.FC_DEFAULTS
    for phi in (0.1, 0.3, 0.5, 0.7):
        fp = closed_forms.fc_logit_fixed_point(c["beta"], 0.6, phi)
        assert 0 < closed_forms.fc_convergence_factor(c["beta"], c["theta"], fp, 0.6, phi) < 1


def test_fe_break_point_is_where_symmetry_loses_stability():
    # Forslid & Ottaviano 2003 / Baldwin et al. ch. 4: phi_B for sigma = 5, mu = 0.4 is 0.697;
    # the real-profit gap the model's cost_of_living switch uses changes slope sign there
    phib = closed_forms.fe_break_point(5.0, 0.4)
    assert phib == pytest.approx(0.6969697, abs=1e-6)
    root = brentq(lambda p: closed_forms.fe_symmetric_slope(p, 5.0, 0.4), 0.3, 0.95, xtol=1e-10)
    assert root == pytest.approx(phib, abs=1e-5)
    assert closed_forms.fe_symmetric_slope(0.55, 5.0, 0.4) < 0 < closed_forms.fe_symmetric_slope(0.85, 5.0, 0.4)


# ------------------------------------------------------------------ RegionalEconomy runs


def test_theory_model_is_the_two_region_fc_economy():
    m = theory.build_theory_model("footloose-capital", dict(theory.FC_DEFAULTS))
    assert m.site_ids == ["N·园区外", "S·园区外"] and m.Q == 2 and m.S == 1
    assert np.bincount(m.site).tolist() == [1000, 1000]
    assert (m.external == 0).all() and (m.constants == 0).all()
    # profits equal the closed-form two-region profits at s = 1/2
    pn, ps = market.two_region_profits(0.5, 0.6, 0.5, 4.0)
    assert m.pi_scale[0, 0] / m.pi_scale[0, 1] == pytest.approx(pn / ps, rel=1e-12)


def test_home_market_effect_simulated_phi_05():
    # issue 4: second-half mean within 0.005 of the logit fixed point and 0.01 of 0.8000
    r = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=0.5, steps=4000))
    assert abs(r["simulated_share_N"] - r["logit_fixed_point"]) <= 0.005
    assert abs(r["simulated_share_N"] - 0.8) <= 0.01
    assert r["pass"] is True


def test_home_market_effect_simulated_phi_01():
    r = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, phi=0.1, steps=3000))
    assert abs(r["simulated_share_N"] - r["logit_fixed_point"]) <= 0.005
    assert abs(r["simulated_share_N"] - 0.6222) <= 0.01


def test_all_firms_revising_oscillates():
    # MODEL.md §3 trap: theta = 1 overshoots every step (the share jumps between the corners)
    r = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, theta=1.0, steps=40))
    p = r["_path"]
    assert np.abs(np.diff(p[20:])).min() > 0.5
    assert r["pass"] is False


@pytest.mark.parametrize("phi,agglomerates", [(0.55, False), (0.85, True)])
def test_footloose_entrepreneur_break_point(phi, agglomerates):
    # sigma = 5, mu = 0.4, phi_B = 0.697: symmetric below, one region above (from s0 = 0.55)
    r = theory.run_footloose_entrepreneur(dict(theory.FE_DEFAULTS, phi=phi))
    s = r["simulated_share_N"]
    if agglomerates:
        assert max(s, 1 - s) > 0.9
    else:
        assert abs(s - 0.5) < 0.05
    assert r["pass"] is True and r["analytic_break_point"] == pytest.approx(0.69697, abs=1e-5)


@pytest.mark.slow  # CI: 5 s
def test_fe_needs_the_cost_of_living_switch():
    # without the price-index term the break point is (sigma-mu)/(sigma+mu) = 0.852: at 0.75 the
    # nominal-profit model stays symmetric while the FE model (switch on) agglomerates
    cfg = dict(theory.FE_DEFAULTS, phi=0.75)
    m = theory.build_theory_model("footloose-entrepreneur", cfg)
    assert m.sw.cost_of_living and m.sw.owners_spend_at_site
    on = theory.run_footloose_entrepreneur(cfg)["simulated_share_N"]
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    loaded = load_scenario(theory.THEORY / "footloose-entrepreneur.yaml",
                           theory.theory_overrides("footloose-entrepreneur", cfg)
                           + ["switches.cost_of_living=false"])
    m = RegionalEconomy(loaded, seed=cfg["seed"], data=theory._theory_data("footloose-entrepreneur", cfg))
    for _ in range(cfg["steps"]):
        m.step()
    off = float((m.site == 0).mean())
    assert max(on, 1 - on) > 0.9 and abs(off - 0.5) < 0.05


# ------------------------------------------------------------------ levers (wired after merge)

def _fc_share_by_hand(s_e, phi, sigma=4.0, rho=1.0, lump_sum=0.0, cost_subsidy=0.0):
    """Long-run share of firms in N in the two-region footloose-capital model (Baldwin et al. 2003,
    ch. 3), from CES demand written out here, not from sim.market or sim.validation.

    World expenditure 1 (N spends s_E, S 1 − s_E), K identical firms, no outside producers, share s
    of them in N. A firm at r sells c_r^(1−σ) φ_rq μ E_q / (K Δ_q) in q, with the crowding
    Δ_q = Σ_j n_j c_j^(1−σ) φ_jq / K, and keeps 1/σ of its sales as operating profit. N's marginal
    cost is (1 − c) times S's, so its demand weight is g = (1 − c)^(1−σ):
        Δ_N = g s + φ (1 − s),   Δ_S = g φ s + (1 − s)
        π_N ∝ g (s_E/Δ_N + φ (1 − s_E)/Δ_S),   π_S ∝ φ s_E/Δ_N + (1 − s_E)/Δ_S
    in units in which the mean profit s π_N + (1 − s) π_S is 1 (all operating profit is μ/σ of
    world spending). Firms stop moving where after-policy profits are equal,
    ρ π_N + S·π̄ = π_S; the gap falls with s, so the root is found by bisection, and a gap of one
    sign on [0, 1] is a corner. With ρ = g = 1 and S = 0 the condition is s_E/Δ_N = (1 − s_E)/Δ_S,
    linear in s, whose root is the home-market effect s_n = 1/2 + (1 + φ)/(1 − φ) (s_E − 1/2)."""
    g = (1.0 - cost_subsidy) ** (1.0 - sigma)

    def gap(s):
        dn, ds = g * s + phi * (1 - s), g * phi * s + (1 - s)
        pn = g * (s_e / dn + phi * (1 - s_e) / ds)
        ps = phi * s_e / dn + (1 - s_e) / ds
        return rho * pn + lump_sum - ps  # S·π̄ with π̄ = 1

    lo, hi = 0.0, 1.0
    if gap(lo) <= 0:
        return 0.0
    if gap(hi) >= 0:
        return 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def test_hand_closed_form_is_the_home_market_effect_and_the_subsidy_fraction():
    # the helper above against two forms solved by hand: no policy (Baldwin et al. 2003, ch. 3)
    for phi, s_e in [(0.1, 0.6), (0.3, 0.6), (0.5, 0.6), (0.4, 0.45)]:
        assert _fc_share_by_hand(s_e, phi) == pytest.approx(0.5 + (1 + phi) / (1 - phi) * (s_e - 0.5), abs=1e-12)
    # profit subsidy 2 % (ρ = 1.02), φ = 1/2, s_E = 0.6: (ρ − φ) s_E Δ_S = (1 − ρφ)(1 − s_E) Δ_N with
    # Δ_N = (1 + s)/2, Δ_S = (2 − s)/2 gives 0.52·0.6·(2 − s) = 0.49·0.4·(1 + s), s = 0.428/0.508 = 107/127
    assert _fc_share_by_hand(0.6, 0.5, rho=1.02) == pytest.approx(107 / 127, abs=1e-12)


LEVER_SKIP = pytest.mark.skipif(not theory.levers_available(), reason=theory.LEVERS_MISSING)


@LEVER_SKIP
@pytest.mark.parametrize("lev", [
    # one lever at a time in the slow set (6,000 steps each); the fast set runs all three together
    # and test_lever_closed_form_equals_the_model_profit_function checks each one's closed form
    pytest.param({"profit_subsidy_N": 0.02}, marks=pytest.mark.slow),
    pytest.param({"lump_sum_N": 0.02}, marks=pytest.mark.slow),
    pytest.param({"cost_subsidy_N": 0.01}, marks=pytest.mark.slow),
    dict(theory.LEVER_DEFAULTS)])
def test_levers_shift_share_as_closed_form(lev):
    r = theory.run_footloose_capital(dict(theory.FC_DEFAULTS, steps=6000, **lev))
    rho = 1 + lev.get("profit_subsidy_N", 0.0)
    # the closed form derived in this file (not the fc_lever_share that computed analytic_share_N)
    cf = _fc_share_by_hand(0.6, 0.5, 4.0, rho, lev.get("lump_sum_N", 0.0), lev.get("cost_subsidy_N", 0.0))
    assert r["analytic_share_N"] == pytest.approx(cf, abs=1e-6)  # reported to 6 decimals
    assert abs(r["simulated_share_N"] - r["logit_fixed_point"]) <= 0.005
    assert abs(r["simulated_share_N"] - cf) <= 0.01


def test_lever_overrides_build_a_levers_block():
    ov = theory.theory_overrides("footloose-capital", dict(theory.FC_DEFAULTS, profit_subsidy_N=0.1))
    lev = json.loads(ov[-1].partition("=")[2])
    assert lev == [{"id": "n_profit_subsidy", "kind": "profit_subsidy", "value": 0.1,
                    "target": {"cities": ["N"]}, "applies_to": "all", "source": "validation"}]


def test_validate_json_last_line(capsys):
    assert run.main(["validate", "footloose-capital", "--set", "steps=600", "--set", "phi=0.3",
                     "--set", "firms=400", "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    d = json.loads(last)
    for k in ("simulated_share_N", "analytic_share_N", "logit_fixed_point", "beta", "firms",
              "steps", "pass"):
        assert k in d
    assert d["firms"] == 400 and d["steps"] == 600 and d["phi"] == 0.3
    # the home-market effect at φ = 0.3, s_E = 0.6: 1/2 + (1 + φ)/(1 − φ)(s_E − 1/2) = 0.5 + 13/70
    assert d["analytic_share_N"] == pytest.approx(0.5 + (1 + 0.3) / (1 - 0.3) * (0.6 - 0.5), abs=1e-6)


def test_validate_fe_json(capsys):
    assert run.main(["validate", "footloose-entrepreneur", "--set", "steps=200", "--json"]) == 0
    d = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert d["analytic_break_point"] == pytest.approx(0.69697, abs=1e-5)
    assert 0 <= d["simulated_share_N"] <= 1 and isinstance(d["pass"], bool)


@pytest.mark.parametrize("args,needle", [
    (["nope"], "unknown case"),
    ([], "missing case"),
    (["footloose-capital", "--set", "bogus=1"], "bogus"),
    (["footloose-capital", "--set", "phi=abc"], "phi=abc"),
    (["footloose-capital", "--set", "phi=1"], "phi=1"),
    (["footloose-capital", "--set", "phi=nan"], "phi=nan"),
    (["footloose-capital", "--set", "steps=1.5"], "steps"),
    (["footloose-capital", "--set", "firms=2001"], "firms"),
    (["footloose-capital", "--set", "phi"], "KEY=VALUE"),
    (["footloose-capital", "--set"], "needs a value"),
    (["footloose-capital", "--bogus"], "--bogus"),
    (["footloose-entrepreneur", "--set", "s_E=0.6"], "s_E"),
    (["all", "--set", "phi=0.3"], "no --set"),
])
def test_bad_validate_input_is_one_line_exit_2(tmp_path, capsys, args, needle):
    out = tmp_path / "out"
    code = run.main(["validate", *args, "--out", str(out)])
    cap = capsys.readouterr()
    assert code == 2
    err = cap.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and needle in err
    assert not out.exists()


@pytest.mark.slow  # slow set (CI runs it): keeps make test under 3 minutes
def test_validate_all_quick_writes_table_and_figures(tmp_path, capsys):
    out = tmp_path / "v"
    assert run.main(["validate", "all", "--quick", "--out", str(out)]) == 0
    d = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert d.is_absolute() and d.parent == out.resolve()
    assert sorted(p.name for p in (d / "figures").glob("*.png")) == [
        "core_periphery.png", "firm_size_ccdf.png", "growth_density.png", "home_market.png",
        "lever_shifts.png"]
    import csv
    with open(d / "table.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["case", "quantity", "analytic", "reference", "simulated", "tolerance",
                             "pass", "seconds", "source"]
    hme = next(r for r in rows if r["case"] == "FC home market phi=0.5")
    assert hme["pass"] == "True" and math.isclose(float(hme["analytic"]), 0.8)
    # the 2023 forecast check (sim/checks/forecast.py), the mean over 8 seeds: the Must hold's row
    # against each city at its own province's rate (MAE 1.3574 pp from the bulletins), judged; every
    # city at Jilin's rate (1.0007 pp); the default seed alone, not judged
    fc = [r for r in rows if r["case"].startswith("baseline forecast 2023 ")]
    assert len(fc) == 4 and "mean growth over 8 seeds" in fc[0]["case"] and "Must hold" in fc[0]["case"]
    assert math.isclose(float(fc[0]["analytic"]), 1.357, abs_tol=1e-3) and fc[0]["pass"] in ("True", "False")
    assert math.isclose(float(fc[1]["analytic"]), 1.001, abs_tol=1e-3)
    assert "default seed 20230228 alone" in fc[3]["case"] and fc[3]["pass"] == "n/a"
    with open(d / "forecast.csv", encoding="utf-8") as fh:
        frows = list(csv.DictReader(fh))
    assert len(frows) == 12 and {"model", "model_default_seed", "naive_own_province"} <= set(frows[0])
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp")]


# ------------------------------------------------------------------ stylized-fact estimators


def test_csn_estimator_recovers_a_known_pareto_tail():
    # Clauset, Shalizi & Newman 2009: MLE on a lognormal body + Pareto(1.06) tail above 100
    rng = np.random.default_rng(7)
    body = np.exp(rng.normal(2.0, 1.0, 20000))
    body = body[body < 100]
    tail = 100 * (1 - rng.uniform(size=5000)) ** (-1 / 1.06)
    r = stylized.pareto_tail_csn(np.r_[body, tail])
    assert r["zeta"] == pytest.approx(1.06, abs=0.06)
    assert 3000 <= r["n_tail"] <= 9000


def test_growth_estimators_recover_laplace_shape_and_size_slope():
    # Laplace growth (Subbotin shape 1) with sd ∝ size^-0.2 (Amaral et al. 1997)
    rng = np.random.default_rng(3)
    size = np.exp(rng.uniform(0, 8, 40000))
    sd = 0.1 * size ** -0.2
    g = rng.laplace(0, sd / np.sqrt(2))
    r = stylized.growth_facts(size, size * np.exp(g))
    assert r["subbotin_shape"] == pytest.approx(1.0, abs=0.1)
    assert r["volatility_size_slope"] == pytest.approx(-0.2, abs=0.03)
    r2 = stylized.growth_facts(size, size * np.exp(rng.normal(0, 0.1, len(size))))
    assert r2["subbotin_shape"] == pytest.approx(2.0, abs=0.2) and abs(r2["volatility_size_slope"]) < 0.03
