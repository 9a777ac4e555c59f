"""Command line: ``python run.py [run] [SCENARIO] [--seed N] [--set k=v ...] [--until YEAR] [--out DIR]``.

Thin: parses arguments, calls ``sim``, prints the result folder as the last line of stdout.
Exit codes: 0 done, 2 the user's mistake (one line on stderr), 1 our bug. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.yaml"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise SystemExit(_usage_error(message))


def _usage_error(message: str) -> int:
    print(f"run.py: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="run.py", description="Simulate industry transfer into Jilin's parks to 2035.")
    p.add_argument("command", nargs="?", default="run", choices=["run", "validate"])
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO))
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. parameters.beta=5 (repeatable)")
    p.add_argument("--until", type=int, default=None, help="stop after this year (shortens the run)")
    p.add_argument("--out", default=str(ROOT / "results"), help="folder for result folders")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def cmd_run(args) -> int:
    from sim import results
    from sim.errors import UserError
    from sim.metrics import Recorder
    from sim.model import RegionalEconomy
    from sim.plots import run_figures
    from sim.scenario import load_scenario

    started = dt.datetime.now().isoformat(timespec="seconds")
    loaded = load_scenario(args.scenario, args.set)
    scn = loaded.scenario
    if args.until is not None and not scn.horizon.start < args.until <= scn.horizon.end:
        raise UserError("--until", message=(
            f"--until: got {args.until}; expected a year after {scn.horizon.start} and at most "
            f"{scn.horizon.end} (it only shortens the run)"))
    seed = scn.seed if args.seed is None else args.seed
    if seed < 0:
        raise UserError("--seed", message=f"--seed: got {seed}; expected a non-negative integer")
    t0 = time.perf_counter()
    model = RegionalEconomy(loaded, seed=seed, until=args.until)
    rec = Recorder()
    rec.collect(model)
    bar = None
    if not args.quiet:
        from tqdm import tqdm
        bar = tqdm(total=model.n_steps, file=sys.stderr, desc=scn.name, unit="step", mininterval=0.5)
    for _ in range(model.n_steps):
        model.step()
        rec.collect(model)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - t0
    out = Path(args.out)
    tmp, final = results.new_run_dir(out, scn.name, seed, loaded.hash)
    try:
        df = rec.frame()
        df.to_parquet(tmp / "trajectories.parquet", index=False)
        base_year, last = df.year.min(), df.year.max()
        summ = {"scenario": scn.name, "seed": seed, "base_year": float(base_year),
                "last_period": float(last), "firms_total": int(model.alive.sum()),
                "run_seconds": round(wall, 2), "cities": {}, "region": {}}
        for c in model.city_ids:
            d = df[(df.place == c) & (df.sector == "") & (df.origin == "")]
            g = d[d.measure == "gdp"].set_index("year").value
            io = d[d.measure == "industrial_output"].set_index("year").value
            arr = df[(df.place == c) & (df.measure == "arrivals_by_origin")]
            summ["cities"][c] = {
                "gdp_base_yi": round(float(g.iloc[0]), 2), "gdp_end_yi": round(float(g.iloc[-1]), 2),
                "industrial_output_base_yi": round(float(io.iloc[0]), 2),
                "industrial_output_end_yi": round(float(io.iloc[-1]), 2),
                "arrivals_from_other_places_total": int(arr.value.sum()),
            }
        r = df[df.place == "region"]
        for meas in ("gdp", "industrial_output", "firms", "jobs"):
            s = r[r.measure == meas].set_index("year").value
            summ["region"][f"{meas}_base"] = round(float(s.iloc[0]), 2)
            summ["region"][f"{meas}_end"] = round(float(s.iloc[-1]), 2)
        summ["region"]["arrivals_from_origin_regions_total"] = int(r[r.measure == "arrivals"].value.sum())
        manifest = {
            "scenario_path": args.scenario, "scenario_files": [str(f) for f in loaded.files],
            "overrides": list(args.set), "until": args.until, "seed": seed,
            "scenario_hash": loaded.hash, "resolved_scenario": loaded.resolved,
            "data_dir": str(loaded.data_dir), "data_hashes": model.data.hashes(),
            "packages": results.package_versions(), "git_commit": results.git_commit(),
            "started": started, "finished": dt.datetime.now().isoformat(timespec="seconds"),
            "command": ["run.py", *sys.argv[1:]] if sys.argv else [],
        }
        results.write_json(tmp / "manifest.json", manifest)
        results.write_json(tmp / "summary.json", summ)
        node = model.data.nodes.by()
        parks_xy = {pk["id"]: (node[pk["node"]]["lat"], node[pk["node"]]["lon"], pk["name_zh"])
                    for pk in model.data.parks.rows}
        cities_xy = {c["id"]: (c["lat"], c["lon"]) for c in model.data.cities.rows}
        run_figures(tmp, parks_xy, cities_xy)
        path = results.finish(tmp, final)
    except BaseException:
        results.abandon(tmp)
        raise
    print(f"{scn.name}: {model.n_steps} steps, {int(model.alive.sum())} firms, {wall:.1f} s",
          file=sys.stderr)
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    from sim.errors import UserError
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "validate":  # own arguments: docs/cli.md, sim/validation.py
        from sim.validation import cmd_validate
        return cmd_validate(argv[1:])
    if argv and argv[0] not in ("run",) and not argv[0].startswith("-") and argv[0].endswith(
            (".yaml", ".yml")):
        argv = ["run", *argv]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else 2
    try:
        return cmd_run(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
