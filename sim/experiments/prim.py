"""Scenario discovery with PRIM (Friedman & Fisher 1999), as used in Robust Decision Making.

Question: *which lever settings meet a target in at least 80% of the sampled futures?* Every run
of a sweep is one sampled future (a draw of the uncertainties and a seed) at one lever setting.
PRIM looks for a box on the **lever** dimensions only (``lo < x_j <= hi`` per lever; a set of
allowed values for a lever whose values are not numbers) inside which the share of runs meeting
the target (the box's **density**) is high, while keeping as many of the target-meeting runs as
possible inside it (its **coverage**).

Method (``peel``):

1. Start from the box holding every run.
2. **Peel**: for each lever, try cutting off the ``alpha`` share (default 5%) of the box's runs with
   the lowest values, and the ``alpha`` share with the highest (ties at the cut go together, so at
   least one distinct value is removed; for a non-numeric lever, try removing each value in turn).
   Keep the cut with the largest gain in density per run removed (Friedman & Fisher's criterion,
   ``(mean_new - mean_old) / (n_old - n_new)``). Repeat until no cut leaves at least ``mass_min``
   of all runs (default 5%) and ``min_runs`` runs in the box. This gives the *peeling trajectory*.
3. **Choose** the box on the trajectory with density ≥ ``threshold`` (0.8) that covers the most
   target-meeting runs (ties: the denser, then the larger box).
4. **Drop restrictions that are not needed**: greedily widen one restricted lever back to its full
   range when the box still has density ≥ ``threshold`` and covers at least as many target-meeting
   runs (this removes cuts made early on irrelevant levers; a simple form of PRIM's pasting).

A box limit is the midpoint between the last removed and the first kept value, so on a finely
sampled lever it estimates the threshold itself. No pasting beyond step 4, and no significance test
of each restriction (EMA workbench's quasi-p-values); with few runs in the box, the density is
uncertain (a binomial share of ``n`` runs), so the table reports ``n``.

Coverage = target-meeting runs in the box / all target-meeting runs; density = target-meeting runs
in the box / runs in the box; mass = runs in the box / all runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Box:
    """Limits per lever: numeric ``(lo, hi)`` meaning ``lo < x <= hi`` (``-inf``/``inf`` when not
    restricted on that side), or for a categorical lever the set of allowed values."""

    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    allowed: dict[str, frozenset] = field(default_factory=dict)
    n: int = 0
    hits: int = 0
    density: float = math.nan
    coverage: float = math.nan
    mass: float = math.nan

    def restricted(self) -> list[str]:
        return ([k for k, (lo, hi) in self.limits.items() if math.isfinite(lo) or math.isfinite(hi)]
                + list(self.allowed))


def _inside(X: dict, box: Box) -> np.ndarray:
    n = len(next(iter(X.values())))
    m = np.ones(n, dtype=bool)
    for k, (lo, hi) in box.limits.items():
        x = X[k]
        m &= (x > lo) & (x <= hi)
    for k, vals in box.allowed.items():
        m &= np.isin(X[k], list(vals))
    return m


def _stats(box: Box, m: np.ndarray, y: np.ndarray, total_hits: int) -> Box:
    box.n = int(m.sum())
    box.hits = int(y[m].sum())
    box.density = box.hits / box.n if box.n else math.nan
    box.coverage = box.hits / total_hits if total_hits else math.nan
    box.mass = box.n / len(y)
    return box


def _copy(box: Box) -> Box:
    return Box(limits=dict(box.limits), allowed=dict(box.allowed))


def peel(X: dict[str, np.ndarray], y: np.ndarray, alpha: float = 0.05, mass_min: float = 0.05,
         min_runs: int = 10) -> list[Box]:
    """The peeling trajectory (first box: everything). ``X``: lever name -> values per run (float
    arrays for numeric levers, object arrays for others); ``y``: 1 where the target is met."""
    y = np.asarray(y, dtype=float)
    N = len(y)
    total = int(y.sum())
    numeric = {k for k, v in X.items() if np.asarray(v).dtype.kind in "fiu"}
    X = {k: (np.asarray(v, dtype=float) if k in numeric else np.asarray(v, dtype=object))
         for k, v in X.items()}
    box = Box(limits={k: (-math.inf, math.inf) for k in X if k in numeric})
    m = np.ones(N, dtype=bool)
    traj = [_stats(_copy(box), m, y, total)]
    floor_n = max(min_runs, math.ceil(mass_min * N))
    while True:
        n_old = int(m.sum())
        mean_old = y[m].mean() if n_old else 0.0
        best = None  # (gain, order, new box, mask)
        order = 0
        for k in X:
            x = X[k][m]
            if k in numeric:
                xs = np.sort(x)
                if xs[0] == xs[-1]:
                    continue
                cut = max(1, math.ceil(alpha * n_old))
                uniq = np.unique(xs)
                # lower side: drop values up to the cut-th smallest (ties together)
                low_keep = xs[min(cut, n_old - 1)]
                if low_keep == xs[0]:
                    low_keep = uniq[1]
                last_removed = uniq[np.searchsorted(uniq, low_keep) - 1]
                lo = 0.5 * (last_removed + low_keep)
                # upper side
                high_keep = xs[max(n_old - 1 - cut, 0)]
                if high_keep == xs[-1]:
                    high_keep = uniq[-2]
                first_removed = uniq[np.searchsorted(uniq, high_keep) + 1]
                hi = 0.5 * (high_keep + first_removed)
                cur_lo, cur_hi = box.limits[k]
                cands = [((lo, cur_hi), X[k] > lo), ((cur_lo, hi), X[k] <= hi)]
                for lim, keep_all in cands:
                    nb = _copy(box)
                    nb.limits[k] = lim
                    mm = m & keep_all
                    best = _better(best, mm, y, n_old, mean_old, floor_n, order, nb)
                    order += 1
            else:
                present = list(dict.fromkeys(x.tolist()))
                if len(present) < 2:
                    continue
                for v in present:
                    nb = _copy(box)
                    nb.allowed[k] = frozenset(p for p in present if p != v)
                    mm = m & (X[k] != v)
                    best = _better(best, mm, y, n_old, mean_old, floor_n, order, nb)
                    order += 1
        if best is None:
            break
        _, _, box, m = best
        traj.append(_stats(_copy(box), m, y, total))
    return traj


def _better(best, mm, y, n_old, mean_old, floor_n, order, nb):
    n_new = int(mm.sum())
    if n_new < floor_n or n_new >= n_old:
        return best
    gain = (y[mm].mean() - mean_old) / (n_old - n_new)
    if best is None or gain > best[0]:
        return (gain, order, nb, mm)
    return best


def choose(traj: list[Box], threshold: float = 0.8) -> Box | None:
    """The trajectory's box with density ≥ threshold covering the most target-meeting runs
    (ties: denser, then larger); None when no box reaches the threshold."""
    ok = [b for b in traj if b.n and b.density >= threshold]
    if not ok:
        return None
    return max(ok, key=lambda b: (b.hits, b.density, b.n))


def drop_unneeded(box: Box, X: dict, y: np.ndarray, threshold: float = 0.8) -> Box:
    """Widen restricted levers back to their full range while the box keeps density ≥ threshold
    and covers at least as many target-meeting runs (best widening first)."""
    y = np.asarray(y, dtype=float)
    total = int(y.sum())
    X = {k: (np.asarray(v, dtype=float) if np.asarray(v).dtype.kind in "fiu"
             else np.asarray(v, dtype=object)) for k, v in X.items()}
    cur = box
    while True:
        best = None
        for k in cur.restricted():
            nb = _copy(cur)
            if k in nb.allowed:
                del nb.allowed[k]
            else:
                nb.limits[k] = (-math.inf, math.inf)
            _stats(nb, _inside(X, nb), y, total)
            if nb.density >= threshold and nb.hits >= cur.hits and (
                    best is None or (nb.hits, nb.density) > (best.hits, best.density)):
                best = nb
        if best is None:
            return cur
        cur = best


def find_box(X: dict, y: np.ndarray, threshold: float = 0.8, alpha: float = 0.05,
             mass_min: float = 0.05, min_runs: int = 10) -> tuple[Box | None, Box, list[Box]]:
    """(chosen box or None, densest box of the trajectory, trajectory)."""
    traj = peel(X, y, alpha=alpha, mass_min=mass_min, min_runs=min_runs)
    chosen = choose(traj, threshold)
    if chosen is not None:
        chosen = drop_unneeded(chosen, X, y, threshold)
    densest = max(traj, key=lambda b: (b.density if b.n else -1.0, b.hits))
    return chosen, densest, traj


def describe(box: Box, labels: dict[str, str] | None = None, units: dict[str, str] | None = None,
             fmt=None) -> str:
    """Plain-language conditions of a box, e.g. ``land_discount ≥ 0.32 and talent_subsidy ≥ 12,000
    yuan/person-year``; ``any lever values`` when nothing is restricted."""
    labels, units = labels or {}, units or {}
    fmt = fmt or (lambda v: f"{v:,.4g}" if abs(v) >= 1000 else f"{v:.3g}")
    parts = []
    for k in box.restricted():
        name = labels.get(k, k)
        u = f" {units[k]}" if units.get(k) else ""
        if k in box.allowed:
            vals = sorted(box.allowed[k], key=str)
            parts.append(f"{name} in {{{', '.join(map(str, vals))}}}")
            continue
        lo, hi = box.limits[k]
        if math.isfinite(lo) and math.isfinite(hi):
            parts.append(f"{fmt(lo)} ≤ {name} ≤ {fmt(hi)}{u}")
        elif math.isfinite(lo):
            parts.append(f"{name} ≥ {fmt(lo)}{u}")
        else:
            parts.append(f"{name} ≤ {fmt(hi)}{u}")
    return " and ".join(parts) if parts else "any lever values"
