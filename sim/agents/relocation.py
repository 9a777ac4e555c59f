"""Site choice of revising firms and entrants (MODEL.md §4): revision, nested-logit utilities with
the levers' terms and common-random-number shocks, the parks' capacity rule, moves, attribution."""
from __future__ import annotations

import numpy as np

from .. import rng
from ..economy.choice import admit_in_order, preference_order, utility_rows
from ..economy.profits import land_need
from ..policy.attribution import attribute, money_levers
from ..policy.levers import KINDS

ROUNDS = 4  # capacity rounds: a firm refused by a park takes its next choice, up to 3 times


class Flows:
    """This period's moves by site: arrivals, departures, arrivals by origin market (R × Q) and by
    sector (S × R), exits and entries (firms)."""

    def __init__(self, R: int, Q: int, S: int) -> None:
        self.arrivals = np.zeros(R)
        self.arrivals_sector = np.zeros((S, R))
        self.departures = np.zeros(R)
        self.arrivals_from = np.zeros((R, Q))
        self.exits = np.zeros(R)
        self.entries = np.zeros(R)

    def reset_demography(self) -> None:
        self.exits[:] = 0
        self.entries[:] = 0

    def reset_moves(self) -> None:
        self.arrivals[:] = 0
        self.arrivals_sector[:] = 0
        self.departures[:] = 0
        self.arrivals_from[:] = 0


class SiteChoice:
    """The choice rule over the components it reads: the firm population, sites and land, the market
    block, the policy runtime, ledger and arrival tally; ``tables``: per (sector, site) ``admit``,
    ``lead``, location ``constants`` and the moving-cost base (R × R)."""

    def __init__(self, firms, sites, land, market, runtime, ledger, tally, flows, admit, lead,
                 constants, move_base, p, sw, seed: int) -> None:
        self.firms, self.sites, self.land, self.market = firms, sites, land, market
        self.rt, self.ledger, self.tally, self.flows = runtime, ledger, tally, flows
        self.admit, self.lead, self.constants, self.move_base = admit, lead, constants, move_base
        self.p, self.sw, self.seed = p, sw, seed
        self.layout = rng.nest_layout(sites.nest)

    def utility_rows(self, sec: np.ndarray, cur: np.ndarray, pib: np.ndarray,
                     with_constants: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """V and moving costs of choosers of sectors ``sec`` at ``cur`` (``economy.choice``)."""
        mk, p = self.market, self.p
        return utility_rows(mk.net_scale, self.move_base, mk.pi_scale, sec, cur, pib, p.beta,
                            p.leading_sector_bonus, self.lead, self.admit,
                            self.constants if with_constants else None, self.sw.relocation_costs)

    # ------------------------------------------------------------------ revision
    def relocate(self, step: int, t: float, theta0: np.ndarray, dt: float) -> None:
        """Revision (a share θ·dt of each sector's firms, more where unit cost rose relative to the
        base beyond the average; more firms in the origins under promotion levers), then choice."""
        f, mk = self.firms, self.market
        self.flows.reset_moves()
        pop = f.revisers()  # live firms of mobile sectors, not pinned
        alive = pop["cand"]
        if alive.size == 0:
            return
        ka = f.index()["key"].take(alive)
        rel = np.log(mk.cost / mk.cost0)
        press = np.maximum(rel - rel.mean(axis=1, keepdims=True), 0.0)
        theta_sr = theta0[:, None] * dt * (1 + self.p.cost_pressure_revision * press)
        # promotion levers (招商): more firms of the target sectors elsewhere look at moving. The
        # probabilities are functions of (sector, site): computed on the S × R tables, then read
        # through the firms' keys (the same numbers, element by element)
        ls, val = self.rt.ls, self.rt.val
        promos = [j for j, kind in enumerate(ls.kind) if kind == "promotion" and val[j] != 0]
        p_base = np.minimum(theta_sr, 1.0).ravel()
        if promos:
            u = rng.uniform(self.seed, "revise", step, pop["cand_ids"])
            boost = np.ones(theta_sr.size)
            lc = ls.consts()
            for j in promos:
                # the campaigns go out to the origin regions (走出去), so firms there look more
                outside = lc.setdefault(("promo_outside", j),
                                        (lc["sec"][j][:, None] & self.sites.is_origin[None, :]).ravel())
                boost += val[j] * outside
            revise = (u < np.minimum(theta_sr.ravel() * boost, 1.0).take(ka)).nonzero()[0]
            rev = alive.take(revise)
            promo_only = ~(u.take(revise) < p_base.take(ka.take(revise)))  # not without the boost
        else:  # boost 1: theta · 1 = theta
            rev = alive[rng.uniform_below(self.seed, "revise", step, pop["cand_ids"], p_base, ka)]
            promo_only = np.zeros(rev.size, dtype=bool)
        # by sector (a stable sort keeps row order within a sector)
        sec_rev = f.sector[rev]
        o = np.argsort(sec_rev.astype(np.int8 if f.S < 128 else np.int32), kind="stable")
        self.choose(rev[o], sec_rev[o].astype(np.intp), promo_only[o], "choice", step, t)

    # ------------------------------------------------------------------ choice
    def choose(self, idx: np.ndarray, sec: np.ndarray, promo: np.ndarray | None, purpose: str,
               step: int, t: float) -> None:
        """Firms ``idx`` of sectors ``sec`` (grouped by sector in increasing order, in row order
        within a sector; ``promo``: revising only because of a promotion lever, or None) choose a
        site: base utility (with the land discount they already hold), lever terms, CRN Gumbel
        draws; parks admit by surplus, sector after sector; arrivals attributed.

        Utilities, shocks, preference orders and attribution are per firm, so they are computed for
        all groups at once; only the capacity rule (which uses the free land left by the sectors
        before) and lever payments (budget caps, in firm-id order within a sector) go sector by
        sector."""
        f, mk, rt, sites = self.firms, self.market, self.rt, self.sites
        if len(idx) == 0:
            return
        S = f.S
        counts = np.bincount(sec, minlength=S)
        secs = counts.nonzero()[0]
        sizes = counts[secs]
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        b0, b1 = bounds[:-1].tolist(), bounds[1:].tolist()
        if promo is None:
            promo = np.zeros(len(idx), dtype=bool)
        cur = f.site[idx]
        pib = np.maximum(mk.pibar, 1e-300)[sec]
        v, move = self.utility_rows(sec, cur, pib)  # each firm's row of V and of move costs
        rows = np.arange(len(idx))
        v[rows, cur] += rt.land_discount_stay(f.land_disc[idx], mk.bc.land[sec, cur], pib)
        levers = len(rt.ls) > 0
        terms = rt.choice_terms(sec, f.arrived_t[idx], cur, move, pib, sites.market_arr, t,
                                set(secs.tolist())) if levers else []
        for j, term, _ in terms:
            # cost levers are already in V (through marginal cost c in the market block); their
            # term is kept only to remove them in the attribution counterfactual
            if not KINDS[rt.ls.kind[j]].get("site_level"):
                v += term
        v += rng.nested_gumbel(self.seed, purpose, step, f.firm_id[idx], sites.nest,
                               self.p.nest_lambda, self.layout)
        v[~np.isfinite(v)] = -np.inf
        # first choices; the full preference order only for firms a park refuses (assign_all)
        self.assign_all(idx, v, np.argmax(v, axis=1), sec, cur, secs, b0, b1)
        dest = f.site[idx]
        moved = dest != cur
        if moved.any():  # arrival and departure counts (integers, in floats)
            R, Q = sites.R, self.flows.arrivals_from.shape[1]
            src_m, dst_m = cur[moved].astype(np.intp), dest[moved].astype(np.intp)
            self.flows.departures += np.bincount(src_m, minlength=R)
            self.flows.arrivals += np.bincount(dst_m, minlength=R)
            self.flows.arrivals_sector += np.bincount(sec[moved].astype(np.intp) * R + dst_m,
                                                      minlength=self.flows.arrivals_sector.size
                                                      ).reshape(self.flows.arrivals_sector.shape)
            self.flows.arrivals_from += np.bincount(dst_m * Q + sites.market_arr[src_m],
                                                    minlength=R * Q).reshape(R, Q)
        # a group with no lever term and no promotion-only reviser: every mover is deadweight
        # (a lever reaches a whole sector or none of it: its first row tells)
        first = bounds[:-1]
        stack = rt.term_stack
        if terms and stack is not None and stack[0] is terms:
            termed = stack[2].take(first, axis=1).any(axis=0)
        else:
            termed = np.zeros(len(secs), dtype=bool)
            for _, _, ap in terms:
                termed |= ap[first]
        plain = ~termed & ~np.logical_or.reduceat(promo, first)
        promos = [(j, rt.ls.mask[j]) for j, kind in enumerate(rt.ls.kind)
                  if kind == "promotion" and rt.val[j] != 0]
        mi, induced, piv = attribute(v, terms, stack, cur, dest, promo, np.repeat(plain, sizes),
                                     promos, sec, money_levers(rt.ls.kind))
        rt.term_stack = None
        f.induced[idx[mi]] = induced
        f.pivotal[idx[mi]] = piv
        f.arrived_t[idx[moved]] = t
        f.land_disc[idx[moved]] = 0.0
        if purpose == "choice" and levers and moved.any():  # entrants are paid at entry
            # group by group (budget caps); a group without movers pays nothing
            moved_in = np.logical_or.reduceat(moved, first).tolist()
            for a, b, any_moved in zip(b0, b1, moved_in):
                if any_moved:
                    self.ledger.one_off_payments(f, idx[a:b][moved[a:b]], self.land.price, t)
        if moved.any():
            arrived = idx[moved]
            self.tally.count(f.site[arrived], f.induced[arrived], f.pivotal[arrived], f.firm_id[arrived])

    def land_need(self, rows: np.ndarray, sec: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Park land (ha) firms ``rows`` of sectors ``sec`` need at ``sites`` (0 off parks)."""
        mk = self.market
        return land_need(mk.land_per_output(sec, sites), mk.sigma[sec], mk.pi_scale[sec, sites],
                         self.firms.scale[rows], self.sites.is_park[sites])

    def assign_all(self, idx: np.ndarray, v: np.ndarray, first: np.ndarray, sec: np.ndarray,
                   cur: np.ndarray, secs: np.ndarray, b0: list, b1: list) -> None:
        """The capacity rule (``assign``) for every sector group of ``choose``, sector after sector,
        with the first round's per-firm work done for all groups at once. ``first``: each firm's
        first choice, ``argmax(v)`` (the maximum is finite, the firm's own site; exact ties have
        probability 0 with continuous shocks); the preference order itself is computed only for
        the groups where a park refuses someone.

        In a group's first round, the firms whose first choice is another site are sorted by
        (choice, −surplus), as ``assign`` sorts them; only the admission test reads free land (left
        by the groups before), so it and the moves go group by group, and a group with refusals
        finishes its later rounds (``assign``) before the next group. Free-land updates of groups
        whose movers were all admitted are applied later in one ``np.add.at``, in the same order
        (a − x = a + (−x) exactly), but always before free land is read again."""
        f, land, is_park = self.firms, self.land, self.sites.is_park
        mrows = (first != cur).nonzero()[0]
        if mrows.size == 0:
            return
        msec = sec[mrows]
        choice = first[mrows]
        firms = idx[mrows]
        park = is_park[choice]
        need = self.land_need(firms, msec, choice)
        surplus = v[mrows, choice] - v[mrows, cur[mrows]]
        o = np.lexsort((-surplus, choice, msec))  # stable: by sector, then as in assign
        mrows, msec, choice, firms, need, park = (x[o] for x in (mrows, msec, choice, firms, need, park))
        # groups with movers: their slices of the sorted arrays (contiguous, in sector order)
        ga = np.searchsorted(msec, secs, side="left")
        gb = np.searchsorted(msec, secs, side="right")
        busy = (gb > ga).nonzero()[0]
        gpark = np.logical_or.reduceat(park, ga[busy]).tolist()
        sites, vals = [], []  # deferred free-land updates, in order

        def flush() -> None:
            if sites:
                land.release(np.concatenate(sites), np.concatenate(vals))
                sites.clear()
                vals.clear()

        for g, s, a, b, has_park in zip(busy.tolist(), secs[busy].tolist(), ga[busy].tolist(),
                                        gb[busy].tolist(), gpark):
            ch, nd, fm = choice[a:b], need[a:b], firms[a:b]
            ok = None
            if has_park:
                flush()
                ok = admit_in_order(nd, ch, land.free)
                if ok.all():
                    ok = None
            if ok is None:  # every mover admitted
                src = f.site[fm]
                sites += [src, ch]
                vals += [np.where(is_park[src], f.land[fm], 0.0), -nd]
                f.land[fm] = nd
                f.site[fm] = ch
                continue
            self.move(fm[ok], ch[ok], nd[ok])
            # the refused go on with their next choices (rounds 2..) before the next sector
            lo, hi = b0[g], b1[g]
            rank = np.zeros(hi - lo, dtype=np.intp)
            pending = np.zeros(hi - lo, dtype=bool)
            rej = mrows[a:b][~ok] - lo
            rank[rej] = 1
            order = preference_order(v[lo:hi], ROUNDS)
            pending[rej] = rank[rej] < order.shape[1]
            self.assign(idx[lo:hi], v[lo:hi], order, s, cur[lo:hi], rank, pending)
        flush()
        f.moved()

    def assign(self, idx: np.ndarray, v: np.ndarray, order: np.ndarray, s: int, cur: np.ndarray,
               rank: np.ndarray | None = None, pending: np.ndarray | None = None) -> None:
        """Parks admit movers (firms ``idx`` of sector ``s`` at sites ``cur``) in order of utility
        surplus until their free land is used; a firm refused takes its next choice (up to
        ``ROUNDS``), else stays. ``rank``, ``pending``: the state after the first round."""
        if rank is None:
            rank = np.zeros(len(idx), dtype=np.intp)
            pending = np.ones(len(idx), dtype=bool)
        is_park = self.sites.is_park
        for _ in range(ROUNDS):
            rows = pending.nonzero()[0]
            if rows.size == 0:
                break
            choice = order[rows, rank[rows]]
            stay = choice == cur[rows]
            pending[rows[stay]] = False
            go = ~stay
            rows, choice = rows[go], choice[go]
            if rows.size == 0:
                break
            park = is_park[choice]
            need = self.land_need(idx[rows], np.full(rows.size, s), choice)
            surplus = v[rows, choice] - v[rows, cur[rows]]
            o = np.lexsort((-surplus, choice))
            rows, choice, need = rows[o], choice[o], need[o]
            # no park among the choices: nothing needs land (free land off parks is inf)
            ok = admit_in_order(need, choice, self.land.free) if park.any() else None
            if ok is None or ok.all():
                self.move(idx[rows], choice, need)
                pending[rows] = False
                continue
            acc, rej = rows[ok], rows[~ok]
            self.move(idx[acc], choice[ok], need[ok])
            pending[acc] = False
            rank[rej] += 1
            pending[rej] &= rank[rej] < order.shape[1]

    def move(self, rows: np.ndarray, dest: np.ndarray, land: np.ndarray) -> None:
        """Firms ``rows`` move to ``dest`` with plots of ``land`` ha (their old plots are freed)."""
        f = self.firms
        src = f.site[rows]
        self.land.release(src, np.where(self.sites.is_park[src], f.land[rows], 0.0))
        self.land.take(dest, land)
        f.land[rows] = land
        f.site[rows] = dest
        f.moved()
