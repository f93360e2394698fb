"""Strict parsing of one cell into a number, 'not reported', or an error finding.

A blank, '-', '—' or 'N/A' is "not reported" and never becomes zero. Text that is a
number (regular thousands grouping with commas or spaces, full-width digits such as
１２３，４５６．７) is read as that number; any other text, an error value or a formula with
no cached value is an error. A number is read as the reporter sees it: a percent-formatted
cell (12 %, stored as 0.12) of a percentage figure is 12; a date or time where a number
belongs is an error. A figure is at most 15 significant digits (what a spreadsheet keeps)
and below 10^15 in size; anything else is refused with its cell, never rounded or dropped.
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
_SPACES = re.compile(r"\s+")  # after NFKC, no-break, thin and ideographic spaces are plain spaces
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:\.\d+)?$")
MAX_DIGITS = 15
TOO_LARGE = Decimal("1E15")
# In a format code, what is quoted, escaped or bracketed (colours, conditions, locales) is not a token.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]', re.IGNORECASE)
_DATE_TOKENS = re.compile(r"[ymdhs]|\[(?:h|hh|m|mm|s|ss)\]|AM/PM|上午/下午", re.IGNORECASE)


def format_kind(code: str | None) -> str:
    """'percent', 'date' or 'number' for a cell's number format code."""
    if not code or code.lower() == "general":
        return "number"
    plain = _FORMAT_LITERALS.sub("", code.split(";")[0])
    if "%" in plain:
        return "percent"
    return "date" if _DATE_TOKENS.search(plain.replace("E+", "").replace("e+", "")) else "number"


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
    kind = format_kind(cell.number_format) if cell.type == "n" else "number"
    if kind == "date":
        return None, _error(
            cell,
            ind,
            file,
            "date_in_number_cell",
            f"{label}: the cell is formatted as a date or time ({cell.number_format}); "
            "enter the figure as a plain number",
        )
    if kind == "percent" and ind.dtype != "percent":
        return None, _error(
            cell,
            ind,
            file,
            "percent_in_number_cell",
            f"{label}: the cell is formatted as a percentage, but the figure is asked in {ind.input_unit or ind.unit}; "
            "enter it as a plain number",
        )
    if cell.type != "n":
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
        if text.lower() in NOT_REPORTED:
            return None, None
        if ind.dtype == "percent" and text.endswith("%"):
            text = text[:-1].rstrip()
        if _SPACE_GROUPED.match(text):
            text = text.replace(" ", "")
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
    if abs(value) < TOO_LARGE and cell.type == "n":
        value = significant(value)
        if kind == "percent":  # Excel keeps 12 % as 0.12; the reporter typed and sees 12
            value = significant(value * 100)
    if abs(value) >= TOO_LARGE:
        return None, _error(
            cell,
            ind,
            file,
            "value_too_large",
            f"{label}: {cell.text} is far larger than any real figure; check the figure and its unit",
        )
    if value and len(value.normalize().as_tuple().digits) > MAX_DIGITS:
        return None, _error(
            cell,
            ind,
            file,
            "too_many_digits",
            f"{label}: {cell.text} has more than {MAX_DIGITS} significant digits, more than a spreadsheet keeps; "
            "round it as it should be published",
        )
    return value, None


def parse_note(cell: RawCell | None) -> str | None:
    """A note's text; numbers and other values are kept as their text."""
    if cell is None or cell.type in ("", "e") or cell.text is None:
        return None
    text = cell.text.strip()
    return text or None
