"""How a figure and its unit look to a person, the same in the page, the workbooks and the letters."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from esgflow import display


def test_a_figure_shows_its_published_places_with_thousands_separators() -> None:
    assert display.figure(Decimal("46482.4034032"), 0) == "46,482"
    assert display.figure(Decimal("0.0193650421043"), 4) == "0.0194"
    assert display.figure(Decimal("1234567.5"), 2) == "1,234,567.50"


def test_a_half_rounds_away_from_zero_as_the_published_tables_do() -> None:
    assert display.figure(Decimal("2.5"), 0) == "3"
    assert display.figure(Decimal("0.125"), 2) == "0.13"


def test_a_missing_figure_is_a_dash_never_zero() -> None:
    assert display.figure(None, 2) == display.MISSING
    assert display.as_written(None) == display.MISSING


def test_a_tiny_figure_is_in_scientific_notation_not_zero() -> None:
    assert display.is_tiny(Decimal("0.0000000710"), 4)
    assert display.figure(Decimal("0.0000000710"), 4) == "7.10 × 10⁻⁸"
    assert not display.is_tiny(Decimal("0"), 4)
    assert display.figure(Decimal("0"), 2) == "0.00"


def test_the_excel_format_matches_the_page() -> None:
    assert display.excel_format(0) == "#,##0"
    assert display.excel_format(2) == "#,##0.00"
    assert display.excel_format(4, Decimal("0.000000071")) == "0.00E+00"


def test_a_reporters_number_keeps_every_digit_they_wrote() -> None:
    assert display.as_written(Decimal("12345.6780")) == "12,345.678"


def test_units_are_written_as_people_write_them() -> None:
    assert display.unit("m3") == "m³"
    assert display.unit("10k m3") == "10k m³"
    assert display.unit("tCO2e/10k CNY") == "tCO₂e/10k CNY"
    assert display.unit("吨二氧化碳当量") == "吨二氧化碳当量"
    assert display.unit(None) == ""


def test_a_time_people_read_is_beijing_time_with_its_offset() -> None:
    assert display.moment(datetime(2027, 1, 5, 9, 30)) == "2027-01-05 17:30 UTC+8"
    assert display.moment(datetime(2027, 1, 5, 20, 0, tzinfo=UTC)) == "2027-01-06 04:00 UTC+8"
    assert display.moment(None) == display.MISSING


def test_a_time_in_json_is_utc_with_its_offset() -> None:
    assert display.moment_json(datetime(2027, 1, 5, 9, 30)) == "2027-01-05T09:30:00+00:00"
    assert display.moment_json(None) is None


def test_a_figure_below_a_ten_thousandth_is_readable_with_every_digit_its_places_give() -> None:
    assert display.readable(Decimal("0.0000050412345"), 10) == "5.0412 × 10⁻⁶"
    assert display.readable(Decimal("7.17E-8"), 10) == "7.17 × 10⁻⁸"
    assert display.readable(Decimal("0.00000001"), 2) == display.scientific(Decimal("0.00000001"))
    assert display.readable(Decimal("0.0003"), 4) == "0.0003" == display.figure(Decimal("0.0003"), 4)
    assert display.readable(Decimal("46482.4034"), 2) == "46,482.40"
    assert display.readable(None, 2) == "–" and display.readable(Decimal(0), 2) == "0.00"


def test_the_places_a_figure_was_written_with() -> None:
    assert display.written_places(Decimal("22157752.40")) == 2
    assert display.written_places(Decimal("42099")) == 0
    assert display.written_places(Decimal("1E+2")) == 0
    assert display.written_places(Decimal("7.17E-8")) == 10


def test_a_small_figure_has_the_same_digits_in_excel_as_on_the_page() -> None:
    value = Decimal("0.0000050412")
    assert display.readable(value, 10) == "5.0412 × 10⁻⁶"
    assert display.excel_format(10, value) == "0.0000E+00"
    assert display.excel_format(4, Decimal("0.0192")) == "#,##0.0000"
