"""The report's numbers from result files: formatting, quantiles over replicates, cost per induced
job or firm (万元) and the 亩均 park indicators (see the package docstring for their definitions)."""

from __future__ import annotations

import math

MU_PER_HA = 15.0  # 1 公顷 = 15 亩


def num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(x, digits: int = 2) -> str:
    """How a number is shown: thousands separators, ``digits`` decimals; ``—`` for none."""
    v = num(x)
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def quantile(xs, q):
    import numpy as np
    xs = [x for x in xs if x is not None]
    return float(np.percentile(xs, q)) if xs else None


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def cost_per(spent_yi, n) -> float | None:
    """亿元 over a count -> 万元 each (as sim/outputs/compare.py)."""
    if spent_yi is None or n is None or n <= 0:
        return None
    return round(spent_yi * 1e4 / n, 2)


def _periods_per_year(df) -> int:
    import numpy as np
    ys = np.unique(df.year.to_numpy())
    d = np.diff(ys)
    return round(1.0 / d.min()) if len(d) else 1


def park_indicators(df) -> object:
    """One row per park: land, output, tax and per-mu indicators in the base and end years."""
    import numpy as np
    import pandas as pd
    if not {"land_used", "tax_revenue"} <= set(df.measure.unique()):
        return None
    base = float(df.year.min())
    end_y = math.floor(float(df.year.max()) + 1e-9)
    per_year = _periods_per_year(df)
    pk = df[(df.sector == "") & (df.origin == "") & (df.lever == "")]
    parks = list(dict.fromkeys(pk[pk.measure == "land_used"].place))
    pk = pk[pk.place.isin(parks)]
    yr = np.floor(pk.year + 1e-9).astype(int)
    sim = pk.year > base

    def wide(mask):
        return pk[mask].pivot_table(index="place", columns="measure", values="value", aggfunc="mean")

    b0 = wide(pk.year == base).reindex(parks)
    b1 = wide(sim & (yr == int(base))).reindex(parks)
    e = wide(yr == end_y).reindex(parks)
    tot = pk[sim].pivot_table(index="place", columns="measure", values="value", aggfunc="sum").reindex(parks)
    out = pd.DataFrame(index=parks)
    out["land_base_ha"] = b0["land_used"]
    out["land_end_ha"] = e["land_used"]
    out["output_base_yi"] = b0["industrial_output"]
    out["output_end_yi"] = e["industrial_output"]
    out["tax_base_yi"] = b1["tax_revenue"] * per_year
    out["tax_end_yi"] = e["tax_revenue"] * per_year
    for k in ("base", "end"):
        mu = out[f"land_{k}_ha"] * MU_PER_HA
        ok = mu > 1e-9
        out[f"mu_output_{k}_wan"] = np.where(ok, out[f"output_{k}_yi"] * 1e4 / mu.where(ok, 1.0), np.nan)
        out[f"mu_tax_{k}_wan"] = np.where(ok, out[f"tax_{k}_yi"] * 1e4 / mu.where(ok, 1.0), np.nan)
    out["arrivals"] = tot.get("arrivals", 0.0)
    out["induced"] = tot.get("induced_arrivals", 0.0)
    out.attrs.update(base_year=int(base), end_year=end_y)
    return out


def mean_indicators(frames) -> object:
    tabs = [park_indicators(f) for f in frames]
    if not tabs or any(t is None for t in tabs):
        return None
    import pandas as pd
    m = pd.concat(tabs).groupby(level=0, sort=False).mean()
    m.attrs.update(tabs[0].attrs)
    return m


def quarter(year) -> str:
    """2025.75 -> 2025Q4 (``year`` in the trajectories is the period's start)."""
    y = num(year)
    if y is None:
        return "—"
    return f"{math.floor(y + 1e-9)}Q{round((y - math.floor(y + 1e-9)) * 4) + 1}"
