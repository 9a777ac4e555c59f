"""The comparison's difference table with its noise (issue 15; sim/outputs/noise.py for the
rules): per policy, the headline differences at the last period (ΔGDP and Δjobs for the study area
and the zone's cities, ``summary.json`` ``effects.<policy>.headline``) and the other GE differences
of ``cost_effectiveness.csv`` — mean, band (5–95 %, or min–max below 5 replicates), share of
replicates with each sign, whether the band covers zero, and the replicates a stated precision
needs — then a plain sentence for every difference the noise could have made, and what the bands
carry (``noise.band_sources``). Cells carry ``data-key``/``data-value`` like the other tables."""

from __future__ import annotations

from .i18n import unit_label
from .numbers import fmt, num
from .source import Source, read_csv
from .tables import CE_UNITS, E, cell, table

HEADLINE_LABELS = {"gdp": "ce.delta_gdp_end_ge_yi", "jobs": "ce.delta_jobs_end_ge"}
SHOWN_ELSEWHERE = ("delta_gdp_end_ge_yi", "delta_jobs_end_ge")  # the region's headline rows


def _flag(v) -> bool | None:
    if isinstance(v, bool) or v is None:
        return v
    return {"True": True, "False": False, "true": True, "false": False}.get(str(v))


def _ce_rows(r: dict) -> list[tuple[str, str, str, dict]]:
    """(key, label key, unit, stats) of the GE differences of one ``cost_effectiveness.csv`` row."""
    out = []
    for k, unit in CE_UNITS.items():
        if not k.startswith("delta_") or k in SHOWN_ELSEWHERE or k not in r:
            continue
        out.append((k, f"ce.{k}", unit, {
            "mean": num(r.get(k)), "p5": num(r.get(k + "_p5")), "p95": num(r.get(k + "_p95")),
            "share_positive": num(r.get(k + "_share_positive")),
            "share_negative": num(r.get(k + "_share_negative")),
            "indistinguishable_from_noise": _flag(r.get(k + "_indistinguishable_from_noise")),
            "n_needed": None}))
    return out


def _row(key: str, pol: str, what: str, place: str, unit: str, h: dict, T: dict, dg: int) -> str:
    flag = _flag(h.get("indistinguishable_from_noise"))
    flag_text = "—" if flag is None else T["noise.flag_yes"] if flag else T["noise.flag_no"]
    cls = " class='warn'" if flag else ""
    band = ("—" if h.get("p5") is None else f"{fmt(h['p5'], dg)} – {fmt(h['p95'], dg)}")
    raw = "" if flag is None else str(flag).lower()
    return (f"<tr{cls}><td>{E(pol)}</td><td>{E(what)}</td><td>{E(place)}</td><td>{E(unit_label(unit, T))}</td>"
            f"{cell(key + '.mean', h.get('mean'), dg)}"
            f'<td class="n" data-key="{E(key)}.band" data-value="{E(repr((h.get("p5"), h.get("p95"))))}">'
            f"{E(band)}</td>"
            f"{cell(key + '.share_positive', h.get('share_positive'), 2)}"
            f"{cell(key + '.share_negative', h.get('share_negative'), 2)}"
            f'<td data-key="{E(key)}.indistinguishable_from_noise" data-value="{raw}">{E(flag_text)}</td>'
            f"{cell(key + '.n_needed', h.get('n_needed'), 0)}</tr>")


def section_noise(src: Source, T: dict) -> str:
    s = src.summary
    noise = s.get("noise")
    if not noise:
        return f"<p class='note warn'>{E(T['noise.missing'])}</p>"
    ce = {r["scenario"]: r for r in read_csv(src.folder / "cost_effectiveness.csv")}
    p = f"{noise.get('precision_relative', 0.1):.0%}"
    rows, sentences, n = [], [], None
    for pol in s.get("policies", []):
        items = []
        for place, by in (s["effects"].get(pol, {}).get("headline") or {}).items():
            for meas, h in by.items():
                items.append((f"diff.{pol}.{place}.{meas}", T[HEADLINE_LABELS[meas]],
                              T["region"] if place == "region" else place, h["unit"], h,
                              2 if meas == "gdp" else 0))
                n = h.get("n_replicates", n)
        for k, lab, unit, h in _ce_rows(ce.get(pol, {})):
            items.append((f"diff.{pol}.region.{k}", T[lab], T["region"], unit, h, 3 if k.endswith("_yi") else 0))
        for key, what, place, unit, h, dg in items:
            rows.append(_row(key, src.title(pol, T["lang"]), what, place, unit, h, T, dg))
            if _flag(h.get("indistinguishable_from_noise")):
                sentences.append(T["noise.sentence"].format(what=what, place=place, pol=src.title(pol, T["lang"]),
                                                            lo=fmt(h["p5"], dg), hi=fmt(h["p95"], dg)))
    head = [T["policy"], T["indicator"], T["noise.place"], T["unit"], T["mean"], T["noise.band"], T["noise.pos"],
            T["noise.neg"], T["noise.flag"], T["noise.needed"].format(p=p)]
    n = n or len(s.get("seeds", []))
    kind = "none" if n < 2 else "min-max" if n < 5 else "p5-p95"
    src_kind = noise.get("band_sources", "seed")
    notes = [T.get("noise.sources." + src_kind, f"band_sources: {src_kind}"),
             T["noise.one_rep"] if kind == "none" else T["noise.minmax" if kind == "min-max" else "noise.quantile"]
             .format(n=n), T["noise.needed_note"].format(p=p)]
    said = sentences or ([T["noise.all_clear"]] if kind != "none" and rows else [])
    return (table(head, rows, "noise")
            + "".join(f"<p><b>{E(x)}</b></p>" for x in said)
            + "".join(f"<p class='note'>{E(x)}</p>" for x in notes))
