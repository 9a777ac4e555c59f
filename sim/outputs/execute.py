"""Run one scenario into a result folder (``python run.py [run] SCENARIO``, docs/cli.md): load and
validate the scenario, step the model while recording the tidy trajectories, and write
``trajectories.parquet``, ``summary.json``, ``manifest.json`` and the figures into a hidden
temporary folder renamed into place when complete. ``compare``, ensembles and ``rerun`` call it for
each of their runs."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from ..errors import UserError


def check_run_options(scn, until, seed) -> None:
    if until is not None and not scn.horizon.start < until <= scn.horizon.end:
        raise UserError("--until", message=(
            f"--until: got {until}; expected a year after {scn.horizon.start} and at most "
            f"{scn.horizon.end} (it only shortens the run)"))
    if seed < 0:
        raise UserError("--seed", message=f"--seed: got {seed}; expected a non-negative integer")


def execute_run(scenario: str, overrides: list[str], seed: int | None, until: int | None, out: Path,
                quiet: bool = True, reuse: bool = False, check: bool = False, loaded=None, data=None,
                extra_manifest: dict | None = None) -> tuple[Path, dict]:
    """Run one scenario and write its result folder; returns (folder, summary).

    With ``reuse`` an existing complete folder in ``out`` for the same resolved scenario, seed,
    horizon and code version is returned instead of running again. With ``check`` the model's
    invariants are checked after every step and the outputs at the end (sim/checks/invariants.py).
    ``loaded`` / ``data``: an already validated scenario and data (``rerun``).
    """
    from ..model import RegionalEconomy
    from ..scenario import load_scenario
    from ..territory import load_territory
    from . import results
    from .metrics import record_run
    from .plots import run_figures
    from .summary import build_summary

    started = dt.datetime.now().isoformat(timespec="seconds")
    loaded = load_scenario(scenario, overrides) if loaded is None else loaded
    scn = loaded.scenario
    seed = scn.seed if seed is None else seed
    check_run_options(scn, until, seed)
    if reuse:
        found = results.find_reusable(out, scn.name, seed, loaded.hash, until)
        if found is not None:
            return found, results.read_json(found / "summary.json")
    t0 = time.perf_counter()
    model = RegionalEconomy(loaded, seed=seed, until=until, data=data)
    bar = None
    if not quiet:
        from tqdm import tqdm
        bar = tqdm(total=model.n_steps, file=sys.stderr, desc=scn.name, unit="step", mininterval=0.5)
    rec = record_run(model, check=check, on_step=None if bar is None else (lambda: bar.update(1)))
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - t0
    df = rec.frame()
    if check:
        from ..checks.invariants import check_outputs
        check_outputs(df)
    tmp, final = results.new_run_dir(out, scn.name, seed, loaded.hash)
    try:
        df.to_parquet(tmp / "trajectories.parquet", index=False)
        summ = build_summary(model, df, seed, wall)
        manifest = {
            "scenario_path": str(scenario), "scenario_files": [str(f) for f in loaded.files],
            "overrides": list(overrides), "until": until, "seed": seed,
            "scenario_hash": loaded.hash, "resolved_scenario": loaded.resolved,
            "data_dir": str(loaded.data_dir), "data_hashes": model.data.hashes(),
            "packages": results.package_versions(), "git_commit": results.git_commit(),
            "code_hash": results.code_hash(),
            "started": started, "finished": dt.datetime.now().isoformat(timespec="seconds"),
            "command": ["run.py", *sys.argv[1:]] if sys.argv else [],
            "checked": bool(check), "environment": results.environment(),
            # the calibrated parameters it took (central set or a replicate's draw; docs/cli.md)
            **({"posterior": loaded.posterior, "posterior_warning": loaded.posterior.get("warning")}
               if loaded.posterior else {}),
            **(extra_manifest or {}),
        }
        results.write_json(tmp / "manifest.json", manifest)
        results.write_json(tmp / "summary.json", summ)
        if model.governments is not None:  # the governments' decisions (docs/cli.md)
            import pandas as pd

            from ..policy.governments import LOG_COLUMNS
            pd.DataFrame(model.governments.log, columns=LOG_COLUMNS).to_csv(tmp / "decisions.csv", index=False)
        node = model.data.nodes.by()
        parks_xy = {pk["id"]: (node[pk["node"]]["lat"], node[pk["node"]]["lon"], pk["name_zh"], pk["city"])
                    for pk in model.park_rows}
        cities_xy = {c["id"]: (c["lat"], c["lon"]) for c in model.data.cities.rows}
        zone = [c["id"] for c in model.data.cities.rows if c.get("jxn_zone")]
        run_figures(tmp, parks_xy, cities_xy, load_territory(model.data.folder), zone)
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    finally:
        model.release()
    print(f"{scn.name}: {model.n_steps} steps, {int(model.alive.sum())} firms, {wall:.1f} s",
          file=sys.stderr)
    return path, summ
