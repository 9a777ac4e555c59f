"""The model code's version: one hash of the model's source, which sweeps name their runs by
(``sim/experiments/sweep.py``) and a posterior records it was fitted with (``sim/calibration``).

A leaf module, so that the scenario loader can compare a posterior's ``code_version`` with this
code without importing the experiments (which import the scenario loader).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SIM = Path(__file__).resolve().parent
# modules that only run or read sweeps, draw figures, write reports, serve the dashboard or check
# theory (paths under sim/; a folder ends with /): editing them does not invalidate a sweep's
# finished runs or a posterior
NOT_MODEL = ("experiments/", "calibration/", "outputs/plots.py", "outputs/plot_channels.py", "outputs/maps.py", "outputs/compare.py", "outputs/headline.py", "outputs/report/",
             "dashboard/", "checks/closed_forms.py", "checks/theory.py", "checks/stylized.py",
             "checks/figures.py", "checks/validate.py")


def code_version() -> str:
    """Hash of the model's source: every ``sim/**/*.py`` (with its path under sim/) except
    ``NOT_MODEL``, the modules that only run or read sweeps."""
    h = hashlib.sha256()
    for f in sorted(SIM.rglob("*.py")):
        rel = f.relative_to(SIM).as_posix()
        if rel.startswith(NOT_MODEL):
            continue
        h.update(rel.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
