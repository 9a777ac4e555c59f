"""Run folders: written to a temporary folder and renamed into place when complete; never
overwritten. Holds manifest.json, summary.json, trajectories.parquet and figures/.

Crash safety (docs/decisions.md): a result folder appears only by one ``rename`` of a hidden
``.tmp-*`` folder whose files have been flushed to disk, so a run killed at any moment leaves
either a complete folder or none. A killed run may leave its hidden ``.tmp-*`` folder behind:
nothing reads those (``find_reusable`` and ``rerun`` skip hidden names) and a later run in the
same folder removes the ones older than :data:`STALE_TMP_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import platform
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

STALE_TMP_SECONDS = 6 * 3600  # a run writes its folder in seconds; older .tmp-* folders are dead


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in ("mesa", "numpy", "scipy", "matplotlib", "pyyaml", "pydantic", "pyarrow", "pandas"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "missing"
    return out


def git_commit() -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                           cwd=Path(__file__).resolve().parent)
        return r.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def environment() -> dict[str, str]:
    """Thread settings that could change floating-point results (recorded in the manifest)."""
    keys = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED")
    return {k: os.environ.get(k, "") for k in keys} | {"platform": platform.platform(),
                                                       "machine": platform.machine()}


def clean_stale_tmp(out: Path, max_age: float = STALE_TMP_SECONDS) -> list[Path]:
    """Remove hidden ``.tmp-*`` folders in ``out`` left by killed runs (older than ``max_age`` s)."""
    import time
    removed = []
    now = time.time()
    try:
        entries = list(out.iterdir())
    except OSError:
        return removed
    for d in entries:
        try:
            if d.name.startswith(".tmp-") and d.is_dir() and now - d.stat().st_mtime > max_age:
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d)
        except OSError:
            continue
    return removed


def new_run_dir(out: Path, name: str, seed: int, shash: str) -> tuple[Path, Path]:
    """(temporary folder to write into, final folder name); the final folder does not exist yet."""
    out.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(out)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}_{name}_s{seed}_{shash[:8]}"
    final = out / base
    k = 1
    while final.exists():
        k += 1
        final = out / f"{base}-{k}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{base}-", dir=out))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it 0700; a result folder is an ordinary folder
    return tmp, final


def _fsync_tree(root: Path) -> None:
    """Flush every file under ``root`` and the folders themselves to disk (survives power loss)."""
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            try:
                fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def finish(tmp: Path, final: Path) -> Path:
    """Rename the complete ``tmp`` into place under ``final`` or, if that name has been taken in
    the meantime, the next free ``final-2``, ``final-3``...: an existing folder is never replaced."""
    _fsync_tree(tmp)
    base, k = final.name, 1
    while True:
        if not final.exists():
            try:
                os.rename(tmp, final)  # atomic; fails on an existing non-empty folder
                break
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        k += 1
        final = final.parent / f"{base}-{k}"
    _fsync_dir(final.parent)
    return final.resolve()


def abandon(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def code_hash() -> str:
    """Hash of the simulator's source (every ``sim/**/*.py`` and run.py, each with its path relative
    to the checkout): a reused result must come from this code."""
    import hashlib
    sim = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted([*sim.rglob("*.py"), sim.parent / "run.py"]):
        if f.exists():
            h.update(f.relative_to(sim.parent).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def find_reusable(out: Path, name: str, seed: int, shash: str, until) -> Path | None:
    """A complete result folder in ``out`` for the same resolved scenario, seed, ``--until`` and code."""
    if not out.is_dir():
        return None
    code = code_hash()
    for d in sorted(out.glob(f"*_{name}_s{seed}_{shash[:8]}*")):
        if d.name.startswith("."):  # a hidden .tmp-* folder is incomplete by definition
            continue
        m, s = d / "manifest.json", d / "summary.json"
        if not (m.is_file() and s.is_file() and (d / "trajectories.parquet").is_file()):
            continue
        try:
            man = read_json(m)
        except (OSError, ValueError):
            continue
        if (man.get("scenario_hash") == shash and man.get("seed") == seed and man.get("until") == until
                and man.get("code_hash") == code):
            return d.resolve()
    return None
