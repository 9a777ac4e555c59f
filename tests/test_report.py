"""``run.py report``: one self-contained HTML file from a run, an ensemble or a comparison folder.

The headline numbers in the page are checked against the folder's own files (summary.json,
cost_effectiveness.csv, targets.csv) through the cells' ``data-key``/``data-value`` attributes, and
the per-mu park indicators against the trajectories, recomputed here from the rows.
"""
from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.report_fixtures import ROOT, Page, last_line, run_cli, tree_hash


@pytest.fixture(scope="module")
def folders(zone_results):
    # tests/conftest.py: a comparison and an ensemble that reuses its runs (shared, read-only)
    cmp_dir = zone_results["comparison"]
    summ = json.loads((cmp_dir / "summary.json").read_text(encoding="utf-8"))
    run_dir = ROOT / summ["runs"]["jxn_transfer_zone"][0]
    f = {"run": run_dir, "comparison": cmp_dir, "ensemble": zone_results["ensemble"]}
    f["hashes"] = {k: tree_hash(f[k]) for k in KINDS}  # before any report is written
    return f


KINDS = ("run", "comparison", "ensemble")


@pytest.fixture(scope="module")
def reports(folders, tmp_path_factory):
    """report(kind, lang) -> (html text, Page, path): each written once into one --out folder."""
    out = tmp_path_factory.mktemp("reports")
    cache = {}

    def get(kind: str, lang: str):
        if (kind, lang) not in cache:
            buf = io.StringIO()
            import run
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
                assert run.main(["report", str(folders[kind]), "--out", str(out), "--lang", lang]) == 0
            path = last_line(buf.getvalue())
            assert path.name == "report.html" and path.is_file() and path.parent.parent == out
            text = path.read_text(encoding="utf-8")
            cache[kind, lang] = (text, Page(text), path)
        return cache[kind, lang]
    get.out = out
    return get


def report(capsys, folder, out, *extra) -> tuple[str, Page]:
    rc, stdout, err = run_cli(capsys, "report", str(folder), "--out", str(out), *extra)
    assert rc == 0, err
    path = last_line(stdout)
    assert path.name == "report.html" and path.is_file() and path.parent.parent == out
    text = path.read_text(encoding="utf-8")
    return text, Page(text)


def close(a, b, tol=1e-9):
    return a is None and b is None or (a is not None and b is not None and abs(a - b) <= tol * max(1, abs(b)))


def num(s):
    return None if s in ("", "None") else float(s)


def test_run_report_headline_equals_summary(folders, reports):
    text, page, _ = reports("run", "en")
    summ = json.loads((folders["run"] / "summary.json").read_text(encoding="utf-8"))
    reg = summ["region"]
    for k in ("gdp_base", "gdp_end", "industrial_output_end", "jobs_end", "firms_end",
              "arrivals_from_origin_regions_total", "induced_arrivals_total", "fiscal_spending_total_yi",
              "fiscal_revenue_total_yi", "induced_jobs_end"):
        raw, shown = page.cells[f"region.{k}"]
        assert close(num(raw), float(reg[k])), k
        assert abs(float(shown.replace(",", "")) - float(reg[k])) <= 0.5, (k, shown)  # shown rounded
    for k in ("deadweight_arrivals_total", "unpaid_arrivals_total", "package_spending_total_yi"):
        assert close(num(page.cells[f"region.{k}"][0]), float(reg[k])), k
    # the investment economy's headline rows: each cell is the summary's number, and they are there
    for k in ("capital_base_yi", "capital_end_yi", "gdp_real_end_yi", "projects_signed_total",
              "investment_signed_total_yi", "funds_arrived_total_yi", "fixed_investment_total_yi"):
        assert close(num(page.cells[f"region.{k}"][0]), float(reg[k])), k
    assert float(reg["projects_signed_total"]) > 0 and float(reg["fixed_investment_total_yi"]) > 0
    # cost per induced job: the money levers' spending (亿元) × 1e4 / the jobs they together
    # induced (summary.json money_levers), never all spending over all induced jobs
    raw, _ = page.cells["money_levers.cost_per_induced_job_wan"]
    mon = summ["money_levers"]
    if mon["cost_per_induced_job_wan"] is None:
        assert raw == "" and mon["null_reason"] in ("zero-cost lever", "no jobs induced")
    else:
        assert close(num(raw), mon["cost_per_induced_job_wan"])
        assert close(num(raw), round(mon["spending_total_yi"] * 1e4 / mon["induced_jobs"], 2))
    # every lever of the scenario with its spending, induced jobs, cost (or why none), source
    for lid, lv in summ["levers"].items():
        assert close(num(page.cells[f"lever.jxn_transfer_zone.{lid}.spending"][0]), lv["spending_total_yi"])
        assert close(num(page.cells[f"lever.jxn_transfer_zone.{lid}.induced_jobs"][0]), lv["induced_jobs"])
        raw, shown = page.cells[f"lever.jxn_transfer_zone.{lid}.cost_per_induced_job_wan"]
        if lv["cost_per_induced_job_wan"] is None:
            assert raw == "" and shown == lv["null_reason"]
        else:
            assert close(num(raw), lv["cost_per_induced_job_wan"])
        assert lid in text
    assert "Headline numbers" in page.headings and "Map of arrivals by park" in page.headings


def test_comparison_report_equals_cost_effectiveness(folders, reports):
    _, page, _ = reports("comparison", "en")
    with open(folders["comparison"] / "cost_effectiveness.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    checked = 0
    for r in rows:
        for col in ("spending_total_yi", "induced_arrivals_pe", "induced_jobs_end_pe", "cost_per_induced_job_wan",
                    "cost_per_induced_firm_wan", "delta_jobs_end_ge", "delta_gdp_end_ge_yi", "fiscal_payback_year"):
            raw, shown = page.cells[f"ce.{r['scenario']}.{col}"]
            assert raw == r[col], col
            if r[col]:
                checked += 1
                assert close(num(raw), float(r[col]))
            else:  # a cost over replicates that is null says why (sim/outputs/noise.py), never "—" alone
                why = r.get(col.removesuffix("_wan") + "_null_reason") if col.startswith("cost_per_") else ""
                assert shown.startswith("未定义 (undefined): " if why else "—"), (col, shown)
                assert not why or why in shown
    assert checked >= 6
    # the difference table: headline differences with their band, sign shares and noise flag
    summ = json.loads((folders["comparison"] / "summary.json").read_text(encoding="utf-8"))
    for place, by in summ["effects"]["jxn_transfer_zone"]["headline"].items():
        for meas, h in by.items():
            key = f"diff.jxn_transfer_zone.{place}.{meas}"
            assert close(num(page.cells[key + ".mean"][0]), h["mean"])
            assert page.cells[key + ".indistinguishable_from_noise"][0] == str(h["indistinguishable_from_noise"]).lower()
    assert "Differences and their noise (policy − baseline, common random numbers)" in page.headings
    # target probabilities from targets.csv, per scenario
    with open(folders["comparison"] / "targets.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            raw, shown = page.cells[f"target.{r['scenario']}.{r['target']}"]
            assert raw == r["probability_met"]
            if r["probability_met"]:
                assert shown == f"{float(r['probability_met']):.0%}"
    # the comparison's figures and the fresh ones
    assert len(page.imgs) >= 8
    for name in ("Differences against the baseline", "Trajectories and uncertainty (fan charts)",
                 "Map of arrivals by park", "Levers and their schedules", "Assumptions and sources"):
        assert name in page.headings


def test_ensemble_report_equals_its_summary(folders, reports):
    _, page, _ = reports("ensemble", "zh")
    summ = json.loads((folders["ensemble"] / "summary.json").read_text(encoding="utf-8"))
    for k, v in summ["region"].items():
        for stat in ("mean", "p5", "p95"):
            assert close(num(page.cells[f"region.{k}.{stat}"][0]), v[stat]), (k, stat)
    for t in summ["targets"]:
        raw = page.cells[f"target.jxn_transfer_zone.{t['target']}"][0]
        assert close(num(raw), t["probability_met"])
    assert "核心指标" in page.headings
    # the money levers' cost per induced job over the runs: the cost of the mean, or undefined
    # with the count of runs without induced jobs (no run dropped)
    mon = [json.loads((Path(p) / "summary.json").read_text(encoding="utf-8"))["money_levers"] for p in summ["runs"]]
    raw, shown = page.cells["runs.cost_job.mean"]
    k = sum(m["induced_jobs"] <= 0 for m in mon)
    if k:
        assert raw == "" and shown.startswith("未定义 (undefined): ") and f"有 {k} 次" in shown
    else:
        want = sum(m["spending_total_yi"] for m in mon) * 1e4 / sum(m["induced_jobs"] for m in mon)
        assert close(num(raw), round(want, 2))


def test_languages(reports):
    zh, pz, _ = reports("run", "zh")
    en, pe, _ = reports("run", "en")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    for h in ("核心指标", "园区亩均指标（亩均产值、亩均税收）", "政策工具及其时间安排", "假设与来源"):
        assert h in pz.headings
        assert h not in pe.headings
    assert "Headline numbers" in pe.headings and "Headline numbers" not in pz.headings
    # the same numbers in both
    assert pz.cells["region.gdp_end"] == pe.cells["region.gdp_end"]


def test_self_contained(reports):
    text, page, _ = reports("comparison", "en")
    assert page.imgs
    for src in page.imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing to fetch: every reference is an embedded data URI or an anchor in the page
    assert all(r.startswith(("data:", "#")) for r in page.refs), [r[:40] for r in page.refs
                                                                   if not r.startswith(("data:", "#"))]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.IGNORECASE)
    assert "<script" not in text.lower()
    # the CJK glyphs travel with the page (subset of the shipped font)
    m = re.search(r"@font-face\{[^}]*src:url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", text)
    assert m and len(m.group(1)) > 10_000


def test_source_folder_unchanged_and_report_elsewhere(folders, reports, capsys):
    for kind in KINDS:
        _, _, path = reports(kind, "zh")
        assert tree_hash(folders[kind]) == folders["hashes"][kind]
        assert folders[kind] not in path.parents
        assert path.parent.name.endswith(f"{folders[kind].name}_zh")
    out = reports.out
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
    # a second report of the same folder is a new folder, never an overwrite
    n = len(list(out.iterdir()))
    first = reports("run", "zh")[2].read_bytes()
    rc, stdout, _ = run_cli(capsys, "report", str(folders["run"]), "--out", str(out))
    assert rc == 0 and len(list(out.iterdir())) == n + 1
    assert last_line(stdout) != reports("run", "zh")[2] and reports("run", "zh")[2].read_bytes() == first
    assert '<html lang="zh-CN">' in last_line(stdout).read_text(encoding="utf-8")  # zh is the default


def test_park_indicators_recomputed_from_the_rows(folders, reports):
    _, page, _ = reports("run", "en")
    df = pd.read_parquet(folders["run"] / "trajectories.parquet")
    parks = pd.read_csv(ROOT / "scenarios" / "data" / "parks.csv").set_index("id")
    base = df.year.min()
    pk = df[(df.sector == "") & (df.lever == "") & (df.place.isin(parks.index))]
    # land in use at the base = occupancy × capacity (parks.csv)
    b = pk[pk.year == base].pivot_table(index="place", columns="measure", values="value")
    assert ((b.land_used - parks.occupancy_2022 * parks.capacity_ha).abs() < 1e-6).all()
    # a city's parks pay at most the city's revenue (no joint parks in this scenario)
    rev = df[(df.measure == "fiscal_revenue") & (df.lever == "")].pivot_table(index="year", columns="place",
                                                                             values="value")
    tax = pk[pk.measure == "tax_revenue"].assign(city=lambda d: d.place.map(parks.city))
    by_city = tax.pivot_table(index="year", columns="city", values="value", aggfunc="sum")
    assert (by_city.values <= rev[by_city.columns].values + 1e-9).all()
    assert by_city.values.sum() > 0
    # 亩均 in the end year: mean over its quarters; output 亿元/year × 1e4 / (ha × 15 亩/ha)
    end_y = math.floor(df.year.max())
    e = pk[pk.year >= end_y].groupby(["place", "measure"]).value.mean().unstack()
    per_year = round(1 / (df.year.drop_duplicates().sort_values().diff().min()))
    n_checked = 0
    for k in parks.index:
        raw = page.cells[f"park.jxn_transfer_zone.{k}.mu_output_end_wan"][0]
        want = e.loc[k, "industrial_output"] * 1e4 / (e.loc[k, "land_used"] * 15)
        assert close(num(raw), want, 1e-9)
        raw_t = page.cells[f"park.jxn_transfer_zone.{k}.mu_tax_end_wan"][0]
        assert close(num(raw_t), e.loc[k, "tax_revenue"] * per_year * 1e4 / (e.loc[k, "land_used"] * 15), 1e-9)
        n_checked += 1
    assert n_checked == len(parks)


def test_result_without_park_land_still_reports(folders, tmp_path, capsys):
    old = tmp_path / "old_run"
    shutil.copytree(folders["run"], old)
    df = pd.read_parquet(old / "trajectories.parquet")
    df[~df.measure.isin(["land_used", "tax_revenue"])].to_parquet(old / "trajectories.parquet", index=False)
    text, page = report(capsys, old, tmp_path / "out", "--lang", "en")
    assert "no land_used" in text and not any(k.startswith("park.") for k in page.cells)
    assert "region.gdp_end" in page.cells


def test_comparison_with_missing_runs_says_so(folders, tmp_path, capsys):
    moved = tmp_path / "cmp"
    shutil.copytree(folders["comparison"], moved)
    s = json.loads((moved / "summary.json").read_text(encoding="utf-8"))
    s["runs"] = {n: [str(tmp_path / f"gone_{n}_{i}") for i, _ in enumerate(v)] for n, v in s["runs"].items()}
    (moved / "summary.json").write_text(json.dumps(s), encoding="utf-8")
    text, page = report(capsys, moved, tmp_path / "out", "--lang", "en")
    assert "no longer exist" in text and "gone_baseline_0" in text
    assert page.cells["ce.jxn_transfer_zone.spending_total_yi"][0]  # the comparison's own files still report


@pytest.mark.parametrize("case", ["missing", "not_a_result", "out_inside", "bad_lang", "bad_json"])
def test_bad_input_exit_2_one_line_no_folder(case, folders, tmp_path, capsys):
    out = tmp_path / "reports"
    src = tmp_path / "src"
    args = []
    if case == "missing":
        src = tmp_path / "does_not_exist"
    elif case == "not_a_result":
        src.mkdir()
        (src / "notes.txt").write_text("hello", encoding="utf-8")
    elif case == "out_inside":
        shutil.copytree(folders["run"], src)
        out = src / "reports"
    elif case == "bad_lang":
        src = folders["run"]
        args = ["--lang", "fr"]
    elif case == "bad_json":
        shutil.copytree(folders["run"], src)
        (src / "summary.json").write_text("{not json", encoding="utf-8")
    before = tree_hash(src) if src.exists() else None
    rc, stdout, err = run_cli(capsys, "report", str(src), "--out", str(out), *args)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert stdout == ""
    assert not out.exists() or not any(out.iterdir())
    if case in ("missing", "not_a_result", "bad_json"):
        assert str(src) in err and "expected" in err
    if before is not None:
        assert tree_hash(src) == before


@pytest.mark.slow
def test_report_shows_the_governments_decisions(tmp_path, capsys):
    """A comparison with city governments (issue 17): the report has a section with each acting
    city's rates from its runs' decisions.csv, in the report's language; a run without them has none."""
    import re

    import run
    out = tmp_path / "cmp"
    assert run.main(["compare", str(ROOT / "scenarios/six_city_integration.yaml"),
                     str(ROOT / "scenarios/six_city_compete.yaml"), "--until", "2024", "--out", str(out),
                     "--quiet"]) == 0
    folder = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert run.main(["report", str(folder), "--out", str(tmp_path / "rep")]) == 0
    html = Path(capsys.readouterr().out.strip().splitlines()[-1]).read_text(encoding="utf-8")
    sec = html[html.index('id="governments"'):]
    sec = sec[:sec.index("</section>")]
    assert "城市政府的招商决策" in sec and "六市各自招商竞争" in sec
    cities = re.findall(r"<tr><td>([^<]+)</td>", sec)
    assert set(cities) == {"四平", "辽源", "通化", "抚顺", "铁岭", "通辽"}
    import pandas as pd
    runs = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["runs"]["six_city_compete"]
    d = pd.read_csv(Path(runs[0]) / "decisions.csv")
    top = float(d[d.city == "四平"].new.max())
    assert f'data-key="six_city_compete.四平.max" data-value="{top!r}"' in sec  # the log's own number
    assert "lost share" not in sec and "neighbours signed" not in sec  # reasons in Chinese


def test_park_sector_rows_add_up_to_the_park_totals(folders):
    # arrivals_by_sector / projects_started_by_sector (parks × sectors) sum to the parks' arrivals
    # and projects_started of every period: the report's "which sectors each park wins" reads them
    df = pd.read_parquet(folders["run"] / "trajectories.parquet")
    for by, total in (("arrivals_by_sector", "arrivals"), ("projects_started_by_sector", "projects_started")):
        parts = df[df.measure == by]
        assert (parts.sector != "").all() and parts.value.sum() > 0
        s = parts.groupby(["year", "place"]).value.sum()
        t = df[(df.measure == total) & df.place.isin(parts.place.unique())].set_index(["year", "place"]).value
        assert (s.reindex(t.index, fill_value=0.0) - t).abs().max() < 1e-9


def test_park_sectors_section_recomputed_from_the_runs(folders, reports):
    summ = json.loads((folders["comparison"] / "summary.json").read_text(encoding="utf-8"))
    runs = [pd.read_parquet(ROOT / r / "trajectories.parquet") for r in summ["runs"]["jxn_transfer_zone"]]
    want = sum(d[d.measure.isin(["arrivals_by_sector", "projects_started_by_sector"])]
               .groupby("place").value.sum() for d in runs) / len(runs)
    for lang in ("zh", "en"):
        text, page, _ = reports("comparison", lang)
        assert 'id="park_sectors"' in text
        keys = [k for k in page.cells if k.startswith("park_sectors.") and k.endswith(".total")]
        assert keys
        for k in keys:
            assert close(num(page.cells[k][0]), want[k.split(".")[1]], 1e-9)
        # the paragraph names the zone's busiest park (no pinyin id where a Chinese name exists)
        zone_parks = pd.read_csv(ROOT / "scenarios" / "data" / "parks.csv").query("city in ['四平', '辽源', '通化']")
        best = want.reindex(zone_parks.id).idxmax()
        section = re.sub(r"<[^>]+>", " ", text.split('id="park_sectors"')[1].split("</section>")[0])
        assert zone_parks.set_index("id").name_zh[best] in section and best not in section
