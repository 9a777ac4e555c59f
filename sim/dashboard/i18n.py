"""The dashboard's words in Chinese (default) and English: one table, read by every component of
the page (sim/dashboard/page.py). Lever labels by kind come from :data:`KIND_LABEL`; the four
sliders' own labels from :data:`SLIDER_LABEL`."""

from __future__ import annotations

LANGS = ("zh", "en")
LANG_LABEL = {"zh": "中文", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "吉西南承接产业转移示范区 产业转移仿真",
        "tab_main": "地图与示范区指标", "tab_paths": "轨迹与财政",
        "controls": "运行控制", "params": "情景与政策参数", "language": "语言 / Language",
        "scenario": "情景（scenarios/*.yaml）", "seed": "随机种子（空：情景默认）",
        "park": "政策作用园区（示范区园区）", "all_parks": "全部示范区园区",
        "city_policy": "城市政府行为（scenario：按情景；fixed 固定；compete 竞争；coordinate 协同）",
        "status": "政策杠杆与示范区指标",
        "lever": "政策杠杆", "slider": "滑块设定", "in_force": "当前生效值", "unit": "单位",
        "spent": "累计支出（亿元）", "pivotal": "关键作用的落地企业（家）",
        "on_slider": "（滑块）",
        "period": "时期", "firms": "示范区园区企业数", "output": "示范区园区工业产值",
        "arrivals_cum": "基期以来落地企业（示范区园区）", "induced_cum": "其中政策引致",
        "spending_cum": "基期以来政策支出（示范区三市）",
        "u_firms": "家", "u_output": "亿元/年", "u_yi": "亿元",
        "note": ("滑块、情景、种子与园区在点击 <b>Reset</b> 后生效。杠杆按情景日期启动（用地、贴息、税收 2023-09；"
                 "人才 2024）。模型企业数：{n}。示范区：四平、辽源、通化的园区。"
                 "“关键作用的落地企业”：去掉该杠杆（其余不变）该企业就不会落在这里的落地数（归因，docs/model.md）。"),
        "base": "{y} 基期",
        "map_title": "园区产值与落地企业，{q}", "map_size": "圆面积 ∝ 工业产值（亿元/年）",
        "map_colour": "颜色 = {y} 年以来落地企业（家）", "map_city": "城市（行政区）",
        "zone_park": "示范区园区", "other_park": "其他园区",
        "zone_plot": "示范区园区：企业数与工业产值", "firms_axis": "企业数（家）",
        "output_axis": "工业产值（亿元/年）", "firms_zone": "企业数，示范区园区",
        "output_zone": "工业产值，示范区园区", "output_park": "工业产值，{p}",
        "arrivals_plot": "落地示范区园区的企业", "arrivals_axis": "落地企业（家/季度）",
        "all_arrivals": "全部落地", "induced": "政策引致", "arrivals_park": "全部落地，{p}",
        "fiscal_plot": "财政：四平 + 辽源 + 通化", "revenue_axis": "地方税收（亿元/季度）",
        "revenue": "地方税收", "spending_all": "全部杠杆支出", "spending_axis": "杠杆支出（亿元/季度）",
        "year_axis": "年份（季度初）",
    },
    "en": {
        "title": "Jixinan (JXN) industry-transfer demonstration zone — simulator",
        "tab_main": "Map and zone figures", "tab_paths": "Trajectories and fiscal",
        "controls": "Run controls", "params": "Scenario and levers", "language": "语言 / Language",
        "scenario": "scenario (scenarios/*.yaml)", "seed": "seed (empty: the scenario's)",
        "park": "levers set for (zone park)", "all_parks": "all zone parks",
        "city_policy": "city governments (scenario: as written; fixed; compete; coordinate)",
        "status": "Levers and zone figures",
        "lever": "lever", "slider": "slider", "in_force": "in force now", "unit": "unit",
        "spent": "spent since base (100M yuan)", "pivotal": "arrivals it was pivotal for (firms)",
        "on_slider": " (slider)",
        "period": "period", "firms": "firms in zone parks", "output": "industrial output, zone parks",
        "arrivals_cum": "arrivals since base, zone parks", "induced_cum": "of which induced",
        "spending_cum": "lever spending since base, zone cities",
        "u_firms": "firms", "u_output": "100M yuan/year", "u_yi": "100M yuan",
        "note": ("Sliders, scenario, seed and park apply on <b>Reset</b>. Levers start on the scenario's "
                 "dates (land, interest, tax 2023-09; talent 2024). Model firms: {n}. Zone: the parks of "
                 "Siping, Liaoyuan, Tonghua. 'Pivotal': arrivals that would not have come here without "
                 "this lever alone (attribution, docs/model.md)."),
        "base": "{y} base",
        "map_title": "Parks' output and arrivals, {q}", "map_size": "area ∝ industrial output (100M yuan/year)",
        "map_colour": "colour = arrivals since {y} (firms)", "map_city": "city (prefecture)",
        "zone_park": "zone park", "other_park": "other park",
        "zone_plot": "Zone parks: firms and industrial output", "firms_axis": "firms (count)",
        "output_axis": "industrial output (100M yuan/year)", "firms_zone": "firms, zone parks",
        "output_zone": "output, zone parks", "output_park": "output, {p}",
        "arrivals_plot": "Arrivals into the zone's parks", "arrivals_axis": "arrivals (firms/quarter)",
        "all_arrivals": "all arrivals", "induced": "induced by levers", "arrivals_park": "all arrivals, {p}",
        "fiscal_plot": "Fiscal: Siping + Liaoyuan + Tonghua", "revenue_axis": "revenue (100M yuan/quarter)",
        "revenue": "revenue (local taxes)", "spending_all": "all levers' spending",
        "spending_axis": "lever spending (100M yuan/quarter)", "year_axis": "year (quarter start)",
    },
}

# the four sliders (sim/dashboard/economy.py LEVERS) and their units, per language
SLIDER_LABEL = {
    "zh": {"land_discount": "用地价格折扣", "interest_subsidy": "贷款贴息",
           "tax_rebate": "所得税返还", "talent_subsidy": "人才补贴"},
    "en": {"land_discount": "land price discount", "interest_subsidy": "interest subsidy",
           "tax_rebate": "income-tax rebate", "talent_subsidy": "talent subsidy"},
}
UNIT_LABEL = {
    "zh": {"share": "比例", "percentage points": "百分点", "yuan per person-year": "元/人·年",
           "万元 per firm": "万元/企业", "mean profits per firm-year": "倍企业年均利润",
           "persons per year": "人/年", "flag": "是/否", "ha": "公顷"},
    "en": {"share": "share", "percentage points": "pp", "yuan per person-year": "yuan/person-year",
           "万元 per firm": "10k yuan/firm", "mean profits per firm-year": "× mean profit per firm-year",
           "persons per year": "persons/year", "flag": "on/off", "ha": "ha"},
}
# every lever kind (sim/policy/levers.py KINDS), for the status card's rows of the scenario's levers
KIND_LABEL = {
    "zh": {"land_discount": "用地价格折扣", "interest_subsidy": "贷款贴息", "loan_guarantee": "融资担保",
           "tax_rebate": "所得税返还", "profit_subsidy": "利润补贴", "grant": "项目奖补",
           "lump_sum": "一次性补助", "talent_subsidy": "人才补贴", "cost_subsidy": "成本补贴",
           "retention": "留人计划", "friction_cut": "营商环境（迁移摩擦降低）", "promotion": "招商推介",
           "designation": "园区主导产业定位", "land_supply": "新增供地"},
    "en": {"land_discount": "land price discount", "interest_subsidy": "interest subsidy",
           "loan_guarantee": "loan guarantee", "tax_rebate": "income-tax rebate",
           "profit_subsidy": "profit subsidy", "grant": "grant per project", "lump_sum": "lump sum",
           "talent_subsidy": "talent subsidy", "cost_subsidy": "cost subsidy", "retention": "retention",
           "friction_cut": "business environment (friction cut)", "promotion": "investment promotion",
           "designation": "leading-sector designation", "land_supply": "serviced land supply"},
}


def tr(lang: str, key: str, **kw) -> str:
    """The text ``key`` in ``lang`` (zh or en), formatted with ``kw``."""
    text = TEXT["en" if lang == "en" else "zh"][key]
    return text.format(**kw) if kw else text
