"""Run folders: written to a temporary folder and renamed into place when complete; never
overwritten. Holds manifest.json, summary.json, trajectories.parquet and figures/."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path


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


def new_run_dir(out: Path, name: str, seed: int, shash: str) -> tuple[Path, Path]:
    """(temporary folder to write into, final folder name); the final folder does not exist yet."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}_{name}_s{seed}_{shash[:8]}"
    final = out / base
    k = 1
    while final.exists():
        k += 1
        final = out / f"{base}-{k}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{base}-", dir=out))
    return tmp, final


def finish(tmp: Path, final: Path) -> Path:
    if final.exists():
        raise FileExistsError(f"{final} appeared while writing; refusing to overwrite")
    os.rename(tmp, final)
    return final.resolve()


def abandon(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def code_hash() -> str:
    """Hash of the simulator's source (sim/*.py, run.py): a reused result must come from this code."""
    import hashlib
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted([*root.glob("*.py"), root.parent / "run.py"]):
        if f.exists():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def find_reusable(out: Path, name: str, seed: int, shash: str, until) -> Path | None:
    """A complete result folder in ``out`` for the same resolved scenario, seed, ``--until`` and code."""
    if not out.is_dir():
        return None
    code = code_hash()
    for d in sorted(out.glob(f"*_{name}_s{seed}_{shash[:8]}*")):
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
