"""Write the appendix table and the disclosure index as CSV and as a formatted workbook."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from esgflow import display, glossary
from esgflow.catalog import Catalog, Indicator
from esgflow.checks.rules import wording
from esgflow.glossary import DISCLOSURE
from esgflow.report import coverage, estimates
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.tables import AppendixTable, Cell, Column
from esgflow.safety import write_text
from esgflow.workbooks import fit

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
DIFFERS_FILL = PatternFill("solid", fgColor="FFF2CC")  # as the page marks a figure that differs
CONTRADICTED_FILL = PatternFill("solid", fgColor="FDE2E1")  # as the page marks a contradicted one
FIRST_YEAR_COLUMN = 6


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
    "text_zh",
    "text_en",
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
    "说明",
    "Explanation",
]
STATUS_TEXT = {
    "answered": "",
    "comply_or_explain": "不遵守就解释 comply or explain",
    "not_answered": "",
    **{k: f"{zh} {en}" for k, (zh, en) in DISCLOSURE.items() if k != "answered"},
}
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
        "; ".join(catalog.answer_name(c, "zh") for c in e.codes),
        "; ".join(catalog.answer_name(c, "en") for c in e.codes),
        e.chapter,
        e.text_zh,
        e.text_en,
    ]


def write_index_csv(entries: list[IndexEntry], catalog: Catalog, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(INDEX_HEADERS)
        writer.writerows(_index_row(e, catalog) for e in entries)


SCOPE3_HEADERS = ["category", "code", "name_zh", "name_en", "state", "relevant", "reason", "method"]
SCOPE3_HEADERS += ["screened_by", "screened_at", "approved_by", "approved_at"]


def write_scope3_csv(table: AppendixTable, path: Path) -> None:
    """scope3_screening.csv: the period's fifteen Scope 3 categories, their state and screening."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, SCOPE3_HEADERS)
        writer.writeheader()
        writer.writerows({k: "" if r[k] is None else r[k] for k in SCOPE3_HEADERS} for r in table.scope3)


def year_header(column: Column) -> str:
    """A year column as people write it: '2024', or '2022（重述）' above '2022 restated'."""
    if column.key == column.year:
        return column.year
    return f"{glossary.restated(column.year, 'zh')}\n{glossary.restated(column.year, 'en')}"


def _number(cell: Cell, places: int) -> float:
    """The figure as the cell holds it: computed ones at their places (what is shown is what is summed),
    published ones as published, a tiny one at the significant digits it is shown with."""
    if display.is_tiny(cell.value, places):
        return float(f"{cell.value:.{display.TINY_DIGITS - 1}E}")
    return float(cell.text(places))


def write_appendix_xlsx(table: AppendixTable, entries: list[IndexEntry], catalog: Catalog, path: Path) -> None:
    """One sheet per pillar (units, separators, frozen and printed headers, differing and contradicted
    figures marked), the comparison with the published figures, the report's contradictions, the
    figures resting on estimates and the disclosure index; every sheet prints on A4 landscape."""
    wb = Workbook()
    wb.remove(wb.active)
    unit_zh, unit_en = glossary.COLUMNS["unit"]
    headers = ["代码 Code", "指标", "Indicator", unit_zh, unit_en, *(year_header(c) for c in table.columns)]
    differing, contradicted = table.differing(), table.contradicted()
    pillar_sheets = []
    for pillar, names in catalog.pillars.items():
        rows = [r for r in table.rows if r.indicator.pillar == pillar]
        if not rows:
            continue
        ws = wb.create_sheet(f"{names['zh']} {names['en']}"[:31])
        pillar_sheets.append(ws)
        _header(ws, headers)
        for r in rows:
            ind = r.indicator
            values = [_number(r.cells[c.key], ind.decimals) if r.cells[c.key] else None for c in table.columns]
            ws.append([ind.code, ind.name_zh, ind.name_en, display.unit(ind.unit_zh), display.unit(ind.unit), *values])
            for col, c in enumerate(table.columns, start=FIRST_YEAR_COLUMN):
                cell, shown = r.cells[c.key], ws.cell(ws.max_row, col)
                if cell is None:
                    continue
                shown.number_format = display.excel_format(r.places(), cell.value)  # the page's places
                notes = []
                entities = table.estimated_from(r, c)
                if entities:  # a note on the figure, so the number itself stays a number
                    notes += [estimates.includes(entities, "zh"), estimates.includes(entities, "en")]
                if c.key == c.year == table.period and cell.basis == "computed" and ind.code in differing:
                    shown.fill = DIFFERS_FILL
                    published = display.figure(differing[ind.code], ind.decimals)
                    notes.append(f"≠ 已发布 Published: {published}（见“{COMPARISON_SHEET}”）")
                elif cell.basis == "published" and (ind.code, c.year) in contradicted:
                    shown.fill = CONTRADICTED_FILL
                    notes += [f"! {f.message}" for f in contradicted[(ind.code, c.year)]]
                if notes:
                    shown.comment = Comment("\n".join(notes), "esgflow", width=360, height=110)
        _finish(ws, header_row=1, wrap="BC")
        ws.freeze_panes = "D2"
    _comparison_sheet(wb, table)
    _contradictions_sheet(wb, table, catalog)
    estimates.write_sheet(wb, table)
    written = {c.key: year_header(c) for c in table.columns}
    for cell in wb[estimates.SHEET]["D"][4:]:  # the sheet names a column by its key; people read its header
        cell.value = written.get(str(cell.value), cell.value)
    _finish(wb[estimates.SHEET], header_row=4, wrap="BCDF")
    _index_sheet(wb, entries, catalog)
    if table.coverage is not None:
        coverage.mark_workbook(wb, table.coverage, pillar_sheets)
    wb.save(path)


def _header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = fit.header_font(), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _explained(ws: Worksheet, zh: str, en: str) -> None:
    """Two lines saying what a sheet lists, above its table."""
    ws.append([zh])
    ws.append([en])
    ws.append([])
    ws["A1"].font = fit.header_font()


def _finish(ws: Worksheet, header_row: int, wrap: str, widest: float = fit.MAX_WIDTH) -> None:
    """Widths from the contents, wrapped long names with rows tall enough, printed headers, A4 landscape.

    Lines above the header (a sheet's explanation) are spread over the table's width so that
    they print whole instead of running off the page.
    """
    for cells in ws.iter_rows(min_row=header_row + 1):
        for cell in cells:
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column_letter in wrap)
    widths = fit.fit_columns(ws, first=header_row, maximum=widest)
    fit.fit_rows(ws, widths, first=header_row)
    last = get_column_letter(max(ws.max_column, 1))
    table_width = sum(widths.values())
    for row in range(1, header_row):
        text = ws.cell(row, 1).value
        if text and last != "A":
            ws.merge_cells(f"A{row}:{last}{row}")
            ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = fit.row_height([(text, table_width)])
    fit.print_setup(ws, title_rows=f"{header_row}:{header_row}")


COMPARISON_SHEET = "对比 Computed vs published"
COMPARISON_HEADERS = [
    "代码 Code",
    "指标",
    "Indicator",
    "计量单位 Unit",
    "已发布 Published",
    "按填报数据计算 From returns",
    "差异 Difference",
]


def _comparison_sheet(wb: Workbook, table: AppendixTable) -> None:
    """The period's figures computed from the returns that differ from the published ones, and by how much."""
    ws = wb.create_sheet(COMPARISON_SHEET)
    _explained(
        ws,
        f"{table.period}年按各单位填报数据计算的结果与已发布数值不一致的指标（按已发布精度比较）。",
        f"{table.period}: figures computed from the entities' returns that differ from the published ones "
        "at the precision they were published with.",
    )
    _header(ws, COMPARISON_HEADERS)
    differences = table.differences()
    if not differences:
        ws.append(["没有差异 No differences" if table.published_now else "本期没有已发布数值 Nothing published"])
    for row, published, cell in differences:
        ind = row.indicator
        computed = _number(cell, ind.decimals)
        gap = float((cell.value - published) / published) if published else None
        ws.append([ind.code, ind.name_zh, ind.name_en, _unit(ind), float(published), computed, gap])
        r = ws.max_row
        ws.cell(r, 5).number_format = display.excel_format(ind.decimals, published)
        ws.cell(r, 6).number_format = display.excel_format(ind.decimals, cell.value)
        ws.cell(r, 6).fill = DIFFERS_FILL
        ws.cell(r, 7).number_format = "+0.0%;-0.0%;0.0%"
    _finish(ws, header_row=4, wrap="BC")


CONTRADICTIONS_SHEET = "矛盾 Contradictions"
CONTRADICTIONS_HEADERS = [
    "年份 Year",
    "代码 Code",
    "指标",
    "Indicator",
    "计量单位 Unit",
    "规则",
    "Rule",
    "已发布 Published",
    "按报告自身数值应为 Its own figures give",
    "相关指标 Figures involved",
    "说明 Detail",
]


def _contradictions_sheet(wb: Workbook, table: AppendixTable, catalog: Catalog) -> None:
    """Where the published figures of the years shown disagree with each other."""
    ws = wb.create_sheet(CONTRADICTIONS_SHEET)
    _explained(
        ws,
        "已发布报告中数值之间互相不一致之处（按已发布报告自身的数值核对）。",
        "Where the published figures disagree with each other, checked against the report's own figures.",
    )
    _header(ws, CONTRADICTIONS_HEADERS)
    if not table.contradictions:
        ws.append([None, "没有矛盾 None found"])
    for f in sorted(table.contradictions, key=lambda f: (f.period or "", f.indicators)):
        ind = catalog[f.indicators[0]]
        involved = "; ".join(f"{catalog[c].name_zh} {catalog[c].name_en}" for c in f.indicators[1:] if c in catalog)
        (rule_zh, _), (rule_en, _) = wording(f.rule, "zh"), wording(f.rule, "en")
        numbers = [None if v is None else float(v) for v in (f.actual, f.expected)]
        row = [f.period, ind.code, ind.name_zh, ind.name_en, _unit(ind), rule_zh, rule_en, *numbers, involved]
        ws.append(row)
        write_text(ws.cell(ws.max_row, 11), f.message)  # a message may quote a figure's text: keep it inert
        for col, value in ((8, f.actual), (9, f.expected)):
            ws.cell(ws.max_row, col).number_format = display.excel_format(ind.decimals, value)
        ws.cell(ws.max_row, 8).fill = CONTRADICTED_FILL
    _finish(ws, header_row=4, wrap="CDFGJK", widest=36)


def _unit(ind: Indicator) -> str:
    """'万元 10k CNY', or one unit where both languages write it alike."""
    zh, en = display.unit(ind.unit_zh), display.unit(ind.unit)
    return en if zh == en else f"{zh} {en}"


def _index_sheet(wb: Workbook, entries: list[IndexEntry], catalog: Catalog) -> None:
    """The disclosure index, one row per framework item, comply-or-explain rows filled in red."""
    ws = wb.create_sheet("披露索引 Index")
    ws.append(INDEX_SHEET_HEADERS)
    for cell in ws[1]:
        cell.font, cell.fill = fit.header_font(), HEADER_FILL
    for e in entries:
        row = _index_row(e, catalog)
        row[0], row[4] = FRAMEWORK_NAMES[e.framework]["en"], "是 yes" if e.mandatory else ""
        row[5] = STATUS_TEXT[e.status] if e.mandatory else ""
        ws.append(row)
        if e.comply_or_explain:
            for cell in ws[ws.max_row]:
                cell.fill = EXPLAIN_FILL
    _finish(ws, header_row=1, wrap="ABCDEFGHIJKL", widest=32)
    ws.freeze_panes = "C2"
