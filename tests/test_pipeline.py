"""The project pipeline (MODEL.md §9.3) against the closed forms of its discrete phase-type chain:
realization Π h_k/(h_k + d_k) and expected lag Σ 1/(h_k + d_k) (a geometric time in each stage);
and the calibrated project flow at rest (MODEL.md §9.6)."""
import numpy as np
import pytest

from sim.economy.pipeline import (DROPPED, PRODUCING, advance, expected_lag, realization, stage_hazards,
                                  steady_state)


def _simulate(h, n=200_000, periods=200, seed=1):
    r = np.random.default_rng(seed)
    stage = np.zeros(n, dtype=np.int8)
    reached = np.full(n, -1)
    for t in range(periods):
        live = stage < PRODUCING
        live &= stage != DROPPED
        if not live.any():
            break
        new = stage.copy()
        new[live] = advance(stage[live], r.random(live.sum()), h)
        reached[(new == PRODUCING) & (stage != PRODUCING)] = t + 1
        stage = new
    return stage, reached


@pytest.mark.parametrize("R, years", [(0.5, 2.5), (0.8, 1.0), (0.3, 4.0)])
def test_simulated_realization_and_lag_equal_the_closed_forms(R, years):
    h = stage_hazards(R, years, [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], 1.0, 0.25)
    # the hazards reproduce the two numbers they were built from
    assert realization(h) == pytest.approx(R, rel=1e-12)
    t = years * np.array([0.2, 0.2, 0.6]) / 0.25
    # ... and the lag where no stage is shorter than a period (those last one period: longer lag)
    assert expected_lag(h) == pytest.approx(np.maximum(t, 1.0).sum(), rel=1e-12)
    stage, reached = _simulate(h)
    share = (reached > 0).mean()
    se = np.sqrt(R * (1 - R) / len(stage))
    assert abs(share - R) < 4 * se
    lag = reached[reached > 0].mean()
    assert lag == pytest.approx(expected_lag(h), rel=0.01)


def test_waiting_for_land_blocks_and_raises_drop_out():
    h = stage_hazards(0.5, 2.5, [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], 1.0, 0.25)
    stage = np.full(100_000, 1, dtype=np.int8)  # signed
    u = np.random.default_rng(2).random(stage.size)
    free = advance(stage, u, h)
    blocked = advance(stage, u, h, None, np.ones(stage.size, bool))
    waited = advance(stage, u, h, np.full(stage.size, 2.0), np.ones(stage.size, bool))
    assert (blocked != 2).all() and (waited != 2).all()       # nobody starts without land
    d = h.d[1]
    assert (free == DROPPED).mean() == pytest.approx(d, abs=4 * np.sqrt(d / stage.size))
    assert (blocked == DROPPED).mean() == pytest.approx(d, abs=4 * np.sqrt(d / stage.size))
    assert (waited == DROPPED).mean() == pytest.approx(2 * d, abs=4 * np.sqrt(2 * d / stage.size))


def test_steady_state_numbers_are_inflow_times_time_in_stage():
    h = stage_hazards(0.5, 2.5, [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], 1.0, 0.25)
    n = steady_state(10.0, h)
    # Little's law per stage: stock = inflow into the stage × expected periods in it
    inflow = 10.0
    for k in range(3):
        assert n[k] == pytest.approx(inflow / (h.h[k] + h.d[k]))
        inflow *= h.h[k] / (h.h[k] + h.d[k])
    assert inflow == pytest.approx(10.0 * 0.5)  # the births per period: inflow × realization
