"""Who a lever induced: an arrival is *induced* if its best choice without any policy term differs
from where it went, and lever j is *pivotal* for it if removing j alone changes its best choice (same
state, same Gumbel draws: partial equilibrium; docs/model.md §Attribution)."""
from __future__ import annotations

import numpy as np


def attribute(v_full: np.ndarray, terms: list, stack, cur: np.ndarray, dest: np.ndarray,
              promo_only: np.ndarray, plain: np.ndarray, promos: list[tuple[int, np.ndarray]],
              sector: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For choosers with utilities ``v_full`` (n × R, shocks and terms included) who were at
    ``cur`` and went to ``dest``: ``(movers, induced, pivotal)`` — the rows that moved, whether each
    was induced, and a bitmask of its pivotal levers (bit j for lever j).

    ``terms``: the levers' (j, term, applies) of the choice (``PolicyRuntime.choice_terms``);
    ``stack``: the same terms stacked (or None). ``promo_only``: revising only because of a
    promotion; ``promos``: (j, mask[S, R]) of the promotion levers in force — a promotion is pivotal
    for a promo-only reviser that came to its places. ``plain``: choosers whose sector group has
    no lever term and no promotion-only reviser (deadweight, no pivotal lever). ``sector``: the
    choosers' sectors."""
    moved = dest != cur
    mi = np.flatnonzero(moved)
    if plain.all() or not len(mi):
        return mi, np.zeros(len(mi), dtype=bool), np.zeros(len(mi), dtype=np.int64)
    # only the movers' flags are kept: the same row-wise operations on their rows alone
    v_m, dest_m = v_full.take(mi, axis=0), dest[mi]
    total = np.zeros_like(v_m)
    if terms and stack is not None and stack[0] is terms:  # the terms as one K × n × R array
        _, T, A, jarr = stack
        sub = T.take(mi, axis=1)
        for k in range(len(sub)):
            total += sub[k]
        none_choice = np.argmax(v_m - total, axis=1)
        flips = (np.argmax(v_m - sub, axis=2) != dest_m) & A.take(mi, axis=1)
        bits = np.where(flips, (np.int64(1) << jarr.astype(np.int64))[:, None], np.int64(0))
        piv = np.bitwise_or.reduce(bits, axis=0)
    else:
        for _, term, _ in terms:
            total += term[mi]
        none_choice = np.argmax(v_m - total, axis=1)
        piv = np.zeros(len(mi), dtype=np.int64)
        for j, term, applies in terms:
            flip = (np.argmax(v_m - term[mi], axis=1) != dest_m) & applies[mi]
            piv[flip] |= np.int64(1) << np.int64(j)
    induced = none_choice != dest_m
    for j, mask in promos:
        # it looked only because of the campaign and came to the campaign's places
        hit = promo_only[mi] & mask[sector[mi], dest_m]
        piv[hit] |= np.int64(1) << np.int64(j)
        induced |= hit
    pl = plain[mi]
    induced &= ~pl
    piv[pl] = 0
    return mi, induced, piv


class ArrivalTally:
    """This period's arrivals into each site counted as induced or deadweight, and per lever the
    arrivals it was pivotal for (``pivotal[L, R]``)."""

    def __init__(self, L: int, R: int) -> None:
        self.L = L
        self.induced = np.zeros(R)
        self.deadweight = np.zeros(R)
        self.pivotal = np.zeros((L, R))

    def reset(self) -> None:
        self.induced[:] = 0.0
        self.deadweight[:] = 0.0
        self.pivotal[:] = 0.0

    def count(self, dest: np.ndarray, induced: np.ndarray, pivotal: np.ndarray) -> None:
        """Tally arrivals at sites ``dest`` with their induced flags and pivotal bitmasks."""
        np.add.at(self.induced, dest, induced.astype(float))
        np.add.at(self.deadweight, dest, (~induced).astype(float))
        seen = int(np.bitwise_or.reduce(pivotal)) if len(pivotal) else 0  # levers pivotal for any
        for j in range(self.L):
            if (seen >> j) & 1:
                hit = (pivotal >> np.int64(j)) & 1
                np.add.at(self.pivotal[j], dest, hit.astype(float))
