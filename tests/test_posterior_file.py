"""The posterior file's format (sim/calibration/posterior_file.py): round trip, draws, provenance."""

import numpy as np
import pytest

from sim.calibration.posterior_file import (
    data_hash,
    read_posterior,
    weighted_median,
    write_posterior,
)
from sim.errors import UserError

KEYS = ["parameters.beta", "parameters.revision_scale"]


def _write(tmp_path, w=(0.2, 0.5, 0.3)):
    vals = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    return write_posterior(tmp_path, KEYS, vals, np.array(w), {"code_version": "c1", "data_hash": "d1"})


def test_round_trip_and_central(tmp_path):
    p = read_posterior(_write(tmp_path))
    assert p.keys == KEYS
    assert p.weights.sum() == pytest.approx(1.0)
    # weights 0.2/0.5/0.3: the weighted median is the middle draw, not the plain median of values
    assert p.central == {"parameters.beta": 3.0, "parameters.revision_scale": 4.0}
    assert p.manifest["ess"] == pytest.approx(1 / (0.04 + 0.25 + 0.09))


def test_weighted_median_follows_weights():
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.6, 0.2, 0.2])) == 1.0
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 0.8])) == 3.0


def test_draws_follow_weights_and_repeat(tmp_path):
    p = read_posterior(_write(tmp_path, w=(0.1, 0.1, 0.8)))
    sets = [p.draw(7, k)["parameters.beta"] for k in range(2000)]
    assert sets == [p.draw(7, k)["parameters.beta"] for k in range(2000)]  # same seed: same draws
    share = np.mean(np.array(sets) == 5.0)
    assert abs(share - 0.8) < 4 * np.sqrt(0.8 * 0.2 / 2000)  # binomial 4 s.e.
    # a draw is a whole parameter set (the joint, not independent marginals)
    assert all(p.draw(7, k)["parameters.revision_scale"] == p.draw(7, k)["parameters.beta"] + 1
               for k in range(50))


def test_provenance_warning(tmp_path):
    p = read_posterior(_write(tmp_path))
    assert p.provenance_warning("c1", "d1") is None
    msg = p.provenance_warning("c2", "d1")
    assert "model code c1 (now c2)" in msg and "\n" not in msg
    assert "data d1 (now d2)" in p.provenance_warning("c1", "d2")


def test_data_hash_changes_with_a_byte(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    h = data_hash(tmp_path)
    (tmp_path / "a.csv").write_text("x\n2\n")
    assert data_hash(tmp_path) != h


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="posterior file not found"):
        read_posterior(tmp_path / "posterior.parquet")
    _write(tmp_path)
    (tmp_path / "posterior.parquet").write_bytes(b"not parquet")
    with pytest.raises(UserError, match="cannot read the posterior"):
        read_posterior(tmp_path / "posterior.json")
