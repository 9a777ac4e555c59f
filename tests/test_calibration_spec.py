"""Calibration files, priors, the emulator and the importance sampler (issue 15), without model runs
(but two short ones for the new parameters)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

import run
from sim.calibration.emulator import Z90, Emulator, check
from sim.calibration.posterior import first_order, importance, leave_one_out, resample
from sim.calibration.posterior_file import weighted_quantile
from sim.calibration.spec import CalibrationError, Prior, load_calibration

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "scenarios" / "calibration"
SMOKE = ROOT / "tests" / "calibration_smoke.yaml"


def _cal(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _smoke_text() -> str:
    return SMOKE.read_text(encoding="utf-8").replace("../scenarios/", f"{ROOT}/scenarios/")


# ------------------------------------------------------------------------------------------
# Files: the shipped ones load, a bad one is one line naming the key
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["main.yaml", "quick.yaml"])
def test_shipped_calibration_files_load(name):
    lc = load_calibration(CAL / name)
    cal = lc.calibration
    assert cal.keys == ["parameters.beta", "parameters.revision_scale", "parameters.project_flow_scale",
                        "parameters.signed_investment_ratio"]
    gdp = [m for m in cal.moments if m.measure.endswith(".gdp")]
    assert len(gdp) == 11 and all(m.stat == "growth" and m.year == 2023 for m in gdp)
    assert {m.measure for m in cal.moments} >= {"四平.projects_signed", "四平.investment_signed",
                                                 "tax.between_cities", "tax.between_parks"}
    # nothing from 2024 on is a moment (held out)
    assert all(m.year is None or m.year <= 2023 for m in cal.moments) and cal.until == 2023
    # the naive rule's rate is read from the table: Jilin province 13070.24 -> 13531.19
    assert lc.benchmark_rate == pytest.approx(13531.19 / 13070.24 - 1)
    for p in cal.parameters:
        assert p.source.startswith("assumption") or "seed" in p.source


def test_observed_growth_equals_the_table():
    """Every GDP-growth moment's observed value is value(2023)/value(2022) - 1 of the copied
    bulletins table (rounded to 5 decimals), and every row of the table names a source."""
    with open(CAL / "observed_2022_2023.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r["source"] and r["source_title"] and int(r["year"]) <= 2023 for r in rows)
    v = {(r["place"], int(r["year"]), r["measure"]): float(r["value"]) for r in rows}
    for name in ("main.yaml", "quick.yaml"):
        for m in load_calibration(CAL / name).calibration.moments:
            if m.measure.endswith(".gdp"):
                assert m.observed == pytest.approx(v[(m.place, 2023, "gdp")] / v[(m.place, 2022, "gdp")] - 1,
                                                   abs=6e-6), m.id


def test_checks_observed_equal_the_table_and_are_not_fitted():
    """main.yaml's checks: real GDP growth and above-scale industrial VA growth are the table's 2023
    per cent; the secondary sector's nominal growth is its value(2023)/value(2022) - 1; the seeds'
    figures are seed 004's. No check is also a moment, and none is after 2023."""
    with open(CAL / "observed_2022_2023.csv", encoding="utf-8", newline="") as fh:
        v = {(r["place"], int(r["year"]), r["measure"]): float(r["value"]) for r in csv.DictReader(fh)}
    cal = load_calibration(CAL / "main.yaml").calibration
    seen = set()
    for c in cal.checks:
        assert c.year <= 2023 and not c.identifies
        meas = c.measure.split(".", 1)[1]
        if c.id.startswith("real_gdp_growth"):
            assert meas == "gdp_real" and c.observed == pytest.approx(v[(c.place, 2023, "gdp_real_growth")] / 100)
        elif c.id.startswith("industrial_va_growth"):
            assert c.observed == pytest.approx(v[(c.place, 2023, "ind_va_above_scale_growth")] / 100)
        elif c.id.startswith("secondary_nominal_growth"):
            g = v[(c.place, 2023, "secondary_va")] / v[(c.place, 2022, "secondary_va")] - 1
            assert c.observed == pytest.approx(g, abs=6e-6)
        elif c.id == "siping_projects_signed_2023_all":  # the zones' 41 and the departments' 32
            assert c.observed == 41 + 32 and "41" in c.source and "32" in c.source
        else:
            assert "seed 004" in c.source and f"{c.observed:g}" in c.source, c.id
        seen.add(c.id.rsplit("_", 1)[0] if "growth" in c.id else c.id)
    assert {"real_gdp_growth_2023", "industrial_va_growth_2023", "secondary_nominal_growth_2023",
            "tiedong_funds_arrived_2023", "siping_funds_arrived_2023_city_departments"} <= seen
    assert not {c.id for c in cal.checks} & {m.id for m in cal.moments}
    # a reader tells every row apart in both reports (two industrial checks per city share a measure)
    from sim.calibration.report_text import moment_label
    for lang in ("en", "zh"):
        assert len({moment_label(c, lang) for c in cal.checks}) == len(cal.checks), lang


BAD = [
    (("moments:\n  - {id: a, measure: 四平.gdp, stat: growth, year: 2023, observed: 0.01, "
     "error: {kind: sd, value: 0.01}, source: s, identifies: [parameters.nope]}\n"), "moments.0.identifies"),
    ("name: x\n", "scenario: missing"),
    (("moments:\n  - {id: a, measure: 四平.gdp, stat: growth, year: 2023, observed: 0.01, "
     "error: {kind: sd, value: 0.01}, source: s, colour: red}\n"), "moments.0.colour: unknown key"),
    ("parameters:\n  - {key: parameters.beta, prior: {dist: loguniform, low: -1, high: 3}, source: s}\n",
     "parameters.0.prior"),
    ("parameters:\n  - {key: parameters.no_such, prior: {dist: uniform, low: 1, high: 3}, source: s}\n",
     "parameters.0.key"),
    ("parameters:\n  - {key: parameters.beta, prior: {dist: uniform, low: 1, high: 1e9}, source: s}\n",
     "parameters.0.prior"),
    (("moments:\n  - {id: a, measure: 四平.projects_signed, stat: year_mean, year: 2023, observed: 4, "
     "error: {kind: sd, value: 1}, source: s}\n"), "moments.0"),
    (("moments:\n  - {id: a, measure: 火星.gdp, stat: growth, year: 2023, observed: 0.01, "
     "error: {kind: sd, value: 0.01}, source: s}\n"), "moments.0.measure"),
    (("moments:\n  - {id: a, measure: 四平.gdp, stat: growth, year: 2030, observed: 0.01, "
     "error: {kind: sd, value: 0.01}, source: s}\n"), "moments.0.year"),
    (("moments:\n  - {id: a, measure: tax.between_parks, observed: -2, error: {kind: relative, value: 0.2}, "
     "source: s}\n"), "moments.0"),
    ("method: {kind: gp_emulator, design_runs: 4, validation_runs: 0}\n", "method.design_runs"),
    ("until: 2040\n", "until"),
    (("checks:\n  - {id: c, measure: 四平.funds_arrived, stat: year_total, year: 2023, observed: 1, "
     "error: {kind: sd, value: 1}, source: s, identifies: [parameters.beta]}\n"), "checks.0.identifies"),
    (("checks:\n  - {id: c, measure: 火星.funds_arrived, stat: year_total, year: 2023, observed: 1, "
     "error: {kind: sd, value: 1}, source: s}\n"), "checks.0.measure"),
    (("checks:\n  - {id: gdp_growth_2023_siping, measure: 四平.gdp, stat: growth, year: 2023, observed: 0.01, "
     "error: {kind: sd, value: 0.01}, source: s}\n"), "gdp_growth_2023_siping"),
]


@pytest.mark.parametrize("patch,needle", BAD)
def test_bad_calibration_file_is_one_line_naming_the_key(tmp_path, capsys, patch, needle):
    """The smoke file with one key (or the first parameter or moment) replaced by a bad one."""
    import yaml
    base = yaml.safe_load(_smoke_text())
    for k, v in yaml.safe_load(patch).items():
        if k in ("parameters", "moments", "checks"):
            base[k][0] = v[0]  # the first entry replaced, the others kept
        else:
            base[k] = v
    if needle == "scenario: missing":
        del base["scenario"]
        needle = "scenario: missing"
    p = _cal(tmp_path, yaml.safe_dump(base, allow_unicode=True))
    with pytest.raises(CalibrationError) as e:
        load_calibration(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg and needle in msg, msg
    assert run.main(["calibrate", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and needle in err


def test_missing_file_and_bad_options(tmp_path, capsys):
    assert run.main(["calibrate", str(tmp_path / "nope.yaml")]) == 2
    assert "not found" in capsys.readouterr().err
    assert run.main(["calibrate", str(SMOKE), "--workers", "0"]) == 2
    assert run.main(["calibrate"]) == 2


# ------------------------------------------------------------------------------------------
# Priors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prior", [Prior(dist="uniform", low=1, high=3), Prior(dist="loguniform", low=0.25, high=4),
                                   Prior(dist="normal", mean=1, sd=0.5, low=0.3, high=3)])
def test_prior_quantiles_and_emulator_scale(prior):
    u = np.linspace(0, 1, 101)
    x = prior.ppf(u)
    assert x[0] == pytest.approx(prior.low) and x[-1] == pytest.approx(prior.high)
    assert np.all(np.diff(x) > 0)
    z = prior.to_emulator(x)
    assert z[0] == pytest.approx(0) and z[-1] == pytest.approx(1)
    # the density integrates to 1 over the bounds
    g = np.linspace(prior.low, prior.high, 20001)
    assert np.trapezoid(prior.pdf(g), g) == pytest.approx(1, abs=2e-3)
    if prior.dist == "loguniform":  # the median is the geometric mean
        assert prior.ppf(np.array([0.5]))[0] == pytest.approx(math.sqrt(prior.low * prior.high))


# ------------------------------------------------------------------------------------------
# The emulator and the posterior on closed forms
# ------------------------------------------------------------------------------------------


def test_emulator_recovers_a_known_function_within_its_interval():
    """A GP on f(z) = sin(3 z0) + z1² + noise (sd 0.05), the third input irrelevant: on fresh points
    the mean is within a few noise s.d. of f, ~90 % of noisy draws fall in the 90 % interval, the
    estimated noise is the true one, and the irrelevant input gets a long length scale."""
    rng = np.random.default_rng(1)

    def f(z):
        return np.sin(3 * z[:, 0]) + z[:, 1] ** 2

    z = rng.random((120, 3))
    y = f(z) + 0.05 * rng.standard_normal(120)
    em = Emulator(z, y[:, None], ["toy"], seed=0)
    zt = rng.random((400, 3))
    yt = f(zt) + 0.05 * rng.standard_normal(400)
    mean, var = em.predict(zt)
    assert np.sqrt(np.mean((mean[:, 0] - f(zt)) ** 2)) < 0.03
    inside = np.mean(np.abs(yt - mean[:, 0]) <= Z90 * np.sqrt(var[:, 0]))
    assert 0.84 <= inside <= 0.96, inside
    assert em.noise_sd[0] == pytest.approx(0.05, rel=0.25)
    ls = em.length_scales[0]
    assert ls[2] > 3 * max(ls[0], ls[1])
    c = check(em, zt, yt[:, None])[0]
    assert c["coverage90"] == pytest.approx(inside) and c["rmse"] < 0.07


def test_importance_sampling_matches_the_conjugate_normal_posterior():
    """θ ~ U(0, 1) prior, y | θ ~ N(θ, s² + v) with a known 'emulator' mean θ and variance v: the
    weighted mean and s.d. equal the truncated-normal posterior's; leave-one-out of one of two
    observations equals the fit to the other alone."""
    from scipy import stats
    n = 200_000
    x = (np.arange(n) + 0.5)[:, None] / n
    mean = np.hstack([x, x])
    var = np.full((n, 2), 0.01)
    obs, sd = np.array([0.4, 0.5]), np.array([0.1, 0.2])
    fit = importance(x, mean, var, obs, sd)
    prec = 1 / (0.01 + sd ** 2)
    m_post = (prec * obs).sum() / prec.sum()
    s_post = prec.sum() ** -0.5
    a, b = (0 - m_post) / s_post, (1 - m_post) / s_post
    tn = stats.truncnorm(a, b, loc=m_post, scale=s_post)
    mu = np.sum(fit.weights * x[:, 0])
    assert mu == pytest.approx(tn.mean(), abs=1e-4)
    assert np.sqrt(np.sum(fit.weights * (x[:, 0] - mu) ** 2)) == pytest.approx(tn.std(), rel=1e-3)
    assert weighted_quantile(x[:, 0], fit.weights, 0.95) == pytest.approx(tn.ppf(0.95), abs=1e-4)
    # leaving out observation 0: the posterior is observation 1's alone, and the predictive of
    # observation 0 is centred on it
    loo = leave_one_out(fit, [0], np.random.default_rng(0))[0]
    s1 = (0.01 + sd[1] ** 2) ** 0.5
    tn1 = stats.truncnorm((0 - obs[1]) / s1, (1 - obs[1]) / s1, loc=obs[1], scale=s1)
    assert loo["median"] == pytest.approx(tn1.mean(), abs=0.01)
    keep, w = resample(fit.weights, 1000, np.random.default_rng(2))
    assert w.sum() == pytest.approx(1) and np.sum(w * x[keep, 0]) == pytest.approx(mu, abs=0.01)
    s1 = first_order(np.column_stack([x[:, 0], np.random.default_rng(3).random(n)]), mean[:, :1])
    assert s1[0, 0] > 0.99 and s1[0, 1] < 0.01


# ------------------------------------------------------------------------------------------
# The two new parameters
# ------------------------------------------------------------------------------------------


def _siping_2023(sets: list[str]) -> dict:
    from sim.experiments.sweep import annual_series
    from sim.model import RegionalEconomy
    from sim.outputs.metrics import Recorder
    from sim.scenario import load_scenario
    m = RegionalEconomy(load_scenario(ROOT / "scenarios" / "baseline.yaml", ["firms.scale=0.5", *sets]),
                        seed=3, until=2023)
    rec = Recorder()
    rec.collect(m)
    for _ in range(m.n_steps):
        m.step()
        rec.collect(m)
    df = rec.frame()
    names = ["四平.projects_signed", "四平.investment_signed", "region.projects_intended", "region.gdp"]
    s = annual_series(df, names, ("projects_signed", "investment_signed", "projects_intended"))
    return {k: v[2023] for k, v in s.items()}


def test_signed_investment_ratio_scales_only_the_reported_investment():
    a = _siping_2023(["parameters.signed_investment_ratio=1.0"])  # the baseline's posterior sets ~18
    b = _siping_2023(["parameters.signed_investment_ratio=12.5"])
    assert a["四平.investment_signed"] > 0
    assert b["四平.investment_signed"] == pytest.approx(12.5 * a["四平.investment_signed"], rel=1e-12)
    for k in ("四平.projects_signed", "region.projects_intended", "region.gdp"):
        assert b[k] == a[k], k  # no dynamics change


def test_project_flow_scale_multiplies_the_intentions():
    a = _siping_2023(["parameters.project_flow_scale=1.0"])  # the baseline's posterior sets ~1.01
    b = _siping_2023(["parameters.project_flow_scale=2.0"])
    assert b["region.projects_intended"] / a["region.projects_intended"] == pytest.approx(2.0, rel=0.1)
    assert b["region.gdp"] > a["region.gdp"]
