"""``python run.py report FOLDER [--lang zh|en] [--out DIR]``: one self-contained HTML report of a
result, ensemble or comparison folder, for policy teams to pass on (docs/cli.md).

Everything is inside one ``report.html``: figures as base64 PNG data URIs (fresh ones drawn here
from the runs' ``trajectories.parquet``: the map of arrivals by park, the 亩均 park indicators, the
levers' schedules and, for comparisons, fan charts of the levels; the folder's own PNGs otherwise),
inline CSS, and the glyphs the page uses subset from the shipped CJK font (``sim/fonts``, SIL OFL)
as an embedded web font, so Chinese renders on a machine without CJK fonts and nothing is fetched
from the network. No JavaScript.

The report never writes into the folder it reads: it goes to a new folder
``DIR/<timestamp>_<source folder>_<lang>/`` (default ``DIR`` = ``results/reports``), written to a
hidden temporary folder and renamed into place. The last line of stdout is the HTML file's path.

亩均 indicators (per park, per mu of land in use, i.e. capacity − free land = occupancy × capacity,
the recorder's ``land_used``; 1 ha = 15 亩):
  亩均产值 = industrial output (万元/year) / land used (亩);
  亩均税收 = local VAT and income-tax share collected from the park's firms (``tax_revenue``,
  万元/year) / land used.
Base year: output and land of the calibrated base state; tax (no flow at the base state) from the
simulated periods of the base year, annualised. End year: means over the last calendar year's
periods (tax annualised). Ensembles and comparisons: the mean over replicates of each indicator.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import html
import io
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import CommandParser, UserError

ROOT = Path(__file__).resolve().parents[3]
MU_PER_HA = 15.0  # 1 公顷 = 15 亩
KINDS = ("run", "ensemble", "comparison")
EXPECTED = ("expected a result folder (run.py SCENARIO), an ensemble folder (run.py SCENARIO "
            "--replicates N) or a comparison folder (run.py compare BASE POLICY ...)")

# ------------------------------------------------------------------------------------------------
# words
# ------------------------------------------------------------------------------------------------

TEXT = {
    "zh": {
        "title": "吉林省园区承接产业转移模拟报告",
        "kind.run": "单次模拟", "kind.ensemble": "多次重复模拟（集合）", "kind.comparison": "政策方案与基准对比",
        "source": "数据来源文件夹", "generated": "生成时间", "scenario": "情景", "scenarios": "情景",
        "toc": "目录",
        "headline": "核心指标", "targets": "规划目标达成情况", "fans": "趋势与不确定性区间（扇形图）",
        "diffs": "与基准情景的差值", "map": "各园区迁入企业分布图", "parks": "园区亩均指标（亩均产值、亩均税收）",
        "levers": "政策工具及其时间安排", "assumptions": "假设与来源", "manifest": "运行清单（复现所需信息）",
        "other": "其他图表",
        "indicator": "指标", "unit": "单位", "base": "基期", "end": "期末", "value": "数值", "mean": "均值",
        "band": "5%–95% 区间", "replicates": "重复次数", "policy": "政策情景",
        "gdp": "地区生产总值（研究区域）", "industrial_output": "工业总产值（研究区域）", "jobs": "就业（研究区域）",
        "firms": "企业数（研究区域）", "arrivals": "从沿海等来源地区迁入企业（累计）",
        "induced": "政策诱发迁入企业（局部均衡）", "deadweight": "无谓迁入企业（无政策也会来）",
        "induced_jobs": "政策诱发企业的期末就业", "revenue": "地方财政收入（模拟企业，累计）",
        "cost": "财政成本：政策支出（累计）", "cost_job": "每个诱发就业岗位的财政成本（局部均衡）",
        "cost_firm": "每个诱发企业的财政成本（局部均衡）",
        "ce": "成本效益（政策相对基准，重复模拟均值）",
        "ce.spending_total_yi": "财政成本：政策支出合计", "ce.spending_on_deadweight_yi": "其中支付给无谓迁入企业",
        "ce.induced_arrivals_pe": "诱发迁入企业（局部均衡）", "ce.deadweight_arrivals_pe": "无谓迁入企业（局部均衡）",
        "ce.induced_jobs_end_pe": "诱发企业期末就业（局部均衡）",
        "ce.cost_per_induced_firm_wan": "每个诱发企业成本（局部均衡）",
        "ce.cost_per_induced_job_wan": "每个诱发就业成本（局部均衡）",
        "ce.delta_jobs_end_ge": "期末就业差值（一般均衡）", "ce.delta_firms_end_ge": "期末企业数差值（一般均衡）",
        "ce.delta_gdp_end_ge_yi": "期末 GDP 差值（一般均衡）",
        "ce.delta_revenue_total_ge_yi": "累计财政收入差值（一般均衡）",
        "ce.cost_per_ge_job_wan": "每个新增就业成本（一般均衡）", "ce.fiscal_payback_year": "财政回本年份",
        "levels": "各情景绝对水平（重复模拟均值）",
        "target": "目标", "year": "年份", "threshold": "目标值", "prob": "达成概率", "met": "是否达成",
        "yes": "达成", "no": "未达成", "not_reached": "模拟未到目标年份", "same_params": "与 {n} 相同。",
        "item.target": "规划目标", "item.new park": "新园区", "item.anchor": "龙头项目",
        "item.transport project": "交通项目", "group.base": "基期", "value_q": "数值（5% / 50% / 95%）",
        "park": "园区", "city": "城市", "land": "已用地（公顷）", "output": "工业产值（亿元/年）",
        "mu_output": "亩均产值（万元/亩）", "mu_tax": "亩均税收（万元/亩）", "tax": "税收（亿元/年）",
        "park_arrivals": "迁入企业（累计）", "capacity": "规划面积（公顷）",
        "lever": "政策工具", "kind": "类型", "label": "说明", "schedule": "时间安排（日期: 数值）",
        "target_of": "对象", "applies": "适用", "years_benefit": "享受年限", "budget": "年度预算上限（万元）",
        "spending": "支出合计（亿元）", "range": "合理区间", "mark": "依据", "assumption": "假设",
        "sourced": "有出处", "no_levers": "该情景没有政策工具（基准）。",
        "params": "模型参数", "param": "参数", "default": "默认值", "description": "含义",
        "params_note": "参数在情景文件中没有单独出处；与默认值不同者加粗。含义及依据见 docs/model.md。",
        "data_rows": "数据文件中标注为估算/假设的行", "rows_flagged": "行标注为估算（共 {m} 行）",
        "other_items": "新园区、龙头项目与交通项目",
        "item": "项目", "file": "文件", "hash_ok": "与运行时一致", "hash_changed": "运行后已被修改",
        "manifest_key": "项目", "runs": "各次运行", "full_manifest": "完整清单（JSON）",
        "seed": "随机种子", "until": "截止年份", "overrides": "命令行覆盖",
        "note.base_tax": "基期产值与用地为校准基期值；基期税收为基期年度模拟季度的年化值（基期时点无税收流量）。",
        "note.mu": "亩均 = 年值 ÷ 园区已用地（规划面积减空闲土地，即入驻率 × 面积；1 公顷 = 15 亩；基期入驻率来自 parks.csv，多为假设）；税收仅为地方留成的增值税和所得税（返还前），低于通常统计的全口径亩均税收。",
        "note.no_land": "该结果生成于记录园区用地与税收之前（缺少 land_used、tax_revenue），无法计算亩均指标；请用当前版本重新运行。",
        "note.missing_runs": "以下运行文件夹已不存在，相关内容从缺：",
        "note.pe_ge": "局部均衡（PE）：同一状态、同一随机数下，去掉政策后企业的选择是否改变；一般均衡（GE）：政策情景减基准情景，含城市间挤出与工资效应。",
        "note.no_diff": "单次模拟没有基准对比；请用 run.py compare 生成对比。",
        "note.font_fallback": "未能加载中文字体，图中标签改用英文。",
        "note.first_rep": "政策数值取自各情景第一次重复运行（预算用尽后为 0）。",
        "fig.map": "各园区累计迁入企业（圆面积），深色为政策诱发部分",
        "fig.mu": "园区亩均产值与亩均税收", "fig.levers": "政策工具数值随时间变化",
        "fig.fan": "研究区域水平值：中位数与 5%–95% 区间",
        "lon": "经度（°E）", "lat": "纬度（°N）", "all_arr": "全部迁入", "ind_arr": "政策诱发",
        "city_pt": "城市", "year_axis": "年份", "mu_out_axis": "亩均产值（万元/亩）",
        "mu_tax_axis": "亩均税收（万元/亩）", "region": "研究区域",
        "footer": "由 run.py report 生成。字体：Noto Sans SC 子集（SIL 开放字体许可）。",
    },
    "en": {
        "title": "Jilin industry-transfer simulation report",
        "kind.run": "single run", "kind.ensemble": "ensemble of replicates",
        "kind.comparison": "policy packages compared with the baseline",
        "source": "Source folder", "generated": "Generated", "scenario": "Scenario", "scenarios": "Scenarios",
        "toc": "Contents",
        "headline": "Headline numbers", "targets": "Plan targets", "fans": "Trajectories and uncertainty (fan charts)",
        "diffs": "Differences against the baseline", "map": "Map of arrivals by park",
        "parks": "Park indicators per mu (亩均产值, 亩均税收)", "levers": "Levers and their schedules",
        "assumptions": "Assumptions and sources", "manifest": "Manifest (what is needed to reproduce)",
        "other": "Other figures",
        "indicator": "Indicator", "unit": "Unit", "base": "Base year", "end": "End", "value": "Value",
        "mean": "Mean", "band": "5–95%", "replicates": "Replicates", "policy": "Policy",
        "gdp": "GDP (study area)", "industrial_output": "Industrial output (study area)", "jobs": "Jobs (study area)",
        "firms": "Firms (study area)", "arrivals": "Arrivals from origin regions (total)",
        "induced": "Induced arrivals (partial equilibrium)", "deadweight": "Deadweight arrivals (would have come anyway)",
        "induced_jobs": "Jobs at induced firms at the end", "revenue": "Local fiscal revenue (modelled firms, total)",
        "cost": "Fiscal cost: lever spending (total)", "cost_job": "Cost per induced job (partial equilibrium)",
        "cost_firm": "Cost per induced firm (partial equilibrium)",
        "ce": "Cost-effectiveness (policy vs baseline, mean over replicates)",
        "ce.spending_total_yi": "Fiscal cost: lever spending", "ce.spending_on_deadweight_yi": "of which paid to deadweight firms",
        "ce.induced_arrivals_pe": "Induced arrivals (PE)", "ce.deadweight_arrivals_pe": "Deadweight arrivals (PE)",
        "ce.induced_jobs_end_pe": "Jobs at induced firms at the end (PE)",
        "ce.cost_per_induced_firm_wan": "Cost per induced firm (PE)",
        "ce.cost_per_induced_job_wan": "Cost per induced job (PE)",
        "ce.delta_jobs_end_ge": "Δ jobs at the end (GE)", "ce.delta_firms_end_ge": "Δ firms at the end (GE)",
        "ce.delta_gdp_end_ge_yi": "Δ GDP at the end (GE)", "ce.delta_revenue_total_ge_yi": "Δ fiscal revenue, total (GE)",
        "ce.cost_per_ge_job_wan": "Cost per extra job (GE)", "ce.fiscal_payback_year": "Fiscal payback year",
        "levels": "Levels per scenario (mean over replicates)",
        "target": "Target", "year": "Year", "threshold": "Threshold", "prob": "Probability met", "met": "Met",
        "yes": "met", "no": "not met", "not_reached": "run ends before the target year", "same_params": "Same as {n}.",
        "item.target": "target", "item.new park": "new park", "item.anchor": "anchor project",
        "item.transport project": "transport project", "group.base": "base year",
        "value_q": "Value (5% / 50% / 95%)",
        "park": "Park", "city": "City", "land": "Land used (ha)", "output": "Industrial output (亿元/year)",
        "mu_output": "Output per mu (万元/亩)", "mu_tax": "Tax per mu (万元/亩)", "tax": "Tax (亿元/year)",
        "park_arrivals": "Arrivals (total)", "capacity": "Capacity (ha)",
        "lever": "Lever", "kind": "Kind", "label": "Label", "schedule": "Schedule (date: value)",
        "target_of": "Target", "applies": "Applies to", "years_benefit": "Benefit years",
        "budget": "Budget cap (万元/year)", "spending": "Spent (亿元)", "range": "Range", "mark": "Basis",
        "assumption": "assumption", "sourced": "sourced", "no_levers": "This scenario has no levers (baseline).",
        "params": "Model parameters", "param": "Parameter", "default": "Default", "description": "Meaning",
        "params_note": "Parameters carry no source in the scenario file; values that differ from the default "
                       "are in bold. Meaning and basis: docs/model.md.",
        "data_rows": "Data-file rows flagged as estimates or assumptions", "rows_flagged": "rows flagged estimate (of {m})",
        "other_items": "New parks, anchor projects and transport projects",
        "item": "Item", "file": "File", "hash_ok": "unchanged since the run", "hash_changed": "CHANGED since the run",
        "manifest_key": "Key", "runs": "Runs", "full_manifest": "Full manifest (JSON)",
        "seed": "Seed", "until": "Until", "overrides": "Overrides",
        "note.base_tax": "Base-year output and land are the calibrated base state; base-year tax is the "
                         "annualised tax of the simulated periods of the base year (the base state has no flow).",
        "note.mu": "Per mu = annual value ÷ land in use at the park (capacity − free land = occupancy × capacity; "
                   "1 ha = 15 亩; base-year occupancy from parks.csv, mostly an assumption); tax is only the local "
                   "share of VAT and income tax (before rebates), below the all-tax 亩均税收 of the statistics.",
        "note.no_land": "This result was written before parks' land and tax were recorded (no land_used, "
                        "tax_revenue rows): no per-mu indicators. Run the scenario again with this version.",
        "note.missing_runs": "These run folders no longer exist; what needs them is left out:",
        "note.pe_ge": "Partial equilibrium (PE): with the same state and draws, would the firm's choice differ "
                      "without the levers; general equilibrium (GE): policy run minus baseline run, "
                      "including displacement between cities and wage effects.",
        "note.no_diff": "A single run has no baseline to compare with; use run.py compare.",
        "note.font_fallback": "The CJK font could not be loaded; figure labels are in English.",
        "note.first_rep": "Lever values from each scenario's first replicate (0 once a budget cap binds).",
        "fig.map": "Arrivals by park over the run (circle area); the dark part was induced by the levers",
        "fig.mu": "Output and tax per mu of park land", "fig.levers": "Lever values over time",
        "fig.fan": "Study-area levels: median and 5–95% band",
        "lon": "longitude (°E)", "lat": "latitude (°N)", "all_arr": "all arrivals", "ind_arr": "induced",
        "city_pt": "city", "year_axis": "year", "mu_out_axis": "output per mu (万元/亩)",
        "mu_tax_axis": "tax per mu (万元/亩)", "region": "study area",
        "footer": "Written by run.py report. Font: Noto Sans SC subset (SIL Open Font License).",
    },
}


def _parser() -> argparse.ArgumentParser:
    p = CommandParser(prog="run.py report", description="Write a self-contained HTML report of a result folder.")
    p.add_argument("folder", metavar="RESULT_OR_COMPARISON_DIR")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    p.add_argument("--out", default=str(ROOT / "results" / "reports"),
                   help="where the report folder goes (default results/reports)")
    return p


# ------------------------------------------------------------------------------------------------
# reading the folder
# ------------------------------------------------------------------------------------------------

def _read_json(path: Path, what: str):
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(str(path), message=f"report: {path}: unreadable ({type(exc).__name__}); "
                                           f"expected the JSON {what}") from None
    if not isinstance(obj, dict):
        raise UserError(str(path), message=f"report: {path}: not a JSON object; expected the {what}")
    return obj


def _need(d: dict, key: str, path: Path, what: str):
    if key not in d:
        raise UserError(str(path), message=f"report: {path}: no key {key!r}; expected the {what}")
    return d[key]


@dataclass
class Source:
    kind: str
    folder: Path
    summary: dict
    names: list[str]
    runs: dict[str, list[Path]]
    missing: list[str] = field(default_factory=list)
    _frames: dict = field(default_factory=dict)
    _manifests: dict = field(default_factory=dict)
    _summaries: dict = field(default_factory=dict)

    def frames(self, name: str) -> list:
        import pandas as pd
        if name not in self._frames:
            self._frames[name] = [pd.read_parquet(p / "trajectories.parquet") for p in self.runs[name]]
        return self._frames[name]

    def manifest(self, name: str) -> dict | None:
        if name not in self._manifests:
            runs = self.runs.get(name) or []
            self._manifests[name] = _read_json(runs[0] / "manifest.json", "manifest of a run") if runs else None
        return self._manifests[name]

    def run_summaries(self, name: str) -> list[dict]:
        if name not in self._summaries:
            self._summaries[name] = [_read_json(p / "summary.json", "summary of a run") for p in self.runs[name]]
        return self._summaries[name]


def _locate_run(p: str, folder: Path) -> Path | None:
    """A run folder named in a summary: where it was written, or next to the source folder (moved)."""
    for cand in (Path(p), folder.parent / Path(p).name):
        if (cand / "trajectories.parquet").is_file() and (cand / "manifest.json").is_file():
            return cand
    return None


def load_source(folder: Path) -> Source:
    """Detect the kind of ``folder`` from its files; a folder of none of the kinds is the user's mistake."""
    if not folder.exists():
        raise UserError(str(folder), message=f"report: {folder}: no such folder; {EXPECTED}")
    if not folder.is_dir():
        raise UserError(str(folder), message=f"report: {folder}: not a folder; {EXPECTED}")
    has = {n: (folder / n).is_file() for n in ("manifest.json", "summary.json", "trajectories.parquet",
                                               "cost_effectiveness.csv", "targets.csv")}
    sp = folder / "summary.json"
    if has["summary.json"] and has["cost_effectiveness.csv"]:
        s = _read_json(sp, "summary of a comparison")
        base = _need(s, "base", sp, "summary of a comparison")
        pols = _need(s, "policies", sp, "summary of a comparison")
        runs_in = _need(s, "runs", sp, "summary of a comparison")
        names = [base, *pols]
        src = Source("comparison", folder, s, names, {})
        for n in names:
            src.runs[n] = []
            for p in runs_in.get(n, []):
                loc = _locate_run(p, folder)
                (src.runs[n].append(loc) if loc else src.missing.append(str(p)))
        return src
    if has["manifest.json"] and has["summary.json"] and has["trajectories.parquet"]:
        s = _read_json(sp, "summary of a run")
        name = _need(s, "scenario", sp, "summary of a run")
        _read_json(folder / "manifest.json", "manifest of a run")
        return Source("run", folder, s, [name], {name: [folder]})
    if has["summary.json"] and has["targets.csv"]:
        s = _read_json(sp, "summary of an ensemble")
        if "runs" in s and "scenario" in s and "region" in s:
            name = s["scenario"]
            src = Source("ensemble", folder, s, [name], {name: []})
            for p in s["runs"]:
                loc = _locate_run(p, folder)
                (src.runs[name].append(loc) if loc else src.missing.append(str(p)))
            return src
    found = ", ".join(n for n, ok in has.items() if ok) or "none of their files"
    raise UserError(str(folder), message=f"report: {folder}: not a result, ensemble or comparison folder "
                                         f"(found {found}); {EXPECTED}")


# ------------------------------------------------------------------------------------------------
# numbers
# ------------------------------------------------------------------------------------------------

def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(x, digits: int = 2) -> str:
    """How a number is shown: thousands separators, ``digits`` decimals; ``—`` for none."""
    v = _num(x)
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def _q(xs, q):
    import numpy as np
    xs = [x for x in xs if x is not None]
    return float(np.percentile(xs, q)) if xs else None


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def cost_per(spent_yi, n) -> float | None:
    """亿元 over a count -> 万元 each (as sim/compare.py)."""
    if spent_yi is None or n is None or n <= 0:
        return None
    return round(spent_yi * 1e4 / n, 2)


def _periods_per_year(df) -> int:
    import numpy as np
    ys = np.unique(df.year.to_numpy())
    d = np.diff(ys)
    return round(1.0 / d.min()) if len(d) else 1


def park_indicators(df) -> object:
    """One row per park: land, output, tax and per-mu indicators in the base and end years."""
    import numpy as np
    import pandas as pd
    if not {"land_used", "tax_revenue"} <= set(df.measure.unique()):
        return None
    base = float(df.year.min())
    end_y = math.floor(float(df.year.max()) + 1e-9)
    per_year = _periods_per_year(df)
    pk = df[(df.sector == "") & (df.origin == "") & (df.lever == "")]
    parks = list(dict.fromkeys(pk[pk.measure == "land_used"].place))
    pk = pk[pk.place.isin(parks)]
    yr = np.floor(pk.year + 1e-9).astype(int)
    sim = pk.year > base

    def wide(mask):
        return pk[mask].pivot_table(index="place", columns="measure", values="value", aggfunc="mean")

    b0 = wide(pk.year == base).reindex(parks)
    b1 = wide(sim & (yr == int(base))).reindex(parks)
    e = wide(yr == end_y).reindex(parks)
    tot = pk[sim].pivot_table(index="place", columns="measure", values="value", aggfunc="sum").reindex(parks)
    out = pd.DataFrame(index=parks)
    out["land_base_ha"] = b0["land_used"]
    out["land_end_ha"] = e["land_used"]
    out["output_base_yi"] = b0["industrial_output"]
    out["output_end_yi"] = e["industrial_output"]
    out["tax_base_yi"] = b1["tax_revenue"] * per_year
    out["tax_end_yi"] = e["tax_revenue"] * per_year
    for k in ("base", "end"):
        mu = out[f"land_{k}_ha"] * MU_PER_HA
        ok = mu > 1e-9
        out[f"mu_output_{k}_wan"] = np.where(ok, out[f"output_{k}_yi"] * 1e4 / mu.where(ok, 1.0), np.nan)
        out[f"mu_tax_{k}_wan"] = np.where(ok, out[f"tax_{k}_yi"] * 1e4 / mu.where(ok, 1.0), np.nan)
    out["arrivals"] = tot.get("arrivals", 0.0)
    out["induced"] = tot.get("induced_arrivals", 0.0)
    out.attrs.update(base_year=int(base), end_year=end_y)
    return out


def mean_indicators(frames) -> object:
    tabs = [park_indicators(f) for f in frames]
    if not tabs or any(t is None for t in tabs):
        return None
    import pandas as pd
    m = pd.concat(tabs).groupby(level=0, sort=False).mean()
    m.attrs.update(tabs[0].attrs)
    return m


# ------------------------------------------------------------------------------------------------
# data files: parks, places, assumptions
# ------------------------------------------------------------------------------------------------

def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def places(manifest: dict | None) -> dict:
    """{'parks': {id: (lat, lon, name_zh, city)}, 'cities': {id: (lat, lon)}} from the run's data folder
    and its scenario's new parks; empty when the data folder is gone."""
    out = {"parks": {}, "cities": {}}
    if not manifest:
        return out
    d = Path(str(manifest.get("data_dir", "")))
    nodes = {r["id"]: r for r in _read_csv(d / "nodes.csv")}
    cities = {r["id"]: r for r in _read_csv(d / "cities.csv")}
    for c, r in cities.items():
        if _num(r.get("lat")) is not None:
            out["cities"][c] = (float(r["lat"]), float(r["lon"]))
    rows = _read_csv(d / "parks.csv")
    rows += [dict(p, node=p.get("node") or cities.get(p.get("city"), {}).get("node", p.get("city")))
             for p in (manifest.get("resolved_scenario") or {}).get("new_parks", [])]
    for r in rows:
        n = nodes.get(r.get("node") or "")
        if n is None or _num(n.get("lat")) is None:
            continue
        out["parks"][r["id"]] = (float(n["lat"]), float(n["lon"]), r.get("name_zh", r["id"]), r.get("city", ""))
    return out


# ------------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------------

def _uri_png_bytes(b: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(b).decode("ascii")


def _fig_uri(fig) -> str:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return _uri_png_bytes(buf.getvalue())


def fig_park_map(tabs: dict, geo: dict, T: dict, zh: bool) -> str | None:
    """One panel per scenario: parks at their node (spread around it), circle area ∝ arrivals."""
    import matplotlib.pyplot as plt
    import numpy as np
    if not geo["parks"] or not tabs:
        return None
    by_node: dict = {}
    for k, (lat, lon, *_r) in geo["parks"].items():
        by_node.setdefault((lat, lon), []).append(k)
    xy = {}
    for (lat, lon), ks in by_node.items():
        for i, k in enumerate(ks):
            a = 2 * np.pi * i / max(len(ks), 1)
            r = 0.0 if len(ks) == 1 else 0.15
            xy[k] = (lon + r * np.cos(a), lat + r * np.sin(a))
    vmax = max(float(t["arrivals"].max()) for t in tabs.values()) or 1.0
    scale = 1500.0 / vmax
    n = len(tabs)
    fig, axes = plt.subplots(1, n, figsize=(min(7.5 * n, 16), 7.2), squeeze=False)
    for ax, (name, t) in zip(axes[0], tabs.items()):
        for c, (lat, lon) in geo["cities"].items():
            ax.scatter(lon, lat, marker="+", color="0.4", s=30, zorder=1)
            ax.annotate(c, (lon, lat), fontsize=8, color="0.35", xytext=(3, -10),
                        textcoords="offset points")
        ids = [k for k in t.index if k in xy]
        x = np.array([xy[k][0] for k in ids])
        y = np.array([xy[k][1] for k in ids])
        arr = t.loc[ids, "arrivals"].to_numpy(dtype=float)
        ind = t.loc[ids, "induced"].to_numpy(dtype=float)
        ax.scatter(x, y, s=arr * scale + 4, color="tab:orange", alpha=0.45, edgecolor="tab:orange",
                   label=T["all_arr"], zorder=2)
        ax.scatter(x, y, s=ind * scale, color="tab:red", alpha=0.8, label=T["ind_arr"], zorder=3)
        offsets = [(8, 6), (8, -12), (8, 18), (8, -24), (8, 30), (8, -36)]
        for j, k in enumerate([ids[i] for i in np.argsort(-arr)[:6] if arr[i] > 0]):
            lab = geo["parks"][k][2].split(" (")[0].split("（")[0] if zh else k
            dx, dy = offsets[j % len(offsets)]
            ax.annotate(f"{lab} {t.loc[k, 'arrivals']:.0f}", xy[k], fontsize=7, xytext=(dx, dy),
                        textcoords="offset points", ha="left" if dx > 0 else "right", zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
                        arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5})
        ax.set_title(name)
        ax.set_xlabel(T["lon"])
        ax.set_ylabel(T["lat"])
        ax.grid(alpha=0.3)
        leg = ax.legend(loc="lower right", fontsize=8)
        for h in leg.legend_handles:
            h.set_sizes([40])
    fig.suptitle(T["fig.map"])
    fig.tight_layout()
    return _fig_uri(fig)


def fig_mu(tabs: dict, geo: dict, T: dict, zh: bool) -> str | None:
    """Bars per park: 亩均产值 and 亩均税收 in the base year and at the end of each scenario."""
    import matplotlib.pyplot as plt
    import numpy as np
    if not tabs:
        return None
    first = next(iter(tabs.values()))
    keep = [k for k in first.index if np.isfinite(first.loc[k, "mu_output_end_wan"])
            or np.isfinite(first.loc[k, "mu_output_base_wan"])]
    if not keep:
        return None
    keep = sorted(keep, key=lambda k: float(np.nan_to_num(first.loc[k, "mu_output_end_wan"])))
    labels = [(geo["parks"].get(k, (0, 0, k))[2] if zh else k) for k in keep]
    series = [(f"{first.attrs['base_year']}", first, "base")]
    series += [(f"{name} {t.attrs['end_year']}", t, "end") for name, t in tabs.items()]
    h = 0.8 / len(series)
    fig, axes = plt.subplots(1, 2, figsize=(15, max(5.0, 0.32 * len(keep) * len(series) / 2 + 2)))
    yy = np.arange(len(keep))
    for ax, (col, xlabel) in zip(axes, (("mu_output", T["mu_out_axis"]), ("mu_tax", T["mu_tax_axis"]))):
        for i, (lab, t, when) in enumerate(series):
            v = t.reindex(keep)[f"{col}_{when}_wan"].to_numpy(dtype=float)
            ax.barh(yy - 0.4 + h * (i + 0.5), np.nan_to_num(v), height=h, label=lab,
                    color=plt.get_cmap("tab10").colors[i % 10])
        ax.set_yticks(yy, labels, fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(T["park"])
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_title(T["mu_output"])
    axes[1].set_title(T["mu_tax"])
    fig.suptitle(T["fig.mu"])
    fig.tight_layout()
    return _fig_uri(fig)


def fig_levers(df, name: str, T: dict) -> str | None:
    import matplotlib.pyplot as plt
    lv = df[df.measure == "lever_value"]
    if lv.empty:
        return None
    ids = list(dict.fromkeys(lv.lever))
    ncol = 3
    nrow = math.ceil(len(ids) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(15, 2.8 * nrow), squeeze=False)
    for ax, lid in zip(axes.flat, ids):
        d = lv[lv.lever == lid]
        ax.step(d.year, d.value, where="post", color="tab:blue")
        ax.set_title(lid, fontsize=9)
        ax.set_ylabel(d.unit.iloc[0], fontsize=8)
        ax.set_xlabel(T["year_axis"], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    fig.suptitle(f"{T['fig.levers']}: {name}")
    fig.tight_layout()
    return _fig_uri(fig)


def fig_fan_levels(src: Source, T: dict) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np
    if not all(src.runs[n] for n in src.names):
        return None
    meas = (("gdp", T["gdp"], "亿元/year"), ("industrial_output", T["industrial_output"], "亿元/year"),
            ("jobs", T["jobs"], "persons"))
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    for ax, (m, title, unit) in zip(axes, meas):
        for i, n in enumerate(src.names):
            reps = []
            for df in src.frames(n):
                d = df[(df.measure == m) & (df.place == "region") & (df.sector == "") & (df.lever == "")]
                reps.append(d.set_index("year").value)
            arr = np.vstack([r.values for r in reps])
            x = reps[0].index.values
            c = plt.get_cmap("tab10").colors[i % 10]
            ax.plot(x, np.median(arr, axis=0), color=c, label=n)
            if len(reps) > 1:
                ax.fill_between(x, *np.percentile(arr, [5, 95], axis=0), color=c, alpha=0.2,
                                label=f"{n} 5–95%")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(T["year_axis"])
        ax.set_ylabel(_u(unit, T))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{T['fig.fan']} ({len(src.runs[src.names[0]])} {T['replicates']})")
    fig.tight_layout()
    return _fig_uri(fig)


# ------------------------------------------------------------------------------------------------
# HTML pieces
# ------------------------------------------------------------------------------------------------

E = html.escape

CSS = """
body{font-family:'ReportSans','Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;margin:0 auto;
max-width:1200px;padding:1em 2em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:3px solid #1f4e79;padding-bottom:.2em}
h2{font-size:1.3em;color:#1f4e79;border-bottom:1px solid #ccc;margin-top:2em}
h3{font-size:1.1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eef3f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555}
.nw{white-space:nowrap}.wide{overflow-x:auto}table.parks{font-size:.8em}
.note{font-size:.85em;color:#555}.warn{color:#a40000}
.assumption{background:#fff4d6}
.meta td:first-child{font-weight:bold;white-space:nowrap}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.78em;max-height:40em}
details{margin:.4em 0}summary{cursor:pointer}
nav ol{columns:2;font-size:.92em}
footer{margin-top:3em;font-size:.8em;color:#777}
"""


UNITS_ZH = {"亿元/year": "亿元/年", "persons": "人", "firms": "家", "year": "年", "万元": "万元", "亿元": "亿元"}


def _u(unit: str, T: dict) -> str:
    return UNITS_ZH.get(unit, unit) if T is TEXT["zh"] else unit


def _cell(key: str, value, digits: int = 2) -> str:
    """A number cell carrying its raw value (``data-key``/``data-value``) so it can be checked."""
    raw = "" if value is None else repr(value) if isinstance(value, (int, float)) else str(value)
    return f'<td class="n" data-key="{E(key)}" data-value="{E(raw)}">{E(fmt(value, digits))}</td>'


def _table(head: list[str], rows: list[str], cls: str = "") -> str:
    th = "".join(f"<th>{E(h)}</th>" for h in head)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _fig(uri: str | None, caption: str) -> str:
    if not uri:
        return ""
    return f'<figure><img src="{uri}" alt="{E(caption)}"><figcaption>{E(caption)}</figcaption></figure>'


def _png_file(path: Path) -> str | None:
    try:
        return _uri_png_bytes(path.read_bytes()) if path.is_file() else None
    except OSError:
        return None


def _is_assumption(text: str) -> bool:
    return "assumption" in (text or "").lower() or "假设" in (text or "") or "estimate" in (text or "").lower()


def _schedule(v) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {fmt(x, 4).rstrip('0').rstrip('.')}" for k, x in v.items())
    return fmt(v, 4).rstrip("0").rstrip(".") if v is not None else "—"


def _target_text(tg: dict | None) -> str:
    if not tg:
        return ""
    parts = []
    for k in ("cities", "parks", "sectors"):
        if tg.get(k):
            parts.append(f"{k}: {', '.join(map(str, tg[k]))}")
    if tg.get("parks_only"):
        parts.append("parks only")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------------

def _headline_run(src: Source, T: dict) -> str:
    s = src.summary
    r = s["region"]
    base_y = int(s.get("base_year", 2022))
    end_y = s.get("last_period")
    rows = []
    for k, unit, dg in (("gdp", "亿元/year", 2), ("industrial_output", "亿元/year", 2), ("jobs", "persons", 0),
                        ("firms", "firms", 0)):
        rows.append(f"<tr><td>{E(T[k])}</td><td>{E(_u(unit, T))}</td>{_cell(f'region.{k}_base', r.get(f'{k}_base'), dg)}"
                    f"{_cell(f'region.{k}_end', r.get(f'{k}_end'), dg)}</tr>")
    spent = r.get("fiscal_spending_total_yi")
    for label, key, unit, val, dg in (
            ("arrivals", "region.arrivals_from_origin_regions_total", "firms", r.get("arrivals_from_origin_regions_total"), 0),
            ("induced", "region.induced_arrivals_total", "firms", r.get("induced_arrivals_total"), 0),
            ("deadweight", "region.deadweight_arrivals_total", "firms", r.get("deadweight_arrivals_total"), 0),
            ("induced_jobs", "region.induced_jobs_end", "persons", r.get("induced_jobs_end"), 1),
            ("revenue", "region.fiscal_revenue_total_yi", "亿元", r.get("fiscal_revenue_total_yi"), 3),
            ("cost", "region.fiscal_spending_total_yi", "亿元", spent, 3),
            ("cost_job", "derived.cost_per_induced_job_wan", "万元", cost_per(spent, r.get("induced_jobs_end")), 2),
            ("cost_firm", "derived.cost_per_induced_firm_wan", "万元", cost_per(spent, r.get("induced_arrivals_total")), 2)):
        rows.append(f"<tr><td>{E(T[label])}</td><td>{E(_u(unit, T))}</td><td></td>{_cell(key, val, dg)}</tr>")
    head = [T["indicator"], T["unit"], f"{T['base']} {base_y}", f"{T['end']} {_quarter(end_y)}"]
    return _table(head, rows, "headline") + f"<p class='note'>{E(T['note.no_diff'])}</p>"


def _quarter(year) -> str:
    """2025.75 -> 2025Q4 (``year`` in the trajectories is the period's start)."""
    y = _num(year)
    if y is None:
        return "—"
    return f"{math.floor(y + 1e-9)}Q{round((y - math.floor(y + 1e-9)) * 4) + 1}"


def _headline_ensemble(src: Source, T: dict) -> str:
    reg = src.summary["region"]
    name = src.names[0]
    rows = []
    labels = {"gdp_end": ("gdp", "亿元/year", 2), "industrial_output_end": ("industrial_output", "亿元/year", 2),
              "jobs_end": ("jobs", "persons", 0), "induced_arrivals_total": ("induced", "firms", 1),
              "fiscal_spending_total_yi": ("cost", "亿元", 3)}
    for k, v in reg.items():
        lab, unit, dg = labels.get(k, (None, "", 2))
        text = T[lab] if lab else k
        rows.append(f"<tr><td>{E(text)}</td><td>{E(_u(unit, T))}</td>{_cell(f'region.{k}.mean', v.get('mean'), dg)}"
                    f"{_cell(f'region.{k}.p5', v.get('p5'), dg)}{_cell(f'region.{k}.p95', v.get('p95'), dg)}</tr>")
    if src.runs[name]:
        sums = src.run_summaries(name)
        extra = (("arrivals", "firms", 0, [x["region"].get("arrivals_from_origin_regions_total") for x in sums]),
                 ("cost_job", "万元", 2, [cost_per(x["region"].get("fiscal_spending_total_yi"),
                                                  x["region"].get("induced_jobs_end")) for x in sums]))
        for lab, unit, dg, xs in extra:
            rows.append(f"<tr><td>{E(T[lab])}</td><td>{E(_u(unit, T))}</td>{_cell(f'runs.{lab}.mean', _mean(xs), dg)}"
                        f"{_cell(f'runs.{lab}.p5', _q(xs, 5), dg)}{_cell(f'runs.{lab}.p95', _q(xs, 95), dg)}</tr>")
    head = [T["indicator"], T["unit"], T["mean"], "5%", "95%"]
    n = len(src.summary.get("seeds", []))
    return f"<p>{E(T['replicates'])}: {n}</p>" + _table(head, rows, "headline")


CE_UNITS = {"spending_total_yi": "亿元", "spending_on_deadweight_yi": "亿元", "induced_arrivals_pe": "firms",
            "deadweight_arrivals_pe": "firms", "induced_jobs_end_pe": "persons",
            "cost_per_induced_firm_wan": "万元", "cost_per_induced_job_wan": "万元",
            "delta_jobs_end_ge": "persons", "delta_firms_end_ge": "firms", "delta_gdp_end_ge_yi": "亿元/year",
            "delta_revenue_total_ge_yi": "亿元", "cost_per_ge_job_wan": "万元", "fiscal_payback_year": "year"}


def _headline_comparison(src: Source, T: dict) -> str:
    out = []
    # levels per scenario from the runs' summaries
    if all(src.runs[n] for n in src.names):
        rows = []
        for lab, unit, dg, get in (
                ("gdp", "亿元/year", 2, lambda r: r.get("gdp_end")),
                ("industrial_output", "亿元/year", 2, lambda r: r.get("industrial_output_end")),
                ("jobs", "persons", 0, lambda r: r.get("jobs_end")),
                ("arrivals", "firms", 1, lambda r: r.get("arrivals_from_origin_regions_total")),
                ("induced", "firms", 1, lambda r: r.get("induced_arrivals_total")),
                ("cost", "亿元", 3, lambda r: r.get("fiscal_spending_total_yi"))):
            cells = "".join(_cell(f"levels.{n}.{lab}", _mean([get(x["region"]) for x in src.run_summaries(n)]), dg)
                            for n in src.names)
            rows.append(f"<tr><td>{E(T[lab])}</td><td>{E(_u(unit, T))}</td>{cells}</tr>")
        out.append(f"<h3>{E(T['levels'])}</h3>" + _table([T["indicator"], T["unit"], *src.names], rows))
    ce = _read_csv(src.folder / "cost_effectiveness.csv")
    cols = [c for c in CE_UNITS if ce and c in ce[0]]
    rows = []
    for c in cols:
        cells = ""
        for r in ce:
            dg = 0 if c in ("fiscal_payback_year",) else 2 if not c.endswith("_yi") else 3
            v = _num(r.get(c))
            band = ""
            if _num(r.get(c + "_p5")) is not None:
                band = f" ({fmt(r[c + '_p5'], dg)} – {fmt(r[c + '_p95'], dg)})"
            cells += (f'<td class="n" data-key="ce.{E(r["scenario"])}.{c}" data-value="{E(r.get(c, ""))}">'
                      f"{E(fmt(v, dg))}{E(band)}</td>")
        rows.append(f"<tr><td>{E(T['ce.' + c])}</td><td>{E(_u(CE_UNITS[c], T))}</td>{cells}</tr>")
    head = [T["indicator"], T["unit"], *[f"{r['scenario']} {T['mean']} ({T['band']})" for r in ce]]
    out.append(f"<h3>{E(T['ce'])}</h3>" + _table(head, rows, "headline") + f"<p class='note'>{E(T['note.pe_ge'])}</p>")
    return "".join(out)


def _targets_section(src: Source, T: dict) -> str:
    sources = {}
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        for t in ((man or {}).get("resolved_scenario") or {}).get("targets", []):
            sources[t["id"]] = t.get("source", "")
    if src.kind == "run":
        rows = []
        for t in src.summary.get("targets", []):
            met = T["not_reached"] if t.get("met") is None else T["yes"] if t["met"] else T["no"]
            thr = f"≥ {t['at_least']:g}" if t.get("at_least") is not None else f"≤ {t.get('at_most'):g}"
            src_txt = t.get("source", "")
            rows.append(f"<tr><td>{E(t['label'])}</td><td>{t['year']}</td><td>{E(thr)} {E(t['unit'])}</td>"
                        f"{_cell('target.' + t['id'], t.get('value'), 4)}<td>{E(met)}</td>"
                        f"<td class='{'assumption' if _is_assumption(src_txt) else ''}'>{E(src_txt)}</td></tr>")
        if not rows:
            return ""
        return _table([T["target"], T["year"], T["threshold"], T["value"], T["met"], T["mark"]], rows)
    rows = []
    for r in _read_csv(src.folder / "targets.csv"):
        thr = f"≥ {r['at_least']}" if r.get("at_least") else f"≤ {r.get('at_most')}"
        p = _num(r.get("probability_met"))
        scen = r.get("scenario", src.names[0])
        qs = " / ".join(fmt(r.get(k), 4) for k in ("value_p5", "value_p50", "value_p95"))
        ptxt = T["not_reached"] if p is None else f"{p:.0%}"
        key = f"target.{scen}.{r['target']}"
        s_txt = sources.get(r["target"], "")
        rows.append(f"<tr><td>{E(scen)}</td><td>{E(r['label'])}</td><td>{E(r['year'])}</td>"
                    f"<td>{E(thr)} {E(r['unit'])}</td>"
                    f'<td class="n" data-key="{E(key)}" data-value="{E(r.get("probability_met", ""))}">{E(ptxt)}</td>'
                    f"<td class='n'>{E(qs)}</td>"
                    f"<td class='{'assumption' if _is_assumption(s_txt) else ''}'>{E(s_txt)}</td></tr>")
    if not rows:
        return ""
    return _table([T["scenario"], T["target"], T["year"], T["threshold"], T["prob"], T["value_q"], T["mark"]], rows)


def _parks_section(src: Source, T: dict, geo: dict, zh: bool, tabs: dict) -> str:
    if not tabs:
        return f"<p class='note warn'>{E(T['note.no_land'])}</p>" if all(src.runs[n] for n in src.names) else ""
    out = [f"<p class='note'>{E(T['note.mu'])} {E(T['note.base_tax'])}</p>"]
    first = next(iter(tabs.values()))
    by, ey = first.attrs["base_year"], first.attrs["end_year"]
    sub = [T["land"], T["mu_output"], T["mu_tax"]]
    groups = f"<th colspan='3'>{E(T['group.base'])} {by}</th>" + "".join(
        f"<th colspan='4'>{E(n)} {ey}</th>" for n in tabs)
    subs = "".join(f"<th>{E(h)}</th>" for h in sub) + "".join(
        f"<th>{E(h)}</th>" for _ in tabs for h in (*sub, T["park_arrivals"]))
    head_html = (f"<thead><tr><th rowspan='2'>{E(T['park'])}</th><th rowspan='2'>{E(T['city'])}</th>{groups}</tr>"
                 f"<tr>{subs}</tr></thead>")
    rows = []
    for k in first.index:
        name, city = (geo["parks"].get(k, (0, 0, k, ""))[2:4])
        cells = (_cell(f"park.{k}.land_base_ha", _num(first.loc[k, "land_base_ha"]), 1)
                 + _cell(f"park.{k}.mu_output_base_wan", _num(first.loc[k, "mu_output_base_wan"]), 1)
                 + _cell(f"park.{k}.mu_tax_base_wan", _num(first.loc[k, "mu_tax_base_wan"]), 2))
        for n, t in tabs.items():
            cells += (_cell(f"park.{n}.{k}.land_end_ha", _num(t.loc[k, "land_end_ha"]), 1)
                      + _cell(f"park.{n}.{k}.mu_output_end_wan", _num(t.loc[k, "mu_output_end_wan"]), 1)
                      + _cell(f"park.{n}.{k}.mu_tax_end_wan", _num(t.loc[k, "mu_tax_end_wan"]), 2)
                      + _cell(f"park.{n}.{k}.arrivals", _num(t.loc[k, "arrivals"]), 1))
        label = f"{name} ({k})" if zh else f"{k} ({name})"
        rows.append(f"<tr><td>{E(label)}</td><td class='nw'>{E(city)}</td>{cells}</tr>")
    out.append(f"<div class='wide'><table class='parks'>{head_html}<tbody>{''.join(rows)}</tbody></table></div>")
    return "".join(out)


def _levers_section(src: Source, T: dict, lang_fig: dict) -> str:
    out = []
    names = src.names[1:] if src.kind == "comparison" else src.names
    for n in names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        levers = (man.get("resolved_scenario") or {}).get("levers", [])
        out.append(f"<h3>{E(T['scenario'])}: {E(n)}</h3>")
        if not levers:
            out.append(f"<p>{E(T['no_levers'])}</p>")
            continue
        spent = {}
        for s in src.run_summaries(n):
            for lid, v in (s.get("levers") or {}).items():
                spent.setdefault(lid, []).append(v.get("spending_total_yi"))
        rows = []
        for lv in levers:
            srct = lv.get("source", "")
            rng = lv.get("range")
            rng_t = f"{rng[0]:g} – {rng[1]:g}" if rng else "—"
            mark = T["assumption"] if _is_assumption(srct) else T["sourced"]
            rows.append(
                f"<tr><td>{E(lv['id'])}</td><td>{E(lv['kind'])}</td><td>{E(lv.get('label', ''))}</td>"
                f"<td>{E(_schedule(lv.get('value')))} {E(lv.get('unit') or '')}</td>"
                f"<td>{E(_target_text(lv.get('target')))}</td><td>{E(lv.get('applies_to', ''))}</td>"
                f"<td>{E(_schedule(lv.get('years')) if lv.get('years') else '—')}</td>"
                f"<td>{E(_schedule(lv.get('budget_wan_per_year')) if lv.get('budget_wan_per_year') is not None else '—')}</td>"
                + _cell(f"lever.{n}.{lv['id']}.spending", _mean(spent.get(lv["id"], [])), 3)
                + f"<td>{E(rng_t)}</td><td class='{'assumption' if mark == T['assumption'] else ''}'>"
                  f"<b>{E(mark)}</b>: {E(srct)}</td></tr>")
        out.append(_table([T["lever"], T["kind"], T["label"], T["schedule"], T["target_of"], T["applies"],
                           T["years_benefit"], T["budget"], T["spending"], T["range"], T["mark"]], rows))
        out.append(_fig(fig_levers(src.frames(n)[0], n, lang_fig), f"{T['fig.levers']}: {n}"))
        out.append(f"<p class='note'>{E(T['note.first_rep'])}</p>")
    return "".join(out)


def _assumptions_section(src: Source, T: dict) -> str:
    out = []
    seen_data = set()
    prev_params = None
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        rs = man.get("resolved_scenario") or {}
        out.append(f"<h3>{E(T['scenario'])}: {E(n)}</h3>")
        # targets, new parks, anchors, transport projects
        rows = []
        for t in rs.get("targets", []):
            rows.append(("target", t["id"], t.get("label", ""), t.get("source", "")))
        for p in rs.get("new_parks", []):
            what = f"{p.get('name_zh', '')}, {p.get('capacity_ha', '')} ha, opens {p.get('opens', '')}"
            rows.append(("new park", p["id"], what, p.get("source", "")))
        for a in rs.get("anchors", []):
            rows.append(("anchor", a.get("id", ""), a.get("label", a.get("name_zh", "")), a.get("source", "")))
        proj = {}
        for r in _read_csv(Path(str(man.get("data_dir", ""))) / "projects.csv"):
            proj.setdefault(r["id"], r)
        for pid in rs.get("transport_projects", []):
            r = proj.get(pid, {})
            rows.append(("transport project", pid, r.get("name_zh", ""), r.get("source", "(projects.csv missing)")))
        if rows:
            out.append(f"<h4>{E(T['other_items'])}</h4>")
            out.append(_table([T["kind"], "id", T["label"], T["mark"]], [
                f"<tr><td>{E(T['item.' + k])}</td><td>{E(i)}</td><td>{E(lab)}</td>"
                f"<td class='{'assumption' if _is_assumption(s) else ''}'>{E(s)}</td></tr>"
                for k, i, lab, s in rows]))
        # parameters
        params = rs.get("parameters") or {}
        out.append(f"<h4>{E(T['params'])}</h4>")
        if prev_params is not None and params == prev_params[1]:
            out.append(f"<p>{E(T['same_params'].format(n=prev_params[0]))}</p>")
        else:
            out.append(_params_table(params, T))
        prev_params = (n, params)
        # data files (once per data folder)
        dd = str(man.get("data_dir", ""))
        if dd in seen_data:
            continue
        seen_data.add(dd)
        out.append(f"<h4>{E(T['data_rows'])} ({E(dd)})</h4>")
        hashes = man.get("data_hashes") or {}
        for fname in sorted(hashes):
            path = Path(dd) / fname
            rows_all = _read_csv(path)
            flagged = [r for r in rows_all if str(r.get("estimate", "")).strip().lower() in ("true", "1", "yes")]
            state = _file_state(path, hashes[fname], T)
            cols = [c for c in (rows_all[0].keys() if rows_all else []) if c not in ("source", "estimate")][:4]
            body = "".join(
                f"<tr><td>{E(' · '.join(str(r.get(c, '')) for c in cols))}</td>"
                f"<td class='assumption'>{E(r.get('source', ''))}</td></tr>" for r in flagged)
            summ = f"{fname}: {len(flagged)} {T['rows_flagged'].format(m=len(rows_all))} — {state}"
            out.append(f"<details><summary>{E(summ)}</summary>"
                       + (_table([" · ".join(cols), T["mark"]], [body]) if flagged else "") + "</details>")
    return "".join(out)


def _params_table(params: dict, T: dict) -> str:
    from ...scenario import Parameters
    fields = Parameters.model_fields
    prow = []
    for k, v in params.items():
        f = fields.get(k)
        dflt = f.default if f is not None else None
        val = E(str(v))
        prow.append(f"<tr><td>{E(k)}</td><td class='n'>{'<b>' + val + '</b>' if f is not None and v != dflt else val}"
                    f"</td><td class='n'>{E(str(dflt))}</td><td>{E(f.description if f else '')}</td></tr>")
    return (f"<p class='note'>{E(T['params_note'])}</p>"
            + _table([T["param"], T["value"], T["default"], T["description"]], prow))


def _file_state(path: Path, want: str, T: dict) -> str:
    import hashlib
    try:
        got = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return T["hash_changed"]
    return T["hash_ok"] if got == want else T["hash_changed"]


MANIFEST_KEYS = ("scenario_path", "scenario_hash", "seed", "until", "overrides", "git_commit", "code_hash",
                 "started", "finished", "command", "checked", "data_dir")


def _manifest_section(src: Source, T: dict) -> str:
    out = []
    s = src.summary
    if src.kind != "run":
        rows = [f"<tr><td>{E(T['seed'])}</td><td>{E(json.dumps(s.get('seeds')))}</td></tr>",
                f"<tr><td>{E(T['until'])}</td><td>{E(str(s.get('until')))}</td></tr>",
                f"<tr><td>{E(T['overrides'])}</td><td>{E(json.dumps(s.get('overrides', []), ensure_ascii=False))}</td></tr>"]
        out.append(_table([T["manifest_key"], T["value"]], rows, "meta"))
        rrows = []
        for n in src.names:
            for p in src.runs[n]:
                m = _read_json(p / "manifest.json", "manifest of a run")
                rrows.append(f"<tr><td>{E(n)}</td><td>{E(p.name)}</td><td>{E(str(m.get('seed')))}</td>"
                             f"<td>{E(str(m.get('scenario_hash', ''))[:12])}</td>"
                             f"<td>{E(str(m.get('code_hash', ''))[:12])}</td><td>{E(str(m.get('git_commit', ''))[:12])}</td></tr>")
        out.append(f"<h3>{E(T['runs'])}</h3>")
        out.append(_table([T["scenario"], "folder", T["seed"], "scenario_hash", "code_hash", "git_commit"], rrows))
    for n in src.names:
        man = src.manifest(n) if src.runs.get(n) else None
        if man is None:
            continue
        rows = [f"<tr><td>{E(k)}</td><td>{E(json.dumps(man.get(k), ensure_ascii=False))}</td></tr>"
                for k in MANIFEST_KEYS if k in man]
        rows += [f"<tr><td>{E(k)}</td><td>{E(str(v))}</td></tr>" for k, v in (man.get("packages") or {}).items()]
        rows += [f"<tr><td>{E(k)}</td><td>{E(str(v))}</td></tr>" for k, v in (man.get("environment") or {}).items()]
        out.append(f"<h3>{E(T['scenario'])}: {E(n)}</h3>" + _table([T["manifest_key"], T["value"]], rows, "meta"))
        out.append(f"<details><summary>{E(T['full_manifest'])}</summary><pre>"
                   f"{E(json.dumps(man, ensure_ascii=False, indent=1, default=str))}</pre></details>")
    return "".join(out)


# ------------------------------------------------------------------------------------------------
# the page
# ------------------------------------------------------------------------------------------------

CAPTIONS = {
    "zh": {"diff_gdp.png": "地区生产总值：政策情景减基准情景", "diff_industrial_output.png": "工业总产值：政策减基准",
           "diff_jobs.png": "就业：政策减基准", "fiscal_balance.png": "政策的累计财政收支（新增收入减支出）",
           "arrivals_by_park_": "各园区迁入企业：诱发、无谓与基准", "arrivals_by_origin.png": "迁入企业的来源地",
           "fan_gdp.png": "地区生产总值扇形图（中位数、25–75% 与 5–95% 区间）",
           "fan_industrial_output.png": "工业总产值扇形图（中位数、25–75% 与 5–95% 区间）",
           "gdp_by_city.png": "各市地区生产总值", "industrial_output_by_sector.png": "分行业工业产值",
           "firms_jobs_by_park.png": "各园区企业数与就业", "map.png": "研究区域产值分布",
           "levers_spending_and_attribution.png": "政策支出与迁入企业归因"},
    "en": {"diff_gdp.png": "GDP: policy minus baseline", "diff_industrial_output.png": "Industrial output: policy minus baseline",
           "diff_jobs.png": "Jobs: policy minus baseline", "fiscal_balance.png": "Cumulative fiscal balance of the levers",
           "arrivals_by_park_": "Arrivals by park: induced, deadweight and baseline",
           "arrivals_by_origin.png": "Arrivals by previous location",
           "fan_gdp.png": "GDP fan chart (median, 25–75% and 5–95%)",
           "fan_industrial_output.png": "Industrial output fan chart (median, 25–75% and 5–95%)",
           "gdp_by_city.png": "GDP by city", "industrial_output_by_sector.png": "Industrial output by sector",
           "firms_jobs_by_park.png": "Firms and jobs by park", "map.png": "Industrial output across the study area",
           "levers_spending_and_attribution.png": "Lever spending and attribution of arrivals"},
}

RUN_FIGS = ("gdp_by_city.png", "industrial_output_by_sector.png", "firms_jobs_by_park.png",
            "arrivals_by_origin.png", "map.png", "levers_spending_and_attribution.png")
DIFF_FIGS = ("diff_gdp.png", "diff_industrial_output.png", "diff_jobs.png", "fiscal_balance.png")


def build_html(src: Source, lang: str) -> str:
    from ..plots import setup_font
    T = TEXT[lang]
    font_ok = setup_font()
    zh_fig = lang == "zh" and font_ok
    TF = TEXT["zh" if zh_fig else "en"]  # words inside figures
    figdir = src.folder / "figures"
    used: set[str] = set()

    def reuse(name: str, caption: str | None = None) -> str:
        used.add(name)
        caps = CAPTIONS[lang]
        cap = caption or caps.get(name) or next((v for k, v in caps.items() if name.startswith(k)), name)
        return _fig(_png_file(figdir / name), f"{cap} ({name})")

    ok_runs = all(src.runs[n] for n in src.names)
    geo = places(src.manifest(src.names[0]) if src.runs[src.names[0]] else None)
    tabs = {}
    if ok_runs:
        for n in src.names:
            t = mean_indicators(src.frames(n))
            if t is None:
                tabs = {}
                break
            tabs[n] = t
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, body)
    # headline and targets
    head = {"run": _headline_run, "ensemble": _headline_ensemble, "comparison": _headline_comparison}[src.kind]
    sections.append(("headline", T["headline"], head(src, T)))
    tg = _targets_section(src, T)
    if tg:
        sections.append(("targets", T["targets"], tg))
    # fan charts and differences
    if src.kind == "comparison":
        body = _fig(fig_fan_levels(src, TF), T["fig.fan"]) if ok_runs else ""
        sections.append(("fans", T["fans"], body or f"<p class='note'>{E(T['note.missing_runs'])}</p>"))
        body = "".join(reuse(f) for f in DIFF_FIGS)
        body += "".join(reuse(f"arrivals_by_park_{p}.png", f"{CAPTIONS[lang]['arrivals_by_park_']}: {p}")
                        for p in src.names[1:])
        body += reuse("arrivals_by_origin.png")
        sections.append(("diffs", T["diffs"], body))
    elif src.kind == "ensemble":
        sections.append(("fans", T["fans"], reuse("fan_gdp.png") + reuse("fan_industrial_output.png")))
    # map and parks
    if tabs:
        sections.append(("map", T["map"], _fig(fig_park_map(tabs, geo, TF, zh_fig), T["fig.map"])))
    parks = _parks_section(src, T, geo, lang == "zh", tabs)
    if tabs:
        parks = _fig(fig_mu(tabs, geo, TF, zh_fig), T["fig.mu"]) + parks
    if parks:
        sections.append(("parks", T["parks"], parks))
    lv = _levers_section(src, T, TF)
    if lv:
        sections.append(("levers", T["levers"], lv))
    sections.append(("assumptions", T["assumptions"], _assumptions_section(src, T)))
    sections.append(("manifest", T["manifest"], _manifest_section(src, T)))
    # every other figure of the folder
    if src.kind == "run":
        for f in RUN_FIGS:
            used.discard(f)
    rest = sorted(p.name for p in figdir.glob("*.png") if p.name not in used) if figdir.is_dir() else []
    if rest:
        sections.append(("other", T["other"], "".join(reuse(f) for f in rest)))
    # page
    kind = T[f"kind.{src.kind}"]
    notes = ""
    if src.missing:
        notes += (f"<p class='warn'>{E(T['note.missing_runs'])} "
                  f"{E(', '.join(src.missing))}</p>")
    if lang == "zh" and not font_ok:
        notes += f"<p class='warn'>{E(T['note.font_fallback'])}</p>"
    toc = "".join(f'<li><a href="#{a}">{E(h)}</a></li>' for a, h, _ in sections)
    body = "".join(f'<section id="{a}"><h2>{E(h)}</h2>{b}</section>' for a, h, b in sections)
    meta = (f"<table class='meta'><tr><td>{E(T['scenarios'])}</td><td>{E(', '.join(src.names))}</td></tr>"
            f"<tr><td>{E(T['source'])}</td><td>{E(str(src.folder))}</td></tr>"
            f"<tr><td>{E(T['generated'])}</td><td>{E(dt.datetime.now().isoformat(timespec='seconds'))}</td></tr>"
            f"</table>")
    page_body = (f"<h1>{E(T['title'])}: {E(kind)}</h1>{meta}{notes}<nav><h2>{E(T['toc'])}</h2><ol>{toc}</ol></nav>"
                 f"{body}<footer>{E(T['footer'])}</footer>")
    title = f"{T['title']} — {', '.join(src.names)}"
    font_css = _font_face(title + page_body + CSS)
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{E(title)}</title><style>{font_css}{CSS}</style></head><body>{page_body}</body></html>\n")


def _font_face(text: str) -> str:
    """@font-face with the shipped CJK font subset to the characters of ``text`` (a few hundred kB at
    most), so the report renders Chinese without any font installed. Empty if the subsetting fails."""
    try:
        from fontTools import subset

        from ..plots import FONT
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.notdef_outline = True
        font = subset.load_font(str(FONT), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes={ord(c) for c in set(text) if not c.isspace() or c == " "})
        sub.subset(font)
        buf = io.BytesIO()
        subset.save_font(font, buf, opts)
    except Exception:  # noqa: BLE001 - the page still works with the reader's fonts
        return ""
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return ("@font-face{font-family:'ReportSans';font-style:normal;font-weight:400;"
            f"src:url(data:font/otf;base64,{b64}) format('opentype')}}")


def write_report(out_root: Path, src_folder: Path, lang: str, text: str) -> Path:
    from .. import results
    out_root.mkdir(parents=True, exist_ok=True)
    results.clean_stale_tmp(out_root)
    name = f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}_{src_folder.name[:90]}_{lang}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=out_root))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        (tmp / "report.html").write_text(text, encoding="utf-8")
        final = results.finish(tmp, out_root / name)
    except BaseException:
        results.abandon(tmp)
        raise
    return final / "report.html"


def cmd_report(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # user errors and --help: run.main
    folder = Path(args.folder).expanduser()
    src = load_source(folder.resolve() if folder.exists() else folder)
    out = Path(args.out).expanduser().resolve()
    if out == src.folder.resolve() or out.is_relative_to(src.folder.resolve()):
        raise UserError("--out", message=f"report: --out {args.out}: lies inside the folder being reported "
                                         f"on ({src.folder}); expected a folder outside it (a report never "
                                         f"writes into its source)")
    text = build_html(src, args.lang)
    path = write_report(out, src.folder, args.lang, text)
    print(f"report: {src.kind} {', '.join(src.names)} -> {len(text) / 1e6:.1f} MB", file=sys.stderr)
    print(path)
    return 0
