"""Numbers do not change by accident: short runs of every shipped scenario and of a scenario with
every lever kind, and the pure economic functions, equal their golden values (tests/golden/,
written by tests/golden_cases.py) within GOLDEN_RTOL / GOLDEN_ATOL. See tests/golden/README.md for
when and how to regenerate."""
import numpy as np
import pandas as pd
import pytest

from golden_cases import (GOLDEN, GOLDEN_ATOL, GOLDEN_RTOL, LABELS, RUN_CASES, function_values,
                          load_case, rows)


def _first_differences(new: pd.DataFrame, old: pd.DataFrame, bad: np.ndarray, k: int = 5) -> str:
    idx = np.flatnonzero(bad)[:k]
    show = old.iloc[idx].assign(new_value=new.value.to_numpy()[idx])
    return f"{int(bad.sum())} of {len(bad)} values differ; first:\n{show.to_string()}"


@pytest.mark.parametrize("name", list(RUN_CASES))
def test_short_run_equals_its_golden_rows(name):
    old = pd.read_csv(GOLDEN / f"{name}.csv.gz", dtype={c: str for c in LABELS},
                      keep_default_na=False)
    new = rows(name)
    assert len(new) == len(old), f"{name}: {len(new)} rows, golden {len(old)}"
    for c in LABELS:
        diff = new[c].to_numpy() != old[c].to_numpy()
        assert not diff.any(), f"{name}: column {c} differs at rows {np.flatnonzero(diff)[:5]}"
    a, b = new.value.to_numpy(), old.value.to_numpy(dtype=float)
    bad = ~np.isclose(a, b, rtol=GOLDEN_RTOL, atol=GOLDEN_ATOL, equal_nan=True)
    assert not bad.any(), f"{name}: " + _first_differences(new, old, bad)


def test_pure_functions_equal_their_golden_values():
    old = np.load(GOLDEN / "functions.npz")
    new = function_values()
    assert set(new) == set(old.files)
    for k, v in new.items():
        np.testing.assert_allclose(v, old[k], rtol=GOLDEN_RTOL, atol=GOLDEN_ATOL, err_msg=k)


def test_every_lever_kind_case_uses_every_kind():
    """The golden case with every lever kind has power: each kind of the spec is in it."""
    from sim.policy.levers import KINDS

    kinds = {lv.kind for lv in load_case("every_lever_kind").scenario.levers}
    assert kinds == set(KINDS)
