"""The top of a comparison's report, for a reader with five minutes (issue 16): the headline
paragraph generated from the numbers (``summary.json`` ``headline_zh``/``headline_en``, written by
``compare``: sim/outputs/headline.py; recomputed from the folder's ``differences.parquet`` for a
comparison written before it), and the place of the map of ΔGDP by city."""

from __future__ import annotations

from .source import Source
from .tables import E


def headline_text(src: Source, lang: str) -> str | None:
    """The comparison's headline paragraphs in ``lang``, or None (not a comparison, or an old one
    whose difference rows are gone)."""
    if src.kind != "comparison":
        return None
    s = src.summary
    text = s.get(f"headline_{lang}")
    if text:
        return text
    path = src.folder / "differences.parquet"
    eff = s.get("effects") or {}
    if not path.is_file() or not all("decomposition" in eff.get(p, {}) for p in s.get("policies", [])):
        return None
    try:
        import pandas as pd

        from ..headline import city_names_en, headlines
        dd = pd.read_parquet(path)
        cities = [c for c in eff[s["policies"][0]]["decomposition"] if c != "region"]
        man = src.manifest(s["base"]) if src.runs.get(s["base"]) else None
        names_en = city_names_en((man or {}).get("data_dir", ""))
        titles = {n: {"zh": src.title(n, "zh"), "en": src.title(n, "en")} for n in src.names}
        return headlines(dd, eff, s["policies"], s["base"], cities, titles, names_en)[f"headline_{lang}"]
    except (OSError, KeyError, ValueError):
        return None


def section_headline(src: Source, lang: str) -> str:
    """The headline paragraphs as HTML (one ``<p class="lead">`` each), or "" when there are none."""
    text = headline_text(src, lang)
    if not text:
        return ""
    return "".join(f'<p class="lead" data-key="headline_{lang}">{E(p)}</p>' for p in text.split("\n\n"))


