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
