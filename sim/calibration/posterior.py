"""The posterior by importance sampling on the emulator.

Proposal = prior: N quasi-random prior draws θ_i (scrambled Sobol through the priors' quantiles).
Likelihood of the observed moments y_m, independent Gaussians with variance the observation error
plus the emulator's predictive variance of a run (latent + seed noise)::

    ln L(θ) = Σ_m −½ [ (y_m − μ_m(θ))² / (s_m² + v_m(θ)) + ln(s_m² + v_m(θ)) ]

Weights w_i ∝ L(θ_i), effective sample size ESS = 1 / Σ w_i². The kept sample: ``draws``
systematic resamples of the weighted draws, duplicates merged (weight = copies / draws).
Posterior predictive of a moment: a new run at each θ_i, y ~ N(μ_m(θ_i), v_m(θ_i)), weighted
quantiles. Leave-one-out: the same with moment c's term dropped from ln L, read at moment c.
Sensitivity: first-order index of the emulator mean over the prior, Var(E[μ | θ_j]) / Var(μ),
with E[μ | θ_j] the mean over 20 quantile bins of θ_j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .posterior_file import weighted_quantile


@dataclass
class Fit:
    x: np.ndarray          # prior draws (N × d)
    mean: np.ndarray       # emulator mean (N × M)
    var: np.ndarray        # emulator predictive variance of a run (N × M)
    loglik_terms: np.ndarray  # (N × M)
    weights: np.ndarray    # (N,), sums to 1
    ess: float


def log_terms(mean: np.ndarray, var: np.ndarray, obs: np.ndarray, obs_sd: np.ndarray) -> np.ndarray:
    tot = obs_sd[None, :] ** 2 + var
    return -0.5 * ((obs[None, :] - mean) ** 2 / tot + np.log(tot))


def normalise(ll: np.ndarray) -> tuple[np.ndarray, float]:
    w = np.exp(ll - ll.max())
    w /= w.sum()
    return w, float(1.0 / np.sum(w ** 2))


def importance(x: np.ndarray, mean: np.ndarray, var: np.ndarray, obs: np.ndarray,
               obs_sd: np.ndarray) -> Fit:
    terms = log_terms(mean, var, obs, obs_sd)
    w, ess = normalise(terms.sum(axis=1))
    return Fit(x, mean, var, terms, w, ess)


def resample(w: np.ndarray, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Systematic resampling: indices kept and their weights (copies / draws), sorted by index."""
    pos = (rng.random() + np.arange(draws)) / draws
    idx = np.minimum(np.searchsorted(np.cumsum(w), pos), w.size - 1)
    keep, copies = np.unique(idx, return_counts=True)
    return keep, copies / draws


def predictive(fit: Fit, w: np.ndarray, rng: np.random.Generator, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
    """Weighted quantiles (M × len(qs)) of a new run's moments under weights ``w``."""
    y = fit.mean + np.sqrt(fit.var) * rng.standard_normal(fit.mean.shape)
    return np.array([[weighted_quantile(y[:, m], w, q) for q in qs] for m in range(y.shape[1])])


def leave_one_out(fit: Fit, cols: list[int], rng: np.random.Generator) -> dict[int, dict]:
    """For each moment column c: weights without c's term, ESS, and c's predictive quantiles."""
    out = {}
    total = fit.loglik_terms.sum(axis=1)
    for c in cols:
        w, ess = normalise(total - fit.loglik_terms[:, c])
        y = fit.mean[:, c] + np.sqrt(fit.var[:, c]) * rng.standard_normal(len(w))
        out[c] = {"ess": ess, "p5": weighted_quantile(y, w, 0.05), "median": weighted_quantile(y, w, 0.5),
                  "p95": weighted_quantile(y, w, 0.95)}
    return out


def first_order(x: np.ndarray, mean: np.ndarray, bins: int = 20) -> np.ndarray:
    """First-order sensitivity (M × d) of the emulator mean over the prior draws."""
    n, d = x.shape
    out = np.zeros((mean.shape[1], d))
    tot = mean.var(axis=0)
    for j in range(d):
        ranks = np.argsort(np.argsort(x[:, j], kind="stable"), kind="stable")
        b = ranks * bins // n
        cnt = np.bincount(b, minlength=bins)
        for m in range(mean.shape[1]):
            means = np.bincount(b, weights=mean[:, m], minlength=bins) / np.maximum(cnt, 1)
            out[m, j] = np.sum(cnt * (means - mean[:, m].mean()) ** 2) / n / tot[m] if tot[m] > 0 else 0.0
    return np.clip(out, 0.0, 1.0)


def marginal_summary(values: np.ndarray, w: np.ndarray) -> dict:
    return {"p5": weighted_quantile(values, w, 0.05), "median": weighted_quantile(values, w, 0.5),
            "p95": weighted_quantile(values, w, 0.95), "mean": float(np.sum(values * w))}


def check_quantiles(yk: np.ndarray) -> np.ndarray:
    """Per check (column of ``yk``, runs × checks): the median, 5 % and 95 % of its finite values
    over the central runs and their number (checks × 4; NaN where none)."""
    out = np.full((yk.shape[1], 4), np.nan)
    for j in range(yk.shape[1]):
        v = yk[:, j][np.isfinite(yk[:, j])]
        out[j, 3] = v.size
        if v.size:
            out[j, :3] = np.quantile(v, [0.5, 0.05, 0.95])
    return out
