"""The decomposition rows read back from result files: the last period's change since the base year
by channel (births / incumbents / relocations / exits; ``sim.agents.cohort``) for ``summary.json``,
and its policy − baseline difference across common-random-number pairs for ``compare``
(docs/model.md §Decomposition, docs/cli.md)."""

from __future__ import annotations

from ..agents.cohort import CHANNELS
from .noise import band

# measure → (unit, digits in summaries)
CHANGE_MEASURES = {"output_change": ("亿元/year", 3), "jobs_change": ("persons", 1),
                   "capital_change": ("亿元", 3)}
# measure → the per-firm quantity it splits (``sim.agents.cohort.recorded_values``)
QUANTITIES = {"output_change": "output", "jobs_change": "jobs", "capital_change": "capital"}


def last_channels(df, places) -> dict:
    """``{place: {measure: {channel: value}}}`` at the last period of a run's rows (unrounded);
    places without rows are left out."""
    if "channel" not in df.columns:
        return {}
    d = df[(df.year == df.year.max()) & (df.channel != "") & df.measure.isin(list(CHANGE_MEASURES))
           & df.place.isin(list(places))]
    out: dict = {}
    for (place, meas, ch), v in zip(zip(d.place, d.measure, d.channel), d.value):
        out.setdefault(place, {}).setdefault(meas, {})[ch] = float(v)
    return out


def _rounded(table: dict) -> dict:
    return {meas: {ch: round(by[ch], CHANGE_MEASURES[meas][1]) for ch in CHANNELS if ch in by}
            | {"total": round(sum(by.values()), CHANGE_MEASURES[meas][1])}
            for meas, by in table.items()}


def summary_decomposition(df, cities) -> dict:
    """``summary.json``'s ``decomposition``: the last period's change since the base year by
    channel for the region (the study area) and each city, with the channels' total."""
    tab = last_channels(df, ["region", *cities])
    if not tab:
        return {}
    return {"period": float(df.year.max()), "base_year": float(df.year.min()),
            "units": {m: u for m, (u, _) in CHANGE_MEASURES.items()},
            "region": _rounded(tab.get("region", {})),
            "cities": {c: _rounded(tab[c]) for c in cities if c in tab}}


def channel_differences(base_frames: list, pol_frames: list, places) -> dict:
    """Policy − baseline of each channel at the last period, replicate by replicate (replicate k
    of both runs shares its seed), for ``places``: ``{place: {measure: {channel: {"mean", "p5",
    "p95", "band_kind", "share_positive", "share_negative", "indistinguishable_from_noise",
    "n_replicates", "replicates": [...]}}}}`` (sim/outputs/noise.py ``band``: min and max below 5
    replicates; p5/p95 None with one). The channels' total is the row ``total``."""
    reps = [(last_channels(b, places), last_channels(p, places)) for b, p in zip(base_frames, pol_frames)]
    out: dict = {}
    for place in places:
        for meas, (_, digits) in CHANGE_MEASURES.items():
            cols = {}
            for ch in (*CHANNELS, "total"):
                xs = []
                for b, p in reps:
                    pb, pp = b.get(place, {}).get(meas), p.get(place, {}).get(meas)
                    if pb is None or pp is None:
                        continue
                    xs.append(sum(pp.values()) - sum(pb.values()) if ch == "total" else pp[ch] - pb[ch])
                if not xs:
                    continue
                cols[ch] = {**band(xs, digits), "replicates": [round(float(x), digits) for x in xs]}
            if cols:
                out.setdefault(place, {})[meas] = cols
    return out
