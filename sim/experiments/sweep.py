"""``run.py sweep EXPERIMENT.yaml``: many runs, on this machine or a dask cluster, crash-safe.

The **sweep folder** ``OUT/sweep_<name>_<hash12>/`` is named by a hash of the experiment's validated
content and its resolved base scenario, so an edited experiment gets a new folder and re-running
the same file resumes the same one. It holds::

    experiment.yaml     the file as given (copy)
    plan.json           factors, design, sizes, seeds, code version, run ids (rewritten per invocation)
    points.csv          point, replicate, seed, run_id and the factor values of every run
    runs/<run_id>.parquet       one finished run (name, year, value): outcomes and yearly series
    runs/<run_id>.error.json    a run that raised (error and traceback); retried with --retry-failed
    log.jsonl           one line per invocation: done, failed, skipped, wall time, runs/minute

A **run id** hashes the run's resolved scenario (base + point), its seed, ``until`` and the model's
code version (every ``sim/**/*.py`` but ``NOT_MODEL``: experiments, plots, theory checks), so finished runs
are skipped when the same command is re-run and re-done when the model changes. Workers return a
run's few kilobytes of Parquet to the parent, which writes it atomically (temporary file, then
``os.replace``) and forgets it; at most ``2 × workers`` runs are in flight, so the parent's memory
does not grow with the number of runs. A run that raises is recorded and the sweep goes on. The
run loop and the store (``sim/experiments/executor.py``) are shared with ``run.py calibrate``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from ..errors import UserError
from ..model_code import NOT_MODEL, code_version  # noqa: F401 -- the sweep's names for them
from .design import design_points, design_size, run_seed
from .executor import PAUSE_VAR, THREADS, atomic_write, execute, open_store, pin_threads  # noqa: F401 -- PAUSE_VAR: tests
from .load import LoadedExperiment, load_experiment
from .outcomes import flatten_summary

SIM = Path(__file__).resolve().parents[1]
SERIES_FLOWS = ("fiscal_balance", "fiscal_revenue", "fiscal_spending", "arrivals")


def run_id(scenario_hash: str, seed: int, until, code: str) -> str:
    blob = json.dumps([scenario_hash, int(seed), until, code])
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


# ------------------------------------------------------------------------------------------
# The worker: one run -> a few kilobytes of Parquet
# ------------------------------------------------------------------------------------------

_DATA_CACHE: dict = {}
_CODE: list = []


def annual_series(df, names: list[str], flows=SERIES_FLOWS) -> dict[str, dict[int, float]]:
    """Yearly values of ``place.measure`` series: flows per period (``flows``: fiscal measures,
    arrivals; ``run.py calibrate`` adds the project measures) summed over the year's simulated
    periods, other measures averaged over the year's rows (the base year includes its calibrated
    row)."""
    import numpy as np
    out = {}
    d0 = df[(df.sector == "") & (df.origin == "") & (df.lever == "")]
    base = float(df.year.min())
    for name in names:
        place, meas = name.split(".", 1)
        d = d0[(d0.place == place) & (d0.measure == meas)]
        if meas in flows:
            d = d[d.year > base]
        if d.empty:
            out[name] = {}
            continue
        g = d.groupby(np.floor(d.year.to_numpy() + 1e-9).astype(int)).value
        vals = g.sum() if meas in flows else g.mean()
        out[name] = {int(y): float(v) for y, v in vals.items()}
    return out


def worker_model(task: dict, noun: str = "sweep"):
    """The model of one stored run, built in a worker: threads pinned, the worker's model code
    checked against the task's (``noun`` names the caller in the error), the scenario validated,
    the data loaded once per worker and data folder."""
    pin_threads()
    if not _CODE:
        _CODE.append(code_version())
    if task["code"] != _CODE[0]:
        raise RuntimeError(f"worker's model code {_CODE[0]} differs from the {noun}'s {task['code']} "
                           f"(sim at {SIM}); workers need the same checkout")
    from ..data import load_data
    from ..model import RegionalEconomy
    from ..scenario import validate_scenario
    loaded = validate_scenario(task["scenario"], src=task["src"], path=Path(task["path"]))
    key = str(loaded.data_dir)
    if key not in _DATA_CACHE:
        _DATA_CACHE[key] = load_data(loaded.data_dir)
    return RegionalEconomy(loaded, seed=task["seed"], data=_DATA_CACHE[key], until=task["until"])


def run_task(task: dict) -> dict:
    """Run one (scenario, seed) in a worker; never raises for a model error (it is reported)."""
    t0 = time.perf_counter()
    try:
        from ..outputs.metrics import record_run
        from ..outputs.summary import build_summary
        model = worker_model(task)
        df = record_run(model).frame()
        wall = time.perf_counter() - t0
        summ = build_summary(model, df, task["seed"], wall)
        model.release()
        flat = flatten_summary(summ)
        series = annual_series(df, task["series"])
        payload = encode_run(task, flat, series, wall)
        return {"run_id": task["run_id"], "ok": True, "data": payload, "seconds": wall}
    except Exception as exc:  # noqa: BLE001 -- recorded, the sweep goes on
        return {"run_id": task["run_id"], "ok": False, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - t0}


def encode_rows(scalars: dict, series: dict, meta_key: str, meta: dict, prefix: str = "",
                ensure_ascii: bool = True) -> bytes:
    """One stored run as Parquet bytes: rows (name, year, value) — scalars with a null year, then
    ``prefix`` + each series' name per year — and ``meta`` as JSON under the schema key
    ``meta_key``. Sweeps and calibrations store their runs this way."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    names, years, values = [], [], []
    for k, v in scalars.items():
        names.append(k)
        years.append(None)
        values.append(v)
    for k, s in series.items():
        for y, v in s.items():
            names.append(prefix + k)
            years.append(int(y))
            values.append(v)
    table = pa.table({"name": pa.array(names, pa.string()), "year": pa.array(years, pa.int32()),
                      "value": pa.array(values, pa.float64())})
    table = table.replace_schema_metadata({meta_key: json.dumps(meta, ensure_ascii=ensure_ascii)})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def encode_run(task: dict, flat: dict, series: dict, wall: float) -> bytes:
    meta = {"run_id": task["run_id"], "point": task["point"], "replicate": task["replicate"],
            "seed": task["seed"], "until": task["until"], "code": task["code"],
            "blas_threads": THREADS[0] if THREADS else None,
            "seconds": round(wall, 3), "finished": dt.datetime.now().isoformat(timespec="seconds")}
    return encode_rows(flat, series, "sweep_run", meta, prefix="series:")


def read_run(path: Path) -> tuple[dict, object]:
    """(metadata, DataFrame name/year/value) of one stored run."""
    import pyarrow.parquet as pq
    t = pq.read_table(path)
    meta = json.loads(t.schema.metadata[b"sweep_run"])
    return meta, t.to_pandas()


def sweep_dir(out: Path, le: LoadedExperiment, draws=None) -> Path:
    """``sweep_<name>_<hash12>``; with ``--posterior`` draws the hash also covers the posterior file."""
    h = le.text_hash if draws is None else hashlib.sha256(
        (le.text_hash + draws.content_hash).encode()).hexdigest()
    return out / f"sweep_{le.experiment.name}_{h[:12]}"


class Plan:
    """Every run of a sweep: point, replicate, seed, run id; built from the experiment alone (and,
    with ``--posterior``, its ``draws``: replicate k of every point takes the draw
    ``Posterior.draw(experiment seed, k)`` at the keys neither the scenario nor a factor sets)."""

    def __init__(self, le: LoadedExperiment, code: str, draws=None):
        exp = le.experiment
        self.le, self.code, self.draws = le, code, draws
        self.values, self.unit = design_points(exp)
        self.n_points = len(self.values)
        assert self.n_points == design_size(exp), (self.n_points, design_size(exp))
        self.factor_keys = {k for f in exp.factors for k in f.keys}
        self.hashes = []  # per point, or per (point, replicate) with draws
        for i, vals in enumerate(self.values):
            try:
                scn = le.scenario_for(vals)
                self.hashes.append(scn.hash if draws is None else [
                    self._drawn(scn, k).hash for k in range(exp.replicates)])
            except UserError as e:
                names = ", ".join(f"{f.name}={v!r}" for f, v in zip(exp.factors, vals))
                raise UserError(str(le.path), message=(
                    f"{le.path}: design point {i} ({names}) makes the scenario invalid: {e}")) from None
        self.runs = []  # (point, replicate, seed, run id)
        for k in range(exp.replicates):
            for i in range(self.n_points):
                seed = run_seed(exp.seed, i, k, exp.common_random_numbers)
                h = self.hashes[i] if draws is None else self.hashes[i][k]
                self.runs.append((i, k, seed, run_id(h, seed, exp.until, code)))

    def _explicit(self) -> set[str]:
        """Posterior keys the runs do not take from the draw: factors, and what the base sets."""
        from ..scenario.posterior import is_given
        return {k for k in self.draws.posterior.keys
                if k in self.factor_keys or is_given(self.le.base.given, k)}

    def _drawn(self, scn, replicate: int):
        return self.draws.apply(scn, self.le.experiment.seed, replicate, self.factor_keys)

    def task(self, point: int, replicate: int, seed: int, rid: str) -> dict:
        le = self.le
        scn = le.scenario_for(self.values[point])
        if self.draws is not None:
            scn = self._drawn(scn, replicate)
        return {"run_id": rid, "point": point, "replicate": replicate, "seed": seed,
                "until": le.experiment.until, "scenario": scn.resolved, "src": str(le.base.path),
                "path": str(le.base.path), "series": list(le.experiment.series), "code": self.code}

    def write(self, folder: Path) -> None:
        import csv
        exp = self.le.experiment
        plan = {
            "experiment": exp.name, "experiment_path": str(self.le.path),
            "experiment_hash": self.le.text_hash, "base": str(self.le.base.path),
            "base_set": list(self.le.base.overrides), "base_hash": self.le.base.hash, "code_version": self.code,
            "design": exp.design.model_dump(mode="json"), "n_points": self.n_points,
            "replicates": exp.replicates, "n_runs": len(self.runs), "seed": exp.seed,
            "common_random_numbers": exp.common_random_numbers, "until": exp.until,
            "factors": [{"name": f.name, "group": "lever" if f in exp.levers else "uncertainty",
                         "keys": f.keys, "label": f.label, "unit": f.unit,
                         "spec": f.model_dump(mode="json", exclude={"name", "label", "key", "unit"})}
                        for f in exp.factors],
            "outcomes": list(exp.outcomes), "series": list(exp.series),
            "package_bins": exp.package_bins,
            "thresholds": [{**t.model_dump(mode="json"), "text": t.text} for t in exp.thresholds],
            "targets": [{"id": t.id, "label": t.label, "year": t.year}
                        for t in self.le.base.scenario.targets],
            "unit_sample": None if self.unit is None else self.unit.tolist(),
            # the posterior's central set the base scenario takes (its `posterior:` key), and with
            # --posterior the draw of each replicate (bands: seed noise + parameter uncertainty)
            "posterior_central": self.le.base.posterior,
            "posterior": None if self.draws is None else {
                **self.draws.record, "seed": exp.seed, "explicit_keys": sorted(self._explicit()),
                "draws": [{"replicate": k, "values": self.draws.draw(exp.seed, k)}
                          for k in range(exp.replicates)]},
            "band_sources": "seed" if self.draws is None else self.draws.band_sources,
        }
        atomic_write(folder / "plan.json", json.dumps(plan, ensure_ascii=False, indent=1).encode())
        buf = io.StringIO()
        w = csv.writer(buf)
        # the parameters each run takes from its replicate's draw (not those a factor or the scenario sets)
        drawn = [] if self.draws is None else [self.draws.draw(exp.seed, k) for k in range(exp.replicates)]
        pkeys = [k for k in (drawn[0] if drawn else ()) if k not in self._explicit()]
        w.writerow(["point", "replicate", "seed", "run_id", *[f.name for f in exp.factors],
                    *[f"posterior:{k}" for k in pkeys]])
        for i, k, seed, rid in self.runs:
            w.writerow([i, k, seed, rid, *[json.dumps(v, ensure_ascii=False) if not isinstance(
                v, (int, float)) else v for v in self.values[i]], *[drawn[k][p] for p in pkeys]])
        atomic_write(folder / "points.csv", buf.getvalue().encode("utf-8"))


def run_sweep(experiment: str | Path, out: Path, workers: int | None = None,
              scheduler: str | None = None, retry_failed: bool = False, quiet: bool = False,
              log=None, posterior: str | None = None, overrides: list[str] | tuple[str, ...] = ()
              ) -> tuple[Path, dict]:
    """Run (or resume) a sweep; returns (sweep folder, counts). Messages go to ``log`` (stderr).
    ``posterior``: the ``--posterior`` option (None: not given; "": the default file);
    ``overrides``: ``--set`` strings on the base scenario (recorded in plan.json)."""
    from ..scenario.draws import posterior_draws
    log = log or sys.stderr
    t0 = time.perf_counter()
    le = load_experiment(experiment, overrides)
    code = code_version()
    draws = posterior_draws(posterior, le.base)
    plan = Plan(le, code, draws)
    folder = sweep_dir(Path(out), le, draws)
    runs_dir = folder / "runs"
    done, failed_before = open_store(runs_dir)
    exp_copy = folder / "experiment.yaml"
    if not exp_copy.exists():
        shutil.copyfile(le.path, exp_copy)
    plan.write(folder)
    todo, skipped, seen = [], 0, set()
    for r in plan.runs:
        if r[3] in seen:  # the same scenario and seed at two points (a list factor in a QMC design)
            continue
        seen.add(r[3])
        if r[3] in done or (r[3] in failed_before and not retry_failed):
            skipped += 1
        else:
            todo.append(r)
    workers = workers or os.cpu_count() or 1
    counts = {"runs": len(seen), "done": 0, "failed": 0, "skipped": skipped,
              "skipped_failed_before": sum(1 for r in plan.runs if r[3] in failed_before
                                           and r[3] not in done and not retry_failed)}
    print(f"sweep {le.experiment.name}: {plan.n_points} points x {le.experiment.replicates} "
          f"replicates = {len(plan.runs)} runs"
          + (f" ({len(seen)} distinct)" if len(seen) < len(plan.runs) else "")
          + f"; {skipped} already in {folder.name}, {len(todo)} to run",
          file=log, flush=True)
    interrupted = False
    if todo:
        jobs = [(rid, {"point": i, "replicate": k, "seed": seed}) for i, k, seed, rid in todo]
        res = execute(jobs, lambda rid, info: plan.task(info["point"], info["replicate"], info["seed"], rid),
                      run_task, runs_dir, workers=workers, scheduler=scheduler, quiet=quiet, log=log,
                      desc=le.experiment.name, noun="sweep")
        counts["done"], counts["failed"], interrupted = res["done"], res["failed"], res["interrupted"]
    wall = time.perf_counter() - t0
    ran = counts["done"] + counts["failed"]
    counts["wall_seconds"] = round(wall, 2)
    counts["runs_per_minute"] = round(ran / wall * 60, 2) if wall > 0 else None
    counts["interrupted"] = interrupted
    counts["workers"] = workers if scheduler is None else scheduler
    with open(folder / "log.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"finished": dt.datetime.now().isoformat(timespec="seconds"),
                             "code_version": code, **counts}) + "\n")
    print(f"sweep: {counts['done']} done, {counts['failed']} failed, {counts['skipped']} skipped "
          f"(of {counts['runs']}); wall {wall:.1f} s; {counts['runs_per_minute']} runs/minute"
          + ("; interrupted: re-run the same command to resume" if interrupted else ""),
          file=log, flush=True)
    if interrupted:
        raise KeyboardInterrupt
    return folder.resolve(), counts
