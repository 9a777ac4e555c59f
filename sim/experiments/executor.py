"""The run loop and the run store shared by ``run.py sweep`` and ``run.py calibrate``: a process pool
or a dask.distributed cluster behind one interface (:class:`Executor`), one BLAS thread per worker
(:func:`pin_threads`), and :func:`execute`, which runs (run id, info) jobs and writes each result
atomically into a runs folder (``<id>.parquet`` or ``<id>.error.json``), at most ``2 × workers`` in
flight, resumable after a crash (:func:`open_store`)."""

from __future__ import annotations

import json
import math
import os
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from ..errors import UserError

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def pin_env() -> None:
    for v in THREAD_VARS:
        os.environ[v] = "1"


def pin_threads() -> None:
    """One BLAS/OpenMP thread: set the variables (read when numpy loads, so they must be set
    before a worker imports it: the parent sets them before it starts the pool, and spawned
    processes inherit them) and, with threadpoolctl, limit the already loaded libraries too
    (a dask worker started by hand may have imported numpy before)."""
    pin_env()
    if not THREADS:
        try:
            from threadpoolctl import threadpool_info, threadpool_limits
        except ImportError:
            THREADS.append(None)
            return
        threadpool_limits(limits=1)
        THREADS.append(max((p.get("num_threads", 1) for p in threadpool_info()), default=1))


THREADS: list = []  # BLAS/OpenMP threads of this process after pinning (None: unknown)


# ------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------


PAUSE_VAR = "SIM_SWEEP_TEST_PAUSE_IN_WRITE"  # tests only: seconds to wait half-way through a run's write


def atomic_write(path: Path, data: bytes, pause: float = 0.0) -> None:
    """Write to ``.tmp-<name>-<pid>``, flush to disk, rename into place: a crash leaves the whole
    file or none (and maybe a temporary file, which nothing reads and the next sweep deletes).
    ``pause`` (tests only) waits after the first half is on disk, so a test can kill the sweep
    in the middle of a write."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    with open(tmp, "wb") as fh:
        if pause > 0:
            fh.write(data[: len(data) // 2])
            fh.flush()
            time.sleep(pause)
            fh.write(data[len(data) // 2:])
        else:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def open_store(runs_dir: Path) -> tuple[set[str], set[str]]:
    """Create ``runs_dir`` if needed and delete the temporary files a killed run left; returns the
    run ids stored (``<id>.parquet``) and those recorded as failed (``<id>.error.json``)."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    for stale in runs_dir.glob(".tmp-*"):
        stale.unlink(missing_ok=True)
    done = {p.stem for p in runs_dir.glob("*.parquet")}
    failed = {p.name[: -len(".error.json")] for p in runs_dir.glob("*.error.json")}
    return done, failed


# ------------------------------------------------------------------------------------------
# Executors
# ------------------------------------------------------------------------------------------


class Executor:
    """A process pool on this machine, or a dask.distributed cluster through the same interface."""

    def __init__(self, workers: int, scheduler: str | None):
        self.cluster = self.client = None
        self.workers = workers
        pin_env()  # inherited by spawned workers before they import numpy
        if scheduler is None:
            import multiprocessing as mp
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                            initializer=pin_threads)
            self.kind = f"process pool ({workers} workers)"
            return
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError("--scheduler", message=(
                "--scheduler: dask.distributed is not installed; pip install -e '.[sweep]'")) from None
        if scheduler == "local":
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
            self.kind = f"dask LocalCluster ({workers} workers)"
        else:
            try:
                self.client = Client(scheduler, timeout=20)
            except (OSError, TimeoutError, ValueError) as e:
                raise UserError("--scheduler", message=(
                    f"--scheduler: cannot reach {scheduler!r} ({type(e).__name__}); expected local "
                    f"or a running scheduler address such as tcp://host:8786")) from None
            n = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
            self.workers = max(1, n)
            self.kind = f"dask cluster at {scheduler} ({self.workers} worker threads)"
        self.pool = self.client.get_executor(pure=False)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self, cancel: bool = False) -> None:
        try:
            if self.client is None:
                self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
            else:
                self.client.close()
                if self.cluster is not None:
                    self.cluster.close()
        except Exception:  # noqa: BLE001, S110 -- closing after Ctrl-C may meet half-dead workers
            pass


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------


def execute(jobs: list[tuple[str, dict]], make_task, worker, runs_dir: Path, *, workers: int,
            scheduler: str | None = None, quiet: bool = False, log=None, desc: str = "runs",
            noun: str = "sweep", executor=None) -> dict:
    """Run ``jobs`` — (run id, info) pairs, info a small dict such as {point, replicate, seed} —
    on a process pool or dask (``Executor``) and store each result in ``runs_dir``: the parquet
    bytes a ``worker(make_task(rid, info))`` returns written atomically as ``<rid>.parquet``, a run
    that raised as ``<rid>.error.json`` (error, traceback, info), the run loop going on. At most
    ``2 × workers`` runs are in flight (the parent holds one result at a time). Ctrl-C cancels the
    rest and returns with ``interrupted`` set: finished runs stay stored, a half-written one is a
    ``.tmp-`` file that nothing reads. Used by ``run_sweep`` and ``run.py calibrate``; ``executor``
    (an ``Executor`` the caller closes) runs several batches on one pool. Returns
    {done, failed, interrupted}."""
    log = log or sys.stderr
    counts = {"done": 0, "failed": 0, "interrupted": False}
    if not jobs:
        return counts
    pause = float(os.environ.get(PAUSE_VAR) or 0.0)
    ex = executor or Executor(min(workers, len(jobs)) if scheduler is None else workers, scheduler)
    print(f"{noun}: on {ex.kind}", file=log, flush=True)
    bar = None
    if not quiet:
        from tqdm import tqdm
        bar = tqdm(total=len(jobs), file=log, unit="run", desc=desc, mininterval=1.0, smoothing=0.1)
    window = max(2, 2 * ex.workers)
    inflight: dict = {}
    info_of: dict = {}

    def handle(fut) -> None:
        rid = inflight.pop(fut)
        try:
            res = fut.result()
        except Exception as exc:  # noqa: BLE001 -- the worker process died (killed, out of memory)
            res = {"run_id": rid, "ok": False, "error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc(), "seconds": math.nan}
        if res["ok"]:
            atomic_write(runs_dir / f"{rid}.parquet", res["data"], pause)
            (runs_dir / f"{rid}.error.json").unlink(missing_ok=True)
            counts["done"] += 1
        else:
            rec = {k: res[k] for k in ("run_id", "error", "traceback", "seconds")}
            rec["run"] = info_of[rid]
            atomic_write(runs_dir / f"{rid}.error.json",
                          json.dumps(rec, ensure_ascii=False, indent=1, default=str).encode())
            counts["failed"] += 1
            what = ", ".join(f"{k} {v}" for k, v in rec["run"].items() if k != "seed")
            print(f"{noun}: run {rid} ({what}) failed: {res['error']}", file=log, flush=True)
        if bar is not None:
            bar.update(1)
        info_of.pop(rid, None)

    try:
        for rid, info in jobs:
            while len(inflight) >= window:
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for f in finished:
                    handle(f)
            info_of[rid] = info
            inflight[ex.submit(worker, make_task(rid, info))] = rid
        while inflight:
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for f in finished:
                handle(f)
    except KeyboardInterrupt:
        counts["interrupted"] = True
    finally:
        if bar is not None:
            bar.close()
        if executor is None or counts["interrupted"]:
            ex.close(cancel=counts["interrupted"])
    return counts
