"""A scenario's posterior: the calibrated parameters a run takes (issue 15, docs/scenarios.md).

Two uses of one posterior file (``sim/calibration/posterior_file.py``):

* the scenario key ``posterior: calibration/posterior.json`` (relative to the file that names it,
  inherited through ``extends``, switched off by ``posterior: null``): every posterior parameter the
  scenario (its ``extends`` chain or ``--set``) does not set itself takes the posterior's central
  value (:func:`apply_central`, called by ``load_scenario``); the run's manifest says so
  (``posterior.parameters_from: central``);
* ``--posterior [FILE]`` on ``run``, ``compare`` and ``sweep`` (``sim/scenario/draws.py``): replicate
  r takes the parameter set ``Posterior.draw(seed, r)`` (the command's root seed), the same in any
  process, and the same for a policy and its baseline (paired differences); explicitly set
  parameters still win. Bands then carry parameter uncertainty as well as seed noise, and every
  figure and table says which.

A posterior fitted on other model code or data is still used, with one warning line on stderr per
command (:func:`warn_once`) and ``posterior_warning`` in the manifest.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, UserError

_WARNED: set[str] = set()
_MISSING = object()


def warn_once(message: str | None) -> None:
    """Print ``message`` on stderr unless this command printed it already."""
    if message and message not in _WARNED:
        _WARNED.add(message)
        print(message, file=sys.stderr, flush=True)


def reset_warnings() -> None:
    """A new command (``sim.cli.main``): its warnings are printed again."""
    _WARNED.clear()


def lookup(data: dict, key: str) -> Any:
    """The value at a dotted key of a nested dict, or ``_MISSING``."""
    cur: Any = data
    for p in key.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return _MISSING
        cur = cur[p]
    return cur


def is_given(data: dict | None, key: str) -> bool:
    """True when the scenario as written (files and ``--set``) sets ``key`` itself."""
    return data is not None and lookup(data, key) is not _MISSING


def put(data: dict, key: str, value: float) -> None:
    parts = key.split(".")
    cur = data
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = cur[p] = {}
        cur = nxt
    cur[parts[-1]] = value


def schema_key(key: str) -> bool:
    """True when ``key`` names a number of the scenario schema (``parameters.beta``, ``firms.scale``)."""
    from .schema import Scenario
    model: Any = Scenario
    for p in key.split("."):
        field = getattr(model, "model_fields", {}).get(p)
        if field is None:
            return False
        model = field.annotation
    return not hasattr(model, "model_fields")


def read(path: Path, where: str):
    """Read a posterior; a missing or bad file (or a parameter that is not a scenario key) is one
    line starting with ``where`` (``SCENARIO.yaml: posterior`` or ``--posterior``)."""
    from ..calibration.posterior_file import read_posterior
    try:
        post = read_posterior(path)
    except UserError as e:
        raise ScenarioError(where, message=f"{where}: {e}") from None
    for k in post.keys:
        if not schema_key(k):
            raise ScenarioError(where, message=(
                f"{where}: {post.path}: column {k!r} is not a scenario key; expected a posterior "
                f"whose parameters are scenario keys such as parameters.beta"))
    return post


def provenance(post, data_dir: Path) -> dict:
    """The posterior's provenance and, if it was fitted on other code or data, the warning line."""
    from ..calibration.posterior_file import data_hash
    from ..model_code import code_version
    man = post.manifest
    return {"path": str(post.path), "calibration": man.get("calibration"),
            "code_version": man.get("code_version"), "data_hash": man.get("data_hash"),
            "central_rule": man.get("central_rule"), "n_draws": int(post.values.shape[0]),
            "warning": post.provenance_warning(code_version(), data_hash(data_dir))}


def declared_path(value: str, declared_in: Path) -> Path:
    """The file a ``posterior:`` value names, relative to the scenario file that names it."""
    return (declared_in.parent / value) if not Path(value).is_absolute() else Path(value)


def apply_central(data: dict, post, src: str) -> tuple[dict, dict, dict]:
    """``data`` (the scenario as written) with the posterior's central value at every posterior
    key it does not set; returns (data, values applied, explicit values that won)."""
    out = copy.deepcopy(data)
    applied, explicit = {}, {}
    for k, v in post.central.items():
        got = lookup(data, k)
        if got is _MISSING:
            put(out, k, v)
            applied[k] = v
        else:
            explicit[k] = got
    return out, applied, explicit


def central_record(post, declared_in: str, data_dir: Path, applied: dict, explicit: dict) -> dict:
    """What a run's manifest says about the central set it took (``posterior`` in manifest.json)."""
    rec = provenance(post, data_dir)
    warn_once(rec["warning"])
    return {**rec, "declared_in": declared_in, "parameters_from": "central", "central": post.central,
            "values": applied, "explicit": explicit}
