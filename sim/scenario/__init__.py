"""Scenario files: YAML -> validated, immutable :class:`Scenario`.

A scenario is data, not code. Features (PolicyEngine-style parameters, PyPSA-style validation):

* ``extends: other.yaml`` inheritance (paths relative to the file; cycles are an error);
* dated schedules: a number, or a mapping ``{2024: 0.3, "2026-07": 0.5}`` (value from that date on);
* ``--set dotted.key=value`` overrides from the command line (values parsed as YAML scalars);
* unknown keys, wrong types and out-of-range values give a one-line :class:`ScenarioError` naming the
  file, the key, the value and what was expected.

Units are part of the field names' documentation (``schema.py``): 亿元 (1e8 yuan), 万人 (1e4 persons),
yuan/m², ha, shares in [0, 1], rates per year.

Modules: ``yaml_file`` (strict YAML reading), ``schema`` (the pydantic models), ``load`` (extends,
overrides, paths, validation, error messages); dates and dated schedules are the leaf ``sim/dates.py``
(re-exported here).
The names below are the package's API: import them from ``sim.scenario``.
"""

from ..dates import Schedule, parse_date, parse_schedule
from .load import (
    ID_LISTS,
    SCENARIOS_ROOT,
    LoadedScenario,
    _format_validation_error,
    allowed_roots,
    apply_overrides,
    check_dates,
    check_trend_places,
    deep_merge,
    load_scenario,
    parse_override,
    validate_scenario,
)
from .schema import NEST_LAMBDA, Firms, Horizon, Parameters, Scenario, Switches, Trends
from .yaml_file import read_yaml_mapping

__all__ = [
    "ID_LISTS", "NEST_LAMBDA", "SCENARIOS_ROOT", "Firms", "Horizon", "LoadedScenario", "Parameters",
    "Scenario", "Schedule", "Switches", "Trends", "_format_validation_error", "allowed_roots",
    "apply_overrides", "check_dates", "check_trend_places", "deep_merge", "load_scenario",
    "parse_date", "parse_override", "parse_schedule", "read_yaml_mapping", "validate_scenario",
]
