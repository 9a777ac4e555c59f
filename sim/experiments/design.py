"""Experiment files (``experiments/*.yaml``): a base scenario, levers and uncertainties, a design.

This module holds the schema and the designs (points and seeds); ``sim.experiments.load`` reads
and checks a file against its base scenario, ``sim.experiments.outcomes`` names the outcomes.

An experiment is data, validated like a scenario (one-line :class:`ExperimentError`, exit code 2)::

    name: jxn_land_talent_wage
    base: ../scenarios/jxn_transfer_zone.yaml    # relative to this file
    set: [firms.scale=1.0]                       # --set overrides applied to the base first
    until: 2030                                  # optional: stop the runs after this year
    seed: 20230228                               # root of numpy.random.SeedSequence
    replicates: 2                                # runs per design point
    common_random_numbers: true                  # replicate k uses the same seed at every point
    design: {kind: sobol, samples: 32}           # grid | lhs | sobol (Saltelli) | morris
    levers:                                      # what policy controls
      - {name: land_discount, key: levers.jxn_land.value, range: [0.1, 0.5]}
    uncertainties:                               # what it does not
      - name: coastal_wage_growth
        key: [trends.wage_growth.京津冀, trends.wage_growth.长三角, trends.wage_growth.珠三角]
        distribution: {kind: triangular, low: 0.03, mode: 0.06, high: 0.09}
    outcomes: [region.jobs_end, 四平.industrial_output_end_yi, target.siping_output_2030.met]

A factor has ``range: [low, high]`` (uniform), ``values: [...]`` (a list, equally likely) or
``distribution`` (uniform, normal, triangular, lognormal). Every design draws points in the unit
cube and maps each coordinate ``u`` to a value: ``low + u (high - low)``; the list item
``floor(u n)``; the distribution's quantile ``ppf(u)`` (``u`` clipped to [0.001, 0.999] for
unbounded ones). The grid uses ``points`` values per range (``linspace``), every list item, and the
quantiles at ``(i + 0.5) / points`` of a distribution.

**Keys** are ``--set``-style dotted scenario keys; one factor may set several keys to the same value.
Entries of ``levers``, ``new_parks``, ``anchors`` and ``targets`` are addressed by id
(``levers.jxn_land.value``). A dated schedule keeps its dates: setting ``value`` to ``v`` rescales the
schedule so that its largest value becomes ``v`` (zeros stay zero, so a lever that ends stays ended);
a one-date schedule ``{2023-09: 0.3}`` becomes ``{2023-09: v}``; a plain number becomes ``v``.

**Designs and sizes** (D factors, N = ``samples``): grid = product of the factors' levels; lhs = N;
sobol = N (D + 2) (N (2D + 2) with ``second_order``; N a power of 2; SALib's Saltelli scheme);
morris = N (D + 1) trajectories' points (``levels`` grid levels, even). Each point is run
``replicates`` times.

**Seeds.** ``SeedSequence(seed)`` is the root. With common random numbers (default), replicate k of
every point uses the seed of child k (``SeedSequence(seed, spawn_key=(k,))``), so points differ only
by their factor values, as in ``run.py compare``; otherwise point i, replicate k uses
``SeedSequence(seed, spawn_key=(k, i))``. Design sampling (lhs, sobol scrambling, morris) draws from
the root's own state.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import UserError


class ExperimentError(UserError):
    """A bad experiment file (exit code 2, one line)."""


# ------------------------------------------------------------------------------------------
# Schema
# ------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Strict):
    kind: Literal["uniform", "normal", "triangular", "lognormal"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0, description="lognormal: s.d. of the log")

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        need = {"uniform": ("low", "high"), "normal": ("mean", "sd"),
                "triangular": ("low", "mode", "high"), "lognormal": ("median", "sigma")}[self.kind]
        given = {k for k in ("low", "high", "mode", "mean", "sd", "median", "sigma")
                 if getattr(self, k) is not None}
        if given != set(need):
            raise ValueError(f"a {self.kind} distribution takes exactly {', '.join(need)}")
        for k in need:
            if not math.isfinite(getattr(self, k)):
                raise ValueError(f"{k}: a finite number")
        if self.kind in ("uniform", "triangular") and not self.low < self.high:
            raise ValueError("low < high")
        if self.kind == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError("low <= mode <= high")
        return self

    @property
    def bounded(self) -> bool:
        return self.kind in ("uniform", "triangular")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats
        u = np.asarray(u, dtype=float)
        if not self.bounded:
            u = np.clip(u, 0.001, 0.999)
        if self.kind == "uniform":
            return self.low + u * (self.high - self.low)
        if self.kind == "triangular":
            c = (self.mode - self.low) / (self.high - self.low)
            return stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)
        if self.kind == "normal":
            return stats.norm.ppf(u, loc=self.mean, scale=self.sd)
        return stats.lognorm.ppf(u, self.sigma, scale=self.median)


class Factor(_Strict):
    name: str = Field(..., min_length=1, max_length=60, pattern=r"^[\w\-\.]+$")
    label: str = ""
    unit: str = Field("", max_length=40, description="shown after the factor's values (analysis only)")
    key: str | list[str] = Field(..., description="dotted scenario key(s) set to the factor's value")
    range: tuple[float, float] | None = None
    values: list[Any] | None = Field(None, min_length=1)
    distribution: Distribution | None = None
    points: int = Field(3, ge=1, le=100, description="grid: values of a range or distribution")

    @field_validator("key")
    @classmethod
    def _keys(cls, v):
        keys = [v] if isinstance(v, str) else list(v)
        if not keys:
            raise ValueError("at least one dotted key")
        for k in keys:
            if not isinstance(k, str) or not k or any(not p for p in k.split(".")):
                raise ValueError(f"a dotted key such as parameters.beta (got {k!r})")
        return v

    @model_validator(mode="after")
    def _one_spec(self) -> Factor:
        n = sum(x is not None for x in (self.range, self.values, self.distribution))
        if n != 1:
            raise ValueError("exactly one of range, values, distribution")
        if self.range is not None:
            lo, hi = self.range
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError("range [low, high] with low < high")
        return self

    @property
    def keys(self) -> list[str]:
        return [self.key] if isinstance(self.key, str) else list(self.key)

    @property
    def numeric(self) -> bool:
        return self.values is None or all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                          for v in self.values)

    def from_unit(self, u: np.ndarray) -> list:
        """Map unit-cube coordinates to values (module docstring)."""
        u = np.asarray(u, dtype=float)
        if self.range is not None:
            lo, hi = self.range
            return [float(x) for x in lo + u * (hi - lo)]
        if self.values is not None:
            n = len(self.values)
            return [copy.deepcopy(self.values[min(int(x * n), n - 1)]) for x in u]
        return [float(x) for x in self.distribution.ppf(u)]

    def grid_values(self) -> list:
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            return [float(x) for x in np.linspace(self.range[0], self.range[1], self.points)]
        return self.from_unit((np.arange(self.points) + 0.5) / self.points)

    def extremes(self) -> list:
        """Values checked against the scenario schema when the file is loaded."""
        if self.values is not None:
            return list(self.values)
        return self.from_unit(np.array([0.0, 1.0]))


class Design(_Strict):
    kind: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, le=1_000_000,
                                description="lhs: points; sobol: base sample N; morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even)")
    second_order: bool = Field(False, description="sobol: also second-order indices")

    @model_validator(mode="after")
    def _check(self) -> Design:
        if self.kind == "grid":
            if self.samples is not None:
                raise ValueError("no samples for a grid (its size is the product of the factors' levels)")
            return self
        if self.samples is None:
            raise ValueError(f"samples for a {self.kind} design")
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples a power of 2 for a sobol design (got {self.samples})")
        if self.kind == "morris" and self.levels % 2:
            raise ValueError(f"an even number of levels for a morris design (got {self.levels})")
        return self


class Threshold(_Strict):
    """An outcome threshold for scenario discovery (analysis only): met when the run's outcome is
    at least ``min`` and/or at most ``max``."""

    outcome: str
    min: float | None = None
    max: float | None = None
    label: str = ""

    @model_validator(mode="after")
    def _check(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("min and/or max (the outcome's acceptable values)")
        for k in ("min", "max"):
            v = getattr(self, k)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{k}: a finite number")
        if self.min is not None and self.max is not None and not self.min <= self.max:
            raise ValueError("min <= max")
        return self

    @property
    def text(self) -> str:
        if self.label:
            return self.label
        parts = []
        if self.min is not None:
            parts.append(f"≥ {self.min:,.6g}")
        if self.max is not None:
            parts.append(f"≤ {self.max:,.6g}")
        return f"{self.outcome} {' and '.join(parts)}"


DEFAULT_SERIES = ("region.gdp", "region.industrial_output", "region.jobs", "region.firms")


class Experiment(_Strict):
    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[\w\-\.]+$")
    description: str = ""
    base: str = Field(..., min_length=1, description="scenario file, relative to the experiment")
    set: list[str] = Field(default_factory=list, description="--set overrides on the base")
    until: int | None = Field(None, ge=1991, le=2100)
    seed: int = Field(20230228, ge=0, le=2**63 - 1)
    replicates: int = Field(1, ge=1, le=1000)
    common_random_numbers: bool = True
    design: Design
    levers: list[Factor] = Field(default_factory=list)
    uncertainties: list[Factor] = Field(default_factory=list)
    outcomes: list[str] = Field(..., min_length=1)
    series: list[str] = Field(default_factory=lambda: list(DEFAULT_SERIES),
                              description="place.measure yearly series for fan charts")
    package_bins: int = Field(2, ge=1, le=10,
                              description="fan charts, targets: bins per continuous lever")
    thresholds: list[Threshold] = Field(default_factory=list,
                                        description="outcome thresholds for scenario discovery")

    @model_validator(mode="after")
    def _check(self) -> Experiment:
        facs = [*self.levers, *self.uncertainties]
        if not facs:
            raise ValueError("at least one lever or uncertainty")
        names = [f.name for f in facs]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"unique factor names (duplicate {min(dup)!r})")
        keys = [k for f in facs for k in f.keys]
        dupk = {k for k in keys if keys.count(k) > 1}
        if dupk:
            raise ValueError(f"each key set by one factor only ({min(dupk)!r} appears twice)")
        if self.design.kind in ("sobol", "morris") and len(facs) < 2:
            raise ValueError(f"at least two factors for a {self.design.kind} design")
        return self

    @property
    def factors(self) -> list[Factor]:
        return [*self.levers, *self.uncertainties]


# ------------------------------------------------------------------------------------------
# Designs and seeds
# ------------------------------------------------------------------------------------------


def salib_problem(exp: Experiment) -> dict:
    facs = exp.factors
    return {"num_vars": len(facs), "names": [f.name for f in facs], "bounds": [[0.0, 1.0]] * len(facs)}


def design_size(exp: Experiment) -> int:
    d, D = exp.design, len(exp.factors)
    if d.kind == "grid":
        return int(np.prod([len(f.grid_values()) for f in exp.factors]))
    if d.kind == "lhs":
        return d.samples
    if d.kind == "sobol":
        return d.samples * (2 * D + 2 if d.second_order else D + 2)
    return d.samples * (D + 1)


def design_seed(exp: Experiment) -> int:
    return int(np.random.SeedSequence(exp.seed).generate_state(1, dtype=np.uint32)[0])


def unit_sample(exp: Experiment) -> np.ndarray | None:
    """The design in the unit cube (rows = points), or None for a grid (which uses grid values)."""
    d = exp.design
    D = len(exp.factors)
    seed = design_seed(exp)
    if d.kind == "grid":
        return None
    if d.kind == "lhs":
        from scipy.stats import qmc
        return qmc.LatinHypercube(d=D, seed=np.random.default_rng(seed)).random(d.samples)
    import warnings
    try:
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise ExperimentError("design", message=(
            f"design {d.kind} needs SALib: pip install -e '.[sweep]' (or make test)")) from None
    problem = salib_problem(exp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if d.kind == "sobol":
            return sobol_sample.sample(problem, d.samples, calc_second_order=d.second_order, seed=seed)
        return morris_sample.sample(problem, d.samples, num_levels=d.levels, seed=seed)


def design_points(exp: Experiment) -> tuple[list[list], np.ndarray | None]:
    """(values per point in factor order, unit-cube sample or None for a grid)."""
    import itertools
    facs = exp.factors
    if exp.design.kind == "grid":
        return [list(c) for c in itertools.product(*[f.grid_values() for f in facs])], None
    U = unit_sample(exp)
    cols = [f.from_unit(U[:, j]) for j, f in enumerate(facs)]
    return [list(row) for row in zip(*cols)], U


def run_seed(root: int, point: int, replicate: int, common: bool) -> int:
    key = (replicate,) if common else (replicate, point)
    ss = np.random.SeedSequence(root, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))
