"""The shortcuts of the fifth performance pass (issue 14 item 10, branch ``perf`` after main 9144fc9;
benchmarks/README.md) give the numbers of
the code they replaced, bit for bit, where it can be made to matter: ``np.add.at`` by bincount into
an empty table, row maxima through argmax, the project tally's batched additions, the owners' income
kept from the production stage, taxes by site taken in production, deflators of every city at once.
tests/test_golden.py pins whole runs at a tolerance."""
import numpy as np

from sim.agents.production import owner_income
from sim.agents.project_tables import Tally
from sim.arrays import add_at
from sim.economy.choice import row_max
from sim.economy.prices import deflator_index, deflator_indices
from sim.model import RegionalEconomy
from sim.scenario import load_scenario
from tests.fingerprint import ROOT


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint64)


def test_add_at_equals_np_add_at():
    r = np.random.default_rng(7)
    for idx in (np.sort(r.integers(0, 30, 4000)), r.integers(0, 30, 4000)):
        w = r.lognormal(0, 3, idx.size)
        for start in (np.zeros(40), r.random(40)):  # empty: bincount; holding values: np.add.at
            a, b = start.copy(), start.copy()
            add_at(a, idx, w)
            np.add.at(b, idx, w)
            assert np.array_equal(_bits(a), _bits(b))
        # the order of addition matters here (a reversed order differs somewhere): the test can fail
        c = np.zeros(40)
        np.add.at(c, idx[::-1], w[::-1])
        assert not np.array_equal(_bits(c), _bits(np.bincount(idx, weights=w, minlength=40)))


def test_row_max_equals_np_max():
    r = np.random.default_rng(1)
    v = r.gumbel(size=(300, 47))
    v[r.random(v.shape) < 0.3] = -np.inf
    v[5] = -np.inf
    v[7, 3] = np.nan
    v[9, [2, 11]] = 50.0  # a tie: the same value either way
    for x in (v, v.reshape(3, 100, 47), v[:, :1], v[:0]):
        want = np.max(x, axis=-1, keepdims=True)
        got = row_max(x)
        assert got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True)


def test_tally_batched_additions_equal_one_by_one():
    R, Q = 47, 18
    r = np.random.default_rng(2)
    site, org = r.integers(0, R, 3000), r.integers(0, Q, 3000)
    w = r.lognormal(size=3000)
    t = Tally(R, Q)
    t.add_many([("projects_signed", site, org, 1.0), ("investment_signed", site, org, w),
                ("funds_arrived", site[:500], org[:500], w[:500]), ("funds_arrived", site, org, w)])
    t.add("investment_signed", site[:700], org[:700], w[:700])  # onto a table with values: np.add.at
    t.add("projects_signed", site[:10], org[:10])
    signed, inv, funds = np.zeros((R, Q)), np.zeros((R, Q)), np.zeros((R, Q))
    np.add.at(signed, (site, org), 1.0)
    np.add.at(signed, (site[:10], org[:10]), 1.0)
    np.add.at(inv, (site, org), w)
    np.add.at(inv, (site[:700], org[:700]), w[:700])
    np.add.at(funds, (site[:500], org[:500]), w[:500])
    np.add.at(funds, (site, org), w)
    assert np.array_equal(t.projects_signed, signed)
    assert np.array_equal(_bits(t.investment_signed), _bits(inv))
    assert np.array_equal(_bits(t.funds_arrived), _bits(funds))
    assert not t.projects_dropped.any() and t.table.shape == (len(Tally.MEASURES), R, Q)
    t.reset()
    assert not t.table.any() and not t.funds_arrived.any()


def test_kept_owner_income_and_taxes_equal_a_fresh_computation():
    """The owners' income the production stage keeps (read at the next period's start) and the
    taxes by site it takes for the ledger equal their own computation, after every step; a move or
    growth drops the kept income."""
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml"), until=2024.5)
    kept = 0
    for _ in range(m.n_steps):
        m.step()
        f = m.firms
        got = m.owner_income()
        kept += "owner_income" in f.totals()
        f._tot = None
        want = owner_income(f, m.market.pi_scale, m.Q, m.sw.owners_spend_at_site)
        assert np.array_equal(_bits(got), _bits(want))
        rev = m.ledger.revenue.copy()
        m.ledger.collect_revenue(f, m.market.bc.pretax, m.is_origin, m.tax, m.dt)  # its own bincount
        assert np.array_equal(_bits(rev), _bits(m.ledger.revenue))
    assert kept == m.n_steps
    m.produce()
    assert "owner_income" in m.firms.totals()
    m.firms.grown()
    assert "owner_income" not in m.firms.totals()


def _deflator_written_out(t, base, points):
    """The per-city loop the vectorised deflators replaced."""
    lo, hi, sign = (base, t, 1.0) if t >= base else (t, base, -1.0)
    log_p = 0.0
    for k, (d, r) in enumerate(points):
        start = -np.inf if k == 0 else d
        end = points[k + 1][0] if k + 1 < len(points) else np.inf
        span = min(hi, end) - max(lo, start)
        if span > 0:
            log_p += span * np.log1p(r)
    return float(np.exp(sign * log_p))


def test_deflators_of_every_city_at_once_equal_each_city():
    r = np.random.default_rng(4)
    dates = [2021.0, 2022.0, 2023.5, 2026.0]
    rates = r.normal(0.02, 0.02, (len(dates), 13))
    for t in (2020.25, 2022.0, 2023.75, 2030.0):
        got = deflator_indices(t, 2022.0, dates, np.log1p(rates))
        for i in range(13):
            points = list(zip(dates, rates[:, i].tolist()))
            want = _deflator_written_out(t, 2022.0, points)
            assert got[i] == want and deflator_index(t, 2022.0, points) == want


def test_p_out_without_one_lever_lies_between_all_and_none():
    """The premise of the projects' shortcut (``ProjectEconomy._choose_sites``): with every lever
    term ≥ 0, P(rest of China) without lever j lies between P with every term and P with none (well
    inside the 1e-9 margin), so a project with u ≥ P_0 + 1e-9 stays without any one lever."""
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml"), until=2025.0)
    for _ in range(9):  # into 2024: the levers' project terms are on
        m.step()
    pe, S, R = m.projects, m.S, m.R
    base = pe.utility_base(m.market)
    terms = m.policy.project_terms(np.arange(S))
    assert len(terms) >= 3 and all((T >= 0).all() for _, T, _ in terms)
    used = np.flatnonzero(pe.national > 0)
    for scale in (1.0, 30.0):  # as in the scenario, and terms large enough to move P by a lot
        Ts = [scale * T for _, T, _ in terms]
        tot = sum(Ts)
        p = pe.outside.p_out(base, [tot, np.zeros((S, R))] + [tot - T for T in Ts], used)
        assert (p[1] - p[0]).max() > (1e-4 if scale > 1 else 0)  # the levers keep some projects
        for k in range(2, len(p)):
            assert (p[0] <= p[k] + 1e-15).all() and (p[k] <= p[1] + 1e-15).all()
