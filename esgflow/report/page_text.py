"""The words of the report page in Chinese and in English (English in English typography: curly
quotes, en dashes, no Chinese punctuation)."""

from __future__ import annotations

from esgflow import glossary
from esgflow.glossary import DISCLOSURE

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "关键绩效表",
        "empty_year": "{year}年一栏无数据：该年度既无已发布数值，也无已汇总的填报数据。",
        "empty_period": "{year}年一栏无数据：尚无单位的填报被接受并汇总（见上方临时报告说明）。",
        "contents": "目录",
        "indicator": "指标",
        "unit": glossary.COLUMNS["unit"][0],
        "trend": "趋势",
        "legend_unpublished": "* 该年已发布报告未披露此项，数值按填报数据计算",
        "unpublished": "已发布报告未披露，按填报数据计算",
        "restatements": "数据调整说明",
        "scope3": "范围三类别筛选",
        "registers": "清单：场所与气候风险",
        "registers_note": "各单位本期最新已接受填报中逐行填写的清单（模板中的 tbl_ 表格）；空白单元格保持空白。",
        "scope3_note": "每个类别由ESG办公室筛选并经另一人批准；"
        "仅“相关（已批准）”的类别计入范围三排放，其他类别不填数值（不以零代替）。",
        "scope3_category": "类别",
        "scope3_state": "状态",
        "scope3_reason": "理由",
        "scope3_method": "方法",
        "scope3_by": "筛选人／批准人",
        "restatement": "第{number}次调整（{year}年数据，{date}）：{reason}",
        "significant": "重大调整（总量变动达5%或以上）",
        "before": "调整前",
        "after": "调整后",
        "because": "原因",
        "factor": "排放/换算因子",
        "return_of": "填报单位",
        "index": "指标索引",
        "index_open": "展开指标索引",
        "framework": "框架",
        "item": "条目",
        "answered_by": "对应指标",
        "item_title": "标题",
        "chapter": "报告章节",
        "explain": "不遵守就解释",
        "open": DISCLOSURE["open"][0],
        "open_items": "须披露的框架条目中有{n}个既未回应也未解释（见{index}）。",
        "targets": "目标及进展",
        "targets_note": "进展为自基准年数值至目标值已完成的比例；无数据的年份不计进展。",
        "target_line": "{name}（{kind}）：基准年{base_year}年 {base}，目标{year}年 {value}",
        "absolute": "绝对量目标",
        "intensity": "强度目标",
        "value": "数值",
        "progress": "进展",
        "milestone": "阶段性目标",
        "on_track": "达到阶段性目标",
        "off_track": "未达到阶段性目标",
        "explained": DISCLOSURE["explained"][0],
        "colon": "：",
        "index_answers": "须披露条目共{items}个：{answered}个已回应，{explained}个已解释，{open}个未回应。",
        "explain_note": "标为“不遵守就解释”的条目为须披露但尚无指标对应的条目，由ESG办公室说明原因或指向报告相应章节。",
        "index_counts": "共{items}个条目，其中{answered}个有指标对应，{explain}个须“不遵守就解释”。",
        "computed": "本期数据由各单位填报汇总计算；往年数据为已发布数值，按发布时的精度列示。",
        "basis_energy": "口径：能源消耗总量按GB/T 2589-2020折算为标准煤，"
        "电力按{electricity}（{coefficient} 千克标准煤/千瓦时）计。",
        "basis_gwp": "温室气体排放中二氧化碳以外的气体（燃料燃烧的甲烷和氧化亚氮、制冷剂、六氟化硫）"
        "按{gwp}的100年全球变暖潜势折算为二氧化碳当量。",
        "basis_calorific": "当量值",
        "basis_equivalent": "等价值",
        "basis_ar5": "IPCC第五次评估报告（AR5）",
        "basis_ar6": "IPCC第六次评估报告（AR6）",
        "versus": "本期计算值与已发布值对比",
        "versus_note": "{period}年的数值按各单位填报数据计算。下列指标的计算结果与{period}年已发布报告的数值不一致"
        "（按已发布数值的精度比较），在上方表格中以 ≠ 标出。两者均如实列示，不作改动：差异须由ESG办公室核实，"
        "如已发布数值有误，经数据调整更正。",
        "published": "已发布",
        "from_returns": "按填报数据计算",
        "difference": "差异",
        "own": "已发布报告自身的矛盾",
        "own_note": "已发布报告中的部分数值彼此不一致：例如合计数不等于分项之和，或数值与其计算公式不符。"
        "这些数值在上方表格中按发布原样列示，并以 ! 标出；下表列出按报告自身其他数值计算应得的结果。",
        "year": "年份",
        "figure": "数值",
        "rule": "问题",
        "own_figures": "按报告自身数值应为",
        "involved": "相关指标",
        "legend_differs": "≠ 按填报数据计算的数值与已发布值不同",
        "legend_contradicted": "! 该已发布数值与报告中其他数值矛盾",
        "was_published": "已发布",
        "signed_off": "本期数据已于 {date} 由 {by} 签核锁定；此后收到的更正须经数据调整方可计入。",
        "charts_note": "趋势图从零开始；同一板块中单位相同、量级相近（最大值相差不到十倍）的指标共用同一纵轴刻度，"
        "可按高度相互比较。"
        "某年无数据时，图中标注“无数据”，并以虚线跨过该年。悬停在数据点上可见年份、数值与单位。",
        "tiny_note": "小于0.0001的数值以科学记数法列示，如 7.17 × 10⁻⁸ 即 0.0000000717。",
        "missing_note": "“–”表示该年没有数值（未发布，亦无填报数据），而非零。",
    },
    "en": {
        "title": "Key performance table",
        "empty_year": "The {year} column has no figures: nothing was published for that year and no returns were "
        "consolidated for it.",
        "empty_period": "The {year} column has no figures: no entity’s return has been accepted and consolidated yet "
        "(see the provisional note above).",
        "contents": "Contents",
        "indicator": "Indicator",
        "unit": "Unit",
        "trend": "Trend",
        "legend_unpublished": "* not in that year’s published report: computed from the returns",
        "unpublished": "not in the published report; computed from the returns",
        "restatements": "Restatements",
        "scope3": "Scope 3 screening",
        "registers": "Registers: sites and climate risks",
        "registers_note": "The rows each entity typed in the tables (tbl_) of its newest accepted return "
        "of the period; a blank cell stays blank.",
        "scope3_note": "The ESG office screens each category and another person approves it; only categories "
        "relevant (approved) count in Scope 3, the others have no figure (never a zero).",
        "scope3_category": "Category",
        "scope3_state": "State",
        "scope3_reason": "Reason",
        "scope3_method": "Method",
        "scope3_by": "Screened / approved by",
        "restatement": "Restatement {number} of {year} ({date}): {reason}",
        "significant": "Significant: a total moved by 5% or more",
        "before": "Before",
        "after": "After",
        "because": "Because of",
        "factor": "factor",
        "return_of": "return of",
        "index": "Disclosure index",
        "index_open": "Show the disclosure index",
        "framework": "Framework",
        "item": "Item",
        "answered_by": "Answered by",
        "item_title": "Title",
        "chapter": "Chapter of the Chinese report",
        "explain": "comply or explain",
        "open": DISCLOSURE["open"][1],
        "open_items": "Mandatory framework items neither answered nor explained: {n} (see the {index}).",
        "targets": "Targets and progress",
        "targets_note": "Progress is the share of the way from the base-year value to the target value; "
        "a year without a figure shows no progress.",
        "target_line": "{name} ({kind}): base year {base_year} {base}, target {year} {value}",
        "absolute": "absolute target",
        "intensity": "intensity target",
        "value": "Figure",
        "progress": "Progress",
        "milestone": "Milestone",
        "on_track": "milestone met",
        "off_track": "milestone not met",
        "explained": DISCLOSURE["explained"][1],
        "colon": ": ",
        "index_answers": "{items} mandatory items: {answered} answered, {explained} explained, {open} open.",
        "explain_note": "Items marked “comply or explain” must be disclosed, but no indicator answers them yet: "
        "the ESG office explains why, or points to the chapter of the report that covers them.",
        "index_counts": "{items} items: {answered} answered by indicators, {explain} to comply with or explain.",
        "computed": "The figures of the period are consolidated from the entities’ returns; those of earlier years "
        "are the published ones, at the precision they were published with.",
        "basis_energy": "Basis: the energy total is in tonnes of standard coal by GB/T 2589-2020, electricity at the "
        "{electricity}, {coefficient} kgce/kWh.",
        "basis_gwp": "Gases other than CO₂ (methane and nitrous oxide from fuel combustion, "
        "refrigerants, SF₆) are in CO₂ equivalent by the 100-year global warming potentials of {gwp}.",
        "basis_calorific": "calorific equivalent (当量值)",
        "basis_equivalent": "primary-energy equivalent (等价值)",
        "basis_ar5": "the IPCC Fifth Assessment Report (AR5)",
        "basis_ar6": "the IPCC Sixth Assessment Report (AR6)",
        "versus": "Computed against published",
        "versus_note": "The figures of {period} are computed from the entities’ returns. These differ from the "
        "figures published for {period}, compared at the precision they were published with, and are marked ≠ "
        "in the table above. Both are shown as they are, unchanged: the ESG office checks each difference, and a "
        "published figure found wrong is corrected only through a restatement.",
        "published": "Published",
        "from_returns": "From returns",
        "difference": "Difference",
        "own": "The published report’s own contradictions",
        "own_note": "Some published figures disagree with each other: a total that is not the sum of its parts, "
        "or a figure that does not match its formula. The table above shows them as published, marked !; "
        "this table shows what the report’s own other figures give.",
        "year": "Year",
        "figure": "Figure",
        "rule": "Problem",
        "own_figures": "Its own figures give",
        "involved": "Figures involved",
        "legend_differs": "≠ the figure computed from the returns differs from the published one",
        "legend_contradicted": "! this published figure contradicts other figures of the report",
        "was_published": "published",
        "signed_off": "The figures of {period} were signed off by {by} on {date}; later corrections count only "
        "through a restatement.",
        "charts_note": "Trend charts start at zero; within a section, indicators in the same unit and of like size "
        "(largest figures within a factor of ten) share one scale, so their heights can be compared. "
        "A year without a figure is labelled “no figure” and the line crosses "
        "it dashed. Hover over a point for its year, figure and unit.",
        "tiny_note": "Figures below 0.0001 are written in scientific notation: 7.17 × 10⁻⁸ is 0.0000000717.",
        "missing_note": "“–” means there is no figure for that year (none published, none reported), not zero.",
    },
}
