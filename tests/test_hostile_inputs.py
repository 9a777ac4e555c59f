"""Hostile inputs (issue 7): property-based mutations of a valid scenario file and of the data CSVs.

Every generated case is a mistake; each must give exit code 2, one line on stderr naming the file
and the key or column and saying what was expected, no traceback and no result folder. The number of
cases tried per property is printed by ``pytest --hypothesis-show-statistics`` (docs/reliability.md).
Profiles: 60 examples per property by default, 300 with ``CI=true`` (tests/conftest.py).
"""
from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import run
from sim.scenario import load_scenario, validate_scenario
from sim.scenario.yaml_file import _UniqueKeyLoader

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------------------------------------
# a valid scenario touching every section (levers, schedules, new parks, anchors, targets, trends)
# ------------------------------------------------------------------------------------------------

def _base() -> dict:
    d = copy.deepcopy(load_scenario(ROOT / "scenarios" / "changchun_siping.yaml").resolved)
    zone = load_scenario(ROOT / "scenarios" / "jxn_transfer_zone.yaml").resolved
    d["levers"] = d["levers"] + [lv for lv in zone["levers"][:4]]
    d["levers"][-1] = dict(d["levers"][-1], budget_wan_per_year={"2024": 3000, "2030": 5000})
    d.pop("extends", None)
    d.pop("posterior", None)  # a path relative to scenarios/; its central values are resolved already
    d["name"] = "hostile_base"
    d["data_dir"] = str(DATA)
    d["firms"]["scale"] = 0.3
    d["trends"]["income_growth"] = {"四平": {"2024": 0.05, "2026-07": 0.04}}
    d["trends"]["wage_growth"] = {"长三角": 0.07, "default": 0.05}
    d["targets"] = [{"id": "t_output", "label": "", "measure": "output_growth", "place": "四平", "year": 2030,
                     "since": 2022, "threshold_yi": 100.0, "at_least": 0.5, "at_most": None, "source": "test"}]
    d["known_projects"] = [{"id": "kp_materials", "name_zh": "新材料产业科创园", "sector": "新材料",
                            "investment_yi": 52.5, "jobs": 800.0, "park": "siping_xinkai", "stage": "signed",
                            "date": "2023-10", "investor_origin": "长三角", "source": "test"}]
    return d


BASE = _base()
CITIES = ["长春", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城", "延边", "梅河口", "铁岭", "抚顺", "通辽"]
REQUIRED = {(): ["name"],
            ("levers", "*"): ["id", "kind", "value", "source"],
            ("new_parks", "*"): ["id", "name_zh", "city", "capacity_ha", "opens", "land_price_yuan_m2", "source",
                                 "investment_yi", "investment_source"],
            ("anchors", "*"): ["id", "park", "sector", "output_yi", "starts", "source"],
            ("targets", "*"): ["id", "measure", "year", "source"],
            ("known_projects", "*"): ["id", "name_zh", "sector", "investment_yi", "park", "stage", "date",
                                      "source"]}


def test_base_scenario_is_valid():
    from sim.model import RegionalEconomy
    ls = validate_scenario(copy.deepcopy(BASE), "base.yaml", path=ROOT / "scenarios" / "base.yaml")
    RegionalEconomy(ls, until=2023)


def _nodes(obj, path=()):
    """Every (path, value) in a nested dict/list."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _nodes(v, (*path, i))


def _set(d, path, value):
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value


def _get(d, path):
    for p in path:
        d = d[p]
    return d


def _delete(d, path):
    cur = _get(d, path[:-1])
    del cur[path[-1]]


ALL = list(_nodes(BASE))
LEAVES = [(p, v) for p, v in ALL if p and v is not None]
NUMERIC = [(p, v) for p, v in ALL if p and isinstance(v, (int, float)) and not isinstance(v, bool)]
MAPPINGS = [p for p, v in ALL if isinstance(v, dict)]
DATED = ([(p, k) for p, v in ALL if p and p[-1] in ("value", "budget_wan_per_year", "cost_wan")
          and isinstance(v, dict) for k in v]
         + [(p, k) for p, v in ALL if len(p) == 3 and p[0] == "trends" and isinstance(v, dict) for k in v])

# what each kind of value may be replaced by so that it is certainly the wrong type
WRONG = {
    "bool": st.sampled_from(["maybe", 2.5, [1], {"zz": 1}]),
    "number": st.sampled_from(["zz", "12 ha", [1], {"zz": 1}]),
    "str": st.sampled_from([12, -1.5, [["zz"]], {"zz": 1}]),
    "list": st.sampled_from(["zz", 12, {"zz": 1}]),
    "dict": st.sampled_from(["zz", [1]]),
}


def _kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "str"
    return "list" if isinstance(v, list) else "dict"


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=12)
unknown_ids = names.map(lambda s: "zz" + s).filter(lambda s: s.strip() == s)


@st.composite
def scenario_mistakes(draw):
    """(mutated scenario dict, section key the message must name) — always a mistake."""
    d = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(["unknown_key", "wrong_type", "hostile_number", "missing_key",
                                 "outside_horizon", "unknown_reference", "bad_range"]))
    note(f"mutation: {kind}")
    if kind == "unknown_key":
        path = draw(st.sampled_from(MAPPINGS))
        key = draw(unknown_ids)
        node = _get(d, path)
        assume(key not in node)
        sib = next(iter(node.values()), 0.1) if node else 0.1
        node[key] = copy.deepcopy(sib) if not isinstance(sib, (dict, list)) or path == () else 0.1
        return d, (path[0] if path else key), kind
    if kind == "wrong_type":
        path, v = draw(st.sampled_from(LEAVES))
        _set(d, path, copy.deepcopy(draw(WRONG[_kind(v)])))
        return d, path[0], kind
    if kind == "hostile_number":
        path, v = draw(st.sampled_from(NUMERIC))
        _set(d, path, draw(st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 10**400, -(10**30)])))
        return d, path[0], kind
    if kind == "missing_key":
        where = draw(st.sampled_from(sorted(REQUIRED, key=str)))
        if where == ():
            key = draw(st.sampled_from(REQUIRED[()]))
            del d[key]
            return d, key, kind
        items = d[where[0]]
        assume(items)
        i = draw(st.integers(0, len(items) - 1))
        key = draw(st.sampled_from(REQUIRED[where]))
        del items[i][key]
        return d, where[0], kind
    if kind == "outside_horizon":
        year = draw(st.one_of(st.integers(1000, 2021), st.integers(2036, 9999)))
        fmt = draw(st.sampled_from(["{y}", "{y}-07", "{y}Q3", "int"]))
        date = year if fmt == "int" else fmt.format(y=year)
        which = draw(st.sampled_from(["schedule", "opens", "starts", "target", "known"]))
        if which == "schedule":
            path, key = draw(st.sampled_from(DATED))
            sched = _get(d, path)
            sched[date] = sched.pop(key)
        elif which == "opens":
            d["new_parks"][draw(st.integers(0, len(d["new_parks"]) - 1))]["opens"] = date
            path = ("new_parks",)
        elif which == "starts":
            d["anchors"][0]["starts"] = date
            path = ("anchors",)
        elif which == "known":
            d["known_projects"][0]["date"] = date
            path = ("known_projects",)
        else:
            assume(year >= 1990)
            d["targets"][0]["year"] = year
            path = ("targets",)
        return d, path[0], kind
    if kind == "unknown_reference":
        bad = draw(unknown_ids)
        where = draw(st.sampled_from(["park_city", "lever_park", "lever_sector", "lever_city", "anchor_park",
                                      "anchor_sector", "project", "partner", "new_park_leading",
                                      "known_park", "known_sector", "known_stage"]))
        if where == "park_city":
            d["new_parks"][0]["city"] = bad
            return d, "new_parks", kind
        if where.startswith("lever_"):
            j = draw(st.integers(0, len(d["levers"]) - 1))
            lv = d["levers"][j]
            assume(lv["kind"] not in ("retention", "land_supply"))
            lv["target"][{"lever_park": "parks", "lever_sector": "sectors", "lever_city": "cities"}[where]] = [bad]
            return d, "levers", kind
        if where == "anchor_park":
            d["anchors"][0]["park"] = bad
            return d, "anchors", kind
        if where == "anchor_sector":
            d["anchors"][0]["sector"] = bad
            return d, "anchors", kind
        if where.startswith("known_"):
            d["known_projects"][0][where.removeprefix("known_")] = bad
            return d, "known_projects", kind
        if where == "project":
            d["transport_projects"] = [bad]
            return d, "transport_projects", kind
        if where == "partner":
            d["new_parks"][0]["partners"] = {bad: 0.5, "四平": 0.5}
            return d, "new_parks", kind
        d["new_parks"][0]["leading"] = [bad]
        return d, "new_parks", kind
    # bad_range: zero or negative capacities, shares above 1 and other out-of-range values
    target = draw(st.sampled_from(["capacity", "share_param", "share_lever", "partners", "input_share",
                                   "scale", "horizon", "known_size"]))
    over = draw(st.floats(1.0001, 1e6))
    if target == "known_size":
        d["known_projects"][0][draw(st.sampled_from(["investment_yi", "jobs"]))] = draw(
            st.sampled_from([-1, -52.5, -1e6, -0.001]))
        return d, "known_projects", kind
    if target == "capacity":
        d["new_parks"][0]["capacity_ha"] = draw(st.sampled_from([0, -1, -1e6, 0.0]))
        return d, "new_parks", kind
    if target == "share_param":
        key = draw(st.sampled_from(["local_vat_share", "local_cit_share", "land_rent_rate", "interest_rate",
                                    "cit_rate", "vat_rate", "exit_rate", "guarantee_loss_rate"]))
        d["parameters"][key] = over
        return d, "parameters", kind
    if target == "share_lever":
        lv = next(lv for lv in d["levers"] if lv["kind"] == "land_discount")
        lv["value"] = {k: over for k in lv["value"]}
        return d, "levers", kind
    if target == "partners":
        d["new_parks"][0]["partners"] = {"长春": over, "四平": 1 - over}
        return d, "new_parks", kind
    if target == "input_share":
        d["anchors"][0]["local_input_share"] = over
        return d, "anchors", kind
    if target == "scale":
        d["firms"]["scale"] = draw(st.sampled_from([0, -0.5, 11]))
        return d, "firms", kind
    d["horizon"] = {"start": 2022, "end": draw(st.integers(1991, 2022)), "steps_per_year": 4}
    return d, "horizon", kind


def _dump(d: dict) -> str:
    return yaml.safe_dump(d, allow_unicode=True, sort_keys=False)


def _run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run.main(args)
    return code, err.getvalue()


def assert_one_line_error(code: int, err: str, out: Path, *needles: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    line = lines[0]
    assert "Traceback" not in err
    assert "expected" in line, line
    for n in needles:
        assert n in line, (n, line)
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    return line


@SETTINGS
@given(scenario_mistakes())
def test_mutated_scenario_is_a_one_line_error(case):
    d, key, _kind_name = case
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        f = tmp / "mutant.yaml"
        f.write_text(_dump(d), encoding="utf-8")
        out = tmp / "out"
        code, err = _run([str(f), "--out", str(out), "--quiet", "--until", "2023"])
        assert_one_line_error(code, err, out, "mutant.yaml", str(key))


# ------------------------------------------------------------------------------------------------
# whole files: empty, binary, non-UTF-8, duplicate keys, not a mapping, extends cycles and escapes
# ------------------------------------------------------------------------------------------------

def _dup_key_text(text: str, i: int) -> str | None:
    """Repeat the i-th plain ``key:`` line (and its block) right after itself: a duplicate key."""
    lines = text.splitlines()
    keyed = [n for n, ln in enumerate(lines) if re.match(r"^\s*[^\s\-#'\"][^:]*:( |$)", ln)]
    if not keyed:
        return None
    n = keyed[i % len(keyed)]
    ind = len(lines[n]) - len(lines[n].lstrip())
    end = n + 1
    while end < len(lines):
        ln = lines[end]
        ind_here = len(ln) - len(ln.lstrip())
        # PyYAML writes a key's list items at the key's own indentation ("levers:\n- id: ...")
        if ind_here > ind or (ind_here == ind and ln.lstrip().startswith("- ")):
            end += 1
        else:
            break
    return "\n".join(lines[:end] + lines[n:end] + lines[end:]) + "\n"


@st.composite
def file_mistakes(draw):
    """(bytes of a scenario file, text the message must contain)."""
    text = _dump(BASE)
    kind = draw(st.sampled_from(["empty", "binary", "non_utf8", "duplicate_key", "not_mapping",
                                 "garbage", "invalid_yaml"]))
    note(f"file mutation: {kind}")
    if kind == "empty":
        return draw(st.sampled_from(["", "\n", "   \n\n", "# only a comment\n", "---\n", "~\n"])).encode(), "empty"
    if kind == "binary":
        blob = draw(st.binary(min_size=1, max_size=200))
        pos = draw(st.integers(0, len(blob)))
        return blob[:pos] + b"\x00" + blob[pos:], "binary"
    if kind == "non_utf8":
        enc = draw(st.sampled_from(["gbk", "gb18030", "big5", "utf-16", "utf-32", "shift_jis"]))
        raw = text.encode(enc, errors="replace")
        assume(_not_utf8(raw))
        return raw, "UTF-8"
    if kind == "duplicate_key":
        dup = _dup_key_text(text, draw(st.integers(0, 10_000)))
        assume(dup is not None)
        try:  # a "key:" line inside a wrapped string is no key: keep only real duplicates
            yaml.load(dup, Loader=_UniqueKeyLoader)
            assume(False)
        except yaml.YAMLError as exc:
            assume("duplicate key" in str(exc))
        return dup.encode(), "duplicate key"
    if kind == "not_mapping":
        return draw(st.sampled_from(["- a\n- b\n", "42\n", "just text\n", "[1, 2]\n", "'name: x'\n"])).encode(), \
            "expected a mapping"
    if kind == "invalid_yaml":
        cut = draw(st.integers(1, len(text) - 1))
        bad = draw(st.sampled_from(["{", "[", ": :", "\t- x", "'", '"', "&a *b", "!!python/object:os.system x"]))
        broken = text[:cut] + bad + text[cut:]
        try:  # an insertion inside a quoted string can leave the YAML valid: not this case
            yaml.load(broken, Loader=_UniqueKeyLoader)
            assume(False)
        except yaml.YAMLError:
            pass
        return broken.encode(), "invalid YAML"
    return draw(st.text(max_size=300)).encode(), ""


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


@SETTINGS
@given(file_mistakes())
def test_broken_file_is_a_one_line_error(case):
    raw, needle = case
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        f = tmp / "broken.yaml"
        f.write_bytes(raw)
        out = tmp / "out"
        code, err = _run([str(f), "--out", str(out), "--quiet", "--until", "2023"])
        # any garbage that happens to be a valid scenario still has no data folder here: exit 2
        assert_one_line_error(code, err, out, "broken.yaml", needle)


@SETTINGS
@given(n=st.integers(1, 5), back=st.integers(0, 4))
def test_extends_cycle_of_any_length(n, back):
    back = back % n
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i in range(n):
            parent = f"s{i + 1}.yaml" if i + 1 < n else f"s{back}.yaml"
            (tmp / f"s{i}.yaml").write_text(f"name: s{i}\nextends: {parent}\ndata_dir: {DATA}\n", encoding="utf-8")
        out = tmp / "out"
        code, err = _run([str(tmp / "s0.yaml"), "--out", str(out), "--quiet"])
        assert_one_line_error(code, err, out, "extends", "cycle")


@SETTINGS
@given(target=st.sampled_from(["../outside.yaml", "../../etc/x.yaml", "/etc/passwd", "sub/../../up.yaml",
                               "{tmp_parent}/elsewhere/a.yaml"]),
       key=st.sampled_from(["extends", "data_dir"]))
def test_paths_outside_the_allowed_folders_are_refused(target, key):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inner = tmp / "plans"
        inner.mkdir()
        # the escape target exists, so only the rule can stop it
        (tmp / "elsewhere").mkdir()
        (tmp / "elsewhere" / "a.yaml").write_text("name: a\n")
        (tmp / "outside.yaml").write_text("name: o\n")
        value = target.format(tmp_parent=tmp)
        body = {"name": "p", "data_dir": str(DATA)}
        body[key] = value if key == "extends" else value.replace(".yaml", "")
        f = inner / "p.yaml"
        f.write_text(_dump(body), encoding="utf-8")
        out = tmp / "out"
        code, err = _run([str(f), "--out", str(out), "--quiet", "--until", "2023"])
        assert_one_line_error(code, err, out, "p.yaml", key, "a path inside")


def test_allowed_paths_still_work(tmp_path):
    """Absolute extends/data_dir into the project's scenarios/, relative ones inside the scenario's
    folder tree, symlinks the user made, and --set data_dir=... all stay legal."""
    from sim.scenario import load_scenario
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "parent.yaml").write_text(f"name: parent\ndata_dir: {DATA}\n")
    (tmp_path / "child.yaml").write_text("name: child\nextends: sub/parent.yaml\n")
    assert load_scenario(tmp_path / "child.yaml").data_dir == DATA.resolve()
    (tmp_path / "abs.yaml").write_text(f"name: abs\nextends: {ROOT / 'scenarios/baseline.yaml'}\n"
                                       f"data_dir: {DATA}\n")
    assert load_scenario(tmp_path / "abs.yaml").scenario.firms.scale == 2.5
    (tmp_path / "data").symlink_to(DATA)
    (tmp_path / "link.yaml").write_text("name: link\n")
    assert load_scenario(tmp_path / "link.yaml").data_dir == DATA.resolve()
    other = tmp_path / "sub" / "deeper.yaml"
    other.write_text("name: deeper\ndata_dir: ../nowhere\n")
    with pytest.raises(Exception, match="a path inside"):
        load_scenario(other)
    assert load_scenario(other, [f"data_dir={DATA}"]).data_dir == DATA.resolve()


def test_dates_inside_the_horizon_are_legal_whatever_until_says(tmp_path):
    """--until only shortens a run: a lever dated 2035-10 is legal in a run that stops in 2023."""
    d = copy.deepcopy(BASE)
    d["levers"][0]["value"] = {"2035-10": 0.3}
    d["targets"][0]["year"] = 2035
    f = tmp_path / "late.yaml"
    f.write_text(_dump(d), encoding="utf-8")
    ls = load_scenario(f)
    assert ls.scenario.levers[0].value == {"2035-10": 0.3}
    d["levers"][0]["value"] = {"2036": 0.3}
    f.write_text(_dump(d), encoding="utf-8")
    code, err = _run([str(f), "--until", "2023", "--out", str(tmp_path / "o"), "--quiet"])
    assert_one_line_error(code, err, tmp_path / "o", f"levers.{d['levers'][0]['id']}.value.2036", "horizon")


def test_yaml_tags_cannot_run_code(tmp_path):
    f = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    f.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    code, err = _run([str(f), "--out", str(tmp_path / "o"), "--quiet"])
    assert_one_line_error(code, err, tmp_path / "o", "evil.yaml")
    assert not marker.exists()


# ------------------------------------------------------------------------------------------------
# data CSVs: missing columns, bad units, duplicate ids, non-finite and out-of-range numbers...
# ------------------------------------------------------------------------------------------------

def _read(name: str) -> tuple[list[str], list[list[str]]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write(path: Path, header, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


from sim import data as simdata

SCHEMAS = {"cities.csv": simdata.CITY_SCHEMA, "origins.csv": simdata.ORIGIN_SCHEMA,
           "sector_params.csv": simdata.SECTOR_PARAM_SCHEMA, "city_sectors.csv": simdata.CITY_SECTOR_SCHEMA,
           "city_tourism.csv": simdata.CITY_TOURISM_SCHEMA, "parks.csv": simdata.PARK_SCHEMA,
           "nodes.csv": simdata.NODE_SCHEMA, "links.csv": simdata.LINK_SCHEMA,
           "projects.csv": simdata.PROJECT_SCHEMA, "national.csv": simdata.NATIONAL_SCHEMA,
           "project_costs.csv": simdata.PROJECT_COST_SCHEMA,
           "modes.csv": simdata.MODE_SCHEMA}
KEYS = {"cities.csv": ["id"], "origins.csv": ["id"], "sector_params.csv": ["sector", "param"],
        "city_sectors.csv": ["city", "sector"], "city_tourism.csv": ["city"], "parks.csv": ["id"],
        "nodes.csv": ["id"], "links.csv": ["from", "to", "mode"], "projects.csv": ["id", "from", "to", "mode"], "national.csv": ["key"],
        "project_costs.csv": ["id"], "modes.csv": ["mode"]}
REQUIRED_FILES = ["cities.csv", "sector_params.csv", "city_sectors.csv", "nodes.csv", "national.csv"]
TABLES = {name: _read(name) for name in SCHEMAS}


def _numeric_cols(name: str) -> list[str]:
    header, rows = TABLES[name]
    out = []
    for c in SCHEMAS[name]:
        vals = [r[header.index(c)] for r in rows]
        try:
            [float(v) for v in vals]
        except ValueError:
            continue
        if c not in ("estimate", "opened", "completion", "capacity_estimate", "has_firms", "jxn_zone",
                     "six_city", "secondary_va_sourced"):
            out.append(c)
    return out


NUMERIC_COLS = {n: _numeric_cols(n) for n in SCHEMAS}
SHARE_COLS = [("city_sectors.csv", "share"), ("parks.csv", "occupancy_2022"),
              ("city_tourism.csv", "tourism_share_of_tertiary")]


@st.composite
def data_mistakes(draw):
    """(file name, new bytes, texts the message must contain)."""
    name = draw(st.sampled_from(sorted(SCHEMAS)))
    header, rows = copy.deepcopy(TABLES[name])
    kind = draw(st.sampled_from(["drop_column", "rename_column", "duplicate_id", "bad_unit", "non_finite",
                                 "huge", "negative_capacity", "share_above_1", "sector_unit", "empty",
                                 "header_only", "binary", "non_utf8", "unknown_reference", "duplicate_column"]))
    note(f"data mutation: {kind} in {name}")
    buf = io.StringIO()
    if kind in ("drop_column", "rename_column"):
        col = draw(st.sampled_from(list(SCHEMAS[name])))
        i = header.index(col)
        if kind == "drop_column":
            header = header[:i] + header[i + 1:]
            rows = [r[:i] + r[i + 1:] for r in rows]
        else:
            header[i] = col + draw(st.sampled_from(["_", " ", "s", "2"]))
        needles = [name, col]
    elif kind == "duplicate_id":
        assume(rows)
        i = draw(st.integers(0, len(rows) - 1))
        rows.insert(draw(st.integers(0, len(rows))), list(rows[i]))
        needles = [name, "duplicate", KEYS[name][0]]
    elif kind in ("bad_unit", "non_finite", "huge"):
        assume(NUMERIC_COLS[name] and rows)
        col = draw(st.sampled_from(NUMERIC_COLS[name]))
        i = draw(st.integers(0, len(rows) - 1))
        v = rows[i][header.index(col)]
        if kind == "bad_unit":
            new = draw(st.sampled_from([v + "%", v + " ha", v + "亿元", v + " yuan/m²", "≈" + v, v + "万"]))
        elif kind == "non_finite":
            new = draw(st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", ""]))
        else:
            new = draw(st.sampled_from(["1e300", "-1e300", "1" + "0" * 400, "-" + "9" * 40]))
        rows[i][header.index(col)] = new
        needles = [name, "value" if name == "sector_params.csv" else col]
        if name == "sector_params.csv" and kind == "huge":
            needles = [name]
    elif kind == "negative_capacity":
        name, (header, rows) = "parks.csv", copy.deepcopy(TABLES["parks.csv"])
        i = draw(st.integers(0, len(rows) - 1))
        rows[i][header.index("capacity_ha")] = draw(st.sampled_from(["0", "-1", "-500", "0.0"]))
        needles = [name, "capacity_ha"]
    elif kind == "share_above_1":
        name, col = draw(st.sampled_from(SHARE_COLS))
        header, rows = copy.deepcopy(TABLES[name])
        i = draw(st.integers(0, len(rows) - 1))
        rows[i][header.index(col)] = repr(draw(st.floats(1.0001, 1e6)))
        needles = [name, col]
    elif kind == "sector_unit":
        name, (header, rows) = "sector_params.csv", copy.deepcopy(TABLES["sector_params.csv"])
        i = draw(st.integers(0, len(rows) - 1))
        rows[i][header.index("unit")] = draw(st.sampled_from(["万元", "元", "percent", "%", "yuan", "persons per 万元",
                                                              "ha per 万元", "m2", "km"]))
        needles = [name, "unit"]
    elif kind == "empty":
        return name, draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", b" , ,\n"])), [name, "empty"]
    elif kind == "header_only":
        name = draw(st.sampled_from(REQUIRED_FILES))
        header = TABLES[name][0]
        return name, (",".join(header) + "\n").encode(), [name, "no data rows"]
    elif kind == "binary":
        blob = draw(st.binary(max_size=100))
        return name, blob + b"\x00" + blob, [name, "binary"]
    elif kind == "non_utf8":
        _write_to = io.StringIO()
        w = csv.writer(_write_to)
        w.writerow(header)
        w.writerows(rows)
        raw = _write_to.getvalue().encode(draw(st.sampled_from(["gbk", "gb18030", "big5"])), errors="replace")
        assume(_not_utf8(raw))
        return name, raw, [name, "UTF-8"]
    elif kind == "unknown_reference":
        name, col = draw(st.sampled_from([("parks.csv", "city"), ("parks.csv", "node"), ("cities.csv", "node"),
                                          ("city_sectors.csv", "city"), ("links.csv", "to"),
                                          ("parks.csv", "leading_sectors"), ("city_sectors.csv", "sector"),
                                          ("projects.csv", "mode")]))
        header, rows = copy.deepcopy(TABLES[name])
        i = draw(st.integers(0, len(rows) - 1))
        rows[i][header.index(col)] = draw(unknown_ids).replace(";", "")
        needles = [name, col]
    else:  # duplicate_column
        col = draw(st.sampled_from(header))
        header = header + [col]
        rows = [r + [r[TABLES[name][0].index(col)]] for r in rows]
        needles = [name, col]
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return name, buf.getvalue().encode("utf-8"), needles


@SETTINGS
@given(data_mistakes())
def test_mutated_data_csv_is_a_one_line_error(case):
    name, raw, needles = case
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(DATA, tmp / "data")
        (tmp / "data" / name).write_bytes(raw)
        f = tmp / "s.yaml"
        f.write_text("name: data_mutant\ndata_dir: data\nfirms: {scale: 0.3}\n", encoding="utf-8")
        out = tmp / "out"
        code, err = _run([str(f), "--out", str(out), "--quiet", "--until", "2023"])
        assert_one_line_error(code, err, out, *needles)


# ------------------------------------------------------------------------------------------------
# experiment files (issue 5): the same properties once the experiment files exist (sim/experiments/)
# ------------------------------------------------------------------------------------------------

EXPERIMENT = ROOT / "experiments" / "smoke.yaml"


@st.composite
def experiment_mistakes(draw):
    """A valid experiment file (experiments/smoke.yaml) with one mistake that must be caught before
    anything runs: (document, key that the message must name)."""
    d = yaml.safe_load(EXPERIMENT.read_text(encoding="utf-8"))
    d["base"] = str(ROOT / "scenarios" / "jxn_transfer_zone.yaml")
    kind = draw(st.sampled_from([
        "unknown_top", "replicates", "seed", "until", "design_kind", "no_outcomes", "bad_outcome",
        "factor_key_lever", "factor_key_unknown", "factor_values_empty", "factor_points", "name",
        "missing_base", "missing_name", "nan_range"]))
    note(kind)
    if kind == "unknown_top":
        k = draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12).filter(
            lambda x: x not in d and x not in ("description", "package_bins", "series", "levers",
                                               "uncertainties", "set", "design", "outcomes")))
        d[k] = draw(st.integers())
        return d, k
    if kind in ("replicates", "seed"):
        d[kind] = draw(st.one_of(st.integers(max_value=0 if kind == "replicates" else -1),
                                 st.integers(min_value=2**63), st.sampled_from(["two", "", "1.5e", "many"]),
                                 st.just(float("nan"))))
        return d, kind
    if kind == "until":
        d["until"] = draw(st.one_of(st.integers(max_value=1990), st.integers(min_value=2101),
                                    st.sampled_from(["soon", [2025]])))
        return d, "until"
    if kind == "design_kind":
        d["design"] = {"kind": draw(st.sampled_from(["bogus", "", "GRID", 5]))}
        return d, "design"
    if kind == "no_outcomes":
        d["outcomes"] = []
        return d, "outcomes"
    if kind == "bad_outcome":
        d["outcomes"] = list(d["outcomes"]) + [draw(st.sampled_from(
            ["region.no_such_outcome", "火星.gdp_end_yi", "target.no_such_target.met", ""]))]
        return d, "outcomes"
    if kind == "factor_key_lever":
        d["levers"][0]["key"] = "levers.no_such_lever.value"
        return d, "key"
    if kind == "factor_key_unknown":
        d["uncertainties"][0]["key"] = draw(st.sampled_from(
            ["parameters.no_such_param", "trends.wage_growth.火星", "nonsense"]))
        return d, "key"
    if kind == "factor_values_empty":
        d["levers"][0]["values"] = []
        return d, "values"
    if kind == "factor_points":
        d["levers"][1]["points"] = draw(st.one_of(st.integers(max_value=0), st.integers(min_value=101)))
        return d, "points"
    if kind == "name":
        d["name"] = draw(st.sampled_from(["bad name", "", "a/b", "x" * 81]))
        return d, "name"
    if kind == "missing_base":
        d["base"] = "no_such_scenario.yaml"
        return d, "base"
    if kind == "missing_name":
        del d["name"]
        return d, "name"
    d["uncertainties"][0]["range"] = [float("nan"), 0.09]
    return d, "range"


@SETTINGS
@given(experiment_mistakes())
def test_mutated_experiment_is_a_one_line_error(case):
    d, key = case
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        f = tmp / "exp_mutant.yaml"
        f.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
        out = tmp / "out"
        code, err = _run(["sweep", str(f), "--out", str(out), "--workers", "1"])
        line = assert_one_line_error(code, err, out, "exp_mutant.yaml")
        assert key in line, (key, line)


@pytest.mark.parametrize("raw, what", [(b"", "empty"), (b"\x00\x01\x02name: x", "binary"),
                                       (b"name: \xff\xfe smoke\n", "non-UTF-8"),
                                       (b"name: a\nname: b\n", "duplicate key")])
def test_broken_experiment_file_is_a_one_line_error(tmp_path, raw, what):
    f = tmp_path / "exp_broken.yaml"
    f.write_bytes(raw)
    out = tmp_path / "out"
    code, err = _run(["sweep", str(f), "--out", str(out)])
    assert_one_line_error(code, err, out, "exp_broken.yaml")
