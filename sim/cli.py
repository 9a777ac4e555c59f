"""Command line of ``python run.py``: the argument parser of every command, and dispatch.

    run.py [run] [SCENARIO] [options]            one run (or an ensemble with --replicates N)
    run.py compare BASE POLICY ... [options]     policies against a baseline
    run.py validate CASE [options]               textbook cases and stylized facts
    run.py sweep EXPERIMENT.yaml [options]       batch runs into a crash-safe store
    run.py calibrate CALIBRATION.yaml [options]  fit parameters to observed moments (a posterior)
    run.py analyze SWEEP_DIR [options]           sensitivity, fan charts, targets, discovery
    run.py report FOLDER [options]               self-contained HTML report
    run.py rerun RESULT_DIR [options]            re-run from a manifest, compare value for value
    run.py dashboard [options]                   interactive SolaraViz dashboard

Nothing here computes: each command parses its options, calls one function of ``sim`` and prints
what it returns (a folder or file) as the last line of stdout. Exit codes: 0 done, 2 the user's
mistake (one line on stderr), 1 our bug, 130 interrupted. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CommandParser, UserError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.yaml"


# ------------------------------------------------------------------------------------------
# run and compare
# ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py", description="Simulate industry transfer into Jilin's parks to 2035.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="other commands, each with its own options (run.py COMMAND --help; docs/cli.md):\n"
                       "  validate CASE            textbook cases and stylized facts\n"
                       "  sweep EXPERIMENT.yaml    batch runs into a crash-safe store\n"
                       "  calibrate CALIBRATION.yaml  fit parameters to observed moments (a posterior)\n"
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
    p.add_argument("--precision", type=float, default=None, metavar="FRACTION",
                   help="compare: the precision the replicates needed are printed for, as a share of "
                        "|mean difference| (default 0.1 = ±10%%, at 90%%)")
    add_posterior_option(p)
    return p


def add_posterior_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posterior", nargs="?", const="", default=None, metavar="FILE",
                   help="draw one calibrated parameter set per replicate from a posterior (FILE: "
                        "default the scenario's `posterior:`, else scenarios/calibration/posterior.json); "
                        "explicitly set parameters still win; bands then carry parameter uncertainty")


def cmd_run(args) -> int:
    from .outputs.execute import execute_run
    if len(args.scenarios) > 1:
        raise UserError("run", message="run: takes one scenario file; use `compare BASE POLICY ...` for several")
    if args.precision is not None:
        raise UserError("--precision", message="--precision: only for compare (the replicates a difference "
                                               "needs); run takes no --precision")
    scenario = args.scenarios[0] if args.scenarios else str(DEFAULT_SCENARIO)
    if args.replicates != 1:
        from .outputs.compare import run_ensemble
        print(run_ensemble(args, scenario, execute_run))
        return 0
    loaded = None
    if args.posterior is not None:  # replicate 0's draw of the posterior
        from .outputs.execute import check_run_options
        from .scenario import load_scenario
        from .scenario.draws import posterior_draws
        loaded = load_scenario(scenario, args.set)
        seed = loaded.scenario.seed if args.seed is None else args.seed
        check_run_options(loaded.scenario, args.until, seed)
        loaded = posterior_draws(args.posterior, loaded).apply(loaded, seed, 0)
    path, _ = execute_run(scenario, args.set, args.seed, args.until, Path(args.out), quiet=args.quiet,
                          check=args.check, loaded=loaded)
    print(path)
    return 0


def cmd_compare(args) -> int:
    from .outputs.compare import run_comparison
    from .outputs.execute import execute_run
    path = run_comparison(args, execute_run)
    print(path)
    return 0


# ------------------------------------------------------------------------------------------
# validate (hand-parsed: --set takes the case's own keys)
# ------------------------------------------------------------------------------------------

VALIDATE_USAGE = ("usage: run.py validate {footloose-capital,footloose-entrepreneur,forecast,all} [--set KEY=VALUE ...] "
                  "[--json] [--out DIR] [--quick]\n(docs/cli.md; docs/validation.md)")


def _validate_usage(msg: str) -> UserError:
    return UserError("validate", message=f"validate: {msg}")


def validate_args(argv: list[str]) -> argparse.Namespace:
    """``CASE [--set k=v ...] [--json] [--out DIR] [--quick]``; every mistake a one-line error."""
    from .checks.validate import CASES
    case, sets, js, out, quick = None, {}, False, ROOT / "results", False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--json":
            js = True
        elif a == "--quick":
            quick = True
        elif a in ("--set", "--out") or a.startswith(("--set=", "--out=")):
            if "=" in a and a.startswith("--"):
                opt, val = a.split("=", 1)
            else:
                if i + 1 >= len(argv) or argv[i + 1].startswith("--"):
                    raise _validate_usage(f"{a} needs a value")
                opt, val = a, argv[i + 1]
                i += 1
            if opt == "--out":
                out = Path(val)
            else:
                if "=" not in val:
                    raise _validate_usage(f"--set: got {val!r}; expected KEY=VALUE (e.g. phi=0.3)")
                k, _, v = val.partition("=")
                sets[k.strip()] = v.strip()
        elif a.startswith("-"):
            raise _validate_usage(f"unknown option {a!r}; expected --set KEY=VALUE, --json, --out DIR, --quick")
        elif case is None:
            case = a
        else:
            raise _validate_usage(f"unexpected argument {a!r}")
        i += 1
    valid = sorted(CASES) + ["all"]
    if case is None:
        raise _validate_usage(f"missing case; expected one of {', '.join(valid)}")
    if case not in valid:
        raise _validate_usage(f"unknown case {case!r}; expected one of {', '.join(valid)}")
    return argparse.Namespace(case=case, sets=sets, json=js, out=out, quick=quick)


def cmd_validate(argv: list[str]) -> int:
    """Exit 0 when it ran, whatever ``pass`` says; 2 on bad input."""
    if argv and argv[0] in ("-h", "--help"):
        print(VALIDATE_USAGE)
        return 0
    args = validate_args(list(argv))
    if args.case == "all":
        from .checks.validate import validate_all
        if args.sets:
            raise _validate_usage("validate all takes no --set (it runs its own configurations)")
        print(validate_all(args.out, quick=args.quick))
        return 0
    from .checks.validate import print_result, run_case
    print_result(run_case(args.case, args.sets), args.json)
    return 0


# ------------------------------------------------------------------------------------------
# sweep and analyze (docs/experiments.md)
# ------------------------------------------------------------------------------------------


def sweep_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py sweep", description="Run the runs of an experiment file (docs/experiments.md).")
    p.add_argument("experiment", metavar="EXPERIMENT.yaml")
    p.add_argument("--workers", type=int, default=None,
                   help="processes on this machine, or LocalCluster workers (default: the core count)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a dask.distributed cluster: 'local' (a LocalCluster) or tcp://host:8786")
    p.add_argument("--out", default=str(ROOT / "results"), help="folder for sweep folders")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the experiment's base scenario after its own `set:` "
                        "(e.g. levers.jxn_land.value=0.5; repeatable)")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs that raised before")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_posterior_option(p)
    return p


def cmd_sweep(argv: list[str]) -> int:
    args = sweep_parser().parse_args(argv)
    if args.workers is not None and not 1 <= args.workers <= 4096:
        raise UserError("--workers", message=f"--workers: got {args.workers}; expected 1 to 4096")
    from .experiments.sweep import run_sweep
    folder, _ = run_sweep(args.experiment, Path(args.out), args.workers, args.scheduler,
                          args.retry_failed, args.quiet, posterior=args.posterior, overrides=args.set)
    print(folder)
    return 0


def calibrate_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py calibrate",
                      description="Fit parameters to observed moments (GP emulator + importance sampling; "
                                  "docs/cli.md, docs/validation.md).")
    p.add_argument("calibration", metavar="CALIBRATION.yaml")
    p.add_argument("--workers", type=int, default=None,
                   help="processes on this machine, or LocalCluster workers (default: the core count)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a dask.distributed cluster: 'local' (a LocalCluster) or tcp://host:8786")
    p.add_argument("--out", default=str(ROOT / "results"), help="folder for calibration folders")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs that raised before")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def cmd_calibrate(argv: list[str]) -> int:
    args = calibrate_parser().parse_args(argv)
    from .calibration.calibrate import check_workers, run_calibration
    check_workers(args.workers)
    folder, _ = run_calibration(args.calibration, Path(args.out), args.workers, args.scheduler,
                                args.retry_failed, args.quiet)
    print(folder)
    return 0


def analyze_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py analyze", description="Analyse a sweep folder (docs/experiments.md).")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.add_argument("--outcome", action="append", default=[], metavar="NAME",
                   help="an outcome to analyse (repeatable; default: the experiment's outcomes)")
    p.add_argument("--out", default=None, help="where the analysis folder goes (default: SWEEP_DIR)")
    p.add_argument("--threshold", action="append", default=[], metavar="OUTCOME>=VALUE",
                   help="an outcome threshold for scenario discovery (repeatable; OUTCOME<=VALUE too), "
                        "in addition to the plan targets and the experiment's thresholds")
    return p


def cmd_analyze(argv: list[str]) -> int:
    args = analyze_parser().parse_args(argv)
    from .experiments.analyze import analyze
    print(analyze(Path(args.sweep_dir), args.outcome or None, args.out, args.threshold))
    return 0


# ------------------------------------------------------------------------------------------
# report, rerun, dashboard
# ------------------------------------------------------------------------------------------


def report_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py report", description="Write a self-contained HTML report of a result folder.")
    p.add_argument("folder", metavar="RESULT_OR_COMPARISON_DIR")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    p.add_argument("--out", default=str(ROOT / "results" / "reports"),
                   help="where the report folder goes (default results/reports)")
    return p


def cmd_report(argv: list[str]) -> int:
    args = report_parser().parse_args(argv)
    from .outputs.report.page import make_report
    print(make_report(args.folder, args.lang, args.out))
    return 0


def rerun_parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py rerun", description="Re-run a result folder from its manifest and compare.")
    p.add_argument("result_dir", metavar="RESULT_DIR")
    p.add_argument("--out", default=None, help="where the new folder goes (default: next to RESULT_DIR)")
    p.add_argument("--check", action="store_true", help="check invariants every step")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def cmd_rerun(argv: list[str]) -> int:
    """Exit 0 when every value matches, 1 when some differ (the new folder is printed either way)."""
    args = rerun_parser().parse_args(argv)
    from .outputs.execute import execute_run
    from .outputs.rerun import rerun
    same, path = rerun(Path(args.result_dir), None if args.out is None else Path(args.out),
                       check=args.check, quiet=args.quiet, execute_run=execute_run)
    print(path)
    return 0 if same else 1


def dashboard_parser() -> argparse.ArgumentParser:
    from .dashboard.server import DEFAULT_PORT
    p = CommandParser(prog="run.py dashboard", description="Serve the interactive dashboard (SolaraViz).")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    return p


def cmd_dashboard(argv: list[str]) -> int:
    args = dashboard_parser().parse_args(argv)
    from .dashboard.server import serve
    return serve(args.host, args.port)


# ------------------------------------------------------------------------------------------
# dispatch
# ------------------------------------------------------------------------------------------

COMMANDS = {"validate": cmd_validate, "sweep": cmd_sweep, "calibrate": cmd_calibrate, "analyze": cmd_analyze,
            "report": cmd_report, "rerun": cmd_rerun, "dashboard": cmd_dashboard}


def main(argv: list[str] | None = None) -> int:
    """Every command: the user's mistake -> one line on stderr, exit 2; Ctrl-C -> exit 130."""
    post = sys.modules.get("sim.scenario.posterior")
    if post is not None:  # a posterior's provenance warning: once per command
        post.reset_warnings()
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
    if argv and argv[0] in COMMANDS:  # each with its own options: docs/cli.md
        return COMMANDS[argv[0]](argv[1:])
    if argv and argv[0] not in ("run", "compare") and not argv[0].startswith("-") and argv[0].endswith(
            (".yaml", ".yml")):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)  # user errors and --help: main
    return cmd_compare(args) if args.command == "compare" else cmd_run(args)
