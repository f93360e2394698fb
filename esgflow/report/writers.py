"""Write the appendix table and the disclosure index as CSV and as a formatted workbook."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from esgflow.catalog import Catalog
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


def write_index_csv(entries: list[IndexEntry], catalog: Catalog, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["framework", "item", "code", "name_zh", "name_en"])
        for e in entries:
            for code in e.codes:
                writer.writerow([e.framework, e.item, code, catalog[code].name_zh, catalog[code].name_en])


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
                ws.cell(ws.max_row, col).number_format = _number_format(
                    max(ind.decimals, -cell.value.as_tuple().exponent)
                    if cell and cell.basis != "computed"
                    else ind.decimals
                )
        for col, width in enumerate([34, 40, 48, 12, 14, *([16] * len(table.columns))], start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "C2"
    ws = wb.create_sheet("披露索引 Index")
    ws.append(["框架 Framework", "条目 Item", "代码 Code", "指标", "Indicator"])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for e in entries:
        for code in e.codes:
            ws.append(
                [
                    FRAMEWORK_NAMES[e.framework]["en"],
                    e.item,
                    code,
                    catalog[code].name_zh,
                    catalog[code].name_en,
                ]
            )
    ws.freeze_panes = "A2"
    wb.save(path)
