"""Anchor projects (龙头项目) of a scenario: a firm of given output placed in a park on its date,
pinned there, with local purchases from an input sector (MODEL.md §6)."""
from __future__ import annotations

import numpy as np

from ..dates import parse_date
from ..scenario.origins import entry_error
from .firms import new_firm_values


def compile_anchors(anchors, src: str, park_ids: list[str], sectors: list[str]) -> list[dict]:
    """The scenario's anchors checked against the parks and sectors (one-line errors)."""
    rows = []
    for j, a in enumerate(anchors):
        if a.park not in park_ids:
            raise entry_error(src, "anchors", a.id, "park", a.park, "a park id")
        for fld in ("sector", "input_sector"):
            v = getattr(a, fld)
            if v is not None and v not in sectors:
                raise entry_error(src, "anchors", a.id, fld, v, "a sector from data/sector_params.csv")
        rows.append({"id": a.id, "site": park_ids.index(a.park), "sector": sectors.index(a.sector),
                     "output": a.output_yi, "start": parse_date(a.starts),
                     "input": None if a.input_sector is None else sectors.index(a.input_sector),
                     "share": a.local_input_share, "placed": False})
    return rows


def place_anchors(rows: list[dict], firms, land, market, flows, site_market: np.ndarray, t: float) -> bool:
    """Place the anchors due by ``t``: scale so that output = output_yi at today's profit per unit
    scale, land from the park's free land (at most what is free), induced and pinned. Returns
    whether any was placed."""
    placed = False
    for a in rows:
        if a["placed"] or a["start"] > t + 1e-9:
            continue
        a["placed"] = placed = True
        s, k = a["sector"], a["site"]
        per = max(market.sigma[s] * market.pi_scale[s, k], 1e-300)
        need = min(market.land_per_output(s, k) * a["output"], max(land.free[k], 0.0))
        fid = firms.next_id
        firms.next_id += 1
        firms.append(**{**new_firm_values(t), "firm_id": fid, "sector": s, "site": k,
                        "scale": a["output"] / per, "home": site_market[k], "land": need,
                        "induced": True, "pinned": True})
        land.free[k] -= need
        flows.entries[k] += 1
        if a["input"] is not None and a["share"] > 0:
            market.extra_demand[a["input"], site_market[k]] += a["share"] * a["output"]
    return placed
