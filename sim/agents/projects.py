"""Investment projects (MODEL.md §9.2-9.3): a national flow of new-establishment projects by sector and
investor origin chooses among all sites (and the rest of China), then passes the pipeline
intention → signed (签约) → started (开工, on free park land) → producing (投产), when it becomes a firm.

Projects are a struct-of-arrays like firms. Counts and draws use their own random streams keyed by
(seed, step) and project ids allocated in a fixed order, so a policy run and its baseline see the same
projects (common random numbers): levers change where a project goes and how far it gets, not how
many arise.
"""
from __future__ import annotations

import numpy as np

from .. import rng
from ..economy.choice import (
    admit_in_order,
    calibrate_share_constants,
    nest_matrix,
    nested_logit_probabilities,
)
from ..economy.pipeline import (
    DROPPED,
    PRODUCING,
    SIGNED,
    STARTED,
    StageHazards,
    advance,
    counterfactual_drops,
    stage_factors,
    stage_rates,
    steady_state,
)
from ..economy.profits import land_need
from ..policy.attribution import MONEY_BIT, MONEY_KINDS, attribute
from .outside_share import OutsideShare
from .project_tables import ProjectPopulation, Tally, size_pools


class ProjectEconomy:
    """The flow of projects, their site choice and pipeline.

    ``origin_w[s, q]``: the share of sector s's projects from investor origin q (a market: the
    origin regions and, for local investors, the study-area cities); ``dist_qr[q, r]``: km from
    origin q to site r; ``base_scales``: per (sector, site) the sorted base-year scales that new
    firms' sizes are drawn from (the sector's where the site had none)."""

    def __init__(self, *, S: int, sites, Q: int, mobile: np.ndarray, admit: np.ndarray, lead: np.ndarray,
                 capital_per: np.ndarray, hazards: StageHazards, origin_w: np.ndarray, dist_qr: np.ndarray,
                 base_scales: dict, p, seed: int, dt: float) -> None:
        self.S, self.sites, self.Q, self.R = S, sites, Q, sites.R
        self.mobile, self.admit, self.lead, self.capital_per = mobile, admit, lead, capital_per
        self.h, self.origin_w, self.p, self.seed, self.dt = hazards, origin_w, p, seed, dt
        self.base_scales = base_scales
        self._pool_flat = None                 # base_scales as one array (``_pools``)
        # alternatives: the R sites, then the rest of China (its own nest)
        self.nest = np.concatenate([sites.nest, [sites.nest.max() + 1]])
        self.layout = rng.nest_layout(self.nest)
        self.layout_sites = rng.nest_layout(sites.nest)
        self.onehot = nest_matrix(self.nest)  # (C, nests): the nest of each alternative
        home = np.maximum(dist_qr, p.project_home_km) / p.project_home_km
        self.home_bias = np.concatenate([-p.project_home_bias * np.log(home), np.zeros((Q, 1))], axis=1)
        self.outside = OutsideShare(S, Q, self.R, self.home_bias, self.nest, p.nest_lambda, self.onehot)
        self.pop = ProjectPopulation(getattr(sites, "cell", None))
        self.tally = Tally(self.R, Q)
        self.signed_sr = np.zeros((S, self.R))  # projects signed since the start by (sector, site): public
        self.started_sr = np.zeros((S, self.R))  # projects started (开工) this period by (sector, site)
        self.next_id = 0
        self.trend = 1.0                       # capacity growth of new units since the base year
        self.rate = np.zeros((S, self.R))      # intentions per period at each site (non-mobile sectors)
        self.national = np.zeros(S)            # intentions per period nationwide (mobile sectors)
        self.constants = np.zeros((S, self.R + 1))

    # ------------------------------------------------------------------ utilities
    def utility_base(self, market) -> np.ndarray:
        """V[s, c] without shocks, home bias and levers: β·π_net/π̄ + leading bonus + constant; −inf
        at sites that do not admit the sector; the rest of China (last column) has its constant."""
        p = self.p
        pib = np.maximum(market.pibar, 1e-300)[:, None]
        v = p.beta * market.net_scale / pib + p.leading_sector_bonus * self.lead
        v = np.where(self.admit, v, -np.inf)
        return np.concatenate([v, np.zeros((self.S, 1))], axis=1) + self.constants

    # ------------------------------------------------------------------ calibration
    def calibrate(self, market, exits_per_period: np.ndarray, realization: float,
                  study_share: float, scale: float = 1.0) -> None:
        """At rest (MODEL.md §9.6): intentions I_sr = scale · expected exits / realization at every
        site (``scale`` = ``project_flow_scale``, 1 = at rest: births replace exits in expectation);
        mobile sectors: a national flow N_s = Σ_study-area I / (the study area's share of national
        investment) and constants that make the expected intentions at every site equal I_sr.
        ``exits_per_period[s, r]``: expected exits of the base year."""
        intent = scale * exits_per_period / max(realization, 1e-12)
        study = ~self.sites.is_origin
        self.constants[:] = 0.0
        self.rate = np.where(self.mobile[:, None], 0.0, intent)
        for s in np.flatnonzero(self.mobile):
            i_sa = intent[s, study].sum()
            if i_sa <= 0:
                continue
            n = i_sa / study_share
            n = max(n, intent[s].sum() / 0.95)  # the rest of China keeps at least 5 % of projects
            self.national[s] = n
            target = np.concatenate([intent[s] / n, [1.0 - intent[s].sum() / n]])
            v = self.utility_base(market)[s][None, :] + self.home_bias  # (Q, C), constants 0
            self.constants[s] = calibrate_share_constants(v, self.origin_w[s], target, self.nest,
                                                          self.p.nest_lambda)

    def seed_pipeline(self, market, land, step: int, t: float) -> None:
        """The base year's pipeline at its steady state: Poisson numbers of projects in each stage at
        each (sector, site) with the calibrated inflow; started projects hold their plots inside the
        parks' base occupancy."""
        inflow = self.expected_intentions(market)
        post = self.origin_posterior(market)
        r = np.random.default_rng(int(rng.stream_key(self.seed, "project_count", 10**6 + step)))
        for k, stage in ((0, 0), (1, SIGNED), (2, STARTED)):
            lam = np.array([[steady_state(inflow[s, j], self.h)[k] for j in range(self.R)]
                            for s in range(self.S)])
            n = r.poisson(lam)
            sec, site = np.nonzero(n)
            reps = n[sec, site]
            sec, site = np.repeat(sec, reps), np.repeat(site, reps)
            ids = self.next_id + np.arange(sec.size)
            self.next_id += sec.size
            org = self.draw_origins(sec, site, post, rng.uniform(self.seed, "project_origin", 10**6 + k, ids))
            self._create(sec, site, org, market, step, t - 1.0, stage=stage, ids=ids,
                         purpose_step=10**6 + step + k + 1)
        # projects under construction at base hold plots that parks.csv counts as occupied (land
        # sold by 2022): they take nothing from the base year's free land

    def origin_posterior(self, market) -> np.ndarray:
        """P(investor origin q | a project of sector s at site r), (S, R, Q): ω_sq·P(r | s, q)
        normalised over q, for the mobile sectors; the site's own market (local investors) for the
        others. The base year's owners and pipeline are drawn from it, so that ownership, like
        everything else, is on its steady path at base (owners' profits are spent at home)."""
        post = np.zeros((self.S, self.R, self.Q))
        post[:, np.arange(self.R), self.sites.market_arr] = 1.0
        for s in np.flatnonzero(self.national > 0):
            v = self.utility_base(market)[s][None, :] + self.home_bias
            joint = self.origin_w[s][:, None] * nested_logit_probabilities(v, self.nest, self.p.nest_lambda)
            tot = joint[:, : self.R].sum(axis=0)
            ok = tot > 0
            post[s, ok] = (joint[:, : self.R][:, ok] / tot[ok]).T
        return post

    def draw_origins(self, sec: np.ndarray, site: np.ndarray, post: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Investor origins of projects (or base firms) at (sector, site) from the posterior ``post``
        with uniforms ``u`` (inverse CDF)."""
        cw = np.cumsum(post[sec, site], axis=1)
        return np.minimum((u[:, None] * cw[:, -1:] > cw).sum(axis=1), self.Q - 1)

    def expected_intentions(self, market) -> np.ndarray:
        """Expected intentions per period at each site (S × R) at today's utilities."""
        out = self.rate.copy()
        for s in np.flatnonzero(self.national > 0):
            v = self.utility_base(market)[s][None, :] + self.home_bias
            pr = (self.origin_w[s][:, None] * nested_logit_probabilities(v, self.nest, self.p.nest_lambda)).sum(0)
            out[s] = self.national[s] * pr[: self.R]
        return out

    # ------------------------------------------------------------------ each period
    def arrive(self, market, policy, step: int, t: float) -> None:
        """This period's intentions: Poisson counts (national for mobile sectors, per site for the
        others), investor origins, nested-logit site choice with the levers' terms (attributed), and
        new projects for those choosing a site of the model (the rest of China's are counted)."""
        r = np.random.default_rng(int(rng.stream_key(self.seed, "project_count", step)))
        n_nat = r.poisson(self.national)  # (rates are per period)
        n_loc = r.poisson(self.rate)
        # mobile sectors: choose among all sites (ids in sector order)
        n = int(n_nat.sum())
        parts = []
        if n:
            first = self.next_id
            self.next_id += n
            parts.append(self._choose_sites(n_nat, first, market, policy, step, t))
        # non-mobile sectors: local investors at each site (its own market), ids after those
        s2, r2 = n_loc.nonzero()
        reps = n_loc[s2, r2]
        if (m := int(reps.sum())):
            site = np.repeat(r2, reps)
            parts.append((np.repeat(s2, reps), site, self.sites.market_arr[site], self.next_id + np.arange(m),
                          np.zeros(m, bool), np.zeros(m, np.int64)))
            self.next_id += m
        if parts := [x for x in parts if x is not None]:  # the new projects in id order, at once
            sec, site, origin, ids, induced, pivotal = (np.concatenate(c) for c in zip(*parts))
            self._create(sec, site, origin, market, step, t, ids=ids, induced=induced, pivotal=pivotal)

    def _choose_sites(self, n_nat, first: int, market, policy, step: int, t: float) -> tuple | None:
        """Nested-logit choice between the model's sites and the rest of China of ``n_nat[s]``
        projects of each sector s (ids ``first`` on, in sector order), in two exact steps (the rest
        of China is a nest of its own): a project from investor origin q (drawn with the sector's
        origin shares) leaves for the rest of China with its nested-logit probability P_out(s, q)
        (one uniform per project), and a project that stays chooses among the sites with
        nested-Gumbel shocks over the sites alone, which draws the conditional choice exactly. So
        only the ~1-5 % of the national flow that comes to the model's sites gets shocks (the rest of
        China takes ~97 % of it). Attribution: induced if, with the same draws, it would have left
        without the levers' terms or chosen another site; lever j is pivotal if removing j alone does
        either. Returns the projects that come (sector, site, investor origin, id, induced, pivotal
        levers), or None."""
        R, S = self.R, self.S
        used = n_nat.nonzero()[0]
        base = self.utility_base(market)                       # (S, C): sites, then the rest of China
        terms = policy.project_terms(np.arange(S))             # per lever: (S, R) rows, (S,) applies
        tot = np.zeros((S, R))
        for _, T, _ in terms:
            tot += T
        # P(rest of China) per (sector, origin) with all the levers' site terms (without all, or
        # without lever j: below, for the projects that stay only)
        p_all = self.outside.p_out(base, [tot], used)[0]

        n = int(n_nat.sum())
        u = rng.uniform(self.seed, "project_out", step, first + np.arange(n))
        # A project leaves if u < P_out(s, its origin). Below the least P_out over the origins it can
        # be drawn from (positive share; the last, where the draw is clipped) it leaves whatever its
        # origin: the origins (whose uniforms are per project id) are drawn only for the others.
        drawable = self.origin_w > 0
        drawable[:, -1] = True
        least = np.where(drawable, p_all, np.inf).min(axis=1)  # (S,)
        sec_all = np.repeat(np.arange(S), n_nat)               # projects in sector order
        cand = (u >= least.take(sec_all)).nonzero()[0]
        sec_c = sec_all.take(cand)
        origin = self.draw_national_origins(sec_c, rng.uniform(self.seed, "project_origin", step, first + cand))
        stay = u.take(cand) >= p_all[sec_c, origin]
        keep = cand[stay]
        self.tally.intended_elsewhere += float(n - keep.size)
        if keep.size == 0:
            return None
        sec_k, org_k, ids_k, u_k = sec_c[stay], origin[stay], first + keep, u.take(keep)
        v = base[sec_k][:, :R] + self.home_bias[org_k][:, :R]
        v += tot[sec_k]
        v += rng.nested_gumbel(self.seed, "project", step, ids_k, self.sites.nest, self.p.nest_lambda,
                               self.layout_sites)
        v[~np.isfinite(v)] = -np.inf
        dest = v.argmax(axis=1)
        induced = np.zeros(keep.size, dtype=bool)
        pivotal = np.zeros(keep.size, dtype=np.int64)
        if terms:
            # the levers' terms of every project stacked (L × n × R), as ``attribute`` takes them;
            # a project that no lever reaches is neither induced nor has a pivotal lever
            jarr = np.array([j for j, _, _ in terms], dtype=np.int64)
            T_all = np.stack([T for _, T, _ in terms])
            T_k = T_all.take(sec_k, axis=1)
            A_k = np.stack([A for _, _, A in terms]).take(sec_k, axis=1)
            mi, ind, piv = attribute(v, terms, (terms, T_k, A_k, jarr), np.full(keep.size, -1), dest,
                                     np.zeros(keep.size, bool), ~A_k.any(axis=0), [], sec_k)
            induced[mi], pivotal[mi] = ind, piv
            # would it have left for the rest of China without the terms (or without one)?
            p0 = self.outside.p_out_at(base, np.zeros((1, S, R)), tot, p_all, sec_k, org_k)[0]
            induced |= u_k < p0
            # With every term ≥ 0 the sites' utilities without lever j lie between those with all
            # terms and those with none, and P(rest of China) falls as a site's utility rises:
            # P_all ≤ P_−j ≤ P_0. A project with u ≥ P_0 + 1e-9 (rounding is ~1e-16 here) stays
            # without any one lever: the sets without one lever are computed for the others only
            near = (u_k < p0 + 1e-9) if (T_all >= 0).all() else np.ones(keep.size, dtype=bool)
            rows = near.nonzero()[0]
            if rows.size:
                p_k = self.outside.p_out_at(base, tot[None] - T_all, tot, p_all, sec_k[rows], org_k[rows])
                u_r = u_k[rows]
                for k, j in enumerate(jarr.tolist()):
                    gone = rows[(u_r < p_k[k]) & A_k[k][rows]]
                    pivotal[gone] |= np.int64(1) << np.int64(j)
        return sec_k, dest, org_k, ids_k, induced, pivotal

    def draw_national_origins(self, sec: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Investor origins of projects of sectors ``sec`` with uniforms ``u``: the inverse CDF of
        the sector's origin shares, #{q : cw[s, q] < u·cw[s, −1]} (at most Q − 1). cw rises with q,
        so the q where it holds come first: their number is the first q where it does not (argmin of
        the row; Q where it holds for every q)."""
        cw = np.cumsum(self.origin_w, axis=1)
        below = u[:, None] * cw[sec, -1:] > cw[sec]
        count = np.where(below[:, -1], self.Q, below.argmin(axis=1))
        return np.minimum(count, self.Q - 1)

    def _pools(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``base_scales`` as one array (``project_tables.size_pools``), made once."""
        if self._pool_flat is None:
            self._pool_flat = size_pools(self.base_scales, self.S, self.R)
        return self._pool_flat

    def _create(self, sec, site, origin, market, step, t, stage=0, ids=None, induced=None, pivotal=None,
                purpose_step=None) -> None:
        n = len(sec)
        if n == 0:
            return
        if ids is None:
            ids = self.next_id + np.arange(n)
            self.next_id += n
        ps = step if purpose_step is None else purpose_step
        if origin is None:  # local investors: the site's own market (cities) or the origin region
            origin = self.sites.market_arr[site]
        u = rng.uniform(self.seed, "project_size", ps, ids)
        # the pool of each (sector, site) (the sector's where the site had none): entry ⌊u·len⌋
        flat, off, size = self._pools()
        key = np.asarray(sec, dtype=np.intp) * self.R + site
        ln = size[key]
        scale0 = flat[off[key] + np.minimum((u * ln).astype(np.intp), ln - 1)]
        scale = scale0 * self.trend
        y = market.sigma[sec] * market.pi_scale[sec, site] * scale
        self.pop.append(project_id=ids, sector=sec, site=site, origin=origin, stage=np.full(n, stage),
                        invest=self.capital_per[sec] * y, scale0=scale0,
                        land=land_need(market.land_per_output(sec, site), market.sigma[sec], market.pi_scale[sec, site],
                                       scale, self.sites.is_park[site]),
                        funds=np.zeros(n), since=np.full(n, t),
                        induced=np.zeros(n, bool) if induced is None else induced, waiting=np.zeros(n, bool),
                        pivotal=np.zeros(n, np.int64) if pivotal is None else pivotal,
                        known=np.full(n, -1))
        if stage == 0:
            self.tally.add("projects_intended", site, origin)

    def add_known(self, *, ids, known, sector, site, origin, stage, invest, scale0, land, t: float) -> None:
        """Known projects (``sim/agents/known_projects.py``) joining the pipeline at their stages."""
        n = len(ids)
        self.pop.append(project_id=ids, sector=sector, site=site, origin=origin, stage=stage, invest=invest,
                        scale0=scale0, land=land, funds=np.zeros(n), since=np.full(n, t),
                        induced=np.zeros(n, bool), pivotal=np.zeros(n, np.int64), waiting=np.zeros(n, bool),
                        known=known)

    def _stage_levers(self, policy, stage: np.ndarray):
        """Per project, the levers' factors by stage (``PolicyRuntime.stage_effects``): the advance
        factor a of signed projects and the finance levers' cut of construction drop-outs; and each
        lever's own part (for attribution). None when no stage lever is in force."""
        eff = policy.stage_effects(which=("start", "build")) if policy is not None else []
        if not eff:
            return None
        pop = self.pop
        key = pop.sector.astype(np.intp) * self.R + pop.site  # x[sector, site] as one flat take
        on = {w: stage == (SIGNED if w == "start" else STARTED) for w in {w for _, w, _ in eff}}
        return [(j, which, np.where(on[which], x.ravel().take(key), 0.0)) for j, which, x in eff]

    @staticmethod
    def _factors(parts, wait: np.ndarray):
        """(advance factor, drop-out multiplier) with every lever's stage effect (``stage_factors``)."""
        return stage_factors([(x, which == "start") for _, which, x in parts], wait)

    def _attribute_pipeline(self, parts, old, new, u, wait, kinds) -> None:
        """A pipeline outcome is induced (MODEL.md §9.7) if, with the same uniform draw, the project
        would have dropped this period without the levers' hazard changes; lever j is pivotal if it
        would have without j alone (the money levers also together: bit MONEY_BIT). Evaluated each
        period on that period's draw, given the project's state (diverging timings are not
        followed). Sets ``induced`` and ``pivotal`` of the projects (carried to the firm at 投产)."""
        pop = self.pop
        # only projects kept this period that a lever reaches can have dropped without it (where
        # no lever's factor differs from 1 the rates without levers are those just drawn against)
        reached = np.zeros(len(old), dtype=bool)
        for _, _, x in parts:
            reached |= x != 0
        rows = ((old < PRODUCING) & (new != DROPPED) & reached).nonzero()[0]
        if rows.size == 0:
            return
        # sets of the levers' effects: none, all but lever j (each j), all but the money levers
        levers = sorted({j for j, _, _ in parts})
        money = [j for j in levers if kinds[j] in MONEY_KINDS]
        js = [j for j, _, _ in parts]
        skip = np.array([[True] * len(parts)] + [[i == j for i in js] for j in levers]
                        + ([[i in money for i in js]] if money else []), dtype=bool)
        x = np.stack([x for _, _, x in parts]).take(rows, axis=1)
        drops = counterfactual_drops(old[rows], u[rows], wait[rows], x, np.array([w == "start" for _, w, _ in parts]),
                                     skip, self.h)
        pop.induced[rows[drops[0]]] = True
        for c, j in enumerate(levers, 1):
            pop.pivotal[rows[drops[c]]] |= np.int64(1) << np.int64(j)
        if money:
            pop.pivotal[rows[drops[-1]]] |= np.int64(1) << np.int64(MONEY_BIT)

    def _start_on_land(self, rows: np.ndarray, land) -> np.ndarray:
        """Projects ``rows`` that want to start (开工): in parks, in id order while free land lasts;
        off parks always. Returns the mask of those that start; they take their land."""
        pop = self.pop
        site = pop.site[rows]
        in_park = self.sites.is_park[site]
        ok = np.ones(len(rows), dtype=bool)
        if in_park.any():
            pr = in_park.nonzero()[0]
            o = pr[np.lexsort((pop.project_id[rows[pr]], site[pr]))]
            fits = admit_in_order(pop.land[rows[o]], site[o], land.free)
            ok[o] = fits
            land.take(site[o[fits]], pop.land[rows[o[fits]]])
        pop.stage[rows[~ok]] = np.minimum(pop.stage[rows[~ok]], SIGNED)
        return ok

    def advance(self, land, step: int, t: float, policy=None) -> dict | None:
        """One period of the pipeline. Signed projects start only on free land (waiting ones drop
        out faster, ×``project_wait_dropout``); levers act by stage (``policy.stage_effects``: the
        business environment speeds signed → started, finance levers cut construction drop-outs;
        attributed); funds arrive by stage (a share at signing, the construction share spread over
        the expected construction time, the rest at 投产). Returns the projects reaching 投产 as the
        fields of new firms (or None)."""
        pop, p = self.pop, self.p
        self.started_sr[:] = 0.0
        if not len(pop):
            return None
        u = rng.uniform(self.seed, "project_stage", step, pop.project_id)
        parts = self._stage_levers(policy, pop.stage)
        wait0 = np.where(pop.waiting, p.project_wait_dropout, 1.0)
        if parts is None:
            h_signed, adv = self.h.h[SIGNED], None
        else:
            adv, _ = self._factors(parts, wait0)
            h_signed = stage_rates(pop.stage, self.h, None, adv)[0]
        # who would start this period, and is there free land for them (in project-id order)
        want = ((pop.stage == SIGNED) & (u < h_signed)).nonzero()[0]
        blocked = np.zeros(len(pop), dtype=bool)
        if want.size:
            ok = self._start_on_land(want, land)
            blocked[want[~ok]] = True
            pop.waiting[want[~ok]] = True
        # a blocked project stays this period; once it has waited, it drops out m times as often
        wait = np.where(pop.waiting, p.project_wait_dropout, 1.0)
        mult = wait if parts is None else self._factors(parts, wait)[1]
        old = pop.stage.copy()
        new = advance(old, u, self.h, mult, blocked, adv)
        if parts is not None:
            self._attribute_pipeline(parts, old, new, u, wait, policy.ls.kind)
        # funds: at signing, during construction, the rest at 投产
        signed = (old == 0) & (new == SIGNED)
        building = (old == STARTED) & (new != DROPPED)
        produced = (old == STARTED) & (new == PRODUCING)
        started = (old == SIGNED) & (new == STARTED)
        f = np.zeros(len(pop))
        f[signed] = p.funds_share_signing * pop.invest[signed]
        per = p.funds_share_construction * (self.h.h[STARTED] + self.h.d[STARTED])
        f[building] = np.minimum(per * pop.invest[building], pop.invest[building] - pop.funds[building])
        f[produced] = pop.invest[produced] - pop.funds[produced]
        pop.funds += f
        dropped = new == DROPPED
        # a project dropped after starting gives its land back
        gone = dropped & (old == STARTED) & self.sites.is_park[pop.site]
        land.release(pop.site[gone], pop.land[gone])
        s_site, s_org = pop.site[signed], pop.origin[signed]
        if started.any():
            self.started_sr += np.bincount(pop.sector[started].astype(np.intp) * self.R + pop.site[started],
                                           minlength=self.started_sr.size).reshape(self.started_sr.shape)
        if s_site.size:  # (what city governments observe: sim/policy/governments.py)
            self.signed_sr += np.bincount(pop.sector[signed].astype(np.intp) * self.R + s_site,
                                          minlength=self.signed_sr.size).reshape(self.signed_sr.shape)
        # reported as announced at signing: × signed_investment_ratio (a measurement parameter, the
        # calibrated flow only; a known project's investment is its announced figure)
        inv = pop.invest[signed]
        if p.signed_investment_ratio != 1.0:
            inv = inv * np.where(pop.known[signed] < 0, p.signed_investment_ratio, 1.0)
        self.tally.add_many([("projects_signed", s_site, s_org, 1.0),
                             ("investment_signed", s_site, s_org, inv),
                             ("projects_started", pop.site[started], pop.origin[started], 1.0),
                             ("projects_producing", pop.site[produced], pop.origin[produced], 1.0),
                             ("projects_dropped", pop.site[dropped], pop.origin[dropped], 1.0),
                             ("funds_arrived", pop.site, pop.origin, f)])
        pop.stage = new
        born = produced.nonzero()[0]
        births = None
        if born.size:
            births = {"sector": pop.sector[born], "site": pop.site[born], "home": pop.origin[born],
                      "scale": pop.scale0[born] * self.trend, "land": pop.land[born],
                      "induced": pop.induced[born], "pivotal": pop.pivotal[born],
                      "known": pop.known[born].astype(np.int64)}
        pop.keep((~dropped & ~produced).nonzero()[0])
        return births
