"""``scenarios/data/*.csv`` -> typed tables, with each row's ``source`` and ``estimate`` kept.

Every file is checked on load: required columns present, numbers finite and in range, ids unique,
references to other tables (cities, nodes, sectors) known. A bad file raises a one-line
:class:`DataError` naming the file, the row, the column, the value and what was expected.

Units: money 亿元 (1e8 yuan); population 万人; wages yuan/person-year; land price yuan/m²;
capacity ha; travel time minutes; power price yuan/kWh.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError, read_user_text

SECTOR_PARAMS = {
    # name: (unit, lower bound, upper bound)
    "sigma": ("1", 1.05, 20.0),
    "mu": ("share of income", 1e-5, 1.0),
    "delta": ("1", 0.0, 10.0),
    "va_ratio": ("share", 0.01, 1.0),
    "jobs_per_yi": ("persons per 亿元", 0.0, 10000.0),
    "talent_share": ("share", 0.0, 1.0),
    "land_ha_per_yi": ("ha per 亿元", 0.0, 100.0),
    "capital_per_yi": ("亿元 per 亿元", 0.0, 20.0),
    "labour_cost_share": ("share", 0.0, 1.0),
    "energy_cost_share": ("share", 0.0, 1.0),
    "mean_firm_output": ("亿元", 1e-4, 1e4),
    "mobile": ("0/1", 0.0, 1.0),
    "tradable": ("0/1", 0.0, 1.0),
    "revision_rate": ("per year", 0.0, 1.0),
    "coastal_mobile_share": ("share", 0.0, 1.0),
    "industrial": ("0/1", 0.0, 1.0),   # secondary industry (1) or tertiary (0): which VA it splits
    "park_admits": ("0/1", 0.0, 1.0),  # parks admit it (if tradable and mobile) besides their leaders
    "vat_rate": ("share of value added (statutory VAT rate)", 0.0, 0.2),
    "profit_margin": ("share of gross output (accounting pre-tax margin)", 0.0, 1.0),
    "depreciation_rate": ("per year (share of fixed capital)", 0.0, 1.0),  # δ_s of the q-rule
    "adjustment_cost": ("years", 0.01, 1000.0),  # ψ_s of the q-rule: I/K = δ + (q − q0)/ψ + g0
}


# what the ``unit`` column of sector_params.csv may say for each parameter (a wrong unit, e.g. 万元
# where 亿元 is meant, is a mistake of a factor 1e4 that no range check would catch)
SECTOR_UNITS = {
    "sigma": r"^(unitless|1)\b", "delta": r"^(unitless|1)\b",
    "va_ratio": r"^(unitless|share)\b", "talent_share": r"^(unitless|share)\b",
    "labour_cost_share": r"^(unitless|share)\b", "energy_cost_share": r"^(unitless|share)\b",
    "mu": r"^share of (GDP|income)\b", "jobs_per_yi": r"^persons per 亿元",
    "land_ha_per_yi": r"^ha per 亿元", "capital_per_yi": r"^亿元( fixed capital)? per 亿元",
    "mean_firm_output": r"^亿元( |$)", "mobile": r"^0/1$", "tradable": r"^0/1$",
    "revision_rate": r"^(share of firms )?per year$", "coastal_mobile_share": r"^share\b",
    "industrial": r"^0/1$", "park_admits": r"^0/1$",
    "vat_rate": r"^(unitless|share)\b", "profit_margin": r"^(unitless|share)\b",
    "depreciation_rate": r"^per year\b", "adjustment_cost": r"^years\b",
}


def _num(lo: float | None = None, hi: float | None = None, *, allow_empty: bool = False,
         unit: str = "") -> Callable[[str], float | None]:
    def parse(text: str) -> float | None:
        t = text.strip()
        if t == "" and allow_empty:
            return None
        try:
            x = float(t)
        except ValueError:
            raise ValueError(_expect(lo, hi, unit)) from None
        if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
            raise ValueError(_expect(lo, hi, unit))
        return x
    return parse


def _expect(lo: float | None, hi: float | None, unit: str) -> str:
    rng = ""
    if lo is not None and hi is not None:
        rng = f" between {lo:g} and {hi:g}"
    elif lo is not None:
        rng = f" >= {lo:g}"
    u = f" ({unit})" if unit else ""
    return f"a finite number{rng}{u}"


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes"):
        return True
    if t in ("0", "false", "no"):
        return False
    raise ValueError("true/false or 1/0")


def _text(text: str) -> str:
    t = text.strip()
    if not t:
        raise ValueError("a non-empty text")
    return t


def _any(text: str) -> str:
    return text.strip()


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


SRC = {"source": _text, "estimate": _bool}

CITY_SCHEMA = {
    "id": _text, "name_en": _any, "province": _any, "node": _text,
    "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"),
    "gdp_2022_yi": _num(0.001, 1e7, unit="亿元"), "population_2022_wan": _num(0.001, 1e5, unit="万人"),
    "primary_pct": _num(0, 100, unit="%"), "secondary_pct": _num(0, 100, unit="%"),
    "tertiary_pct": _num(0, 100, unit="%"), "wage_2022_yuan": _num(1000, 1e7, unit="yuan/year"),
    "power_price_yuan_kwh": _num(0.01, 10, unit="yuan/kWh"),
    "gdp_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "population_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "jxn_zone": _bool, "six_city": _bool, "secondary_va_sourced": _bool, **SRC,
}
ORIGIN_SCHEMA = {
    "id": _text, "name_en": _any, "node": _text,
    "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"),
    "gdp_2022_yi": _num(0.001, 1e8, unit="亿元"), "gdp_low_yi": _num(0, 1e8, unit="亿元"),
    "gdp_high_yi": _num(0, 1e8, unit="亿元"),
    "wage_2022_yuan": _num(1000, 1e7, unit="yuan/year"), "wage_low_yuan": _num(0, 1e7),
    "wage_high_yuan": _num(0, 1e7),
    "land_price_yuan_m2": _num(0.01, 1e6, unit="yuan/m²"), "land_price_low_yuan_m2": _num(0, 1e6),
    "land_price_high_yuan_m2": _num(0, 1e6),
    "power_price_yuan_kwh": _num(0.01, 10, unit="yuan/kWh"),
    "gdp_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "wage_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "land_price_trend_growth": _num(-0.5, 0.5, unit="per year"),
    "has_firms": _bool, **SRC,
}
SECTOR_PARAM_SCHEMA = {"sector": _text, "param": _text, "value": _num(), "unit": _any, **SRC}
CITY_SECTOR_SCHEMA = {"city": _text, "sector": _text, "share": _num(0, 1, unit="share"), **SRC}
CITY_TOURISM_SCHEMA = {"city": _text, "tourism_share_of_tertiary": _num(0, 1, unit="share"), **SRC}
PARK_SCHEMA = {
    "id": _text, "name_zh": _text, "city": _text, "node": _text, "level": _any,
    "capacity_ha": _num(0, 1e6, unit="ha"), "capacity_estimate": _bool,
    "occupancy_2022": _num(0, 1, unit="share of capacity"), "leading_sectors": _any,
    "land_price_yuan_m2": _num(0.01, 1e6, unit="yuan/m²"), **SRC,
}
NODE_SCHEMA = {"id": _text, "name_en": _any, "kind": _text, "city": _any,
               "lat": _num(-90, 90, unit="degrees"), "lon": _num(-180, 180, unit="degrees"), **SRC}
LINK_SCHEMA = {"from": _text, "to": _text, "mode": _text, "minutes": _num(0.1, 1e5, unit="minutes"),
               "opened": _any, **SRC}
# national.csv: key -> (unit, lower bound, upper bound); every key is required
NATIONAL_KEYS = {
    "wage_reference_yuan": ("yuan per person-year", 1e3, 1e7),
    "power_price_reference_yuan_kwh": ("yuan per kWh", 0.01, 10.0),
    "park_share_of_city_firms": ("share", 0.0, 1.0),
    "leading_sector_park_weight": ("ratio", 0.01, 100.0),
    "park_land_price_growth": ("per year", -0.5, 0.5),
    "outside_park_land_price_ratio": ("ratio", 0.01, 100.0),
    "default_land_price_yuan_m2": ("yuan/m²", 1.0, 1e5),
    "study_area_investment_share": ("share", 1e-5, 0.5),
    "project_duration_share_intention": ("share", 0.0, 1.0),
    "project_duration_share_signed": ("share", 0.0, 1.0),
    "project_duration_share_started": ("share", 0.0, 1.0),
    "project_dropout_share_intention": ("share", 0.0, 1.0),
    "project_dropout_share_signed": ("share", 0.0, 1.0),
    "project_dropout_share_started": ("share", 0.0, 1.0),
    "vat_collection_ratio": ("ratio", 0.0, 2.0),
    "land_cost_share": ("share of the land price", 0.0, 5.0),
    "ramp_start_share": ("share", 0.01, 1.0),
    "ramp_years": ("years", 0.0, 20.0),
    "financing_rate": ("per year", 0.0, 0.5),  # r_f of the user cost of capital (1-year LPR)
}
INVESTOR_SCHEMA = {"origin": _text, "share": _num(0.0, 1.0, unit="share"), **SRC}
NATIONAL_SCHEMA = {"key": _text, "value": _num(), "unit": _text, **SRC}
# prices.csv (optional; none: no inflation): a deflator's growth in ``year`` over the year before, by
# city, province (cities.csv ``province``) or ``default``; with both GDPs and the real growth the
# growth is (gdp / gdp_prev) / (1 + real_growth) − 1 and the file's value must agree
PRICE_SCHEMA = {"place": _text, "year": _num(2000, 2100, unit="year"),
                "gdp_prev_yi": _num(0.001, 1e8, allow_empty=True, unit="亿元"),
                "gdp_yi": _num(0.001, 1e8, allow_empty=True, unit="亿元"),
                "real_growth": _num(-0.5, 0.5, allow_empty=True, unit="per year"),
                "deflator_growth": _num(-0.5, 0.5, unit="per year"), **SRC}
# budget.csv (optional; a city without a row has no residual): published 2022 一般公共预算收入
BUDGET_SCHEMA = {"city": _text, "general_budget_revenue_2022_yi": _num(0.0, 1e6, unit="亿元/year"), **SRC}
PROJECT_SCHEMA = {"id": _text, "name_zh": _text, "from": _text, "to": _text, "mode": _text,
                  "minutes_after": _num(0.1, 1e5, unit="minutes"), "completion": _text, **SRC}
# project_costs.csv: one row per transport project: its public investment and who pays it
PROJECT_COST_SCHEMA = {"id": _text, "name_zh": _any, "length_km": _num(0, 1e5, unit="km"),
                       "investment_yi": _num(0, 1e5, unit="亿元"),
                       "build_years": _num(0.25, 30, unit="years"),
                       "central_share": _num(0, 1, unit="share"), "province_share": _num(0, 1, unit="share"),
                       "city_share": _num(0, 1, unit="share"), "city_payers": _any, **SRC}
# modes.csv: each transport mode of links.csv / projects.csv, the network its links belong to (road,
# or rail with the rail access time) and whether goods move on it (freight times -> trade freeness)
MODE_SCHEMA = {"mode": _text, "network": _text, "freight": _bool, "description": _any, **SRC}
NETWORKS = ("road", "rail")


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
    sectors: list[str] = field(default_factory=list)
    params: dict[str, dict[str, float]] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [self.cities, self.origins, self.sector_params, self.city_sectors, self.city_tourism,
                self.parks, self.nodes, self.links, self.projects, self.national, self.project_costs,
                self.investors, self.prices, self.budget, self.modes]

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
        """[(date, rate), …] of a city's GDP deflator for ``sim.economy.prices.deflator_index``: the
        rate of each year of prices.csv (the city's row, else its province's, else ``default``)
        applies from the start of the year before (2023's growth over 2022 from 2022.0); the last
        rate goes on. No rows: [] (no inflation)."""
        by = {(r["place"], int(r["year"])): r["deflator_growth"] for r in self.prices.rows}
        prov = self.cities.by("id")[city]["province"]
        out = []
        for y in sorted({y for _, y in by}):
            for place in (city, prov, "default"):
                if (place, y) in by:
                    out.append((float(y - 1), by[(place, y)]))
                    break
        return out

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
