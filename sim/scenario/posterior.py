"""A scenario's posterior: the calibrated parameters a run takes (issue 15, docs/scenarios.md).

Two uses of one posterior file (``sim/calibration/posterior_file.py``):

* the scenario key ``posterior: calibration/posterior.json`` (relative to the file that names it,
  inherited through ``extends``, switched off by ``posterior: null``): every posterior parameter the
  scenario (its ``extends`` chain or ``--set``) does not set itself takes the posterior's central
  value (:func:`apply_central`, called by ``load_scenario``); the run's manifest says so
  (``posterior.parameters_from: central``);
* ``--posterior [FILE]`` on ``run``, ``compare`` and ``sweep`` (:class:`PosteriorDraws`): replicate
  r takes the parameter set ``Posterior.draw(seed, r)`` (the command's root seed), the same in any
  process, and the same for a policy and its baseline (paired differences); explicitly set
  parameters still win. Bands then carry parameter uncertainty as well as seed noise, and every
  figure and table says which (:func:`band_caption`).

A posterior fitted on other model code or data is still used, with one warning line on stderr per
command (:func:`warn_once`) and ``posterior_warning`` in the manifest.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import sys
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, UserError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "posterior.json"
BAND_SOURCES = {False: "seed", True: "seed+parameters"}

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


def _set(data: dict, key: str, value: float) -> None:
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
    from ..experiments.sweep import code_version
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
            _set(out, k, v)
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


# ------------------------------------------------------------------------------------------
# --posterior [FILE]: one parameter set per replicate
# ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class PosteriorDraws:
    """``--posterior FILE`` of one command: ``Posterior.draw(seed, r)`` for replicate r."""

    posterior: Any
    record: dict  # provenance (path, code_version, data_hash, warning)

    @property
    def band_sources(self) -> str:
        return BAND_SOURCES[True]

    @property
    def bands(self) -> str:
        return band_caption(self)

    @property
    def content_hash(self) -> str:
        """sha256 (16 hex) of the posterior's parquet file: a sweep with draws gets its own folder."""
        return hashlib.sha256(Path(self.posterior.path).read_bytes()).hexdigest()[:16]

    def draw(self, seed: int, replicate: int) -> dict[str, float]:
        return self.posterior.draw(int(seed), int(replicate))

    def apply(self, loaded, seed: int, replicate: int, explicit_keys=()):
        """``loaded`` with replicate ``replicate``'s draw at every posterior key neither the
        scenario as written nor ``explicit_keys`` (a sweep's factors) sets; the draw, the values
        applied and the explicit ones that won go to ``loaded.posterior`` (the run's manifest)."""
        from .load import validate_scenario
        drawn = self.draw(seed, replicate)
        res = copy.deepcopy(loaded.resolved)
        applied, explicit = {}, {}
        for k, v in drawn.items():
            if is_given(loaded.given, k) or k in explicit_keys:
                explicit[k] = lookup(res, k)
            else:
                _set(res, k, v)
                applied[k] = v
        src = str(loaded.path) if loaded.path else "<scenario>"
        try:
            new = validate_scenario(res, src=src, path=loaded.path, files=loaded.files,
                                    overrides=loaded.overrides)
        except ScenarioError as e:
            raise ScenarioError(src, message=(
                f"--posterior: {self.record['path']}: replicate {replicate}'s draw makes the "
                f"scenario invalid: {e}")) from None
        rec = {**self.record, "declared_in": "--posterior", "parameters_from": "draw",
               "seed": int(seed), "replicate": int(replicate), "drawn": drawn, "values": applied,
               "explicit": explicit}
        if loaded.posterior and loaded.posterior.get("path") != rec["path"]:
            rec["scenario_posterior"] = loaded.posterior  # its central values at the other keys
        return dataclasses.replace(new, given=loaded.given, posterior=rec)


def band_caption(draws: PosteriorDraws | None) -> str:
    """What a band carries: ``bands: seed noise`` or ``bands: seed noise + parameter uncertainty
    (posterior FILE)``."""
    if draws is None:
        return "bands: seed noise"
    return f"bands: seed noise + parameter uncertainty (posterior {draws.record['path']})"


def posterior_draws(option: str | None, loaded) -> PosteriorDraws | None:
    """The ``--posterior`` option of a command: None (not given), ``""`` (no FILE: the scenario's
    ``posterior:``, else scenarios/calibration/posterior.json, else a one-line error) or a file."""
    if option is None:
        return None
    if option == "":
        if loaded.posterior:
            path = Path(loaded.posterior["path"])
        elif DEFAULT_FILE.with_suffix(".parquet").is_file():
            path = DEFAULT_FILE
        else:
            raise UserError("--posterior", message=(
                f"--posterior: no FILE given, {loaded.path} has no `posterior:` key and "
                f"{DEFAULT_FILE} does not exist; expected --posterior FILE (a posterior.json "
                f"written by `run.py calibrate`)"))
    else:
        path = Path(option)
        if path.suffix in (".yaml", ".yml"):
            raise UserError("--posterior", message=(
                f"--posterior: got {option!r}, a YAML file; expected a posterior (posterior.json or "
                f".parquet): give the scenario files first, or FILE after --posterior"))
    post = read(path, "--posterior")
    rec = provenance(post, loaded.data_dir)
    warn_once(rec["warning"])
    return PosteriorDraws(post, rec)
