"""How much of a difference is noise (issue 15, docs/cli.md §compare, §Noise vocabulary).

``compare`` runs replicate k of the baseline and of a policy with the same seed (common random
numbers), so each pair gives one difference x_k = policy_k − baseline_k. Over the n pairs:

* ``mean``  x̄ = Σ x_k / n;
* the band [``p5``, ``p95``]: the empirical 5 % and 95 % quantiles of the x_k (numpy's linear
  interpolation) when n ≥ 5, ``band_kind`` = ``"p5-p95"``; with 2 ≤ n < 5 the quantiles of so few
  draws would only pretend, and the band is [min, max], ``band_kind`` = ``"min-max"``; one
  replicate has no band (null, ``"none"``);
* ``share_positive`` = #{x_k > 0} / n and ``share_negative`` = #{x_k < 0} / n (a zero is neither);
* ``indistinguishable_from_noise`` = p5 ≤ 0 ≤ p95 (the band covers zero; null without a band);
* replicates needed for a stated precision: the 90 % interval of the mean, x̄ ± z·s/√n with
  z = 1.645 and s the sample standard deviation (ddof 1), is within ± ``precision`` when
  n ≥ ``n_needed`` = ⌈(z·s / precision)²⌉, precision = ``relative`` × |x̄| (default 10 %);
* cost per job over replicates (``cost_of_mean``): the cost of the mean, mean spending (亿元)
  × 1e4 / mean jobs (万元 per job), only when mean jobs > 0 and their band excludes zero (or
  there is one replicate and its jobs rose); otherwise null with a ``null_reason`` that counts the
  replicates in which jobs did not rise. Those replicates are counted, never dropped.

``band_sources`` says what the spread is made of: ``"seed"`` (replicates differ only in their
random draws; the parameters are the scenario's) or ``"seed+parameters"`` (a parameter set drawn
per replicate as well).
"""

from __future__ import annotations

import math

import numpy as np

Z90 = 1.645  # two-sided 90 %: Φ⁻¹(0.95)
CONFIDENCE = 0.90
QUANTILE_MIN_REPLICATES = 5  # below this the band is min–max
DEFAULT_PRECISION = 0.10  # ± 10 % of |mean|
BAND_SOURCES = ("seed", "seed+parameters")
WAN_PER_YI = 1e4
# places of the headline differences: the study area and the demonstration zone's cities (as in the
# difference figures, sim/outputs/plots.py)
HEADLINE_PLACES = ("region", "四平", "辽源", "通化")
HEADLINE_MEASURES = {"gdp": ("ΔGDP", "亿元/year", 2), "jobs": ("Δjobs", "persons", 1)}


def band_kind(n: int) -> str:
    """``"p5-p95"`` for n ≥ 5 replicates, ``"min-max"`` for 2–4, ``"none"`` for 0–1."""
    return "none" if n < 2 else "min-max" if n < QUANTILE_MIN_REPLICATES else "p5-p95"


def band_limits(x: np.ndarray, axis: int = 0):
    """(low, high) of the band of ``x`` along ``axis`` (rule above); (None, None) for one replicate."""
    kind = band_kind(x.shape[axis])
    if kind == "none":
        return None, None
    if kind == "min-max":
        return x.min(axis=axis), x.max(axis=axis)
    return np.percentile(x, 5, axis=axis), np.percentile(x, 95, axis=axis)


def _r(v, digits):
    if v is None:
        return None
    return round(float(v), digits) if digits is not None else float(v)


def band(xs, digits: int | None = None) -> dict:
    """Mean, band, sign shares and the noise flag of replicate differences ``xs`` (None left out).
    With ``digits`` the numbers are rounded and the flag is decided on the rounded band, so it
    agrees with the numbers shown."""
    x = np.asarray([v for v in xs if v is not None], dtype=float)
    n = len(x)
    if n == 0:
        return {"mean": None, "p5": None, "p95": None, "band_kind": "none", "share_positive": None,
                "share_negative": None, "indistinguishable_from_noise": None, "n_replicates": 0}
    lo, hi = band_limits(x)
    lo, hi = _r(lo, digits), _r(hi, digits)
    return {"mean": _r(x.mean(), digits), "p5": lo, "p95": hi, "band_kind": band_kind(n),
            "share_positive": round(float((x > 0).mean()), 4),
            "share_negative": round(float((x < 0).mean()), 4),
            "indistinguishable_from_noise": None if lo is None else bool(lo <= 0.0 <= hi),
            "n_replicates": n}


def replicates_needed(xs, relative: float = DEFAULT_PRECISION, z: float = Z90) -> dict:
    """``n_needed`` = ⌈(z·s / (relative·|x̄|))²⌉ replicates for the mean of ``xs`` to be known to
    ± relative·|x̄| at 90 % (``sd`` = s, ``precision`` = relative·|x̄| in the unit of ``xs``); null
    with ``n_needed_reason`` when it cannot be said (one replicate; a mean of zero with noise)."""
    x = np.asarray([v for v in xs if v is not None], dtype=float)
    out = {"sd": None, "precision": None, "precision_relative": relative, "n_needed": None,
           "n_needed_reason": None}
    if len(x) < 2:
        out["n_needed_reason"] = "one replicate: the noise cannot be estimated"
        return out
    sd, prec = float(x.std(ddof=1)), relative * abs(float(x.mean()))
    out["sd"], out["precision"] = sd, prec
    if sd == 0.0:
        out["n_needed"] = 1  # every replicate gives the same difference
    elif prec == 0.0:
        out["n_needed_reason"] = "the mean is zero: a precision relative to it is undefined"
    else:
        out["n_needed"] = max(1, math.ceil((z * sd / prec) ** 2))
    return out


def cost_of_mean(spent_yi, counts, nothing: str, zero_cost: str | None = None) -> dict:
    """Cost per job (or firm) over replicates, 万元: mean(``spent_yi``) × 1e4 / mean(``counts``)
    when mean counts > 0 and their band excludes zero (one replicate: its count > 0); otherwise
    ``value`` None with ``null_reason`` "<nothing> in k of n replicates" (or ``zero_cost`` when
    given and nothing was spent). ``undefined_replicates`` = k, the replicates whose own cost is
    undefined (count ≤ 0, or nothing spent when ``zero_cost`` is given), also when the cost of
    the mean is given."""
    s = np.asarray(spent_yi, dtype=float)
    c = np.asarray(counts, dtype=float)
    undefined = (c <= 0) | ((s <= 0) if zero_cost is not None else False)
    n, k = len(c), int(undefined.sum())
    out = {"value": None, "null_reason": None, "undefined_replicates": k, "n_replicates": n}
    if zero_cost is not None and not s.mean() > 0:
        out["null_reason"] = zero_cost
        return out
    b = band(c)
    if c.mean() > 0 and (n == 1 or b["indistinguishable_from_noise"] is False):
        out["value"] = round(float(s.mean()) * WAN_PER_YI / float(c.mean()), 2)
    else:
        out["null_reason"] = f"{nothing} in {int((c <= 0).sum())} of {n} replicates"
    return out


def band_rows(dd, keys: list[str]):
    """The tidy difference rows (one per replicate: columns ``replicate`` and ``difference``)
    summarised over the replicates: one row per scenario and ``keys`` with ``mean``, ``p5``,
    ``p95``, ``band_kind``, ``share_positive``, ``share_negative``, ``indistinguishable_from_noise``,
    ``n_replicates``. A row missing from both runs of a replicate (the sparse project rows by
    investor origin are written only when not zero) is a difference of 0 in that replicate, as a
    row missing from one run is in ``differences.parquet``."""
    import pandas as pd
    parts = []
    for scen, d in dd.groupby("scenario", sort=False):
        wide = d.set_index([*keys, "replicate"]).difference.unstack("replicate", fill_value=0.0)
        x = wide.to_numpy(dtype=float)
        n = x.shape[1]
        lo, hi = band_limits(x, axis=1)
        out = wide.index.to_frame(index=False)
        out.insert(0, "scenario", scen)
        out["mean"] = x.mean(axis=1)
        out["p5"] = np.nan if lo is None else lo
        out["p95"] = np.nan if hi is None else hi
        out["band_kind"] = band_kind(n)
        out["share_positive"] = (x > 0).mean(axis=1)
        out["share_negative"] = (x < 0).mean(axis=1)
        flag = pd.array([pd.NA] * len(out) if lo is None else (lo <= 0.0) & (hi >= 0.0), dtype="boolean")
        out["indistinguishable_from_noise"] = flag
        out["n_replicates"] = n
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


def headline(dd, policies: list[str], places, relative: float = DEFAULT_PRECISION) -> dict:
    """``{policy: {place: {measure: {...band, "unit", "period", "sd", "precision", "n_needed",
    "replicates": [x_k]}}}}`` for ΔGDP and Δjobs at the last period (the tidy rows of the whole
    place: no sector, origin, investor origin or channel), x_k the difference of CRN pair k."""
    last = float(dd.year.max())
    whole = dd[(dd.year == last) & (dd.sector == "") & (dd.origin == "") & (dd.channel == "")
               & (dd.investor_origin == "") & (dd.lever == "")]
    out: dict = {}
    for pol in policies:
        for place in places:
            for meas, (_, unit, digits) in HEADLINE_MEASURES.items():
                d = whole[(whole.scenario == pol) & (whole.place == place) & (whole.measure == meas)]
                if d.empty:
                    continue
                xs = d.sort_values("replicate").difference.tolist()
                need = replicates_needed(xs, relative)
                need["sd"] = _r(need["sd"], digits + 2)
                need["precision"] = _r(need["precision"], digits + 2)
                out.setdefault(pol, {}).setdefault(place, {})[meas] = {
                    **band(xs, digits), "unit": unit, "period": last, **need,
                    "replicates": [round(float(v), digits) for v in xs]}
    return out


def noise_block(relative: float, period: float, band_sources: str = "seed") -> dict:
    """``summary.json``'s ``noise``: what the bands are made of and the rules behind them. A
    comparison that draws parameters per replicate (``--posterior``) passes
    ``band_sources="seed+parameters"``."""
    if band_sources not in BAND_SOURCES:
        raise ValueError(f"band_sources: got {band_sources!r}; expected one of {BAND_SOURCES}")
    return {"band_sources": band_sources,
            "band_rule": f"p5-p95: empirical 5% and 95% quantiles of the replicate differences with "
                         f"{QUANTILE_MIN_REPLICATES} or more replicates; min-max below; none with one",
            "indistinguishable_from_noise": "the band covers zero (p5 <= 0 <= p95)",
            "confidence": CONFIDENCE, "z": Z90, "precision_relative": relative,
            "n_needed_rule": "ceil((z * sd / (precision_relative * |mean|))^2), sd over replicates "
                             "(ddof 1): replicates for the 90% interval of the mean to be within "
                             "+- precision",
            "period": period}


def _quarter(year: float) -> str:
    y = math.floor(year + 1e-9)
    return f"{y}Q{round((year - y) * 4) + 1}"


def _sign(v) -> str:
    return "—" if v is None else f"{v:+,.1f}"


def describe(policy: str, place: str, measure: str, h: dict, base: str) -> str:
    """One stderr line of a headline difference."""
    label, unit, _ = HEADLINE_MEASURES[measure]
    n = h["n_replicates"]
    where = "study area" if place == "region" else place
    text = f"compare: {policy} − {base}, {where} {label} at {_quarter(h['period'])}: mean {_sign(h['mean'])} {unit}"
    if h["band_kind"] != "none":
        kind = "5–95%" if h["band_kind"] == "p5-p95" else f"min–max of {n}"
        text += f"; band ({kind}) {_sign(h['p5'])} to {_sign(h['p95'])}"
    text += (f"; positive in {round(h['share_positive'] * n)} of {n}, negative in "
             f"{round(h['share_negative'] * n)} of {n}")
    if h["indistinguishable_from_noise"]:
        text += "; NOT distinguishable from noise (the band covers zero)"
    elif h["indistinguishable_from_noise"] is False:
        text += "; distinguishable from noise"
    rel = f"±{h['precision_relative']:.0%}"
    if h["n_needed"] is not None:
        text += f"; {rel} at 90% needs {h['n_needed']} replicates (have {n})"
    else:
        text += f"; replicates for {rel}: {h['n_needed_reason']}"
    return text
