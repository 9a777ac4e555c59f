"""Loading an experiment file: validate it (one-line :class:`ExperimentError`, exit code 2), load its
base scenario with the ``set`` overrides, check every factor's keys and extreme values against the
scenario schema and the outcome and series names, and hash its content (what names the sweep
folder). ``set_key`` / ``apply_values`` put a design point's values into a resolved scenario dict
(docs/experiments.md: keys, dated schedules)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..scenario import LoadedScenario, load_scenario, read_yaml_mapping, validate_scenario
from ..scenario.keys import KeyPathError, set_dotted
from .design import Experiment, ExperimentError, Factor, Threshold
from .outcomes import SERIES_MEASURES, outcome_names, series_names

# ------------------------------------------------------------------------------------------
# Applying values to a resolved scenario dict
# ------------------------------------------------------------------------------------------


def set_key(data: dict, key: str, value: Any) -> None:
    """Set a dotted key in a resolved scenario dict (:func:`sim.scenario.keys.set_dotted`: entries
    of id lists by id, dated schedules rescaled); raises :class:`~sim.scenario.keys.KeyPathError`."""
    set_dotted(data, key, value)


def apply_values(resolved: dict, assignments: list[tuple[list[str], Any]]) -> dict:
    out = copy.deepcopy(resolved)
    for keys, value in assignments:
        for k in keys:
            set_key(out, k, value)
    return out


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


@dataclass
class LoadedExperiment:
    experiment: Experiment
    path: Path
    base: LoadedScenario
    text_hash: str  # content of the experiment (validated dict) and the resolved base
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def factors(self) -> list[Factor]:
        return self.experiment.factors

    def scenario_for(self, values: list) -> LoadedScenario:
        """The validated scenario of one design point (values in factor order)."""
        data = apply_values(self.base.resolved, [(f.keys, v) for f, v in zip(self.factors, values)])
        ls = validate_scenario(data, src=str(self.base.path), path=self.base.path,
                               files=self.base.files, overrides=self.base.overrides)
        # what the base sets itself and its posterior: a --posterior draw does not replace them
        return dataclasses.replace(ls, given=self.base.given, posterior=self.base.posterior)


def _experiment_model_for(loc_parts: list[str]):
    """The pydantic model that holds the last key of ``loc_parts`` in an experiment file."""
    model: Any = Experiment
    for part in loc_parts[:-1]:
        if part.isdigit():
            continue
        field = getattr(model, "model_fields", {}).get(part)
        model = Factor if part in ("levers", "uncertainties") else Threshold if (
            part == "thresholds") else (field.annotation if field is not None else None)
    return model


def validation_line(src: str, exc: ValidationError, model_for, hint: str) -> str:
    """The one-line message of a pydantic error in a user's YAML file (experiments, calibrations):
    ``src: key: got value; expected …``; an unknown key lists the keys allowed there
    (``model_for(loc_parts)`` is the model that holds it; ``hint`` when none is known)."""
    err = exc.errors()[0]
    loc_parts = [str(p) for p in err.get("loc", ())]
    loc = ".".join(loc_parts) or "(top level)"
    etype, msg, value = err.get("type", ""), err.get("msg", ""), err.get("input")
    if etype == "extra_forbidden":
        allowed = sorted(getattr(model_for(loc_parts), "model_fields", {}) or {})
        return (f"{src}: {loc}: unknown key; expected one of {', '.join(allowed)}" if allowed
                else f"{src}: {loc}: unknown key; expected a known key ({hint})")
    if etype == "missing":
        return f"{src}: {loc}: missing; expected this required key"
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    shown = "" if isinstance(value, (dict, list)) else f"got {value!r}; "
    return f"{src}: {loc}: {shown}expected {msg[:1].lower() + msg[1:]}"


def _format(src: str, exc: ValidationError) -> ExperimentError:
    return ExperimentError(src, message=validation_line(src, exc, _experiment_model_for,
                                                        "docs/experiments.md"))


def load_experiment(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedExperiment:
    """Read and validate an experiment file and its base scenario; check every factor's keys and
    extreme values against the scenario schema, and the outcome names. ``overrides``: ``--set``
    strings applied to the base scenario after the file's own ``set:`` (they change the resolved base,
    hence the sweep folder)."""
    p = Path(path)
    try:
        raw = read_yaml_mapping(p, what="experiment")
    except ScenarioError as e:
        raise ExperimentError(str(p), message=str(e)) from None
    src = str(p)
    try:
        exp = Experiment.model_validate(raw)
    except ValidationError as exc:
        raise _format(src, exc) from None
    base_path = (p.resolve().parent / exp.base)
    if not base_path.is_file():
        raise ExperimentError(src, message=f"{src}: base: got {exp.base!r}; expected an existing "
                                           f"scenario file (relative to the experiment file)")
    try:
        base = load_scenario(base_path, [*exp.set, *overrides])
    except ScenarioError as e:
        raise ExperimentError(src, message=f"{src}: base scenario: {e}") from None
    scn = base.scenario
    if exp.until is not None and not scn.horizon.start < exp.until <= scn.horizon.end:
        raise ExperimentError(src, message=(
            f"{src}: until: got {exp.until}; expected a year after {scn.horizon.start} and at most "
            f"{scn.horizon.end}"))
    from ..data import load_data
    data = load_data(base.data_dir)
    places = {c["id"] for c in data.cities.rows} | {o["id"] for o in data.origins.rows} | {"default"}
    le = LoadedExperiment(experiment=exp, path=p.resolve(), base=base, text_hash="", raw=raw)
    for group, facs in (("levers", exp.levers), ("uncertainties", exp.uncertainties)):
        for j, f in enumerate(facs):
            where = f"{src}: {group}[{j}] ({f.name})"
            for k in f.keys:
                parts = k.split(".")
                if parts[0] == "trends" and len(parts) == 3 and parts[2] not in places:
                    raise ExperimentError(src, message=(
                        f"{where}: key {k}: got place {parts[2]!r}; expected a city or origin id "
                        f"or default ({', '.join(sorted(places))})"))
            for v in f.extremes():
                try:
                    data_v = apply_values(base.resolved, [(f.keys, v)])
                except KeyPathError as e:
                    raise ExperimentError(src, message=(
                        f"{where}: key {e} (levers.<id>.value for a lever)")) from None
                try:
                    validate_scenario(data_v, src="scenario", path=base.path)
                except ScenarioError as e:
                    msg = str(e).removeprefix("scenario: ")
                    raise ExperimentError(src, message=(
                        f"{where}: value {v!r} makes the scenario invalid: {msg}"
                        + ("" if "expected" in msg else "; expected a value the scenario accepts"))) from None
    valid = outcome_names(scn, data)
    for kind, names in (("outcomes", exp.outcomes),
                        ("thresholds", [t.outcome for t in exp.thresholds])):
        for j, o in enumerate(names):
            if o not in valid:
                close = sorted(n for n in valid if n.split(".")[0] == o.split(".")[0])[:8]
                raise ExperimentError(src, message=(
                    f"{src}: {kind}[{j}]{'.outcome' if kind == 'thresholds' else ''}: got {o!r}; "
                    f"expected an outcome name such as "
                    f"{', '.join(close or sorted(valid)[:8])} (docs/experiments.md)"))
    valid_series = series_names(scn, data)
    for j, s in enumerate(exp.series):
        if s not in valid_series:
            raise ExperimentError(src, message=(
                f"{src}: series[{j}]: got {s!r}; expected place.measure with place region or a city "
                f"and measure one of {', '.join(SERIES_MEASURES)}"))
    blob = json.dumps({"experiment": hashed_content(exp), "base": base.resolved},
                      sort_keys=True, ensure_ascii=False, default=str)
    le.text_hash = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    return le


def hashed_content(exp: Experiment) -> dict:
    """What names the sweep folder: the experiment without what only the analysis reads (units,
    outcome thresholds), so adding those to a finished study does not start a new folder."""
    d = exp.model_dump(mode="json", exclude={"base", "thresholds"})
    for group in ("levers", "uncertainties"):
        for f in d[group]:
            f.pop("unit", None)
    return d
