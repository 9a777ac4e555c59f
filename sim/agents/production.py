"""Production each period: output, value added and jobs per firm and per city, and owners' income."""
from __future__ import annotations

import numpy as np

from ..arrays import bincounts


def produce(firms, pi_scale: np.ndarray, sigma: np.ndarray, va_ratio_sr: np.ndarray,
            jobs_per_sr: np.ndarray, f_wage_site: np.ndarray, n_cities: int, Q: int) -> tuple[np.ndarray, np.ndarray]:
    """Per firm: output y = σπA (亿元/year), VA = y × VA ratio, jobs = y × persons per 亿元 of 2022
    output / the wage trend at its site (nominal labour productivity rises with wages); sets them on
    ``firms`` and returns (VA, jobs) by city. ``va_ratio_sr``, ``jobs_per_sr``: the sector's values
    repeated over sites (flat S·R tables read through the firms' keys)."""
    fx = firms.index()  # flat (sector, site) index of every firm, and its market
    key, place = fx["key"], fx["place"]
    out = (sigma[:, None] * pi_scale).ravel().take(key)
    out *= firms.scale
    if not firms.alive.all():
        out[~firms.alive] = 0.0
    firms.output = out
    firms.va = out * va_ratio_sr.take(key)
    jobs = out * jobs_per_sr.take(key)
    jobs /= f_wage_site.take(fx["site"])
    firms.jobs = jobs
    # bins of cities get the same firms in the same order as with a mask ``place < n_cities``
    city_va, city_jobs = bincounts([place, place], [firms.va, firms.jobs], [Q, Q])  # (sim.arrays)
    return city_va[:n_cities], city_jobs[:n_cities]


def owner_income(firms, pi_scale: np.ndarray, Q: int, owners_spend_at_site: bool) -> np.ndarray:
    """Operating profits (亿元/year) spent minus earned by market: owners spend where they live
    (their home region), or at the site with ``owners_spend_at_site``."""
    fx = firms.index()
    place = fx["place"]
    pi = pi_scale.ravel().take(fx["key"])
    pi *= firms.scale
    if not firms.alive.all():
        pi[~firms.alive] = 0.0
    where = place if owners_spend_at_site else firms.revisers()["home"]
    earned, spent = bincounts([place, where], [pi, pi], [Q, Q])  # (sim.arrays: the same sums)
    return spent - earned
