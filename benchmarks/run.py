"""Benchmark: the vectorized core against the per-agent Mesa yardstick, in one process.

    python benchmarks/run.py [--quick] [--json] [--profile]

Times, per step, the reference (``benchmarks/mesa_reference.py``) at about 1k, 10k and 100k firms
and the vectorized ``sim.model.RegionalEconomy`` at about 1k, 10k, 100k and 1M firms, on two
scenarios with ``firms.scale`` set to give that many firms:

* ``baseline``: ``scenarios/baseline.yaml`` (no levers; the ledger books tax revenue);
* ``levers``: ``scenarios/jxn_transfer_zone.yaml`` (nine levers: land discount, interest subsidy,
  tax rebate, talent subsidy, retention, land supply, business environment ...). Its levers start
  in 2023–2024, so its timed steps start in 2024 (untimed warm-up steps until then), when choice
  carries lever terms and attribution, and the ledger pays subsidies.

A timed step is the whole step at default settings plus metrics collection: ``model.step()`` and
``sim.outputs.metrics.Recorder().collect(model)`` for the vectorized model, ``model.step()`` (which ends
with ``DataCollector.collect``) for the reference, which does levers, attribution and ledger per
agent. Each size gets at least one untimed warm-up step first. The headline figures
(``speedup_10k``, ``speedup_100k``, ``ns_per_firm_step_1m``) are the worse of the two scenarios.

Also: peak memory (process peak RSS after the two 1M-firm runs, which come first; tracemalloc peak
per firm over build + two steps), and whole default runs (build, every step, collection, the tidy
frame) of both scenarios, and ``run.py`` end to end, figures included, unless ``--quick``.

Prints a table to stdout (progress on stderr); ``--json`` adds one JSON object as the last line.
``--profile`` prints the top functions of a cProfile of the default run of each scenario instead.

Firm counts above ``firms.scale`` = 10 (the scenario schema's cap) are reached by copying the
validated scenario with a larger scale (``pydantic`` ``model_copy``), a benchmark-only path: the
schema is not changed.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's ``sim``, not an installed one

import numpy as np

from benchmarks.mesa_reference import MesaReference
from sim.model import RegionalEconomy
from sim.outputs.metrics import Recorder
from sim.scenario import LoadedScenario, load_scenario

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SCENARIOS = {"baseline": (BASELINE, None),
             "levers": (ROOT / "scenarios" / "jxn_transfer_zone.yaml", 2024.0)}  # (file, time from)
FIRMS_PER_SCALE = 20_575.0  # firms in the base year per unit of firms.scale (baseline data)

# (label, target firms, steps timed, steps timed with --quick)
VEC_SIZES = [("1M", 1_000_000, 5, 2), ("1k", 1_000, 40, 10), ("10k", 10_000, 20, 5),
             ("100k", 100_000, 10, 3)]
REF_SIZES = [("1k", 1_000, 20, 5), ("10k", 10_000, 5, 2), ("100k", 100_000, 2, 1)]


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def scenario_for(firms: int, base: LoadedScenario | None = None) -> LoadedScenario:
    """The baseline scenario with ``firms.scale`` set to give about ``firms`` firms."""
    base = base or load_scenario(BASELINE)
    scale = firms / FIRMS_PER_SCALE
    scn = base.scenario.model_copy(update={"firms": base.scenario.firms.model_copy(update={"scale": scale})})
    return dataclasses.replace(base, scenario=scn, resolved=scn.model_dump(mode="json"))


def release(model) -> None:
    """Mesa 3.3.1 keeps every model alive through ``Agent._ids`` (mesa/mesa#3179): let it go."""
    for m in (model, getattr(model, "__dict__", {}).get("env")):
        if isinstance(m, RegionalEconomy):
            m.release()
        elif m is not None:  # the per-agent reference
            m.close()
    gc.collect()


def rss_mb() -> float:
    """Current resident set size (MB), from /proc (Linux); peak via getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def settle_gc() -> None:
    """Before a timed loop, on both sides: collect, then move every object alive now (the model,
    the scenario, imported modules) to the permanent generation, so that a full collection
    triggered inside the timed steps does not traverse them. Without it one full collection
    (70-110 ms over ~114k objects) landing in the ~56 ms of timed steps at 10k firms moved the
    per-firm-step cost by up to 50% between repeats. Collections of objects made during the steps
    still run and are timed."""
    gc.collect()
    gc.freeze()


def time_vectorized(loaded: LoadedScenario, steps: int, start: float | None = None) -> dict:
    t0 = time.perf_counter()
    m = RegionalEconomy(loaded)
    build = time.perf_counter() - t0
    rec = Recorder()
    rec.collect(m)
    m.step()
    rec.collect(m)  # warm-up
    while start is not None and m.t < start - 1e-9:
        m.step()
        rec.collect(m)
    secs, cpus, firms = [], [], []
    settle_gc()
    for _ in range(steps):
        n = int(m.alive.sum())
        t, c = time.perf_counter(), time.process_time()
        m.step()
        rec.collect(m)
        secs.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        firms.append(n)
    out = {"firms": firms[0], "steps": steps, "build_s": build, "s_per_step": float(np.mean(secs)),
           "ns_per_firm_step": float(np.sum(secs) / np.sum(firms) * 1e9),
           "cpu_ns_per_firm_step": float(np.sum(cpus) / np.sum(firms) * 1e9),
           "array_len": len(m.firm_id), "from": float(m.t - steps * m.dt)}
    gc.unfreeze()
    release(m)
    del m, rec
    gc.collect()
    return out


def time_reference(loaded: LoadedScenario, steps: int, start: float | None = None) -> dict:
    t0 = time.perf_counter()
    m = MesaReference(loaded)
    build = time.perf_counter() - t0
    m.step()  # warm-up
    while start is not None and m.t < start - 1e-9:
        m.step()
    secs, cpus, firms = [], [], []
    settle_gc()
    for _ in range(steps):
        n = len(m.firms)
        t, c = time.perf_counter(), time.process_time()
        m.step()
        secs.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        firms.append(n)
    out = {"firms": firms[0], "steps": steps, "build_s": build, "s_per_step": float(np.mean(secs)),
           "ns_per_firm_step": float(np.sum(secs) / np.sum(firms) * 1e9),
           "cpu_ns_per_firm_step": float(np.sum(cpus) / np.sum(firms) * 1e9),
           "from": float(m.t - steps * m.dt)}
    gc.unfreeze()
    release(m)
    del m
    gc.collect()
    return out


def traced_bytes_per_firm(factory, loaded: LoadedScenario, steps: int = 2) -> float:
    """tracemalloc peak over build + ``steps`` steps, per base-year firm (bytes)."""
    gc.collect()
    tracemalloc.start()
    m = factory(loaded)
    rec = Recorder() if isinstance(m, RegionalEconomy) else None
    for _ in range(steps):
        m.step()
        if rec is not None:
            rec.collect(m)
    n = int(m.alive.sum()) if isinstance(m, RegionalEconomy) else len(m.firms)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    release(m)
    return peak / n


def default_run(path: Path = BASELINE) -> dict:
    t0 = time.perf_counter()
    m = RegionalEconomy(load_scenario(path))
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    rec.frame()
    out = {"s": time.perf_counter() - t0, "steps": m.n_steps, "firms_end": int(m.alive.sum())}
    release(m)
    return out


def cli_run() -> float:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "run.py"), str(BASELINE), "--quiet", "--out", tmp],
                       check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    import mesa
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem, 1),
            "python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__,
            "os": platform.platform()}


def profile_default(top: int = 15, path: Path = BASELINE) -> None:
    import cProfile
    import pstats
    print(f"## {path.name}")
    m = RegionalEconomy(load_scenario(path))
    rec = Recorder()
    rec.collect(m)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    prof.disable()
    st = pstats.Stats(prof, stream=sys.stdout)
    st.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps per size, no run.py run")
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    ap.add_argument("--profile", action="store_true", help="cProfile the default run and exit")
    args = ap.parse_args(argv)
    if args.profile:
        for path, _ in SCENARIOS.values():
            profile_default(path=path)
        return 0
    q = args.quick
    res: dict = {"machine": machine(), "quick": q, "loadavg_start": os.getloadavg()}
    rss0 = rss_mb()
    bases = {name: load_scenario(path) for name, (path, _) in SCENARIOS.items()}
    vec = {name: {} for name in SCENARIOS}
    ref = {name: {} for name in SCENARIOS}
    sizes = VEC_SIZES
    assert sizes[0][0] == "1M"
    for label, n, steps, steps_q in sizes[:1]:  # 1M first, both scenarios, so the process peak is theirs
        for name, (_, start) in SCENARIOS.items():
            log(f"vectorized {name} {label} ...")
            vec[name][label] = time_vectorized(scenario_for(n, bases[name]), steps_q if q else steps, start)
    res["peak_rss_mb_1m"] = peak_rss_mb()
    res["rss_before_mb"] = rss0
    for name, (_, start) in SCENARIOS.items():
        for label, n, steps, steps_q in sizes[1:]:
            log(f"vectorized {name} {label} ...")
            vec[name][label] = time_vectorized(scenario_for(n, bases[name]), steps_q if q else steps, start)
        for label, n, steps, steps_q in REF_SIZES:
            log(f"mesa reference {name} {label} ...")
            ref[name][label] = time_reference(scenario_for(n, bases[name]), steps_q if q else steps, start)
    log("memory per firm ...")
    base = bases["baseline"]
    res["bytes_per_firm_vec_100k"] = traced_bytes_per_firm(RegionalEconomy, scenario_for(100_000, base))
    res["bytes_per_firm_vec_100k_levers"] = traced_bytes_per_firm(RegionalEconomy,
                                                                  scenario_for(100_000, bases["levers"]))
    res["bytes_per_firm_ref_10k"] = traced_bytes_per_firm(MesaReference, scenario_for(10_000, base))
    log("default runs ...")
    d = default_run()
    res["default_run_s"] = d["s"]
    res["default_run_steps"] = d["steps"]
    res["default_run_firms_end"] = d["firms_end"]
    res["default_run_levers_s"] = default_run(SCENARIOS["levers"][0])["s"]
    if not q:
        log("run.py end to end ...")
        res["default_cli_s"] = cli_run()
    res["loadavg_end"] = os.getloadavg()
    res["vectorized"] = vec
    res["reference"] = ref
    for name in SCENARIOS:
        v, r = vec[name], ref[name]
        for label in ("1k", "10k", "100k"):
            res[f"speedup_{label}_{name}"] = r[label]["ns_per_firm_step"] / v[label]["ns_per_firm_step"]
            # the same from process CPU time: less sensitive to other jobs on a shared machine
            res[f"cpu_speedup_{label}_{name}"] = (r[label]["cpu_ns_per_firm_step"]
                                                  / v[label]["cpu_ns_per_firm_step"])
        for label in ("1k", "10k", "100k", "1M"):
            res[f"ns_per_firm_step_{label.lower()}_{name}"] = v[label]["ns_per_firm_step"]
            res[f"cpu_ns_per_firm_step_{label.lower()}_{name}"] = v[label]["cpu_ns_per_firm_step"]
        per = [v[k]["ns_per_firm_step"] for k in ("10k", "100k", "1M")]
        res[f"flatness_10k_1m_{name}"] = max(per) / min(per)
    # headline: the worse of the two scenarios
    for label in ("1k", "10k", "100k"):
        res[f"speedup_{label}"] = min(res[f"speedup_{label}_{n}"] for n in SCENARIOS)
    for label in ("1k", "10k", "100k", "1m"):
        res[f"ns_per_firm_step_{label}"] = max(res[f"ns_per_firm_step_{label}_{n}"] for n in SCENARIOS)
    res["flatness_10k_1m"] = max(res[f"flatness_10k_1m_{n}"] for n in SCENARIOS)
    res["targets"] = {
        "speedup_100k>=50": res["speedup_100k"] >= 50,
        "speedup_10k>=20": res["speedup_10k"] >= 20,
        "ns_per_firm_step_1m<=500": res["ns_per_firm_step_1m"] <= 500,
        "peak_rss_1m<1GB": res["peak_rss_mb_1m"] < 1024,
        "flat_10k_to_1m_within_2x": res["flatness_10k_1m"] <= 2.0,
    }
    print_table(res)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, default=float))
    return 0


def print_table(res: dict) -> None:
    mc = res["machine"]
    print(f"machine: {mc['cpu']}, {mc['cores']} cores, {mc['ram_gib']} GiB; Python {mc['python']}, "
          f"numpy {mc['numpy']}, Mesa {mc['mesa']}{' (--quick)' if res['quick'] else ''}; load average "
          f"{res['loadavg_start'][0]:.2f} at start, {res['loadavg_end'][0]:.2f} at end")
    print()
    print("| scenario | firms | Mesa reference s/step (steps) | µs/firm-step | vectorized s/step (steps) "
          "| ns/firm-step | speedup |")
    print("|---|---|---|---|---|---|---|")
    for name in SCENARIOS:
        vec, ref = res["vectorized"][name], res["reference"][name]
        for label in ("1k", "10k", "100k", "1M"):
            v = vec[label]
            r = ref.get(label)
            rcol = (f"{r['s_per_step']:.4f} ({r['steps']}) | {r['ns_per_firm_step'] / 1e3:.2f}" if r
                    else "not run | –")
            sp = f"{res[f'speedup_{label}_{name}']:.0f}×" if r else "–"
            print(f"| {name} | {v['firms']:,} | {rcol} | {v['s_per_step']:.4f} ({v['steps']}) "
                  f"| {v['ns_per_firm_step']:.0f} | {sp} |")
    print()
    print("from process CPU time (ns/firm-step, vectorized; speedup): " + "; ".join(
        f"{name} " + ", ".join(
            f"{lb} {res[f'cpu_ns_per_firm_step_{lb.lower()}_{name}']:.0f}"
            + (f" ({res[f'cpu_speedup_{lb}_{name}']:.0f}×)" if lb != "1M" else "")
            for lb in ("10k", "100k", "1M")) for name in SCENARIOS))
    print()
    print(f"peak RSS after the 1M-firm run: {res['peak_rss_mb_1m']:.0f} MB "
          f"(process before: {res['rss_before_mb']:.0f} MB)")
    print(f"tracemalloc peak per firm (build + 2 steps): vectorized {res['bytes_per_firm_vec_100k']:.0f} B "
          f"at 100k, Mesa reference {res['bytes_per_firm_ref_10k']:.0f} B at 10k")
    print(f"cost per firm-step, max/min over 10k..1M: " + ", ".join(
        f"{n} {res[f'flatness_10k_1m_{n}']:.2f}" for n in SCENARIOS))
    line = (f"default scenario ({res['default_run_steps']} steps, {res['default_run_firms_end']:,} firms "
            f"at the end): {res['default_run_s']:.2f} s build + run + collect "
            f"(jxn_transfer_zone {res['default_run_levers_s']:.2f} s)")
    if "default_cli_s" in res:
        line += f"; run.py end to end (figures, parquet) {res['default_cli_s']:.1f} s"
    print(line)
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in res["targets"].items()))


if __name__ == "__main__":
    sys.exit(main())
