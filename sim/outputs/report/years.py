"""Money by calendar year, with the two things a reader of yearly sums must be told (issue 16):
a year the run covers only in part (the base year: its first quarter is the calibrated base
state, so its fiscal year sums three quarters; a run cut short with ``--until``), and a lever whose
annual budget cap binds (``summary.json`` ``budget_events`` of each run: the period in which the
lever's spending reached ``cap_wan``; it pays nothing for the rest of that year, so its value in
the levers' chart drops to 0).

Per scenario with levers (a comparison's policies): the cities' fiscal spending (levers and their
share of public investment) and fiscal revenue by year (``fiscal_by_year``, mean over the
replicates), for a comparison the revenue against the baseline's, the quarters each year covers,
and the caps that bound that year (in how many replicates)."""

from __future__ import annotations

import math

from .numbers import fmt, mean
from .source import Source
from .tables import E, cell, table

WORDS = {
    "zh": {"year": "年份", "quarters": "模拟季度数", "spending": "财政支出（政策与城市承担的基础设施，亿元）",
           "revenue": "财政收入（亿元）", "d_revenue": "财政收入差值（政策减基准，亿元）", "caps": "达到预算上限的政策工具",
           "partial": "（不完整：{q} 个季度）", "in_reps": "{k}/{n} 次重复",
           "note.partial": "{y} 年只有 {q} 个季度计入（{first}–{last}）：基年 {b} 的第一季度是校准的基期状态，"
                           "不产生流量；该年的年度合计因此只含 {q} 个季度，不能与完整年份直接比较。",
           "note.cut": "{y} 年只模拟到 {last}（{q} 个季度）。",
           "note.cap": "{lever}：年度预算上限 {cap} 万元在 {years} 年达到（{where}）；达到上限后当年余下时间不再支付，"
                       "政策工具取值图中该季度起降为 0，次年恢复。",
           "note.nocap": "没有政策工具达到其年度预算上限。", "quarter_of": "多在第 {q} 季度"},
    "en": {"year": "Year", "quarters": "Quarters simulated", "spending": "Fiscal spending (levers and the cities' "
           "share of public investment, 亿元)", "revenue": "Fiscal revenue (亿元)",
           "d_revenue": "Fiscal revenue, policy − baseline (亿元)", "caps": "Levers whose budget cap bound",
           "partial": " (partial: {q} quarters)", "in_reps": "{k} of {n} replicates",
           "note.partial": "{y} counts only {q} quarters ({first}–{last}): the first quarter of the base year {b} is "
                           "the calibrated base state and has no flows, so the year's sums cover {q} quarters and "
                           "do not compare with full years.",
           "note.cut": "{y} is simulated only to {last} ({q} quarters).",
           "note.cap": "{lever}: its annual budget cap of {cap} 万元 bound in {years} ({where}); once it binds the "
                       "lever pays nothing for the rest of that year (its value in the levers' chart drops to 0 "
                       "from that quarter) and resumes the next year.",
           "note.nocap": "No lever reached its annual budget cap.", "quarter_of": "mostly in quarter {q}"},
}


def _quarters(df) -> tuple[float, dict]:
    """(base period, {year: [periods simulated in it]}) of a run's rows."""
    import numpy as np
    ys = np.unique(df.year.to_numpy())
    base = float(ys.min())
    out: dict = {}
    for y in ys[ys > base]:
        out.setdefault(math.floor(float(y) + 1e-9), []).append(float(y))
    return base, out


def _q(p: float) -> str:
    y = math.floor(p + 1e-9)
    return f"{y}Q{round((p - y) * 4) + 1}"


def _years_text(years: list[int], lang: str) -> str:
    years = sorted(set(years))
    runs, start = [], years[0]
    for a, b in zip(years, years[1:] + [None]):
        if b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}–{a}")
            start = b
    return ("、" if lang == "zh" else ", ").join(runs)


def _lever_name(lv: dict, lid: str, lang: str, long: bool = False) -> str:
    """A lever as the reader knows it: the Chinese head of its label ("人才 — subsidy …" → 人才)
    in the Chinese report, its id (and label) in the English one."""
    label = lv.get("label") or ""
    head = label.split(" — ")[0].strip()
    if lang == "zh" and head:
        return f"{head}（{lid}）" if long else head
    return f"{lid} ({label})" if long and label else lid


def section_years(src: Source, lang: str) -> str:
    W = WORDS[lang]
    names = src.names[1:] if src.kind == "comparison" else src.names
    base = src.names[0] if src.kind == "comparison" else None
    out = []
    for n in names:
        if not src.runs.get(n):
            continue
        man = src.manifest(n) or {}
        levers = {lv["id"]: lv for lv in (man.get("resolved_scenario") or {}).get("levers", [])}
        if not levers:
            continue
        sums = src.run_summaries(n)
        base_sums = src.run_summaries(base) if base and src.runs.get(base) else []
        b0, quarters = _quarters(src.frames(n)[0])
        events: dict = {}  # lever -> year -> [periods, one per replicate that bound]
        for s in sums:
            for ev in s.get("budget_events") or []:
                events.setdefault(ev["lever"], {}).setdefault(int(ev["year"]), []).append(ev)
        rows = []
        for y, ps in quarters.items():
            q = len(ps)
            ytxt = f"{y}" + (W["partial"].format(q=q) if q < 4 else "")
            sp = mean([(s.get("fiscal_by_year") or {}).get(str(y), {}).get("spending_yi") for s in sums])
            rev = mean([(s.get("fiscal_by_year") or {}).get(str(y), {}).get("revenue_yi") for s in sums])
            cells = cell(f"years.{n}.{y}.spending_yi", sp, 3) + cell(f"years.{n}.{y}.revenue_yi", rev, 1)
            if base_sums:
                rb = mean([(s.get("fiscal_by_year") or {}).get(str(y), {}).get("revenue_yi") for s in base_sums])
                cells += cell(f"years.{n}.{y}.d_revenue_yi", None if rev is None or rb is None else rev - rb, 3)
            caps = [_lever_name(levers.get(lid, {}), lid, lang)
                    + (f"（{W['in_reps'].format(k=len(by[y]), n=len(sums))}）" if lang == "zh" else
                       f" ({W['in_reps'].format(k=len(by[y]), n=len(sums))})" if len(sums) > 1 else "")
                    for lid, by in events.items() if y in by]
            rows.append(f"<tr><td class='nw'>{E(ytxt)}</td><td class='n'>{q}</td>{cells}"
                        f"<td>{E('; '.join(caps))}</td></tr>")
        head = [W["year"], W["quarters"], W["spending"], W["revenue"], *([W["d_revenue"]] if base_sums else []),
                W["caps"]]
        notes = []
        for y, ps in quarters.items():
            if len(ps) < 4 and y == math.floor(b0 + 1e-9):
                notes.append(W["note.partial"].format(y=y, q=len(ps), first=_q(ps[0]), last=_q(ps[-1]), b=y))
            elif len(ps) < 4:
                notes.append(W["note.cut"].format(y=y, q=len(ps), last=_q(ps[-1])))
        for lid, by in events.items():
            lv = levers.get(lid, {})
            name = _lever_name(lv, lid, lang, long=True)
            qs = [round((ev["period"] - math.floor(ev["period"] + 1e-9)) * 4) + 1 for evs in by.values() for ev in evs]
            common = max(set(qs), key=qs.count)
            cap = lv.get("budget_wan_per_year")
            cap_txt = fmt(cap, 0) if isinstance(cap, (int, float)) else "; ".join(f"{k}: {fmt(v, 0)}" for k, v in
                                                                                 (cap or {}).items())
            notes.append(W["note.cap"].format(lever=name, cap=cap_txt, years=_years_text(list(by), lang),
                                              where=W["quarter_of"].format(q=common)))
        if not events:
            notes.append(W["note.nocap"])
        if len(names) > 1 or src.kind == "comparison":
            out.append(f"<h3>{E(src.title(n, lang))}</h3>")
        out.append(table(head, rows) + "".join(f"<p class='note'>{E(x)}</p>" for x in notes))
    return "".join(out)
