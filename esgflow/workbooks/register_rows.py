"""Read the registers of a returned workbook: each Excel table found by its name, every row exactly, or findings.

A table is found by its ListObject name (`tbl_sites`) in the workbook's table parts, never by where it sits:
its `ref` gives the range as the reporter left it, so a table grown by inserted rows is read whole, and its
column names say which column is which, so a reordered table reads the same. Parts go through the same
bounded, DTD-free expat reader as the named cells. A row left entirely blank is no row; a blank cell stays
blank (never 0); text is kept as typed, numbers as the exact decimal the file holds, a choice as its value
whichever language names it. A bad cell is an error finding at its sheet and cell.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from esgflow.catalog import Catalog
from esgflow.decimals import significant
from esgflow.findings import Finding
from esgflow.registers import MAX_TEXT, Column, RegisterRow, Table, plain
from esgflow.workbooks import reader as R
from esgflow.workbooks.parse import NOT_REPORTED, format_kind
from esgflow.workbooks.safe_zip import SafeZip

MAX_TABLE_ROWS = 2000  # rows a register may grow to; a larger range is refused with its cell
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$")


@dataclass(frozen=True)
class _Found:
    sheet: str
    part: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: list[str]


def _rels_of(zf: SafeZip, part: str) -> list[str]:
    """The table parts a sheet part refers to."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if not zf.has(rels):
        return []
    found: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if R._local(tag) == "Relationship" and attrs.get("Type", "").endswith("/table"):
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found.append(path)

    R._parse(zf, rels, start)
    return found


def _tables(zf: SafeZip) -> dict[str, _Found]:
    """Every table of the workbook by its name, lower-cased (Excel's names ignore case)."""
    sheets, _names = R._workbook(zf)
    out: dict[str, _Found] = {}
    for sheet, part in sheets.items():
        for table_part in _rels_of(zf, part):
            if not zf.has(table_part):
                continue
            head: dict[str, str] = {}
            columns: list[str] = []

            def start(
                tag: str, attrs: dict[str, str], head: dict[str, str] = head, columns: list[str] = columns
            ) -> None:
                local = R._local(tag)
                if local == "table":
                    head.update(attrs)
                elif local == "tableColumn":
                    columns.append(attrs.get("name", ""))

            R._parse(zf, table_part, start)
            name = head.get("displayName") or head.get("name") or ""
            header = int(head.get("headerRowCount", "1") or 1)
            totals = int(head.get("totalsRowCount", "0") or 0)
            out[name.lower()] = _Found(sheet, part, head.get("ref", ""), header, totals, columns)
    return out


def _error(table: Table, file: str, sheet: str, cell: str, rule: str, message: str, found: str | None) -> Finding:
    return Finding(
        rule=rule,
        severity="error",
        message=f"{table.list_name}: {message}",
        indicators=(table.list_name,),
        file=file,
        sheet=sheet,
        cell=cell,
        found=found,
    )


def _text_of(cell: R.RawCell) -> str:
    return "" if cell.type in ("", "e") or cell.text is None else cell.text


def _number(cell: R.RawCell) -> Decimal | str | None:
    """The exact number a cell holds, None when blank, or why it is not a number."""
    if cell.type == "n":
        if format_kind(cell.number_format) == "date":
            return f"the cell is formatted as a date ({cell.number_format}); enter a plain number"
        try:
            return significant(Decimal(cell.text or ""))
        except InvalidOperation:
            return f"{cell.text!r} is not a number"
    text = " ".join(unicodedata.normalize("NFKC", _text_of(cell)).split())
    if text.lower() in NOT_REPORTED:
        return None
    if not _NUMBER.match(text):
        return f"the text {text!r} is not a number"
    value = Decimal(text.replace(",", ""))
    return value if value.is_finite() else f"{text!r} is not a finite number"


def _value(column: Column, cell: R.RawCell) -> tuple[str | None, str | None, str]:
    """(value to keep or None for blank, what is wrong or None, the finding's rule)."""
    if cell.formula and not cell.text:
        return None, "the formula has no saved result; type the value", "table_cell"
    if cell.type == "e":
        return None, f"the cell shows the error {cell.text}; type the value", "table_cell"
    if column.type == "number":
        number = _number(cell)
        if isinstance(number, str):
            return None, number, "table_number"
        if number is None:
            return None, None, ""
        low, high = column.min, column.max
        if (low is not None and number < low) or (high is not None and number > high):
            return None, f"{column.en} {number} is outside {low} to {high}", "table_range"
        return str(number), None, ""
    text = _text_of(cell).strip()
    if not text:
        return None, None, ""
    if column.type == "enum":
        choice = column.choice(text)
        if choice is None:
            offered = "; ".join(c.label for c in column.choices)
            return None, f"{column.en}: {text!r} is not one of the list ({offered})", "table_enum"
        return choice.value, None, ""
    if len(text) > MAX_TEXT:
        return None, f"{column.en}: the text is longer than {MAX_TEXT} characters", "table_cell"
    return text, None, ""


def _read_table(
    zf: SafeZip, table: Table, found: _Found, version: str, file: str
) -> tuple[list[RegisterRow], list[Finding]]:
    m = _RANGE.match(found.ref.upper())
    if not m:
        return [], [_error(table, file, found.sheet, "", "table_ref", f"its range {found.ref!r} is not a range", None)]
    first_col, top, last_col, bottom = R.column_number(m[1]), int(m[2]), R.column_number(m[3]), int(m[4])
    header_row = top + found.header_rows - 1
    first, last = top + found.header_rows, bottom - found.totals_rows
    if last - first + 1 > MAX_TABLE_ROWS or last_col > R.MAX_COLUMNS:
        message = f"the table spans {found.ref}, more than {MAX_TABLE_ROWS} rows or {R.MAX_COLUMNS} columns"
        return [], [_error(table, file, found.sheet, found.ref, "table_ref", message, None)]
    by_heading = {}
    for c in table.columns_in(version):
        for label in (c.heading, c.zh, c.en, c.key):
            by_heading.setdefault(plain(label), c)
    letters: dict[str, str] = {}  # column key -> its letter in this table
    for n, name in enumerate(found.columns):
        column = by_heading.get(plain(name))
        if column is not None and column.key not in letters:
            letters[column.key] = R.column_letters(first_col + n)
    findings = []
    for c in table.columns_in(version):
        if c.key not in letters:
            message = f"the column {c.heading!r} is missing; use the template's table"
            cell = f"{R.column_letters(first_col)}{header_row}"
            findings.append(_error(table, file, found.sheet, cell, "table_column_missing", message, None))
    if findings:
        return [], findings
    wanted = {f"{letter}{r}" for letter in letters.values() for r in range(first, last + 1)}
    stored = R._sheet_cells(zf, found.sheet, found.part, wanted)
    cells = R.resolve(zf, {ref: c for ref, c in stored.items() if c.type})  # a styled blank needs no format
    rows: list[RegisterRow] = []
    for r in range(first, last + 1):
        values: dict[str, str] = {}
        row_findings: list[Finding] = []
        blank: list[tuple[Column, str]] = []
        for c in table.columns_in(version):
            ref = f"{letters[c.key]}{r}"
            cell = cells.get(ref, R.RawCell(found.sheet, ref, "", None, False))
            value, problem, rule = _value(c, cell)
            if problem:
                row_findings.append(_error(table, file, found.sheet, ref, rule, problem, cell.text))
            elif value is None:
                blank.append((c, ref))
            else:
                values[c.key] = value
        if not values and not row_findings:
            continue  # a row left blank is no row
        for c, ref in blank:
            if c.required:
                message = f"row {r} is filled in but {c.en} ({c.zh}) is blank; fill it or clear the row"
                row_findings.append(_error(table, file, found.sheet, ref, "table_required", message, None))
        findings += row_findings
        if not row_findings:
            rows.append(RegisterRow(table.name, found.sheet, r, values))
    return rows, findings


def read_registers(zf: SafeZip, catalog: Catalog, version: str, file: str) -> tuple[list[RegisterRow], list[Finding]]:
    """Every row of every register the template of `version` may ask, with the findings of its bad cells.

    A register the template asks but the workbook does not hold is a warning: its rows cannot be read."""
    asked = [t for t in catalog.tables if int(t.template_version) <= int(version)]
    if not asked:
        return [], []
    present = _tables(zf)
    rows: list[RegisterRow] = []
    findings: list[Finding] = []
    for table in asked:
        found = present.get(table.list_name.lower())
        if found is None:
            if table.reported_by == "all":
                findings.append(
                    Finding(
                        rule="table_missing",
                        severity="warning",
                        indicators=(table.list_name,),
                        file=file,
                        message=f"the table {table.list_name} ({table.zh} {table.en}) is not in the workbook; "
                        "fill it in the template sent for this period",
                    )
                )
            continue
        got, bad = _read_table(zf, table, found, version, file)
        rows += got
        findings += bad
    return rows, findings
