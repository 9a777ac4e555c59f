"""The base-year (2022) firm population: city output by sector from the data, split between parks and
outside-park sites, firms drawn with Pareto sizes (MODEL.md §8)."""
from __future__ import annotations

import numpy as np

from .. import rng


def draw_sizes(seed: int, n: int, first_id: int, heterogeneity: bool, pareto_tail: float,
               size_ratio_max: float) -> np.ndarray:
    """Relative sizes of ``n`` firms with ids from ``first_id``: a Pareto with tail ζ truncated to
    [1, hmax] by inverse CDF (all ones without heterogeneity)."""
    if not heterogeneity:
        return np.ones(n)
    u = rng.uniform(seed, "init", 10**7 + first_id, np.arange(first_id, first_id + n))
    zeta, hmax = pareto_tail, size_ratio_max
    return (1 - u * (1 - hmax ** (-zeta))) ** (-1 / zeta)


def base_targets(data, sectors: list[str], sites, gdp0_market: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(city_target[S, cities], origin target[S, R]) base gross output (亿元/year): a city's
    secondary VA × the sector's share (tertiary VA × tourism share for tertiary sectors) / VA ratio;
    at origin sites the coastal mobile share of the sector's national output share × GDP."""
    d = data
    cities = d.cities.rows
    shares = {(r["city"], r["sector"]): r["share"] for r in d.city_sectors.rows}
    tour = {r["city"]: r["tourism_share_of_tertiary"] for r in d.city_tourism.rows}
    S = len(sectors)
    target = np.zeros((S, sites.R))
    city_target = np.zeros((S, len(cities)))
    for i, c in enumerate(cities):
        sec_va = c["gdp_2022_yi"] * c["secondary_pct"] / 100
        ter_va = c["gdp_2022_yi"] * c["tertiary_pct"] / 100
        for s, sec in enumerate(sectors):
            if d.param(sec, "industrial") > 0:
                va = sec_va * shares.get((c["id"], sec), 0.0)
            else:  # tertiary (文化旅游): the tourism share of tertiary VA
                va = ter_va * tour.get(c["id"], 0.0)
            city_target[s, i] = va / d.param(sec, "va_ratio")
    for k in range(sites.R):
        if sites.kind[k] == "origin":
            q = sites.market[k]
            for s, sec in enumerate(sectors):
                if d.param(sec, "mobile") > 0 and d.param(sec, "tradable") > 0:
                    target[s, k] = (d.param(sec, "coastal_mobile_share") * d.param(sec, "mu")
                                    * gdp0_market[q])
    return city_target, target


def seed_firms(data, sectors, sites, parks_rows, park_capacity, lead, admit, city_target, target,
               seed: int, scale: float, min_per_cell: int, sizes) -> dict:
    """Draw the base firms. A city's output of a sector is split between its parks that admit the
    sector (a share ``park_share_of_city_firms``, weighted by occupied land, ×
    ``leading_sector_park_weight`` for leading sectors) and its outside-park site; firm counts are
    output / mean firm output (× 1/``scale``), at least ``min_per_cell``. Updates ``target`` to
    follow the firms drawn and returns the fields of the population plus ``base_output``.
    ``sizes(n, first_id)``: relative sizes."""
    d = data
    cities = d.cities.rows
    ids, sector, site, size = [], [], [], []
    next_id = 0
    in_parks, lead_w = d.const("park_share_of_city_firms"), d.const("leading_sector_park_weight")
    for s, sec in enumerate(sectors):
        ybar = d.param(sec, "mean_firm_output") / scale
        for i, c in enumerate(cities):
            y = city_target[s, i]
            if y <= 0:
                continue
            n = max(min_per_cell, int(round(y / ybar)))
            cand = [k for k in range(sites.n_parks) if sites.market[k] == i and admit[s, k]
                    and d.param(sec, "mobile") > 0 and parks_rows[k]["opens"] == -np.inf]
            other = sites.n_parks + i
            w = np.array([(lead_w if lead[s, k] else 1.0) * park_capacity[k] * (
                parks_rows[k]["occupancy_2022"]) for k in cand])
            probs = np.concatenate([in_parks * w / w.sum(), [1 - in_parks]]) if cand else np.array([1.0])
            cand_sites = np.array(cand + [other])
            u = rng.uniform(seed, "init", s * 1000 + i, np.arange(next_id, next_id + n))
            pick = cand_sites[np.minimum(np.searchsorted(np.cumsum(probs), u * probs.sum()),
                                         len(cand_sites) - 1)]
            ids.append(np.arange(next_id, next_id + n))
            sector.append(np.full(n, s))
            site.append(pick)
            size.append(sizes(n, next_id))
            next_id += n
        for k in np.flatnonzero(target[s] > 0):
            n = max(min_per_cell, int(round(target[s, k] / ybar)))
            ids.append(np.arange(next_id, next_id + n))
            sector.append(np.full(n, s))
            site.append(np.full(n, k))
            size.append(sizes(n, next_id))
            next_id += n
    firm_id = np.concatenate(ids)
    sector_a = np.concatenate(sector).astype(np.int32)
    site_a = np.concatenate(site).astype(np.int32)
    rel = np.concatenate(size)
    # city targets per site follow the firms drawn there
    for s in range(len(sectors)):
        for i in range(len(cities)):
            m = (sector_a == s) & (sites.market_arr[site_a] == i) & ~sites.is_origin[site_a]
            if m.any():
                tot = rel[m].sum()
                np.add.at(target[s], site_a[m], city_target[s, i] * rel[m] / tot)
    # firm output shares within each (sector, site)
    key = sector_a * sites.R + site_a
    tot = np.bincount(key, weights=rel, minlength=len(sectors) * sites.R)
    base_output = target.ravel()[key] * rel / tot[key]
    return {"firm_id": firm_id, "sector": sector_a, "site": site_a, "base_output": base_output,
            "home": sites.market_arr[site_a].astype(np.int32)}
