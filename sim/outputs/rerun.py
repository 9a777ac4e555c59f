"""``python run.py rerun RESULT_DIR [--out DIR] [--check] [--quiet]``: reproduce a run from its
manifest alone and check that the numbers match value for value (docs/cli.md).

The manifest holds the resolved scenario (every key, after ``extends`` and ``--set``), the seed,
``--until``, the data folder and the SHA-256 of every data file. ``rerun`` refuses (exit 2) when a
data file changed since the run, rebuilds the scenario from the manifest (no scenario file is
read), runs it into a new result folder (default: next to RESULT_DIR) and compares
``trajectories.parquet`` with the original: exit 0 when every value is identical, 1 with a
one-line summary of the differences otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError

REQUIRED = ("resolved_scenario", "seed", "until", "data_dir", "data_hashes", "scenario_hash")


def load_manifest(result_dir: Path) -> dict:
    from . import results
    mpath = result_dir / "manifest.json"
    if not result_dir.is_dir():
        raise UserError(str(result_dir), message=f"{result_dir}: not a folder; expected a result folder")
    if not mpath.is_file():
        raise UserError(str(mpath), message=f"{mpath}: missing; expected a result folder with manifest.json")
    try:
        man = results.read_json(mpath)
    except (OSError, ValueError) as exc:
        raise UserError(str(mpath), message=f"{mpath}: unreadable ({type(exc).__name__}); "
                                            f"expected the JSON manifest of a run") from None
    if not isinstance(man, dict):
        raise UserError(str(mpath), message=f"{mpath}: not a JSON object; expected the manifest of a run")
    for k in REQUIRED:
        if k not in man:
            raise UserError(str(mpath), k, None, "this key (the manifest of a run by `run.py run`)")
    if not (result_dir / "trajectories.parquet").is_file():
        raise UserError(str(result_dir), message=(
            f"{result_dir}: trajectories.parquet missing; expected a complete result folder"))
    return man


def loaded_from_manifest(man: dict, src: str):
    """(LoadedScenario, RegionData) rebuilt from a manifest; refuses changed data files."""
    from pydantic import ValidationError

    from ..data import load_data
    from ..scenario import LoadedScenario, Scenario, _format_validation_error, check_dates
    from ..scenario.load import resolved_dict
    data_dir = Path(str(man["data_dir"]))
    data = load_data(data_dir)
    now, then = data.hashes(), dict(man["data_hashes"])
    for name in sorted(set(now) | set(then)):
        if now.get(name) != then.get(name):
            was = (then.get(name) or "absent")[:12]
            is_ = (now.get(name) or "absent")[:12]
            raise UserError(str(data_dir / name), message=(
                f"{data_dir / name}: changed since the run (sha256 {was} then, {is_} now); expected the "
                f"data files the run used (rerun refuses to compare against different data)"))
    resolved = man["resolved_scenario"]
    if not isinstance(resolved, dict):
        raise UserError(src, "resolved_scenario", type(resolved).__name__, "a mapping")
    try:
        scn = Scenario.model_validate(resolved)
    except ValidationError as exc:
        raise _format_validation_error(f"{src} (resolved_scenario)", exc, resolved) from None
    check_dates(scn, src)
    loaded = LoadedScenario(scenario=scn, path=Path(src), files=(), resolved=resolved_dict(scn), overrides=())
    if loaded.hash != man["scenario_hash"]:
        raise UserError(src, "scenario_hash", man["scenario_hash"][:12], (
            f"the hash of resolved_scenario ({loaded.hash[:12]}): the manifest was edited, or this "
            f"code reads scenarios differently"))
    return loaded, data


def compare_trajectories(old, new) -> tuple[bool, str]:
    """Value-for-value comparison of two trajectories frames; (equal, one-line summary)."""
    import numpy as np
    keys = ["year", "place", "measure", "unit", "sector", "origin", "lever", "investor_origin", "channel"]
    if list(old.columns) != list(new.columns):
        return False, f"columns differ ({list(old.columns)} vs {list(new.columns)})"
    if len(old) != len(new):
        return False, f"{len(old)} rows then, {len(new)} now"
    same_keys = all(old[k].equals(new[k]) for k in keys)
    if not same_keys:
        k = next(k for k in keys if not old[k].equals(new[k]))
        i = int(np.flatnonzero(old[k].to_numpy() != new[k].to_numpy())[0])
        return False, f"rows differ in column {k} from row {i} ({old[k].iloc[i]!r} vs {new[k].iloc[i]!r})"
    a, b = old["value"].to_numpy(dtype=float), new["value"].to_numpy(dtype=float)
    diff = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    if not diff.any():
        return True, f"all {len(a)} values identical"
    rel = np.abs(a - b) / np.maximum(np.abs(a), 1e-300)
    rel = np.where(diff, np.nan_to_num(rel, nan=np.inf), 0.0)
    i = int(np.argmax(rel))
    r = old.iloc[i]
    first = int(np.flatnonzero(diff)[0])
    return False, (f"{int(diff.sum())} of {len(a)} values differ from year {old.year.iloc[first]:g}; "
                   f"largest: {r.measure} {r.place}{' ' + r.sector if r.sector else ''} {r.year:g}: "
                   f"{a[i]!r} then, {b[i]!r} now")


def rerun(rdir: Path, out: Path | None, check: bool, quiet: bool, execute_run) -> tuple[bool, Path]:
    """Re-run the result folder ``rdir`` from its manifest into a new folder under ``out`` (default:
    next to ``rdir``) with ``execute_run`` (sim.outputs.execute) and compare the trajectories value for
    value; the verdict goes to stderr. Returns (every value identical, the new folder)."""
    import pandas as pd

    from . import results
    man = load_manifest(rdir)
    src = str(rdir / "manifest.json")
    loaded, data = loaded_from_manifest(man, src)
    seed, until = man["seed"], man["until"]
    if not isinstance(seed, int) or seed < 0 or not (until is None or isinstance(until, int)):
        raise UserError(src, "seed/until", (seed, until), "a non-negative integer seed and an integer or null until")
    out = out if out is not None else rdir.resolve().parent
    path, _ = execute_run(str(man.get("scenario_path", src)), list(man.get("overrides", [])), seed, until,
                          out, quiet=quiet, check=check, loaded=loaded, data=data,
                          extra_manifest={"rerun_of": str(rdir.resolve()),
                                          **{k: man[k] for k in ("posterior", "posterior_warning") if k in man}})
    old = pd.read_parquet(rdir / "trajectories.parquet")
    new = pd.read_parquet(path / "trajectories.parquet")
    same, summary = compare_trajectories(old, new)
    code_note = "" if man.get("code_hash") == results.code_hash() else " (the code changed since the run)"
    if same:
        print(f"rerun: match: {summary}{code_note}", file=sys.stderr)
    else:
        print(f"rerun: MISMATCH: {summary}{code_note}; new run in {path}", file=sys.stderr)
    return same, path


def simulate(scenario: str, overrides: list[str] | tuple[str, ...] = (), seed: int | None = None,
             until: int | None = None, check: bool = False):
    """Run a scenario in memory and return its trajectories frame (no folder written). Used by the
    reproducibility tests, in this process and in worker processes."""
    from ..model import RegionalEconomy
    from ..scenario import load_scenario
    from .metrics import record_run
    model = RegionalEconomy(load_scenario(scenario, list(overrides)), seed=seed, until=until)
    return record_run(model, check=check).frame()
