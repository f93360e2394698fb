"""How a figure and its unit look wherever a person reads them.

The report page, the Excel workbooks, the letters and the command line all go through here,
so that one figure looks the same in each: the places the appendix publishes it with,
thousands separators, and units written as people write them (m³, tCO₂e), never as code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from esgflow.decimals import tidy

MISSING = "–"
OFFICE_ZONE = ZoneInfo("Asia/Shanghai")  # the group's offices; what people read is in their time
TINY_DIGITS = 3  # significant digits of a figure too small for its places

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# Longest first, so that 'tCO2e' is written before a bare 'CO2' could be.
_UNIT_SPELLING = (
    ("m3", "m³"),
    ("m2", "m²"),
    ("CO2e", "CO₂e"),
    ("CO2", "CO₂"),
    ("CH4", "CH₄"),
    ("N2O", "N₂O"),
)


def is_tiny(value: Decimal | None, places: int) -> bool:
    """True when the value is not zero but would show as zero at its published places."""
    return value is not None and value != 0 and abs(value) < Decimal(1).scaleb(-places) / 2


def figure(value: Decimal | None, places: int) -> str:
    """A figure at its published places with thousands separators; a tiny one in scientific notation."""
    if value is None:
        return MISSING
    if is_tiny(value, places):
        return scientific(value)
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"


def scientific(value: Decimal, digits: int = TINY_DIGITS) -> str:
    """'7.10 × 10⁻⁸': readable on a page and in a letter, where 'E-08' is not."""
    mantissa, exponent = f"{value:.{digits - 1}E}".split("E")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def as_written(value: Decimal | None) -> str:
    """A reporter's own number, every digit they wrote, with thousands separators."""
    return MISSING if value is None else f"{tidy(value):,f}"


def excel_format(places: int, value: Decimal | None = None) -> str:
    """The Excel number format that shows a figure as the page does (`readable`)."""
    if value is not None and value != 0 and abs(value) < SMALL:
        shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        digits = TINY_DIGITS if shown == 0 else max(places + shown.adjusted() + 1, 1)
        return "0" + ("." + "0" * (digits - 1) if digits > 1 else "") + "E+00"
    return "#,##0" + ("." + "0" * places if places else "")


def unit(text: str | None) -> str:
    """A unit as people write it: 'm3' → 'm³', 'tCO2e/10k CNY' → 'tCO₂e/10k CNY'; Chinese units pass unchanged."""
    if not text:
        return ""
    for code, written in _UNIT_SPELLING:
        text = text.replace(code, written)
    return text


def moment(when: datetime | None) -> str:
    """A time as people read it: Beijing time, with its offset ('2027-01-05 17:30 UTC+8')."""
    if when is None:
        return MISSING
    local = _aware(when).astimezone(OFFICE_ZONE)
    hours = int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
    return f"{local:%Y-%m-%d %H:%M} UTC{hours:+d}"


def moment_json(when: datetime | None) -> str | None:
    """A time for machines: ISO 8601 in UTC with its offset ('2027-01-05T09:30:00+00:00')."""
    return None if when is None else _aware(when).astimezone(UTC).isoformat()


def _aware(when: datetime) -> datetime:
    """The warehouse keeps UTC; SQLite hands it back without a zone."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


SMALL = Decimal("0.0001")  # below this, a row of zeros after the point is harder to read than an exponent


def readable(value: Decimal | None, places: int) -> str:
    """As `figure`, but a figure below a ten-thousandth in scientific notation with every significant
    digit its places give ('5.0412 × 10⁻⁶' at 10 places), so that 0.0000050412 needs no counting."""
    if value is None or value == 0 or abs(value) >= SMALL:
        return figure(value, places)
    shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if shown == 0:
        return scientific(value)
    return scientific(shown, max(places + shown.adjusted() + 1, 1))


def written_places(value: Decimal) -> int:
    """The places a figure was written with: '22157752.40' has two, '42099' and '1E+2' none."""
    return max(-int(value.as_tuple().exponent), 0)
