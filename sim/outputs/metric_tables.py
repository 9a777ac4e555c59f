"""The Recorder's look-up tables and row blocks fixed in a run (``sim.outputs.metrics``): which
sectors are industrial, site → place bins, ids, the deflator points, the budget residual's base,
and the blocks of rows whose labels do not change from one period to the next."""

from __future__ import annotations

from itertools import chain

import numpy as np

from ..agents.cohort import CHANNELS
from ..economy.fiscal import budget_residual
from ..policy.infrastructure import PAYERS, investments
from .channels import CHANGE_MEASURES


def fixed_tables(m) -> dict:
    """Labels and look-up tables of a model for ``collect``, fixed in a run: which sectors are
    industrial, (sector, site) → place bins, park and origin ids, the bin of each (lever, site) in a
    (lever, market) table, each lever's unit (its own, or its kind's)."""
    nc = len(m.city_ids)
    industrial = np.array(m.data.sector_values("industrial")) > 0
    mk = m.site_market_arr.astype(np.intp)
    ind_place = np.where(industrial[:, None] & (mk < nc)[None, :], mk[None, :], nc)
    sec_place = np.arange(m.S, dtype=np.intp)[:, None] * m.Q + mk[None, :]
    L = len(m.lever_ids)
    nc = len(m.city_ids)
    # the general budget's residual (亿元/year): published 2022 revenue above the base period's
    # modelled taxes (ledger.revenue0, per period), 0 where no figure is published
    taxes0 = (m.ledger.revenue0 @ m.site_city_w) / m.dt
    published = np.array([m.data.budget_2022(c) for c in m.city_ids])
    return {
        "deflator": _deflators([m.data.deflator_points(c) for c in m.city_ids]),
        "residual0": budget_residual(published, taxes0),
        "gdp0": np.asarray(m.gdp0_market[:nc], dtype=float),
        "industrial": industrial,
        "ind_place": ind_place.astype(np.intp).ravel(),
        "sec_place": sec_place.ravel(),
        "pids": tuple(m.site_ids[: m.n_parks]),
        "oids": tuple(m.site_ids[k] for k in range(m.R) if m.is_origin[k]),
        "ok": np.flatnonzero(m.is_origin),
        "in_city_site": mk < nc,
        "self_origin": [(q, m.city_ids.index(org)) for q, org in enumerate(m.market_ids)
                        if org in m.city_ids],
        "lever_market": (np.arange(L, dtype=np.intp)[:, None] * m.Q + m.site_market_arr[None, :]).ravel(),
        "lever_units": [lv.unit or _kind_unit(k) for lv, k in zip(m.levers, m.lever_kind)],
        "investments": investments(m.scn, m.data),
        # the channels' places (cities, parks, the region) and each site's membership of them
        "channel_places": tuple(m.city_ids) + tuple(m.site_ids[: m.n_parks]) + ("region",),
        "site_to_place": _site_to_place(mk, nc, m.n_parks),
        # blocks of rows with labels fixed in a run (``Recorder._put_rows``)
        **_row_blocks(m, industrial, [lv.unit or _kind_unit(k) for lv, k in zip(m.levers, m.lever_kind)],
                      investments(m.scn, m.data)),
    }


LABELS = ("measure", "unit", "sector", "origin", "lever", "investor_origin", "channel", "decided_by")


def _rows(parts: list) -> tuple:
    """A block of rows (``_put_rows``) from ``parts`` (places, labels) in order, labels a dict of
    ``LABELS`` (missing: ""); a label that differs between parts is a list with one entry per row."""
    out = [tuple(chain.from_iterable(p for p, _ in parts))]
    for k in LABELS:
        vals = [lab.get(k, "") for _, lab in parts]
        out.append(vals[0] if all(v == vals[0] for v in vals) else
                   list(chain.from_iterable([v] * len(p) for (p, _), v in zip(parts, vals))))
    return tuple(out)


def _row_blocks(m, industrial: np.ndarray, units: list, invs: list) -> dict:
    """The blocks of ``collect`` whose labels are fixed in a run, in the order of their rows."""
    cities, pids, region = tuple(m.city_ids), tuple(m.site_ids[: m.n_parks]), ("region",)
    att = ("induced_arrivals", "deadweight_arrivals", "unpaid_arrivals", "jointly_induced_arrivals",
           "money_induced_arrivals")
    period = "亿元/period"
    policy_region = ([(region, {"measure": k, "unit": period})
                      for k in ("fiscal_revenue", "fiscal_spending", "fiscal_balance", "infrastructure_spending")]
                     + [(region, {"measure": f"infrastructure_spending_{p}", "unit": period}) for p in PAYERS]
                     + [(region, {"measure": "infrastructure_spending", "unit": period, "lever": inv.id})
                        for inv in invs]
                     + [(region, {"measure": k, "unit": "firms/period"}) for k in att]
                     + [(region, {"measure": "induced_firms", "unit": "firms"}),
                        (region, {"measure": "induced_jobs", "unit": "persons"})])
    places = cities + pids + region  # the channels' places
    return {
        "by_sector": _rows([(cities, {"measure": "industrial_output" if industrial[s] else "output",
                                      "unit": "亿元/year", "sector": sec}) for s, sec in enumerate(m.sectors)]),
        "park_sectors": _rows([(pids, {"measure": meas, "unit": unit, "sector": sec})
                               for meas, unit in (("arrivals_by_sector", "firms/period"),
                                                  ("projects_started_by_sector", "projects/period"))
                               for sec in m.sectors]),
        "by_origin": _rows([(cities, {"measure": "arrivals_by_origin", "unit": "firms/period", "origin": org})
                            for org in m.market_ids]),
        "attribution": _rows([(p, {"measure": k, "unit": "firms/period"}) for k in att for p in (cities, pids)]),
        "levers": _rows([part for j, (lid, u) in enumerate(zip(m.lever_ids, units)) for part in (
            (cities, {"measure": "lever_spending", "unit": period, "lever": lid}),
            (cities, {"measure": "lever_spending_induced", "unit": period, "lever": lid}),
            (cities, {"measure": "pivotal_arrivals", "unit": "firms/period", "lever": lid}),
            (region, {"measure": "lever_value", "unit": u, "lever": lid,
                      "decided_by": "scenario" if j < len(m.scn.levers) else m.scn.city_policy.behaviour}))])
        if len(m.lever_ids) else None,
        "policy_region": _rows(policy_region),
        "induced_jobs": _rows([(region, {"measure": "money_induced_jobs", "unit": "persons"})]
                              + [(region, {"measure": "induced_jobs", "unit": "persons", "lever": lid})
                                 for lid in m.lever_ids]),
        "channels": _rows([(places, {"measure": meas, "unit": unit, "channel": c})
                           for meas, (unit, _) in CHANGE_MEASURES.items() for c in CHANNELS]),
    }


def _deflators(points: list) -> tuple | list:
    """The cities' deflator points for ``collect``: (dates, ln(1 + rate) as dates × cities) when
    every city has points on the same dates (``deflator_indices``: all cities at once), else the
    points of each city (``deflator_index``)."""
    dates = [[d for d, _ in pts] for pts in points]
    if dates and dates[0] and all(d == dates[0] for d in dates):
        return dates[0], np.log1p(np.array([[r for _, r in pts] for pts in points]).T)
    return points


def _site_to_place(site_market: np.ndarray, nc: int, n_parks: int) -> np.ndarray:
    """(R, cities + parks + 1) 0/1 matrix: site r is in its city (market < nc), in park r (r <
    n_parks) and in the region (every city site)."""
    R = site_market.size
    M = np.zeros((R, nc + n_parks + 1))
    city = np.flatnonzero(site_market < nc)
    M[city, site_market[city]] = 1.0
    M[np.arange(n_parks), nc + np.arange(n_parks)] = 1.0
    M[city, -1] = 1.0
    return M


def _kind_unit(kind: str) -> str:
    from ..policy.levers import KINDS
    return KINDS[kind]["unit"]
