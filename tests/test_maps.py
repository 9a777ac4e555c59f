"""Maps on the cities' real shapes (sim/outputs/maps.py): every city drawn as its shape in the colour of
its value, labels inside their city and apart from each other, parks spread where they share a
place, and the run's map written from a run's result files."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

from sim.data import load_data
from sim.outputs import maps
from sim.outputs.plots import setup_font
from sim.territory import inside, load_territory

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"


@pytest.fixture(scope="module")
def places():
    d = load_data(DATA)
    node = d.nodes.by()
    parks = {pk["id"]: (node[pk["node"]]["lat"], node[pk["node"]]["lon"], pk["name_zh"], pk["city"])
             for pk in d.parks.rows}
    cities = {c["id"]: (c["lat"], c["lon"]) for c in d.cities.rows}
    return load_territory(DATA), parks, cities


def _texts(ax, ids):
    return [t for t in ax.texts if t.get_text().split("\n")[0] in ids]


def test_choropleth_fills_each_city_shape_with_its_value(places):
    ter, parks, cities = places
    setup_font()
    ids = list(cities)
    values = {c: float(i) for i, c in enumerate(ids)}
    values[ids[3]] = np.nan
    fig, ax = plt.subplots()
    markers = maps.park_markers(parks, {k: 1.0 + i for i, k in enumerate(parks)}, ["四平"])
    maps.choropleth(ax, ter, values, "t", "unit", cmap="viridis", parks=markers, park_label="p",
                    cities=ids)
    coll = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_paths()) == len(ids)]
    fills = coll[0].get_facecolors()
    assert len(fills) == len(ids) and (coll[1].get_facecolors()[:, 3] == 0).all()  # fills, borders
    cm = plt.get_cmap("viridis")
    np.testing.assert_allclose(fills[-1], cm(1.0), atol=1e-6)   # the largest value
    np.testing.assert_allclose(fills[0], cm(0.0), atol=1e-6)    # the smallest
    np.testing.assert_allclose(fills[3][:3], matplotlib.colors.to_rgb(maps.NO_DATA))
    # each city's seat lies inside its drawn shape, and no other city's
    for i, (p, c) in enumerate(zip(coll[0].get_paths(), ids)):
        lat, lon = cities[c]
        assert p.contains_point((lon, lat)), c
        assert not coll[0].get_paths()[i - 1].contains_point((lon, lat)), c
    # a colour bar with the unit and a legend for the parks
    assert any(a.get_ylabel() == "unit" for a in fig.axes if a is not ax)
    assert ax.get_legend() is not None and ax.get_legend().get_title().get_text() == "p"
    plt.close(fig)


@pytest.mark.parametrize("size", [(11, 6.4), (9, 5.2)])  # the run's map, a comparison's panels
def test_labels_sit_inside_their_city_and_do_not_overlap(places, size):
    ter, parks, cities = places
    setup_font()
    fig, ax = plt.subplots(figsize=size)
    markers = maps.park_markers(parks, {k: 5.0 for k in parks})
    maps.choropleth(ax, ter, {c: 100.0 + i for i, c in enumerate(cities)}, "t", "u", parks=markers,
                    cities=list(cities))
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    texts = _texts(ax, set(cities))
    assert len(texts) == len(cities)
    for t in texts:
        x, y = t.get_position()
        assert inside(ter.polygons[t.get_text().split("\n")[0]], np.array([x]), np.array([y]))[0]
    boxes = [t.get_window_extent(r) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    plt.close(fig)


def test_spread_separates_parks_at_one_place_and_keeps_lone_ones():
    pts = [(125.0, 43.0)] * 5 + [(122.0, 44.0)]
    out = maps.spread(pts)
    assert out[5] == pts[5]
    ring = np.array(out[:5])
    assert len({tuple(np.round(p, 6)) for p in ring}) == 5
    d = np.hypot((ring[:, 0] - 125.0) * np.cos(np.radians(43.0)), ring[:, 1] - 43.0)
    np.testing.assert_allclose(d, d[0])
    assert 0 < d[0] < 0.3


def test_label_point_avoids_the_parks(places):
    ter = places[0]
    free = maps.label_point(ter.polygons["四平"])
    avoided = maps.label_point(ter.polygons["四平"], np.array([[free[0], free[1]]]))
    assert np.hypot(avoided[0] - free[0], avoided[1] - free[1]) > 0.1
    assert inside(ter.polygons["四平"], np.array([avoided[0]]), np.array([avoided[1]]))[0]


def test_run_map_from_a_run(tmp_path, places):
    import pandas as pd
    ter, parks, cities = places
    setup_font()
    rows = []
    for y, f in ((2022.0, 1.0), (2023.75, 1.1)):
        for i, c in enumerate(cities):
            rows.append({"year": y, "place": c, "measure": "gdp", "value": 100.0 * f * (1 + 0.01 * i)})
            rows.append({"year": y, "place": c, "measure": "arrivals", "value": float(i)})
        for k in parks:
            rows.append({"year": y, "place": k, "measure": "industrial_output", "value": 10.0})
            rows.append({"year": y, "place": k, "measure": "arrivals", "value": 1.0})
    df = pd.DataFrame(rows).assign(sector="", origin="", lever="")
    p = maps.run_map(df, tmp_path, ter, parks, cities, ["四平", "辽源", "通化"])
    assert p.name == "map.png" and p.stat().st_size > 50_000
