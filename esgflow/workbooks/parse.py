"""Strict parsing of one cell into a number, 'not reported', or an error finding.

A blank, '-', '—' or 'N/A' is "not reported" and never becomes zero. Text that is a
number (thousands separators, full-width digits such as １２３，４５６．７) is read as
that number; any other text, an error value or a formula with no cached value is an error.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from esgflow.catalog import Indicator
from esgflow.decimals import significant
from esgflow.findings import Finding
from esgflow.workbooks.reader import RawCell

NOT_REPORTED = {"", "-", "--", "—", "——", "–", "n/a", "na", "不适用", "/"}
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u3000]+")


def _error(cell: RawCell, ind: Indicator, file: str, rule: str, message: str) -> Finding:
    return Finding(
        rule=rule,
        severity="error",
        message=message,
        indicators=(ind.code,),
        file=file,
        sheet=cell.sheet,
        cell=cell.ref,
        found=cell.text,
    )


def parse_number(cell: RawCell, ind: Indicator, file: str) -> tuple[Decimal | None, Finding | None]:
    """(value in the input unit or None for not reported, error finding or None)."""
    label = f"{ind.code} ({ind.name_en})"
    if cell.formula and (cell.text is None or cell.text == ""):
        return None, _error(
            cell,
            ind,
            file,
            "formula_without_cached_value",
            f"{label}: the formula has no saved result; open the file, let it recalculate, save and send again",
        )
    if cell.type == "":
        return None, None
    if cell.type == "e":
        return None, _error(
            cell, ind, file, "error_value", f"{label}: the cell shows the error {cell.text}; enter a number"
        )
    if cell.type == "b":
        return None, _error(
            cell, ind, file, "text_in_number_cell", f"{label}: a TRUE/FALSE value where a number belongs"
        )
    if cell.type == "d":
        return None, _error(
            cell, ind, file, "text_in_number_cell", f"{label}: a date ({cell.text}) where a number belongs"
        )
    text = cell.text or ""
    if cell.type != "n":
        text = _SPACES.sub("", unicodedata.normalize("NFKC", text))
        if text.lower() in NOT_REPORTED:
            return None, None
        if ind.dtype == "percent" and text.endswith("%"):
            text = text[:-1]
        if not _NUMBER.match(text):
            return None, _error(
                cell,
                ind,
                file,
                "text_in_number_cell",
                f"{label}: the text {cell.text!r} is not a number; enter a number or leave it blank",
            )
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _error(cell, ind, file, "text_in_number_cell", f"{label}: {cell.text!r} is not a number")
    if not value.is_finite():
        return None, _error(cell, ind, file, "text_in_number_cell", f"{label}: {cell.text!r} is not a finite number")
    return (significant(value) if cell.type == "n" else value), None


def parse_note(cell: RawCell | None) -> str | None:
    """A note's text; numbers and other values are kept as their text."""
    if cell is None or cell.type in ("", "e") or cell.text is None:
        return None
    text = cell.text.strip()
    return text or None
