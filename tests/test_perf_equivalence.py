"""Performance work must not change results.

The fingerprints below were produced by ``python tests/perf_fingerprint.py`` on commit 73a2e5c
(main, before any of the performance changes of issue 6) with numpy 2.4.6 on x86-64: a SHA-256
over every tidy row the Recorder writes (all measures, every period) and over the live firms'
state in firm-id order (sector, site, scale, land, output, jobs, arrival dates, land discounts,
attribution flags ...), plus free land, land prices and lever spending. They are compared bit for
bit: an optimisation that changes a single rounding anywhere fails here. On another numpy version or a
CPU without the same SIMD features the fingerprint tests skip (numpy's vectorized log/cos may differ in the
last bit there); the equivalence tests below them run everywhere.
"""
import numpy as np
import pytest

from tests.perf_fingerprint import CASES, OLD, OLD_CHOICE, fingerprint, run

# where the fingerprints were made: numpy's SIMD log/cos/exp may differ in the last bit on other CPUs or
# numpy versions, which would change every fingerprint without any change to the code
PINNED_ON = {"numpy": "2.4.6", "features": ("AVX2", "AVX512F", "AVX512_ICL", "AVX512_SKX", "FMA3")}


def _same_platform() -> bool:
    from numpy._core._multiarray_umath import __cpu_features__ as feats
    have = tuple(k for k in PINNED_ON["features"] if feats.get(k))
    return np.__version__ == PINNED_ON["numpy"] and have == PINNED_ON["features"]

BEFORE = {
    ('baseline.yaml', OLD, 2025): {'rows': '47aba331cc1550eb', 'firms': 'ac3b665ce658c684', 'state': 'bdbacd52198b65ca', 'n_rows': 13856, 'live': 51436, 'gdp_end': 19028.43878026154},
    ('jxn_transfer_zone.yaml', OLD, 2025): {'rows': 'd6efcadbee4a301c', 'firms': '18524aab9c96eea5', 'state': 'f10643364a00fccb', 'n_rows': 19616, 'live': 51436, 'gdp_end': 19031.74469783694},
    ('changchun_siping.yaml', OLD, 2026): {'rows': '37cec7c83afc00e9', 'firms': '8aaacf4dd2f8bc0f', 'state': 'ad08f4592fc029d0', 'n_rows': 20080, 'live': 51437, 'gdp_end': 19857.480027141526},
    ('six_city_integration.yaml', OLD, 2025.5): {'rows': 'cab201c108c26737', 'firms': 'e4cee79fc5b2f1a1', 'state': '4ea53031ef94a684', 'n_rows': 17910, 'live': 51436, 'gdp_end': 19421.405152930372},
    ('theory/footloose-entrepreneur.yaml', OLD, 2024): {'rows': '0a586c4c54073e1e', 'firms': 'd13cbb467329463e', 'state': '1d9afc346fca871c', 'n_rows': 1200, 'live': 2000, 'gdp_end': 999.9999999999918},
    ('baseline.yaml', OLD_CHOICE + ('parameters.gibrat_shock=laplace', 'parameters.gibrat_size_elasticity=0.2', 'firms.scale=0.3'), 2024): {'rows': '2e9ea640970325af', 'firms': '8b4d23a66b522c67', 'state': '74dec3bafb20067b', 'n_rows': 10392, 'live': 6176, 'gdp_end': 18273.287786775625},
}


def test_every_case_is_pinned():
    assert set(BEFORE) == {(s, tuple(o), u) for s, o, u in CASES}


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{'+' if c[1] else ''}-{c[2]}" for c in CASES])
def test_results_bit_identical_to_before_the_performance_work(case):
    if not _same_platform():
        pytest.skip("fingerprints pinned with numpy 2.4.6 on an AVX-512 CPU; regenerate them on 73a2e5c "
                    "with `python tests/perf_fingerprint.py` for this platform")
    scn, overrides, until = case
    got = fingerprint(*run(scn, until, overrides=overrides))
    assert got == BEFORE[(scn, tuple(overrides), until)]


def test_compaction_keeps_every_per_firm_array_aligned():
    # dead firms leave the arrays at exit; every per-firm array (the policy ones included) must
    # lose the same rows, in the same order, or firm i's fields would mix with firm j's
    from sim.model import RegionalEconomy
    m, _ = run("changchun_siping.yaml", 2024.5)  # an anchor (a pinned firm) and levers
    n = len(m.firm_id)
    assert m.next_id > n  # firms did exit and were dropped
    assert m.alive.all()
    assert m.pinned.sum() == 1 and m.induced.any() and np.isfinite(m.arrived_t).any()
    for name in RegionalEconomy.FIRM_ARRAYS + ("output", "va", "jobs"):
        assert len(getattr(m, name)) == n, name
    assert (m.firm_id[1:] > m.firm_id[:-1]).all()  # creation order kept
    # no per-firm array is missed by FIRM_ARRAYS
    per_firm = {k for k, v in vars(m).items() if hasattr(v, "shape") and v.shape[:1] == (n,)}
    assert per_firm <= set(RegionalEconomy.FIRM_ARRAYS) | {"output", "va", "jobs", "_key_now"}, per_firm
    # the sector grouping is the mask over sectors, in array order
    perm, sec_p, starts, ends, counts = m._by_sector()
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
    from sim.model import RegionalEconomy
    r = np.random.default_rng(5)
    v = r.gumbel(size=(2000, 47))
    v[r.random(v.shape) < 0.95] = -np.inf  # sites that do not admit the sector
    v[:, 0] = r.gumbel(size=2000)        # the firm's own site: always finite
    m = RegionalEconomy.__new__(RegionalEconomy)
    got = m._preference_order(v)
    ref = np.argsort(-v, axis=1)
    k = RegionalEconomy.ROUNDS
    assert got.shape == (2000, k)
    finite = np.isfinite(np.take_along_axis(v, ref[:, :k], axis=1))
    assert (~finite).any()  # some rows reach -inf within k: those entries may come in any order
    assert np.array_equal(got[finite], ref[:, :k][finite])
    assert np.array_equal(m._preference_order(v[:, :3]), np.argsort(-v[:, :3], axis=1))
