"""Words of the report in Chinese (``zh``, the default: the readers are Jilin's policy teams) and
English (``en``): headings, table labels, notes, figure labels and the captions of reused figures."""

from __future__ import annotations

TEXT = {
    "zh": {
        "lang": "zh",
        "title": "吉林省园区承接产业转移模拟报告",
        "kind.run": "单次模拟", "kind.ensemble": "多次重复模拟（集合）", "kind.comparison": "政策方案与基准对比",
        "source": "数据来源文件夹", "generated": "生成时间", "scenario": "情景", "scenarios": "情景",
        "toc": "目录", "brief": "要点", "years": "分年度财政收支与预算上限", "map_gdp": "各市地区生产总值变化（政策减基准）", "governments": "城市政府的招商决策",
        "headline": "核心指标", "targets": "规划目标达成情况", "fans": "趋势与不确定性区间（扇形图）",
        "diffs": "与基准情景的差值", "map": "各园区迁入企业分布图", "parks": "园区亩均指标（亩均产值、亩均税收）", "park_sectors": "各园区得到了哪些行业",
        "levers": "政策工具及其时间安排", "assumptions": "假设与来源", "manifest": "运行清单（复现所需信息）",
        "other": "其他图表",
        "indicator": "指标", "unit": "单位", "base": "基期", "end": "期末", "value": "数值", "mean": "均值",
        "band": "5%–95% 区间", "replicates": "重复次数", "policy": "政策情景",
        "bands.seed": "区间：随机种子噪声", "bands.params": "区间：随机种子噪声 + 参数不确定性（后验 {path}）",
        "gdp": "地区生产总值（研究区域）", "industrial_output": "工业总产值（研究区域）", "jobs": "就业（研究区域）",
        "gdp_real": "地区生产总值（研究区域，2022年不变价）", "capital": "资本存量（研究区域）",
        "projects_signed": "签约项目（累计，研究区域）", "investment_signed": "签约计划投资额（累计，按签约公告口径：模型项目投资 × 校准的放大系数 signed_investment_ratio；实际形成的投资见到位资金）",
        "funds_arrived": "到位资金（累计）", "projects_producing": "投产项目（累计）",
        "fixed_investment": "在位企业固定资产投资（累计）",
        "firms": "企业数（研究区域）", "arrivals": "从沿海等来源地区迁入企业（累计）",
        "induced": "政策诱发迁入企业（局部均衡）", "deadweight": "无谓迁入企业（无政策也会来，但领取了资金类政策）",
        "unpaid": "未受资助的迁入企业（无政策也会来，未领取资金）", "jointly": "多项政策共同诱发的迁入企业（无单一关键政策）",
        "induced_jobs": "政策诱发企业的期末就业", "money_induced_jobs": "资金类政策共同诱发企业的期末就业",
        "revenue": "地方财政收入（模拟企业，累计）",
        "cost": "财政成本：各城市财政支出（政策与城市承担的基础设施投资，累计）",
        "package_cost": "方案总成本：全部政策与基础设施投资（含中央、省级，累计）",
        "cost_job": "每个诱发就业岗位的财政成本（局部均衡，资金类政策支出 / 其诱发的就业）",
        "cost_firm": "每个诱发企业的财政成本（局部均衡，资金类政策）",
        "ce": "成本效益（政策相对基准，重复模拟均值）",
        "ce.spending_total_yi": "财政成本：政策支出合计", "ce.spending_on_deadweight_yi": "其中支付给未被诱发的企业",
        "ce.money_spending_total_yi": "其中资金类政策支出", "ce.infrastructure_spending_total_yi": "基础设施投资（全部出资方）",
        "ce.package_spending_total_yi": "方案总成本（政策与基础设施）",
        "ce.package_spending_total_pv_yi": "方案总成本（折现至基期）",
        "ce.induced_arrivals_pe": "诱发迁入企业（局部均衡）", "ce.deadweight_arrivals_pe": "无谓迁入企业（局部均衡）",
        "ce.unpaid_arrivals_pe": "未受资助的迁入企业（局部均衡）",
        "ce.jointly_induced_arrivals_pe": "多项政策共同诱发的迁入企业（局部均衡）",
        "ce.money_induced_arrivals_pe": "资金类政策诱发的迁入企业（局部均衡）",
        "ce.induced_jobs_end_pe": "诱发企业期末就业（局部均衡）",
        "ce.money_induced_jobs_end_pe": "资金类政策诱发企业期末就业（局部均衡）",
        "ce.cost_per_induced_firm_wan": "每个诱发企业成本（局部均衡，资金类政策）",
        "ce.cost_per_induced_job_wan": "每个诱发就业成本（局部均衡，资金类政策）",
        "ce.delta_revenue_total_ge_pv_yi": "累计财政收入差值（一般均衡，折现）",
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
        "spending": "支出合计（亿元）", "lever_jobs": "该政策单独关键的诱发就业（期末）",
        "lever_cost": "每个诱发就业成本（万元）", "zero_cost": "无财政支出", "no_jobs": "未诱发就业",
        "range": "合理区间", "mark": "依据", "assumption": "假设",
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
        "note.counts": "企业数（家）为多次重复的均值，保留一位小数（单次模拟为整数）；人数取整；年份按年份显示。",
        "note.no_diff": "单次模拟没有基准对比；请用 run.py compare 生成对比。",
        "note.font_fallback": "未能加载中文字体，图中标签改用英文。",
        "note.first_rep": "政策数值取自各情景第一次重复运行（预算用尽后为 0）。",
        "fig.map": "各园区累计迁入企业（圆面积），深色为政策诱发部分",
        "fig.mu": "园区亩均产值与亩均税收", "fig.levers": "政策工具数值随时间变化",
        "fig.fan": "研究区域水平值：中位数与 5%–95% 区间",
        "lon": "经度（°E）", "lat": "纬度（°N）", "all_arr": "全部迁入", "ind_arr": "政策诱发",
        "city_pt": "城市", "year_axis": "年份", "mu_out_axis": "亩均产值（万元/亩）",
        "mu_tax_axis": "亩均税收（万元/亩）", "region": "研究区域",
        "noise": "差值及其随机噪声（政策减基准，同种子配对）",
        "noise.place": "地区", "noise.band": "区间", "noise.pos": "为正的比例", "noise.neg": "为负的比例",
        "noise.flag": "能否与噪声区分", "noise.flag_yes": "无法与噪声区分", "noise.flag_no": "可区分",
        "noise.needed": "所需重复次数（±{p}，90%）",
        "noise.kind.p5-p95": "5%–95%", "noise.kind.min-max": "最小–最大", "noise.kind.none": "无（单次）",
        "noise.sentence": "{what}（{place}，{pol}）：区间 {lo} 至 {hi} 包含零，该差值无法与随机噪声区分。",
        "noise.all_clear": "表中每个差值的区间都不含零：均可与随机噪声区分。",
        "noise.one_rep": "只有一次重复：无法估计噪声，没有区间，也无法判断差值能否与噪声区分。",
        "noise.minmax": "重复次数为 {n}（少于 5 次）：区间为各次重复差值的最小值至最大值，而非 5%–95% 分位数。",
        "noise.quantile": "区间为 {n} 次重复差值的经验 5% 与 95% 分位数。",
        "noise.sources.seed": "区间仅反映随机种子带来的噪声（各次重复参数相同、随机抽样不同），不含参数不确定性。",
        "noise.sources.seed+parameters": "区间同时反映随机种子噪声与参数不确定性（每次重复从后验分布抽取一组参数）。",
        "noise.needed_note": "所需重复次数：使均值的 90% 置信区间落在 ±{p} × |均值| 以内，n = ⌈(1.645 × 标准差 ÷ 精度)²⌉。",
        "noise.missing": "该对比生成于记录噪声区间之前：没有区间、正负比例与噪声判断；请用当前版本重新运行对比。",
        "undefined": "未定义 (undefined)", "undefined_in": "其中 {k}/{n} 次重复未定义",
        "footer": "由 run.py report 生成。字体：Noto Sans SC 子集（SIL 开放字体许可）。",
    },
    "en": {
        "lang": "en",
        "title": "Jilin industry-transfer simulation report",
        "kind.run": "single run", "kind.ensemble": "ensemble of replicates",
        "kind.comparison": "policy packages compared with the baseline",
        "source": "Source folder", "generated": "Generated", "scenario": "Scenario", "scenarios": "Scenarios",
        "toc": "Contents", "brief": "In brief", "years": "Money by year and budget caps", "map_gdp": "GDP change by city (policy − baseline)", "governments": "City governments' decisions",
        "headline": "Headline numbers", "targets": "Plan targets", "fans": "Trajectories and uncertainty (fan charts)",
        "diffs": "Differences against the baseline", "map": "Map of arrivals by park",
        "parks": "Park indicators per mu (亩均产值, 亩均税收)", "park_sectors": "Which sectors each park wins", "levers": "Levers and their schedules",
        "assumptions": "Assumptions and sources", "manifest": "Manifest (what is needed to reproduce)",
        "other": "Other figures",
        "indicator": "Indicator", "unit": "Unit", "base": "Base year", "end": "End", "value": "Value",
        "mean": "Mean", "band": "5–95%", "replicates": "Replicates", "policy": "Policy",
        "bands.seed": "bands: seed noise",
        "bands.params": "bands: seed noise + parameter uncertainty (posterior {path})",
        "gdp": "GDP (study area)", "industrial_output": "Industrial output (study area)", "jobs": "Jobs (study area)",
        "gdp_real": "GDP (study area, 2022 prices)", "capital": "Capital stock (study area)",
        "projects_signed": "Projects signed (total, study area)", "investment_signed": "Investment signed (total, as announced at signing: the model project's capital × the calibrated signed_investment_ratio; what is built is funds arrived)",
        "funds_arrived": "Funds arrived (total)", "projects_producing": "Projects reaching 投产 (total)",
        "fixed_investment": "Incumbents' fixed investment (total)",
        "firms": "Firms (study area)", "arrivals": "Arrivals from origin regions (total)",
        "induced": "Induced arrivals (partial equilibrium)",
        "deadweight": "Deadweight arrivals (would have come anyway, paid by a money lever)",
        "unpaid": "Unpaid arrivals (would have come anyway, paid by none)",
        "jointly": "Jointly induced arrivals (no single lever pivotal)",
        "induced_jobs": "Jobs at induced firms at the end",
        "money_induced_jobs": "Jobs at firms the money levers together induced, at the end",
        "revenue": "Local fiscal revenue (modelled firms, total)",
        "cost": "Fiscal cost: the cities' spending (levers and their share of public investment, total)",
        "package_cost": "Package cost: all levers and public investment, every payer (total)",
        "cost_job": "Cost per induced job (PE: money levers' spending / jobs they induced)",
        "cost_firm": "Cost per induced firm (PE, money levers)",
        "ce": "Cost-effectiveness (policy vs baseline, mean over replicates)",
        "ce.spending_total_yi": "Fiscal cost: lever spending", "ce.spending_on_deadweight_yi": "of which paid to firms not induced",
        "ce.money_spending_total_yi": "of which money levers", "ce.infrastructure_spending_total_yi": "Public investment (every payer)",
        "ce.package_spending_total_yi": "Package cost (levers and public investment)",
        "ce.package_spending_total_pv_yi": "Package cost (discounted to the base year)",
        "ce.induced_arrivals_pe": "Induced arrivals (PE)", "ce.deadweight_arrivals_pe": "Deadweight arrivals (PE)",
        "ce.unpaid_arrivals_pe": "Unpaid arrivals (PE)", "ce.jointly_induced_arrivals_pe": "Jointly induced arrivals (PE)",
        "ce.money_induced_arrivals_pe": "Arrivals the money levers induced (PE)",
        "ce.induced_jobs_end_pe": "Jobs at induced firms at the end (PE)",
        "ce.money_induced_jobs_end_pe": "Jobs at firms the money levers induced, at the end (PE)",
        "ce.cost_per_induced_firm_wan": "Cost per induced firm (PE, money levers)",
        "ce.cost_per_induced_job_wan": "Cost per induced job (PE, money levers)",
        "ce.delta_revenue_total_ge_pv_yi": "Δ fiscal revenue, total, discounted (GE)",
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
        "budget": "Budget cap (万元/year)", "spending": "Spent (亿元)",
        "lever_jobs": "Induced jobs it alone made pivotal (end)", "lever_cost": "Cost per induced job (万元)",
        "zero_cost": "zero-cost lever", "no_jobs": "no jobs induced", "range": "Range", "mark": "Basis",
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
        "note.counts": "Counts of firms are means over the replicates, with one decimal (a single run's "
                       "are whole numbers); persons are whole numbers; years are years.",
        "note.no_diff": "A single run has no baseline to compare with; use run.py compare.",
        "note.font_fallback": "The CJK font could not be loaded; figure labels are in English.",
        "note.first_rep": "Lever values from each scenario's first replicate (0 once a budget cap binds).",
        "fig.map": "Arrivals by park over the run (circle area); the dark part was induced by the levers",
        "fig.mu": "Output and tax per mu of park land", "fig.levers": "Lever values over time",
        "fig.fan": "Study-area levels: median and 5–95% band",
        "lon": "longitude (°E)", "lat": "latitude (°N)", "all_arr": "all arrivals", "ind_arr": "induced",
        "city_pt": "city", "year_axis": "year", "mu_out_axis": "output per mu (万元/亩)",
        "mu_tax_axis": "tax per mu (万元/亩)", "region": "study area",
        "noise": "Differences and their noise (policy − baseline, common random numbers)",
        "noise.place": "Place", "noise.band": "Band", "noise.pos": "Share positive", "noise.neg": "Share negative",
        "noise.flag": "Distinguishable from noise?", "noise.flag_yes": "not distinguishable from noise",
        "noise.flag_no": "distinguishable", "noise.needed": "Replicates needed (±{p}, 90%)",
        "noise.kind.p5-p95": "5–95%", "noise.kind.min-max": "min–max", "noise.kind.none": "none (one replicate)",
        "noise.sentence": "{what} ({place}, {pol}): the band {lo} to {hi} covers zero, so this difference is "
                          "not distinguishable from noise.",
        "noise.all_clear": "Every difference in the table has a band that excludes zero: each is distinguishable "
                           "from noise.",
        "noise.one_rep": "One replicate: the noise cannot be estimated, there is no band, and no difference can be "
                         "told apart from noise.",
        "noise.minmax": "With {n} replicates (fewer than 5) the band is the min–max of the replicate differences, "
                        "not their 5–95% quantiles.",
        "noise.quantile": "The band is the empirical 5% and 95% quantiles of the {n} replicate differences.",
        "noise.sources.seed": "The bands carry seed noise only: the replicates differ in their random draws and "
                              "share the same parameters; parameter uncertainty is not in them.",
        "noise.sources.seed+parameters": "The bands carry seed noise and parameter uncertainty: each replicate "
                                         "draws a parameter set from the posterior.",
        "noise.needed_note": "Replicates needed: for the 90% interval of the mean to be within ±{p} × |mean|, "
                             "n = ⌈(1.645 × sd ÷ precision)²⌉.",
        "noise.missing": "This comparison was written before noise bands were recorded: no bands, sign shares or "
                         "noise flags; run the comparison again with this version.",
        "undefined": "未定义 (undefined)", "undefined_in": "undefined in {k} of {n} replicates",
        "footer": "Written by run.py report. Font: Noto Sans SC subset (SIL Open Font License).",
    },
}


CAPTIONS = {
    "zh": {"diff_gdp.png": "地区生产总值：政策情景减基准情景", "diff_industrial_output.png": "工业总产值：政策减基准",
           "diff_jobs.png": "就业：政策减基准", "fiscal_balance.png": "政策的累计财政收支（新增收入减支出）",
           "arrivals_by_park_": "各园区迁入企业：诱发、无谓与基准", "arrivals_by_origin.png": "迁入企业的来源地",
           "fan_gdp.png": "地区生产总值扇形图（中位数、25–75% 与 5–95% 区间）",
           "fan_industrial_output.png": "工业总产值扇形图（中位数、25–75% 与 5–95% 区间）",
           "gdp_by_city.png": "各市地区生产总值", "industrial_output_by_sector.png": "分行业工业产值",
           "firms_jobs_by_park.png": "各园区企业数与就业", "map.png": "各市地区生产总值变化与迁入企业（真实行政区划）",
           "map_gdp_difference.png": "各市地区生产总值差值（政策减基准，末期）与政策诱发迁入企业",
           "levers_spending_and_attribution.png": "政策支出与迁入企业归因",
           "channels.png": "基年以来的变化分解：新设企业、在位企业增长、迁移（迁入减迁出）、退出企业",
           "diff_channels.png": "政策减基准的变化分解：新设、在位、迁移、退出（同种子配对）"},
    "en": {"diff_gdp.png": "GDP: policy minus baseline", "diff_industrial_output.png": "Industrial output: policy minus baseline",
           "diff_jobs.png": "Jobs: policy minus baseline", "fiscal_balance.png": "Cumulative fiscal balance of the levers",
           "arrivals_by_park_": "Arrivals by park: induced, deadweight and baseline",
           "arrivals_by_origin.png": "Arrivals by previous location",
           "fan_gdp.png": "GDP fan chart (median, 25–75% and 5–95%)",
           "fan_industrial_output.png": "Industrial output fan chart (median, 25–75% and 5–95%)",
           "gdp_by_city.png": "GDP by city", "industrial_output_by_sector.png": "Industrial output by sector",
           "firms_jobs_by_park.png": "Firms and jobs by park", "map.png": "GDP change and arrivals by city (real city shapes)",
           "map_gdp_difference.png": "GDP difference by city (policy − baseline, last period) and induced arrivals",
           "levers_spending_and_attribution.png": "Lever spending and attribution of arrivals",
           "channels.png": "Change since the base year by channel: births, incumbents, relocations (in − out), exits",
           "diff_channels.png": "Policy minus baseline by channel: births, incumbents, relocations, exits (CRN pairs)"},
}


UNITS_ZH = {"亿元/year": "亿元/年", "persons": "人", "firms": "家", "projects": "个", "year": "年", "万元": "万元", "亿元": "亿元"}


def unit_label(unit: str, T: dict) -> str:
    return UNITS_ZH.get(unit, unit) if T is TEXT["zh"] else unit


def bands_note(summary: dict, T: dict) -> str:
    """What the 5–95% bands of an ensemble or comparison carry (its summary.json ``band_sources``;
    seed noise when absent)."""
    if summary.get("band_sources") == "seed+parameters":
        return T["bands.params"].format(path=(summary.get("posterior") or {}).get("path", ""))
    return T["bands.seed"]


# why a cost over replicates is undefined (sim/outputs/compare.py COSTS, sim/outputs/noise.py)
_REASONS_ZH = {"zero-cost lever": "无财政支出", "no jobs induced": "未诱发就业", "no firms induced": "未诱发企业",
               "jobs do not rise": "就业未增加"}


def reason_text(reason: str | None, T: dict) -> str:
    """A ``null_reason`` in the page's language: "<what> in k of n replicates" → "n 次重复中有 k 次<what>"."""
    import re
    if not reason or T is not TEXT["zh"]:
        return reason or ""
    m = re.fullmatch(r"(.+) in (\d+) of (\d+) replicates", reason)
    if m:
        what, k, n = m.groups()
        return f"{n} 次重复中有 {k} 次{_REASONS_ZH.get(what, what)}"
    return _REASONS_ZH.get(reason, reason)
