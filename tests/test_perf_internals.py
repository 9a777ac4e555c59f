"""The shortcuts of the second performance pass (issue 6) give the same bits as the straightforward
code they replaced: Python-int stream keys, per-chooser rows of V, the batched capacity rule, the
memoised schedules, and the caches kept on the model (index arrays, sector grouping, market sums).
tests/test_golden.py pins whole runs at a tolerance; these check each piece where it can be made to
matter (full parks, many choosers, every step's caches)."""
import numpy as np
import pytest

from sim import rng
from sim.agents.relocation import ROUNDS, SiteChoice
from sim.economy.choice import preference_order
from sim.economy.trends import Schedules
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.fingerprint import ROOT


def _model(name="changchun_siping.yaml", until=2024.0, overrides=()):
    return RegionalEconomy(load_scenario(ROOT / "scenarios" / name, list(overrides)), until=until)


def test_stream_keys_from_python_ints_equal_the_numpy_form():
    seeds = [0, 1, 42, 2**31 - 1, 2**40 + 7, 2**64 - 1, 2**70 + 3, -5]
    for seed in seeds:
        for purpose in rng.PURPOSES:
            for step in (0, 1, 7, 219, 10**7 + 3, 2**33):
                a = rng._stream_key(seed, purpose, step)
                b = rng._stream_key_arrays(seed, purpose, step)
                assert type(a) is np.uint64 and a == b, (seed, purpose, step)


def test_chooser_rows_equal_the_utility_written_out():
    # economy.choice.utility_rows against V = β(π_net − move·π[s, r0])/π̄ + bonus·lead + a, −inf
    # where the site does not admit the sector (but the chooser's own site), element by element
    m = _model("jxn_transfer_zone.yaml", 2024.5)
    for _ in range(3):
        m.step()
    m.evaluate_market()
    r = np.random.default_rng(3)
    sec = np.repeat(np.flatnonzero(m.mobile_sector), 40)
    cur = r.integers(0, m.R, sec.size)
    pib = np.maximum(m.pibar, 1e-300)[sec]
    v, move = m.choice.utility_rows(sec, cur, pib)
    p = m.p
    for i in range(0, sec.size, 7):
        s, r0 = sec[i], cur[i]
        mv = m.move_base[r0] * m.pi_scale[s, r0]
        mv[r0] = 0.0
        want = p.beta * (m.net_scale[s] - mv) / pib[i] + p.leading_sector_bonus * m.lead[s] + m.constants[s]
        ok = m.admit[s].copy()
        ok[r0] = True
        want[~ok] = -np.inf
        np.testing.assert_allclose(v[i], want, rtol=1e-12)
        np.testing.assert_allclose(move[i], mv, rtol=1e-12)
        assert np.array_equal(np.isneginf(v[i]), ~ok)
    # the calibration's full matrix is the same function, row by row
    s = int(sec[0])
    full = m.utility_matrix(s)
    sel = sec == s
    assert np.array_equal(v[sel].view(np.uint64), full[cur[sel]].view(np.uint64))
    assert np.isneginf(v).any() and np.isfinite(v).any()  # sites that do not admit the sector, and some that do


def _assign_group_by_group(self, idx, v, first, sec, cur, secs, b0, b1):
    """The capacity rule as before the batching: the full preference order of every chooser, each
    sector group from its first round."""
    order = preference_order(v, ROUNDS)
    assert np.array_equal(order[:, 0], first)  # argmax is the head of the preference order
    for s, a, b in zip(secs.tolist(), b0, b1):
        self.assign(idx[a:b], v[a:b], order[a:b], s, cur[a:b])


def test_batched_capacity_rule_equals_group_by_group(monkeypatch):
    # parks nearly full and revision × 15: many movers refused, later rounds used (× 15, not × 6:
    # with the nested logit fewer movers pick a park)
    ov = ("parameters.revision_scale=15",)

    def run(batched):
        if not batched:
            monkeypatch.setattr(SiteChoice, "assign_all", _assign_group_by_group)
        m = _model(overrides=ov, until=2023.75)
        m.free_land[: m.n_parks] *= 0.02
        refused = []
        orig = SiteChoice.assign

        def spy(self, idx, v, order, s, cur, rank=None, pending=None):
            orig(self, idx, v, order, s, cur, rank, pending)
            # firms that wanted another site first and did not get it were refused there
            refused.append(int(((order[:, 0] != cur) & (self.firms.site[idx] != order[:, 0])).sum()))

        monkeypatch.setattr(SiteChoice, "assign", spy)
        for _ in range(m.n_steps):
            m.step()
        monkeypatch.undo()
        return m, sum(refused)

    a, _ = run(True)
    b, refused = run(False)
    assert refused > 50  # parks did refuse firms (who then took a later choice or stayed)
    for name in ("site", "land", "scale", "free_land", "arrivals", "departures", "arrivals_from",
                 "induced", "pivotal", "arrived_t"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and np.array_equal(np.asarray(x).view(np.uint8), np.asarray(y).view(np.uint8)), name


def test_memoised_schedules_equal_each_schedules_value():
    m = _model("baseline.yaml", 2025.0, ("trends.wage_growth={长三角: {2024: 0.20, 2026-07: 0.03}}",
                                         "trends.income_growth={四平: {2023-04: 0.05, 2030: 0.02}}"))
    for lst in (m.s_income, m.s_wage, m.s_pop, m.s_land):
        assert isinstance(lst, Schedules)
        for t in np.arange(2021.0, 2036.0, 0.125):
            got = lst.at(float(t))
            assert not got.flags.writeable
            assert np.array_equal(got, np.array([sch.at(float(t)) for sch in lst]))
    assert len(m.s_income._dates) > 2 and len(m.s_wage._dates) > 2  # dated changes were tested


@pytest.mark.parametrize("name", ["changchun_siping.yaml", "jxn_transfer_zone.yaml"])
def test_caches_equal_a_fresh_computation_after_every_step(name):
    # a missed invalidation (a move, an exit, an anchor, growth) would leave a stale cache
    m = _model(name, 2024.75)
    for _ in range(m.n_steps):
        m.step()
        fx = m.firms.index()
        key = m.sector.astype(np.intp) * m.R + m.site
        assert np.array_equal(fx["key"], key) and np.array_equal(fx["site"], m.site)
        assert np.array_equal(fx["place"], m.site_market_arr[m.site])
        assert fx["sector"].dtype == np.intp and np.array_equal(fx["sector"], m.sector)
        perm = m.firms.by_sector()[0]
        assert np.array_equal(perm, np.argsort(m.sector, kind="stable"))
        pop = m.firms.revisers()
        cand = np.flatnonzero(m.mobile_sector[m.sector] & ~m.pinned & m.alive)
        assert np.array_equal(pop["cand"], cand) and np.array_equal(pop["cand_ids"], m.firm_id[cand])
        assert np.array_equal(pop["home"], m.home)
        if m.firms._ms is not None:
            raw = np.bincount(key, weights=m.scale, minlength=m.S * m.R).reshape(m.S, m.R)
            assert np.array_equal(m.firms._ms[2], raw)
        assert np.array_equal(m.site_output, np.bincount(m.site, weights=m.output, minlength=m.R))
        g = np.array([m.cost[s] ** (1.0 - m.sigma[s]) for s in range(m.S)])
        assert np.array_equal(m.g, g)
    assert m.pinned.any() or name != "changchun_siping.yaml"  # the anchor was placed


def test_market_block_for_all_sectors_equals_sector_by_sector():
    from sim.economy import market
    m = _model("changchun_siping.yaml", 2025.0)  # an anchor: its local purchases raise one sector's income
    for _ in range(m.n_steps):
        m.step()
    assert m.extra_demand.any()
    supply = m._supply_raw * m.g
    income = np.repeat(m.income[None, :], m.S, axis=0)
    for s in range(m.S):
        if m.extra_demand[s].any():
            income[s] = m.income + m.extra_demand[s] / m.mu[s]
    got = market.site_profits_all(m.mu, m.sigma, supply, m.g, m.phi, income, m.external)
    for s in range(m.S):
        one = market.site_profits(m.mu[s], m.sigma[s], supply[s], m.g[s], m.phi[s], income[s], m.external[s])
        assert np.array_equal(got[s].view(np.uint64), one.view(np.uint64)), s
    assert np.array_equal(got, m.pi_scale)


def test_compaction_keeps_every_per_firm_array_aligned():
    # dead firms leave the arrays at exit; every per-firm array (the policy ones included) must
    # lose the same rows, in the same order, or firm i's fields would mix with firm j's
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "changchun_siping.yaml"), until=2024.5)
    m.run()  # an anchor (a pinned firm) and levers
    n = len(m.firm_id)
    assert m.next_id > n  # firms did exit and were dropped
    assert m.alive.all()
    assert m.pinned.sum() == 1 and m.induced.any() and np.isfinite(m.arrived_t).any()
    for name in RegionalEconomy.FIRM_ARRAYS + ("output", "va", "jobs"):
        assert len(getattr(m, name)) == n, name
    assert (m.firm_id[1:] > m.firm_id[:-1]).all()  # creation order kept
    # no per-firm array is missed by FIRM_ARRAYS
    per_firm = {k for k, v in vars(m.firms).items() if hasattr(v, "shape") and v.shape[:1] == (n,)}
    assert per_firm <= set(RegionalEconomy.FIRM_ARRAYS) | {"output", "va", "jobs"}, per_firm
    # the sector grouping is the mask over sectors, in array order
    perm, _sec_p, starts, ends, _counts = m.firms.by_sector()
    for s in range(m.S):
        assert (perm[starts[s]:ends[s]] == np.flatnonzero(m.alive & (m.sector == s))).all()


@pytest.mark.parametrize("n", [1, 7, 10_000, 300_001])
def test_normal_draws_equal_the_straightforward_box_muller(n):
    # sim.rng.normal computes its two uniforms column by column and in place; it must give the
    # same bits as the straightforward form it replaced
    from sim import rng
    ids = np.arange(3, 3 + n) * 7
    u = rng.uniform(11, "growth", 4, ids, 2)
    ref = np.sqrt(-2.0 * np.log(u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
    got = rng.normal(11, "growth", 4, ids)
    assert np.array_equal(got.view(np.uint64), ref.view(np.uint64))


def test_preference_order_is_the_head_of_a_full_sort():
    # the capacity rule reads at most ROUNDS choices per firm: _preference_order gives those
    # without sorting every site; where utilities are finite it equals argsort(-v)[:, :ROUNDS]
    r = np.random.default_rng(5)
    v = r.gumbel(size=(2000, 47))
    v[r.random(v.shape) < 0.95] = -np.inf  # sites that do not admit the sector
    v[:, 0] = r.gumbel(size=2000)        # the firm's own site: always finite
    got = preference_order(v, ROUNDS)
    ref = np.argsort(-v, axis=1)
    k = ROUNDS
    assert got.shape == (2000, k)
    finite = np.isfinite(np.take_along_axis(v, ref[:, :k], axis=1))
    assert (~finite).any()  # some rows reach -inf within k: those entries may come in any order
    assert np.array_equal(got[finite], ref[:, :k][finite])
    assert np.array_equal(preference_order(v[:, :3], ROUNDS), np.argsort(-v[:, :3], axis=1))


def test_project_shortcuts_equal_the_straightforward_code():
    """Issue 14 item 10: the projects' P(rest of China) for every lever set at once, the investor
    origins by sector block, the size pools as one array and the tallies by bincount give the bits of
    the code they replaced (a loop over sectors per lever set, an n × Q comparison, a mask per
    (sector, site), np.add.at)."""
    from sim.economy.choice import nested_logit_column, nested_logit_probabilities

    m = _model("jxn_transfer_zone.yaml", 2025.0)
    for _ in range(9):  # into 2024, when the levers' project terms are on
        m.step()
    pe, S, R, Q = m.projects, m.S, m.R, m.Q
    base = pe.utility_base(m.market)
    terms = m.policy.project_terms(np.arange(S))
    assert len(terms) >= 3
    tot = sum(T for _, T, _ in terms)
    extras = [tot, np.zeros((S, R))] + [tot - T for _, T, _ in terms]
    used = np.flatnonzero(pe.national > 0)
    got = pe.outside.p_out(base, extras, used)
    for k, extra in enumerate(extras):
        want = np.ones((S, Q))
        for s in used:
            v = base[s][None, :] + pe.home_bias
            v[:, :R] += extra[s][None, :]
            want[s] = nested_logit_probabilities(v, pe.nest, m.p.nest_lambda)[:, R]
        assert np.array_equal(got[k], want), k
    # the sets without the terms for the projects that stay only: any number of (sector, origin)
    # rows (one, a few, every pair twice) gives the numbers of the full table
    r = np.random.default_rng(5)
    ss, qq = np.meshgrid(used, np.arange(Q), indexing="ij")
    for n in (1, 3, 40, 2 * ss.size):
        pick = r.integers(0, ss.size, n) if n < 2 * ss.size else np.tile(np.arange(ss.size), 2)
        sec, org = ss.ravel()[pick], qq.ravel()[pick]
        at = pe.outside.p_out_at(base, extras[1:], tot, got[0], sec, org)
        assert np.array_equal(at, got[1:, sec, org]), n
    # nested logit on a stack of rows = row block by row block (2-D, as before); one column alone
    for lam in (0.4, 1.0):
        v2 = base[3][None, :] + pe.home_bias
        assert np.array_equal(nested_logit_column(v2, pe.nest, lam, R),
                              nested_logit_probabilities(v2, pe.nest, lam)[:, R])
    v4 = np.random.default_rng(5).normal(size=(3, 4, Q, R + 1)) * 3
    p4 = nested_logit_probabilities(v4, pe.nest, 0.4)
    for i in range(3):
        for j in range(4):
            assert np.array_equal(p4[i, j], nested_logit_probabilities(v4[i, j], pe.nest, 0.4))
    # investor origins: the inverse CDF by comparison
    n_nat = np.random.default_rng(1).poisson(pe.national * 3)
    sec = np.repeat(np.arange(S), n_nat)
    u = rng.uniform(1, "project_origin", 0, np.arange(sec.size))
    cw = np.cumsum(pe.origin_w, axis=1)
    want = np.minimum((u[:, None] * cw[sec, -1:] > cw[sec]).sum(axis=1), Q - 1)
    assert np.array_equal(pe.draw_national_origins(sec, u), want) and len(np.unique(want)) > 5
    # the projects that stay: origins drawn only above the least P_out of the sector's origins
    # equal those of the full draw (every project's origin, then u < P_out(s, q))
    before, n0 = len(pe.pop), pe.next_id
    pe.tally.reset()
    pe.arrive(m.market, m.policy, 50, m.t)
    r = np.random.default_rng(int(rng.stream_key(pe.seed, "project_count", 50)))
    n_nat = r.poisson(pe.national)
    sec = np.repeat(np.arange(S), n_nat)
    ids = n0 + np.arange(sec.size)
    u = rng.uniform(pe.seed, "project_origin", 50, ids)
    origin = np.minimum((u[:, None] * cw[sec, -1:] > cw[sec]).sum(axis=1), Q - 1)
    p0 = pe.outside.p_out(base, [tot], np.flatnonzero(n_nat))[0]
    stay = rng.uniform(pe.seed, "project_out", 50, ids) >= p0[sec, origin]
    new = slice(before, before + int(stay.sum()))
    assert stay.sum() > 20 and pe.tally.intended_elsewhere == float((~stay).sum())
    assert np.array_equal(pe.pop.project_id[new], ids[stay])
    assert np.array_equal(pe.pop.origin[new], origin[stay])
    assert np.array_equal(pe.pop.sector[new], sec[stay])
    # size pools: entry ⌊u·len⌋ of the (sector, site)'s pool, else the sector's
    key = np.random.default_rng(2).integers(0, S * R, 5000)
    uu = np.random.default_rng(3).random(5000)
    flat, off, size = pe._pools()
    got = flat[off[key] + np.minimum((uu * size[key]).astype(np.intp), size[key] - 1)]
    for k in np.unique(key):
        pool = pe.base_scales.get(int(k), pe.base_scales[("sector", int(k) // R)])
        mk = key == k
        assert np.array_equal(got[mk], pool[np.minimum((uu[mk] * len(pool)).astype(np.intp), len(pool) - 1)])
    # tallies: bincount against np.add.at (counts added twice, weights once)
    site, org = key % R, np.random.default_rng(4).integers(0, Q, 5000)
    w = np.random.default_rng(6).lognormal(size=5000)
    pe.tally.reset()
    pe.tally.add("projects_intended", site, org)
    pe.tally.add("projects_intended", site[:100], org[:100])
    pe.tally.add("funds_arrived", site, org, w)
    a, b = np.zeros((R, Q)), np.zeros((R, Q))
    np.add.at(a, (site, org), 1.0)
    np.add.at(a, (site[:100], org[:100]), 1.0)
    np.add.at(b, (site, org), w)
    assert np.array_equal(pe.tally.projects_intended, a) and np.array_equal(pe.tally.funds_arrived, b)


def test_growth_shock_in_place_equals_the_formula():
    from sim.economy.growth import laplace_from_uniform

    u = np.random.default_rng(0).random(10_000) - 0.5
    want = -np.sign(u) * np.log1p(-2 * np.abs(u)) / np.sqrt(2.0)
    assert np.array_equal(laplace_from_uniform(u), want)


def test_newcomer_investment_terms_at_candidate_rows_equal_the_full_arrays():
    """The q-rule's newcomer levers at the rows that can hold one (arrived on or after the first such
    lever's first date) give the full per-firm arrays' numbers there, and the full arrays are 0
    elsewhere (the shortcut of ``Investment.newcomers``)."""
    m = _model("jxn_transfer_zone.yaml", 2027.0)
    reached = 0
    while m.t < 2027.0 - 1e-9:
        m.step()
        key = m.firms.index()["key"]
        full = m.policy.investment_terms(key, m.arrived_t, m.t, newcomers=True)
        part = m.policy.newcomer_investment_terms(key, m.arrived_t, m.t)
        if full is None:
            assert part is None
            continue
        rows, ci, ni = part
        assert np.all(np.diff(rows) > 0)
        assert np.array_equal(full[0][rows], ci) and np.array_equal(full[1][rows], ni)
        rest = np.ones(len(key), dtype=bool)
        rest[rows] = False
        assert not full[0][rest].any() and not full[1][rest].any()
        reached += int(((ci > 0) | (ni != 0)).sum())
    assert reached > 0


def test_interleaved_bincounts_and_member_equal_numpy():
    """``sim.arrays``: one interleaved bincount gives each weighted bincount bit for bit (rows
    sorted by bin, shuffled, and bins left empty), ``member`` gives ``np.isin``."""
    from sim.arrays import bincounts, member

    r = np.random.default_rng(3)
    n = 5000
    for idx0 in (np.sort(r.integers(0, 40, n)), r.integers(0, 40, n)):
        idx = [idx0.astype(np.intp), r.integers(0, 7, n).astype(np.intp), np.minimum(idx0, 12).astype(np.intp)]
        w = [r.lognormal(0, 3, n), r.normal(size=n) * 1e6, r.random(n)]
        sizes = [45, 7, 30]
        got = bincounts(idx, w, sizes)
        for i, x, m_, g in zip(idx, w, sizes, got):
            assert np.array_equal(g, np.bincount(i, weights=x, minlength=m_))
        # the order of addition matters (a reversed sum differs somewhere): the test can fail
        assert not all(np.array_equal(np.bincount(i[::-1], weights=x[::-1], minlength=m_), g)
                       for i, x, m_, g in zip(idx, w, sizes, got))
    b = np.concatenate([np.sort(r.choice(10**6, 300, replace=False)) for _ in range(3)])
    for a in (r.choice(10**6, 50), b[::7], np.zeros(0, dtype=np.int64), np.array([b.max() + 1, -1])):
        assert np.array_equal(member(a, b), np.isin(a, b))
        assert np.array_equal(member(a, b[:0]), np.isin(a, b[:0]))
