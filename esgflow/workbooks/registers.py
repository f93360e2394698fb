"""The registers' sheets of a template: one Excel table (ListObject `tbl_<name>`) per register the catalog declares.

The reader finds each by its name, never by where it sits, so a reporter who inserts rows inside the table,
or a spreadsheet that re-saves it, changes nothing that is read. The cells of the rows are unlocked, the rest
of the sheet is protected like the pillar sheets; the choices of a list column come from a sheet of their own,
because a drop-down's inline list is limited to 255 characters.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as ListObject
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from esgflow import glossary
from esgflow.registers import Column, Table
from esgflow.workbooks import fit
from esgflow.workbooks.reader import column_letters

CHOICES_SHEET = "选项 Choices"
HEADER_ROW = 4  # the table's header; its rows follow
WIDTHS = {"text": 30.0, "number": 14.0, "enum": 24.0}


def _validation(column: Column, choices: dict[str, str]) -> DataValidation:
    if column.type == "enum":
        dv = DataValidation(type="list", formula1=choices[column.key], allow_blank=True)
        dv.errorTitle = f"{column.zh} {column.en}"
        dv.error = "请从列表中选择 Choose from the list."
        # Either language's word is read too, so Excel only warns; esgflow judges the cell on return.
        dv.errorStyle = "warning"
    else:
        low = column.min if column.min is not None else -(10**15)
        high = column.max if column.max is not None else 10**15
        dv = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high))
        dv.allow_blank = True
        dv.errorTitle = "数值无效 Invalid figure"
        dv.error = f"请填写 {low} 至 {high} 之间的数字 Enter a number between {low} and {high}."
    dv.showErrorMessage = True
    return dv


def _write_choices(ws: Worksheet, tables: list[Table], version: str) -> dict[tuple[str, str], str]:
    """Each list column's choices in a column of the choices sheet; (table, column) -> the range to pick from."""
    ranges: dict[tuple[str, str], str] = {}
    col = 0
    for table in tables:
        for column in table.columns_in(version):
            if column.type != "enum":
                continue
            col += 1
            letter = column_letters(col)
            ws[f"{letter}1"] = f"{column.zh} {column.en}"
            ws[f"{letter}1"].font, ws[f"{letter}1"].fill = fit.header_font(), _header_fill()
            for r, choice in enumerate(column.choices, start=2):
                ws[f"{letter}{r}"] = choice.label
            ws.column_dimensions[letter].width = 34
            title = ws.title.replace("'", "''")
            ranges[(table.name, column.key)] = f"'{title}'!${letter}$2:${letter}${len(column.choices) + 1}"
    ws.protection.sheet = True
    return ranges


def _header_fill() -> PatternFill:
    from esgflow.workbooks.template import HEADER_FILL  # the template's one palette

    return HEADER_FILL


def _write_table(ws: Worksheet, table: Table, version: str, title: str, choices: dict[tuple[str, str], str]) -> None:
    from esgflow.workbooks.template import INPUT_FILL, OPTIONAL_FILL

    columns = table.columns_in(version)
    ws["A1"] = f"{table.zh} {table.en} · {title}"
    ws["A1"].font = fit.header_font(size=13)
    zh, en = glossary.REGISTER["rows_note"]
    ws["A2"] = f"{zh} {en} 黄色列必填 Yellow columns are required in every row used."
    last = HEADER_ROW + table.rows
    for n, column in enumerate(columns, start=1):
        letter = column_letters(n)
        head = ws[f"{letter}{HEADER_ROW}"]
        head.value = column.heading
        head.font, head.fill = fit.header_font(), _header_fill()
        head.alignment = Alignment(wrap_text=True, vertical="center")
        dv = _validation(column, {column.key: choices.get((table.name, column.key), "")})
        ws.add_data_validation(dv)
        dv.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        for r in range(HEADER_ROW + 1, last + 1):
            cell = ws[f"{letter}{r}"]
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL if column.required else OPTIONAL_FILL
            cell.number_format = "General" if column.type == "number" else "@"
            cell.alignment = Alignment(wrap_text=column.type == "text", vertical="center")
        ws.column_dimensions[letter].width = WIDTHS[column.type]
    ws.row_dimensions[HEADER_ROW].height = 32
    ref = f"A{HEADER_ROW}:{column_letters(len(columns))}{last}"
    listed = ListObject(displayName=table.list_name, ref=ref)
    listed.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(listed)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    fit.print_setup(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.protection.sheet = True
    ws.protection.insertRows = False  # False: allowed; a reporter who needs more rows inserts them
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def write_registers(wb: Workbook, tables: list[Table], version: str, title: str) -> None:
    """A sheet per register the template of `version` asks, then the sheet their lists choose from."""
    if not tables:
        return
    sheets = [wb.create_sheet(t.sheet_title) for t in tables]
    ranges = _write_choices(wb.create_sheet(CHOICES_SHEET), tables, version)
    for ws, table in zip(sheets, tables, strict=True):
        _write_table(ws, table, version, title, ranges)
