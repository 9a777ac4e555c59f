"""The numba kernels (sim/jit.py, the ``fast`` extra) give the same bits as their numpy forms, and
a run gives the same numbers with and without them. Both paths run here: the numpy form by
flipping ``sim.jit.ENABLED`` (what ``SIM_NO_NUMBA=1`` or a missing numba does at import); the
kernel tests skip where numba is not installed."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from sim import arrays, jit, rng
from tests.fingerprint import ROOT, fingerprint

needs_numba = pytest.mark.skipif(jit.numba is None, reason="numba (the fast extra) not installed")


@pytest.fixture
def both(monkeypatch):
    """Call ``f(*a, **k)`` with the kernels on and then off: (kernel result, numpy result)."""
    def call(f, *a, **k):
        monkeypatch.setattr(jit, "ENABLED", True)
        x = f(*a, **k)
        monkeypatch.setattr(jit, "ENABLED", False)
        return x, f(*a, **k)
    return call


def _ids(r, n):
    """Firm ids as the model holds them (int64, sorted, gaps), some near 2⁶³ to exercise the wrap."""
    ids = np.cumsum(r.integers(1, 5, n)).astype(np.int64)
    ids[-3:] = [2**62 + 1, 2**63 - 2, 2**63 - 1]
    return ids


@needs_numba
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 100_003])
def test_uniform_normal_gumbel_kernels_equal_numpy(both, n):
    r = np.random.default_rng(n)
    ids = _ids(r, n) if n >= 3 else np.arange(n, dtype=np.int64)
    for seed, purpose, step in [(0, "exit", 0), (2**40 + 7, "growth", 219), (42, "project", 10**7 + 3)]:
        for kw in [{}, {"ncols": 1}, {"ncols": 48}, {"col_ids": np.array([4, 2, 9, 3])}]:
            a, b = both(rng.uniform, seed, purpose, step, ids, **kw)
            assert a.shape == b.shape and a.dtype == b.dtype and a.flags.c_contiguous
            assert np.array_equal(a, b), (seed, purpose, kw)
            assert n == 0 or (a.min() > 0.0 and a.max() < 1.0)
        for f in (rng.normal, rng.gumbel):
            a, b = both(f, seed, purpose, step, ids)
            assert np.array_equal(a, b), (f.__name__, seed)
        # other id dtypes (a Python list, int32, uint64) are hashed as their uint64 values
        for ids2 in (ids[:50].tolist(), ids[:50].astype(np.uint64), (ids[:50] % 2**31).astype(np.int32)):
            a, b = both(rng.uniform, seed, purpose, step, ids2, ncols=3)
            assert np.array_equal(a, b)


@pytest.mark.parametrize("n", [0, 1, 50_001])
def test_uniform_below_is_the_comparison_with_the_uniform_draws(both, n):
    r = np.random.default_rng(n)
    ids = _ids(r, n) if n >= 3 else np.arange(n, dtype=np.int64)
    table = np.concatenate([r.random(40), [0.0, 1.0, 0.5, 1e-300]])
    key = r.integers(0, len(table), n)
    ref = rng.uniform(3, "exit", 8, ids) < table[key]
    a, b = both(rng.uniform_below, 3, "exit", 8, ids, table, key) if jit.numba else (ref, ref)
    assert a.dtype == b.dtype == bool and np.array_equal(a, ref) and np.array_equal(b, ref)
    assert n < 1000 or 0.3 < a.mean() < 0.7


@needs_numba
def test_nested_gumbel_kernel_path_equals_numpy(both):
    r = np.random.default_rng(5)
    ids = _ids(r, 20_000)
    for nest, lam in [(np.array([0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6]), 0.6), (np.arange(5), 0.4),
                      (np.array([1, 1, 1]), 1.0), (np.array([3, 3, 0, 0]), 0.05)]:
        a, b = both(rng.nested_gumbel, 11, "choice", 3, ids, nest, lam)
        assert np.array_equal(a, b)


@needs_numba
def test_one_firm_draws_equal_the_reference_scalar_form(both):
    # the per-agent reference's one-firm uniform (Python ints) is the same stream
    from benchmarks.mesa_reference import _uniform_at
    key = int(rng.stream_key(7, "exit", 4))
    for fid in (0, 1, 12345, 2**62 + 9):
        a, b = both(rng.uniform, 7, "exit", 4, np.array([fid]))
        assert a[0] == b[0] == _uniform_at(key, fid)


@needs_numba
@pytest.mark.parametrize("n", [0, 1, 999, 200_001])
def test_bincounts_kernel_equals_numpy_bincount(both, n):
    r = np.random.default_rng(n)
    sizes = [60, 13, 60, 1, 60, 13]
    # sorted keys (long chains into one bin) and shuffled ones, weights of mixed magnitude and sign
    idx = [np.sort(r.integers(0, s, n)) if q % 2 else r.integers(0, s, n) for q, s in enumerate(sizes)]
    w = [r.standard_normal(n) * 10.0 ** r.integers(-8, 9, n) for _ in sizes]
    w[1] = np.zeros(n)
    for m in (1, 2, 6):
        a, b = both(arrays.bincounts, idx[:m], w[:m], sizes[:m])
        for q in range(m):
            ref = np.bincount(idx[q], weights=w[q], minlength=sizes[q])
            assert np.array_equal(a[q], ref) and np.array_equal(b[q], ref)
    # int32 keys and non-contiguous views are converted, not misread
    a, b = both(arrays.bincounts, [idx[0].astype(np.int32), idx[2][::-1]], [w[0][::-1], w[2]], [60, 60])
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


@needs_numba
@pytest.mark.parametrize("n", [0, 1, 999, 60_001])
def test_layer_sums_kernel_equals_the_four_bincounts(both, n):
    # the grid layers' (sector, site) sums: live count, jobs, output, scale, dead rows weighted 0
    from sim.agents.places import layer_sums
    r = np.random.default_rng(n)
    bins = 11 * 47
    key = np.sort(r.integers(0, bins, n)).astype(np.intp)
    key[::3] = r.integers(0, bins, key[::3].size)
    alive = r.random(n) < 0.9
    jobs, output = r.random(n) * 10.0 ** r.integers(-3, 5, n), -r.standard_normal(n)
    scale = r.standard_normal(n) * 1e3
    a, b = both(layer_sums, key, alive, jobs, output, scale, bins)
    live = alive.astype(float)
    ref = np.stack([np.bincount(key, weights=w, minlength=bins) for w in
                    (live, jobs * live, output * live, scale * live)])  # the form before the kernel
    assert a.shape == b.shape == (4, bins)
    assert np.array_equal(a, ref) and np.array_equal(b, ref)
    assert np.array_equal(np.signbit(a), np.signbit(ref))
    a, b = both(layer_sums, key.astype(np.int32), alive, jobs[::-1].copy(), output, scale, bins)
    assert np.array_equal(a, b)


@needs_numba
@pytest.mark.parametrize("n", [0, 1, 500, 20_001])
def test_counterfactual_drops_kernel_equals_numpy(both, n):
    # the pipeline's drop-outs under sets of the levers' stage effects, against the form before
    # the kernel (advance factor and cut summed part by part, then ``stage_rates``)
    from sim.economy.pipeline import PRODUCING, StageHazards, counterfactual_drops, stage_rates
    r = np.random.default_rng(n)
    h = StageHazards(np.array([0.3, 0.25, 0.2]), np.array([0.1, 0.05, 0.6]), 0.4)
    stage = r.integers(0, PRODUCING, n)
    u = r.random(n)
    u[::7] = 0.3  # exactly at h_k: a boundary of the comparison
    wait = np.where(r.random(n) < 0.3, 2.5, 1.0)
    P = 5
    x = r.random((P, n)) * np.where(r.random((P, n)) < 0.5, 0.0, 1.0)
    x[1] *= 3.0  # cuts above 1: max(1 − cut, 0) = 0
    if n > 10:
        x[2, 3], x[0, 5], wait[8] = np.nan, np.inf, np.nan
    start = np.array([True, False, False, True, False])
    skip = np.array([[True] * P, [True, False, False, False, False], [False, True, True, False, False],
                     [False] * P, [False, False, False, True, True]])
    a, b = both(counterfactual_drops, stage, u, wait, x, start, skip, h)
    ref = np.empty((len(skip), n), dtype=bool)
    for c in range(len(skip)):
        adv, cut = np.ones(n), np.zeros(n)
        for p in range(P):
            if not skip[c, p]:
                if start[p]:
                    adv += x[p]
                else:
                    cut += x[p]
        hk, dk = stage_rates(stage, h, wait * np.maximum(1.0 - cut, 0.0), adv)
        ref[c] = (u >= hk) & (u < hk + dk)
    assert a.shape == b.shape == (len(skip), n)
    assert np.array_equal(a, ref) and np.array_equal(b, ref)
    assert n < 500 or 0 < ref.sum() < ref.size


@needs_numba
@pytest.mark.parametrize("n", [0, 1, 999, 50_001])
def test_firm_output_kernel_equals_numpy(both, n):
    # output, value added and jobs per firm (production), against the form before the kernel
    from sim.agents.production import firm_output
    r = np.random.default_rng(n)
    S, R = 11, 47
    key = r.integers(0, S * R, n).astype(np.intp)
    site = key % R
    scale = r.random(n) * 10.0 ** r.integers(-6, 4, n)
    y_scale = r.standard_normal(S * R)
    y_scale[::13] = 0.0
    va, jobs, wage = np.repeat(r.random(S), R), np.repeat(r.random(S) * 50, R), 1.0 + r.random(R)
    a, b = both(firm_output, key, site, scale, y_scale, va, jobs, wage)
    ref = y_scale.take(key) * scale
    ref_jobs = ref * jobs.take(key)
    ref_jobs /= wage.take(site)
    for x, y, z in zip(a, b, (ref, ref * va.take(key), ref_jobs)):
        assert np.array_equal(x, z) and np.array_equal(y, z)
        assert np.array_equal(np.signbit(x), np.signbit(z))
    if n:  # dead rows (numpy's form, kernels on or off): zero output
        alive = r.random(n) < 0.8
        a, b = both(firm_output, key, site, scale, y_scale, va, jobs, wage, alive)
        assert np.array_equal(a[0], b[0]) and (a[0][~alive] == 0.0).all()


@needs_numba
def test_cohort_channel_sums_kernel_equals_numpy(both):
    from sim.agents.cohort import _channel_sums
    r = np.random.default_rng(9)
    for n0, k, born, R in [(0, 0, 0, 5), (4, 0, 10, 3), (10, 10, 0, 3), (12, 7, 5, 4), (60_000, 50_000, 9_000, 47)]:
        site0 = r.integers(0, R, n0).astype(np.intp)
        pos = np.sort(r.choice(n0, k, replace=False)).astype(np.intp)  # the base firms alive
        site = np.concatenate([site0[pos], r.integers(0, R, born)]).astype(np.intp)
        mv = r.random(k) < 0.2  # some base firms moved
        site[:k][mv] = r.integers(0, R, mv.sum())
        n = k + born
        ys = [r.standard_normal(n) * 1e3, r.random(n), np.zeros(n)]
        y0s = [r.standard_normal(n0) for _ in ys]
        a, b = both(_channel_sums, ys, y0s, site, pos, k, site0, R)
        assert a.shape == b.shape == (5, 3, R) and np.array_equal(a, b)
        assert np.array_equal(np.signbit(a), np.signbit(b))
        if n0 and k < n0:  # the exits' sums are the gone firms' base values
            gone = np.setdiff1d(np.arange(n0), pos)
            assert np.array_equal(a[4, 0], np.bincount(site0[gone], weights=y0s[0][gone], minlength=R))


@needs_numba
@pytest.mark.parametrize("S", [1, 11, 200])
def test_counting_sort_is_the_stable_argsort(both, S):
    from sim.agents.firms import group_by_sector
    r = np.random.default_rng(S)
    for n in (0, 1, 5000):
        sector = r.integers(0, S, n).astype(np.int32)
        if n:
            sector[: n // 2].sort()  # sorted runs, as the population stores them, then noise
        a, b = both(group_by_sector, sector, S)
        assert np.array_equal(a[0], np.argsort(sector, kind="stable")) and a[0].dtype == np.intp
        assert all(np.array_equal(x, y) for x, y in zip(a, b))


@needs_numba
def test_attribution_kernel_equals_numpy(both):
    from sim.policy.attribution import attribute
    r = np.random.default_rng(4)
    for n, K, R in [(1, 1, 3), (40, 9, 47), (500, 4, 12)]:
        v = r.gumbel(size=(n, R))
        v[r.random((n, R)) < 0.2] = -np.inf
        cur = r.integers(0, R, n)
        v[np.arange(n), cur] = np.abs(v[np.arange(n), cur])  # the own site is always finite
        T = r.random((K, n, R)) * r.integers(0, 3, (K, 1, 1))  # some levers add nothing
        T[:, :, 0] = 0.0
        A = r.random((K, n)) < 0.7
        jarr = np.sort(r.choice(20, K, replace=False))
        terms = [(int(j), T[k], A[k]) for k, j in enumerate(jarr)]
        dest = (v + T.sum(axis=0)).argmax(axis=1)
        money = r.random(20) < 0.5
        for mon in (None, money, np.zeros(20, bool)):
            args = (v, terms, (terms, T, A, jarr), cur, dest, np.zeros(n, bool), np.zeros(n, bool), [],
                    np.zeros(n, np.intp), mon)
            a, b = both(attribute, *args)
            assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a, b))
            if n > 100:
                assert a[1].any() and (a[2] != 0).any()  # the test exercises flips


@needs_numba
def test_kernel_argmax_is_numpys():
    # the first maximum, the first NaN, 0 for a row of −inf; ties and signed zeros
    from sim.policy.attribution import _argmax_diff
    r = np.random.default_rng(8)
    v = r.integers(-2, 3, (3000, 7)).astype(float)
    v[r.random(v.shape) < 0.05] = np.nan
    v[r.random(v.shape) < 0.1] = -np.inf
    v[:5] = -np.inf
    t = r.integers(0, 2, 7) * 0.0 * r.choice([-1.0, 1.0], 7)
    for i in range(len(v)):
        assert _argmax_diff(v, t, i) == np.argmax(v[i] - t)


@needs_numba
def test_admission_kernel_equals_numpy(both):
    from sim.economy.choice import admit_in_order
    r = np.random.default_rng(2)
    for n in (1, 2, 30, 3000):
        site = np.sort(r.integers(0, 9, n))
        need = r.random(n) * r.choice([0.0, 1.0, 1e-9, 50.0], n)
        free = np.concatenate([r.random(8) * 20, [np.inf]])
        a, b = both(admit_in_order, need, site, free)
        assert a.dtype == b.dtype == bool and np.array_equal(a, b)
        assert n < 100 or (a.any() and not a.all())
    # at the edge: cumulative need equal to free land (the 1e-12 slack)
    need = np.array([0.1, 0.2, 0.3, 0.7])
    free = np.array([0.1 + 0.2 + 0.3, 0.7 - 1e-13])
    a, b = both(admit_in_order, need, np.array([0, 0, 0, 1]), free)
    assert np.array_equal(a, b) and a.all()


def test_segment_sums_are_numpys_sums_of_the_slices(both):
    r = np.random.default_rng(6)
    lengths = np.concatenate([np.arange(0, 300), r.integers(300, 300_000, 40), [2**17, 2**17 + 1, 8192 + 7]])
    r.shuffle(lengths)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    n = int(ends[-1])
    for kind in range(3):
        x = r.standard_normal(n) * 10.0 ** r.integers(-6, 7, n)
        if kind == 1:
            x[r.random(n) < 0.5] = -0.0
        if kind == 2:
            x[:] = -0.0
        ref = np.array([np.add.reduce(x[a:b]) for a, b in zip(starts, ends)])
        a, b = both(arrays.segment_sums, x, starts, ends) if jit.numba else (ref, ref)
        for got in (a, b):
            assert np.array_equal(got, ref) and np.array_equal(np.signbit(got), np.signbit(ref))


@needs_numba
def test_compaction_kernel_is_take():
    from sim.agents.firms import DTYPES, _take_into
    r = np.random.default_rng(3)
    for n in (0, 1, 20_000):
        keep = np.sort(r.choice(n, n * 9 // 10, replace=False)).astype(np.intp)
        for dt in set(DTYPES.values()):
            a = (r.standard_normal(n) * 1e6).astype(dt)
            b = np.full(n + 3, 7, dtype=dt)
            tail = b[keep.size:].copy()
            _take_into(a, keep, b)
            assert np.array_equal(b[: keep.size], a.take(keep)) and np.array_equal(b[keep.size:], tail)


def _run_fingerprint(name, until):
    from sim.model import RegionalEconomy
    from sim.outputs.metrics import Recorder
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / name), until=until)
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    return fingerprint(m, rec)


@needs_numba
def test_a_run_is_the_same_with_and_without_the_kernels(both):
    # every Recorder row and the live firms' state, bit for bit (levers, projects, nested shocks)
    a, b = both(_run_fingerprint, "jxn_transfer_zone.yaml", 2024.5)
    assert a == b


def test_sim_no_numba_turns_the_kernels_off():
    code = "import sim.jit as j; print(j.ENABLED, j.numba is None)"
    env = {**os.environ, "SIM_NO_NUMBA": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "True"]
    env["SIM_NO_NUMBA"] = "0"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    have = importlib.util.find_spec("numba") is not None
    assert out == [str(have), str(not have)]
