"""Gibrat growth of firm scale (MODEL.md §5): log A grows by the national drift plus a shock."""
from __future__ import annotations

import numpy as np


def national_drift(rates: np.ndarray, weights: np.ndarray) -> float:
    """ḡ = Σ_q g_q w_q / Σ_q w_q: the income-weighted mean trend growth rate (per year)."""
    return float(np.multiply(rates, weights).sum() / weights.sum())


def size_dependent_sd(sd: float, log_scale: np.ndarray, sector: np.ndarray, S: int,
                      elasticity: float, counts: np.ndarray | None = None,
                      sums: np.ndarray | None = None) -> np.ndarray:
    """Volatility sd·(A/Ā_s)^−b, Ā_s the sector's geometric mean size, capped at 1. ``counts``: the
    number of rows of each sector, ``np.bincount(sector, minlength=S)``, if known; ``sums``: Σ ln A
    by sector, ``np.bincount(sector, weights=log_scale, minlength=S)``, if known."""
    if counts is None:
        counts = np.bincount(sector, minlength=S)
    if sums is None:
        sums = np.bincount(sector, weights=log_scale, minlength=S)
    ref = sums / np.maximum(counts, 1)
    x = ref.take(sector)  # sd·exp(−b·(ln A − ref_s)), capped at 1, in place
    np.subtract(log_scale, x, out=x)
    x *= -elasticity
    np.exp(x, out=x)
    x *= sd
    return np.minimum(x, 1.0, out=x)


def laplace_from_uniform(u: np.ndarray) -> np.ndarray:
    """Unit-variance Laplace (tent-shaped) shocks from uniforms on (−½, ½):
    z = −sign(u)·ln(1 − 2|u|)/√2 (computed with two arrays, in that order)."""
    t = np.abs(u)
    t *= -2
    np.log1p(t, out=t)
    z = np.sign(u)
    np.negative(z, out=z)
    z *= t
    z /= np.sqrt(2.0)
    return z
