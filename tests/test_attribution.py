"""Attribution (docs/model.md §Attribution, MODEL.md §9.7): deadweight = not induced and paid, unpaid
apart, arrivals = induced + deadweight + unpaid; jointly induced; money levers together; cost per
induced job per lever and for the money levers; public investment by payer; discounted sums."""
import copy
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.checks.invariants import InvariantChecker, InvariantError, check_outputs
from sim.errors import DataError
from sim.model import RegionalEconomy
from sim.outputs import compare
from sim.outputs.metrics import record_run
from sim.outputs.summary import build_summary, cost_per_job
from sim.policy.attribution import LEVER_BITS, MONEY_BIT, ArrivalTally, attribute
from sim.policy.infrastructure import Investment, investments
from sim.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ["firms.scale=0.3", "parameters.revision_scale=4", "targets=[]"]


def _model(levers, until=2024, overrides=(), **extra):
    d = copy.deepcopy(load_scenario(BASE, [*SMALL, *overrides]).resolved)
    d["levers"] = levers
    d.update(extra)
    return RegionalEconomy(validate_scenario(d, "test.yaml", path=BASE.resolve()), until=until)


def _lv(id_, kind, value, target, **kw):
    return {"id": id_, "kind": kind, "value": value, "target": target, "source": "test", **kw}


# ------------------------------------------------------------------------------------------------
# the rule on hand-made utilities
# ------------------------------------------------------------------------------------------------

def _case():
    """Five choosers at site 0 of three sites, levers 0 and 2 money (grants), lever 1 free; their
    utilities (V, and each lever's term toward site 1) are chosen so that the answer is known:
    A: each lever alone flips it (induced, levers 0 and 1 pivotal, money pivotal);
    B: only both together flip it (jointly induced; money alone not pivotal);
    C: two money levers together flip it, none alone (jointly, money pivotal);
    D: goes to site 1 without any lever (not induced); E: stays (not a mover)."""
    V = np.array([[0, -1.0, -5], [0, -1.0, -5], [0, -1.0, -5], [0, 1.0, -5], [0, -9.0, -5]])
    t0 = np.array([0.6, 1.2, 1.2, 0.5, 0.5])  # lever 0 (money)
    t1 = np.array([0.6, 1.2, 0.1, 0.5, 0.5])  # lever 1 (free)
    t2 = np.array([0.0, 0.0, 1.2, 0.0, 0.0])  # lever 2 (money)
    terms = []
    for j, t in ((0, t0), (1, t1), (2, t2)):
        T = np.zeros((5, 3))
        T[:, 1] = t
        terms.append((j, T, np.ones(5, dtype=bool)))
    v = V + sum(T for _, T, _ in terms)
    dest = np.argmax(v, axis=1)
    assert dest.tolist() == [1, 1, 1, 1, 0]
    return v, terms, np.zeros(5, dtype=int), dest


@pytest.mark.parametrize("stacked", [False, True])
def test_induced_pivotal_jointly_and_money_by_hand(stacked):
    v, terms, cur, dest = _case()
    stack = None
    if stacked:
        stack = (terms, np.stack([T for _, T, _ in terms]), np.stack([a for _, _, a in terms]),
                 np.array([0, 1, 2]))
    money = np.array([True, False, True])
    mi, induced, piv = attribute(v, terms, stack, cur, dest, np.zeros(5, dtype=bool), np.zeros(5, dtype=bool),
                                 [], np.zeros(5, dtype=int), money)
    assert mi.tolist() == [0, 1, 2, 3]
    assert induced.tolist() == [True, True, True, False]
    assert (piv & LEVER_BITS).tolist() == [0b011, 0, 0, 0]
    assert ((piv >> MONEY_BIT) & 1).tolist() == [1, 0, 1, 0]
    # without the money mask no money bit
    _, _, piv2 = attribute(v, terms, stack, cur, dest, np.zeros(5, dtype=bool), np.zeros(5, dtype=bool),
                           [], np.zeros(5, dtype=int))
    assert ((piv2 >> MONEY_BIT) & 1).sum() == 0


def test_tally_splits_arrivals_not_induced_by_who_was_paid():
    t = ArrivalTally(3, 4)
    dest = np.array([1, 1, 2, 2, 3])
    induced = np.array([True, True, False, False, False])
    piv = np.array([0b1, 0, 0, 0, 0], dtype=np.int64) | np.array([1, 0, 0, 0, 0], dtype=np.int64) << MONEY_BIT
    ids = np.array([10, 11, 12, 13, 14])
    t.count(dest, induced, piv, ids)
    t.settle(np.array([12, 99, 10]))  # 12 paid (deadweight), 13 and 14 not (unpaid)
    assert t.induced.tolist() == [0, 2, 0, 0]
    assert t.jointly.tolist() == [0, 1, 0, 0]  # firm 11: induced with no lever pivotal
    assert t.money_induced.tolist() == [0, 1, 0, 0]
    assert t.deadweight.tolist() == [0, 0, 1, 0]
    assert t.unpaid.tolist() == [0, 0, 1, 1]
    assert t.pivotal[0].tolist() == [0, 1, 0, 0]
    t.reset()
    assert t.unpaid.sum() == 0 and not t._pending


# ------------------------------------------------------------------------------------------------
# a run: who is paid
# ------------------------------------------------------------------------------------------------

def test_an_arrival_nobody_paid_is_unpaid_not_deadweight():
    """A grant paid on arrival in 长春 and 吉林 only: every arrival there that is not induced was
    paid (deadweight), every one elsewhere was paid by nobody (unpaid), in every period."""
    m = _model([_lv("grant", "grant", {2022: 500}, {"cities": ["长春", "吉林"]})])
    reached = np.isin(m.site_market, [m.city_ids.index("长春"), m.city_ids.index("吉林")])
    c = InvariantChecker(m)
    seen = {"dw": 0.0, "unpaid_out": 0.0}
    for _ in range(m.n_steps):
        m.step()
        c.check()
        not_induced = m.arrivals - m.induced_arrivals
        np.testing.assert_array_equal(m.deadweight_arrivals[reached], not_induced[reached])
        assert m.unpaid_arrivals[reached].sum() == 0
        assert m.deadweight_arrivals[~reached].sum() == 0
        np.testing.assert_array_equal(m.unpaid_arrivals[~reached], not_induced[~reached])
        seen["dw"] += m.deadweight_arrivals.sum()
        seen["unpaid_out"] += m.unpaid_arrivals[~reached].sum()
    assert seen["dw"] > 0 and seen["unpaid_out"] > 0  # both kinds happened


def test_without_levers_nothing_is_deadweight():
    m = _model([], until=2023)
    for _ in range(m.n_steps):
        m.step()
        assert m.deadweight_arrivals.sum() == 0 and m.induced_arrivals.sum() == 0
        np.testing.assert_array_equal(m.unpaid_arrivals, m.arrivals)


def test_the_identity_is_checked_and_a_corrupted_tally_is_caught():
    m = _model([_lv("grant", "grant", {2022: 500}, {"cities": ["四平"]})], until=2023)
    c = InvariantChecker(m)
    m.step()
    c.check()
    for attr, needle in (("unpaid_arrivals", r"induced \+ deadweight \+ unpaid"),
                         ("deadweight_arrivals", r"induced \+ deadweight \+ unpaid"),
                         ("jointly_induced_arrivals", "jointly_induced_arrivals above induced")):
        a = getattr(m, attr)
        saved = a.copy()
        a[0] += 1.0
        with pytest.raises(InvariantError, match=needle):
            c.check()
        a[...] = saved
    c.check()


# ------------------------------------------------------------------------------------------------
# cost per induced job
# ------------------------------------------------------------------------------------------------

def test_cost_per_job_is_null_with_a_reason():
    assert cost_per_job(0.0, 120.0) == (None, "zero-cost lever")
    assert cost_per_job(2.5, 0.0) == (None, "no jobs induced")
    assert cost_per_job(2.5, 100.0) == (250.0, None)  # 2.5亿元 = 25000万元 over 100 jobs


@pytest.fixture(scope="module")
def package_run():
    """A free lever (friction cut) and two money levers in the same cities, 2022–2025."""
    levers = [_lv("friction", "friction_cut", {2022: 0.4}, {"cities": ["四平", "辽源", "通化"]}),
              _lv("grant", "grant", {2022: 800}, {"cities": ["四平", "辽源", "通化"]}),
              _lv("tax", "tax_rebate", {2022: 0.5}, {"cities": ["四平", "辽源", "通化"]}, years=5)]
    m = _model(levers, until=2025)
    df = record_run(m, check=True).frame()
    check_outputs(df)
    return m, df, build_summary(m, df, 0, 0.0)


def test_a_free_lever_reports_induced_jobs_and_no_cost(package_run):
    _, _, s = package_run
    fr = s["levers"]["friction"]
    assert fr["money"] is False and fr["spending_total_yi"] == 0
    assert fr["induced_jobs"] > 0  # it does make arrivals pivotal
    assert fr["cost_per_induced_job_wan"] is None and fr["null_reason"] == "zero-cost lever"
    g = s["levers"]["grant"]
    assert g["money"] is True and g["spending_total_yi"] > 0
    if g["induced_jobs"] > 0:
        assert g["cost_per_induced_job_wan"] == pytest.approx(g["spending_total_yi"] * 1e4 / g["induced_jobs"],
                                                              abs=0.01 + 1e-3 * g["cost_per_induced_job_wan"])
    else:
        assert g["null_reason"] == "no jobs induced"


def test_money_levers_cost_divides_money_spending_by_money_induced_jobs(package_run):
    """Hand-computed from the ledger rows and the firm arrays at the end: the money levers'
    spending / jobs in live study-area firms whose arrival was induced with the money bit set."""
    m, df, s = package_run
    lev = df[(df.measure == "lever_spending") & (df.year > df.year.min())]
    spent = lev[lev.lever.isin(["grant", "tax"])].value.sum()
    assert spent > 0
    in_area = m.site_market_arr[m.site] < len(m.city_ids)
    money = m.alive & m.induced & in_area & (((m.pivotal >> MONEY_BIT) & 1) == 1)
    jobs = m.jobs[money].sum()
    assert jobs > 0
    mon = s["money_levers"]
    assert mon["levers"] == ["grant", "tax"]
    assert mon["spending_total_yi"] == pytest.approx(spent, abs=1e-4)
    assert mon["induced_jobs"] == pytest.approx(jobs, abs=0.05)
    # the summary rounds the cost to 0.01 万元 (and jobs to 0.1): rel = 1e-4 alone failed at 27.83
    assert mon["cost_per_induced_job_wan"] == pytest.approx(spent * 1e4 / jobs, rel=1e-4, abs=0.006)
    # the free lever induces more than the money levers: the old headline (all spending over all
    # induced jobs) would be lower than the money levers' cost
    all_jobs = s["region"]["induced_jobs_end"]
    assert all_jobs > jobs
    assert mon["cost_per_induced_job_wan"] > spent * 1e4 / all_jobs
    # and compare's headline is the money levers' cost
    eff = compare._effects(df, df, s)
    assert eff["cost_per_induced_job_wan"] == mon["cost_per_induced_job_wan"]
    assert eff["money_induced_jobs_end_pe"] == mon["induced_jobs"]


def test_jointly_induced_arrivals_are_induced_without_a_single_pivotal_lever(package_run):
    m, df, s = package_run
    r = s["region"]
    assert 0 <= r["jointly_induced_arrivals_total"] <= r["induced_arrivals_total"]
    assert r["induced_arrivals_total"] + r["deadweight_arrivals_total"] + r["unpaid_arrivals_total"] == \
        round(df[(df.measure == "arrivals") & df.place.isin(m.city_ids)].query("year > 2022").value.sum())


def test_discounted_sums_beside_undiscounted(package_run):
    _, df, s = package_run
    rate = s["discounting"]["rate"]
    assert rate == 0.03
    d = df[(df.place == "region") & (df.measure == "fiscal_revenue") & (df.lever == "") & (df.year > 2022)]
    pv = (d.value * 1.03 ** -(d.year - 2022.0)).sum()
    assert s["region"]["fiscal_revenue_total_pv_yi"] == pytest.approx(pv, abs=1e-3)
    assert s["region"]["fiscal_revenue_total_pv_yi"] < s["region"]["fiscal_revenue_total_yi"]
    r = s["region"]
    assert r["fiscal_balance_total_pv_yi"] == pytest.approx(
        r["fiscal_revenue_total_pv_yi"] - r["fiscal_spending_total_pv_yi"], abs=2e-3)
    assert r["package_spending_total_pv_yi"] < r["package_spending_total_yi"]


# ------------------------------------------------------------------------------------------------
# public investment in transport projects and new parks
# ------------------------------------------------------------------------------------------------

def test_investment_is_spent_evenly_over_its_build_years():
    inv = Investment("x", "transport", 8.0, 2023.0, 2025.0, (0.3, 0.3, 0.4), {"四平": 1.0}, "t", True)
    assert inv.spent(2022.75, 2023.0) == 0.0
    assert inv.spent(2023.0, 2023.25) == pytest.approx(1.0)
    assert inv.spent(2024.75, 2025.0) == pytest.approx(1.0)
    assert inv.spent(2025.0, 2025.25) == 0.0
    assert sum(inv.spent(2022 + k / 4, 2022 + (k + 1) / 4) for k in range(20)) == pytest.approx(8.0)


def test_projects_and_parks_carry_their_cost_and_payers():
    ld = load_scenario(ROOT / "scenarios" / "changchun_siping.yaml", ["firms.scale=0.3"])
    m = RegionalEconomy(ld, until=2025)
    invs = {i.id: i for i in investments(m.scn, m.data)}
    assert set(invs) == {"g_raogai_yjt_yt", "sp_yt_lake_road", "icr_cc_gzl_sp", "changping_agri_park",
                         "changping_chem_park"}
    road = invs["g_raogai_yjt_yt"]  # 16亿元, completion 2025, 3 build years, 30/30/40
    assert (road.total_yi, road.start, road.end, road.shares) == (16.0, 2022.0, 2025.0, (0.3, 0.3, 0.4))
    assert road.cities == {"长春": 0.5, "四平": 0.5}
    park = invs["changping_agri_park"]  # 5亿元 over 2023-2024, partners 长春/四平
    assert (park.total_yi, park.start, park.end) == (5.0, 2023.0, 2025.0)
    assert park.cities == {"长春": 0.5, "四平": 0.5}
    df = record_run(m).frame()
    check_outputs(df)  # cities' spending = levers + their infrastructure share
    sim = df[df.year > 2022]
    reg = sim[(sim.place == "region") & (sim.measure == "infrastructure_spending")]
    # the road: 16 × 2.75/3 (the base quarter 2022Q1 is not simulated); the park: all 5
    assert reg[reg.lever == "g_raogai_yjt_yt"].value.sum() == pytest.approx(16 * 2.75 / 3)
    assert reg[reg.lever == "changping_agri_park"].value.sum() == pytest.approx(5.0)
    tot = reg[reg.lever == ""].value.sum()
    by = {p: sim[(sim.place == "region") & (sim.measure == f"infrastructure_spending_{p}")].value.sum()
          for p in ("central", "province", "city")}
    assert sum(by.values()) == pytest.approx(tot)
    city = sim[(sim.measure == "infrastructure_spending_city") & (sim.place == "四平")].value.sum()
    fis = sim[(sim.measure == "fiscal_spending") & (sim.place == "四平")].value.sum()
    lev = sim[(sim.measure == "lever_spending") & (sim.place == "四平")].value.sum()
    assert city > 0 and fis == pytest.approx(lev + city)
    s = build_summary(m, df, 0, 0.0)
    assert s["region"]["package_spending_total_yi"] == pytest.approx(
        s["region"]["lever_spending_total_yi"] + tot, abs=2e-3)
    assert s["infrastructure"]["g_raogai_yjt_yt"]["estimate"] is True


def test_a_project_without_a_cost_row_is_a_data_error(tmp_path):
    from sim.data import load_data
    d = tmp_path / "data"
    shutil.copytree(ROOT / "scenarios" / "data", d)
    lines = (d / "project_costs.csv").read_text(encoding="utf-8").splitlines()
    (d / "project_costs.csv").write_text("\n".join(x for x in lines if not x.startswith("g303_upgrade")) + "\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match="project_costs.csv.*g303_upgrade"):
        load_data(d)
    text = "\n".join(lines).replace("g202_upgrade,国道202改扩建,400,160,3,0.3,0.3,0.4",
                                    "g202_upgrade,国道202改扩建,400,160,3,0.3,0.3,0.5")
    (d / "project_costs.csv").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="shares summing to 1"):
        load_data(d)
