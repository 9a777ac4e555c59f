"""One calibration run in a worker, and the moments of the stored runs.

A run builds the scenario with its parameter values, computes the tax elasticities on the model
right after construction (``sim.checks.stylized.tax_elasticities``: exact expectations, the model
left unchanged), runs to ``until`` and keeps the annual values of the moments' ``place.measure``
series (``sim.experiments.sweep.annual_series``; every measure reported per period, unit
``…/period``, is a flow summed over the year). It returns a few kilobytes of Parquet (name, year,
value) that the parent stores as ``runs/<run_id>.parquet`` through the sweeps' run loop
(``sim.experiments.sweep.execute``). The same scenario and seed give the same numbers in any worker.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import time
import traceback
from pathlib import Path

import numpy as np

from ..experiments import sweep
from .spec import Moment

META = "calibration_run"


def run_task(task: dict) -> dict:
    """Run one calibration run; never raises for a model error (it is reported)."""
    t0 = time.perf_counter()
    try:
        sweep.pin_threads()
        if not sweep._CODE:
            sweep._CODE.append(sweep.code_version())
        if task["code"] != sweep._CODE[0]:
            raise RuntimeError(f"worker's model code {sweep._CODE[0]} differs from the calibration's "
                               f"{task['code']}; workers need the same checkout")
        from ..checks.stylized import tax_elasticities
        from ..data import load_data
        from ..model import RegionalEconomy
        from ..outputs.metrics import Recorder
        from ..scenario import validate_scenario
        loaded = validate_scenario(task["scenario"], src=task["src"], path=Path(task["path"]))
        key = str(loaded.data_dir)
        if key not in sweep._DATA_CACHE:
            sweep._DATA_CACHE[key] = load_data(loaded.data_dir)
        model = RegionalEconomy(loaded, seed=task["seed"], data=sweep._DATA_CACHE[key], until=task["until"])
        scalars = {}
        if task["tax"]:
            te = tax_elasticities(model)
            scalars = {"tax.between_cities": te["between_cities"], "tax.between_parks": te["between_parks"]}
        rec = Recorder()
        rec.collect(model)
        for _ in range(model.n_steps):
            model.step()
            rec.collect(model)
        df = rec.frame()
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
    import pyarrow as pa
    import pyarrow.parquet as pq
    names, years, values = [], [], []
    for k, v in scalars.items():
        names.append(k)
        years.append(None)
        values.append(float(v))
    for k, s in series.items():
        for y, v in s.items():
            names.append(k)
            years.append(int(y))
            values.append(float(v))
    meta = {"run_id": task["run_id"], "kind": task["kind"], "index": task["index"],
            "seed": task["seed"], "values": task["values"], "until": task["until"],
            "code": task["code"], "blas_threads": sweep._THREADS[0] if sweep._THREADS else None,
            "seconds": round(wall, 3), "finished": dt.datetime.now().isoformat(timespec="seconds")}
    table = pa.table({"name": pa.array(names, pa.string()), "year": pa.array(years, pa.int32()),
                      "value": pa.array(values, pa.float64())})
    table = table.replace_schema_metadata({META: json.dumps(meta, ensure_ascii=False)})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


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
