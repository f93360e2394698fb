"""Write the appendix table and the disclosure index as CSV and as a formatted workbook."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from esgflow.catalog import Catalog
from esgflow.report import estimates
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.tables import AppendixTable

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_appendix_csv(table: AppendixTable, path: Path) -> None:
    """appendix.csv as INTERFACE.md fixes it: code, name_zh, name_en, unit, then the year columns."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name_zh", "name_en", "unit", *(c.key for c in table.columns)])
        for row in table.rows:
            ind = row.indicator
            values = [(row.cells[c.key].text(ind.decimals) if row.cells[c.key] else "") for c in table.columns]
            writer.writerow([ind.code, ind.name_zh, ind.name_en, ind.unit, *values])


INDEX_HEADERS = [
    "framework",
    "item",
    "title_zh",
    "title_en",
    "mandatory",
    "status",
    "codes",
    "names_zh",
    "names_en",
    "chapter",
]
INDEX_SHEET_HEADERS = [
    "框架 Framework",
    "条目 Item",
    "标题",
    "Title",
    "强制 Mandatory",
    "状态 Status",
    "代码 Codes",
    "对应指标",
    "Answered by",
    "报告章节 Chapter",
]
STATUS_TEXT = {"answered": "", "comply_or_explain": "不遵守就解释 comply or explain", "not_answered": ""}
EXPLAIN_FILL = PatternFill("solid", fgColor="FDE2E1")


def _index_row(e: IndexEntry, catalog: Catalog) -> list[str]:
    """One row per framework item; the indicators answering it are joined in one cell each."""
    return [
        e.framework,
        e.item,
        e.title_zh,
        e.title_en,
        "yes" if e.mandatory else "no",
        e.status,
        "; ".join(e.codes),
        "; ".join(catalog[c].name_zh for c in e.codes),
        "; ".join(catalog[c].name_en for c in e.codes),
        e.chapter,
    ]


def write_index_csv(entries: list[IndexEntry], catalog: Catalog, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(INDEX_HEADERS)
        writer.writerows(_index_row(e, catalog) for e in entries)


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write_appendix_xlsx(table: AppendixTable, entries: list[IndexEntry], catalog: Catalog, path: Path) -> None:
    """One sheet per pillar with thousands separators, a unit column and frozen headers."""
    wb = Workbook()
    wb.remove(wb.active)
    headers = ["代码 Code", "指标", "Indicator", "单位", "Unit", *(c.key for c in table.columns)]
    for pillar, names in catalog.pillars.items():
        rows = [r for r in table.rows if r.indicator.pillar == pillar]
        if not rows:
            continue
        ws = wb.create_sheet(f"{names['zh']} {names['en']}"[:31])
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r in rows:
            ind = r.indicator
            values = [float(r.cells[c.key].text(ind.decimals)) if r.cells[c.key] else None for c in table.columns]
            ws.append([ind.code, ind.name_zh, ind.name_en, ind.unit_zh, ind.unit, *values])
            for col, c in enumerate(table.columns, start=6):
                cell = r.cells[c.key]
                entities = table.estimated_from(r, c)
                if entities:  # a note on the figure, so the number itself stays a number
                    text = f"{estimates.includes(entities, 'zh')}\n{estimates.includes(entities, 'en')}"
                    ws.cell(ws.max_row, col).comment = Comment(text, "esgflow", width=320, height=90)
                ws.cell(ws.max_row, col).number_format = _number_format(
                    max(ind.decimals, -cell.value.as_tuple().exponent)
                    if cell and cell.basis != "computed"
                    else ind.decimals
                )
        for col, width in enumerate([34, 40, 48, 12, 14, *([16] * len(table.columns))], start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "C2"
    estimates.write_sheet(wb, table)
    _index_sheet(wb, entries, catalog)
    wb.save(path)


def _index_sheet(wb: Workbook, entries: list[IndexEntry], catalog: Catalog) -> None:
    """The disclosure index, one row per framework item, comply-or-explain rows filled in red."""
    ws = wb.create_sheet("披露索引 Index")
    ws.append(INDEX_SHEET_HEADERS)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for e in entries:
        row = _index_row(e, catalog)
        row[0], row[4] = FRAMEWORK_NAMES[e.framework]["en"], "是 yes" if e.mandatory else ""
        row[5] = STATUS_TEXT[e.status]
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if e.comply_or_explain:
                cell.fill = EXPLAIN_FILL
    for col, width in enumerate([24, 12, 36, 40, 10, 18, 30, 36, 40, 28], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C2"
