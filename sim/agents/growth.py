"""Growth of the firms' scale each period (Gibrat's law, MODEL.md §5)."""
from __future__ import annotations

import numpy as np

from .. import rng
from ..economy.growth import laplace_from_uniform, size_dependent_sd


def grow(firms, gbar: float, p, seed: int, step: int, dt: float) -> None:
    """A ← A·exp(ln(1+ḡ)·dt − ½sd²·dt + sd·√dt·z), z standard normal (the default), so that
    E[A'] = A(1+ḡ)^dt; with ``gibrat_size_elasticity`` b > 0 the volatility falls with size, and
    ``gibrat_shock: laplace`` draws tent-shaped shocks (docs/validation.md)."""
    f = firms
    f.grown()
    alive = np.flatnonzero(f.alive)
    sd = p.gibrat_sd * np.sqrt(dt)
    if p.gibrat_shock == "normal" and p.gibrat_size_elasticity == 0:
        every = alive.size == f.alive.size  # no dead rows (the usual case): no gather
        z = rng.normal(seed, "growth", step, f.firm_id if every else f.firm_id[alive])
        z *= sd
        z += np.log1p(gbar) * dt - 0.5 * sd**2
        np.exp(z, out=z)
        if every:
            f.scale *= z
        else:
            f.scale[alive] *= z
        return
    a = f.scale[alive]
    la = np.log(a)
    sd = size_dependent_sd(sd, la, f.sector[alive], f.S, p.gibrat_size_elasticity)
    if p.gibrat_shock == "laplace":  # unit variance; mean of e^(sd·z) = 1/(1 − sd²/2)
        z = laplace_from_uniform(rng.uniform(seed, "growth", step, f.firm_id[alive]) - 0.5)
        corr = np.log1p(-0.5 * sd**2)
    else:
        z = rng.normal(seed, "growth", step, f.firm_id[alive])
        corr = -0.5 * sd**2
    f.scale[alive] = a * np.exp(np.log1p(gbar) * dt + corr + sd * z)
