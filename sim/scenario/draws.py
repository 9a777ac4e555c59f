"""``--posterior [FILE]`` on ``run``, ``compare`` and ``sweep``: one parameter set per replicate.

Replicate r takes ``Posterior.draw(seed, r)`` (the command's root seed: the same set in any process,
and the same for a policy and its baseline, so differences stay paired) at every posterior key the
scenario as written (and a sweep's factors) does not set. Bands then carry parameter uncertainty as
well as seed noise, and every figure and table says which (:func:`band_caption`, ``band_sources``).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, UserError
from .load import validate_scenario
from .posterior import is_given, lookup, provenance, put, read, warn_once

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "posterior.json"
BAND_SOURCES = {False: "seed", True: "seed+parameters"}


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
        drawn = self.draw(seed, replicate)
        res = copy.deepcopy(loaded.resolved)
        applied, explicit = {}, {}
        for k, v in drawn.items():
            if is_given(loaded.given, k) or k in explicit_keys:
                explicit[k] = lookup(res, k)
            else:
                put(res, k, v)
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
