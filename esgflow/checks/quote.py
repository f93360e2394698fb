"""How a finding quotes a cell and the figure it was compared with, for every place that says it (the letter,
the portal, the validation run pages): what was typed as typed, and figures in the unit the reporter was asked in.

A reporter who typed "25847.61小时", "#DIV/0!" or the estimate mark "估" reads exactly that back, with no
unit after it; a plain number gets its separators and the unit beside its cell. A compared figure (the
total, last period's) is converted from the unit the group publishes in (万千瓦时) to the one the template
asked in (千瓦时), so that 6,000,000 is set beside 5,955,400 and not beside 595.54.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from esgflow import display, units
from esgflow.catalog import Indicator
from esgflow.findings import Finding
from esgflow.safety import shown

# Counts in an English sentence: (one, many); a bare count needs no unit word.
EN_COUNTS = {"person": ("person", "people"), "person-time": ("person-time", "person-times"), "count": ("", "")}


def unit_in(text: str | None, ind: Indicator | None, lang: str, one: bool = False) -> str:
    """A unit in the reader's language: Chinese forms for Chinese (升, 千瓦时); '12 people', not '12 person'."""
    if not text:
        return ""
    if lang == "zh":
        return ind.unit_zh if ind and text == ind.unit else units.label_zh(text)
    return EN_COUNTS.get(text, (text, text))[0 if one else 1] if text in EN_COUNTS else display.unit(text)


def entered(f: Finding, written: dict[str, tuple[str | None, str | None]], ind: Indicator | None, lang: str) -> str:
    """The figure as the reporter entered it, with the unit it was asked in; anything not a plain number
    (an error value, "25847.61小时", the estimate mark 估) is quoted as typed, with no unit after it."""
    code = f.indicators[0] if f.indicators else ""
    text, unit = written.get(code, (f.found, None))
    text = f.found if f.found is not None else text
    if text is None or text.strip() == "":
        return display.MISSING
    text = text.strip()
    try:  # full-width digits and separators are still a number typed
        number: Decimal | None = Decimal(unicodedata.normalize("NFKC", text).replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or f.rule == "error_value":
        return shown(text)
    plain = text.isascii() and "," not in text  # a plain number gets its separators; else it stands as typed
    return f"{display.as_written(number) if plain else shown(text)} {unit_in(unit, ind, lang, one=number == 1)}".strip()


def in_asked_unit(value: Decimal, ind: Indicator | None, lang: str) -> str:
    """A figure of the check (in the catalog's unit) in the unit the template asked in, at its published places."""
    if ind is None:
        return display.as_written(value)
    asked, places = ind.input_unit or ind.unit, ind.decimals
    if asked != ind.unit:  # 10k kWh published, kWh asked: the reporter compares like with like
        value = units.convert(value, ind.unit, asked)
        places = max(0, places - units.factor(ind.unit, asked).adjusted())
    written = display.figure(value, places)
    unit = unit_in(asked, ind, lang, one=value == 1)
    return f"{written}{unit}" if unit == "%" else f"{written} {unit}".strip()


def compared(f: Finding, ind: Indicator | None, lang: str) -> str:
    """The figure a finding compares with, in the unit the figure was asked in."""
    assert f.expected is not None
    return in_asked_unit(f.expected, ind, lang)
