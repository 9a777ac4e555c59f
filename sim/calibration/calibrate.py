"""``run.py calibrate CALIBRATION.yaml``: runs over the priors, a GP emulator, the posterior by
importance sampling, and a report (docs/cli.md, docs/decisions.md, docs/validation.md).

The **calibration folder** ``OUT/calibration_<name>_<hash12>/`` is named by a hash of what the runs
depend on (the resolved scenario with ``set``, ``until``, the seed, the design and its sizes, the
parameters and priors, the measures the moments read): re-running the same file resumes the same
folder, and editing only observed values, errors, sources, draws or prior samples reuses every
run and refits. It holds::

    calibration.yaml    the file as given (copy, rewritten per invocation)
    plan.json           sizes, seeds, code version, data hash, run ids
    design.csv          kind (design | validation | central), index, seed, run id, parameter values
    runs/<run_id>.parquet     one finished run (its moments' annual values and tax elasticities)
    runs/<run_id>.error.json  a run that raised (the calibration goes on; --retry-failed)
    moments.csv         one row per run × moment (simulated value)
    checks.csv          each check (observed, not fitted) against the central-set runs
    emulator_check.csv  held-out error of the emulator per moment
    posterior.parquet, posterior.json   the weighted draws and their manifest
    report.md, figures/*.png            the calibration report
    log.jsonl           one line per invocation

Runs go through the sweeps' run loop (``sim.experiments.executor.execute``: process pool or dask,
atomic writes, at most 2 × workers in flight), so a killed calibration loses no finished run and
writes none twice. After the design and held-out runs: fit, draw, then ``central_runs`` runs at the
posterior's central set (stored and resumed alike), then the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..experiments import executor
from ..model_code import SIM, code_version
from .design import Plan, stream, to_emulator, to_values, unit_points
from .emulator import Emulator, check
from .posterior import (
    check_quantiles,
    importance,
    leave_one_out,
    marginal_summary,
    predictive,
    resample,
)
from .posterior_file import data_hash, write_posterior
from .spec import LoadedCalibration, fit_observed, from_fit_scale, load_calibration, to_fit_scale
from .worker import moment_value, read_run, run_task

USED_BY_DEFAULT = "scenarios that set `posterior:` (the shipped scenarios)"


def calibration_dir(out: Path, lc: LoadedCalibration) -> Path:
    return Path(out) / f"calibration_{lc.calibration.name}_{lc.folder_hash[:12]}"


def _write(path: Path, text: str) -> None:
    executor.atomic_write(path, text.encode("utf-8"))


class _Pool:
    """One executor for the calibration's batches, started when a batch first has runs to do."""

    def __init__(self, workers: int, scheduler: str | None):
        self.workers, self.scheduler, self.ex = workers, scheduler, None

    def get(self, n_jobs: int):
        if self.ex is None and n_jobs:
            w = min(self.workers, max(n_jobs, 2)) if self.scheduler is None else self.workers
            self.ex = executor.Executor(w, self.scheduler)
        return self.ex

    def close(self) -> None:
        if self.ex is not None:
            self.ex.close()
            self.ex = None


def _run_all(plan: Plan, runs: list[tuple], runs_dir: Path, retry_failed: bool, pool: _Pool,
             quiet: bool, log, desc: str) -> dict:
    done, failed = executor.open_store(runs_dir)
    jobs, seen, skipped = [], set(), 0
    for kind, i, seed, rid, vals in runs:
        if rid in seen:
            continue
        seen.add(rid)
        if rid in done or (rid in failed and not retry_failed):
            skipped += 1
        else:
            jobs.append((rid, {"kind": kind, "index": i, "seed": seed, "values": vals}))
    print(f"calibrate {desc}: {len(seen)} runs; {skipped} already stored, {len(jobs)} to run",
          file=log, flush=True)
    res = executor.execute(jobs, plan.task, run_task, runs_dir, workers=pool.workers, scheduler=pool.scheduler,
                        quiet=quiet, log=log, desc=desc, noun="calibrate", executor=pool.get(len(jobs)))
    if res["interrupted"]:
        pool.ex = None  # closed by execute
    res["skipped"] = skipped
    return res


def _moment_matrix(lc: LoadedCalibration, runs: list[tuple], runs_dir: Path,
                   moms: list | None = None) -> tuple[np.ndarray, list]:
    """Simulated moments (runs × moments; NaN for a run not stored) and the stored runs' metadata;
    ``moms`` the calibration's moments unless given (its checks)."""
    moms = lc.calibration.moments if moms is None else moms
    y = np.full((len(runs), len(moms)), np.nan)
    metas = []
    for r, (_, _, _, rid, _) in enumerate(runs):
        p = runs_dir / f"{rid}.parquet"
        if not p.is_file():
            metas.append(None)
            continue
        meta, vals = read_run(p)
        metas.append(meta)
        y[r] = [moment_value(m, vals) for m in moms]
    return y, metas


def run_calibration(path: str | Path, out: Path, workers: int | None = None, scheduler: str | None = None,
                    retry_failed: bool = False, quiet: bool = False, log=None) -> tuple[Path, dict]:
    """Run (or resume) a calibration; returns (calibration folder, summary)."""
    log = log or sys.stderr
    t0 = time.perf_counter()
    lc = load_calibration(path)
    code = code_version()
    dhash = data_hash(lc.base.data_dir)
    plan = Plan(lc, code)
    folder = calibration_dir(out, lc)
    runs_dir = folder / "runs"
    executor.open_store(runs_dir)
    shutil.copyfile(lc.path, folder / ".tmp-calibration.yaml")
    os.replace(folder / ".tmp-calibration.yaml", folder / "calibration.yaml")
    pool = _Pool(workers or os.cpu_count() or 1, scheduler)
    try:
        return _calibrate(lc, plan, folder, pool, code, dhash, retry_failed, quiet, log, t0)
    finally:
        pool.close()


def _calibrate(lc: LoadedCalibration, plan: Plan, folder: Path, pool: _Pool, code: str, dhash: str,
               retry_failed: bool, quiet: bool, log, t0: float) -> tuple[Path, dict]:
    cal, m = lc.calibration, lc.calibration.method
    runs_dir = folder / "runs"
    fitted = list(plan.runs)
    _write_plan(folder, lc, plan, code, dhash)
    res = _run_all(plan, fitted, runs_dir, retry_failed, pool, quiet, log, cal.name)
    summary = {"done": res["done"], "failed": res["failed"], "skipped": res["skipped"]}
    if res["interrupted"]:
        _log(folder, code, summary, t0, interrupted=True)
        raise KeyboardInterrupt
    # ---- the emulator on the design runs, checked on the held-out runs
    y, metas = _moment_matrix(lc, fitted, runs_dir)
    kinds = np.array([r[0] for r in fitted])
    x = np.array([[r[4][k] for k in cal.keys] for r in fitted])
    design = (kinds == "design") & np.isfinite(y).all(axis=1)
    if design.sum() < max(8, 2 * len(cal.keys) + 2):
        raise RuntimeError(f"only {int(design.sum())} design runs finished with every moment; "
                           f"see {runs_dir}/*.error.json")
    names = [mo.id for mo in cal.moments]
    tf = time.perf_counter()
    yt = to_fit_scale(cal.moments, y)
    em = Emulator(to_emulator(lc, x[design]), yt[design], names, seed=cal.seed % (2**31))
    held = (kinds == "validation") & np.isfinite(y).all(axis=1)
    checks = check(em, to_emulator(lc, x[held]), yt[held])
    for c, mo in zip(checks, cal.moments):
        c["scale"] = "log" if mo.log_scale else "linear"
    # ---- the posterior
    obs, obs_sd = fit_observed(cal.moments)
    xs = to_values(lc, unit_points(m.prior_samples, len(cal.keys), "sobol", stream(cal.seed, 2)))
    mean, var = em.predict(to_emulator(lc, xs))
    fit = importance(xs, mean, var, obs, obs_sd)
    rng = stream(cal.seed, 3)
    keep, wkeep = resample(fit.weights, m.draws, rng)
    pred = from_fit_scale(cal.moments, predictive(fit, fit.weights, rng))
    fit_seconds = time.perf_counter() - tf
    marg = {k: marginal_summary(fit.x[:, j], fit.weights) for j, k in enumerate(cal.keys)}
    moments_out = [{"id": mo.id, "measure": mo.measure, "stat": mo.stat, "year": mo.year,
                    "observed": mo.observed, "error_sd": mo.sd, "simulated_median": float(pred[j, 1]),
                    "simulated_p5": float(pred[j, 0]), "simulated_p95": float(pred[j, 2])}
                   for j, mo in enumerate(cal.moments)]
    manifest = {"calibration": cal.name, "calibration_file": _shown(lc.path),
                "calibration_folder": folder.name,
                "method": {**m.model_dump(mode="json"), "likelihood": "Gaussian: observation error² + "
                           "emulator predictive variance (incl. seed noise)",
                           "emulator": "scikit-learn GaussianProcessRegressor, ARD Matern(5/2) + WhiteKernel"},
                "code_version": code, "data_hash": dhash, "scenario": _shown(lc.base.path),
                "set": list(cal.set), "until": cal.until,
                "parameters": [{"key": p.key, "prior": p.prior.model_dump(mode="json"), "label": p.label,
                                "source": p.source} for p in cal.parameters],
                "importance_ess": fit.ess, "prior_samples": m.prior_samples,
                "marginals": marg, "moments": moments_out, "used_by_default": USED_BY_DEFAULT}
    write_posterior(folder, cal.keys, fit.x[keep], wkeep, manifest)
    central = json.loads((folder / "posterior.json").read_text(encoding="utf-8"))["central"]
    # ---- runs at the central set (the default baseline's parameters)
    cx = np.array([central[k] for k in cal.keys])
    central_runs = [plan.add("central", k, cx) for k in range(m.central_runs)]
    _write_plan(folder, lc, plan, code, dhash)
    res2 = _run_all(plan, central_runs, runs_dir, retry_failed, pool, quiet, log, cal.name + " central")
    for k in ("done", "failed", "skipped"):
        summary[k] += res2[k]
    if res2["interrupted"]:
        _log(folder, code, summary, t0, interrupted=True)
        raise KeyboardInterrupt
    yc, metas_c = _moment_matrix(lc, central_runs, runs_dir)
    _write_moments(folder, cal, fitted + central_runs, np.vstack([y, yc]))
    # the checks: observed figures against the central-set runs (seed noise only), not fitted
    yk = _moment_matrix(lc, central_runs, runs_dir, cal.checks)[0]
    _write_checks(folder, cal, yk)
    _write_check(folder, checks)
    loo = leave_one_out(fit, [j for j, mo in enumerate(cal.moments)
                              if mo.stat == "growth" and mo.measure.endswith(".gdp")], stream(cal.seed, 4))
    seconds = [mt["seconds"] for mt in metas + metas_c if mt]
    summary.update({"design_runs_used": int(design.sum()), "validation_runs_used": int(held.sum()),
                    "importance_ess": fit.ess, "posterior_rows": int(keep.size),
                    "fit_seconds": round(fit_seconds, 1),
                    "seconds_per_run_median": float(np.median(seconds)) if seconds else None})
    from .report import write_report
    write_report(folder, lc, em, fit, pred, keep, wkeep, checks, loo, yc, x[held], yt[held], summary, yk)
    _log(folder, code, summary, t0)
    print(f"calibrate: {summary['done']} done, {summary['failed']} failed, {summary['skipped']} "
          f"skipped; ESS {fit.ess:.0f} of {m.prior_samples}; wall {time.perf_counter() - t0:.1f} s",
          file=log, flush=True)
    return folder.resolve(), summary


def _shown(p: Path) -> str:
    """A path relative to the repository when it is inside it (a shipped manifest names no machine)."""
    try:
        return Path(p).resolve().relative_to(SIM.parent).as_posix()
    except ValueError:
        return str(p)


def _write_plan(folder: Path, lc: LoadedCalibration, plan: Plan, code: str, dhash: str) -> None:
    cal = lc.calibration
    info = {"calibration": cal.name, "calibration_path": str(lc.path), "folder_hash": lc.folder_hash,
            "scenario": str(lc.base.path), "set": list(cal.set), "until": cal.until, "seed": cal.seed,
            "code_version": code, "data_hash": dhash, "method": cal.method.model_dump(mode="json"),
            "parameters": cal.keys, "moments": [mo.id for mo in cal.moments], "series": cal.series,
            "n_runs": len(plan.runs), "run_ids": [r[3] for r in plan.runs]}
    _write(folder / "plan.json", json.dumps(info, ensure_ascii=False, indent=1))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kind", "index", "seed", "run_id", *cal.keys])
    for kind, i, seed, rid, vals in plan.runs:
        w.writerow([kind, i, seed, rid, *[repr(vals[k]) for k in cal.keys]])
    _write(folder / "design.csv", buf.getvalue())


def _write_moments(folder: Path, cal, runs: list[tuple], y: np.ndarray) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kind", "index", "run_id", "moment", "value", "observed"])
    for r, (kind, i, _, rid, _) in enumerate(runs):
        for j, mo in enumerate(cal.moments):
            if np.isfinite(y[r, j]):
                w.writerow([kind, i, rid, mo.id, repr(float(y[r, j])), mo.observed])
    _write(folder / "moments.csv", buf.getvalue())


def _write_checks(folder: Path, cal, yk: np.ndarray) -> None:
    """``checks.csv``: each check's observed value and its simulated median and 5–95 % over the
    central runs (the moment's statistic: a growth as a fraction, a year_total × its year_share)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["check", "measure", "stat", "year", "year_share", "observed", "error_sd", "central_median",
                "central_p5", "central_p95", "central_runs", "source"])
    for c, (med, lo, hi, n) in zip(cal.checks, check_quantiles(yk)):
        w.writerow([c.id, c.measure, c.stat, c.year, c.year_share, c.observed, c.sd,
                    *(repr(float(v)) for v in (med, lo, hi)), int(n), c.source])
    _write(folder / "checks.csv", buf.getvalue())


def _write_check(folder: Path, checks: list[dict]) -> None:
    cols = ["moment", "scale", "n_validation", "rmse", "sd_of_runs", "mean_predictive_sd", "seed_noise_sd",
            "coverage90"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols)
    w.writeheader()
    for c in checks:
        w.writerow({k: c.get(k, "") for k in cols})
    _write(folder / "emulator_check.csv", buf.getvalue())


def _log(folder: Path, code: str, summary: dict, t0: float, interrupted: bool = False) -> None:
    with open(folder / "log.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"finished": dt.datetime.now().isoformat(timespec="seconds"),
                             "code_version": code, "wall_seconds": round(time.perf_counter() - t0, 2),
                             "interrupted": interrupted, **summary}, default=float) + "\n")


def check_workers(n: int | None) -> None:
    if n is not None and not 1 <= n <= 4096:
        raise UserError("--workers", message=f"--workers: got {n}; expected 1 to 4096")
