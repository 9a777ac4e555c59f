"""Plan targets as a reader reads them (issue 16): the label and source in the report's language
(a target's ``label_zh``/``source_zh`` in the Chinese report, else a label generated from its
measure, place and years; its ``label``/``source`` in the English one), thresholds and values in
the target's own terms — growth as a percentage per year ("4.8%/年", not "0.0478 per year"),
cluster and arrival counts as counts ("2", not "2.0000"; a mean over replicates with one decimal),
money in 亿元 with one decimal, jobs as whole persons."""

from __future__ import annotations

from .numbers import fmt, num

GROWTH = ("output_growth", "gdp_growth")
COUNTS = ("clusters", "arrivals")

_WHAT = {"zh": {"industrial_output": "工业总产值", "gdp": "地区生产总值", "jobs": "就业",
                "output_growth": "工业总产值年均增长", "gdp_growth": "地区生产总值年均增长",
                "arrivals": "外地迁入企业", "clusters": "{t}亿级产业集群（产值 ≥ {t} 亿元的行业）"},
         "en": {"industrial_output": "industrial output", "gdp": "GDP", "jobs": "jobs",
                "output_growth": "industrial output growth", "gdp_growth": "GDP growth",
                "arrivals": "arrivals from outside", "clusters": "sectors with output ≥ {t} 亿元"}}
_UNIT = {"zh": {"growth": "%/年", "clusters": "个", "arrivals": "家", "money": "亿元", "jobs": "人"},
         "en": {"growth": "%/year", "clusters": "", "arrivals": "firms", "money": "亿元", "jobs": "persons"}}


def _kind(measure: str) -> str:
    if measure in GROWTH:
        return "growth"
    if measure in COUNTS:
        return measure
    return "jobs" if measure == "jobs" else "money"


def label(t: dict, lang: str, place_name=lambda p: p) -> str:
    """The target's label in ``lang``: as written (``label_zh`` in Chinese, ``label`` in English),
    else generated from its fields."""
    given = t.get("label_zh") if lang == "zh" else t.get("label")
    if given:
        return given
    m = t.get("measure", "")
    what = _WHAT[lang].get(m, m).format(t=f"{num(t.get('threshold_yi')) or 100:g}")
    place = "研究区域" if lang == "zh" and t.get("place") == "region" else place_name(t.get("place", ""))
    years = f"{t['since']}–{t['year']}" if t.get("since") else f"{t.get('year')}"
    thr = threshold(t, lang)
    return f"{place}{what} {thr}（{years}年）" if lang == "zh" else f"{place} {what} {thr} ({years})"


def source(t: dict, lang: str) -> str:
    return (t.get("source_zh") if lang == "zh" else None) or t.get("source", "")


def threshold(t: dict, lang: str) -> str:
    """"≥ 10%/年", "≥ 5 个", "≥ 300 家", "≤ 1,000 亿元"."""
    lo = num(t.get("at_least"))
    v, op = (lo, "≥") if lo is not None else (num(t.get("at_most")), "≤")
    return f"{op} {value(v, t.get('measure', ''), lang, mean=False)}"


def value(v, measure: str, lang: str, mean: bool = False) -> str:
    """A target's value in its terms; ``mean``: a mean over replicates (counts get one decimal)."""
    x = num(v)
    if x is None:
        return "—"
    k = _kind(measure)
    unit = _UNIT[lang][k]
    if k == "growth":
        text = f"{100 * x:.1f}".rstrip("0").rstrip(".") if not mean else f"{100 * x:.1f}"
        return f"{text}{unit}"
    if k in COUNTS:
        text = fmt(x, 1 if mean and abs(x - round(x)) > 1e-9 else 0)
    elif k == "jobs":
        text = fmt(x, 0)
    else:
        text = fmt(x, 1)
    return f"{text} {unit}".strip()
