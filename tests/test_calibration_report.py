"""The calibration report in English and Chinese (sim/calibration/report.py, report_text.py): from a
small synthetic calibration result (the smoke file's parameters and moments, made-up draws), the
two reports carry the same numbers, the Chinese one has no English heading and names parameters
and moments in Chinese (issue 15)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.posterior import Fit
from sim.calibration.report import write_report
from sim.calibration.spec import load_calibration

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    lc = load_calibration(ROOT / "tests" / "calibration_smoke.yaml")
    cal = lc.calibration
    rng = np.random.default_rng(3)
    n, d, m = 400, len(cal.parameters), len(cal.moments)
    x = np.column_stack([rng.uniform(p.prior.low, p.prior.high, n) for p in cal.parameters])
    mean = x @ rng.normal(size=(d, m)) * 0.01 + rng.normal(scale=0.001, size=(n, m))
    w = rng.random(n)
    fit = Fit(x=x, mean=mean, var=np.full((n, m), 1e-5), loglik_terms=np.zeros((n, m)),
              weights=w / w.sum(), ess=123.4)
    keep = np.arange(60)
    obs = np.array([mo.observed for mo in cal.moments])
    pred = obs[:, None] + np.abs(obs)[:, None] * np.array([-0.2, 0.05, 0.3])[None, :]
    yc = obs[None, :] * np.array([[0.97], [1.11]])
    checks = [{"moment": mo.id, "scale": "log" if mo.log_scale else "linear", "n_validation": 4,
               "rmse": 0.0123 * (j + 1), "sd_of_runs": 0.0456, "seed_noise_sd": 0.00789, "coverage90": 0.75}
              for j, mo in enumerate(cal.moments)]
    loo = {j: {"median": 0.0217 + j / 1000, "p5": 0.01, "p95": 0.04, "ess": 55.0}
           for j, mo in enumerate(cal.moments) if mo.stat == "growth"}
    summary = {"design_runs_used": 12, "validation_runs_used": 4, "fit_seconds": 7.7,
               "seconds_per_run_median": 0.4321}
    folder = tmp_path_factory.mktemp("cal_report")
    out = write_report(folder, lc, None, fit, pred, keep, w[keep] / w[keep].sum(), checks, loo, yc,
                       np.zeros((0, d)), np.zeros((0, m)), summary)
    assert out == folder / "report.md"
    return (folder / "report.md").read_text(encoding="utf-8"), (folder / "report_zh.md").read_text(encoding="utf-8")


def test_both_reports_carry_the_same_numbers(reports):
    en, zh = reports
    a, b = Counter(NUMBER.findall(en)), Counter(NUMBER.findall(zh))
    assert a == b, (a - b, b - a)
    # the synthetic numbers are there (ESS, timing, a check's RMSE, a left-out growth in %)
    for s in ("**123**", "0.432", "0.0246", "2.17", "12 design runs"):
        assert s in en, s
    assert "**123**" in zh and "0.432" in zh and "0.0246" in zh and "2.17" in zh
    # same tables: as many table rows in each
    assert sum(line.startswith("|") for line in en.splitlines()) == sum(
        line.startswith("|") for line in zh.splitlines())


def test_the_chinese_report_has_no_english_heading_and_chinese_names(reports):
    en, zh = reports
    heads = [line for line in zh.splitlines() if line.startswith("#")]
    assert len(heads) == len([line for line in en.splitlines() if line.startswith("#")]) >= 6
    for h in heads:
        words = re.findall(r"[A-Za-z]{2,}", re.sub(r"`[^`]*`", "", h))
        assert set(words) <= {"GDP"}, h
        assert re.search(r"[\u4e00-\u9fff]", h), h
    assert "区位选择对利润差异的敏感度" in zh and "项目流量规模" in zh  # the parameters
    assert "四平 2023年名义GDP增速" in zh and "城市间税收弹性" in zh  # the moments
    assert "四平 2023年签约项目数（年内部分月份）" in zh
    assert "## Parameters" in en and "区位" not in en
    assert "[report_zh.md](report_zh.md)" in en and "[report.md](report.md)" in zh
