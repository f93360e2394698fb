"""Guards for what esgflow writes into workbooks that people open."""

from __future__ import annotations

from openpyxl.cell.cell import Cell

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def write_text(cell: Cell, text: str) -> None:
    """Write text that a spreadsheet shows and never evaluates (formula-injection guard).

    openpyxl stores any string starting with '=' as a formula; forcing the string type
    and a quote prefix keeps '=HYPERLINK(...)' or '@SUM(...)' from a reporter inert.
    """
    cell.value = text
    if text.startswith(_FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
