"""The probability that a project of the national flow goes to the rest of China (the outside
alternative, its own nest) rather than to a site of the study area, per (sector, investor origin),
for sets of site terms at once: the without-lever counterfactuals of attribution need one set per
lever (``sim.agents.projects.ProjectEconomy._choose_sites``)."""
from __future__ import annotations

import numpy as np

from ..economy.choice import nested_logit_column


class OutsideShare:
    """P(rest of China) of a project from the utilities of its R sites and the outside option:
    V[s, q, c] = base[s, c] + home_bias[q, c] (+ the site terms of a set on the R sites), nested
    logit with nests ``nest`` (the rest of China its own) and dissimilarity ``nest_lambda``."""

    def __init__(self, S: int, Q: int, R: int, home_bias: np.ndarray, nest: np.ndarray, nest_lambda: float,
                 onehot: np.ndarray) -> None:
        self.S, self.Q, self.R = S, Q, R
        self.home_bias, self.nest, self.nest_lambda, self.onehot = home_bias, nest, nest_lambda, onehot

    def p_out(self, base: np.ndarray, extras: list, used: np.ndarray) -> np.ndarray:
        """P(rest of China) (K, S, Q) per (sector, investor origin) for K sets of site terms
        ``extras`` (each S × R) added to the utilities ``base`` (S × C), for the sectors ``used``
        (1 for the others): the nested-logit probabilities of every (set, sector) at once, each
        (Q × C) slice computed as it would be alone (the same element-wise operations and one
        matrix product per slice)."""
        R, K, U = self.R, len(extras), len(used)
        out = np.ones((K, self.S, self.Q))
        if U == 0:
            return out
        if K == 1:  # one set (each step's full table): the operations below without the copies
            v = base[used][:, None, :] + self.home_bias[None]
            v[..., :R] += extras[0][used][:, None, :]
            out[0, used] = nested_logit_column(v, self.nest, self.nest_lambda, R, self.onehot)
            return out
        ex = np.stack(extras)[:, used]                          # (K, U, R)
        # a (set, sector) slice with the first set's terms has its numbers (the same inputs, the
        # same operations row by row): computed once, copied (e.g. a lever without a term there)
        same = (ex[1:] == ex[0][None]).all(axis=2)              # (K − 1, U)
        kk, uu = np.nonzero(np.concatenate([np.ones((1, U), dtype=bool), ~same]))
        v = np.empty((kk.size, self.Q, R + 1))
        v[...] = (base[used][:, None, :] + self.home_bias[None])[uu]
        v[..., :R] += ex[kk, uu][:, None, :]
        res = np.empty((K, U, self.Q))
        res[kk, uu] = nested_logit_column(v, self.nest, self.nest_lambda, R, self.onehot)
        k1, u1 = np.nonzero(same)
        res[k1 + 1, u1] = res[0, u1]
        out[:, used] = res
        return out

    def p_out_at(self, base: np.ndarray, extras: list, ref: np.ndarray, p_ref: np.ndarray,
                 sec: np.ndarray, org: np.ndarray) -> np.ndarray:
        """``p_out(base, extras, ·)[:, sec, org]`` (K, n) for n projects of sectors ``sec`` and
        investor origins ``org``: each (set, sector, origin) row once, as in ``p_out`` (the same
        operations row by row); a row whose terms equal ``ref``'s (S × R, with P(rest of China)
        ``p_ref``, S × Q) is ``p_ref``'s. ``extras``: K arrays (S × R), or one (K, S, R) array."""
        R, Q = self.R, self.Q
        # the distinct (sector, origin) pairs in increasing order and each project's among them
        # (``np.unique(..., return_inverse=True)`` by a table over the S·Q pairs)
        code = np.asarray(sec, dtype=np.intp) * Q + org
        seen = np.zeros(self.S * Q, dtype=bool)
        seen[code] = True
        pair = seen.nonzero()[0]
        rank = np.cumsum(seen) - 1
        inv = rank.take(code)
        ps, pq = pair // Q, pair % Q
        ex = np.asarray(extras)                                 # (K, S, R)
        same = (ex == ref[None]).all(axis=2).take(ps, axis=1)   # (K, P): by sector, then per pair
        res = np.empty(same.shape)
        res[:, :] = p_ref[ps, pq][None]
        kk, jj = (~same).nonzero()
        if kk.size:
            v = base[ps[jj]] + self.home_bias[pq[jj]]
            v[:, :R] += ex[kk, ps[jj]]
            res[kk, jj] = nested_logit_column(v, self.nest, self.nest_lambda, R, self.onehot)
        return res[:, inv]
