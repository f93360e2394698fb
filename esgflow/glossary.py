"""The words shared by letters, pages, workbooks and commands, in Chinese and English: one entry each.

A place that names a severity, a return's status or a column of findings takes the word from here,
so that a reporter reads the same word in the letter, the annotated workbook, the portal and the
validation pages. Each entry is (zh, en).
"""

from __future__ import annotations

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

# A mandatory framework item's standing in a period (`esgflow disclosure show`): the index sheet and the page.
DISCLOSURE: dict[str, tuple[str, str]] = {
    "answered": ("已回应", "answered"),
    "explained": ("已解释", "explained"),
    "open": ("未回应", "open"),
}

# The columns of a list of findings (the feedback sheet, the portal's table, the validation pages).
COLUMNS: dict[str, tuple[str, str]] = {
    "severity": ("级别", "Severity"),
    "entity": ("单位", "Entity"),
    "sheet": ("工作表", "Sheet"),
    "cell": ("单元格", "Cell"),
    "indicator": ("指标", "Indicator"),
    "rule": ("规则", "Rule"),
    "todo": ("处理办法", "What to do"),  # as the letters have always said it
    "detail": ("说明", "Detail"),
}


def severity(key: str, lang: str) -> str:
    """A severity's word in a language (zh or en); an unknown severity is named by its code."""
    zh, en = SEVERITY.get(key, (key, key))
    return zh if lang == "zh" else en
