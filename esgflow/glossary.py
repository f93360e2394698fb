"""The words shared by letters, pages, workbooks and commands, in Chinese and English: one entry each.

A place that names a severity, a return's status or a column of findings takes the word from here,
so that a reporter reads the same word in the letter, the annotated workbook, the portal and the
validation pages. Each entry is (zh, en).
"""

from __future__ import annotations

import re

# A finding's severity (esgflow.findings.Severity).
SEVERITY: dict[str, tuple[str, str]] = {
    "error": ("错误", "Error"),
    "warning": ("提示", "Warning"),
    "info": ("信息", "Note"),
}

# A return's status (`esgflow status`), as a short label (a mail's subject, the portal's table).
STATUS: dict[str, tuple[str, str]] = {
    "not_submitted": ("未提交", "not submitted"),
    "accepted": ("已接受", "accepted"),
    "accepted_with_warnings": ("已接受（有提示）", "accepted with warnings"),
    "rejected": ("未通过", "not accepted"),
}

# The ESG office's review of a return (`esgflow status`, the portal's pages).
REVIEW: dict[str, tuple[str, str]] = {
    "pending": ("待审核", "pending review"),
    "approved": ("已核准", "approved"),
    "returned": ("已退回修改", "returned for correction"),
    "excused": ("已豁免（本期不报送）", "excused (will not report)"),
}

# A mandatory framework item's standing in a period (`esgflow disclosure show`): the index sheet and the page.
DISCLOSURE: dict[str, tuple[str, str]] = {
    "answered": ("已回应", "answered"),
    "explained": ("已解释", "explained"),
    "open": ("未回应", "open"),
}

# The columns of a list of findings (the feedback sheet, the portal's table, the validation pages).
COLUMNS: dict[str, tuple[str, str]] = {
    "severity": ("级别", "Severity"),
    "entity": ("填报单位", "Entity"),  # 单位 alone also means a unit of measure: the two never share a word
    "sheet": ("工作表", "Sheet"),
    "cell": ("单元格", "Cell"),
    "indicator": ("指标", "Indicator"),
    "rule": ("规则", "Rule"),
    "todo": ("处理办法", "What to do"),  # as the letters have always said it
    "detail": ("说明", "Detail"),
    "unit": ("计量单位", "Unit"),
    "file": ("文件", "File"),
    "version": ("版本", "Version"),
    "letter": ("反馈函", "Letter"),
    # the template's own columns (templates/layout.yaml names them by these keys)
    "code": ("代码", "Code"),
    "this_period": ("本期", "This period"),
    "last_period": ("上期", "Last period"),
    "note": ("说明", "Note"),
    "requirement": ("要求", "Rule"),
    "estimate": ("实际/估算", "Actual/Estimated"),
}

# The answers of a yes/no column of a register (a table a return answers row by row): the catalog's
# `choices: yes_no`; a reporter may type either language's word.
YES_NO: dict[str, tuple[str, str]] = {"yes": ("是", "Yes"), "no": ("否", "No")}
# Words of the registers' own columns and sheets shared by the templates, the findings and the report's CSVs.
REGISTER = {
    "entity": ("填报单位", "Entity"),
    "row": ("行", "Row"),
    "rows_note": (
        "每行填写一项；不用的行留空。行数不够时可在表格内插入行（或联系 ESG 工作办公室）。",
        "One item a row; leave unused rows blank. Insert rows inside the table if you need more.",
    ),
}

# The approved Scope 3 screening of all fifteen categories, named where it answers a framework item
# (HKEX D28(c)) in the index, its CSV and the page.
SCOPE3_SCREENING = ("范围三类别筛选（15类均已批准）", "Scope 3 screening (all 15 categories approved)")

# A whole left blank beside a part given (the part_without_whole finding says which whole).
LEFT_BLANK = ("未填写", "left blank")

# Beside an input's name in the template, before the name of what it does not count
# (废弃物：回收利用（不含建筑垃圾） / Waste recycled (excluding construction waste)).
EXCLUDING = ("不含", "excluding")

# A year's column once its figures were restated: the report page and appendix.xlsx label it alike.
RESTATED = ("重述", "restated")

# Units as the catalog and the templates label them, and as Chinese forms write them; a Chinese reader
# never sees 'L', 'kWh' or 'm3'. English keeps the label (esgflow.display.unit sets m³ and CO₂).
# Who stands behind a return: the template's cells, the portal's review page and the assurance pack name them so.
SIGNATORIES: dict[str, tuple[str, str]] = {
    "meta_preparer": ("填报人", "Prepared by"),
    "meta_reviewer": ("审核人", "Reviewed by (at the entity)"),
    "meta_responsible": ("负责人", "Responsible"),
    "meta_contact_phone": ("联系电话", "Telephone"),
    "meta_contact_email": ("电子邮箱", "E-mail"),
}

UNITS_ZH: dict[str, str] = {
    "kWh": "千瓦时",
    "10k kWh": "万千瓦时",
    "MWh": "兆瓦时",
    "t": "吨",
    "10k t": "万吨",
    "kg": "千克",
    "L": "升",
    "m3": "立方米",
    "10k m3": "万立方米",
    "GJ": "吉焦",
    "10k CNY": "万元",
    "person": "人",
    "person-time": "人次",
    "count": "个",
    "h": "小时",
    "day": "天",
    "tce": "吨标准煤",
    "%": "%",
    "tCO2e": "吨二氧化碳当量",
    "kgCO2e": "千克二氧化碳当量",
    "tCO2": "吨二氧化碳",
    "kgCO2": "千克二氧化碳",
    "TJ": "太焦",
    "passenger-km": "人公里",
    "t-km": "吨公里",
    "room-night": "间夜",
}


def severity(key: str, lang: str) -> str:
    """A severity's word in a language (zh or en); an unknown severity is named by its code."""
    zh, en = SEVERITY.get(key, (key, key))
    return zh if lang == "zh" else en


def unit_zh(label: str | None) -> str:
    """A unit label's Chinese form ('L' -> 升, 'tCO2e/10k CNY' -> 吨二氧化碳当量/万元); unknown parts as written."""
    if not label:
        return ""
    if label in UNITS_ZH:
        return UNITS_ZH[label]
    return "/".join(UNITS_ZH.get(part.strip(), part.strip()) for part in label.split("/"))


def restated(year: str, lang: str) -> str:
    """A restated year's label, the same on the page and in the workbook: '2022（重述）', '2022 restated'."""
    zh, en = RESTATED
    return f"{year}（{zh}）" if lang == "zh" else f"{year} {en}"


def counted(key: str, n: int) -> str:
    """A count of findings of a severity, as the commands print it: '1 error', '2 warnings', '0 notes'."""
    return f"{n} {severity(key, 'en').lower()}{'' if n == 1 else 's'}"


def word(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """One entry of a glossary table in a language (zh or en)."""
    zh, en = table[key]
    return zh if lang == "zh" else en


# A stored figure's basis (`explain`, the auditor's pages).
BASES: dict[str, tuple[str, str]] = {
    "computed": ("计算值", "computed"),
    "computed_restated": ("重述后的计算值", "computed, restated"),
    "published": ("已发布值", "published"),
    "published_restated": ("重述后的已发布值", "published, restated"),
}

# The method of a Scope 3 line, and whether its data are primary, as `explain` labels a line.
SCOPE3_METHODS: dict[str, str] = {
    "average-data": "平均数据法",
    "spend-based": "支出法",
    "distance-based": "距离法",
    "commuters": "通勤人数法",
}

# Publishers a factor's citation names with words rather than a proper name (a proper name stays as published).
PUBLISHERS_ZH: dict[str, str] = {"usual default": "通用默认值", "MEE and NBS": "生态环境部、国家统计局"}

# How `explain` says a figure was made (esgflow.figures.explain), and its Chinese words: the codes, places and
# numbers in it stay as they are. Applied in order; each English phrase is replaced where it stands.
_HOW_ZH: tuple[tuple[str, str], ...] = (
    (r"^formula: ", "公式："),
    (r"^imported: (.*)$", r"自已发布报告导入：\1"),
    (r"^sum of (\d+) reported figures$", r"\1 个填报值之和"),
    (r"^reported by (\S+)$", r"由 \1 填报"),
    (r"^average weighted by (\S+)$", r"以 \1 加权平均"),
    (
        r"^sum of (\d+) entity figures, each with the factors of its location$",
        r"\1 个单位数值之和，各按所在地的因子计算",
    ),
    (r"^sum of the categories screened relevant and approved: ", "经筛选为相关并获批准的类别之和："),
    (r"^minus ", "减去 "),
    (r" at (\S+) \(split row (\S+)\)", r"，地点 \1（分项行 \2）"),
    (r" at (\S+), ([\d.]+ ?%) of the split", r"，地点 \1，占分项的 \2"),
    (r" at ([A-Z][A-Z0-9, -]*) \(split of (\S+)\)$", r"，地点 \1（按 \2 分项）"),
    (r" at ([A-Z][A-Z0-9, -]*)$", r"，地点 \1"),
    (r"data not primary", "非一手数据"),
    (r"data primary", "一手数据"),
    (r" \[([^\]]*)\]$", r"［\1］"),
)


def how_made(how: str, lang: str) -> str:
    """`explain`'s account of how a figure was made in a language: as said in English, or its Chinese words."""
    if lang != "zh":
        return how
    for pattern, zh in _HOW_ZH:
        how = re.sub(pattern, zh, how)
    for method, zh in SCOPE3_METHODS.items():
        how = how.replace(f"［{method}, ", f"［{zh}，")
    return how


def title_zh(publication: str) -> str | None:
    """A citation's Chinese title where the registry's publication carries one (GB standards, NDRC and MEE
    documents): the standard's number, the title in 《》 and the Chinese parts that follow; else None."""
    runs = re.findall(r"[\u4e00-\u9fff0-9（）]*[\u4e00-\u9fff][\u4e00-\u9fff0-9（）]*", publication)
    if not runs:
        return None
    standard = re.match(r"GB(?:/T)? \d+(?:[.-]\d+)*", publication)
    rest = "：" + "，".join(runs[1:]) if runs[1:] else ""
    return f"{standard.group(0) if standard else ''}《{runs[0]}》{rest}"
