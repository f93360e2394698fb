"""Everything openpyxl shows of a workbook, as plain values, to compare two files that must be the same workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def _cell(cell: Any) -> tuple[Any, ...]:
    styles = (cell.font, cell.fill, cell.border, cell.alignment, cell.protection)
    comment = cell.comment.text if cell.comment else None
    return (cell.value, cell.data_type, cell.number_format, cell.quotePrefix, *map(repr, styles), comment)


def workbook_view(path: Path) -> dict[str, Any]:
    """Every cell's value, type, number format, style and comment; every sheet's validations, conditional
    formats, merges, dimensions, print set-up and protection; the defined names and the workbook's protection."""
    wb = load_workbook(path)
    view: dict[str, Any] = {
        "sheets": wb.sheetnames,
        "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
        "security": repr(wb.security),
    }
    for ws in wb.worksheets:
        view[ws.title] = {
            "state": ws.sheet_state,
            "cells": {c.coordinate: _cell(c) for row in ws.iter_rows() for c in row},
            "validations": sorted(repr(dv) for dv in ws.data_validations.dataValidation),
            "conditional": sorted(repr(r) for cf in ws.conditional_formatting for r in cf.rules),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "columns": {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
            "rows": {k: d.height for k, d in ws.row_dimensions.items()},
            "freeze": ws.freeze_panes,
            "protection": repr(ws.protection),
            "print": (repr(ws.page_setup), repr(ws.print_options), ws.print_title_rows, repr(ws.page_margins)),
            "tables": sorted((t.name, t.ref) for t in ws.tables.values()),
        }
    return view
