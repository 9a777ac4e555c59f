"""The report's HTML in headless Chromium: no console errors, no request leaves the page, every
figure decodes, the embedded CJK font is used. Skips without playwright or /usr/bin/chromium, except
in CI (CI=true), where it fails instead. In the slow set (CI runs it): the fast set checks the same
page's numbers, embedded figures and font and its lack of external references (tests/test_report.py).
"""
from __future__ import annotations

import base64
import csv
import json
import os
import re
from pathlib import Path

import pytest

from tests.report_fixtures import ROOT, last_line, run_cli

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _need_browser():
    why = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "the playwright package is not installed (pip install playwright; it is in the test extra)"
    if why is None and not CHROMIUM.exists():
        why = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run in CI: {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def comparison(request):
    _need_browser()
    return request.getfixturevalue("zone_results")["comparison"]  # tests/conftest.py


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_loads_cleanly_in_chromium(lang, comparison, tmp_path, capsys):
    from playwright.sync_api import sync_playwright
    cmp_dir = comparison
    rc, out, err = run_cli(capsys, "report", str(cmp_dir), "--lang", lang, "--out", str(tmp_path / "reports"))
    assert rc == 0, err
    page_path = last_line(out)
    console, failed, requests = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console.append(m) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(e))
            page.on("requestfailed", lambda r: failed.append(r.url[:80]))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            widths = page.evaluate("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
            font = page.evaluate("document.fonts.check('16px ReportSans', '亩均产值')")
            fonts = page.evaluate("Array.from(document.fonts).map(f => f.family + ':' + f.status)")
            heading = page.evaluate("document.querySelector('h2#x, section h2').textContent")
            # the second section: the map of ΔGDP by city on the cities' real shapes, drawn
            map_width = page.evaluate("(() => { const i = document.querySelector('section#gdp_map img');"
                                      " return i && i.complete ? i.naturalWidth : 0; })()")
            # the briefing's headline paragraph as the reader sees it, and the page's visible text
            # without the manifest (the reproduction record, which names everything by id)
            lead = page.evaluate("Array.from(document.querySelectorAll('p.lead')).map(p => p.innerText)")
            lead_visible = page.evaluate("Array.from(document.querySelectorAll('p.lead'))"
                                         ".every(p => p.getBoundingClientRect().height > 20)")
            visible = page.evaluate("(() => { const b = document.body.cloneNode(true);"
                                    " b.querySelectorAll('#manifest').forEach(e => e.remove());"
                                    " document.documentElement.appendChild(b); const t = b.innerText; b.remove();"
                                    " return t; })()")
            # which sectors each park wins: its paragraph and table as shown
            sectors = page.evaluate("(() => { const s = document.querySelector('section#park_sectors');"
                                    " return s ? [s.innerText, s.querySelectorAll('tbody tr').length] : ['', 0]; })()")
            # every figure as shown: its caption (which ends with the file's name) and its image
            shown_figs = page.evaluate("Array.from(document.querySelectorAll('figure')).map(f =>"
                                       " [f.querySelector('figcaption') ? f.querySelector('figcaption').textContent : '',"
                                       " f.querySelector('img') ? f.querySelector('img').getAttribute('src') : ''])")
            page.screenshot(path=str(tmp_path / f"report_{lang}.png"), full_page=True)
        finally:
            browser.close()
    assert not console, [str(getattr(m, "text", m)) for m in console]
    assert not failed
    # only the page itself (figures and font are data: URIs, which Chromium does not fetch)
    assert [u for u in requests if not u.startswith("data:")] == [page_path.as_uri()]
    assert len(widths) >= 8 and all(w > 0 for w in widths), widths
    assert font and "ReportSans:loaded" in fonts
    # the report opens with the headline paragraph generated from the numbers (summary.json)
    assert heading == ("要点" if lang == "zh" else "In brief")
    assert map_width > 800  # map_gdp_difference.png (tests/test_maps.py checks its city shapes)
    summ = json.loads((cmp_dir / "summary.json").read_text(encoding="utf-8"))
    assert lead and lead_visible and "\n\n".join(lead) == summ[f"headline_{lang}"]
    if lang == "zh":
        assert "吉西南承接产业转移示范区政策包" in lead[0] and "四平、辽源、通化" in lead[0] and "亿元" in lead[0]
        assert "噪声" in lead[0] and "jxn_transfer_zone" not in lead[0]
        # no pinyin park id where the park has a Chinese name (parks.csv)
        with open(ROOT / "scenarios" / "data" / "parks.csv", encoding="utf-8") as fh:
            named = [r["id"] for r in csv.DictReader(fh) if r["name_zh"]]
        assert [i for i in named if i in visible] == []
        assert "四平经济开发区" in visible
    else:
        assert "Southwest Jilin" in lead[0] and "Siping, Liaoyuan and Tonghua" in lead[0] and "noise" in lead[0]
    assert ("为示范区各园区之首" if lang == "zh" else "the most of any park of the zone") in sectors[0]
    assert sectors[1] >= 10  # every park with a relocation in or a project started
    assert (tmp_path / f"report_{lang}.png").stat().st_size > 100_000
    # the comparison's figures in the report's language: the English report shows compare's
    # English twins (name_en.png: English words and scenario titles), the Chinese one the others,
    # byte for byte the files of the folder
    files = {}
    for cap, src in shown_figs:
        m = re.search(r"\(([^()]*\.png)\)$", cap)
        if m:
            files[m.group(1)] = src
    for stem in ("map_gdp_difference", "diff_gdp", "diff_industrial_output", "diff_jobs", "diff_channels",
                 "fiscal_balance", "arrivals_by_origin", "arrivals_by_park_jxn_transfer_zone"):
        want, other = (f"{stem}_en.png", f"{stem}.png") if lang == "en" else (f"{stem}.png", f"{stem}_en.png")
        assert want in files and other not in files, (want, sorted(files))
        assert base64.b64decode(files[want].split(",", 1)[1]) == (cmp_dir / "figures" / want).read_bytes()
        assert (cmp_dir / "figures" / want).read_bytes() != (cmp_dir / "figures" / other).read_bytes()
