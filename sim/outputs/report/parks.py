"""The report's park sections: the 亩均 table (land, output and tax per mu at the base year and the end
of each scenario), and the answer to "why does that park get so much more than ours?": which sectors each park
of the zone wins, from the tidy rows ``arrivals_by_sector`` (relocations in) and
``projects_started_by_sector`` (new projects breaking ground, 开工), summed over the run and averaged
over the replicates (counts).

The paragraph compares the zone's busiest park L with the busiest park P of every other zone city C
(the zone: ``jxn_zone`` cities of ``data/cities.csv``): the sector s* with the largest gap
n_L,s − n_P,s and its share of the whole gap, whether s* is a leading sector (``leading_sectors``,
a location bonus in the choice rule) of L and of any park of C, the base-year gross output of s*
(亿元/year, nominal) in both cities (local investors of a sector are spread over the cities by its
output and projects prefer sites near their investors: docs/model.md §Projects), and what P and L
get in P's own leading sectors. Every number is read from the result folder; nothing is fitted here."""

from __future__ import annotations

import math

from .numbers import num
from .source import Source
from .tables import E, cell, table

MEASURES = ("arrivals_by_sector", "projects_started_by_sector")

TEXT = {
    "zh": {"intro": "各园区{y0}–{y1}年迁入企业与新开工项目按行业的构成（“{scn}”，{runs}）。",
           "runs": "{n}次重复运行的平均", "one": "单次运行",
           "head": ["园区", "城市", "合计", "迁入企业", "新开工项目", "最多的行业", "占比", "主导产业所占比例"],
           "none": "结果中没有按行业的园区数据（此前版本写出的结果目录）。"},
    "en": {"intro": ("What each park won in {y0}–{y1}, relocations in and new projects breaking ground, by "
                     "sector (“{scn}”, {runs})."),
           "runs": "mean of {n} replicates", "one": "one run",
           "head": ["park", "city", "total", "relocations in", "new projects started", "largest sector",
                    "share", "share in its leading sectors"],
           "none": "The result folder has no park rows by sector (written by an earlier version)."},
}


def section_parks(src: Source, T: dict, geo: dict, zh: bool, tabs: dict) -> str:
    if not tabs:
        return f"<p class='note warn'>{E(T['note.no_land'])}</p>" if all(src.runs[n] for n in src.names) else ""
    out = [f"<p class='note'>{E(T['note.mu'])} {E(T['note.base_tax'])}</p>"]
    first = next(iter(tabs.values()))
    by, ey = first.attrs["base_year"], first.attrs["end_year"]
    sub = [T["land"], T["mu_output"], T["mu_tax"]]
    groups = f"<th colspan='3'>{E(T['group.base'])} {by}</th>" + "".join(
        f"<th colspan='4'>{E(src.title(n, T['lang']))} {ey}</th>" for n in tabs)
    subs = "".join(f"<th>{E(h)}</th>" for h in sub) + "".join(
        f"<th>{E(h)}</th>" for _ in tabs for h in (*sub, T["park_arrivals"]))
    head_html = (f"<thead><tr><th rowspan='2'>{E(T['park'])}</th><th rowspan='2'>{E(T['city'])}</th>{groups}</tr>"
                 f"<tr>{subs}</tr></thead>")
    rows = []
    ids = list(dict.fromkeys(k for t in tabs.values() for k in t.index))  # a park only a policy builds too
    for k in ids:
        name, city = (geo["parks"].get(k, (0, 0, k, ""))[2:4])
        b = first if k in first.index else next(t for t in tabs.values() if k in t.index)
        cells = (cell(f"park.{k}.land_base_ha", num(b.loc[k, "land_base_ha"]), 1)
                 + cell(f"park.{k}.mu_output_base_wan", num(b.loc[k, "mu_output_base_wan"]), 1)
                 + cell(f"park.{k}.mu_tax_base_wan", num(b.loc[k, "mu_tax_base_wan"]), 2))
        for n, t in tabs.items():
            if k not in t.index:  # not built in this scenario
                cells += "<td class='n'>—</td>" * 4
                continue
            cells += (cell(f"park.{n}.{k}.land_end_ha", num(t.loc[k, "land_end_ha"]), 1)
                      + cell(f"park.{n}.{k}.mu_output_end_wan", num(t.loc[k, "mu_output_end_wan"]), 1)
                      + cell(f"park.{n}.{k}.mu_tax_end_wan", num(t.loc[k, "mu_tax_end_wan"]), 2)
                      + cell(f"park.{n}.{k}.arrivals", num(t.loc[k, "arrivals"]), 1))
        label = name if zh else f"{k} ({name})"  # no pinyin id where a Chinese name exists
        rows.append(f"<tr><td>{E(label)}</td><td class='nw'>{E(city)}</td>{cells}</tr>")
    out.append(f"<div class='wide'><table class='parks'>{head_html}<tbody>{''.join(rows)}</tbody></table></div>")
    return "".join(out)


def counts(frames) -> dict | None:
    """{measure: DataFrame park × sector} summed over the run, mean over the replicates, plus
    ``years`` (first, last) and ``base`` (DataFrame city × sector of base-year industrial output,
    亿元/year); None when the rows are missing (folders written before these measures)."""
    import pandas as pd
    out, base, years = {m: [] for m in MEASURES}, [], []
    for df in frames:
        x = df[df["measure"].isin(MEASURES)]
        if x.empty:
            return None
        for m in MEASURES:
            out[m].append(x[x["measure"] == m].pivot_table(index="place", columns="sector", values="value",
                                                           aggfunc="sum"))
        y0 = df["year"].min()
        b = df[(df["measure"] == "industrial_output") & (df["sector"] != "") & (df["year"] == y0)]
        base.append(b.pivot_table(index="place", columns="sector", values="value", aggfunc="sum"))
        years.append((math.floor(y0 + 1e-9), math.floor(df["year"].max() + 1e-9)))
    res = {m: pd.concat(v).groupby(level=0).sum() / len(v) for m, v in out.items()}
    cols = sorted(set().union(*(t.columns for t in res.values())))
    res = {m: t.reindex(columns=cols, fill_value=0.0).fillna(0.0) for m, t in res.items()}
    idx = res[MEASURES[0]].index.union(res[MEASURES[1]].index)
    res = {m: t.reindex(idx, fill_value=0.0) for m, t in res.items()}
    res["base"] = pd.concat(base).groupby(level=0).mean()
    res["years"] = years[0]
    res["n"] = len(frames)
    return res


def _n(x: float) -> str:
    return f"{x:,.0f}"


def gap_paragraph(c: dict, geo: dict, lang: str) -> str:
    """The sentences comparing the zone's busiest park with each other zone city's busiest park."""
    zh = lang == "zh"
    tot = c["arrivals_by_sector"] + c["projects_started_by_sector"]
    total = tot.sum(axis=1)
    parks, lead = geo.get("parks", {}), geo.get("leading", {})
    city_of = {k: v[3] for k, v in parks.items()}
    name = (lambda k: parks[k][2] if k in parks else k)
    zone = [z for z in geo.get("zone", []) if any(city_of.get(p) == z for p in total.index)]
    zone_parks = [p for p in total.index if city_of.get(p) in zone and total[p] > 0]
    if len(zone) < 2 or not zone_parks:
        return ""
    L = max(zone_parks, key=lambda p: total[p])
    cL = city_of[L]
    y0, y1 = c["years"]
    n_arr, n_st = c["arrivals_by_sector"].loc[L].sum(), c["projects_started_by_sector"].loc[L].sum()
    out = [f"{y0}–{y1}年{name(L)}（{cL}）共迎来 {_n(total[L])} 个迁入企业和新开工项目（迁入 {_n(n_arr)}，"
           f"新开工 {_n(n_st)}），为示范区各园区之首。" if zh else
           f"In {y0}–{y1} {name(L)} ({cL}) won {_n(total[L])} relocations and new projects ({_n(n_arr)} "
           f"relocations, {_n(n_st)} new projects), the most of any park of the zone."]
    for C in zone:
        if C == cL:
            continue
        ps = sorted((p for p in total.index if city_of.get(p) == C), key=lambda p: -total[p])
        if not ps:
            continue
        P = ps[0]
        gap = tot.loc[L] - tot.loc[P]
        G = total[L] - total[P]
        others = "，".join(f"{name(p)} {_n(total[p])}" for p in ps[1:] if total[p] >= 0.5) if zh else \
            ", ".join(f"{name(p)} {_n(total[p])}" for p in ps[1:] if total[p] >= 0.5)
        s = (f"{C}最多的{name(P)}为 {_n(total[P])} 个" + (f"（{C}其他园区：{others}）" if others else "") + "。"
             if zh else f"{C}'s busiest park, {name(P)}, won {_n(total[P])}"
             + (f" ({C}'s other parks: {others})" if others else "") + ".")
        if G <= 0.5:
            out.append(s)
            continue
        sec = gap.idxmax()
        share = gap[sec] / G
        in_L = sec in lead.get(L, [])
        in_C = any(sec in lead.get(p, []) for p in ps)
        base = c["base"]
        bL = float(base.loc[cL, sec]) if cL in base.index and sec in base.columns else float("nan")
        bC = float(base.loc[C, sec]) if C in base.index and sec in base.columns else float("nan")
        both = (f"{name(L)} {_n(tot.loc[L, sec])} 个，{name(P)} {_n(tot.loc[P, sec])} 个" if zh else
                f"{name(L)} {_n(tot.loc[L, sec])}, {name(P)} {_n(tot.loc[P, sec])}")
        has_base = not (math.isnan(bL) or math.isnan(bC))
        if zh:
            s += (f"差距的 {share:.0%} 在{sec}（{both}）" if share <= 1 else
                  f"仅{sec}一项就多出 {_n(gap[sec])} 个（{both}），超过全部差距 {_n(G)} 个")
            s += (f"；{sec}" + ("是" if in_L else "不是") + f"{name(L)}的主导产业，"
                  + ("也是" if in_C else "而不是") + f"{C}任何园区的主导产业（主导产业在区位选择中有加分）。")
            if has_base:
                s += f"{y0}年{sec}的产值：{cL} {bL:,.1f} 亿元，{C} {bC:,.1f} 亿元"
                s += ("——模型中该行业的本地投资者按各市该行业产值分布，项目选址偏向离投资者近的地方。" if bL > bC else "。")
        else:
            s += (f" {share:.0%} of the gap is in {sec} ({both})" if share <= 1 else
                  f" {sec} alone accounts for {_n(gap[sec])} ({both}), more than the whole gap of {_n(G)}")
            s += (f"; {sec} is " + ("" if in_L else "not ") + f"a leading sector of {name(L)} and "
                  + ("also" if in_C else "not") + f" one of any park of {C} (leading sectors get a location bonus).")
            if has_base:
                s += f" {sec}'s gross output in {y0}: {cL} {bL:,.1f}亿元, {C} {bC:,.1f}亿元"
                s += (": in the model a sector's local investors are spread over the cities by its "
                      "output, and projects prefer sites near their investors." if bL > bC else ".")
        own = [x for x in lead.get(P, []) if x in tot.columns]
        if own:
            a, b = tot.loc[P, own].sum(), tot.loc[L, own].sum()
            s += (f"在{name(P)}的主导产业（{'、'.join(own)}）中，{name(P)} {_n(a)} 个，{name(L)} {_n(b)} 个。"
                  if zh else f" In {name(P)}'s own leading sectors ({', '.join(own)}) {name(P)} won {_n(a)} and "
                  f"{name(L)} {_n(b)}.")
        out.append(s)
    return "".join(f"<p>{E(x)}</p>" for x in out) if len(out) > 1 else ""


def section_park_sectors(src: Source, geo: dict, lang: str) -> str:
    """The paragraph and a table of every park with activity (the first policy scenario, or the run's)."""
    name = src.names[1] if src.kind == "comparison" and len(src.names) > 1 else src.names[0]
    if not src.runs.get(name):
        return ""
    T = TEXT[lang]
    c = counts(src.frames(name))
    if c is None:
        return f"<p class='note'>{E(T['none'])}</p>"
    arr, st = c["arrivals_by_sector"], c["projects_started_by_sector"]
    tot = arr + st
    total = tot.sum(axis=1)
    parks, lead = geo.get("parks", {}), geo.get("leading", {})
    y0, y1 = c["years"]
    html = f"<p class='note'>{E(T['intro'].format(y0=y0, y1=y1, scn=src.title(name, lang), runs=T['runs'].format(n=c['n']) if c['n'] > 1 else T['one']))}</p>"
    html += gap_paragraph(c, geo, lang)
    rows = []
    for k in total.sort_values(ascending=False).index:
        if total[k] < 0.5:
            continue
        top = tot.loc[k].idxmax()
        own = [x for x in lead.get(k, []) if x in tot.columns]
        in_lead = tot.loc[k, own].sum() / total[k] if own else 0.0
        nm, city = (parks[k][2], parks[k][3]) if k in parks else (k, "")
        rows.append(f"<tr><td>{E(nm)}</td><td class='nw'>{E(city)}</td>"
                    + cell(f"park_sectors.{k}.total", float(total[k]), 0)
                    + cell(f"park_sectors.{k}.arrivals", float(arr.loc[k].sum()), 0)
                    + cell(f"park_sectors.{k}.started", float(st.loc[k].sum()), 0)
                    + f"<td>{E(top)}</td>"
                    + cell(f"park_sectors.{k}.top_share", float(tot.loc[k, top] / total[k]), 2,
                           f"{tot.loc[k, top] / total[k]:.0%}")
                    + cell(f"park_sectors.{k}.leading_share", float(in_lead), 2, f"{in_lead:.0%}") + "</tr>")
    return html + table(T["head"], rows, "parks")
