"""Revision, (nested) logit site choice and the calibration of location constants (MODEL.md §4, §8).

Pure array functions: utilities in, probabilities / choices / constants out.

Nested logit (McFadden 1978; Train 2009 ch. 4): sites are grouped in nests (a study-area city's
parks and its outside-park site form one nest; each origin region is a nest of its own) with a
dissimilarity λ ∈ (0, 1]. With I_n = ln Σ_{k∈n} e^{V_k/λ}, the choice probability is

    P_j = e^{V_j/λ} / e^{I_n(j)} · e^{λ I_n(j)} / Σ_m e^{λ I_m};

λ = 1 is the plain logit. The simulation draws the matching shocks (``sim.rng.nested_gumbel``).
"""

from __future__ import annotations

import numpy as np

from .. import jit


def row_max(v: np.ndarray) -> np.ndarray:
    """``np.max(v, axis=-1, keepdims=True)`` (the same values: the entry ``argmax`` points at, the
    first maximum, or the first NaN) for short rows, where numpy's reduction along the last axis
    costs ~60 ns per row and ``argmax`` a few."""
    v = np.asarray(v)
    i = v.argmax(axis=-1).ravel()
    return v.reshape(-1, v.shape[-1])[np.arange(i.size), i].reshape(v.shape[:-1] + (1,))


def logit_probabilities(v: np.ndarray) -> np.ndarray:
    """Row-wise softmax of utilities ``v`` (…, C); −inf entries get probability 0."""
    m = row_max(v)
    e = np.exp(v - m)
    return e / e.sum(axis=-1, keepdims=True)


def nest_matrix(nest: np.ndarray) -> np.ndarray:
    """One-hot (C, N) matrix of the nest of each alternative (nest ids 0..N−1)."""
    nest = np.asarray(nest)
    out = np.zeros((len(nest), int(nest.max()) + 1))
    out[np.arange(len(nest)), nest] = 1.0
    return out


def nested_logit_probabilities(v: np.ndarray, nest: np.ndarray | None = None,
                               lam: float = 1.0) -> np.ndarray:
    """Nested-logit choice probabilities of utilities ``v`` (rows × C); ``nest[j]`` the nest of
    alternative j, ``lam`` the dissimilarity (0 < λ ≤ 1). −inf entries get probability 0 (a nest
    with no finite entry gets none). λ = 1 (or no nests) is :func:`logit_probabilities`, exactly."""
    if nest is None or lam == 1.0:
        return logit_probabilities(v)
    v = np.atleast_2d(v)
    nest = np.asarray(nest)
    onehot = nest_matrix(nest)
    top = row_max(v)
    e = np.exp((v - top) / lam)                      # e^{(V_j − M)/λ} ≤ 1, the largest is 1
    # e^{I_n − M/λ} per nest: one matrix product over every row (a stack of rows as one matrix)
    inner = (e.reshape(-1, e.shape[-1]) @ onehot).reshape(e.shape[:-1] + (onehot.shape[1],))
    # a nest's value at each of its alternatives: ``x @ onehot.T`` has one non-zero product per
    # entry, so the column look-up x[..., nest] gives the same numbers
    within = e / np.maximum(inner[..., nest], 1e-300)  # P(j | its nest)
    w = inner ** lam                                 # e^{λ I_n − M}
    between = w / w.sum(axis=-1, keepdims=True)      # P(nest)
    return within * between[..., nest]


def nested_logit_column(v: np.ndarray, nest: np.ndarray | None, lam: float, j: int,
                        onehot: np.ndarray | None = None) -> np.ndarray:
    """``nested_logit_probabilities(v, nest, lam)[..., j]`` (the same numbers) without the other
    alternatives' probabilities: P(j | its nest n) · P(n). ``onehot``: ``nest_matrix(nest)``, if
    the caller keeps it."""
    if nest is None or lam == 1.0:
        return logit_probabilities(v)[..., j]
    v = np.atleast_2d(v)
    nest = np.asarray(nest)
    if onehot is None:
        onehot = nest_matrix(nest)
    top = row_max(v)
    e = np.exp((v - top) / lam)
    inner = (e.reshape(-1, e.shape[-1]) @ onehot).reshape(e.shape[:-1] + (onehot.shape[1],))
    n = nest[j]
    within = e[..., j] / np.maximum(inner[..., n], 1e-300)
    w = inner ** lam
    return within * (w[..., n] / w.sum(axis=-1))


def logit_share_after_shock(s: float, delta: float) -> float:
    """Closed form: with constants calibrated to share s, a utility gain δ in one of two
    alternatives moves its choice probability to s·e^δ / (1 − s + s·e^δ)."""
    return s * np.exp(delta) / (1.0 - s + s * np.exp(delta))


def transition_matrix(vmat: np.ndarray, constants: np.ndarray, nest: np.ndarray | None = None,
                      lam: float = 1.0) -> np.ndarray:
    """P[r0, r]: probability that a revising firm at r0 chooses r, given deterministic utilities
    ``vmat[r0, r]`` (−inf where r is not a candidate), site constants, and the nests of the sites
    with dissimilarity ``lam`` (plain logit when λ = 1)."""
    return nested_logit_probabilities(vmat + constants[None, :], nest, lam)


def calibrate_constants(vmat: np.ndarray, counts: np.ndarray, theta: np.ndarray,
                        nest: np.ndarray | None = None, lam: float = 1.0,
                        tol: float = 1e-8, max_iter: int = 2000) -> np.ndarray:
    """Location constants a_r that make ``counts`` a stationary point of the choice dynamics.

    Expected arrivals at r (Σ_r0 θ_r0 N_r0 P(r|r0)) equal expected departures plus stayers (θ_r N_r)
    for every site with firms, i.e. the flows between sites balance: in_r = Σ_{r0≠r} θ_r0 N_r0
    P(r|r0) equals out_r = θ_r N_r (1 − P(r|r)). A damped fixed point on that balance,
    a_r += (λ/2)·ln(out_r / in_r): a constant raises its inflow by about e^{δ/λ} and lowers its
    outflow by about e^{−δ/λ} (movers are few: P(r|r) ≈ 1), so this is a Newton step on the log
    balance. (A BLP step on arrivals plus stayers, ln(θN / predicted), converges at the rate of the
    movers' share, ~1 % per iteration: it stopped at its iteration cap in every sector.) Sites with
    no flow either way keep their constant. Sites with no firms get the lowest calibrated constant
    minus 8λ (the same within-nest odds e^−8 as in the plain logit: they attract very few firms but
    stay open).
    """
    counts = np.asarray(counts, dtype=float)
    has = counts > 0
    a = np.zeros(len(counts))
    if not has.any():
        return a
    a[~has] = -30.0
    mass = theta * counts
    for _ in range(max_iter):
        moves = transition_matrix(vmat, a, nest, lam)
        np.fill_diagonal(moves, 0.0)  # off-diagonal sums: 1 − P(r|r) would cancel to 0
        inflow = mass @ moves
        outflow = mass * moves.sum(axis=1)
        ok = has & (inflow > 0) & (outflow > 0)
        step = np.zeros_like(a)
        step[ok] = 0.5 * lam * np.log(outflow[ok] / inflow[ok])
        a += step
        a[has] -= a[has].mean()
        if np.max(np.abs(step)) < tol:
            break
    floor = a[has].min() - 8.0 * lam
    a[~has] = floor
    return a


def choose(v: np.ndarray) -> np.ndarray:
    """Index of the best alternative per row (utilities already include the Gumbel shocks)."""
    return np.argmax(v, axis=1)


def preference_order(v: np.ndarray, rounds: int) -> np.ndarray:
    """Each row's alternatives by decreasing utility, the first ``rounds`` of them:
    ``argsort(-v)[:, :rounds]`` without sorting the rest. Ties between finite utilities have
    probability 0 with continuous shocks."""
    k = min(rounds, v.shape[1])
    if v.shape[1] <= k or v.shape[0] == 0:
        return np.argsort(-v, axis=1)
    neg = -v
    top = np.argpartition(neg, k - 1, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(np.take_along_axis(neg, top, axis=1), axis=1), axis=1)


def admit_in_order(need: np.ndarray, site: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The capacity rule's admission test: requests sorted so that each site's are contiguous and
    in admission order; request i is admitted if the cumulative need (ha) of its site's requests up
    to and including it fits in the site's free land: Σ_{j ≤ i, same site} need_j ≤ free[site]
    (as (C_i − C_start) ≤ free + 1e-12 with C the running sum over all requests; the kernel
    :func:`_admit_in_order` when ``jit.ENABLED``: the same operations)."""
    if jit.ENABLED:
        ok = np.empty(len(need), dtype=np.bool_)
        _admit_in_order(np.ascontiguousarray(need, dtype=np.float64), np.ascontiguousarray(site),
                        np.ascontiguousarray(free, dtype=np.float64), ok)
        return ok
    csum = np.cumsum(need)
    start = np.concatenate(([0], np.flatnonzero(np.diff(site)) + 1))
    base = np.repeat(csum[start] - need[start], np.diff(np.append(start, len(site))))
    return (csum - base) <= free[site] + 1e-12


@jit.kernel
def _admit_in_order(need, site, free, ok):
    """:func:`admit_in_order` in one pass: C_i = C_{i−1} + need_i (C_0 = need_0), B = C_s − need_s at
    the first request s of each site's run, ok_i = C_i − B ≤ free[site_i] + 1e-12."""
    c = 0.0
    b = 0.0
    for i in range(need.shape[0]):
        c = need[i] if i == 0 else c + need[i]
        if i == 0 or site[i] != site[i - 1]:
            b = c - need[i]
        ok[i] = (c - b) <= free[site[i]] + 1e-12


def utility_rows(net_scale: np.ndarray, move_base: np.ndarray, pi_scale: np.ndarray, sec: np.ndarray,
                 cur: np.ndarray, pib: np.ndarray, beta: float, lead_bonus: float, lead: np.ndarray,
                 admit: np.ndarray, constants: np.ndarray | None,
                 relocation_costs: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic utility V (n × R) of n choosers of sectors ``sec`` at sites ``cur`` for every
    site, and their moving costs (n × R, 亿元/year per unit scale; 0 to stay) (MODEL.md §4):

        V_ir = β (π_net[s, r] − move[r0, r]·π[s, r0]) / π̄_s + bonus·lead[s, r] + a[s, r]

    −inf where the site does not admit the sector (a firm may always stay where it is). ``pib``:
    max(π̄, 1e-300) per chooser; ``move_base[r0, r]``: moving cost in years of operating profit;
    ``constants`` None leaves the location constants out (their calibration)."""
    n, R = len(sec), net_scale.shape[1]
    rows = np.arange(n)
    if relocation_costs:
        move = move_base[cur]
        move *= pi_scale[sec, cur][:, None]
        move[rows, cur] = 0.0
    else:
        move = np.zeros((n, R))
    v = net_scale[sec]
    v -= move
    v *= beta
    v /= pib[:, None]
    v += lead_bonus * lead[sec]
    # a firm may always stay where it is, even at a site that no longer admits its sector
    ok = admit[sec]
    ok[rows, cur] = True
    v[~ok] = -np.inf
    if constants is not None:
        v += constants[sec]
    return v, move


def calibrate_share_constants(v: np.ndarray, weights: np.ndarray, target: np.ndarray,
                              nest: np.ndarray | None = None, lam: float = 1.0, base: int = -1,
                              tol: float = 1e-9, max_iter: int = 5000) -> np.ndarray:
    """Constants a_j that make the choice shares of a mixture of choosers equal ``target``:
    Σ_o w_o P_j(v_o + a) = target_j for every alternative j with a positive target (BLP contraction
    a_j += λ·ln(target_j / predicted_j), Berry 1994), normalised so that a[base] = 0; alternatives
    with a zero target get the lowest constant − 8λ (they are chosen rarely but stay open).
    ``v``: utilities (O × C, −inf where not available) of O chooser types with weights w (sum 1)."""
    target = np.asarray(target, dtype=float)
    has = target > 0
    a = np.zeros(len(target))
    a[~has] = -30.0
    w = np.asarray(weights, dtype=float)[:, None]
    for _ in range(max_iter):
        pred = (w * nested_logit_probabilities(v + a[None, :], nest, lam)).sum(axis=0)
        step = np.zeros_like(a)
        step[has] = lam * np.log(target[has] / np.maximum(pred[has], 1e-300))
        a += step
        a[has] -= a[base]
        if np.max(np.abs(step)) < tol:
            break
    a[~has] = a[has].min() - 8.0 * lam
    return a
