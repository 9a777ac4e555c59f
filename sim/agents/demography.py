"""Exit and entry of firms (MODEL.md §5): exits at a base rate and whenever net profit is negative;
each exit is replaced by an entrant born at the exiting firm's site, who then chooses like a reviser."""
from __future__ import annotations

import numpy as np

from .. import rng
from ..economy.choice import admit_in_order
from .firms import group_by_sector, new_firm_values


def exit_and_entry(firms, sites, land, market, flows, choice, ledger, draw_sizes, p, heterogeneity: bool,
                   seed: int, step: int, t: float, dt: float) -> None:
    """Firms exit with probability exit_rate·dt a period, and all firms with negative net profit;
    the exiting firms leave the arrays and as many entrants are appended (same sector, born at the
    exiting firm's site, scale = the sector's mean surviving scale × a size draw of mean one). The
    entrants of mobile sectors choose a site; an entrant stays in its birth park only if its plot
    fits, otherwise it is born outside the parks of the same city. ``draw_sizes(n, first_id)``:
    relative sizes; ``choice``: the ``SiteChoice`` rule; ``ledger``: pays one-off levers."""
    f = firms
    if f.alive.all():  # the usual case: no dead rows, no gathers
        u = rng.uniform(seed, "exit", step, f.firm_id)
        loss = (market.net_scale < 0).ravel().take(f.index()["key"])
        go = u < p.exit_rate * dt
        go |= loss
        if f.revisers()["pinned"]:
            go &= ~f.pinned
        out = np.flatnonzero(go)
    else:
        alive = np.flatnonzero(f.alive)
        u = rng.uniform(seed, "exit", step, f.firm_id[alive])
        loss = market.net_scale[f.sector[alive], f.site[alive]] < 0
        out = alive[((u < p.exit_rate * dt) | loss) & ~f.pinned[alive]]
    if out.size == 0:
        return
    f.alive[out] = False
    np.add.at(flows.exits, f.site[out], 1)
    land.release(f.site[out], np.where(sites.is_park[f.site[out]], f.land[out], 0.0))
    f.land[out] = 0.0
    # replacement entrants: born where an exiting firm of the same sector was (spin-offs)
    n = out.size
    new_ids = np.arange(f.next_id, f.next_id + n)
    f.next_id += n
    sec = f.sector[out]
    born = f.site[out]
    rel = draw_sizes(n, int(new_ids[0]))
    # the mean as ndarray.mean takes it (the same pairwise sum over the count), without its overhead
    rel = rel / ((rel.sum() / rel.size if rel.size else rel.mean()) if heterogeneity else 1.0)
    keep = np.flatnonzero(f.alive)
    nk = keep.size
    new = {**new_firm_values(t), "firm_id": new_ids, "sector": sec, "site": born,
           "home": sites.market_arr[born]}
    f.compact_append(keep, new, n)
    # mean scale of the surviving firms of each sector (rows :nk, all alive)
    S = f.S
    perm, _, starts, ends, counts = group_by_sector(f.sector[:nk], S)
    scale_p = f.scale[perm]
    st, en, ct = starts.tolist(), ends.tolist(), counts.tolist()
    # sum / count: what ndarray.mean computes (the same pairwise sum, one division)
    mean_scale = np.array([scale_p[st[s]:en[s]].sum() / ct[s] if ct[s] else 1.0 for s in range(S)])
    f.scale[nk:] = mean_scale[sec] * rel
    # the sector grouping of all rows: each sector's survivors, then its entrants, in row order
    # (what a stable sort of the new sector array gives)
    oe = np.argsort(sec.astype(np.int8 if S < 128 else np.int32), kind="stable") + nk
    ce = np.bincount(sec, minlength=S)
    ee = np.cumsum(ce).tolist()
    parts = []
    for s in range(S):
        parts.append(perm[st[s]:en[s]])
        parts.append(oe[ee[s] - ce[s]:ee[s]])
    counts_all = counts + ce
    ends_all = np.cumsum(counts_all)
    f.set_grouping((np.concatenate(parts), np.repeat(np.arange(S, dtype=f.sector.dtype), counts_all),
                    ends_all - counts_all, ends_all, counts_all))
    new_idx = np.arange(nk, nk + n)
    # entrants choose like revisers, from their birth site (those of mobile sectors, by sector in
    # row order: ``oe`` above); they need land if in a park
    chooser = oe[f.mobile_sector[sec[oe - nk]]]
    choice.choose(chooser, f.sector[chooser].astype(np.intp), None, "entry", step, t)
    park_new = new_idx[sites.is_park[f.site[new_idx]] & (f.land[new_idx] == 0)]
    need = choice.land_need(park_new, f.sector[park_new], f.site[park_new])
    # an entrant stays in its birth park only if its plot fits (in firm-id order); otherwise it is
    # born outside the parks of the same city (free land never goes negative)
    if len(park_new):
        where = f.site[park_new]
        o = np.argsort(where, kind="stable")
        fits = np.empty(len(o), dtype=bool)
        fits[o] = admit_in_order(need[o], where[o], land.free)
        f.site[park_new[~fits]] = sites.n_parks + sites.market_arr[where[~fits]]
        f.moved()
        park_new, need = park_new[fits], need[fits]
    f.land[park_new] = need
    land.take(f.site[park_new], need)
    if len(ledger.ls):
        ledger.one_off_payments(f, new_idx, land.price, t)
    np.add.at(flows.entries, f.site[new_idx], 1)
