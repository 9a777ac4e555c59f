"""HTML tables and sections of the report: headline numbers, plan targets, park indicators, levers,
assumptions and sources, and the manifest. Every number cell carries its raw value
(``data-key``/``data-value``) so tests can check the page against the result files."""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..noise import cost_of_mean
from ..summary import NO_JOBS, ZERO_COST
from .figures import fig_levers
from .i18n import bands_note, reason_text, unit_label
from .numbers import cost_per, fmt, mean, num, quantile, quarter
from .source import Source, park_name, read_csv, read_json

E = html.escape


def cell(key: str, value, digits: int = 2, text: str | None = None) -> str:
    """A number cell carrying its raw value (``data-key``/``data-value``) so it can be checked;
    shown as ``text`` when given (a percentage, a year), else with ``digits`` decimals."""
    raw = "" if value is None else repr(value) if isinstance(value, (int, float)) else str(value)
    shown = fmt(value, digits) if text is None else text
    return f'<td class="n" data-key="{E(key)}" data-value="{E(raw)}">{E(shown)}</td>'


def table(head: list[str], rows: list[str], cls: str = "") -> str:
    th = "".join(f"<th>{E(h)}</th>" for h in head)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure(uri: str | None, caption: str) -> str:
    if not uri:
        return ""
    return f'<figure><img src="{uri}" alt="{E(caption)}"><figcaption>{E(caption)}</figcaption></figure>'


def _is_assumption(text: str) -> bool:
    return "assumption" in (text or "").lower() or "假设" in (text or "") or "estimate" in (text or "").lower()


def _schedule(v) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {fmt(x, 4).rstrip('0').rstrip('.')}" for k, x in v.items())
    return fmt(v, 4).rstrip("0").rstrip(".") if v is not None else "—"


_TARGET_WORDS = {"zh": {"cities": "城市", "parks": "园区", "sectors": "行业", "parks_only": "仅限园区"},
                 "en": {"cities": "cities", "parks": "parks", "sectors": "sectors", "parks_only": "parks only"}}


def _target_text(tg: dict | None, lang: str = "en", geo: dict | None = None) -> str:
    """What a lever is aimed at, in ``lang``; parks by their Chinese names in the Chinese report."""
    if not tg:
        return ""
    W = _TARGET_WORDS[lang]
    parts = []
    for k in ("cities", "parks", "sectors"):
        if tg.get(k):
            items = [park_name(geo or {}, p, lang == "zh") for p in tg[k]] if k == "parks" else tg[k]
            parts.append(f"{W[k]}: {('、' if lang == 'zh' else ', ').join(map(str, items))}")
    if tg.get("parks_only"):
        parts.append(W["parks_only"])
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------------

INVESTMENT_LABELS = ("projects_signed", "investment_signed", "funds_arrived", "projects_producing",
                     "fixed_investment")


def headline_run(src: Source, T: dict) -> str:
    s = src.summary
    r = s["region"]
    base_y = int(s.get("base_year", 2022))
    end_y = s.get("last_period")
    rows = []
    for k, unit, dg in (("gdp", "亿元/year", 2), ("industrial_output", "亿元/year", 2), ("jobs", "persons", 0),
                        ("firms", "firms", 0)):
        rows.append(f"<tr><td>{E(T[k])}</td><td>{E(unit_label(unit, T))}</td>{cell(f'region.{k}_base', r.get(f'{k}_base'), dg)}"
                    f"{cell(f'region.{k}_end', r.get(f'{k}_end'), dg)}</tr>")
    # the investment economy (issue 14): real GDP and capital (base, end)
    for k, unit in (("gdp_real", "亿元/year"), ("capital", "亿元")):
        if r.get(f"{k}_base_yi") is not None:
            rows.append(f"<tr><td>{E(T[k])}</td><td>{E(unit_label(unit, T))}</td>"
                        f"{cell(f'region.{k}_base_yi', r.get(f'{k}_base_yi'), 2)}"
                        f"{cell(f'region.{k}_end_yi', r.get(f'{k}_end_yi'), 2)}</tr>")
    spent = r.get("fiscal_spending_total_yi")
    mon = s.get("money_levers") or {}
    for label, key, unit, val, dg in (
            ("projects_signed", "region.projects_signed_total", "projects", r.get("projects_signed_total"), 0),
            ("investment_signed", "region.investment_signed_total_yi", "亿元", r.get("investment_signed_total_yi"), 1),
            ("funds_arrived", "region.funds_arrived_total_yi", "亿元", r.get("funds_arrived_total_yi"), 1),
            ("projects_producing", "region.projects_producing_total", "projects", r.get("projects_producing_total"), 0),
            ("fixed_investment", "region.fixed_investment_total_yi", "亿元", r.get("fixed_investment_total_yi"), 1),
            ("arrivals", "region.arrivals_from_origin_regions_total", "firms", r.get("arrivals_from_origin_regions_total"), 0),
            ("induced", "region.induced_arrivals_total", "firms", r.get("induced_arrivals_total"), 0),
            ("jointly", "region.jointly_induced_arrivals_total", "firms", r.get("jointly_induced_arrivals_total"), 0),
            ("deadweight", "region.deadweight_arrivals_total", "firms", r.get("deadweight_arrivals_total"), 0),
            ("unpaid", "region.unpaid_arrivals_total", "firms", r.get("unpaid_arrivals_total"), 0),
            ("induced_jobs", "region.induced_jobs_end", "persons", r.get("induced_jobs_end"), 1),
            ("money_induced_jobs", "region.money_induced_jobs_end", "persons", r.get("money_induced_jobs_end"), 1),
            ("revenue", "region.fiscal_revenue_total_yi", "亿元", r.get("fiscal_revenue_total_yi"), 3),
            ("cost", "region.fiscal_spending_total_yi", "亿元", spent, 3),
            ("package_cost", "region.package_spending_total_yi", "亿元", r.get("package_spending_total_yi"), 3),
            ("cost_job", "money_levers.cost_per_induced_job_wan", "万元", mon.get("cost_per_induced_job_wan"), 2),
            ("cost_firm", "derived.cost_per_induced_firm_wan", "万元",
             cost_per(mon.get("spending_total_yi"), mon.get("induced_arrivals")), 2)):
        if val is None and label in INVESTMENT_LABELS:
            continue  # a run written before the investment economy
        rows.append(f"<tr><td>{E(T[label])}</td><td>{E(unit_label(unit, T))}</td><td></td>{cell(key, val, dg)}</tr>")
    head = [T["indicator"], T["unit"], f"{T['base']} {base_y}", f"{T['end']} {quarter(end_y)}"]
    return table(head, rows, "headline") + f"<p class='note'>{E(T['note.no_diff'])}</p>"


def headline_ensemble(src: Source, T: dict) -> str:
    reg = src.summary["region"]
    name = src.names[0]
    rows = []
    labels = {"gdp_end": ("gdp", "亿元/year", 2), "industrial_output_end": ("industrial_output", "亿元/year", 2),
              "jobs_end": ("jobs", "persons", 0), "induced_arrivals_total": ("induced", "firms", 1),
              "fiscal_spending_total_yi": ("cost", "亿元", 3)}
    for k, v in reg.items():
        lab, unit, dg = labels.get(k, (None, "", 2))
        text = T[lab] if lab else k
        rows.append(f"<tr><td>{E(text)}</td><td>{E(unit_label(unit, T))}</td>{cell(f'region.{k}.mean', v.get('mean'), dg)}"
                    f"{cell(f'region.{k}.p5', v.get('p5'), dg)}{cell(f'region.{k}.p95', v.get('p95'), dg)}</tr>")
    if src.runs[name]:
        sums = src.run_summaries(name)
        xs = [x["region"].get("arrivals_from_origin_regions_total") for x in sums]
        rows.append(f"<tr><td>{E(T['arrivals'])}</td><td>{E(unit_label('firms', T))}</td>"
                    f"{cell('runs.arrivals.mean', mean(xs), 0)}{cell('runs.arrivals.p5', quantile(xs, 5), 0)}"
                    f"{cell('runs.arrivals.p95', quantile(xs, 95), 0)}</tr>")
        rows.append(_ensemble_cost([x.get("money_levers") or {} for x in sums], T))
    head = [T["indicator"], T["unit"], T["mean"], "5%", "95%"]
    n = len(src.summary.get("seeds", []))
    return f"<p>{E(T['replicates'])}: {n}; {E(bands_note(src.summary, T))}</p>" + table(head, rows, "headline")


def _ensemble_cost(mon: list[dict], T: dict) -> str:
    """The money levers' cost per induced job over the ensemble's runs: the cost of the mean, or
    "未定义 (undefined): why" when induced jobs do not rise in every run (none is dropped); its
    5/95 % only when every run's own cost is defined."""
    c = cost_of_mean([m.get("spending_total_yi") or 0.0 for m in mon], [m.get("induced_jobs") or 0.0 for m in mon],
                     NO_JOBS, ZERO_COST)
    xs = [m.get("cost_per_induced_job_wan") for m in mon]
    every = c["value"] is not None and None not in xs
    if c["value"] is None:
        why = T["zero_cost"] if c["null_reason"] == ZERO_COST else f"{T['undefined']}: {reason_text(c['null_reason'], T)}"
        first = f'<td class="n" data-key="runs.cost_job.mean" data-value="">{E(why)}</td>'
    else:
        first = cell("runs.cost_job.mean", c["value"], 2)
    return (f"<tr><td>{E(T['cost_job'])}</td><td>{E(unit_label('万元', T))}</td>{first}"
            f"{cell('runs.cost_job.p5', quantile(xs, 5) if every else None, 2)}"
            f"{cell('runs.cost_job.p95', quantile(xs, 95) if every else None, 2)}</tr>")


CE_UNITS = {"spending_total_yi": "亿元", "money_spending_total_yi": "亿元", "spending_on_deadweight_yi": "亿元",
            "infrastructure_spending_total_yi": "亿元", "package_spending_total_yi": "亿元",
            "package_spending_total_pv_yi": "亿元", "induced_arrivals_pe": "firms",
            "deadweight_arrivals_pe": "firms", "unpaid_arrivals_pe": "firms", "jointly_induced_arrivals_pe": "firms",
            "money_induced_arrivals_pe": "firms", "induced_jobs_end_pe": "persons",
            "money_induced_jobs_end_pe": "persons", "cost_per_induced_firm_wan": "万元",
            "cost_per_induced_job_wan": "万元", "delta_jobs_end_ge": "persons", "delta_firms_end_ge": "firms",
            "delta_gdp_end_ge_yi": "亿元/year", "delta_revenue_total_ge_yi": "亿元",
            "delta_revenue_total_ge_pv_yi": "亿元", "cost_per_ge_job_wan": "万元", "fiscal_payback_year": "year"}


def headline_comparison(src: Source, T: dict) -> str:
    out = []
    # levels per scenario from the runs' summaries
    if all(src.runs[n] for n in src.names):
        rows = []
        for lab, unit, dg, get in (
                ("gdp", "亿元/year", 2, lambda r: r.get("gdp_end")),
                ("industrial_output", "亿元/year", 2, lambda r: r.get("industrial_output_end")),
                ("jobs", "persons", 0, lambda r: r.get("jobs_end")),
                ("arrivals", "firms", 1, lambda r: r.get("arrivals_from_origin_regions_total")),
                ("induced", "firms", 1, lambda r: r.get("induced_arrivals_total")),
                ("cost", "亿元", 3, lambda r: r.get("fiscal_spending_total_yi"))):
            cells = "".join(cell(f"levels.{n}.{lab}", mean([get(x["region"]) for x in src.run_summaries(n)]), dg)
                            for n in src.names)
            rows.append(f"<tr><td>{E(T[lab])}</td><td>{E(unit_label(unit, T))}</td>{cells}</tr>")
        out.append(f"<h3>{E(T['levels'])}</h3>"
                   + table([T["indicator"], T["unit"], *(src.title(n, T["lang"]) for n in src.names)], rows))
    ce = read_csv(src.folder / "cost_effectiveness.csv")
    cols = [c for c in CE_UNITS if ce and c in ce[0]]
    rows = []
    for c in cols:
        cells = ""
        for r in ce:
            # counts of firms: means over replicates, one decimal; persons whole; 亿元 three decimals
            dg = {"firms": 1, "persons": 0, "year": 0, "万元": 1}.get(CE_UNITS[c], 3 if c.endswith("_yi") else 2)
            v = num(r.get(c))
            shown = (lambda x: str(int(float(x)))) if CE_UNITS[c] == "year" else (lambda x, dg=dg: fmt(x, dg))  # 2028
            band = ""
            if num(r.get(c + "_p5")) is not None:
                band = f" ({shown(r[c + '_p5'])} – {shown(r[c + '_p95'])})"
            text = (shown(v) if v is not None else "—") + band
            if c.startswith("cost_per_"):
                text = _cost_text(text, v, r, c.removesuffix("_wan"), T)
            cells += (f'<td class="n" data-key="ce.{E(r["scenario"])}.{c}" data-value="{E(r.get(c, ""))}">'
                      f"{E(text)}</td>")
        rows.append(f"<tr><td>{E(T['ce.' + c])}</td><td>{E(unit_label(CE_UNITS[c], T))}</td>{cells}</tr>")
    head = [T["indicator"], T["unit"],
            *[f"{src.title(r['scenario'], T['lang'])} {T['mean']} ({_band_label(r, T)})" for r in ce]]
    out.append(f"<h3>{E(T['ce'])}</h3>" + table(head, rows, "headline")
               + f"<p class='note'>{E(T['note.pe_ge'])} {E(bands_note(src.summary, T))} {E(T['note.counts'])}</p>")
    return "".join(out)


def _band_label(r: dict, T: dict) -> str:
    """What the band of a ``cost_effectiveness.csv`` row is: 5–95 %, or min–max below 5 replicates."""
    kind = r.get("band_kind") or "p5-p95"
    return T["band"] if kind == "p5-p95" else T["noise.kind." + kind]


def _cost_text(text: str, v, r: dict, stem: str, T: dict) -> str:
    """A cost over replicates as shown: the number, or "未定义 (undefined): why" when it is null
    with a reason; the replicates whose own cost is undefined are said, never dropped."""
    why = r.get(stem + "_null_reason")
    k, n = num(r.get(stem + "_undefined_replicates")), num(r.get("n_replicates"))
    if v is None and why:
        return f"{T['undefined']}: {reason_text(why, T)}"
    if v is not None and k and n:
        return f"{text}; {T['undefined_in'].format(k=int(k), n=int(n))}"
    return text


def section_targets(src: Source, T: dict) -> str:
    """Plan targets: label, threshold, value and source in the report's language and the target's
    own terms (sim/outputs/report/plan.py)."""
    from . import plan
    lang = T["lang"]
    defs = {}  # target id -> its definition in the scenario (measure, place, years, label_zh, source_zh)
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        for t in ((man or {}).get("resolved_scenario") or {}).get("targets", []):
            defs.setdefault(t["id"], t)

    def spec(tid: str, row: dict) -> dict:
        return {**{k: row.get(k) for k in ("label", "year", "at_least", "at_most") if row.get(k) not in (None, "")},
                **defs.get(tid, {})}

    if src.kind == "run":
        rows = []
        for t in src.summary.get("targets", []):
            d = spec(t["id"], t)
            met = T["not_reached"] if t.get("met") is None else T["yes"] if t["met"] else T["no"]
            src_txt = plan.source(d, lang) or t.get("source", "")
            rows.append(f"<tr><td>{E(plan.label(d, lang))}</td><td>{t['year']}</td><td class='nw'>{E(plan.threshold(d, lang))}</td>"
                        f"{cell('target.' + t['id'], t.get('value'), 4, plan.value(t.get('value'), d.get('measure', ''), lang))}"
                        f"<td>{E(met)}</td>"
                        f"<td class='{'assumption' if _is_assumption(src_txt) else ''}'>{E(src_txt)}</td></tr>")
        if not rows:
            return ""
        return table([T["target"], T["year"], T["threshold"], T["value"], T["met"], T["mark"]], rows)
    rows = []
    for r in read_csv(src.folder / "targets.csv"):
        d = spec(r["target"], r)
        p = num(r.get("probability_met"))
        scen = r.get("scenario", src.names[0])
        meas = d.get("measure", "")
        qs = " / ".join(plan.value(r.get(k), meas, lang, mean=True) for k in ("value_p5", "value_p50", "value_p95"))
        ptxt = T["not_reached"] if p is None else f"{p:.0%}"
        key = f"target.{scen}.{r['target']}"
        s_txt = plan.source(d, lang)
        rows.append(f"<tr><td>{E(src.title(scen, T['lang']))}</td><td>{E(plan.label(d, lang))}</td><td>{E(r['year'])}</td>"
                    f"<td class='nw'>{E(plan.threshold(d, lang))}</td>"
                    f'<td class="n" data-key="{E(key)}" data-value="{E(r.get("probability_met", ""))}">{E(ptxt)}</td>'
                    f"<td class='n'>{E(qs)}</td>"
                    f"<td class='{'assumption' if _is_assumption(s_txt) else ''}'>{E(s_txt)}</td></tr>")
    if not rows:
        return ""
    return table([T["scenario"], T["target"], T["year"], T["threshold"], T["prob"], T["value_q"], T["mark"]], rows)


def section_levers(src: Source, T: dict, lang_fig: dict, geo: dict | None = None) -> str:
    out = []
    names = src.names[1:] if src.kind == "comparison" else src.names
    for n in names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        levers = (man.get("resolved_scenario") or {}).get("levers", [])
        out.append(f"<h3>{E(T['scenario'])}: {E(src.title(n, T['lang']))}</h3>")
        if not levers:
            out.append(f"<p>{E(T['no_levers'])}</p>")
            continue
        spent, jobs = {}, {}
        for s in src.run_summaries(n):
            for lid, v in (s.get("levers") or {}).items():
                spent.setdefault(lid, []).append(v.get("spending_total_yi"))
                jobs.setdefault(lid, []).append(v.get("induced_jobs"))
        rows = []
        for lv in levers:
            srct = lv.get("source", "")
            rng = lv.get("range")
            rng_t = f"{rng[0]:g} – {rng[1]:g}" if rng else "—"
            mark = T["assumption"] if _is_assumption(srct) else T["sourced"]
            rows.append(
                f"<tr><td>{E(lv['id'])}</td><td>{E(lv['kind'])}</td><td>{E(lv.get('label', ''))}</td>"
                f"<td>{E(_schedule(lv.get('value')))} {E(lv.get('unit') or '')}</td>"
                f"<td>{E(_target_text(lv.get('target'), T['lang'], geo))}</td><td>{E(lv.get('applies_to', ''))}</td>"
                f"<td>{E(_schedule(lv.get('years')) if lv.get('years') else '—')}</td>"
                f"<td>{E(_schedule(lv.get('budget_wan_per_year')) if lv.get('budget_wan_per_year') is not None else '—')}</td>"
                + cell(f"lever.{n}.{lv['id']}.spending", mean(spent.get(lv["id"], [])), 3)
                + cell(f"lever.{n}.{lv['id']}.induced_jobs", mean(jobs.get(lv["id"], [])), 1)
                + _lever_cost(f"lever.{n}.{lv['id']}.cost_per_induced_job_wan", spent.get(lv["id"], []),
                              jobs.get(lv["id"], []), T)
                + f"<td>{E(rng_t)}</td><td class='{'assumption' if mark == T['assumption'] else ''}'>"
                  f"<b>{E(mark)}</b>: {E(srct)}</td></tr>")
        out.append(table([T["lever"], T["kind"], T["label"], T["schedule"], T["target_of"], T["applies"],
                           T["years_benefit"], T["budget"], T["spending"], T["lever_jobs"], T["lever_cost"],
                           T["range"], T["mark"]], rows))
        out.append(figure(fig_levers(src.frames(n)[0], src.title(n, lang_fig["lang"]), lang_fig),
                          f"{T['fig.levers']}: {src.title(n, T['lang'])}"))
        out.append(f"<p class='note'>{E(T['note.first_rep'])}</p>")
    return "".join(out)


def _lever_cost(key: str, spent: list, jobs: list, T: dict) -> str:
    """A lever's cost per induced job (万元) over its replicates' spending and induced jobs, or why
    there is none (docs/model.md §Attribution): the cost of the mean only when the jobs' band
    excludes zero (sim/outputs/noise.py ``cost_of_mean``, as compare's cost_per_lever.csv)."""
    pairs = [(s, j) for s, j in zip(spent, jobs) if s is not None and j is not None]
    if not pairs:
        return cell(key, None)
    c = cost_of_mean([s for s, _ in pairs], [j for _, j in pairs], NO_JOBS, ZERO_COST)
    if c["null_reason"] == ZERO_COST:
        return f'<td class="n" data-key="{E(key)}" data-value="">{E(T["zero_cost"])}</td>'
    if c["value"] is None:
        why = T["no_jobs"] if len(pairs) == 1 else f"{T['undefined']}: {reason_text(c['null_reason'], T)}"
        return f'<td class="n" data-key="{E(key)}" data-value="">{E(why)}</td>'
    return cell(key, c["value"], 2)


def section_assumptions(src: Source, T: dict) -> str:
    out = []
    seen_data = set()
    prev_params = None
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        rs = man.get("resolved_scenario") or {}
        out.append(f"<h3>{E(T['scenario'])}: {E(src.title(n, T['lang']))}</h3>")
        # targets, new parks, anchors, transport projects
        rows = []
        from . import plan
        zh = T["lang"] == "zh"
        for t in rs.get("targets", []):
            rows.append(("target", t["id"], plan.label(t, T["lang"]), plan.source(t, T["lang"])))
        for p in rs.get("new_parks", []):
            pid = p.get("name_zh") if zh and p.get("name_zh") else p["id"]  # no pinyin id in the Chinese report
            what = (f"{p.get('name_zh', '')}，{p.get('capacity_ha', '')} 公顷，{p.get('opens', '')} 起开放" if zh else
                    f"{p.get('name_zh', '')}, {p.get('capacity_ha', '')} ha, opens {p.get('opens', '')}")
            rows.append(("new park", pid, what, p.get("source", "")))
            if p.get("investment_yi") is not None:
                rows.append(("new park", pid, f"{p['investment_yi']:g} 亿元 {p.get('investment_payers', '')}",
                             p.get("investment_source", "")))
        for a in rs.get("anchors", []):
            rows.append(("anchor", a.get("id", ""), a.get("label", a.get("name_zh", "")), a.get("source", "")))
        proj = {}
        for r in read_csv(Path(str(man.get("data_dir", ""))) / "projects.csv"):
            proj.setdefault(r["id"], r)
        costs = {r["id"]: r for r in read_csv(Path(str(man.get("data_dir", ""))) / "project_costs.csv")}
        for pid in rs.get("transport_projects", []):
            r = proj.get(pid, {})
            rows.append(("transport project", pid, r.get("name_zh", ""), r.get("source", "(projects.csv missing)")))
            c = costs.get(pid)
            if c:
                what = (f"{c.get('investment_yi', '')} 亿元 (central {c.get('central_share', '')}, "
                        f"province {c.get('province_share', '')}, city {c.get('city_share', '')})")
                rows.append(("transport project", pid, what, c.get("source", "")))
        if rows:
            out.append(f"<h4>{E(T['other_items'])}</h4>")
            out.append(table([T["kind"], "id", T["label"], T["mark"]], [
                f"<tr><td>{E(T['item.' + k])}</td><td>{E(i)}</td><td>{E(lab)}</td>"
                f"<td class='{'assumption' if _is_assumption(s) else ''}'>{E(s)}</td></tr>"
                for k, i, lab, s in rows]))
        # parameters
        params = rs.get("parameters") or {}
        out.append(f"<h4>{E(T['params'])}</h4>")
        if prev_params is not None and params == prev_params[1]:
            out.append(f"<p>{E(T['same_params'].format(n=src.title(prev_params[0], T['lang'])))}</p>")
        else:
            out.append(_params_table(params, T))
        prev_params = (n, params)
        # data files (once per data folder)
        dd = str(man.get("data_dir", ""))
        if dd in seen_data:
            continue
        seen_data.add(dd)
        out.append(f"<h4>{E(T['data_rows'])} ({E(dd)})</h4>")
        hashes = man.get("data_hashes") or {}
        for fname in sorted(hashes):
            path = Path(dd) / fname
            rows_all = read_csv(path)
            flagged = [r for r in rows_all if str(r.get("estimate", "")).strip().lower() in ("true", "1", "yes")]
            state = _file_state(path, hashes[fname], T)
            cols = [c for c in (rows_all[0].keys() if rows_all else []) if c not in ("source", "estimate")
                    and not (T["lang"] == "zh" and c == "id" and "name_zh" in rows_all[0])][:4]
            body = "".join(
                f"<tr><td>{E(' · '.join(str(r.get(c, '')) for c in cols))}</td>"
                f"<td class='assumption'>{E(r.get('source', ''))}</td></tr>" for r in flagged)
            summ = f"{fname}: {len(flagged)} {T['rows_flagged'].format(m=len(rows_all))} — {state}"
            out.append(f"<details><summary>{E(summ)}</summary>"
                       + (table([" · ".join(cols), T["mark"]], [body]) if flagged else "") + "</details>")
    return "".join(out)


def _params_table(params: dict, T: dict) -> str:
    from ...scenario import Parameters
    fields = Parameters.model_fields
    prow = []
    for k, v in params.items():
        f = fields.get(k)
        dflt = f.default if f is not None else None
        val = E(str(v))
        prow.append(f"<tr><td>{E(k)}</td><td class='n'>{'<b>' + val + '</b>' if f is not None and v != dflt else val}"
                    f"</td><td class='n'>{E(str(dflt))}</td><td>{E(f.description if f else '')}</td></tr>")
    return (f"<p class='note'>{E(T['params_note'])}</p>"
            + table([T["param"], T["value"], T["default"], T["description"]], prow))


def _file_state(path: Path, want: str, T: dict) -> str:
    import hashlib
    try:
        got = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return T["hash_changed"]
    return T["hash_ok"] if got == want else T["hash_changed"]


MANIFEST_KEYS = ("scenario_path", "scenario_hash", "seed", "until", "overrides", "git_commit", "code_hash",
                 "started", "finished", "command", "checked", "data_dir")


def section_manifest(src: Source, T: dict) -> str:
    out = []
    s = src.summary
    if src.kind != "run":
        rows = [f"<tr><td>{E(T['seed'])}</td><td>{E(json.dumps(s.get('seeds')))}</td></tr>",
                f"<tr><td>{E(T['until'])}</td><td>{E(str(s.get('until')))}</td></tr>",
                f"<tr><td>{E(T['overrides'])}</td><td>{E(json.dumps(s.get('overrides', []), ensure_ascii=False))}</td></tr>"]
        out.append(table([T["manifest_key"], T["value"]], rows, "meta"))
        rrows = []
        for n in src.names:
            for p in src.runs[n]:
                m = read_json(p / "manifest.json", "manifest of a run")
                rrows.append(f"<tr><td>{E(n)}</td><td>{E(p.name)}</td><td>{E(str(m.get('seed')))}</td>"
                             f"<td>{E(str(m.get('scenario_hash', ''))[:12])}</td>"
                             f"<td>{E(str(m.get('code_hash', ''))[:12])}</td><td>{E(str(m.get('git_commit', ''))[:12])}</td></tr>")
        out.append(f"<h3>{E(T['runs'])}</h3>")
        out.append(table([T["scenario"], "folder", T["seed"], "scenario_hash", "code_hash", "git_commit"], rrows))
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        rows = [f"<tr><td>{E(k)}</td><td>{E(json.dumps(man.get(k), ensure_ascii=False))}</td></tr>"
                for k in MANIFEST_KEYS if k in man]
        rows += [f"<tr><td>{E(k)}</td><td>{E(str(v))}</td></tr>" for k, v in (man.get("packages") or {}).items()]
        rows += [f"<tr><td>{E(k)}</td><td>{E(str(v))}</td></tr>" for k, v in (man.get("environment") or {}).items()]
        out.append(f"<h3>{E(T['scenario'])}: {E(src.title(n, T['lang']))} ({E(n)})</h3>"
                   + table([T["manifest_key"], T["value"]], rows, "meta"))
        out.append(f"<details><summary>{E(T['full_manifest'])}</summary><pre>"
                   f"{E(json.dumps(man, ensure_ascii=False, indent=1, default=str))}</pre></details>")
    return "".join(out)
