"""Known projects (``known_projects:``, MODEL.md §9.3, issue 14 item 7), levers by stage and the ramp
to 达产: the simulated probability that a known project reaches 投产 within n periods equals the
phase-type closed form of sim/economy/pipeline.py for its starting stage (land not binding), with
and without the stage levers; scenario errors are one line naming the file, key and value."""
import copy
from pathlib import Path

import numpy as np
import pytest

import run
from sim.agents.ramp import Ramp
from sim.economy.pipeline import (
    DROPPED,
    PRODUCING,
    SIGNED,
    STARTED,
    StageHazards,
    advance,
    reach_probability,
    stage_hazards,
)
from sim.model import RegionalEconomy
from sim.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
N_COPIES = 600


@pytest.mark.parametrize("start", [0, SIGNED, STARTED])
def test_reach_probability_is_the_chain_simulated(start):
    h = stage_hazards(0.5, 2.5, [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], 2.0, 0.25)
    r = np.random.default_rng(7)
    n, periods = 200_000, 24
    stage = np.full(n, start, dtype=np.int8)
    share = []
    for _ in range(periods):
        live = stage != DROPPED  # (the model removes dropped projects)
        stage[live] = advance(stage[live], r.random(int(live.sum())), h)
        share.append(np.isin(stage, (PRODUCING, PRODUCING + 1)).mean())
    p = reach_probability(h, start, periods)
    se = np.sqrt(p * (1 - p) / n) + 1e-12
    assert np.all(np.abs(np.array(share) - p) < 4 * se)
    assert np.all(np.diff(p) >= 0) and p[-1] < 1


def _scenario(levers=(), stage="signed"):
    d = copy.deepcopy(load_scenario(ROOT / "scenarios" / "baseline.yaml").resolved)
    d.pop("extends", None)
    d.update(name="known_test", data_dir=str(ROOT / "scenarios" / "data"))
    d["firms"]["scale"] = 0.3
    d["horizon"]["end"] = 2027
    d["known_projects"] = [{"id": f"kp{k}", "name_zh": f"项目{k}", "sector": "农产品和食品加工",
                            "investment_yi": 0.5, "park": "siping_etdz", "stage": stage, "date": "2023-01",
                            "source": "test"} for k in range(N_COPIES)]
    # land never binds: 20,000 ha more in the park before the projects come
    d["levers"] = [{"id": "land", "kind": "land_supply", "value": {"2022-04": 20000}, "target": {"parks": ["siping_etdz"]},
                    "source": "test"}, *levers]
    return validate_scenario(d, "known_test.yaml", path=ROOT / "scenarios" / "known_test.yaml")


def _reached_by_period(ls):
    m = RegionalEconomy(ls)
    shares, entered = [], None
    for _ in range(m.n_steps):
        m.step()
        st = m.known.stage
        if entered is None and (st != -2).all():
            entered = m.t
            continue
        if entered is not None:
            shares.append(np.isin(st, (3, 4, 5)).mean())
    return m, np.array(shares)


def _z_ok(sim, p, n=N_COPIES, z=4.0):
    se = np.sqrt(np.maximum(p * (1 - p), 1e-4) / n)
    return np.abs(sim - p) < z * se


@pytest.mark.parametrize("stage", ["signed", "started"])
def test_known_projects_reach_producing_as_the_closed_form(stage):
    m, sim = _reached_by_period(_scenario(stage=stage))
    start = {"signed": SIGNED, "started": STARTED}[stage]
    p = reach_probability(m.projects.h, start, len(sim))
    assert len(sim) >= 12
    assert _z_ok(sim, p).all(), (sim.round(3), p.round(3))
    assert np.abs(sim - p).max() > 0  # a real simulation, not the formula


def test_stage_levers_shift_the_hazards_as_stated():
    fc, pp = 0.8, 3.0  # friction cut (share), interest subsidy (pp)
    levers = [{"id": "env", "kind": "friction_cut", "value": {"2022-04": fc}, "target": {"cities": ["四平"]},
               "source": "test"},
              {"id": "interest", "kind": "interest_subsidy", "value": {"2022-04": pp},
               "target": {"cities": ["四平"]}, "source": "test"}]
    m, sim = _reached_by_period(_scenario(levers))
    h = m.projects.h
    hh, dd = h.h.copy(), h.d.copy()
    hh[SIGNED] = min(hh[SIGNED] * (1 + fc), 1.0)
    dd[SIGNED] = min(dd[SIGNED], 1 - hh[SIGNED])
    dd[STARTED] *= 1 - pp / 100 / m.p.interest_rate
    p = reach_probability(StageHazards(hh, dd, h.ramp), SIGNED, len(sim))
    p0 = reach_probability(h, SIGNED, len(sim))
    assert _z_ok(sim, p).all(), (sim.round(3), p.round(3))
    assert (p[-1] - p0[-1]) * np.sqrt(N_COPIES) / np.sqrt(p0[-1] * (1 - p0[-1])) > 4  # the levers matter here
    # attribution: known projects kept by the levers are induced, with these levers pivotal
    born = m.known.firm_id[m.known.firm_id >= 0]
    rows = np.flatnonzero(np.isin(m.firms.firm_id, born))
    ind = m.firms.induced[rows]
    assert 0 < ind.sum() < len(born)
    piv = m.firms.pivotal[rows][ind]
    env_bit, int_bit = np.int64(1) << 1, np.int64(1) << 2  # levers 1 and 2 (0 is the land supply)
    assert ((piv & (env_bit | int_bit)) != 0).all()
    assert (piv & (np.int64(1) << 0) == 0).all()  # land supply is not a stage lever


def test_ramp_stationary_share_and_talent_factor():
    rp = Ramp(0.5, 2.0, 0.25, seed=3)
    e = np.array([[0.0075]])
    phi = rp.stationary_share(e)[0, 0]
    # simulate: births e per period enter ramping; ramping leave by 达产 (h) then exit (e)
    r = np.random.default_rng(0)
    n = 400_000
    ramping = r.random(n) < phi
    for _ in range(40):
        reach = ramping & (r.random(n) < rp.h)
        ramping &= ~reach
        ex = r.random(n) < e[0, 0]
        ramping[ex] = True  # an exit is replaced by a birth that starts its ramp
    assert ramping.mean() == pytest.approx(phi, abs=4 * np.sqrt(phi / n) + 2e-3)
    rp.ids = np.arange(100_000, dtype=np.int64)
    rp.sector = np.zeros(100_000, dtype=np.int32)
    reach = rp.draw(5, np.zeros(100_000, dtype=np.intp), np.ones(100_000, bool), np.full((1, 1), 1.5))
    assert reach.mean() == pytest.approx(1.5 * rp.h, abs=4 * np.sqrt(1.5 * rp.h / 1e5))


@pytest.mark.parametrize("patch,needle", [
    ({"park": "no_such_park"}, "known_projects.kp.park"),
    ({"sector": "钢铁"}, "known_projects.kp.sector"),
    ({"stage": "planned"}, "known_projects.kp.stage"),
    ({"investment_yi": -52.5}, "known_projects.kp.investment_yi"),
    ({"jobs": -1}, "known_projects.kp.jobs"),
    ({"date": "2040-01"}, "known_projects.kp.date"),
    ({"date": "2019"}, "known_projects.kp.date"),
    ({"id": "四平"}, "known_projects.四平.id"),
    ({"investor_origin": "火星"}, "known_projects.kp.investor_origin"),
])
def test_bad_known_project_is_one_line_exit_2(tmp_path, capsys, patch, needle):
    (tmp_path / "data").symlink_to(ROOT / "scenarios" / "data")
    kp = {"id": "kp", "name_zh": "新材料产业科创园", "sector": "新材料", "investment_yi": 52.5,
          "park": "siping_xinkai", "stage": "signed", "date": "2023-10", "source": "test", **patch}
    import yaml
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump({"name": "x", "known_projects": [kp]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    code = run.main([str(p), "--out", str(out), "--until", "2023", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert needle in err and "s.yaml" in err
    assert str(patch[next(iter(patch))]) in err  # names the value
