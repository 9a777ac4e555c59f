"""The project pipeline (MODEL.md §9.3): intention → signed (签约) → started (开工) → producing (投产)
→ full output (达产), a discrete-time phase-type chain.

Each period a project in stage k advances with probability h_k or drops out with probability d_k
(exclusive events, h_k + d_k ≤ 1). For the chain:

    realization of stage k         r_k = h_k / (h_k + d_k)
    expected periods in stage k    t_k = 1 / (h_k + d_k)
    realization intention → 投产   R = Π_k r_k
    expected lag to 投产 | reached  Σ_k t_k (given it advances, the time in stage k is geometric with
                                    the same mean 1/(h_k + d_k))

so the hazards follow from a realization and a duration per stage: h_k = r_k / t_k, d_k = (1 − r_k) / t_k.
Free parameters are kept few (MODEL.md §9.3): one overall realization R and one mean lag T split by
stage shares (data, flagged), so r_k = R^{q_k} and t_k = T·s_k / dt.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

STAGES = ("intention", "signed", "started", "producing", "full")
INTENTION, SIGNED, STARTED, PRODUCING, FULL = range(5)
DROPPED = -1


class StageHazards(NamedTuple):
    """Per-period advance ``h[k]`` and drop-out ``d[k]`` probabilities of the stages before 投产
    (intention, signed, started), and the ramp hazard to 达产."""

    h: np.ndarray
    d: np.ndarray
    ramp: float


def stage_hazards(realization: float, years: float, duration_share: np.ndarray,
                  dropout_share: np.ndarray, ramp_years: float, dt: float) -> StageHazards:
    """Hazards per period of length ``dt`` (years) from the realization R (intention → 投产), the mean
    lag ``years`` of a realized project, the stages' shares of that lag (``duration_share``, sums to 1)
    and of the drop-outs in log terms (``dropout_share``: r_k = R^{q_k}), and the ramp to 达产."""
    t = np.maximum(years * np.asarray(duration_share, dtype=float) / dt, 1.0)  # periods per stage
    r = realization ** np.asarray(dropout_share, dtype=float)
    return StageHazards(r / t, (1 - r) / t, min(dt / max(ramp_years, dt), 1.0))


def realization(h: StageHazards) -> float:
    """Closed form: the probability that an intention reaches 投产, Π h_k / (h_k + d_k)."""
    return float(np.prod(h.h / (h.h + h.d)))


def expected_lag(h: StageHazards) -> float:
    """Closed form: the expected number of periods from intention to 投产 of a realized project."""
    return float(np.sum(1.0 / (h.h + h.d)))


def steady_state(inflow: float, h: StageHazards) -> np.ndarray:
    """Expected numbers of projects in each pre-投产 stage with a constant inflow of intentions per
    period: n_0 = inflow·t_0, n_{k+1} = n_k·h_k / (h_{k+1} + d_{k+1})."""
    n = np.zeros(len(h.h))
    flow = inflow
    for k in range(len(h.h)):
        n[k] = flow / (h.h[k] + h.d[k])
        flow = n[k] * h.h[k]
    return n


def reach_probability(h: StageHazards, start: int, periods: int) -> np.ndarray:
    """Closed form: P(a project in stage ``start`` at period 0 has reached 投产 by period n), n = 1 ..
    ``periods`` (the phase-type chain's absorbing-state probability, from the transition matrix over
    the pre-投产 stages, 投产 and dropped). A project already producing has reached it (all ones)."""
    K = len(h.h)
    if start >= K:
        return np.ones(periods)
    P = np.zeros((K + 2, K + 2))  # states 0..K−1 the stages, K = 投产, K + 1 = dropped
    for k in range(K):
        P[k, k + 1] = h.h[k]
        P[k, K + 1] = h.d[k]
        P[k, k] = 1.0 - h.h[k] - h.d[k]
    P[K, K] = P[K + 1, K + 1] = 1.0
    x = np.zeros(K + 2)
    x[start] = 1.0
    out = np.empty(periods)
    for n in range(periods):
        x = x @ P
        out[n] = x[K]
    return out


def advance(stage: np.ndarray, u: np.ndarray, h: StageHazards, drop_mult: np.ndarray | None = None,
            blocked: np.ndarray | None = None, adv_mult: np.ndarray | None = None) -> np.ndarray:
    """The stages after one period: with uniforms ``u``, a project in stage k < 投产 advances if
    u < h_k·a, drops if h_k·a ≤ u < h_k·a + d_k·m, else stays (``drop_mult`` m per project: ≥ 1 for
    projects that have waited for land, < 1 where finance levers lower construction drop-outs;
    ``adv_mult`` a ≥ 1 where the business environment speeds signed → started; h·a ≤ 1 and then
    d·m ≤ 1 − h·a); a ``blocked`` project that would advance stays instead (no free land to start
    on). A producing project reaches 达产 with the ramp hazard. Returns the new stages (DROPPED = −1)."""
    new = stage.copy()
    pre = stage < PRODUCING
    hk, dk = stage_rates(stage, h, drop_mult, adv_mult)
    go = pre & (u < hk)
    if blocked is not None:  # it would advance (u < h) but cannot: it stays (no drop-out either)
        go &= ~blocked
    drop = pre & (u >= hk) & (u < hk + dk)
    new[go] += 1
    new[drop] = DROPPED
    ramp = stage == PRODUCING
    new[ramp & (u < h.ramp)] = FULL
    return new


def stage_rates(stage: np.ndarray, h: StageHazards, drop_mult: np.ndarray | None = None,
                adv_mult: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per project, this period's advance and drop-out probabilities (h_k·a, d_k·m) of its stage,
    capped so that they are probabilities of exclusive events (see :func:`advance`)."""
    k = np.where(stage < PRODUCING, stage, 0)
    hk, dk = h.h[k], h.d[k]
    if adv_mult is not None:
        hk = np.minimum(hk * adv_mult, 1.0)
    if drop_mult is not None:
        dk = np.minimum(dk * drop_mult, 1.0 - hk)
    elif adv_mult is not None:
        dk = np.minimum(dk, 1.0 - hk)
    return hk, dk
