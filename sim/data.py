"""``scenarios/data/*.csv`` -> typed tables, with each row's ``source`` and ``estimate`` kept (what
each file may contain: ``sim.data_schemas``).

Every file is checked on load: required columns present, numbers finite and in range, ids unique,
references to other tables (cities, nodes, sectors) known. A bad file raises a one-line
:class:`DataError` naming the file, the row, the column, the value and what was expected.

Units: money 亿元 (1e8 yuan); population 万人; wages yuan/person-year; land price yuan/m²;
capacity ha; travel time minutes; power price yuan/kWh.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data_schemas import (
    BUDGET_SCHEMA,
    CITY_SCHEMA,
    CITY_SECTOR_SCHEMA,
    CITY_TOURISM_SCHEMA,
    INVESTOR_SCHEMA,
    LINK_SCHEMA,
    MODE_SCHEMA,
    NATIONAL_KEYS,
    NATIONAL_SCHEMA,
    NETWORKS,
    NODE_SCHEMA,
    ORIGIN_SCHEMA,
    PARK_SCHEMA,
    PRICE_SCHEMA,
    PROJECT_COST_SCHEMA,
    PROJECT_SCHEMA,
    PROVINCE_SECTOR_SCHEMA,
    SECTOR_PARAM_SCHEMA,
    SECTOR_PARAMS,
    SECTOR_UNITS,
)
from .errors import DataError, read_user_text


@dataclass
class Table:
    """Rows of one CSV file, parsed; ``path`` and ``sha256`` identify the file."""

    name: str
    path: Path
    rows: list[dict[str, Any]]
    sha256: str

    def ids(self, col: str = "id") -> list[str]:
        return [r[col] for r in self.rows]

    def by(self, col: str = "id") -> dict[str, dict[str, Any]]:
        return {r[col]: r for r in self.rows}


def read_table(path: Path, schema: dict[str, Callable[[str], Any]], key: str | tuple[str, ...] | None,
               *, required: bool = True) -> Table:
    if not path.exists() and not required:
        return Table(path.name, path, [], "")
    raw, text = read_user_text(path, "data", "CSV", DataError, encoding="utf-8-sig")
    try:
        return _parse_table(path, raw, text, schema, key, required)
    except csv.Error as exc:
        raise DataError(str(path), message=f"{path}: unreadable CSV ({exc}); expected a comma-separated "
                                           f"UTF-8 file with a header row") from None


def _parse_table(path: Path, raw: bytes, text: str, schema: dict[str, Callable[[str], Any]],
                 key: str | tuple[str, ...] | None, required: bool) -> Table:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    if not header or all(not (h or "").strip() for h in header):
        raise DataError(str(path), message=f"{path}: empty file; expected a CSV with a header row")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError(str(path), message=f"{path}: column {dup[0]}: appears twice in the header; "
                                           f"expected each column once")
    for col in schema:
        if col not in header:
            raise DataError(str(path), col, None, f"column {col!r} (file has: {', '.join(header)})",
                            message=f"{path}: column {col}: missing; expected columns {', '.join(schema)}")
    rows = []
    seen: dict[Any, int] = {}
    for lineno, rec in enumerate(reader, start=2):
        if all((v or "").strip() == "" for k, v in rec.items() if k is not None):
            continue
        if None in rec:
            raise DataError(str(path), message=f"{path}: row {lineno}: more fields than the header; expected {len(header)} fields")
        row: dict[str, Any] = {}
        for col, parse in schema.items():
            val = rec.get(col)
            if val is None:
                raise DataError(str(path), message=f"{path}: row {lineno}: column {col}: missing value; expected {len(header)} fields")
            try:
                row[col] = parse(val)
            except ValueError as exc:
                raise DataError(str(path), message=(
                    f"{path}: row {lineno}: column {col}: got {val!r}; expected {exc}")) from None
        if key is not None:
            k = tuple(row[c] for c in key) if isinstance(key, tuple) else row[key]
            if k in seen:
                kn = "/".join(key) if isinstance(key, tuple) else key
                raise DataError(str(path), message=(
                    f"{path}: row {lineno}: column {kn}: duplicate id {k!r} (also row {seen[k]}); "
                    f"expected unique ids"))
            seen[k] = lineno
        row["_row"] = lineno
        rows.append(row)
    if required and not rows:
        raise DataError(str(path), message=f"{path}: no data rows; expected at least one")
    return Table(path.name, path, rows, hashlib.sha256(raw).hexdigest())


@dataclass
class RegionData:
    """All baseline tables of one data folder, cross-checked."""

    folder: Path
    cities: Table
    origins: Table
    sector_params: Table
    city_sectors: Table
    city_tourism: Table
    parks: Table
    nodes: Table
    links: Table
    projects: Table
    national: Table
    project_costs: Table
    investors: Table
    prices: Table
    budget: Table
    modes: Table
    province_sectors: Table
    sectors: list[str] = field(default_factory=list)
    params: dict[str, dict[str, float]] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [self.cities, self.origins, self.sector_params, self.city_sectors, self.city_tourism,
                self.parks, self.nodes, self.links, self.projects, self.national, self.project_costs,
                self.investors, self.prices, self.budget, self.modes, self.province_sectors]

    def hashes(self) -> dict[str, str]:
        return {t.name: t.sha256 for t in self.tables() if t.sha256}

    def param(self, sector: str, name: str) -> float:
        return self.params[sector][name]

    def sector_values(self, name: str) -> list[float]:
        """One sector parameter for every sector, in sector order."""
        return [self.params[s][name] for s in self.sectors]

    def const(self, key: str) -> float:
        """A national constant or model-wide assumption of ``national.csv`` (with its source)."""
        row = self.national.by("key").get(key)
        if row is None:
            raise DataError(str(self.national.path), message=(
                f"{self.national.path}: key {key}: missing; expected a row with key {key}"))
        return row["value"]

    def deflator_points(self, city: str) -> list[tuple[float, float]]:
        """[(date, rate), …] of a city's GDP deflator for ``sim.economy.prices.deflator_index``, with
        the timing of the income trend (``sim.economy.trends.annual_points``): the rate of each year
        of prices.csv up to the city's last year with its own or its province's row applies from the
        start of the year before (2023's growth over 2022 from 2022.0), so that year's rate holds
        until its end (2024.0); the rate of a later year (the ``default`` assumption) from the start
        of its own year (2024's from 2024.0); the last rate goes on. The mean of year Y's quarter
        rows over year Y−1's thus grows by exactly 1 + π(Y) for the first year. No rows: [] (no
        inflation)."""
        by = {(r["place"], int(r["year"])): r["deflator_growth"] for r in self.prices.rows}
        prov = self.cities.by("id")[city]["province"]
        rows = []  # (year, rate, observed: the city's or its province's row)
        for y in sorted({y for _, y in by}):
            for place in (city, prov, "default"):
                if (place, y) in by:
                    rows.append((y, by[(place, y)], place != "default"))
                    break
        last = max((y for y, _, seen in rows if seen), default=None)
        return [(float(y - 1) if last is not None and y <= last else float(y), r) for y, r, _ in rows]

    def province_sector_va(self, province: str) -> dict[int, tuple[float, float, float]]:
        """{year: (primary, secondary, tertiary value added, 亿元)} of ``province_sectors.csv`` for a
        province (a ``province`` of cities.csv); {} without rows (the theory data, or no file)."""
        return {int(r["year"]): (r["primary_yi"], r["secondary_yi"], r["tertiary_yi"])
                for r in self.province_sectors.rows if r["province"] == province}

    def budget_2022(self, city: str) -> float:
        """The city's published 2022 general budget revenue (亿元), NaN without a row."""
        row = self.budget.by("city").get(city)
        return float("nan") if row is None else row["general_budget_revenue_2022_yi"]


def load_data(folder: str | Path) -> RegionData:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(str(folder), message=f"{folder}: data folder not found; expected a folder of data CSV files")
    d = RegionData(
        folder=folder,
        cities=read_table(folder / "cities.csv", CITY_SCHEMA, "id"),
        origins=read_table(folder / "origins.csv", ORIGIN_SCHEMA, "id", required=False),
        sector_params=read_table(folder / "sector_params.csv", SECTOR_PARAM_SCHEMA, ("sector", "param")),
        city_sectors=read_table(folder / "city_sectors.csv", CITY_SECTOR_SCHEMA, ("city", "sector")),
        city_tourism=read_table(folder / "city_tourism.csv", CITY_TOURISM_SCHEMA, "city", required=False),
        parks=read_table(folder / "parks.csv", PARK_SCHEMA, "id", required=False),
        nodes=read_table(folder / "nodes.csv", NODE_SCHEMA, "id"),
        links=read_table(folder / "links.csv", LINK_SCHEMA, ("from", "to", "mode"), required=False),
        projects=read_table(folder / "projects.csv", PROJECT_SCHEMA, ("id", "from", "to", "mode"),
                            required=False),
        national=read_table(folder / "national.csv", NATIONAL_SCHEMA, "key"),
        project_costs=read_table(folder / "project_costs.csv", PROJECT_COST_SCHEMA, "id", required=False),
        investors=read_table(folder / "investors.csv", INVESTOR_SCHEMA, "origin"),
        prices=read_table(folder / "prices.csv", PRICE_SCHEMA, ("place", "year"), required=False),
        budget=read_table(folder / "budget.csv", BUDGET_SCHEMA, "city", required=False),
        modes=read_table(folder / "modes.csv", MODE_SCHEMA, "mode", required=False),
        province_sectors=read_table(folder / "province_sectors.csv", PROVINCE_SECTOR_SCHEMA,
                                    ("province", "year"), required=False),
    )
    _cross_check(d)
    return d


def _fail(table: Table, row: dict, col: str, value: Any, expected: str) -> DataError:
    return DataError(str(table.path), message=(
        f"{table.path}: row {row['_row']}: column {col}: got {value!r}; expected {expected}"))


def _cross_check(d: RegionData) -> None:
    # sectors and their parameters
    sectors: list[str] = []
    params: dict[str, dict[str, float]] = {}
    for r in d.sector_params.rows:
        if r["param"] not in SECTOR_PARAMS:
            raise _fail(d.sector_params, r, "param", r["param"], f"one of {', '.join(SECTOR_PARAMS)}")
        unit, lo, hi = SECTOR_PARAMS[r["param"]]
        if not re.search(SECTOR_UNITS[r["param"]], r["unit"]):
            raise _fail(d.sector_params, r, "unit", r["unit"], f"the unit of {r['param']}: {unit}")
        if not lo <= r["value"] <= hi:
            raise _fail(d.sector_params, r, "value", r["value"],
                        f"{r['param']} between {lo:g} and {hi:g} ({unit})")
        if r["sector"] not in params:
            sectors.append(r["sector"])
            params[r["sector"]] = {}
        params[r["sector"]][r["param"]] = r["value"]
    for s in sectors:
        missing = [p for p in SECTOR_PARAMS if p not in params[s]]
        if missing:
            raise DataError(str(d.sector_params.path), message=(
                f"{d.sector_params.path}: sector {s}: param {missing[0]}: missing; "
                f"expected every sector to have {', '.join(SECTOR_PARAMS)}"))
    d.sectors, d.params = sectors, params
    have = set()
    for r in d.national.rows:
        if r["key"] not in NATIONAL_KEYS:
            raise _fail(d.national, r, "key", r["key"], f"one of {', '.join(NATIONAL_KEYS)}")
        unit, lo, hi = NATIONAL_KEYS[r["key"]]
        if not lo <= r["value"] <= hi:
            raise _fail(d.national, r, "value", r["value"], f"{r['key']} between {lo:g} and {hi:g} ({unit})")
        have.add(r["key"])
    origin_ids = set(d.origins.ids()) | {"local"}
    for r in d.investors.rows:
        if r["origin"] not in origin_ids:
            raise _fail(d.investors, r, "origin", r["origin"], "an origin id from origins.csv or local")
    tot = sum(r["share"] for r in d.investors.rows)
    if d.investors.rows and abs(tot - 1.0) > 0.005:
        raise DataError(str(d.investors.path), message=(
            f"{d.investors.path}: column share: sums to {tot:.4f}; expected the investor shares to sum to 1"))
    missing = [k for k in NATIONAL_KEYS if k not in have]
    if missing:
        raise DataError(str(d.national.path), message=(
            f"{d.national.path}: key {missing[0]}: missing; expected every key of {', '.join(NATIONAL_KEYS)}"))

    node_ids = set(d.nodes.ids())
    city_ids = set(d.cities.ids())
    origin_ids = set(d.origins.ids())
    for r in d.nodes.rows:
        if r["kind"] not in ("city", "county", "origin"):
            raise _fail(d.nodes, r, "kind", r["kind"], "city, county or origin")
    for t in (d.cities, d.origins):
        for r in t.rows:
            if r["node"] not in node_ids:
                raise _fail(t, r, "node", r["node"], "a node id from nodes.csv")
    for r in d.cities.rows:
        tot = r["primary_pct"] + r["secondary_pct"] + r["tertiary_pct"]
        if abs(tot - 100.0) > 1.0:
            raise _fail(d.cities, r, "primary_pct+secondary_pct+tertiary_pct", tot, "shares summing to 100")
    for r in d.origins.rows:
        if not r["gdp_low_yi"] <= r["gdp_2022_yi"] <= r["gdp_high_yi"]:
            raise _fail(d.origins, r, "gdp_2022_yi", r["gdp_2022_yi"], "a value inside [gdp_low_yi, gdp_high_yi]")
    if city_ids & origin_ids:
        raise DataError(str(d.origins.path), message=(
            f"{d.origins.path}: column id: {min(city_ids & origin_ids)!r} is also a city; "
            f"expected each place counted once"))
    # city sector shares
    industrial = [s for s in sectors if params[s]["industrial"] > 0]
    sums: dict[str, float] = {}
    for r in d.city_sectors.rows:
        if r["city"] not in city_ids:
            raise _fail(d.city_sectors, r, "city", r["city"], "a city id from cities.csv")
        if r["sector"] not in industrial:
            raise _fail(d.city_sectors, r, "sector", r["sector"],
                        "a secondary-industry sector id from sector_params.csv")
        sums[r["city"]] = sums.get(r["city"], 0.0) + r["share"]
    for c in city_ids:
        if abs(sums.get(c, 0.0) - 1.0) > 0.005:
            raise DataError(str(d.city_sectors.path), message=(
                f"{d.city_sectors.path}: city {c}: column share: sums to {sums.get(c, 0.0):.4f}; "
                f"expected the sector shares of each city to sum to 1"))
    for r in d.city_tourism.rows:
        if r["city"] not in city_ids:
            raise _fail(d.city_tourism, r, "city", r["city"], "a city id from cities.csv")
    for r in d.parks.rows:
        if r["city"] not in city_ids:
            raise _fail(d.parks, r, "city", r["city"], "a city id from cities.csv")
        if r["node"] not in node_ids:
            raise _fail(d.parks, r, "node", r["node"], "a node id from nodes.csv")
        lead = [s.strip() for s in r["leading_sectors"].split(";") if s.strip()]
        for s in lead:
            if s not in sectors:
                raise _fail(d.parks, r, "leading_sectors", s, "sector ids from sector_params.csv")
        r["leading"] = lead
        if r["capacity_ha"] <= 0:
            raise _fail(d.parks, r, "capacity_ha", r["capacity_ha"], "a capacity > 0 ha")
    for r in d.modes.rows:
        if r["network"] not in NETWORKS:
            raise _fail(d.modes, r, "network", r["network"], " or ".join(NETWORKS))
    modes = d.modes.ids("mode")
    for t in (d.links, d.projects):
        for r in t.rows:
            for col in ("from", "to"):
                if r[col] not in node_ids:
                    raise _fail(t, r, col, r[col], "a node id from nodes.csv")
            if r["mode"] not in modes:
                raise _fail(t, r, "mode", r["mode"], "a mode from modes.csv ("
                            + (", ".join(modes) or "the file is missing") + ")")
    provinces = {r["province"] for r in d.cities.rows}
    for r in d.prices.rows:
        if r["place"] not in city_ids and r["place"] not in provinces and r["place"] != "default":
            raise _fail(d.prices, r, "place", r["place"], "a city id, a province of cities.csv or default")
        if r["year"] != int(r["year"]):
            raise _fail(d.prices, r, "year", r["year"], "a whole year")
        vals = (r["gdp_prev_yi"], r["gdp_yi"], r["real_growth"])
        if any(v is not None for v in vals):
            if any(v is None for v in vals):
                raise _fail(d.prices, r, "gdp_prev_yi/gdp_yi/real_growth", vals, "all three or none")
            implied = r["gdp_yi"] / r["gdp_prev_yi"] / (1 + r["real_growth"]) - 1
            if abs(implied - r["deflator_growth"]) > 5e-5:
                raise _fail(d.prices, r, "deflator_growth", r["deflator_growth"],
                            f"(gdp_yi / gdp_prev_yi) / (1 + real_growth) - 1 = {implied:.6f}")
    _check_province_sectors(d, provinces)
    for r in d.budget.rows:
        if r["city"] not in city_ids:
            raise _fail(d.budget, r, "city", r["city"], "a city id from cities.csv")
    from .dates import parse_date
    for r in d.projects.rows:
        try:
            r["completion_year"] = parse_date(r["completion"])
        except ValueError:
            raise _fail(d.projects, r, "completion", r["completion"], "a date like 2027 or 2027-10") from None
    _check_project_costs(d, city_ids)


def _check_province_sectors(d: RegionData, provinces: set) -> None:
    """``province_sectors.csv``: a province of cities.csv, a whole year, the three sectors adding up
    to ``gdp_yi`` within 0.5 % (rounding in the bulletins), and every province with a second row for
    the year before one of its years (a growth rate to take: ``sim.economy.trends``)."""
    t = d.province_sectors
    years: dict[str, set[int]] = {}
    for r in t.rows:
        if r["province"] not in provinces:
            raise _fail(t, r, "province", r["province"], "a province of cities.csv ("
                        + ", ".join(sorted(provinces)) + ")")
        if r["year"] != int(r["year"]):
            raise _fail(t, r, "year", r["year"], "a whole year")
        tot = r["primary_yi"] + r["secondary_yi"] + r["tertiary_yi"]
        if abs(tot - r["gdp_yi"]) > 0.005 * r["gdp_yi"]:
            raise _fail(t, r, "primary_yi+secondary_yi+tertiary_yi", round(tot, 4),
                        f"the three sectors adding up to gdp_yi = {r['gdp_yi']:.10g} (within 0.5 %)")
        years.setdefault(r["province"], set()).add(int(r["year"]))
    for r in t.rows:
        ys = years[r["province"]]
        if not any(y - 1 in ys for y in ys):
            raise _fail(t, r, "year", int(r["year"]), f"a row of {r['province']} for the year before or "
                        "after it too (the sectors' growth between two consecutive years)")


def _check_project_costs(d: RegionData, city_ids: set) -> None:
    """Every transport project has one cost row: payers' shares summing to 1 and the cities that
    pay the city share (``city_payers`` "city:share;...", shares summing to 1; empty: the
    study-area cities of the nodes its links touch, in equal shares) -> ``r["city_split"]``."""
    node_city = {r["id"]: r["city"] for r in d.nodes.rows}
    touched: dict[str, list[str]] = {}
    for r in d.projects.rows:
        cs = touched.setdefault(r["id"], [])
        for col in ("from", "to"):
            c = node_city.get(r[col])
            if c in city_ids and c not in cs:
                cs.append(c)
    t = d.project_costs
    costs = t.by("id")
    for pid in touched:
        if pid not in costs:
            raise DataError(str(t.path), message=(
                f"{t.path}: project {pid}: missing; expected a row for every project of projects.csv "
                f"(its investment and payers)"))
    for r in t.rows:
        if r["id"] not in touched:
            raise _fail(t, r, "id", r["id"], "a project id from projects.csv")
        tot = r["central_share"] + r["province_share"] + r["city_share"]
        if abs(tot - 1.0) > 1e-6:
            raise _fail(t, r, "central_share+province_share+city_share", tot, "shares summing to 1")
        split: dict[str, float] = {}
        for part in [x for x in r["city_payers"].split(";") if x.strip()]:
            name, _, share = part.partition(":")
            try:
                x = float(share)
            except ValueError:
                raise _fail(t, r, "city_payers", part, "city:share pairs like 四平:0.5") from None
            if name.strip() not in city_ids or not 0 <= x <= 1:
                raise _fail(t, r, "city_payers", part, "city ids from cities.csv with shares in [0, 1]")
            split[name.strip()] = x
        if split and abs(sum(split.values()) - 1.0) > 1e-6:
            raise _fail(t, r, "city_payers", r["city_payers"], "city shares summing to 1")
        if not split:
            cs = touched[r["id"]]
            if not cs and r["city_share"] > 0:
                raise _fail(t, r, "city_payers", "", "the cities that pay the city share")
            split = {c: 1.0 / len(cs) for c in cs}
        r["city_split"] = split
