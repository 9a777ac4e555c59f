"""The calibration's plan: design points over the priors, run seeds and run ids (all from the
calibration seed, so the same file gives the same runs on any machine).

Streams of ``numpy.random.SeedSequence(seed, spawn_key=…)``: (0,) scrambles the design's Sobol (or
LHS) points, (1,) the held-out validation points (always LHS: independent of the design), (2,) the
quasi-random prior samples of the importance sampler, (3,) the posterior resampling and the
predictive draws; (10 + kind, i) is the model seed of run i of a kind (0 design, 1 validation,
2 central). A point's parameter values are the priors' quantiles at its unit-cube coordinates.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np

from .spec import LoadedCalibration

KINDS = ("design", "validation", "central")


def stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=tuple(key)))


def unit_points(n: int, d: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """n points in [0, 1)^d: scrambled Sobol (any n: the first n of the sequence) or LHS."""
    from scipy.stats import qmc
    if n == 0:
        return np.zeros((0, d))
    if kind == "lhs":
        return qmc.LatinHypercube(d, seed=rng).random(n)
    with warnings.catch_warnings():  # n not a power of 2: balance is lost, coverage is not
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(d, scramble=True, seed=rng).random(n)


def to_values(lc: LoadedCalibration, u: np.ndarray) -> np.ndarray:
    """Parameter values (n × d) at unit-cube points ``u`` (each column through its prior's ppf)."""
    pars = lc.calibration.parameters
    return np.column_stack([p.prior.ppf(u[:, j]) for j, p in enumerate(pars)]) if len(u) else (
        np.zeros((0, len(pars))))


def to_emulator(lc: LoadedCalibration, x: np.ndarray) -> np.ndarray:
    """The emulator's inputs (n × d, each in [0, 1]) of parameter values ``x``."""
    return np.column_stack([p.prior.to_emulator(x[:, j]) for j, p in enumerate(lc.calibration.parameters)])


def run_seed(seed: int, kind: str, i: int) -> int:
    ss = np.random.SeedSequence(int(seed), spawn_key=(10 + KINDS.index(kind), int(i)))
    return int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))


def calibration_run_id(scenario_hash: str, seed: int, until: int, code: str, series: list[str],
                       tax: bool) -> str:
    """A run's id: its resolved scenario, seed, until, the model's code version and what it stores."""
    blob = json.dumps([scenario_hash, int(seed), int(until), code, list(series), bool(tax)])
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def scenario_hash(d: dict) -> str:
    """As ``LoadedScenario.hash``: a resolved scenario without its presentation keys (title)."""
    from ..scenario.load import hashed_view
    blob = json.dumps(hashed_view(d), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Plan:
    """The runs of a calibration: (kind, index, seed, run id, parameter values)."""

    def __init__(self, lc: LoadedCalibration, code: str):
        cal = lc.calibration
        self.lc, self.code = lc, code
        d = len(cal.parameters)
        m = cal.method
        self.unit = {"design": unit_points(m.design_runs, d, m.design, stream(cal.seed, 0)),
                     "validation": unit_points(m.validation_runs, d, "lhs", stream(cal.seed, 1))}
        self.values = {k: to_values(lc, u) for k, u in self.unit.items()}
        self.runs: list[tuple[str, int, int, str, dict]] = []
        for kind in ("design", "validation"):
            for i, x in enumerate(self.values[kind]):
                self.add(kind, i, x)

    def add(self, kind: str, i: int, x: np.ndarray) -> tuple:
        cal = self.lc.calibration
        vals = {k: float(v) for k, v in zip(cal.keys, x)}
        seed = run_seed(cal.seed, kind, i)
        h = scenario_hash(self.lc.scenario_dict(vals))
        rid = calibration_run_id(h, seed, cal.until, self.code, cal.series, cal.tax)
        run = (kind, i, seed, rid, vals)
        self.runs.append(run)
        return run

    def task(self, rid: str, info: dict) -> dict:
        """What a worker needs to do run ``rid`` (``info``: kind, index, seed, values)."""
        lc = self.lc
        return {"run_id": rid, "kind": info["kind"], "index": info["index"], "seed": info["seed"],
                "values": info["values"], "until": lc.calibration.until,
                "scenario": lc.scenario_dict(info["values"]), "src": str(lc.base.path),
                "path": str(lc.base.path), "series": lc.calibration.series, "tax": lc.calibration.tax,
                "code": self.code}
