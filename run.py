"""Command line: ``python run.py [run] [SCENARIO] [options]`` and ``python run.py compare BASE POLICY ... [options]``.

Thin: parses arguments, calls ``sim``, prints the result folder as the last line of stdout.
Exit codes: 0 done, 2 the user's mistake (one line on stderr), 1 our bug. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from sim.errors import CommandParser

ROOT = Path(__file__).resolve().parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.yaml"


def build_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py", description="Simulate industry transfer into Jilin's parks to 2035.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="other commands, each with its own options (run.py COMMAND --help; docs/cli.md):\n"
                       "  validate CASE            textbook cases and stylized facts\n"
                       "  sweep EXPERIMENT.yaml    batch runs into a crash-safe store\n"
                       "  analyze SWEEP_DIR        sensitivity, fan charts, targets, scenario discovery\n"
                       "  report FOLDER            self-contained HTML report of a run, ensemble or comparison\n"
                       "  rerun RESULT_DIR         re-run from a manifest and compare value for value\n"
                       "  dashboard                interactive SolaraViz dashboard on 127.0.0.1")
    p.add_argument("command", nargs="?", default="run", choices=["run", "compare", "validate"],
                   help="run (default), compare, or validate (its own options: docs/cli.md)")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="run: one scenario file (default scenarios/baseline.yaml); "
                        "compare: BASE.yaml POLICY.yaml [POLICY2.yaml ...]")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. parameters.beta=5 (repeatable)")
    p.add_argument("--until", type=int, default=None, help="stop after this year (shortens the run)")
    p.add_argument("--out", default=str(ROOT / "results"), help="folder for result folders")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--check", action="store_true",
                   help="check the model's invariants after every step and the outputs at the end")
    p.add_argument("--replicates", type=int, default=1,
                   help="runs per scenario with seeds spawned from --seed (default 1); run: an ensemble "
                        "folder with target probabilities and fan charts")
    return p


def _check_run_options(scn, until, seed) -> None:
    from sim.errors import UserError
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
    invariants are checked after every step and the outputs at the end (sim/invariants.py).
    ``loaded`` / ``data``: an already validated scenario and data (``rerun``).
    """
    from sim.model import RegionalEconomy
    from sim.outputs import results
    from sim.outputs.metrics import record_run
    from sim.outputs.plots import run_figures
    from sim.outputs.summary import build_summary
    from sim.scenario import load_scenario

    started = dt.datetime.now().isoformat(timespec="seconds")
    loaded = load_scenario(scenario, overrides) if loaded is None else loaded
    scn = loaded.scenario
    seed = scn.seed if seed is None else seed
    _check_run_options(scn, until, seed)
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
        from sim.checks.invariants import check_outputs
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
            **(extra_manifest or {}),
        }
        results.write_json(tmp / "manifest.json", manifest)
        results.write_json(tmp / "summary.json", summ)
        node = model.data.nodes.by()
        parks_xy = {pk["id"]: (node[pk["node"]]["lat"], node[pk["node"]]["lon"], pk["name_zh"])
                    for pk in model.park_rows}
        cities_xy = {c["id"]: (c["lat"], c["lon"]) for c in model.data.cities.rows}
        run_figures(tmp, parks_xy, cities_xy)
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    finally:
        model.release()
    print(f"{scn.name}: {model.n_steps} steps, {int(model.alive.sum())} firms, {wall:.1f} s",
          file=sys.stderr)
    return path, summ


def cmd_run(args) -> int:
    if len(args.scenarios) > 1:
        from sim.errors import UserError
        raise UserError("run", message="run: takes one scenario file; use `compare BASE POLICY ...` for several")
    scenario = args.scenarios[0] if args.scenarios else str(DEFAULT_SCENARIO)
    if args.replicates != 1:
        from sim.outputs.compare import run_ensemble
        print(run_ensemble(args, scenario, execute_run))
        return 0
    path, _ = execute_run(scenario, args.set, args.seed, args.until, Path(args.out), quiet=args.quiet,
                          check=args.check)
    print(path)
    return 0


def cmd_compare(args) -> int:
    from sim.outputs.compare import run_comparison
    path = run_comparison(args, execute_run)
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Every command: the user's mistake -> one line on stderr, exit 2; Ctrl-C -> exit 130."""
    from sim.errors import UserError
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:  # argparse inside a command (--help: 0; a bad option: 2)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in ("sweep", "analyze"):  # own arguments: docs/cli.md, sim/sweep.py
        from sim.experiments import sweep
        return sweep.cmd_sweep(argv[1:]) if argv[0] == "sweep" else sweep.cmd_analyze(argv[1:])
    if argv and argv[0] == "validate":  # own arguments: docs/cli.md, sim/validation.py
        from sim.checks.validate import cmd_validate
        return cmd_validate(argv[1:])
    if argv and argv[0] == "report":  # own arguments: docs/cli.md, sim/outputs/report/
        from sim.outputs.report.page import cmd_report
        return cmd_report(argv[1:])
    if argv and argv[0] == "rerun":  # own arguments: docs/cli.md, sim/rerun.py
        from sim.outputs.rerun import cmd_rerun
        return cmd_rerun(argv[1:], execute_run)
    if argv and argv[0] == "dashboard":  # own arguments: docs/cli.md, sim/dashboard/
        from sim.dashboard.server import cmd_dashboard
        return cmd_dashboard(argv[1:])
    if argv and argv[0] not in ("run", "compare") and not argv[0].startswith("-") and argv[0].endswith(
            (".yaml", ".yml")):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)  # user errors and --help: main
    return cmd_compare(args) if args.command == "compare" else cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
