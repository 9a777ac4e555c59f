"""Who a lever induced: an arrival is *induced* if its best choice without any policy term differs
from where it went, and lever j is *pivotal* for it if removing j alone changes its best choice (same
state, same Gumbel draws: partial equilibrium; docs/model.md §Attribution, MODEL.md §9.7).

An arrival that is not induced is *deadweight* if a money lever paid it at its new site in the
period it arrived, and *unpaid* otherwise, so that arrivals = induced + deadweight + unpaid at
every site and in every period. An induced arrival for which no single lever is pivotal is *jointly
induced*. The money levers (``MONEY_KINDS``: the kinds that pay firms) are also removed together:
bit ``MONEY_BIT`` of a firm's pivotal mask says that removing all of them changes its choice."""
from __future__ import annotations

import numpy as np

from .. import jit
from ..arrays import member

# kinds that pay money to firms (through ``Ledger.pay``); the others are free to the budget or
# paid as programmes not tied to firms (promotion, friction_cut, retention, land_supply) or
# cost nothing (designation)
MONEY_KINDS = frozenset({"land_discount", "interest_subsidy", "loan_guarantee", "tax_rebate",
                         "profit_subsidy", "grant", "lump_sum", "talent_subsidy", "cost_subsidy"})
# the bit of the pivotal mask for "the money levers together" (levers use bits 0..61:
# compiled.MAX_LEVERS = 62); LEVER_BITS masks the levers' own bits
MONEY_BIT = 62
LEVER_BITS = (np.int64(1) << np.int64(MONEY_BIT)) - np.int64(1)


def money_levers(kinds) -> np.ndarray:
    """Whether each lever (of kinds ``kinds``) is a money lever (bool, one per lever)."""
    return np.array([k in MONEY_KINDS for k in kinds], dtype=bool)


def attribute(v_full: np.ndarray, terms: list, stack, cur: np.ndarray, dest: np.ndarray,
              promo_only: np.ndarray, plain: np.ndarray, promos: list[tuple[int, np.ndarray]],
              sector: np.ndarray, money: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For choosers with utilities ``v_full`` (n × R, shocks and terms included) who were at
    ``cur`` and went to ``dest``: ``(movers, induced, pivotal)`` — the rows that moved, whether each
    was induced, and a bitmask of its pivotal levers (bit j for lever j; bit ``MONEY_BIT`` when the
    money levers together are pivotal).

    ``terms``: the levers' (j, term, applies) of the choice (``PolicyRuntime.choice_terms``);
    ``stack``: the same terms stacked (or None). ``promo_only``: revising only because of a
    promotion; ``promos``: (j, mask[S, R]) of the promotion levers in force — a promotion is pivotal
    for a promo-only reviser that came to its places. ``plain``: choosers whose sector group has
    no lever term and no promotion-only reviser (not induced, no pivotal lever). ``sector``: the
    choosers' sectors. ``money[j]``: lever j is a money lever (``money_levers``); None: none is.

    The money levers are pivotal together for a mover if argmax(V + ε + Σ_{L not money} T_L) ≠ d
    and at least one of them applies to it (the same rule as for one lever, for their sum)."""
    moved = dest != cur
    mi = moved.nonzero()[0]
    if plain.all() or not len(mi):
        return mi, np.zeros(len(mi), dtype=bool), np.zeros(len(mi), dtype=np.int64)
    # only the movers' flags are kept: the same row-wise operations on their rows alone (every
    # row, e.g. new projects, which all come from outside: the arrays themselves)
    every = len(mi) == len(dest)

    def rows(x, axis=0):
        return x if every else x.take(mi, axis=axis)
    v_m, dest_m = rows(v_full), rows(dest)
    mon_total = mon_applies = mflip = None
    if jit.ENABLED and terms and stack is not None and stack[0] is terms:
        _, T, A, jarr = stack
        ks = np.array([money is not None and bool(money[j]) for j in jarr], dtype=np.bool_)
        none_choice, piv, mflip = np.empty(len(mi), np.intp), np.empty(len(mi), np.int64), np.empty(len(mi), np.bool_)
        _stacked_flips(np.ascontiguousarray(v_m, dtype=np.float64), np.ascontiguousarray(rows(T, axis=1), dtype=np.float64),
                       np.ascontiguousarray(rows(A, axis=1), dtype=np.bool_), np.ascontiguousarray(dest_m, dtype=np.intp),
                       np.int64(1) << np.asarray(jarr, dtype=np.int64), ks, none_choice, piv, mflip)
        if not ks.any():
            mflip = None
    elif terms and stack is not None and stack[0] is terms:  # the terms as one K × n × R array
        total = np.zeros_like(v_m)
        _, T, A, jarr = stack
        sub = rows(T, axis=1)
        for k in range(len(sub)):
            total += sub[k]
        none_choice = (v_m - total).argmax(axis=1)
        A_m = rows(A, axis=1)
        flips = ((v_m - sub).argmax(axis=2) != dest_m) & A_m
        bits = np.where(flips, (np.int64(1) << jarr.astype(np.int64))[:, None], np.int64(0))
        piv = np.bitwise_or.reduce(bits, axis=0)
        if money is not None:
            ks = [k for k in range(len(sub)) if money[jarr[k]]]
            if ks:
                mon_total = np.zeros_like(v_m)
                for k in ks:  # in lever order, as the unstacked path adds them
                    mon_total += sub[k]
                mon_applies = A_m[ks].any(axis=0)
    else:
        total = np.zeros_like(v_m)
        for _, term, _ in terms:
            total += rows(term)
        none_choice = (v_m - total).argmax(axis=1)
        piv = np.zeros(len(mi), dtype=np.int64)
        for j, term, applies in terms:
            flip = ((v_m - rows(term)).argmax(axis=1) != dest_m) & rows(applies)
            piv[flip] |= np.int64(1) << np.int64(j)
            if money is not None and money[j]:
                if mon_total is None:
                    mon_total, mon_applies = np.zeros_like(v_m), np.zeros(len(mi), dtype=bool)
                mon_total += rows(term)
                mon_applies |= rows(applies)
    if mon_total is not None:
        mflip = ((v_m - mon_total).argmax(axis=1) != dest_m) & mon_applies
    if mflip is not None:
        piv[mflip] |= np.int64(1) << np.int64(MONEY_BIT)
    induced = none_choice != dest_m
    for j, mask in promos:
        # it looked only because of the campaign and came to the campaign's places
        hit = rows(promo_only) & mask[rows(sector), dest_m]
        piv[hit] |= np.int64(1) << np.int64(j)
        induced |= hit
    pl = rows(plain)
    induced &= ~pl
    piv[pl] = 0
    return mi, induced, piv


@jit.kernel
def _argmax_diff(v, t, i):
    """argmax over r of v[i, r] − t[r] (numpy's: the first maximum, or the first NaN)."""
    best = v[i, 0] - t[0]
    arg = 0
    if np.isnan(best):
        return 0
    for r in range(1, v.shape[1]):
        x = v[i, r] - t[r]
        if x > best or np.isnan(x):
            best = x
            arg = r
            if np.isnan(x):
                break
    return arg


@jit.kernel
def _stacked_flips(v, T, A, dest, jbit, money, none_choice, piv, mflip):
    """:func:`attribute`'s stacked path row by row, for movers i with utilities v (n × R), the
    levers' terms T (K × n × R), whether each applies A (K × n), destinations ``dest``:
    none_choice[i] = argmax(v_i − Σ_k T_ki) (the sum from 0 in lever order), bit ``jbit[k]`` of
    piv[i] if argmax(v_i − T_ki) ≠ dest_i and A_ki, mflip[i] if argmax(v_i − Σ_{k money} T_ki) ≠
    dest_i and some money lever applies (``money[k]``: lever k is one)."""
    K, n, R = T.shape
    tot = np.empty(R)
    mon = np.empty(R)
    for i in range(n):
        tot[:] = 0.0
        mon[:] = 0.0
        bits = np.int64(0)
        m_app = False
        for k in range(K):
            for r in range(R):
                tot[r] += T[k, i, r]
            if money[k]:
                m_app = m_app or A[k, i]
                for r in range(R):
                    mon[r] += T[k, i, r]
            if A[k, i] and _argmax_diff(v, T[k, i], i) != dest[i]:
                bits |= jbit[k]
        none_choice[i] = _argmax_diff(v, tot, i)
        piv[i] = bits
        mflip[i] = m_app and _argmax_diff(v, mon, i) != dest[i]


class ArrivalTally:
    """This period's arrivals into each site (R) counted as ``induced``, ``deadweight`` (not
    induced, paid by a money lever at the site in the period it arrived) or ``unpaid`` (not induced,
    paid by none); ``jointly`` (induced, no single lever pivotal) and ``money_induced`` (induced,
    the money levers together pivotal) are subsets of ``induced``; per lever the arrivals it was pivotal for
    (``pivotal[L, R]``).

    ``count`` is called as firms arrive; the arrivals that are not induced wait until ``settle``
    (after the period's payments, one-off and recurring) to be told deadweight from unpaid."""

    def __init__(self, L: int, R: int) -> None:
        self.L = L
        self.induced = np.zeros(R)
        self.deadweight = np.zeros(R)
        self.unpaid = np.zeros(R)
        self.jointly = np.zeros(R)
        self.money_induced = np.zeros(R)
        self.pivotal = np.zeros((L, R))
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # (firm ids, sites), not induced

    def reset(self) -> None:
        for a in (self.induced, self.deadweight, self.unpaid, self.jointly, self.money_induced,
                  self.pivotal):
            a[:] = 0.0
        self._pending = []

    def count(self, dest: np.ndarray, induced: np.ndarray, pivotal: np.ndarray,
              ids: np.ndarray) -> None:
        """Tally arrivals of firms ``ids`` at sites ``dest`` with their induced flags and pivotal
        bitmasks; the ones not induced are settled as deadweight or unpaid by ``settle``."""
        np.add.at(self.induced, dest, induced.astype(float))
        joint = induced & ((pivotal & LEVER_BITS) == 0)
        if joint.any():
            np.add.at(self.jointly, dest[joint], 1.0)
        mon = induced & ((pivotal >> np.int64(MONEY_BIT)) & 1).astype(bool)
        if mon.any():
            np.add.at(self.money_induced, dest[mon], 1.0)
        if not induced.all():
            self._pending.append((np.asarray(ids)[~induced], np.asarray(dest)[~induced]))
        seen = int(np.bitwise_or.reduce(pivotal)) if len(pivotal) else 0  # levers pivotal for any
        for j in range(self.L):
            if (seen >> j) & 1:
                hit = (pivotal >> np.int64(j)) & 1
                np.add.at(self.pivotal[j], dest, hit.astype(float))

    def settle(self, paid_ids: np.ndarray) -> None:
        """The period's arrivals not induced: deadweight if their firm id is in ``paid_ids`` (the
        firms a money lever paid this period, ``Ledger.paid_ids``), else unpaid."""
        for ids, dest in self._pending:
            paid = member(ids, paid_ids)
            np.add.at(self.deadweight, dest, paid.astype(float))
            np.add.at(self.unpaid, dest, (~paid).astype(float))
        self._pending = []
