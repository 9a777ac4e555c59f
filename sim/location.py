"""Revision, logit site choice and the calibration of location constants (MODEL.md §4, §8).

Pure array functions: utilities in, probabilities / choices / constants out.
"""

from __future__ import annotations

import numpy as np


def logit_probabilities(v: np.ndarray) -> np.ndarray:
    """Row-wise softmax of utilities ``v`` (…, C); −inf entries get probability 0."""
    m = np.max(v, axis=-1, keepdims=True)
    e = np.exp(v - m)
    return e / e.sum(axis=-1, keepdims=True)


def logit_share_after_shock(s: float, delta: float) -> float:
    """Closed form: with constants calibrated to share s, a utility gain δ in one of two
    alternatives moves its choice probability to s·e^δ / (1 − s + s·e^δ)."""
    return s * np.exp(delta) / (1.0 - s + s * np.exp(delta))


def transition_matrix(vmat: np.ndarray, constants: np.ndarray) -> np.ndarray:
    """P[r0, r]: probability that a revising firm at r0 chooses r, given deterministic utilities
    ``vmat[r0, r]`` (−inf where r is not a candidate) and site constants."""
    return logit_probabilities(vmat + constants[None, :])


def calibrate_constants(vmat: np.ndarray, counts: np.ndarray, theta: np.ndarray,
                        tol: float = 1e-8, max_iter: int = 2000) -> np.ndarray:
    """Location constants a_r that make ``counts`` a stationary point of the choice dynamics.

    Expected arrivals at r (Σ_r0 θ_r0 N_r0 P(r|r0)) equal expected departures plus stayers (θ_r N_r)
    for every site with firms; a BLP-style contraction a_r += log(target / predicted). Sites with
    no firms get the lowest calibrated constant minus 8 (they attract very few firms but stay open).
    """
    counts = np.asarray(counts, dtype=float)
    has = counts > 0
    a = np.zeros(len(counts))
    if not has.any():
        return a
    a[~has] = -30.0
    target = theta * counts
    for _ in range(max_iter):
        p = transition_matrix(vmat, a)
        pred = (theta * counts) @ p
        step = np.zeros_like(a)
        step[has] = np.log(target[has] / np.maximum(pred[has], 1e-300))
        a += step
        a[has] -= a[has].mean()
        if np.max(np.abs(step)) < tol:
            break
    floor = a[has].min() - 8.0
    a[~has] = floor
    return a


def choose(v: np.ndarray) -> np.ndarray:
    """Index of the best alternative per row (utilities already include the Gumbel shocks)."""
    return np.argmax(v, axis=1)
