"""A copy of the project's data folder with one column of ``parks.csv`` set for every park: the
tests that need full parks (no free land) build their data this way."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.fingerprint import ROOT


def data_with_parks(tmp_path: Path, column: str, value: str) -> Path:
    """``scenarios/data`` copied to ``tmp_path/data`` with ``parks.csv``'s ``column`` = ``value`` in
    every row; returns the copy's folder."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "scenarios" / "data", data)
    with open(data / "parks.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r[column] = value
    with open(data / "parks.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return data
