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

import math
from typing import NamedTuple

import numpy as np

from .. import jit

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


def stage_factors(parts, wait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The levers' stage factors of n projects from ``parts``, pairs (x, start) in order: x (n,) adds
    to the advance factor of signed projects when ``start`` (the business environment), else to the
    cut of drop-outs during construction (finance levers):

        a = 1 + Σ x_p,  m = wait · max(1 − Σ x_p, 0)

    (summed in the parts' order from 1 and 0, as the kernel of :func:`counterfactual_drops` does)."""
    adv = np.ones(len(wait))
    cut = np.zeros(len(wait))
    for x, start in parts:
        if start:
            adv += x
        else:
            cut += x
    return adv, wait * np.maximum(1.0 - cut, 0.0)


def counterfactual_drops(stage: np.ndarray, u: np.ndarray, wait: np.ndarray, x: np.ndarray,
                         start: np.ndarray, skip: np.ndarray, h: StageHazards) -> np.ndarray:
    """(C, n) whether each of n projects before 投产 (``stage`` < PRODUCING, uniforms ``u``, wait
    factors ``wait``) drops this period under C sets of the levers' stage effects: set c leaves
    out the parts p with ``skip[c, p]``. Part p (of P) adds ``x[p]`` (per project) to the advance
    factor a when ``start[p]`` (the business environment), else to the cut of drop-outs during
    construction; in the parts' order from 1 and 0:

        a = 1 + Σ x_p,  m = wait · max(1 − Σ x_p, 0),  (h_k·a, d_k·m) capped as in :func:`stage_rates`,
        drops if h_k·a ≤ u < h_k·a + d_k·m.

    The numpy form, or the kernel :func:`_counterfactual_drops_kernel` (the same operations per
    project in the same order; NaN kept as ``np.minimum`` / ``np.maximum`` keep it)."""
    C, n = skip.shape[0], len(stage)
    if jit.ENABLED:
        out = np.zeros((C, n), dtype=np.bool_)
        _counterfactual_drops_kernel(np.ascontiguousarray(stage, dtype=np.int64), np.ascontiguousarray(u, dtype=np.float64),
                                     np.ascontiguousarray(wait, dtype=np.float64),
                                     np.ascontiguousarray(x, dtype=np.float64).reshape(len(start), n),
                                     np.ascontiguousarray(start, dtype=np.bool_), np.ascontiguousarray(skip, dtype=np.bool_),
                                     np.ascontiguousarray(h.h, dtype=np.float64), np.ascontiguousarray(h.d, dtype=np.float64),
                                     out)
        return out
    out = np.empty((C, n), dtype=bool)
    for c in range(C):
        adv, mult = stage_factors([(x[p], start[p]) for p in range(len(start)) if not skip[c, p]], wait)
        hk, dk = stage_rates(stage, h, mult, adv)
        out[c] = (u >= hk) & (u < hk + dk)
    return out


@jit.kernel
def _counterfactual_drops_kernel(stage, u, wait, x, start, skip, hh, hd, out):
    """:func:`counterfactual_drops` project by project: out[c, i] for every set c."""
    K = hh.shape[0]
    for i in range(stage.shape[0]):
        k = stage[i] if stage[i] < PRODUCING else 0
        if k < 0:  # (numpy's index from the end)
            k += K
        for c in range(skip.shape[0]):
            adv = 1.0
            cut = 0.0
            for p in range(start.shape[0]):
                if skip[c, p]:
                    continue
                if start[p]:
                    adv += x[p, i]
                else:
                    cut += x[p, i]
            # np.maximum(1 − cut, 0) and np.minimum(·, ·) as numpy's: a NaN operand gives NaN
            keep = 1.0 - cut
            if keep < 0.0:  # noqa: PLR1730 (max() need not keep a NaN)
                keep = 0.0
            mult = wait[i] * keep
            a = hh[k] * adv
            hk = a if (math.isnan(a) or a < 1.0) else 1.0
            b = 1.0 - hk
            d = hd[k] * mult
            if math.isnan(d) or math.isnan(b):
                dk = d + b
            elif d < b:
                dk = d
            else:
                dk = b
            out[c, i] = (u[i] >= hk) and (u[i] < hk + dk)
