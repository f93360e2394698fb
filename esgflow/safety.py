"""Guards for what esgflow writes where people read it: workbooks, lines, logs and letters."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def shown(text: str) -> str:
    """Text from outside (a file name) made safe to print on one line: control and format
    characters, line and paragraph separators are written as escapes, so that a name holding
    a newline cannot forge a second line of output."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in text
    )
