"""The report's section on city governments (issue 17): for each scenario whose runs hold a
``decisions.csv`` (``city_policy: compete`` or ``coordinate``; sim/policy/governments.py), per acting
city the rates it set — the mean over the sectors it governs of its land discount and tax rebate
(shares) in the first and the last year it decided, and the highest — how many times it raised and
lowered a rate and why, and what it spent in its last year (万元), averaged over the replicates."""

from __future__ import annotations

from .source import Source
from .tables import E, cell, table

TEXT = {
    "zh": {"head": ["城市", "首年", "末年", "用地折扣均值（首年→末年）", "税收返还均值（首年→末年）",
                    "最高费率", "上调次数", "下调次数", "末年支出（万元）"],
           "intro": ("城市政府每年第一季度根据可观察的信息（本市与邻市按行业的签约项目、本市支出与预算）"
                     "调整本市的用地折扣与税收返还（规则见 docs/model.md §City governments）。下表为各重复运行的平均；"
                     "完整的逐年决策记录见各运行目录的 decisions.csv。"),
           "reasons": "调整原因（次数）", "by": "行为"},
    "en": {"head": ["city", "first year", "last year", "land discount, mean (first → last)",
                    "tax rebate, mean (first → last)", "highest rate", "raises", "cuts", "spending, last year (万元)"],
           "intro": ("Each year, in its first quarter, a city government revises its land discount and tax "
                     "rebate from what it can observe (its own and its neighbours' signed projects by sector, "
                     "its spending and budget; rules in docs/model.md §City governments). Means over the "
                     "replicates; every decision is in each run's decisions.csv."),
           "reasons": "reasons (count)", "by": "behaviour"},
}


# the decisions log's reasons (sim/policy/governments.py), in the report's language
REASONS = {"zh": {"lost share to neighbours": "本市在该行业的签约份额下降",
                  "neighbours signed, we did not": "邻市签约而本市未签",
                  "above ceiling": "每个签约项目的支出超过上限"}}


def _decisions(src: Source, name: str):
    import pandas as pd
    frames = []
    for k, run in enumerate(src.runs.get(name) or []):
        f = run / "decisions.csv"
        if f.is_file():
            d = pd.read_csv(f)
            if len(d):
                frames.append(d.assign(replicate=k))
    return pd.concat(frames, ignore_index=True) if frames else None


def section_governments(src: Source, lang: str) -> str:
    """The section's HTML, empty when no run of the folder has governments that decided."""
    T = TEXT["zh" if lang == "zh" else "en"]
    parts = []
    for name in src.names:
        d = _decisions(src, name)
        if d is None:
            continue
        rows = []
        for city, g in d.groupby("city", sort=False):
            y0, y1 = int(g.year.min()), int(g.year.max())

            def mean_rate(kind: str, year: int, g=g) -> float:
                x = g[(g.kind == kind) & (g.year == year)]
                return float(x.new.mean()) if len(x) else float("nan")
            n_rep = max(int(g.replicate.nunique()), 1)
            spent = g[g.year == y1].groupby("replicate").spending_wan.first().mean()
            cells = [f"<td>{E(city)}</td>", cell(f"{name}.{city}.y0", y0, text=str(y0)),
                     cell(f"{name}.{city}.y1", y1, text=str(y1))]
            for kind in ("land_discount", "tax_rebate"):
                a, b = mean_rate(kind, y0), mean_rate(kind, y1)
                cells.append(cell(f"{name}.{city}.{kind}", b, text=f"{a:.2f} → {b:.2f}"))
            cells += [cell(f"{name}.{city}.max", float(g.new.max()), 2),
                      cell(f"{name}.{city}.raises", (g.new > g.old).sum() / n_rep, 1),
                      cell(f"{name}.{city}.cuts", (g.new < g.old).sum() / n_rep, 1),
                      cell(f"{name}.{city}.spent", float(spent), 0)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        reasons = d[d.new != d.old].reason.value_counts()
        words = REASONS.get(lang, {})
        why = "; ".join(f"{words.get(r, r)}: {n / max(int(d.replicate.nunique()), 1):.0f}"
                        for r, n in reasons.items())
        parts.append(f"<h3>{E(src.title(name, lang))}</h3>" + table(T["head"], rows)
                     + f"<p class='note'>{E(T['reasons'])}: {E(why or '—')}</p>")
    if not parts:
        return ""
    return f"<p>{E(T['intro'])}</p>" + "".join(parts)
