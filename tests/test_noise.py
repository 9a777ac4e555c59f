"""Noise made honest in ``compare`` and the report (issue 15; sim/outputs/noise.py, docs/cli.md
§Noise vocabulary): the band of each difference (5–95 %, min–max below 5 replicates), the share of
replicates with each sign, the "not distinguishable from noise" flag, costs over replicates that
are null with a reason instead of dropping replicates, and the replicates a stated precision needs.

The synthetic differences are the issue's own: changchun_siping ΔGDP 2035 over three replicates
was +35, −141 and +105亿元."""
from __future__ import annotations

import csv
import json
import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.outputs import compare, noise
from tests.report_fixtures import ROOT, Page, last_line, run_cli

ISSUE = [35.0, -141.0, 105.0]  # changchun_siping ΔGDP 2035, 亿元


# ------------------------------------------------------------------------------------------------
# the rules, on synthetic replicate differences
# ------------------------------------------------------------------------------------------------

def test_band_of_the_issue_replicates_covers_zero():
    b = noise.band(ISSUE, 2)
    assert b["mean"] == pytest.approx(-1 / 3, abs=0.005)
    assert (b["p5"], b["p95"], b["band_kind"]) == (-141.0, 105.0, "min-max")  # < 5 replicates: min–max
    assert b["share_positive"] == pytest.approx(2 / 3, abs=1e-4)
    assert b["share_negative"] == pytest.approx(1 / 3, abs=1e-4)
    assert b["indistinguishable_from_noise"] is True and b["n_replicates"] == 3


def test_band_quantiles_from_five_replicates_and_the_flag_follows_the_band():
    xs = [10.0, 12.0, 14.0, 16.0, 18.0, 20.0]
    b = noise.band(xs)
    assert b["band_kind"] == "p5-p95"
    assert (b["p5"], b["p95"]) == pytest.approx((np.percentile(xs, 5), np.percentile(xs, 95)))
    assert b["p5"] > min(xs) and b["p95"] < max(xs)  # quantiles, not the extremes
    assert b["indistinguishable_from_noise"] is False and b["share_positive"] == 1.0
    # one negative replicate among 21: the 5% quantile is still positive, the sign share says it
    xs = [-5.0] + [float(v) for v in range(1, 21)]
    b = noise.band(xs)
    assert b["p5"] > 0 and b["indistinguishable_from_noise"] is False
    assert b["share_negative"] == pytest.approx(1 / 21, abs=1e-4)
    # four replicates: still min–max, and one sign change puts zero inside
    assert noise.band([1.0, 2.0, 3.0, -0.5])["indistinguishable_from_noise"] is True
    assert noise.band([1.0, 2.0, 3.0, 0.5])["indistinguishable_from_noise"] is False
    # zeros (a scenario against itself): covers zero, neither sign
    z = noise.band([0.0, 0.0, 0.0])
    assert z["indistinguishable_from_noise"] is True and z["share_positive"] == z["share_negative"] == 0.0
    # one replicate: no band, no verdict
    one = noise.band([7.0])
    assert one["band_kind"] == "none" and one["p5"] is None and one["indistinguishable_from_noise"] is None


def test_replicates_needed_for_a_stated_precision():
    need = noise.replicates_needed(ISSUE)  # ±10% of |mean| at 90%
    sd = float(np.std(ISSUE, ddof=1))
    prec = 0.1 * abs(np.mean(ISSUE))
    assert need["sd"] == pytest.approx(sd) and need["precision"] == pytest.approx(prec)
    assert need["n_needed"] == math.ceil((1.645 * sd / prec) ** 2)
    assert need["n_needed"] > 10_000_000  # a mean near zero with that spread: hopeless
    # tighter precision, more replicates: four times as many for half the width
    a = noise.replicates_needed([10.0, 12.0, 14.0], 0.10)["n_needed"]
    b = noise.replicates_needed([10.0, 12.0, 14.0], 0.05)["n_needed"]
    assert a == math.ceil((1.645 * 2.0 / 1.2) ** 2) == 8 and b == math.ceil((1.645 * 2.0 / 0.6) ** 2) == 31
    assert noise.replicates_needed([5.0])["n_needed"] is None  # one replicate: no sd
    assert noise.replicates_needed([3.0, 3.0])["n_needed"] == 1
    zero = noise.replicates_needed([-1.0, 1.0])
    assert zero["n_needed"] is None and "mean is zero" in zero["n_needed_reason"]


def test_cost_of_the_mean_is_null_with_a_reason_when_jobs_fall_in_a_replicate():
    c = noise.cost_of_mean([2.0, 2.0, 2.0], [500.0, -200.0, 300.0], "jobs do not rise")
    assert c["value"] is None and c["null_reason"] == "jobs do not rise in 1 of 3 replicates"
    assert c["undefined_replicates"] == 1
    # every replicate's jobs rose: the cost of the mean (not the mean of the costs)
    c = noise.cost_of_mean([1.0, 3.0], [100.0, 300.0], "jobs do not rise")
    assert c["value"] == round(2.0 * 1e4 / 200.0, 2) and c["null_reason"] is None
    assert c["undefined_replicates"] == 0
    # many replicates with one non-positive: the band excludes zero, the cost is given, the
    # replicate without a cost of its own is still counted
    jobs = [0.0] + [float(v) for v in range(100, 2100, 100)]
    c = noise.cost_of_mean([1.0] * len(jobs), jobs, "jobs do not rise")
    assert c["value"] is not None and c["undefined_replicates"] == 1
    # nothing spent
    c = noise.cost_of_mean([0.0, 0.0], [10.0, 20.0], "no jobs induced", "zero-cost lever")
    assert c["value"] is None and c["null_reason"] == "zero-cost lever"


def _rep(d_jobs: float, d_gdp: float, money_jobs: float) -> dict:
    """One replicate's effects (the keys of compare._effects that the noise rules read)."""
    cost = round(1.0 * 1e4 / money_jobs, 2) if money_jobs > 0 else None
    return {"money_spending_total_yi": 1.0, "package_spending_total_yi": 3.0,
            "money_induced_arrivals_pe": 10.0, "money_induced_jobs_end_pe": money_jobs,
            "cost_per_induced_firm_wan": 1000.0, "cost_per_induced_firm_null_reason": None,
            "cost_per_induced_job_wan": cost, "cost_per_induced_job_null_reason": None if cost else "no jobs induced",
            "delta_jobs_end_ge": d_jobs, "delta_gdp_end_ge_yi": d_gdp,
            "cost_per_ge_job_wan": round(3.0 * 1e4 / d_jobs, 2) if d_jobs > 0 else None,
            "cost_per_ge_job_null_reason": None if d_jobs > 0 else "jobs do not rise",
            "fiscal_payback_year": None}


def test_mean_effects_never_drop_a_replicate():
    reps = [_rep(400.0, ISSUE[0], 50.0), _rep(-300.0, ISSUE[1], 0.0), _rep(250.0, ISSUE[2], 80.0)]
    m = compare.mean_effects(reps)
    # the old mean over defined replicates would have printed a cost from two of the three
    assert m["cost_per_ge_job_wan"] is None
    assert m["cost_per_ge_job_null_reason"] == "jobs do not rise in 1 of 3 replicates"
    assert m["cost_per_ge_job_undefined_replicates"] == 1
    assert m["cost_per_induced_job_wan"] is None
    assert m["cost_per_induced_job_null_reason"] == "no jobs induced in 1 of 3 replicates"
    assert m["cost_per_induced_firm_wan"] == 1000.0 and m["cost_per_induced_firm_null_reason"] is None
    # the differences carry band, sign shares and the flag; the row says which band
    assert (m["delta_gdp_end_ge_yi_p5"], m["delta_gdp_end_ge_yi_p95"]) == (-141.0, 105.0)
    assert m["delta_gdp_end_ge_yi_share_positive"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["delta_gdp_end_ge_yi_indistinguishable_from_noise"] is True
    assert (m["band_kind"], m["band_sources"], m["n_replicates"]) == ("min-max", "seed", 3)
    assert compare.mean_effects(reps, band_sources="seed+parameters")["band_sources"] == "seed+parameters"
    with pytest.raises(ValueError):
        noise.noise_block(0.1, 2035.75, band_sources="vibes")
    # all jobs rose: the cost of the mean, and the band of the replicates' own costs
    ok = compare.mean_effects([_rep(400.0, 1.0, 50.0), _rep(200.0, 2.0, 40.0)])
    assert ok["cost_per_ge_job_wan"] == round(3.0 * 1e4 / 300.0, 2)
    assert ok["cost_per_ge_job_wan_p5"] == 75.0 and ok["cost_per_ge_job_wan_p95"] == 150.0


def test_band_rows_agree_with_band_per_row():
    rng = np.random.default_rng(5)
    rows = []
    for scen, n_rep in (("p", 3), ("q", 6), ("r", 1)):
        for k in range(n_rep):
            for year in (2023.0, 2023.25):
                for place in ("a", "b"):
                    if (scen, place, k) == ("q", "b", 2):
                        continue  # a sparse row: absent from both runs of replicate 2, i.e. 0
                    rows.append({"scenario": scen, "year": year, "place": place, "replicate": k,
                                 "difference": float(rng.normal(0.5, 1.0))})
    dd = pd.DataFrame(rows)
    out = noise.band_rows(dd, ["year", "place"])
    assert len(out) == 12
    for r in out.itertuples():
        d = dd[(dd.scenario == r.scenario) & (dd.place == r.place) & (dd.year == r.year)]
        xs = d.difference.tolist() + ([0.0] if (r.scenario, r.place) == ("q", "b") else [])
        b = noise.band(xs)
        assert r.n_replicates == b["n_replicates"] and r.band_kind == b["band_kind"]
        assert r.mean == pytest.approx(b["mean"])
        assert r.share_positive == pytest.approx(b["share_positive"], abs=1e-4)
        assert r.share_negative == pytest.approx(b["share_negative"], abs=1e-4)
        if b["p5"] is None:
            assert np.isnan(r.p5) and pd.isna(r.indistinguishable_from_noise)
        else:
            assert (r.p5, r.p95) == pytest.approx((b["p5"], b["p95"]))
            assert bool(r.indistinguishable_from_noise) == b["indistinguishable_from_noise"]


# ------------------------------------------------------------------------------------------------
# a tiny comparison with three replicates
# ------------------------------------------------------------------------------------------------

SMALL = ["--replicates", "3", "--until", "2024", "--set", "firms.scale=0.3"]
PAIR = [str(ROOT / "scenarios" / "baseline.yaml"), str(ROOT / "scenarios" / "jxn_transfer_zone.yaml")]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    import contextlib
    import io

    import run
    out = tmp_path_factory.mktemp("noise")
    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        assert run.main(["compare", *PAIR, *SMALL, "--out", str(out)]) == 0
    return {"folder": last_line(so.getvalue()), "stdout": so.getvalue(), "stderr": se.getvalue(), "out": out}


def _last_differences(folder, place: str, measure: str, pol: str = "jxn_transfer_zone") -> pd.Series:
    """The replicate differences of a whole place at the last period, from differences.parquet."""
    dd = pd.read_parquet(folder / "differences.parquet")
    d = dd[(dd.year == dd.year.max()) & (dd.sector == "") & (dd.origin == "") & (dd.channel == "")
           & (dd.investor_origin == "") & (dd.scenario == pol) & (dd.place == place) & (dd.measure == measure)]
    return d.sort_values("replicate").difference


@pytest.mark.slow  # a 3-replicate compare (~20 s); the rules are in the fast set above
def test_compare_records_bands_signs_flags_and_replicates_needed(small):
    d = small["folder"]
    assert small["stdout"].strip().splitlines()[-1] == str(d)  # the last stdout line stays the folder
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    assert s["noise"]["band_sources"] == "seed" and s["noise"]["precision_relative"] == 0.1
    assert s["noise"]["z"] == 1.645
    pol = "jxn_transfer_zone"
    head = s["effects"][pol]["headline"]
    assert set(head) == {"region", "四平", "辽源", "通化"}
    dd = pd.read_parquet(d / "differences.parquet")
    last = dd.year.max()
    lines = [ln for ln in small["stderr"].splitlines() if " at 2024Q4: " in ln]
    assert len(lines) == 8
    reps = s["effects"][pol]["replicates"]
    for place, by in head.items():
        for meas in ("gdp", "jobs"):
            h = by[meas]
            xs = _last_differences(d, place, meas)
            assert len(xs) == 3 and h["n_replicates"] == 3 and h["band_kind"] == "min-max"
            assert h["replicates"] == pytest.approx(xs.round(2 if meas == "gdp" else 1).tolist())
            tol = 0.006 if meas == "gdp" else 0.051  # rounded to 2 and 1 decimals
            assert h["p5"] == pytest.approx(xs.min(), abs=tol) and h["p95"] == pytest.approx(xs.max(), abs=tol)
            assert h["share_positive"] == pytest.approx((xs > 0).mean(), abs=1e-4)
            assert h["share_negative"] == pytest.approx((xs < 0).mean(), abs=1e-4)
            assert h["indistinguishable_from_noise"] == (h["p5"] <= 0 <= h["p95"])
            sd = xs.std(ddof=1)
            assert h["n_needed"] == math.ceil((1.645 * sd / (0.1 * abs(xs.mean()))) ** 2)
            where = "study area" if place == "region" else place
            line = next(ln for ln in lines if f", {where} {'ΔGDP' if meas == 'gdp' else 'Δjobs'} at" in ln)
            assert f"needs {h['n_needed']} replicates (have 3)" in line
            assert ("NOT distinguishable from noise" in line) == h["indistinguishable_from_noise"]
            if place == "region":  # the same differences as the effects of each replicate
                key = "delta_gdp_end_ge_yi" if meas == "gdp" else "delta_jobs_end_ge"
                assert [r[key] for r in reps] == pytest.approx(h["replicates"], abs=0.02)
    assert "band_sources = seed" in small["stderr"]
    # the tidy bands: one row per difference row over its replicates, equal to the headline
    bands = pd.read_parquet(d / "difference_bands.parquet")
    assert (bands.n_replicates == 3).all()
    assert len(bands) == len(dd[dd.scenario == pol].drop_duplicates(compare.ROW_KEYS))
    row = bands[(bands.year == last) & (bands.place == "region") & (bands.measure == "gdp") & (bands.sector == "")
                & (bands.origin == "") & (bands.channel == "") & (bands.investor_origin == "")]
    assert len(row) == 1
    assert row.p5.iloc[0] == pytest.approx(head["region"]["gdp"]["p5"], abs=0.006)
    assert row["mean"].iloc[0] == pytest.approx(head["region"]["gdp"]["mean"], abs=0.006)
    assert bool(row.indistinguishable_from_noise.iloc[0]) == head["region"]["gdp"]["indistinguishable_from_noise"]
    # cost_effectiveness.csv: every difference column with its band, shares and flag
    with open(d / "cost_effectiveness.csv", encoding="utf-8") as fh:
        ce = next(csv.DictReader(fh))
    assert (ce["band_kind"], ce["band_sources"], ce["n_replicates"]) == ("min-max", "seed", "3")
    for k in ("delta_jobs_end_ge", "delta_gdp_end_ge_yi", "delta_revenue_total_ge_yi"):
        xs = [r[k] for r in reps]
        assert float(ce[k + "_p5"]) == pytest.approx(min(xs)) and float(ce[k + "_p95"]) == pytest.approx(max(xs))
        assert float(ce[k + "_share_positive"]) == pytest.approx(np.mean([x > 0 for x in xs]), abs=1e-4)
        assert ce[k + "_indistinguishable_from_noise"] == str(min(xs) <= 0 <= max(xs))
    # each cost: the cost of the mean only when its jobs (firms) rose in every replicate of three
    for cost, (spent, count, _, _) in compare.COSTS.items():
        stem = cost.removesuffix("_wan")
        counts = [r[count] for r in reps]
        k = sum(c <= 0 for c in counts)
        assert int(ce[stem + "_undefined_replicates"]) == k
        if k:
            assert ce[cost] == "" and ce[stem + "_null_reason"].endswith(f" in {k} of 3 replicates")
        else:
            want = round(np.mean([r[spent] for r in reps]) * 1e4 / np.mean(counts), 2)
            assert float(ce[cost]) == pytest.approx(want) and ce[stem + "_null_reason"] == ""
    # per lever: no replicate dropped either
    with open(d / "cost_per_lever.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            assert r["cost_per_induced_job_wan"] or r["null_reason"]
            if r["null_reason"] not in ("", "zero-cost lever"):
                assert re.fullmatch(r"no jobs induced in \d of 3 replicates", r["null_reason"])


@pytest.mark.slow  # a 3-replicate compare (~20 s); the rules are in the fast set above
def test_precision_option_and_its_errors(small, capsys):
    rc, out, err = run_cli(capsys, "compare", *PAIR, *SMALL, "--precision", "0.05", "--out", str(small["out"]))
    assert rc == 0  # the runs are reused
    s = json.loads((last_line(out) / "summary.json").read_text(encoding="utf-8"))
    assert s["noise"]["precision_relative"] == 0.05
    h = s["effects"]["jxn_transfer_zone"]["headline"]["四平"]["jobs"]
    assert h["precision_relative"] == 0.05 and "±5% at 90% needs" in err
    xs = _last_differences(last_line(out), "四平", "jobs")
    assert h["n_needed"] == math.ceil((1.645 * xs.std(ddof=1) / (0.05 * abs(xs.mean()))) ** 2)
    for bad in (["compare", *PAIR, "--precision", "0"], ["compare", *PAIR, "--precision", "1.5"],
                [PAIR[0], "--precision", "0.1"]):
        rc, out, err = run_cli(capsys, *bad, "--until", "2023", "--out", str(small["out"] / "bad"))
        assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--precision" in err
    assert not (small["out"] / "bad").exists()


@pytest.mark.slow  # a 3-replicate compare (~20 s); the rules are in the fast set above
def test_report_shows_bands_flags_and_undefined_costs(small, tmp_path, capsys):
    d = small["folder"]
    s = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    head = s["effects"]["jxn_transfer_zone"]["headline"]
    # a cost made undefined in one replicate of three (as compare writes it): shown with its reason
    moved = tmp_path / "cmp"
    shutil.copytree(d, moved)
    ce = pd.read_csv(moved / "cost_effectiveness.csv", keep_default_na=False)
    ce["cost_per_ge_job_wan"] = ""
    ce["cost_per_ge_job_wan_p5"] = ce["cost_per_ge_job_wan_p95"] = ""
    ce["cost_per_ge_job_null_reason"] = "jobs do not rise in 1 of 3 replicates"
    ce.to_csv(moved / "cost_effectiveness.csv", index=False)
    for lang, undefined, sentence, sources in (
            ("zh", "未定义 (undefined): 3 次重复中有 1 次就业未增加", "无法与随机噪声区分", "区间仅反映随机种子带来的噪声"),
            ("en", "未定义 (undefined): jobs do not rise in 1 of 3 replicates", "not distinguishable from noise",
             "The bands carry seed noise only")):
        rc, out, err = run_cli(capsys, "report", str(moved), "--out", str(tmp_path / "rep"), "--lang", lang)
        assert rc == 0, err
        text = last_line(out).read_text(encoding="utf-8")
        page = Page(text)
        assert page.cells["ce.jxn_transfer_zone.cost_per_ge_job_wan"] == ("", undefined)
        assert sources in text
        flagged = 0
        for place, by in head.items():
            for meas, h in by.items():
                key = f"diff.jxn_transfer_zone.{place}.{meas}"
                assert float(page.cells[key + ".mean"][0]) == h["mean"]
                assert float(page.cells[key + ".share_positive"][0]) == h["share_positive"]
                assert float(page.cells[key + ".share_negative"][0]) == h["share_negative"]
                assert page.cells[key + ".indistinguishable_from_noise"][0] == str(h["indistinguishable_from_noise"]).lower()
                assert int(page.cells[key + ".n_needed"][0]) == h["n_needed"]
                flagged += bool(h["indistinguishable_from_noise"])
        # one plain sentence per difference whose band covers zero (headline and the other GE rows)
        ce_flags = sum(ce[c].astype(str).eq("True").sum() for c in ce.columns
                       if c.endswith("_indistinguishable_from_noise") and not c.startswith(
                           ("delta_gdp_end_ge_yi", "delta_jobs_end_ge"))
                       and f"diff.jxn_transfer_zone.region.{c.removesuffix('_indistinguishable_from_noise')}.mean"
                       in page.cells)
        said = re.findall(r"<p><b>([^<]*)</b></p>", text)
        assert sum(sentence in x for x in said) == flagged + ce_flags
        assert ("min–max" in text) or ("最小" in text)
