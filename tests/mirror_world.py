"""A synthetic world of two mirror-image cities A and B (copies of 四平: the same sectors, GDP,
wages, one park each, a copy of 四平红嘴 ETDZ) at the same distance from one origin region O (a copy
of 长三角), for the tests of city governments (tests/test_governments.py). ``road_to_a``: a road
project ``fast_a`` that cuts A's travel time to O (opens 2023), the asymmetric shock."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from tests.fingerprint import ROOT

SRC = ROOT / "scenarios" / "data"
KEEP = ("sector_params.csv", "national.csv", "modes.csv")


def _read(name: str) -> list[dict]:
    with open(SRC / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(folder: Path, name: str, rows: list[dict], fields: list[str] | None = None) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields or list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def mirror_data(tmp_path: Path) -> Path:
    """The data folder (``tmp_path/data``)."""
    data = tmp_path / "data"
    data.mkdir()
    for name in KEEP:
        shutil.copy(SRC / name, data / name)
    _write(data, "province_sectors.csv", [r for r in _read("province_sectors.csv") if r["province"] == "Jilin"])
    xy = {"A": (43.0, 124.0), "B": (43.0, 126.0), "O": (41.0, 125.0)}
    sp = next(r for r in _read("cities.csv") if r["id"] == "四平")
    _write(data, "cities.csv", [{**sp, "id": c, "name_en": c, "node": c, "lat": xy[c][0], "lon": xy[c][1],
                                 "six_city": "1", "jxn_zone": "0"} for c in "AB"])
    rows = [r for r in _read("city_sectors.csv") if r["city"] == "四平"]
    _write(data, "city_sectors.csv", [{**r, "city": c} for c in "AB" for r in rows])
    pk = next(r for r in _read("parks.csv") if r["id"] == "siping_hongzui_etdz")
    _write(data, "parks.csv", [{**pk, "id": f"park_{c}", "name_zh": f"园区{c}", "city": c, "node": c} for c in "AB"])
    og = next(r for r in _read("origins.csv") if r["id"] == "长三角")
    _write(data, "origins.csv", [{**og, "node": "O", "lat": xy["O"][0], "lon": xy["O"][1]}])
    inv = {r["origin"]: r for r in _read("investors.csv")}
    local = float(inv["local"]["share"])
    _write(data, "investors.csv", [inv["local"], {**inv["长三角"], "share": f"{1 - local:.6f}"}])
    node = _read("nodes.csv")[0]
    _write(data, "nodes.csv", [{**node, "id": n, "name_en": n, "kind": "city" if n != "O" else "origin",
                                "city": n if n != "O" else "", "lat": xy[n][0], "lon": xy[n][1]} for n in "ABO"])
    link = _read("links.csv")[0]
    _write(data, "links.csv", [{**link, "from": a, "to": b, "mode": "road", "minutes": m, "opened": "1990"}
                               for a, b, m in (("A", "O", 300), ("B", "O", 300), ("A", "B", 120))])
    proj = _read("projects.csv")[0]
    _write(data, "projects.csv", [{**proj, "id": "fast_a", "name_zh": "A 快速路", "from": "A", "to": "O",
                                   "mode": "road", "minutes_after": "60", "completion": "2023"}])
    cost = _read("project_costs.csv")[0]
    _write(data, "project_costs.csv", [{**cost, "id": "fast_a", "name_zh": "A 快速路", "city_payers": "A:1"}])
    return data


def mirror_scenario(tmp_path: Path, city_policy, road_to_a: bool = False, end: int = 2030,
                    seed: int = 1, **extra) -> Path:
    """A scenario file over the mirror world (built once per ``tmp_path``)."""
    if not (tmp_path / "data").exists():
        mirror_data(tmp_path)
    scn = {"name": "mirror", "data_dir": "data", "seed": seed,
           "horizon": {"start": 2022, "end": end, "steps_per_year": 4}, "firms": {"scale": 1.0},
           "transport_projects": ["fast_a"] if road_to_a else [], "city_policy": city_policy, **extra}
    path = tmp_path / f"mirror_{abs(hash((str(city_policy), road_to_a, end, seed))) % 10**8}.yaml"
    path.write_text(yaml.safe_dump(scn, allow_unicode=True), encoding="utf-8")
    return path
