"""Growth of the firms' scale each period: investment's net growth (MODEL.md §9.1,
``sim.agents.investment``) plus Gibrat's shocks (MODEL.md §5)."""
from __future__ import annotations

import numpy as np

from .. import rng
from ..economy.growth import laplace_from_uniform, size_dependent_sd


def log_scale_sums(firms, p) -> tuple | None:
    """When the Gibrat volatility depends on size and every row is alive: ln A per row and the
    problem (sector, ln A, S) whose bincount gives Σ ln A by sector, the reference of
    ``size_dependent_sd``, for a caller that takes it with its own bincount over the same rows
    (``sim.arrays.bincounts``); else None."""
    if (p.gibrat_shock == "normal" and p.gibrat_size_elasticity == 0) or not firms.alive.all():
        return None
    la = np.log(firms.scale)
    return la, (firms.index()["sector"], la, firms.S)


def grow(firms, drift: np.ndarray, p, seed: int, step: int, dt: float,
         log_scale: tuple | None = None) -> None:
    """A ← A·exp(x + s), per row: x = ``drift``, the log growth from investment over the period,
    (I/K − δ)·dt (``sim.agents.investment``; on the balanced path ln(1 + ḡ)·dt, the trend's capacity
    growth), and s the Gibrat shock, a separate term with E[e^s] = 1: s = −½sd²·dt + sd·√dt·z, z
    standard normal (the default); with ``gibrat_size_elasticity`` b > 0 the volatility falls with
    size, and ``gibrat_shock: laplace`` draws tent-shaped shocks (docs/validation.md). ``drift``
    has one value per row of the population (dead rows ignored). ``log_scale``: (ln A, Σ ln A by
    sector) of ``log_scale_sums``' rows, if the caller took them."""
    f = firms
    f.grown()
    alive = f.alive.nonzero()[0]
    sd = p.gibrat_sd * np.sqrt(dt)
    if p.gibrat_shock == "normal" and p.gibrat_size_elasticity == 0:
        every = alive.size == f.alive.size  # no dead rows (the usual case): no gather
        z = rng.normal(seed, "growth", step, f.firm_id if every else f.firm_id[alive])
        z *= sd
        z += (drift if every else drift[alive]) - 0.5 * sd**2
        np.exp(z, out=z)
        if every:
            f.scale *= z
        else:
            f.scale[alive] *= z
        return
    every = alive.size == f.alive.size  # no dead rows (the usual case): the arrays, no gather
    a = f.scale if every else f.scale[alive]
    ids = f.firm_id if every else f.firm_id[alive]
    la, sums = log_scale if log_scale is not None else (np.log(a), None)
    sd = size_dependent_sd(sd, la, f.index()["sector"] if every else f.sector[alive], f.S, p.gibrat_size_elasticity,
                           f.by_sector()[4], sums)  # the live rows' count by sector (the grouping's)
    if p.gibrat_shock == "laplace":  # unit variance; mean of e^(sd·z) = 1/(1 − sd²/2)
        u = rng.uniform(seed, "growth", step, ids)
        u -= 0.5
        z = laplace_from_uniform(u)
        corr = np.log1p(-0.5 * sd**2)
    else:
        z = rng.normal(seed, "growth", step, ids)
        corr = -0.5 * sd**2
    z *= sd
    corr += drift if every else drift[alive]  # corr + x + sd·z, added in this order
    corr += z
    np.exp(corr, out=corr)
    if every:
        f.scale *= corr
    else:
        f.scale[alive] = a * corr
