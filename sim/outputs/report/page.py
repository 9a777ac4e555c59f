"""The report page: sections in order, CSS, the embedded font subset, and the folder it is written
to (``DIR/<timestamp>_<source folder>_<lang>/report.html``, hidden temporary folder renamed into place)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import sys
import tempfile
from pathlib import Path

from ...errors import UserError
from .briefing import section_headline
from .figures import fig_fan_levels, fig_mu, fig_park_map, png_file
from .governments import section_governments
from .i18n import CAPTIONS, TEXT
from .known import section_known
from .noise import section_noise
from .numbers import mean_indicators
from .parks import section_park_sectors, section_parks
from .source import Source, load_source, places
from .tables import (
    E,
    figure,
    headline_comparison,
    headline_ensemble,
    headline_run,
    section_assumptions,
    section_levers,
    section_manifest,
    section_targets,
)
from .years import section_years

CSS = """
body{font-family:'ReportSans','Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;margin:0 auto;
max-width:1200px;padding:1em 2em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:3px solid #1f4e79;padding-bottom:.2em}
h2{font-size:1.3em;color:#1f4e79;border-bottom:1px solid #ccc;margin-top:2em}
h3{font-size:1.1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eef3f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555}
p.lead{font-size:1.05em;background:#eef3f8;padding:.6em .9em;border-left:4px solid #1f4e79}
.nw{white-space:nowrap}.wide{overflow-x:auto}table.parks{font-size:.8em}
.note{font-size:.85em;color:#555}.warn{color:#a40000}
.assumption{background:#fff4d6}
.meta td:first-child{font-weight:bold;white-space:nowrap}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.78em;max-height:40em}
details{margin:.4em 0}summary{cursor:pointer}
nav ol{columns:2;font-size:.92em}
footer{margin-top:3em;font-size:.8em;color:#777}
"""


RUN_FIGS = ("gdp_by_city.png", "industrial_output_by_sector.png", "firms_jobs_by_park.png",
            "arrivals_by_origin.png", "map.png", "levers_spending_and_attribution.png", "channels.png")
DIFF_FIGS = ("diff_gdp.png", "diff_industrial_output.png", "diff_jobs.png", "diff_channels.png",
             "fiscal_balance.png")


def build_html(src: Source, lang: str) -> str:
    from ..plots import setup_font
    T = TEXT[lang]
    font_ok = setup_font()
    zh_fig = lang == "zh" and font_ok
    TF = TEXT["zh" if zh_fig else "en"]  # words inside figures
    figdir = src.folder / "figures"
    used: set[str] = set()

    def reuse(name: str, caption: str | None = None) -> str:
        # the English report takes a figure's English twin name_en.png where compare wrote one
        # (sim/outputs/plots.py comparison_figures)
        twin = name[:-4] + "_en.png"
        used.update((name, twin))
        shown = twin if lang == "en" and (figdir / twin).is_file() else name
        caps = CAPTIONS[lang]
        cap = caption or caps.get(name) or next((v for k, v in caps.items() if name.startswith(k)), name)
        return figure(png_file(figdir / shown), f"{cap} ({shown})")

    ok_runs = all(src.runs[n] for n in src.names)
    titles_fig = {n: src.title(n, TF["lang"]) for n in src.names}
    geo = places(src.manifest(src.names[0]) if src.runs[src.names[0]] else None,
                 [src.manifest(n) for n in src.names[1:] if src.runs[n]])
    tabs = {}
    if ok_runs:
        for n in src.names:
            t = mean_indicators(src.frames(n))
            if t is None:
                tabs = {}
                break
            tabs[n] = t
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, body)
    # the briefing: the headline paragraph, then the map of ΔGDP by city (sim/outputs/report/briefing.py)
    brief = section_headline(src, lang)
    if brief:
        sections.append(("brief", T["brief"], brief))
    if src.kind == "comparison" and (figdir / "map_gdp_difference.png").is_file():
        # compare's map of ΔGDP by city on the cities' real shapes (sim/outputs/maps.py)
        sections.append(("gdp_map", T["map_gdp"], reuse("map_gdp_difference.png")))
    # headline numbers and targets
    head = {"run": headline_run, "ensemble": headline_ensemble, "comparison": headline_comparison}[src.kind]
    sections.append(("headline", T["headline"], head(src, T)))
    tg = section_targets(src, T)
    if tg:
        sections.append(("targets", T["targets"], tg))
    kn = section_known(src, lang)
    if kn:
        sections.append(("known_projects", *kn))
    # fan charts and differences
    if src.kind == "comparison":
        body = figure(fig_fan_levels(src, TF), T["fig.fan"]) if ok_runs else ""
        sections.append(("fans", T["fans"], body or f"<p class='note'>{E(T['note.missing_runs'])}</p>"))
        body = f"<h3>{E(T['noise'])}</h3>" + section_noise(src, T)
        body += "".join(reuse(f) for f in DIFF_FIGS)
        body += "".join(reuse(f"arrivals_by_park_{p}.png",
                              f"{CAPTIONS[lang]['arrivals_by_park_']}: {src.title(p, lang)}")
                        for p in src.names[1:])
        body += reuse("arrivals_by_origin.png")
        sections.append(("diffs", T["diffs"], body))
    elif src.kind == "ensemble":
        sections.append(("fans", T["fans"], reuse("fan_gdp.png") + reuse("fan_industrial_output.png")))
    # map and parks
    if tabs:
        sections.append(("map", T["map"], figure(fig_park_map(tabs, geo, TF, zh_fig, titles_fig), T["fig.map"])))
    parks = section_parks(src, T, geo, lang == "zh", tabs)
    if tabs:
        parks = figure(fig_mu(tabs, geo, TF, zh_fig, titles_fig), T["fig.mu"]) + parks
    if parks:
        sections.append(("parks", T["parks"], parks))
    ps = section_park_sectors(src, geo, lang)
    if ps:
        sections.append(("park_sectors", T["park_sectors"], ps))
    lv = section_levers(src, T, TF, geo)
    if lv:
        sections.append(("levers", T["levers"], lv))
    gv = section_governments(src, lang)
    if gv:
        sections.append(("governments", T["governments"], gv))
    yrs = section_years(src, lang) if ok_runs else ""
    if yrs:
        sections.append(("years", T["years"], yrs))
    sections.append(("assumptions", T["assumptions"], section_assumptions(src, T)))
    sections.append(("manifest", T["manifest"], section_manifest(src, T)))
    # every other figure of the folder
    if src.kind == "run":
        for f in RUN_FIGS:
            used.discard(f)
    rest = sorted(p.name for p in figdir.glob("*.png") if p.name not in used
                  and not (p.name.endswith("_en.png") and (figdir / (p.name[:-7] + ".png")).is_file())
                  ) if figdir.is_dir() else []
    if rest:
        sections.append(("other", T["other"], "".join(reuse(f) for f in rest)))
    # page
    kind = T[f"kind.{src.kind}"]
    notes = ""
    if src.missing:
        notes += (f"<p class='warn'>{E(T['note.missing_runs'])} "
                  f"{E(', '.join(src.missing))}</p>")
    if lang == "zh" and not font_ok:
        notes += f"<p class='warn'>{E(T['note.font_fallback'])}</p>"
    toc = "".join(f'<li><a href="#{a}">{E(h)}</a></li>' for a, h, _ in sections)
    body = "".join(f'<section id="{a}"><h2>{E(h)}</h2>{b}</section>' for a, h, b in sections)
    shown = "、".join if lang == "zh" else ", ".join
    meta = (f"<table class='meta'><tr><td>{E(T['scenarios'])}</td>"
            f"<td>{E(shown(src.title(n, lang) for n in src.names))}</td></tr>"
            f"<tr><td>{E(T['source'])}</td><td>{E(str(src.folder))}</td></tr>"
            f"<tr><td>{E(T['generated'])}</td><td>{E(dt.datetime.now().isoformat(timespec='seconds'))}</td></tr>"
            f"</table>")
    page_body = (f"<h1>{E(T['title'])}: {E(kind)}</h1>{meta}{notes}<nav><h2>{E(T['toc'])}</h2><ol>{toc}</ol></nav>"
                 f"{body}<footer>{E(T['footer'])}</footer>")
    title = f"{T['title']} — {shown(src.title(n, lang) for n in src.names)}"
    font_css = font_face(title + page_body + CSS)
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{E(title)}</title><style>{font_css}{CSS}</style></head><body>{page_body}</body></html>\n")


def font_face(text: str) -> str:
    """@font-face with the shipped CJK font subset to the characters of ``text`` (a few hundred kB at
    most), so the report renders Chinese without any font installed. Empty if the subsetting fails."""
    try:
        from fontTools import subset

        from ..plots import FONT
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.notdef_outline = True
        font = subset.load_font(str(FONT), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes={ord(c) for c in set(text) if not c.isspace() or c == " "})
        sub.subset(font)
        buf = io.BytesIO()
        subset.save_font(font, buf, opts)
    except Exception:  # noqa: BLE001 - the page still works with the reader's fonts
        return ""
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return ("@font-face{font-family:'ReportSans';font-style:normal;font-weight:400;"
            f"src:url(data:font/otf;base64,{b64}) format('opentype')}}")


def write_report(out_root: Path, src_folder: Path, lang: str, text: str) -> Path:
    from .. import results
    out_root.mkdir(parents=True, exist_ok=True)
    results.clean_stale_tmp(out_root)
    name = f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}_{src_folder.name[:90]}_{lang}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=out_root))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        (tmp / "report.html").write_text(text, encoding="utf-8")
        final = results.finish(tmp, out_root / name)
    except BaseException:
        results.abandon(tmp)
        raise
    return final / "report.html"


def make_report(folder: str | Path, lang: str, out: str | Path) -> Path:
    """Write the report of ``folder`` (a run, ensemble or comparison folder) in ``lang`` (zh, en) into
    a new folder under ``out`` (never inside ``folder``); returns the path of ``report.html``."""
    folder = Path(folder).expanduser()
    src = load_source(folder.resolve() if folder.exists() else folder)
    out_dir = Path(out).expanduser().resolve()
    if out_dir == src.folder.resolve() or out_dir.is_relative_to(src.folder.resolve()):
        raise UserError("--out", message=f"report: --out {out}: lies inside the folder being reported "
                                         f"on ({src.folder}); expected a folder outside it (a report never "
                                         f"writes into its source)")
    text = build_html(src, lang)
    path = write_report(out_dir, src.folder, lang, text)
    print(f"report: {src.kind} {', '.join(src.names)} -> {len(text) / 1e6:.1f} MB", file=sys.stderr)
    return path
