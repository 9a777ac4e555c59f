"""Loading a scenario: ``extends`` inheritance, ``--set`` overrides, path confinement, validation
against the schema, date checks, and one-line error messages.

``extends: other.yaml`` paths are relative to the file (cycles are an error); ``extends`` and
``data_dir`` may point only inside the scenario file's folder tree or the project's ``scenarios/``
(docs/decisions.md). Lists of entries with ``id`` (:data:`ID_LISTS`) merge by id.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from ..dates import parse_date
from ..errors import ScenarioError
from .keys import ID_LISTS, SCHEDULE_FIELDS, KeyPathError, set_dotted
from .origins import EntryFiles, shown
from .posterior import apply_central, central_record, declared_path
from .posterior import read as read_posterior_key
from .schema import Scenario, Trends
from .yaml_file import read_yaml_mapping


def _merge_by_id(base: list, over: list) -> list:
    """Lists of entries with ``id``: an entry with a parent's id is merged into it, new ids are
    appended; so a child scenario changes a few levers without repeating the others."""
    out = copy.deepcopy(base)
    index = {e.get("id"): i for i, e in enumerate(out) if isinstance(e, dict)}
    for e in over:
        i = index.get(e.get("id")) if isinstance(e, dict) else None
        if i is None:
            out.append(copy.deepcopy(e))
        else:
            out[i] = {**out[i], **copy.deepcopy(e)}  # keys the child names replace the parent's
    return out


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        elif k in ID_LISTS and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_by_id(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


SCENARIOS_ROOT = Path(os.path.normpath(Path(__file__).resolve().parents[2] / "scenarios"))  # sim/scenario/load.py -> repo


def _lexical(p: Path) -> Path:
    """Absolute path with ``..`` removed, symlinks not followed (what the file's text says)."""
    return Path(os.path.normpath(os.path.abspath(p)))


def allowed_roots(top: str | Path) -> tuple[Path, ...]:
    """Folders a scenario file may point into with ``extends`` and ``data_dir``: the folder tree of
    the scenario file given on the command line and the project's ``scenarios/`` (docs/decisions.md)."""
    top = Path(top)
    roots = [_lexical(top).parent, SCENARIOS_ROOT]
    if top.exists():
        roots.append(top.resolve().parent)
    return tuple(dict.fromkeys(roots))


def _inside(p: Path, roots: tuple[Path, ...]) -> bool:
    return any(p == r or r in p.parents for r in roots)


def _check_inside(src: str, key: str, value: str, target: Path, roots: tuple[Path, ...]) -> None:
    if not (_inside(_lexical(target), roots) or (target.exists() and _inside(target.resolve(), roots))):
        raise ScenarioError(src, key, value, (
            f"a path inside {' or '.join(str(r) for r in roots)} (a scenario file may not point "
            f"outside its own folder tree or the project's scenarios/; give other data folders "
            f"with --set data_dir=...)"))


def _resolve_extends(path: Path, chain: tuple[Path, ...],
                     roots: tuple[Path, ...] | None = None,
                     origins: dict | None = None) -> tuple[dict, list[Path]]:
    """The merged mapping of ``path`` and its ``extends`` chain, and the files read (parent first).
    ``origins`` (if given) gets the file that set each of :data:`FILE_RELATIVE` last."""
    roots = allowed_roots(path) if roots is None else roots
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(chain[-1]), "extends", path.name,
                            f"no cycle in extends (found {cycle})")
    raw = read_yaml_mapping(path)
    files = [path]
    parent = raw.get("extends")
    if parent is None:
        _note_origins(origins, raw, path)
        return raw, files
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(path), "extends", parent, "the path of another scenario file")
    ppath = (path.parent / parent)
    _check_inside(str(path), "extends", parent, ppath, roots)
    if not ppath.exists():
        raise ScenarioError(str(path), "extends", parent, "an existing scenario file")
    base, pfiles = _resolve_extends(ppath, (*chain, path), roots, origins)
    base.pop("title", None)  # a title names the file that sets it (PRESENTATION_KEYS)
    _note_origins(origins, raw, path)  # after the parent's: the child's value wins
    merged = deep_merge(base, {k: v for k, v in raw.items() if k != "extends"})
    merged["extends"] = parent
    return merged, pfiles + files


FILE_RELATIVE = ("posterior",)  # keys whose path is relative to the file that sets them


def _note_origins(origins: dict | None, raw: dict, path: Path) -> None:
    """Record in ``origins`` the file that sets each of :data:`FILE_RELATIVE`, and for each entry of
    an id list (``(list, id)``) the files that mention it with the keys each sets, parent first
    (so that an error in a merged entry names the user's file and the entry's id)."""
    if origins is None:
        return
    for k in FILE_RELATIVE:
        if k in raw:
            origins[k] = path
    for name in ID_LISTS:
        for e in raw.get(name) or () if isinstance(raw.get(name), list) else ():
            if isinstance(e, dict) and isinstance(e.get("id"), (str, int)):
                origins.setdefault((name, str(e["id"])), []).append((path, set(e)))


def parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ScenarioError("--set", text, text, "key=value (e.g. parameters.beta=5)")
    key, _, val = text.partition("=")
    key = key.strip()
    if not key or any(not p for p in key.split(".")):
        raise ScenarioError("--set", key, text, "a dotted key such as parameters.beta")
    try:
        value = yaml.safe_load(val) if val.strip() else ""
    except yaml.YAMLError:
        value = val
    return key.split("."), value


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """``--set`` overrides on a merged scenario mapping, by the one rule of
    :func:`sim.scenario.keys.set_dotted` (lever entries by id, dated schedules kept)."""
    out = copy.deepcopy(data)
    for text in overrides:
        parts, value = parse_override(text)
        try:
            set_dotted(out, ".".join(parts), value, create=True)
        except KeyPathError as e:
            raise ScenarioError("--set", e.key, text, e.expected) from None
    return out


def _entry_key(loc: list[str], data: dict, origins: dict | None, src: str) -> tuple[str, str, str | None]:
    """(file, dotted key, entry id) of an error at ``loc``: an entry of an id list is named by its id
    (``levers.jxn_land.value``, the path ``--set`` takes) and the file is the last one in the
    ``extends`` chain that sets the failing key of that entry (or mentions the entry)."""
    if len(loc) >= 2 and loc[0] in ID_LISTS and loc[1].isdigit() and loc[2:3] != ["id"]:
        entries = data.get(loc[0])
        j = int(loc[1])
        if isinstance(entries, list) and j < len(entries) and isinstance(entries[j], dict) \
                and isinstance(entries[j].get("id"), (str, int)):
            ident = str(entries[j]["id"])
            key = ".".join([loc[0], ident, *loc[2:]])
            files = EntryFiles(src, (), {k: v for k, v in (origins or {}).items() if isinstance(k, tuple)})
            return files.file(loc[0], ident, loc[2] if len(loc) > 2 else None), key, ident
    return src, ".".join(loc) if loc else "(top level)", None


def _format_validation_error(src: str, exc: ValidationError, data: dict,
                             origins: dict | None = None) -> ScenarioError:
    errors = exc.errors()
    first = _user_loc(errors[0])
    # a value that may take several forms (a number or a {year: number} mapping) fails once per
    # form; the deepest failure under the same key names the element the user got wrong
    err = max((e for e in errors if _user_loc(e)[:len(first)] == first), key=lambda e: len(_user_loc(e)))
    loc = _user_loc(err)
    src, key, ident = _entry_key(loc, data, origins, src)
    value = err.get("input")
    etype = err.get("type", "")
    msg = err.get("msg", "")
    if etype == "missing" and ident is not None and origins and _looks_like_override(
            loc[0], ident, loc[2] if len(loc) > 2 else None, origins):
        new = _new_in_child(loc[0], ident, origins)
        if new is not None:
            return new
    if etype == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return ScenarioError(src, key, value,
                             f"a known key (unknown key; allowed here: {', '.join(allowed)})"
                             if allowed else "a known key")
    if etype == "missing":
        return ScenarioError(src, key, None, "this required key")
    expected = msg
    for prefix in ("Value error, ", "Assertion failed, "):
        expected = expected.removeprefix(prefix)
    expected = expected.removeprefix("Input should be ").removeprefix("input should be ")
    expected = expected[0].lower() + expected[1:] if expected else "a valid value"
    if etype == "string_pattern_mismatch":  # ids and names: say it in words, not as a regex
        expected = "letters, digits, '_', '-' or '.' only (no spaces)"
    if isinstance(value, dict):  # a whole entry failed a cross-field check: name it, not its dump
        ident = f" (id {value['id']!r})" if isinstance(value.get("id"), str) else ""
        return ScenarioError(src, key, message=f"{src}: {key}{ident}: expected {expected}")
    return ScenarioError(src, key, value, expected)


# pydantic's names of the forms a value may take, which it inserts in an error's location
_FORM_TAGS = re.compile(r"^(float|int|str|bool|list|dict|none|tuple|set|function-.*|.*\[.*\])$")


def _user_loc(err: dict) -> list[str]:
    """The error's location as the user wrote it: keys and list indices, no pydantic form tags."""
    return [str(p) for p in err.get("loc", ()) if not (isinstance(p, str) and _FORM_TAGS.match(p))]


def _looks_like_override(name: str, ident: str, missing: str | None, origins: dict) -> bool:
    """An incomplete entry meant to change a parent's entry, not to add one: a lever without its
    ``kind``, or an entry to which the files give one key besides its id."""
    keys = set().union(*(k for _, k in origins.get((name, ident), [])))
    return (name == "levers" and missing == "kind") or len(keys - {"id"}) <= 1


def _new_in_child(name: str, ident: str, origins: dict) -> ScenarioError | None:
    """An incomplete entry that a child scenario names and none of its parents has: most likely a
    mistyped id of one of the parents' entries (``origins["files"]``: the chain, parent first)."""
    chain = origins.get("files", [])
    files = origins.get((name, ident), [])
    if not files or files[0][0] not in chain or chain.index(files[0][0]) == 0:
        return None  # defined in the first file of the chain: an ordinary missing key
    child = files[0][0]
    parents = chain[:chain.index(child)]
    where = shown(child)
    known = sorted(i for k, fl in origins.items() if isinstance(k, tuple) and k[0] == name
                   for i in [k[1]] if any(f in parents for f, _ in fl))
    return ScenarioError(where, f"{name}.{ident}", message=(
        f"{where}: {name}.{ident}: not in the parent scenario {parents[-1].name} (its {name}: "
        f"{', '.join(known) or 'none'}); to change one of those use its id; a new entry needs all "
        f"its required keys"))


def _allowed_keys(loc: list[str]) -> list[str]:
    model: Any = Scenario
    for p in loc:
        if p.isdigit():  # an entry of a list: the list's item model
            continue
        field = getattr(model, "model_fields", {}).get(p)
        if field is None:
            return []
        model = field.annotation
        if not hasattr(model, "model_fields"):  # list[Lever], Optional[...]: the model inside
            model = next((a for a in get_args(model) if hasattr(a, "model_fields")), model)
    return sorted(getattr(model, "model_fields", {}).keys())


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from."""

    scenario: Scenario
    path: Path | None
    files: tuple[Path, ...]
    resolved: dict
    overrides: tuple[str, ...]
    # the scenario as written (files merged, ``--set`` applied, no defaults): what it sets itself
    given: dict | None = field(default=None, compare=False, repr=False)
    # the posterior it takes its parameters from, for the manifest (sim/scenario/posterior.py)
    posterior: dict | None = field(default=None, compare=False, repr=False)
    # which file of the extends chain set each entry of the id lists (for errors found later)
    origins: dict | None = field(default=None, compare=False, repr=False)

    @property
    def sources(self) -> EntryFiles:
        """The scenario file for one-line errors about its entries (sim/scenario/origins.py)."""
        top = str(self.path) if self.path else "<scenario>"
        o = self.origins or {}
        return EntryFiles(top, o.get("files", ()), {k: v for k, v in o.items() if isinstance(k, tuple)})

    @property
    def data_dir(self) -> Path:
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.scenario.data_dir).resolve()

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved scenario without its presentation keys (``hashed_view``)."""
        blob = json.dumps(hashed_view(self.resolved), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
    """Read, resolve ``extends``, apply ``--set`` overrides and validate a scenario file."""
    p = Path(path)
    roots = allowed_roots(p)
    origins: dict = {}
    data, files = _resolve_extends(p, (), roots, origins)
    origins["files"] = files
    from_files = data.get("data_dir")
    data = apply_overrides(data, list(overrides))
    if isinstance(from_files, str) and data.get("data_dir") == from_files:  # not given with --set
        _check_inside(str(p), "data_dir", from_files, p.parent / from_files, roots)
    given = copy.deepcopy(data)
    post = _posterior(data, p, origins, overrides, roots)
    applied = explicit = None
    if post is not None:
        data, applied, explicit = apply_central(data, post[0], str(post[1]))
    ls = validate_scenario(data, src=str(p), path=p.resolve(), files=tuple(files),
                           overrides=tuple(overrides), origins=origins)
    rec = None if post is None else central_record(post[0], str(post[1]), ls.data_dir, applied, explicit)
    return replace(ls, given=given, posterior=rec, origins=origins)


def _posterior(data: dict, top: Path, origins: dict, overrides, roots):
    """(Posterior, the file that names it) of the scenario's ``posterior:`` key, or None."""
    value = data.get("posterior")
    if value is None:
        return None
    by_set = any(parse_override(t)[0] == ["posterior"] for t in overrides)
    declared_in = top if by_set or "posterior" not in origins else origins["posterior"]
    where = str(declared_in) if not by_set else "--set"
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(where, "posterior", value, "the path of a posterior file (posterior.json)")
    target = declared_path(value, declared_in)
    if not by_set:
        _check_inside(where, "posterior", value, target, roots)
    return read_posterior_key(target, f"{where}: posterior"), declared_in


def check_dates(scn: Scenario, src: str) -> None:
    """Every date in a scenario lies inside its declared horizon (``horizon.start`` to the end of
    ``horizon.end``); ``--until`` only shortens a run and makes no date invalid."""
    h = scn.horizon
    lo, hi = float(h.start), float(h.end + 1)
    expected = (f"a date from {h.start} to {h.end}-12 (the scenario's horizon; "
                f"--until does not change it)")

    def check(key: str, raw: Any) -> None:
        try:
            d = parse_date(raw)
        except ValueError:
            raise ScenarioError(src, key, raw, "a date like 2024, 2026-07 or 2025Q2") from None
        if not lo - 1e-9 <= d < hi - 1e-9:
            raise ScenarioError(src, key, raw, expected)

    for lv in scn.levers:
        for fld in SCHEDULE_FIELDS:
            v = getattr(lv, fld)
            if isinstance(v, dict):
                for k in v:
                    check(f"levers.{lv.id}.{fld}.{k}", k)
    for which in ("income_growth", "wage_growth", "land_price_growth", "population_growth"):
        for place, v in getattr(scn.trends, which).items():
            if isinstance(v, dict):
                for k in v:
                    check(f"trends.{which}.{place}.{k}", k)
    for npk in scn.new_parks:
        check(f"new_parks.{npk.id}.opens", npk.opens)
    for a in scn.anchors:
        check(f"anchors.{a.id}.starts", a.starts)
    for kp in scn.known_projects:
        check(f"known_projects.{kp.id}.date", kp.date)
    for t in scn.targets:
        if not h.start < t.year <= h.end:
            raise ScenarioError(src, f"targets.{t.id}.year", t.year,
                                f"a year after {h.start} and at most {h.end} (the scenario's horizon)")
        if t.since is not None and not h.start <= t.since:
            raise ScenarioError(src, f"targets.{t.id}.since", t.since,
                                f"a year from {h.start} (the base year) before the target's year")


def check_trend_places(trends: Trends, markets: list[str], cities: list[str], src: str) -> None:
    """Trend keys are place ids from the data (or ``default``); an unknown one is a mistake."""
    for which in ("income_growth", "wage_growth", "land_price_growth", "population_growth"):
        known = cities if which == "population_growth" else markets
        for place in getattr(trends, which):
            if place != "default" and place not in known:
                raise ScenarioError(src, f"trends.{which}.{place}", place,
                                    f"a place id ({', '.join(known)}) or default")


# keys that only say how a scenario is shown (its ``title``; a target's Chinese label and source):
# in the manifest's resolved scenario, never in its hash, so titling a scenario reuses its runs and
# changes no run, sweep or calibration id
PRESENTATION_KEYS = ("title",)
PRESENTATION_ITEM_KEYS = {"targets": ("label_zh", "source_zh")}


def resolved_dict(scen: Scenario) -> dict:
    """Every key of a validated scenario (written to the manifest; ``hashed_view`` is what is
    hashed); without a ``posterior:`` or a ``title:`` the key is left out, and so is a default
    ``city_policy`` (fixed), so the hashes and manifests of scenarios without one stay as they were."""
    resolved = scen.model_dump(mode="json")
    for k in ("posterior", *PRESENTATION_KEYS):
        if resolved.get(k) is None:
            resolved.pop(k, None)
    if scen.city_policy == type(scen.city_policy)():
        resolved.pop("city_policy", None)
    for block, keys in PRESENTATION_ITEM_KEYS.items():
        for item in resolved.get(block, []):
            for k in keys:
                if item.get(k) is None:
                    item.pop(k, None)
    return resolved


def hashed_view(resolved: dict) -> dict:
    """The resolved scenario as hashed: without ``PRESENTATION_KEYS`` (and the items' keys of
    ``PRESENTATION_ITEM_KEYS``)."""
    out = {k: v for k, v in resolved.items() if k not in PRESENTATION_KEYS}
    for block, keys in PRESENTATION_ITEM_KEYS.items():
        if isinstance(out.get(block), list):
            out[block] = [{k: v for k, v in item.items() if k not in keys} if isinstance(item, dict) else item
                          for item in out[block]]
    return out


def validate_scenario(data: dict, src: str = "<scenario>", path: Path | None = None,
                      files: tuple[Path, ...] = (), overrides: tuple[str, ...] = (),
                      origins: dict | None = None) -> LoadedScenario:
    """Validate a merged scenario mapping; ``origins`` (from :func:`load_scenario`) lets an error
    name the file in the ``extends`` chain that set the failing key."""
    try:
        scen = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation_error(src, exc, data, origins) from None
    check_dates(scen, src)
    resolved = resolved_dict(scen)
    ls = LoadedScenario(scenario=scen, path=path, files=files, resolved=resolved,
                        overrides=tuple(overrides))
    if not ls.data_dir.is_dir():
        raise ScenarioError(src, "data_dir", scen.data_dir, "an existing folder of data CSV files")
    return ls
