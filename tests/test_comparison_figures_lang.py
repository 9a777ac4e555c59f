"""The comparison's figures in the report's language (sim/outputs/plots.py comparison_figures): with
the CJK font, ``name.png`` for the Chinese report (Chinese scenario titles, words in English and
Chinese) and ``name_en.png`` for the English one (English titles, English words; Chinese only in
the places' names and the units), every policy named by its title, never by its id; the English
report embeds the English twins (the browser test, tests/test_report_browser.py, checks the same
in Chromium)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.report_fixtures import last_line, run_cli

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]+")


@pytest.fixture(scope="module")
def drawn(zone_results, tmp_path_factory):
    """Every comparison figure's words by file name, drawn again from the fixture's runs."""
    import matplotlib.text

    from sim.outputs import plots
    cmp_dir = zone_results["comparison"]
    s = json.loads((cmp_dir / "summary.json").read_text(encoding="utf-8"))
    names = [s["base"], *s["policies"]]
    frames = {n: [pd.read_parquet(Path(r) / "trajectories.parquet") for r in s["runs"][n]] for n in names}
    words: dict[str, list[str]] = {}

    def keep(fig, path, *a, **k):
        words[Path(path).name] = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        return real(fig, path, *a, **k)
    real = plots.save_figure
    mp = pytest.MonkeyPatch()
    mp.setattr(plots, "save_figure", keep)
    try:
        assert plots.setup_font()
        out = tmp_path_factory.mktemp("cmp_figs")
        plots.comparison_figures(out, frames, names, titles=s["titles"])  # no territory: no map
    finally:
        mp.undo()
    return words, s, frames


def test_each_comparison_figure_has_an_english_twin_in_english(drawn):
    words, s, frames = drawn
    f0 = frames[s["base"]][0]
    cities = set(f0.place) | set(f0.origin.dropna())  # the places' and origin regions' names (data ids)
    zh_title, en_title = s["titles"]["jxn_transfer_zone"]["zh"], s["titles"]["jxn_transfer_zone"]["en"]
    zh_files = sorted(f for f in words if not f.endswith("_en.png"))
    assert {"diff_gdp.png", "diff_jobs.png", "diff_channels.png", "fiscal_balance.png",
            "arrivals_by_park_jxn_transfer_zone.png", "arrivals_by_origin.png"} <= set(zh_files)
    for f in zh_files:
        en = f[:-4] + "_en.png"
        assert en in words, en
        zh_text, en_text = "\n".join(words[f]), "\n".join(words[en])
        # the policy by its title in the report's language, never by its id
        assert zh_title in zh_text.replace("\n", "") and en_title not in zh_text, f
        assert en_title in en_text.replace("\n", " ") and zh_title not in en_text, en
        assert "jxn_transfer_zone" not in zh_text and "jxn_transfer_zone" not in en_text
        # the English twin: Chinese only in the places' names and the units
        left = set(CJK.findall(en_text)) - cities - {"亿元", "万人"}
        assert not left, (en, left)
    # the Chinese figures keep their Chinese words
    assert "净变化" in "\n".join(words["diff_channels.png"]) and "政策效应分解" in "\n".join(words["diff_channels.png"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_embeds_the_figures_of_its_language(lang, zone_results, tmp_path, capsys):
    cmp_dir = zone_results["comparison"]
    rc, out, err = run_cli(capsys, "report", str(cmp_dir), "--lang", lang, "--out", str(tmp_path / "r"))
    assert rc == 0, err
    html = last_line(out).read_text(encoding="utf-8")
    for stem in ("diff_gdp", "diff_channels", "fiscal_balance", "arrivals_by_park_jxn_transfer_zone"):
        zh_b64 = base64.b64encode((cmp_dir / "figures" / f"{stem}.png").read_bytes()).decode()
        en_b64 = base64.b64encode((cmp_dir / "figures" / f"{stem}_en.png").read_bytes()).decode()
        assert (en_b64 in html) == (lang == "en") and (zh_b64 in html) == (lang == "zh"), stem
        assert (f"({stem}_en.png)" in html) == (lang == "en")
