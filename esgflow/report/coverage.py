"""What a provisional report rests on: which entities' returns are in its figures, and which are not.

Until a period is signed off its figures are provisional. Every output says so and gives its
coverage: the entities included (an accepted return in the figures), missing (no return, not
excused), rejected (only rejected returns), pending review (included, the ESG office has not
approved it yet), returned (included, sent back for correction) and excused, with their names.
`DIR/coverage.json` holds the lists; the page, the workbook and the command line say it in words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from esgflow.cycle.status import EntityStatus
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding
from esgflow.workbooks import fit

FILE = "coverage.json"
MARK = "临时报告 · PROVISIONAL"  # on every page and sheet, in both languages
LISTS = ("included", "missing", "rejected", "pending_review", "returned", "excused")

_WORDS = {
    "zh": {
        "mark": "临时报告",
        "head": "临时报告（{period}年，尚未签署）",
        "stop": "。",
        "not_signed": "{period}年数据尚未签署，以下数值为临时数据，可能变动。",
        "count": "{members}家单位中已纳入{included}家",
        "included": "已纳入",
        "missing": "未提交",
        "rejected": "被拒绝",
        "pending_review": "待审核",
        "returned": "已退回修改",
        "excused": "已豁免",
        "none": "无",
        "sep": "、",
        "colon": "：",
        "semi": "；",
    },
    "en": {
        "mark": "Provisional",
        "head": "PROVISIONAL ({period}, not signed off)",
        "stop": ".",
        "not_signed": "{period} is not signed off: the figures below are provisional and may change.",
        "count": "{included} of {members} entities included",
        "included": "included",
        "missing": "missing",
        "rejected": "rejected",
        "pending_review": "pending review",
        "returned": "returned for correction",
        "excused": "excused",
        "none": "none",
        "sep": ", ",
        "colon": ": ",
        "semi": "; ",
    },
}


@dataclass(frozen=True)
class Coverage:
    period: str
    lists: dict[str, list[str]]  # LISTS -> entity codes, in registry order
    names: dict[str, tuple[str, str]]  # code -> (Chinese short name, English name)

    @property
    def members(self) -> int:
        return len({e for key in ("included", "missing", "rejected", "excused") for e in self.lists[key]})

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "provisional": True,
            "entities": self.members,
            **{key: list(self.lists[key]) for key in LISTS},
            "names": {code: {"zh": zh, "en": en} for code, (zh, en) in self.names.items()},
        }

    def write(self, out: Path) -> Path:
        path = out / FILE
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    def named(self, key: str, lang: str) -> str:
        """The entities of one list by name (code in brackets), or 'none'."""
        w = _WORDS[lang]
        codes = self.lists[key]
        if not codes:
            return w["none"]
        index = 0 if lang == "zh" else 1
        shown = [(self.names.get(c, (c, c))[index], c) for c in codes]
        return w["sep"].join(f"{name}（{c}）" if lang == "zh" else f"{name} ({c})" for name, c in shown)

    def summary(self, lang: str) -> str:
        """One line: PROVISIONAL, how many entities are in, and who is missing, rejected or waiting."""
        w = _WORDS[lang]
        parts = [w["count"].format(members=self.members, included=len(self.lists["included"]))]
        for key in ("missing", "rejected", "pending_review", "returned", "excused"):
            codes = self.lists[key]
            if codes:
                count = f"{len(codes)}家" if lang == "zh" else str(len(codes))
                parts.append(f"{w[key]} {count}{w['colon']}{self.named(key, lang)}")
        head = (
            f"{w['mark']}（{self.period}年，尚未签署）"
            if lang == "zh"
            else f"PROVISIONAL ({self.period}, not signed off)"
        )
        return f"{head}{w['colon']}{w['semi'].join(parts)}"

    def html(self, lang: str) -> str:
        """The page's provisional mark, in both languages, and the coverage in the page's language."""
        w = _WORDS[lang]
        rows = "".join(
            f'<li class="coverage-{key}"><b>{escape(w[key])}</b>{w["colon"]}{len(self.lists[key])}'
            + (f"{w['colon']}{escape(self.named(key, lang))}" if self.lists[key] and key != "included" else "")
            + "</li>"
            for key in LISTS
            if key == "included" or self.lists[key]
        )
        count = w["count"].format(members=self.members, included=len(self.lists["included"]))
        return (
            f'<section class="provisional" id="provisional"><p class="provisional-mark">{MARK}</p>'
            f"<p>{escape(w['not_signed'].format(period=self.period))} {escape(count)}{w['stop']}</p>"
            f"<ul>{rows}</ul></section>"
        )


def coverage_of(period: str, statuses: Iterable[EntityStatus], registry: EntityRegistry) -> Coverage:
    """The coverage of a period's figures from its entities' statuses (status --json's records)."""
    lists: dict[str, list[str]] = {key: [] for key in LISTS}
    for s in statuses:
        if s.figures_version is not None:
            lists["included"].append(s.entity)
            if s.review == "returned":
                lists["returned"].append(s.entity)
            elif s.review != "approved":
                lists["pending_review"].append(s.entity)
        elif s.review == "excused":
            lists["excused"].append(s.entity)
        elif s.status == "rejected":
            lists["rejected"].append(s.entity)
        else:
            lists["missing"].append(s.entity)
    known = set(registry.codes)
    names = {
        code: (registry[code].short_zh or registry[code].name_zh, registry[code].name_en)
        for key in LISTS
        for code in lists[key]
        if code in known
    }
    return Coverage(period, lists, names)


def remove_stale(out: Path) -> None:
    """A signed-off report leaves no coverage.json of an earlier provisional run behind it."""
    (out / FILE).unlink(missing_ok=True)


PROVISIONAL_SHEET = "临时 Provisional"
_RED = "C0392B"


def mark_workbook(wb: Workbook, coverage: Coverage, tables: list[Worksheet]) -> None:
    """Say on every sheet of the appendix workbook that it is provisional: a first sheet with the
    coverage, the mark printed at the top of every page and on the tab, and a red cell beside the
    header of every table sheet."""
    for ws in wb.worksheets:
        ws.oddHeader.center.text = f"{MARK} {coverage.period}"
        ws.sheet_properties.tabColor = _RED
    for ws in tables:
        mark = ws.cell(1, ws.max_column + 1, MARK)
        mark.font, mark.fill = fit.header_font(color="FFFFFF"), PatternFill("solid", fgColor=_RED)
        mark.alignment = Alignment(wrap_text=True, vertical="center")
        mark.comment = Comment(f"{coverage.summary('zh')}\n{coverage.summary('en')}", "esgflow", width=420, height=160)
    ws = wb.create_sheet(PROVISIONAL_SHEET, 0)
    ws.sheet_properties.tabColor = _RED
    ws.oddHeader.center.text = f"{MARK} {coverage.period}"
    ws.append([MARK])
    ws["A1"].font = fit.header_font(size=14, color=_RED)
    ws.append([coverage.summary("zh")])
    ws.append([coverage.summary("en")])
    ws.append([])
    ws.append(["清单 List", "代码 Code", "填报单位", "Entity"])
    for cell in ws[ws.max_row]:
        cell.font = fit.header_font()
    for key in LISTS:
        for code in coverage.lists[key]:
            zh, en = coverage.names.get(code, (code, code))
            ws.append([f"{_WORDS['zh'][key]} {_WORDS['en'][key]}", code, zh, en])
    for column, width in zip("ABCD", (24, 12, 28, 48), strict=True):
        ws.column_dimensions[column].width = width
    wb.active = 1 if tables else 0


def coverage_findings(coverage: Coverage) -> list[Finding]:
    """`check`'s findings on what a period's figures lack: the entities with no return, or only rejected ones."""
    found = []
    for key, rule, why in (
        ("missing", "coverage_missing", "sent no return"),
        ("rejected", "coverage_rejected", "have only rejected returns"),
    ):
        codes = coverage.lists[key]
        if codes:
            found.append(
                Finding(
                    rule,
                    "warning",
                    f"{len(codes)} of {coverage.members} entities {why} for {coverage.period}, so the group figures "
                    f"leave them out: {coverage.named(key, 'en')}",
                    period=coverage.period,
                    expected=Decimal(coverage.members),
                    actual=Decimal(len(coverage.lists["included"])),
                )
            )
    return found
