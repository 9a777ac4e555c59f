"""The calibration report's text: ``report.md`` (English) and ``report_zh.md`` (Chinese).

Every number of the report is formatted once (``numbers``); both languages place the same strings,
so the two files differ in words only (tests/test_calibration_report.py compares the numbers of
both). Free text from the calibration file (its description, the sources, the benchmark's label)
is quoted as written in both; parameter and moment names get a Chinese label in ``report_zh.md``
(``param_label``, ``moment_label``; a name with no Chinese label keeps the file's).
"""

from __future__ import annotations

import math

import numpy as np

from .posterior import check_quantiles
from .posterior_file import weighted_quantile

# Chinese labels of the calibrated parameters (key parameters.<name>)
PARAM_ZH = {
    "beta": "区位选择对利润差异的敏感度 β",
    "revision_scale": "迁移意愿（重新选址概率）倍数",
    "project_flow_scale": "项目流量规模",
    "signed_investment_ratio": "签约投资折算系数（签约计划投资 / 实际形成投资）",
}
# Chinese names of the measures a moment may name (spec.FLOW_MEASURES + LEVEL_MEASURES)
MEASURE_ZH = {
    "projects_intended": "投资意向项目数", "projects_signed": "签约项目数", "projects_started": "开工项目数",
    "projects_producing": "投产项目数", "projects_dropped": "放弃项目数", "investment_signed": "签约计划投资额",
    "funds_arrived": "到位资金", "fixed_investment": "固定资产投资", "arrivals": "迁入企业数",
    "departures": "迁出企业数", "fiscal_revenue": "财政收入", "fiscal_spending": "财政支出",
    "fiscal_balance": "财政收支差额", "general_budget_revenue": "一般公共预算收入",
    "land_transfer_revenue": "土地出让收入", "gdp": "名义GDP", "gdp_real": "实际GDP（不变价）",
    "value_added": "增加值", "industrial_output": "工业总产值", "jobs": "就业人数", "firms": "企业数",
    "population": "人口", "wage": "工资", "capital": "资本存量",
}
TAX_ZH = {"tax.between_cities": "城市间税收弹性", "tax.between_parks": "园区间税收弹性"}
DIST_ZH = {"loguniform": "对数均匀", "uniform": "均匀", "normal": "截断正态"}


def param_label(p, lang: str) -> str:
    """The parameter's label in ``lang`` (the file's label in English, else its key)."""
    name = p.key.split(".", 1)[1]
    if lang == "zh" and name in PARAM_ZH:
        return PARAM_ZH[name]
    return p.label or name


def moment_label(mo, lang: str) -> str:
    """The moment's label: in English the file's (else its id); in Chinese the file's ``label_zh``,
    else built from the moment (place, year, measure, statistic)."""
    if lang != "zh":
        return mo.label or mo.id
    if mo.label_zh:
        return mo.label_zh
    if mo.measure in TAX_ZH:
        return TAX_ZH[mo.measure]
    meas = mo.measure.split(".", 1)[1]
    if meas not in MEASURE_ZH:
        return mo.label or mo.id
    name = MEASURE_ZH[meas]
    if mo.stat == "growth":
        return f"{mo.place} {mo.year}年{name}增速"
    if mo.stat == "year_mean":
        return f"{mo.place} {mo.year}年{name}（年均）"
    return f"{mo.place} {mo.year}年{name}" + ("（年内部分月份）" if mo.year_share < 1 else "")


def prior_text(prior, lang: str) -> str:
    t = prior.text
    if lang == "zh":
        t = DIST_ZH[prior.dist] + t[len(prior.dist):].replace(" on ", "，区间 ")
    return t


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"


def _pct(v) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{100 * v:.2f}"


def _scale(mo) -> float:
    """Display factor of a moment (growth in %)."""
    return 100.0 if mo.stat == "growth" else 1.0


def shrink(fit, j: int, p) -> float:
    """Posterior s.d. / prior s.d. of parameter ``j`` (on the log scale for a log-uniform prior)."""
    v = fit.x[:, j] if p.prior.dist != "loguniform" else np.log(fit.x[:, j])
    mu = np.sum(fit.weights * v)
    post = math.sqrt(max(np.sum(fit.weights * (v - mu) ** 2), 0.0))
    return post / max(float(np.std(v)), 1e-300)


def _mae(rows: list[dict], k: str) -> float:
    v = [r[f"err_{k}"] for r in rows if np.isfinite(r[f"err_{k}"])]
    return float(np.mean(v)) if v else math.nan


def numbers(lc, fit, pred, keep, checks, yc, s1, rows, summary, yk=None) -> dict:
    """Every number of the report as the string both languages print (``yk``: the checks' values
    over the central runs, runs × checks)."""
    cal, m = lc.calibration, lc.calibration.method
    vm = fit.mean.var(axis=0)
    signal = vm / np.maximum(vm + fit.var.mean(axis=0), 1e-300)
    n = {"name": cal.name, "scenario": lc.base.path.name, "set": str(list(cal.set) or "[]"),
         "until": str(cal.until), "design_runs": str(summary["design_runs_used"]), "design": m.design,
         "validation_runs": str(summary["validation_runs_used"]), "central_runs": str(m.central_runs),
         "sec_run": _f(summary.get("seconds_per_run_median")), "fit_seconds": str(summary["fit_seconds"]),
         "prior_samples": str(m.prior_samples), "ess": f"{fit.ess:.0f}", "kept": str(keep.size),
         "draws": str(m.draws), "rate": _pct(lc.benchmark_rate)}
    n["params"] = []
    for j, _ in enumerate(cal.parameters):
        v = fit.x[:, j]
        n["params"].append([_f(weighted_quantile(v, fit.weights, q)) for q in (0.5, 0.05, 0.95)])
    n["moments"] = []
    for j, mo in enumerate(cal.moments):
        f = _scale(mo)
        c = yc[:, j][np.isfinite(yc[:, j])] if len(yc) else np.zeros(0)
        n["moments"].append([_f(mo.observed * f), _f(mo.sd * f), _f(pred[j, 1] * f), _f(pred[j, 0] * f),
                             _f(pred[j, 2] * f), _f(float(np.median(c)) * f) if c.size else "—"])
    n["ident"] = [[f"{signal[i]:.2f}"] + [f"{s1[i, j]:.2f}" for j in range(len(cal.keys))]
                  for i in range(len(cal.moments))]
    n["shrink"] = [f"{shrink(fit, j, p):.2f}" for j, p in enumerate(cal.parameters)]
    n["checks_raw"] = [{"moment": c["moment"], "scale": c.get("scale", "")} for c in checks]
    n["checks"] = [[str(c.get("n_validation", 0)), _f(c.get("rmse")), _f(c.get("sd_of_runs")),
                    _f(c.get("seed_noise_sd")), _f(c.get("coverage90"), 2)] for c in checks]
    n["vchecks"] = []
    if cal.checks:
        q = check_quantiles(yk if yk is not None else np.full((0, len(cal.checks)), np.nan))
        for c, (med, lo, hi, _) in zip(cal.checks, q):
            f = _scale(c)
            n["vchecks"].append([_f(c.observed * f), _f(med * f), _f(lo * f), _f(hi * f),
                                 _f((med - c.observed) * f, 2) if np.isfinite(med) else "—"])
    keys = ("observed", "naive", "naive_own", "fitted", "left_out", "central_runs", "err_naive",
            "err_naive_own", "err_fitted", "err_left_out", "err_central_runs")
    n["skill"] = [[_pct(r[k]) for k in keys] for r in rows]
    n["skill_places"] = [r["place"] for r in rows]
    n["mae"] = {k: _pct(_mae(rows, k)) for k in ("naive", "naive_own", "fitted", "left_out", "central_runs")}
    n["beats"] = {k: _mae(rows, "left_out") < _mae(rows, k) for k in ("naive", "naive_own")
                  if np.isfinite(_mae(rows, k))}
    return n


# words of the report; {name} fields are numbers() entries
TEXT = {
    "en": {
        "title": "# Calibration `{name}`",
        "other": "Chinese version: [report_zh.md](report_zh.md).",
        "description": "{description}",
        "method": ("Scenario `{scenario}` with set {set}, runs to {until}; {design_runs} design runs ({design}) fit "
                   "the emulator, {validation_runs} held-out runs check it, {central_runs} runs at the central "
                   "set. Median {sec_run} s per run (one worker); emulator and posterior {fit_seconds} s. Method: "
                   "one Gaussian process per moment (ARD Matérn 5/2 + white noise for the seed noise), importance "
                   "sampling of {prior_samples} quasi-random prior draws with a Gaussian likelihood (observation "
                   "error² + emulator predictive variance); effective sample size **{ess}**; {kept} distinct draws "
                   "kept in posterior.parquet ({draws} systematic resamples). docs/decisions.md gives the choice "
                   "against ABC-SMC, black-it and SMM."),
        "bands": ("Bands: the posterior predictive of a new run carries parameter uncertainty and seed noise "
                  "(the emulator's white-noise term); the central-set runs carry seed noise only."),
        "h.params": "## Parameters",
        "params.head": "| key | prior | posterior median | 5–95 % | source |",
        "alt.marginals": "marginals", "alt.pairs": "pairs", "alt.moments": "moments",
        "alt.identification": "identification", "alt.check": "check", "alt.skill": "skill",
        "alt.vchecks": "checks",
        "h.moments": "## Moments: observed vs simulated",
        "moments.note": ("Growth in %, elasticities as numbers, counts and money in their units; error = the "
                         "observation error s.d. of the likelihood."),
        "moments.head": "| moment | observed | error s.d. | predictive median | 5–95 % | central runs median | source |",
        "h.ident": "## What identifies what",
        "ident.note": ("Declared in the calibration file (`identifies`), and shown by the emulator: the first-order "
                       "share of each moment's variance over the prior that each parameter carries (1 = the moment "
                       "moves with that parameter alone). A parameter that no moment moves is not identified: its "
                       "posterior is its prior."),
        "ident.signal": ("Signal: the share of a single run's variance over the prior that the parameters explain "
                         "(the rest is seed noise); a moment with little signal identifies little, whatever its "
                         "indices."),
        "ident.head": "| moment | declared | signal |",
        "shrink": "Posterior sd / prior sd per parameter (1 = nothing learnt): ",
        "shrink.item": "{key} {value}",
        "h.vchecks": "## Checks: observed figures not fitted",
        "vchecks.note": ("Figures the calibration file lists as checks: not in the likelihood, compared with the "
                         "{central_runs} runs at the posterior's central set (seed noise only). Growth in %, counts "
                         "and money in their units, a part-year figure against the simulated year × its share. "
                         "Each definition says how far the observed figure is from what the model counts."),
        "vchecks.head": "| check | observed | central runs median | 5–95 % | median − observed | definition | source |",
        "h.check": "## Emulator check (held-out runs, not used to fit)",
        "check.note": ("On the scale each moment is emulated on (log for the relative-error moments). Coverage: the "
                       "share of held-out runs inside the emulator's 90 % predictive interval (about 0.9 when the "
                       "emulator's uncertainty is honest)."),
        "check.head": "| moment | scale | runs | RMSE | s.d. of runs | seed-noise s.d. | 90 % coverage |",
        "scale.linear": "linear", "scale.log": "log",
        "h.skill": "## GDP growth 2022→2023: in-sample skill against the naive rule",
        "skill.note": ("Naive rule: {label} ({rate} %). Fitted = posterior predictive median with every moment; "
                       "left out = the same with the city's own GDP-growth moment dropped from the likelihood (the "
                       "posterior refitted on the emulator, no new runs); central runs = the model at the "
                       "posterior's central set (what the shipped scenarios run). No parameter is a single city's: "
                       "the fit is global."),
        "skill.label": "{label}", "skill.nolabel": "naive rule",
        "skill.head": ("| city | observed % | naive % | naive, own province % | fitted % | left out % | central "
                       "runs % | |error| naive | own province | fitted | left out | central |"),
        "skill.mae": "**mean absolute error**",
        "verdict": ("Left-out mean absolute error {left_out} pp against {name}: {other} pp — the model {verb} it out "
                    "of sample (in percentage points of growth)."),
        "verdict.naive": "the naive rule ({label})",
        "verdict.naive_own": "each city at its own province's rate (the issue's naive rule)",
        "beats": "beats", "not_beats": "does not beat",
        "h.files": "## Files",
        "files": ("`posterior.parquet` + `posterior.json` (weighted draws and manifest: code version, data hash, "
                  "central set), `moments.csv` (every run × moment), `emulator_check.csv`, `design.csv`, `runs/`, "
                  "`gdp_skill.csv`."),
    },
    "zh": {
        "title": "# 校准报告 `{name}`",
        "other": "English version: [report.md](report.md).",
        "description": "校准文件的说明（原文）：{description}",
        "method": ("情景 `{scenario}`，覆盖设定 {set}，模拟至 {until} 年；{design_runs} 次设计运行（{design}）用于拟合"
                   "仿真器（emulator），{validation_runs} 次留出运行用于检验仿真器，{central_runs} 次运行取后验中心参数组。"
                   "每次运行耗时中位数 {sec_run} 秒（单进程）；仿真器与后验拟合共 {fit_seconds} 秒。方法：每个矩一个高斯"
                   "过程（ARD Matérn 5/2 核 + 白噪声项表示随机种子噪声），对 {prior_samples} 个准随机先验抽样做重要性"
                   "抽样，似然为高斯（观测误差² + 仿真器预测方差）；有效样本量 **{ess}**；posterior.parquet 保留 {kept} "
                   "个不同的抽样（{draws} 次系统重抽样）。选择此方法而非 ABC-SMC、black-it 或 SMM 的理由见 "
                   "docs/decisions.md。"),
        "bands": ("区间：新一次运行的后验预测同时包含参数不确定性与随机种子噪声（仿真器的白噪声项）；中心参数组的运行"
                  "只包含随机种子噪声。"),
        "h.params": "## 参数",
        "params.head": "| 参数 | 先验分布 | 后验中位数 | 5–95 % | 来源（原文） |",
        "alt.marginals": "后验边缘分布", "alt.pairs": "后验参数两两散点", "alt.moments": "矩：观测与模拟",
        "alt.identification": "参数识别", "alt.check": "仿真器检验", "alt.skill": "GDP增速预测能力",
        "alt.vchecks": "检验：观测与中心参数组运行",
        "h.moments": "## 矩：观测值与模拟值",
        "moments.note": "增速以 % 表示，弹性为纯数，项目数与金额用各自的单位；误差 = 似然中观测误差的标准差。",
        "moments.head": "| 矩 | 观测值 | 误差标准差 | 预测中位数 | 5–95 % | 中心参数组运行中位数 | 来源（原文） |",
        "h.ident": "## 哪个矩识别哪个参数",
        "ident.note": ("由校准文件声明（`identifies`），并由仿真器显示：在先验范围内，每个矩的方差中由各参数单独解释的"
                       "一阶份额（1 = 该矩只随这一个参数变化）。没有任何矩随之变化的参数无法识别：其后验即为先验。"),
        "ident.signal": ("信号：在先验范围内，单次运行的方差中能由参数解释的份额（其余为随机种子噪声）；信号弱的矩，"
                         "无论其指数多高，识别作用都很小。"),
        "ident.head": "| 矩 | 声明识别的参数 | 信号 |",
        "shrink": "各参数的后验标准差 / 先验标准差（1 = 数据没有提供信息）：",
        "shrink.item": "{key}（{label}）{value}",
        "h.vchecks": "## 检验：未参与拟合的观测数据",
        "vchecks.note": ("校准文件列为检验（checks）的观测数据：不进入似然，与后验中心参数组的 {central_runs} 次运行"
                         "比较（只含随机种子噪声）。增速以 % 表示，项目数与金额用各自的单位，年内部分月份的数据与模拟"
                         "全年值 × 相应比例比较。各项的口径说明（原文）写明观测数据与模型统计范围的差别。"),
        "vchecks.head": "| 检验 | 观测值 | 中心参数组运行中位数 | 5–95 % | 中位数 − 观测值 | 口径（原文） | 来源（原文） |",
        "h.check": "## 仿真器检验（留出运行，未用于拟合）",
        "check.note": ("在各矩被仿真的尺度上（相对误差的矩取对数）。覆盖率：留出运行落在仿真器 90 % 预测区间内的比例"
                       "（仿真器的不确定性估计如实时约为 0.9）。"),
        "check.head": "| 矩（编号） | 尺度 | 运行次数 | 均方根误差 | 运行间标准差 | 种子噪声标准差 | 90 % 覆盖率 |",
        "scale.linear": "线性", "scale.log": "对数",
        "h.skill": "## 2022→2023 年 GDP 增速：样本内预测能力与朴素规则的比较",
        "skill.note": ("朴素规则：{label}（{rate} %）。拟合 = 使用全部矩的后验预测中位数；留出 = 从似然中去掉该市自身"
                       "GDP增速矩后的同一预测（在仿真器上重新拟合后验，不做新的运行）；中心参数组运行 = 模型在后验中心"
                       "参数组上的结果（随附情景所用的参数）。没有哪个参数只属于某一个城市：拟合是全局的。"),
        "skill.label": "各市均取{place}的增速（校准文件：{label}）", "skill.nolabel": "朴素规则",
        "skill.head": ("| 城市 | 观测 % | 朴素规则 % | 朴素规则（本省）% | 拟合 % | 留出 % | 中心参数组运行 % | "
                       "绝对误差：朴素规则 | 本省 | 拟合 | 留出 | 中心参数组 |"),
        "skill.mae": "**平均绝对误差**",
        "verdict": ("留出预测的平均绝对误差为 {left_out} 个百分点，{name}为 {other} 个百分点：模型在样本外{verb}该规则"
                    "（单位：增速的百分点）。"),
        "verdict.naive": "朴素规则（{label}）",
        "verdict.naive_own": "各市取本省增速（议题所指的朴素规则）",
        "beats": "优于", "not_beats": "不优于",
        "h.files": "## 文件",
        "files": ("`posterior.parquet` + `posterior.json`（加权抽样及清单：代码版本、数据哈希、中心参数组），"
                  "`moments.csv`（每次运行 × 每个矩），`emulator_check.csv`，`design.csv`，`runs/`，"
                  "`gdp_skill.csv`。"),
    },
}


def markdown(lang: str, lc, n: dict, has_skill: bool) -> str:
    """The report in ``lang`` ("en" or "zh") from ``numbers``' strings ``n``."""
    T = TEXT[lang]
    cal = lc.calibration
    L = [T["title"].format(**n), "", T["other"], ""]
    if cal.description.strip():
        L += [T["description"].format(description=cal.description.strip()), ""]
    L += [T["method"].format(**n), "", T["bands"], "", T["h.params"], "", T["params.head"], "|---|---|---|---|---|"]
    for p, (med, lo, hi) in zip(cal.parameters, n["params"]):
        L.append(f"| `{p.key}` {param_label(p, lang)} | {prior_text(p.prior, lang)} | {med} | {lo}–{hi} | "
                 f"{p.source} |")
    L += ["", f"![{T['alt.marginals']}](figures/posterior_marginals.png)", "",
          f"![{T['alt.pairs']}](figures/posterior_pairs.png)", "",
          T["h.moments"], "", T["moments.note"], "", T["moments.head"], "|---|---|---|---|---|---|---|"]
    for mo, (obs, sd, med, lo, hi, cen) in zip(cal.moments, n["moments"]):
        L.append(f"| {moment_label(mo, lang)} | {obs} | {sd} | {med} | {lo}–{hi} | {cen} | {mo.source} |")
    short = [p.key.split(".", 1)[1] for p in cal.parameters]
    L += ["", f"![{T['alt.moments']}](figures/moments_observed_vs_simulated.png)", "",
          T["h.ident"], "", T["ident.note"], "", T["ident.signal"], "",
          T["ident.head"] + " " + " | ".join(short) + " |", "|---|---|---|" + "---|" * len(short)]
    for mo, row in zip(cal.moments, n["ident"]):
        dec = ", ".join(k.split(".", 1)[1] for k in mo.identifies) or "—"
        L.append(f"| {moment_label(mo, lang)} | {dec} | " + " | ".join(row) + " |")
    L += ["", T["shrink"] + ", ".join(
        T["shrink.item"].format(key=k, label=param_label(p, lang), value=v)
        for k, p, v in zip(short, cal.parameters, n["shrink"])), "",
        f"![{T['alt.identification']}](figures/identification.png)", "",
        *_vchecks(lang, cal, n),
        T["h.check"], "", T["check.note"], "", T["check.head"], "|---|---|---|---|---|---|---|"]
    for c, (runs, rmse, sdr, noise, cov) in zip(n["checks_raw"], n["checks"]):
        scale = T.get(f"scale.{c.get('scale', '')}", c.get("scale", ""))
        L.append(f"| {c['moment']} | {scale} | {runs} | {rmse} | {sdr} | {noise} | {cov} |")
    L += ["", f"![{T['alt.check']}](figures/emulator_check.png)", ""]
    if has_skill:
        L += _skill(lang, cal, n)
    L += ["", T["h.files"], "", T["files"], ""]
    return "\n".join(L)


def _vchecks(lang: str, cal, n: dict) -> list[str]:
    """The checks' section (none without checks)."""
    if not cal.checks:
        return []
    T = TEXT[lang]
    L = [T["h.vchecks"], "", T["vchecks.note"].format(**n), "", T["vchecks.head"], "|---|---|---|---|---|---|---|"]
    for c, (obs, med, lo, hi, gap) in zip(cal.checks, n["vchecks"]):
        L.append(f"| {moment_label(c, lang)} | {obs} | {med} | {lo}–{hi} | {gap} | {c.definition or '—'} | "
                 f"{c.source} |")
    return L + ["", f"![{T['alt.vchecks']}](figures/checks_observed_vs_central.png)", ""]


def _skill(lang: str, cal, n: dict) -> list[str]:
    T = TEXT[lang]
    b = cal.benchmark
    label = (T["skill.label"].format(place=b.place, label=b.label) if b is not None and b.label
             else T["skill.nolabel"])
    L = [T["h.skill"], "", T["skill.note"].format(label=label, rate=n["rate"]), "", T["skill.head"],
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for place, row in zip(n["skill_places"], n["skill"]):
        L.append(f"| {place} | " + " | ".join(row) + " |")
    mae = n["mae"]
    L.append(f"| {T['skill.mae']} | | | | | | | **{mae['naive']}** | **{mae['naive_own']}** | "
             f"**{mae['fitted']}** | **{mae['left_out']}** | **{mae['central_runs']}** |")
    for k, better in n["beats"].items():
        name = T[f"verdict.{k}"].format(label=label)
        L += ["", T["verdict"].format(left_out=mae["left_out"], name=name, other=mae[k],
                                      verb=T["beats" if better else "not_beats"])]
    L += ["", f"![{T['alt.skill']}](figures/gdp_growth_skill.png)", ""]
    return L
