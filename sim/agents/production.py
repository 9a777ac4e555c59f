"""Production each period: output, value added and jobs per firm, their totals by city and site,
and owners' income."""
from __future__ import annotations

import numpy as np

from .. import jit
from ..arrays import bincounts


def produce(firms, pi_scale: np.ndarray, sigma: np.ndarray, va_ratio_sr: np.ndarray,
            jobs_per_sr: np.ndarray, f_wage_site: np.ndarray, n_cities: int, Q: int,
            owners_spend_at_site: bool | None = None, taxes=None) -> tuple:
    """Per firm: output y = σπA (亿元/year), VA = y × VA ratio, jobs = y × persons per 亿元 of 2022
    output / the wage trend at its site (nominal labour productivity rises with wages); sets them on
    ``firms`` and returns (VA, jobs) by city and output by site. ``va_ratio_sr``, ``jobs_per_sr``:
    the sector's values repeated over sites (flat S·R tables read through the firms' keys), and
    with ``taxes`` (a function of the firms once their output, VA and jobs are set, giving each
    firm's local taxes of the period: ``Ledger.firm_taxes``) their sum by site, else None.

    With ``owners_spend_at_site`` (not None) the owners' income of this state (``owner_income``)
    is taken in the same pass and kept in ``firms.totals()`` for the next period's start, which
    reads it before any firm changes. Every total is one problem of one interleaved ``bincount``
    (``sim.arrays.bincounts``: each bin adds its firms in row order from 0, the same sums as one
    ``np.bincount`` per total; the bins of cities get the same firms in the same order as with a
    mask ``place < n_cities``)."""
    fx = firms.index()  # flat (sector, site) index of every firm, its site and market
    key, place, site = fx["key"], fx["place"], fx["site"]
    every = firms.alive.all()
    out, firms.va, jobs = firm_output(key, site, firms.scale, (sigma[:, None] * pi_scale).ravel(), va_ratio_sr,
                                      jobs_per_sr, f_wage_site, None if every else firms.alive)
    firms.output, firms.jobs = out, jobs
    R = len(f_wage_site)
    idx, wts, sizes = [place, place], [firms.va, jobs], [Q, Q]
    rev = None
    if every:  # output (and taxes) by site over every row (a dead row's would be a 0 added)
        idx, wts, sizes = idx + [site], wts + [out], sizes + [R]
        if taxes is not None:
            rev = taxes(firms)
            idx, wts, sizes = idx + [site], wts + [rev], sizes + [R]
    if owners_spend_at_site is not None:
        pi, where = _profits(firms, pi_scale, owners_spend_at_site)
        idx, wts, sizes = idx + [place, where], wts + [pi, pi], sizes + [Q, Q]
    sums = bincounts(idx, wts, sizes)
    if every:
        out_r = sums[2]
    else:
        alive = firms.alive
        out_r = np.bincount(site[alive], weights=out[alive], minlength=R)
    if owners_spend_at_site is not None:
        firms.totals()["owner_income"] = (pi_scale, owners_spend_at_site, sums[-1] - sums[-2])
    return sums[0][:n_cities], sums[1][:n_cities], out_r, None if rev is None else sums[3]


def firm_output(key: np.ndarray, site: np.ndarray, scale: np.ndarray, y_scale: np.ndarray, va_ratio_sr: np.ndarray,
                jobs_per_sr: np.ndarray, f_wage_site: np.ndarray, alive: np.ndarray | None = None) -> tuple:
    """Per row (flat keys ``key``, sites ``site``): output y = (σπ)[key]·A (``y_scale`` = σπ per unit
    scale, flat S·R; 0 for dead rows when ``alive`` is given), VA = y·VA ratio[key] and jobs =
    y·jobs per 亿元[key] / f_wage[site]: numpy's gathers and products, or (every row alive) the
    kernel :func:`_firm_output` (the same operations row by row)."""
    if alive is None and jit.ENABLED:
        n = len(key)
        out, va, jobs = np.empty(n), np.empty(n), np.empty(n)
        f64 = [np.ascontiguousarray(x, dtype=np.float64) for x in (scale, y_scale, va_ratio_sr, jobs_per_sr, f_wage_site)]
        _firm_output(np.ascontiguousarray(key, dtype=np.intp), np.ascontiguousarray(site, dtype=np.intp), *f64,
                     out, va, jobs)
        return out, va, jobs
    out = y_scale.take(key)
    out *= scale
    if alive is not None:
        out[~alive] = 0.0
    jobs = out * jobs_per_sr.take(key)
    jobs /= f_wage_site.take(site)
    return out, out * va_ratio_sr.take(key), jobs


@jit.kernel
def _firm_output(key, site, scale, y_scale, va_ratio, jobs_per, f_wage, out, va, jobs):
    """:func:`firm_output` row by row (every row alive)."""
    for i in range(key.shape[0]):
        k = key[i]
        y = y_scale[k] * scale[i]
        out[i] = y
        va[i] = y * va_ratio[k]
        jobs[i] = (y * jobs_per[k]) / f_wage[site[i]]


def _profits(firms, pi_scale: np.ndarray, owners_spend_at_site: bool) -> tuple[np.ndarray, np.ndarray]:
    """Operating profit per firm (亿元/year; 0 for dead rows) and the market where its owners spend."""
    fx = firms.index()
    pi = pi_scale.ravel().take(fx["key"])
    pi *= firms.scale
    if not firms.alive.all():
        pi[~firms.alive] = 0.0
    return pi, fx["place"] if owners_spend_at_site else firms.revisers()["home"]


def owner_income(firms, pi_scale: np.ndarray, Q: int, owners_spend_at_site: bool) -> np.ndarray:
    """Operating profits (亿元/year) spent minus earned by market: owners spend where they live
    (their home region), or at the site with ``owners_spend_at_site``. The production stage's
    figure of this same state (same firms, same ``pi_scale`` object) when it took one."""
    kept = firms.totals().get("owner_income")
    if kept is not None and kept[0] is pi_scale and kept[1] == owners_spend_at_site:
        return kept[2].copy()
    pi, where = _profits(firms, pi_scale, owners_spend_at_site)
    earned, spent = bincounts([firms.index()["place"], where], [pi, pi], [Q, Q])  # (sim.arrays)
    return spent - earned
