"""Distances for the transport network and the market block from the territory (issue 16):
the mean distance from a node to each study-area city's buyers over its cells and the city's
internal travel time t₀ (``sim.territory``, ``sim.geography``, ``sim.agents.transport``),
checked against closed forms, and the freeness they give (φ ≤ 1)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.data import load_data
from sim.economy.market import freeness_from_time
from sim.geography import buyer_access_km, haversine_km, market_internal_minutes, road_minutes
from sim.territory import GridSpec, load_territory, mean_distance_from_points_km

DATA = "scenarios/data"


def disk_layer(radius_km: float, lat: float = 43.5, lon: float = 125.0, index: int = 0,
               spec: GridSpec | None = None, layer: np.ndarray | None = None):
    """A synthetic ``city`` layer: the cells whose centre lies within ``radius_km`` (great circle)
    of (lat, lon) belong to city ``index``."""
    if spec is None:
        dlat = radius_km / 111.0 + 0.5
        dlon = radius_km / (111.0 * math.cos(math.radians(lat))) + 0.5
        spec = GridSpec.over(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    if layer is None:
        layer = np.full((spec.width, spec.height), -1, dtype=np.int32)
    xs, ys = np.meshgrid(np.arange(spec.width), np.arange(spec.height), indexing="ij")
    clat, clon = spec.center(xs, ys)
    layer[haversine_km(clat, clon, lat, lon) <= radius_km] = index
    return spec, layer


@pytest.mark.parametrize("radius", [40.0, 100.0])
def test_disk_seen_from_its_centre_is_2R_over_3(radius):
    """A uniform point of a disk of radius R is 2R/3 from its centre on average; the grid's 5 km
    cells, each with its own area, reproduce it within 1.5 % (the rim's cells)."""
    spec, layer = disk_layer(radius)
    d = mean_distance_from_points_km(layer, spec, 1, 43.5, 125.0)[0, 0]
    assert d == pytest.approx(2 * radius / 3, rel=0.015)


def test_distance_from_a_point_outside_matches_monte_carlo():
    # a point 150 km east of a disk of radius 60 km: the cells' area-weighted mean against the mean
    # over uniform points of the same disk (sampled in the plane, distances on the sphere)
    spec, layer = disk_layer(60.0, spec=GridSpec.over(123.0, 42.0, 128.0, 45.0))
    lon_p = 125.0 + 150.0 / (111.2 * math.cos(math.radians(43.5)))
    d = mean_distance_from_points_km(layer, spec, 1, 43.5, lon_p)[0, 0]
    rng = np.random.default_rng(5)
    r, a = 60.0 * np.sqrt(rng.random(400_000)), rng.random(400_000) * 2 * math.pi
    lat = 43.5 + r * np.sin(a) / 111.2
    lon = 125.0 + r * np.cos(a) / (111.2 * np.cos(np.radians(lat)))
    mc = haversine_km(lat, lon, 43.5, lon_p).mean()
    assert d == pytest.approx(mc, rel=0.01)
    assert d > 150.0  # farther than the centre: the mean distance to a disk exceeds the centre's


def test_larger_cities_get_longer_internal_times():
    spec, layer = disk_layer(30.0, lat=43.0, lon=124.0, index=0, spec=GridSpec.over(122.0, 41.5, 129.5, 45.0))
    _, layer = disk_layer(90.0, lat=43.5, lon=127.0, index=1, spec=spec, layer=layer)
    d = mean_distance_from_points_km(layer, spec, 2, [43.0, 43.5], [124.0, 127.0])
    t0 = road_minutes(np.diag(d), 1.32, 60.0)
    assert t0[1] / t0[0] == pytest.approx(3.0, rel=0.03)
    # t0 = D · ρ / v · 60 (minutes), D = 2R/3 from the centre
    assert t0[1] == pytest.approx(2 * 90 / 3 * 1.32 / 60 * 60, rel=0.015)
    # the real cities: the largest (通辽) takes longest, the smallest (梅河口) shortest, and the
    # times rise with the official area (rank correlation; a seat at the edge adds to it)
    data = load_data(DATA)
    ids = [c["id"] for c in data.cities.rows]
    t = market_internal_minutes(data, list(data.parks.rows), len(ids), 0, 30.0)
    area = np.array([load_territory(DATA).official_area_km2(c) for c in ids])
    assert ids[int(np.argmax(t))] == ids[int(np.argmax(area))] == "通辽"
    assert ids[int(np.argmin(t))] == ids[int(np.argmin(area))] == "梅河口"
    rank = np.corrcoef(np.argsort(np.argsort(t)), np.argsort(np.argsort(area)))[0, 1]
    assert rank > 0.7
    assert t[ids.index("吉林")] > 2 * t[ids.index("辽源")]


def test_market_internal_minutes_origins_keep_the_parameter():
    data = load_data(DATA)
    nc, no = len(data.cities.rows), len(data.origins.rows)
    t = market_internal_minutes(data, list(data.parks.rows), nc, no, 42.0)
    assert np.all(t[nc:] == 42.0)
    assert np.all((t[:nc] > 30.0) & (t[:nc] < 300.0))


def test_freeness_is_at_most_one_and_one_at_home():
    t0 = np.array([50.0, 120.0])
    minutes = np.array([[0.0, 85.0], [85.0, 0.0], [300.0, 300.0]])
    phi = freeness_from_time(minutes, 0.8, t0)
    assert np.all(phi <= 1.0) and phi[0, 0] == phi[1, 1] == 1.0
    # 85 minutes to the buyers is closer than the large market's own seat is to them: no trade cost
    assert phi[0, 1] == 1.0 and phi[1, 0] == pytest.approx((85 / 50) ** -0.8)
    assert phi[2, 1] == pytest.approx((300 / 120) ** -0.8)


def test_the_model_takes_minutes_to_the_buyers():
    """In the baseline, a site at a city's seat reaches its own buyers in t₀ (φ = 1) and another
    city's buyers in the network's minutes × (mean km to the buyers / seat-to-seat km)."""
    from sim.model import RegionalEconomy
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario("scenarios/baseline.yaml"))
    tr, ids = m.transport, list(m.sites.ids)
    r, q = ids.index("四平·园区外"), m.market_ids.index("长春")
    net = tr.net.times(m.start, tr.projects, freight=True)
    i, j = tr.site_node_idx[r], tr.market_node_idx[q]
    g = tr.net.distance_km()[i, j]
    s = m.sectors.index("汽车及零部件")
    t = tr.site_market_minutes(m.start)[s]
    d = buyer_access_km(m.data, m.park_rows, m.n_cities, [tr.net.lat[i]], [tr.net.lon[i]])[0, q]
    assert t[r, q] == pytest.approx(net[i, j] * d / g, rel=1e-12)
    own = m.market_ids.index("四平")
    assert t[r, own] == tr.internal_minutes[own] and m.market.phi[s, r, own] == 1.0
    # origins keep the network's node-to-node minutes
    o = m.market_ids.index("京津冀")
    assert t[r, o] == net[i, tr.market_node_idx[o]]


# the fastest a mode can go (km/h, straight line at the design speed: a link's great-circle
# km / minutes cannot exceed it) and the slowest plausible door-to-door speed on the typical
# detour (great-circle km × route_factor / minutes)
DESIGN_KMH = {"road": 120.0,   # expressways' design and legal maximum (JTG B01-2014)
              "rail": 160.0,   # conventional 快速铁路 (长白乌: Ⅰ级, 160 km/h)
              "hsr": 350.0}    # 客运专线 (TB 10621-2014: 250-350 km/h)
SLOWEST_KMH = {"road": 30.0, "rail": 40.0, "hsr": 100.0}


def _link_speeds():
    from sim.geography import Network
    data = load_data(DATA)
    net = Network.from_data(data, rail_access_minutes=30.0)
    km = net.distance_km()
    rows = [(net.node_ids[i], net.node_ids[j], m, t) for i, j, m, t in net.links]
    rows += [(net.node_ids[i], net.node_ids[j], m, t) for _, i, j, m, t, _ in net.projects]
    idx = {n: k for k, n in enumerate(net.node_ids)}
    return [(a, b, m, t, km[idx[a], idx[b]]) for a, b, m, t in rows], data.const("route_factor")


def test_every_link_implies_a_plausible_speed_for_its_mode():
    """links.csv and projects.csv minutes against the great-circle km of their two nodes: not
    faster than the mode's design speed in a straight line, not slower than a crawl on the typical
    detour (route_factor)."""
    rows, rho = _link_speeds()
    assert len(rows) > 60
    for a, b, mode, minutes, km in rows:
        straight = km / (minutes / 60.0)
        routed = km * rho / (minutes / 60.0)
        assert straight <= DESIGN_KMH[mode], (a, b, mode, minutes, round(km), round(straight))
        assert routed >= SLOWEST_KMH[mode], (a, b, mode, minutes, round(km), round(routed))


def test_pairs_without_a_path_take_the_great_circle_road_time():
    from sim.geography import Network
    data = load_data(DATA)
    net = Network.from_data(data, rail_access_minutes=30.0)
    # the shipped network joins every pair of nodes, for goods and for passengers
    for freight in (False, True):
        assert np.isfinite(net.times(2022.0, net.project_ids(), freight=freight)).all()
    # a node with no link: its times are great-circle km × ρ ÷ v, finite and symmetric
    lone = Network(net.node_ids + ["孤点"], np.r_[net.lat, 44.0], np.r_[net.lon, 127.0], net.links,
                   net.projects, net.rail_access, net.modes, net.route_factor, net.road_speed_kmh)
    t = lone.times(2022.0, freight=True)
    assert np.isfinite(t).all() and np.allclose(t, t.T)
    km = haversine_km(44.0, 127.0, net.lat, net.lon)
    np.testing.assert_allclose(t[-1, :-1], km * net.route_factor / net.road_speed_kmh * 60.0)
    np.testing.assert_array_equal(t[:-1, :-1], net.times(2022.0, freight=True))
