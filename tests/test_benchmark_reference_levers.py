"""The per-agent Mesa yardstick also follows the vectorized model's levers, attribution and fiscal
ledger (benchmarks/run.py times both on scenarios/jxn_transfer_zone.yaml).

Set-up: jxn_transfer_zone.yaml (land discount, interest subsidy, tax rebate, talent subsidy,
retention, land supply, business environment ...) at ~6,200 firms, equal sizes within a
city-sector (so that counts are close to binomial), revision rates × 6, 2022–2025 quarterly,
four seeds per model. The two models draw different random numbers, so they agree in
distribution only; programme spending (place-level, the same functions) agrees exactly. Without
revision and growth (the only draws they take from different generators) they agree exactly:
exits, births from the project pipeline, land and every payment.
"""
import numpy as np
import pytest

from benchmarks.mesa_reference import MesaReference
from benchmarks.run import release
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.data_copy import data_with_parks
from tests.test_benchmark_reference import ROOT, Z, _arrival_z

SEEDS = range(4)
OVERRIDES = ["firms.scale=0.3", "switches.heterogeneity=false", "parameters.revision_scale=6",
             "horizon.end=2025", "targets=[]"]  # the plan targets of 2030 and 2035 lie past this horizon


def _run(cls, scn, seed):
    m = cls(scn, seed=seed)
    L = len(m.lever_ids)
    acc = {"revenue": 0.0, "induced": 0.0, "deadweight": 0.0, "spend": np.zeros(L),
           "pivotal": np.zeros(L)}
    for _ in range(m.n_steps):
        m.step()
        acc["revenue"] += m.ledger_revenue.sum()
        acc["induced"] += m.induced_arrivals.sum()
        # arrivals not induced (the reference does not yet tell deadweight from unpaid)
        acc["deadweight"] += m.deadweight_arrivals.sum() + m.unpaid_arrivals.sum()
        acc["spend"] += m.ledger_spend.sum(axis=1)
        acc["pivotal"] += m.pivotal_arrivals.sum(axis=1)
    acc["kinds"] = list(m.lever_kind)
    release(m)
    return acc


@pytest.fixture(scope="module")
def runs():
    scn = load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml", OVERRIDES)
    out = {"vec": [_run(RegionalEconomy, scn, s) for s in SEEDS],
           "ref": [_run(MesaReference, scn, s) for s in SEEDS]}
    return {k: {f: sum(r[f] for r in v) for f in ("revenue", "induced", "deadweight", "spend", "pivotal")}
            | {"kinds": v[0]["kinds"], "spend_by_seed": np.array([r["spend"] for r in v])}
            for k, v in out.items()}


@pytest.mark.slow  # CI: 29 s of paired runs (the fast set keeps the step-by-step agreement tests)
def test_induced_deadweight_and_pivotal_arrivals_agree(runs):
    v, r = runs["vec"], runs["ref"]
    # the levers do induce arrivals, enough for the z-tests below to have power (about 100 over the
    # four seeds since the labour market compares jobs with their trend: 118 and 96 at 12c7a90, 112 and 96 with the converged relocation constants)
    assert v["induced"] > 60 and r["induced"] > 60
    for key in ("induced", "deadweight"):
        assert abs(_arrival_z(r[key], v[key])) < Z, (key, r[key], v[key])
    hit = (v["pivotal"] + r["pivotal"]) > 0
    assert hit.sum() >= 3
    z = _arrival_z(r["pivotal"], v["pivotal"])
    assert np.all(np.abs(z[hit]) < Z), np.round(z, 1)


@pytest.mark.slow  # CI: shares the runs above
def test_fiscal_ledger_agrees(runs):
    v, r = runs["vec"], runs["ref"]
    # tax revenue follows output, which agrees closely
    assert r["revenue"] == pytest.approx(v["revenue"], rel=0.01)
    kinds = v["kinds"]
    programme = np.array([k in ("retention", "land_supply", "promotion", "friction_cut") for k in kinds])
    # programme spending is place-level (the same functions): equal
    np.testing.assert_allclose(r["spend"][programme], v["spend"][programme], rtol=1e-9)
    # subsidies paid to firms: per agent against vectorized, within sampling noise: the two sums
    # over seeds differ by less than Z standard errors, each seed a draw (its variance estimated
    # from the seed-to-seed spread of both models). A fixed 30 % bound was about 1.8 standard
    # errors for the tax rebate (seed-to-seed CV ~25 %) and failed by chance when the numbers moved
    # (issue 14: 31 % on seeds 0-3, 9 % on seeds 0-11)
    firm_paid = ~programme & (v["spend"] > 0)
    assert firm_paid.sum() >= 3
    n = len(SEEDS)
    var = v["spend_by_seed"].var(axis=0, ddof=1) + r["spend_by_seed"].var(axis=0, ddof=1)
    z = (r["spend"] - v["spend"])[firm_paid] / np.sqrt(n * np.maximum(var[firm_paid], 1e-12))
    rel = np.abs(r["spend"] - v["spend"])[firm_paid] / v["spend"][firm_paid]
    # a spend that hardly varies between seeds (a budget cap that binds) agrees within 2 %
    assert np.all((np.abs(z) < Z) | (rel < 0.02)), dict(zip(np.array(kinds)[firm_paid],
                                                             zip(np.round(z, 1), np.round(rel, 3))))


def test_same_exits_and_births_as_the_model_when_nothing_else_draws():
    # without revision and growth (the draws the two models take from different generators), the
    # reference's per-agent exits (the model's "exit" stream by firm id), the shared project
    # pipeline and its births (the model's firm ids), land, one-off and recurring payments to the
    # newcomers follow the vectorized model exactly
    scn = load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml",
                        OVERRIDES + ["parameters.revision_scale=0", "switches.growth=false"])
    vec, ref = RegionalEconomy(scn, seed=3), MesaReference(scn, seed=3)
    P = vec.n_parks
    ls = vec.lever_set
    one_off = np.array([k == "land_discount" and new for k, new in zip(ls.kind, ls.new)])
    exits = births = paid_new = 0.0
    for _ in range(vec.n_steps):
        vec.step()
        ref.step()
        assert set(vec.firm_id[vec.alive].tolist()) == {f.firm_id for f in ref.firms}
        np.testing.assert_array_equal(ref.flows.exits, vec.flows.exits)
        np.testing.assert_array_equal(ref.flows.entries, vec.flows.entries)
        np.testing.assert_allclose(ref.free_land[:P], vec.free_land[:P], rtol=0, atol=1e-9)
        np.testing.assert_allclose(ref.ledger_spend, vec.ledger_spend, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(ref.projects.tally.projects_producing,
                                      vec.projects.tally.projects_producing)
        exits += vec.flows.exits.sum()
        births += vec.flows.entries.sum()
        paid_new += vec.ledger_spend[one_off].sum()
    assert exits > 100 and births > 100 and paid_new > 0  # the rules were exercised
    release(vec)
    release(ref)


def _full_parks(tmp_path):
    """The project's data with every park 99.9 % occupied (tests/test_benchmark_reference.py uses 99.5 %), in
    jxn_transfer_zone.yaml: its newcomer levers (interest subsidy, tax rebate) lift the new firms of
    四平/辽源/通化's parks above the capacity trend, and the parks' free land is short for that
    expansion (growth on the trend needs no land)."""
    data = data_with_parks(tmp_path, "occupancy_2022", "0.999")
    return load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml",
                         [f"data_dir={data}", "firms.scale=0.3", "switches.heterogeneity=false", "targets=[]",
                          "horizon.end=2025", "parameters.revision_scale=0", "parameters.gibrat_sd=0"])


@pytest.mark.parametrize("case", ["levers", pytest.param("land", marks=pytest.mark.slow)])
def test_same_investment_as_the_model_without_growth_shocks(case, tmp_path):
    # investment is deterministic (MODEL.md §9.1): with Gibrat's s.d. at 0 and no revision, the
    # reference's per-agent q-rule (its own q, its eligibility for the finance levers — the
    # interest subsidy and the tax rebate reach newcomers in 四平/辽源/通化's parks from 2023 —,
    # land asked in parks and shared when short) gives the model's scales, capital and fixed
    # investment by site, and land, step by step; exits and births as above
    if case == "levers":
        scn = load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml",
                            OVERRIDES + ["parameters.revision_scale=0", "parameters.gibrat_sd=0"])
    else:
        scn = _full_parks(tmp_path)
    vec, ref = RegionalEconomy(scn, seed=3), MesaReference(scn, seed=3)
    P = vec.n_parks
    levered = short = 0
    for _ in range(vec.n_steps):
        vec.step()
        ref.step()
        by_id = {f.firm_id: f for f in ref.firms}
        assert set(vec.firm_id.tolist()) == set(by_id)
        agents = [by_id[i] for i in vec.firm_id.tolist()]
        np.testing.assert_allclose([a.scale for a in agents], vec.scale, rtol=1e-9)
        np.testing.assert_allclose([a.ik for a in agents], vec.investment.ik, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([a.land for a in agents], vec.land, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ref.investment.period, vec.investment.period, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ref.capital_r(),
                                   np.bincount(vec.site, weights=vec.investment.capital(vec.sector, vec.scale),
                                               minlength=vec.R), rtol=1e-9)
        np.testing.assert_allclose(ref.free_land[:P], vec.free_land[:P], rtol=0, atol=1e-9)
        # firms the newcomer levers reach in the q-rule this period (the rule was exercised)
        new = vec.policy.investment_terms(vec.firms.index()["key"], vec.arrived_t, vec.t, newcomers=True)
        if new is not None:
            levered += int(((new[0] > 0) | (new[1] != 0)).sum())
        short += sum(x < 1 for x in ref.share_r)  # parks whose free land was short
    assert vec.investment.period.sum() > 0
    assert (levered > 0) if case == "levers" else (short > 0)
    release(vec)
    release(ref)
