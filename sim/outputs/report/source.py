"""Reading the folder a report is about: detect its kind (run, ensemble, comparison) from its files,
find the run folders it lists, and read the places (parks and cities with coordinates) from the
run's data folder. A folder of none of the kinds is the user's mistake (one line, exit 2)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import UserError
from .numbers import num

KINDS = ("run", "ensemble", "comparison")
EXPECTED = ("expected a result folder (run.py SCENARIO), an ensemble folder (run.py SCENARIO "
            "--replicates N) or a comparison folder (run.py compare BASE POLICY ...)")


def read_json(path: Path, what: str):
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(str(path), message=f"report: {path}: unreadable ({type(exc).__name__}); "
                                           f"expected the JSON {what}") from None
    if not isinstance(obj, dict):
        raise UserError(str(path), message=f"report: {path}: not a JSON object; expected the {what}")
    return obj


def _need(d: dict, key: str, path: Path, what: str):
    if key not in d:
        raise UserError(str(path), message=f"report: {path}: no key {key!r}; expected the {what}")
    return d[key]


@dataclass
class Source:
    kind: str
    folder: Path
    summary: dict
    names: list[str]
    runs: dict[str, list[Path]]
    missing: list[str] = field(default_factory=list)
    _frames: dict = field(default_factory=dict)
    _manifests: dict = field(default_factory=dict)
    _summaries: dict = field(default_factory=dict)

    def frames(self, name: str) -> list:
        import pandas as pd
        if name not in self._frames:
            self._frames[name] = [pd.read_parquet(p / "trajectories.parquet") for p in self.runs[name]]
        return self._frames[name]

    def manifest(self, name: str) -> dict | None:
        if name not in self._manifests:
            runs = self.runs.get(name) or []
            self._manifests[name] = read_json(runs[0] / "manifest.json", "manifest of a run") if runs else None
        return self._manifests[name]

    def title(self, name: str, lang: str) -> str:
        """How the report names scenario ``name``: its ``title`` in ``lang`` (the folder's
        ``summary.json`` ``titles``/``title``, else the run's manifest), else the other language's,
        else the name itself (names stay in file and folder names)."""
        import re
        m = re.fullmatch(r"(.+) \(targets of (.+)\)", name)  # compare's baseline row of a policy's targets
        if m:
            base, pol = (self.title(x, lang) for x in m.groups())
            return f"{base}（按{pol}的目标）" if lang == "zh" else f"{base} (targets of {pol})"
        t = (self.summary.get("titles") or {}).get(name)
        if t is None and name == self.summary.get("scenario"):
            t = self.summary.get("title")
        if t is None and self.runs.get(name):
            t = ((self.manifest(name) or {}).get("resolved_scenario") or {}).get("title")
        t = t or {}
        return t.get(lang) or t.get("en" if lang == "zh" else "zh") or name

    def run_summaries(self, name: str) -> list[dict]:
        if name not in self._summaries:
            self._summaries[name] = [read_json(p / "summary.json", "summary of a run") for p in self.runs[name]]
        return self._summaries[name]


def _locate_run(p: str, folder: Path) -> Path | None:
    """A run folder named in a summary: where it was written, or next to the source folder (moved)."""
    for cand in (Path(p), folder.parent / Path(p).name):
        if (cand / "trajectories.parquet").is_file() and (cand / "manifest.json").is_file():
            return cand
    return None


def load_source(folder: Path) -> Source:
    """Detect the kind of ``folder`` from its files; a folder of none of the kinds is the user's mistake."""
    if not folder.exists():
        raise UserError(str(folder), message=f"report: {folder}: no such folder; {EXPECTED}")
    if not folder.is_dir():
        raise UserError(str(folder), message=f"report: {folder}: not a folder; {EXPECTED}")
    has = {n: (folder / n).is_file() for n in ("manifest.json", "summary.json", "trajectories.parquet",
                                               "cost_effectiveness.csv", "targets.csv")}
    sp = folder / "summary.json"
    if has["summary.json"] and has["cost_effectiveness.csv"]:
        s = read_json(sp, "summary of a comparison")
        base = _need(s, "base", sp, "summary of a comparison")
        pols = _need(s, "policies", sp, "summary of a comparison")
        runs_in = _need(s, "runs", sp, "summary of a comparison")
        names = [base, *pols]
        src = Source("comparison", folder, s, names, {})
        for n in names:
            src.runs[n] = []
            for p in runs_in.get(n, []):
                loc = _locate_run(p, folder)
                (src.runs[n].append(loc) if loc else src.missing.append(str(p)))
        return src
    if has["manifest.json"] and has["summary.json"] and has["trajectories.parquet"]:
        s = read_json(sp, "summary of a run")
        name = _need(s, "scenario", sp, "summary of a run")
        read_json(folder / "manifest.json", "manifest of a run")
        return Source("run", folder, s, [name], {name: [folder]})
    if has["summary.json"] and has["targets.csv"]:
        s = read_json(sp, "summary of an ensemble")
        if "runs" in s and "scenario" in s and "region" in s:
            name = s["scenario"]
            src = Source("ensemble", folder, s, [name], {name: []})
            for p in s["runs"]:
                loc = _locate_run(p, folder)
                (src.runs[name].append(loc) if loc else src.missing.append(str(p)))
            return src
    found = ", ".join(n for n, ok in has.items() if ok) or "none of their files"
    raise UserError(str(folder), message=f"report: {folder}: not a result, ensemble or comparison folder "
                                         f"(found {found}); {EXPECTED}")


def read_csv(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def places(manifest: dict | None, others: list | tuple = ()) -> dict:
    """{'parks': {id: (lat, lon, name_zh, city)}, 'cities': {id: (lat, lon)}, 'city_en': {id: name},
    'leading': {park id: [leading sectors]}, 'zone': [the jxn_zone cities]}
    from the run's data folder and the new parks of its scenario and of the ``others`` (manifests
    of the other scenarios of a comparison: a joint park only a policy builds is one of the
    places); empty when the data folder is gone."""
    out = {"parks": {}, "cities": {}, "city_en": {}, "leading": {}, "zone": []}
    if not manifest:
        return out
    d = Path(str(manifest.get("data_dir", "")))
    nodes = {r["id"]: r for r in read_csv(d / "nodes.csv")}
    cities = {r["id"]: r for r in read_csv(d / "cities.csv")}
    out["zone"] = [c for c, r in cities.items() if str(r.get("jxn_zone", "")).strip().lower() in ("1", "true")]
    for c, r in cities.items():
        out["city_en"][c] = (r.get("name_en") or c).split(" (")[0].strip()
        if num(r.get("lat")) is not None:
            out["cities"][c] = (float(r["lat"]), float(r["lon"]))
    rows = read_csv(d / "parks.csv")
    rows += [dict(p, node=p.get("node") or cities.get(p.get("city"), {}).get("node", p.get("city")))
             for m in (manifest, *[o for o in others if o])
             for p in (m.get("resolved_scenario") or {}).get("new_parks", [])]
    for r in rows:
        n = nodes.get(r.get("node") or "")
        if n is None or num(n.get("lat")) is None:
            continue
        out["parks"].setdefault(r["id"], (float(n["lat"]), float(n["lon"]), r.get("name_zh", r["id"]),
                                           r.get("city", "")))
        lead = r.get("leading_sectors", r.get("leading", ""))  # data rows: "a;b"; new parks: a list
        out["leading"].setdefault(r["id"], lead if isinstance(lead, list) else [x for x in str(lead).split(";") if x])
    return out


def park_name(geo: dict, pid: str, zh: bool) -> str:
    """How a park is named: its Chinese name in the Chinese report, its id in the English one;
    the id when it has no name."""
    if not zh:
        return pid
    return (geo.get("parks", {}).get(pid) or (0, 0, pid))[2] or pid
