"""The report's table of the scenario's known projects (sim/outputs/known.py): for a run, each one's
stage at the end and when it reached 投产; for an ensemble, its probability of reaching 投产 by the
end of each year over the replicates."""
from __future__ import annotations

from .source import park_name, places
from .tables import E, cell, table

WORDS = {
    "zh": {"heading": "已知项目（城市项目清单）：到各年末实现投产的概率", "project": "项目", "park": "园区",
           "invest": "投资（亿元）", "stage": "录入阶段与日期", "end": "期末阶段", "from": "投产时间",
           "note": "每个项目自其录入阶段和日期起进入项目流程，之后与模型中其他项目一样按阶段概率推进、退出，"
                   "开工需园区有可用土地。概率为各次重复模拟中到该年末已投产（含达产、投产后关闭）的比例。"},
    "en": {"heading": "Known projects (the city's list): probability of 投产 by the end of each year",
           "project": "Project", "park": "Park", "invest": "Investment (亿元)", "stage": "Stage and date given",
           "end": "Stage at the end", "from": "投产 from",
           "note": "Each project enters the pipeline at its stage on its date, then advances and drops "
                   "out by the same stage hazards as every project; it starts (开工) only on free park "
                   "land. Probability: the share of replicates in which it has reached 投产 (or 达产, or "
                   "closed after 投产) by the end of the year."},
}


def section_known(src, lang: str) -> tuple[str, str] | None:
    """(heading, body) of the known projects' table, or None when the scenario has none."""
    W = WORDS[lang]
    kp = (src.summary or {}).get("known_projects") or {}
    if not kp or src.kind == "comparison":
        return None
    note = f"<p class='note'>{E(W['note'])}</p>"
    geo = places(src.manifest(src.names[0]) if src.runs.get(src.names[0]) else None)
    if src.kind == "run":
        rows = [f"<tr><td>{E(v['name_zh'])}</td><td>{E(park_name(geo, v['park'], lang == 'zh'))}</td>{cell('known.' + k + '.invest', v['investment_yi'])}"
                f"<td>{E(v['stage_given'])} {E(v['date'])}</td><td>{E(v.get('stage_end') or '')}</td>"
                f"{cell('known.' + k + '.from', v.get('producing_from'), 2)}</tr>" for k, v in kp.items()]
        return W["heading"], note + table([W["project"], W["park"], W["invest"], W["stage"], W["end"], W["from"]], rows)
    years = sorted({y for v in kp.values() for y in (v.get("probability_producing_by_year") or {})})
    rows = []
    for k, v in kp.items():
        p = v.get("probability_producing_by_year") or {}
        cells = "".join(
            f'<td class="n" data-key="known.{E(k)}.{y}" data-value="{E(repr(p[y]) if y in p else "")}">'
            f'{E(f"{p[y]:.0%}" if y in p else "")}</td>' for y in years)
        rows.append(f"<tr><td>{E(v['name_zh'])}</td><td>{E(park_name(geo, v['park'], lang == 'zh'))}</td>"
                    f"{cell('known.' + k + '.invest', v['investment_yi'])}<td>{E(v['stage_given'])} {E(v['date'])}</td>"
                    f"{cells}</tr>")
    return W["heading"], note + table([W["project"], W["park"], W["invest"], W["stage"], *years], rows)
