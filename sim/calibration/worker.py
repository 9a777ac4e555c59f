"""One calibration run in a worker, and the moments of the stored runs.

A run builds the scenario with its parameter values, computes the tax elasticities on the model
right after construction (``sim.checks.stylized.tax_elasticities``: exact expectations, the model
left unchanged), runs to ``until`` and keeps the annual values of the moments' ``place.measure``
series (``sim.experiments.sweep.annual_series``; every measure reported per period, unit
``…/period``, is a flow summed over the year). It returns a few kilobytes of Parquet (name, year,
value) that the parent stores as ``runs/<run_id>.parquet`` through the sweeps' run loop
(``sim.experiments.executor.execute``). The same scenario and seed give the same numbers in any worker.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
import traceback
from pathlib import Path

import numpy as np

from ..experiments import sweep
from ..experiments.executor import THREADS
from .spec import Moment

META = "calibration_run"


def run_task(task: dict) -> dict:
    """Run one calibration run; never raises for a model error (it is reported)."""
    t0 = time.perf_counter()
    try:
        from ..checks.stylized import tax_elasticities
        from ..outputs.metrics import record_run
        model = sweep.worker_model(task, noun="calibration")
        scalars = {}
        if task["tax"]:
            te = tax_elasticities(model)
            scalars = {"tax.between_cities": te["between_cities"], "tax.between_parks": te["between_parks"]}
        df = record_run(model).frame()
        model.release()
        flows = tuple(sorted(set(df.measure[df.unit.str.endswith("/period")])))
        series = sweep.annual_series(df, task["series"], flows)
        wall = time.perf_counter() - t0
        return {"run_id": task["run_id"], "ok": True, "data": encode(task, scalars, series, wall),
                "seconds": wall}
    except Exception as exc:  # noqa: BLE001 -- recorded, the calibration goes on
        return {"run_id": task["run_id"], "ok": False, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - t0}


def encode(task: dict, scalars: dict, series: dict, wall: float) -> bytes:
    meta = {"run_id": task["run_id"], "kind": task["kind"], "index": task["index"],
            "seed": task["seed"], "values": task["values"], "until": task["until"],
            "code": task["code"], "blas_threads": THREADS[0] if THREADS else None,
            "seconds": round(wall, 3), "finished": dt.datetime.now().isoformat(timespec="seconds")}
    return sweep.encode_rows({k: float(v) for k, v in scalars.items()},
                             {k: {y: float(v) for y, v in s.items()} for k, s in series.items()},
                             META, meta, ensure_ascii=False)


def read_run(path: Path) -> tuple[dict, dict]:
    """(metadata, {(name, year or None): value}) of one stored run."""
    import pyarrow.parquet as pq
    t = pq.read_table(path)
    meta = json.loads(t.schema.metadata[META.encode()])
    d = t.to_pydict()
    vals = {(n, None if y is None else int(y)): v for n, y, v in zip(d["name"], d["year"], d["value"])}
    return meta, vals


def moment_value(m: Moment, vals: dict) -> float:
    """A moment's simulated value from a run's stored values (NaN when missing)."""
    if m.measure.startswith("tax."):
        return float(vals.get((m.measure, None), math.nan))
    v = vals.get((m.measure, m.year), math.nan)
    if m.stat == "growth":
        prev = vals.get((m.measure, m.year - 1), math.nan)
        return v / prev - 1.0 if prev and np.isfinite(prev) else math.nan
    if m.stat == "year_total":
        return m.year_share * v
    return v
