"""Exit and birth of firms (MODEL.md §9.4): exits by a loss-dependent hazard; births only from projects
reaching 投产 (sim/agents/projects.py); no replacement rule."""
from __future__ import annotations

import numpy as np

from .. import rng
from .firms import new_firm_values


def exit_hazard(net_scale: np.ndarray, pibar: np.ndarray, base: float, loss: float) -> np.ndarray:
    """Annual exit hazard per (sector, site): h = h0 + h1·max(0, −π_net / π̄_s) (MODEL.md §9.4)."""
    return base + loss * np.maximum(-net_scale / np.maximum(pibar, 1e-300)[:, None], 0.0)


def exit_probability(hazard: np.ndarray, dt: float) -> np.ndarray:
    """Probability of exit within a period of ``dt`` years at an annual hazard: 1 − e^(−h·dt)."""
    return -np.expm1(-hazard * dt)


def exits_and_births(firms, sites, land, market, flows, births: dict | None, ledger, p, seed: int,
                     step: int, t: float, dt: float) -> None:
    """Firms exit with the probability of their (sector, site)'s hazard (pinned anchors never); their
    land is freed and they leave the arrays. The projects reaching 投产 this period are appended as
    firms (``births``: sector, site, home, scale, land, induced, pivotal), in one copy of each
    array; one-off levers (grants, land discounts to newcomers) pay them."""
    f = firms
    prob = exit_probability(exit_hazard(market.net_scale, market.pibar, p.exit_rate, p.exit_loss_hazard), dt)
    go = rng.uniform_below(seed, "exit", step, f.firm_id, prob.ravel(), f.index()["key"])
    if f.revisers()["pinned"]:
        go &= ~f.pinned
    out = go.nonzero()[0]
    n_new = 0 if births is None else len(births["sector"])
    if out.size == 0 and n_new == 0:
        return
    if out.size:
        np.add.at(flows.exits, f.site[out], 1)
        land.release(f.site[out], np.where(sites.is_park[f.site[out]], f.land[out], 0.0))
    keep = (~go).nonzero()[0]
    nk = keep.size
    new = {**new_firm_values(t), "firm_id": np.arange(f.next_id, f.next_id + n_new)}
    if n_new:
        new.update({k: births[k] for k in ("sector", "site", "home", "land", "induced", "pivotal")})
    else:
        new.update({k: np.zeros(0) for k in ("sector", "site", "home")})
    f.next_id += n_new
    f.compact_append(keep, new, n_new)
    if n_new:
        f.scale[nk:] = births["scale"]
        rows = np.arange(nk, nk + n_new)
        np.add.at(flows.entries, f.site[rows], 1)
        if len(ledger.ls):
            ledger.one_off_payments(f, rows, land.price, t)
