"""The comparison's headline paragraph (issue 16), generated from the numbers, in Chinese and
English: ``summary.json`` ``headline_zh`` / ``headline_en`` (one paragraph per policy, separated by
a blank line) and the numbers it says, ``headline_numbers.<policy>``; the report shows it first.

Per policy, from the comparison's own results (never typed in):

* **spends**: the package's spending over the run, levers and public investment, every payer
  (``package_spending_total_yi``, mean over replicates, 亿元; of which levers
  ``spending_total_yi`` and public investment ``infrastructure_spending_total_yi``);
* **buys**: ΔGDP of the zone's cities (``sim.outputs.noise.HEADLINE_PLACES``: 四平, 辽源, 通化)
  at the last period of 2030 and at the last period of the run (亿元/year): per replicate pair k
  the sum over the cities of policy_k − baseline_k (``differences.parquet`` rows ``gdp``), then
  mean and band over the pairs (``noise.band``: 5–95 %, min–max below 5 replicates); and the same
  as a share of the baseline's GDP of those cities (mean over replicates);
* **how**: the zone cities' change in industrial output at the last period, policy − baseline, by
  channel (``effects.<policy>.decomposition``, docs/model.md §Decomposition): **births** = output
  of firms born after the base year, i.e. projects reaching 投产 (and anchors); **relocations** =
  firms that moved in minus those that moved out; the rest is incumbents' growth and exits;
* **who loses**: every city of the study area outside the zone whose mean ΔGDP at the end
  rounds below zero, largest loss first (at most ``MAX_LOSERS`` named, the others counted), with
  the study area's total;
* **noise**: whether the zone's ΔGDP band at the end covers zero (``indistinguishable_from_noise``
  of ``noise.band``): then the paragraph says it is not distinguishable from noise; with one
  replicate it says noise cannot be judged.
"""

from __future__ import annotations

import math

import numpy as np

from .noise import HEADLINE_PLACES, band

MAX_LOSERS = 3
MID_YEAR = 2030


def _gdp_rows(dd, policy: str):
    d = dd[(dd.scenario == policy) & (dd.measure == "gdp") & (dd.sector == "") & (dd.origin == "")
           & (dd.lever == "")]
    for col in ("investor_origin", "channel"):
        if col in d.columns:
            d = d[d[col] == ""]
    return d


def _at(d, year: float, places) -> dict:
    """ΔGDP summed over ``places`` at period ``year``, per replicate: band, and the baseline level."""
    x = d[(np.isclose(d.year, year)) & d.place.isin(list(places))]
    by = x.groupby("replicate")
    diff = by.difference.sum().sort_index()
    base = by.value_base.sum()
    out = band(list(diff.values), 2)
    lvl = float(base.mean()) if len(base) else float("nan")
    out["baseline_yi"] = round(lvl, 2) if math.isfinite(lvl) else None
    out["share_of_baseline"] = (round(out["mean"] / lvl, 4) if out["mean"] is not None and lvl > 0 else None)
    out["period"] = float(year)
    return out


def _channels(decomp: dict, places) -> dict:
    """Zone cities' Δ industrial output at the last period by channel (mean over replicates)."""
    out = {}
    for ch in ("births", "relocations", "incumbents", "exits", "total"):
        reps = [decomp.get(c, {}).get("output_change", {}).get(ch, {}).get("replicates") for c in places]
        reps = [r for r in reps if r]
        if reps:
            out[ch] = round(float(np.mean(np.sum(np.array(reps, dtype=float), axis=0))), 2)
    return out


def headline_numbers(dd, effects: dict, policy: str, cities: list[str]) -> dict:
    """The numbers of one policy's paragraph (module docstring), from the difference rows ``dd`` of
    every replicate pair (``differences.parquet``) and ``effects[policy]`` of ``summary.json``."""
    zone = [c for c in HEADLINE_PLACES if c != "region" and c in cities]
    d = _gdp_rows(dd, policy)
    years = np.sort(d.year.unique())
    end = float(years.max())
    mid = [y for y in years if math.floor(y + 1e-9) == MID_YEAR and y < end]
    at = {}
    if mid:
        at[str(MID_YEAR)] = _at(d, float(max(mid)), zone)
    at["end"] = _at(d, end, zone)
    others = [c for c in cities if c not in zone]
    losers = []
    for c in others:
        b = _at(d, end, [c])
        if b["mean"] is not None and round(b["mean"], 1) < 0:
            losers.append({"city": c, **{k: b[k] for k in ("mean", "p5", "p95", "indistinguishable_from_noise")}})
    losers.sort(key=lambda r: r["mean"])
    m = effects[policy]["mean"]
    return {
        "zone": zone, "end_year": math.floor(end + 1e-9), "n_replicates": at["end"]["n_replicates"],
        "band_kind": at["end"]["band_kind"],
        "spending": {k: m.get(k) for k in ("package_spending_total_yi", "spending_total_yi",
                                           "infrastructure_spending_total_yi")},
        "first_year": math.floor(float(years.min()) + 1e-9),
        "zone_gdp": at, "zone_output_channels": _channels(effects[policy].get("decomposition") or {}, zone),
        "losers": losers, "region_gdp_end": _at(d, end, ["region"]),
    }


# ------------------------------------------------------------------------------------------------
# words
# ------------------------------------------------------------------------------------------------

def _s(v, dg: int = 1) -> str:
    """A signed amount: +1.2, −3.4 (a real minus sign), 0.0."""
    r = round(float(v), dg)
    if r == 0:
        return f"{0:.{dg}f}"
    return f"{'+' if r > 0 else '−'}{abs(r):,.{dg}f}"


def _band(b: dict, lang: str) -> str:
    if b.get("p5") is None:
        return ""
    lo, hi = _s(b["p5"]), _s(b["p95"])
    return f"区间 {lo} 至 {hi}" if lang == "zh" else f"band {lo} to {hi}"


def _pct(b: dict) -> str:
    s = b.get("share_of_baseline")
    return "" if s is None else f"{_s(100 * s)}%"


def _paren(items, lang: str) -> str:
    """The non-empty ``items`` in brackets: （a，b） or (a, b); nothing when there are none."""
    items = [x for x in items if x]
    if not items:
        return ""
    return f"（{'，'.join(items)}）" if lang == "zh" else f" ({', '.join(items)})"


def _join(items: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def paragraph(nums: dict, title: str, base_title: str, lang: str, city_names: dict | None = None) -> str:
    """One policy's headline paragraph in ``lang`` (zh, en) from ``headline_numbers``.
    ``city_names``: city id → English name (en)."""
    zh = lang == "zh"
    cn = (lambda c: c) if zh else (lambda c: (city_names or {}).get(c, c))
    zone = _join([cn(c) for c in nums["zone"]], lang)
    sp = nums["spending"]
    y0, y1 = nums["first_year"], nums["end_year"]
    n, kind = nums["n_replicates"], nums["band_kind"]
    out = []
    pkg, lev, inf = sp.get("package_spending_total_yi"), sp.get("spending_total_yi"), \
        sp.get("infrastructure_spending_total_yi")
    if zh:
        s = f"“{title}”与“{base_title}”相比：{y0}–{y1}年共投入 {pkg or 0:,.1f} 亿元"
        if inf:
            s += f"（政策工具 {lev or 0:,.1f} 亿元，公共投资 {inf:,.1f} 亿元，各出资方合计）"
        out.append(s + "。")
    else:
        s = f"“{title}” against “{base_title}”: the package spends {pkg or 0:,.1f} 亿元 over {y0}–{y1}"
        if inf:
            s += f" ({lev or 0:,.1f} on levers, {inf:,.1f} public investment, every payer)"
        out.append(s + ".")
    parts = []
    for key, b in nums["zone_gdp"].items():
        yr = y1 if key == "end" else int(key)
        if b["mean"] is None:
            continue
        extra = _paren([_pct(b), _band(b, lang)], lang)
        parts.append(f"{yr}年 {_s(b['mean'])} 亿元/年{extra}" if zh else
                     f"{_s(b['mean'])} 亿元/year in {yr}{extra}")
    if parts:
        if zh:
            out.append(f"{zone}的地区生产总值比基准情景：" + "；".join(parts) + "。")
        else:
            out.append(f"It changes the GDP of {zone} by " + "; ".join(parts) + " against the baseline.")
    ch = nums["zone_output_channels"]
    if ch.get("total") is not None:
        rest = round(ch.get("incumbents", 0.0) + ch.get("exits", 0.0), 2)
        if zh:
            out.append(f"{y1}年这些城市的工业总产值变化 {_s(ch['total'])} 亿元/年，其中新建项目投产（新设企业）"
                       f"{_s(ch.get('births', 0))} 亿元，企业迁入（迁入减迁出）{_s(ch.get('relocations', 0))} 亿元，"
                       f"在位企业增长与退出 {_s(rest)} 亿元。")
        else:
            out.append(f"Their industrial output changes by {_s(ch['total'])} 亿元/year in {y1}: "
                       f"{_s(ch.get('births', 0))} from new projects reaching 投产 (firms born after the base "
                       f"year), {_s(ch.get('relocations', 0))} from relocations (in minus out) and {_s(rest)} from "
                       f"incumbents' growth and exits.")
    losers = nums["losers"]
    reg = nums["region_gdp_end"]
    named = losers[:MAX_LOSERS]
    if named:
        noisy = "无法与噪声区分" if zh else "not distinguishable from noise"
        items = [f"{cn(r['city'])} {_s(r['mean'])}" + _paren([noisy if r["indistinguishable_from_noise"] else ""], lang)
                 for r in named]
        more = losers[len(named):]
        rest = _s(sum(r["mean"] for r in more))
        if zh:
            s = f"{y1}年地区生产总值低于基准情景的城市：" + "、".join(items) + " 亿元/年"
            s += f"，另有 {len(more)} 个城市合计 {rest} 亿元/年" if more else ""
        else:
            s = f"Cities whose GDP is below the baseline in {y1}: " + "; ".join(items) + " 亿元/year"
            s += f"; {len(more)} more together {rest} 亿元/year" if more else ""
    else:
        s = (f"{y1}年没有其他城市的地区生产总值低于基准情景" if zh else
             f"No other city's GDP is below the baseline in {y1}")
    if reg["mean"] is not None:
        noisy = ("无法与噪声区分" if zh else "not distinguishable from noise") \
            if reg.get("indistinguishable_from_noise") else ""
        s += (f"；研究区合计 {_s(reg['mean'])} 亿元/年" if zh else
              f"; the study area as a whole: {_s(reg['mean'])} 亿元/year") + _paren([_band(reg, lang), noisy], lang)
    s += "。" if zh else "."
    out.append(s)
    end = nums["zone_gdp"]["end"]
    flag = end.get("indistinguishable_from_noise")
    band_words = {"min-max": ("区间为 {n} 次重复的最小–最大值", "bands are the min–max of {n} replicates"),
                  "p5-p95": ("区间为 {n} 次重复的 5%–95% 分位数", "bands are the 5–95% of {n} replicates")}
    if flag is None:
        out.append(f"只有 {n} 次重复，无法判断这一差值能否与随机噪声区分。" if zh else
                   f"With {n} replicate the noise cannot be judged: no difference can be told apart from it.")
    elif flag:
        out.append(f"{y1}年{zone}的差值区间包含零：无法与随机噪声区分（{band_words[kind][0].format(n=n)}）。" if zh else
                   f"The band of {zone}'s difference in {y1} covers zero: it is not distinguishable from "
                   f"noise ({band_words[kind][1].format(n=n)}).")
    else:
        out.append(f"{y1}年{zone}的差值区间不含零：可与随机噪声区分（{band_words[kind][0].format(n=n)}）。" if zh else
                   f"The band of {zone}'s difference in {y1} excludes zero: it is distinguishable from noise "
                   f"({band_words[kind][1].format(n=n)}).")
    return "".join(out) if zh else " ".join(out)


def headlines(dd, effects: dict, policies: list[str], base: str, cities: list[str], titles: dict,
              city_names_en: dict) -> dict:
    """``summary.json``'s ``headline_zh``, ``headline_en`` and ``headline_numbers`` (one paragraph
    per policy, blank line between). ``titles``: name → {zh, en} or None."""
    def title(n, lang):
        t = titles.get(n) or {}
        return t.get(lang) or t.get("en" if lang == "zh" else "zh") or n
    nums = {p: headline_numbers(dd, effects, p, cities) for p in policies}
    return {f"headline_{lang}": "\n\n".join(paragraph(nums[p], title(p, lang), title(base, lang), lang, city_names_en)
                                            for p in policies) for lang in ("zh", "en")} | {"headline_numbers": nums}


def city_names_en(data_dir) -> dict:
    """City id → English name from the data's ``cities.csv`` (``name_en`` without its bracketed
    note: "Changchun (incl. 公主岭)" → "Changchun"); empty when it cannot be read."""
    import csv
    from pathlib import Path
    try:
        with open(Path(data_dir) / "cities.csv", newline="", encoding="utf-8") as fh:
            return {r["id"]: (r.get("name_en") or r["id"]).split(" (")[0].strip() for r in csv.DictReader(fh)}
    except (OSError, KeyError, csv.Error):
        return {}
