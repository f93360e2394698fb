"""Strict parsing of one cell: numbers, text numbers, not reported, and errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from esgflow.catalog import Catalog
from esgflow.workbooks.parse import parse_note, parse_number
from esgflow.workbooks.reader import RawCell


def _cell(kind: str, text: str | None, formula: bool = False) -> RawCell:
    return RawCell("环境 Environmental", "E7", kind, text, formula)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("n", "12327323.56", Decimal("12327323.56")),
        ("n", "12327323.560000001", Decimal("12327323.56")),  # double noise beyond 15 digits
        ("str", "123,456.7", Decimal("123456.7")),
        ("str", "１２３，４５６．７", Decimal("123456.7")),  # full-width digits and separators
        ("str", " 1 234 ", Decimal("1234")),
        ("str", "0", Decimal("0")),
        ("n", "0", Decimal("0")),
    ],
)
def test_numbers_are_read_exactly(catalog: Catalog, kind: str, text: str, expected: Decimal) -> None:
    value, error = parse_number(_cell(kind, text), catalog["env_diesel"], "f.xlsx")
    assert error is None and value == expected


@pytest.mark.parametrize("text", ["", "-", "—", "N/A", "n/a", "－", "不适用", "--", "——", "–", "/", "NA", " \u3000 "])
def test_not_reported_is_never_zero(catalog: Catalog, text: str) -> None:
    assert parse_number(_cell("str", text), catalog["env_diesel"], "f.xlsx") == (None, None)
    assert parse_number(_cell("", None), catalog["env_diesel"], "f.xlsx") == (None, None)


def test_formula_uses_its_cached_value(catalog: Catalog) -> None:
    assert parse_number(_cell("n", "42.5", formula=True), catalog["env_diesel"], "f.xlsx") == (Decimal("42.5"), None)


@pytest.mark.parametrize(
    ("cell", "rule", "words"),
    [
        (_cell("n", None, formula=True), "formula_without_cached_value", "no saved result"),
        (_cell("e", "#DIV/0!"), "error_value", "#DIV/0!"),
        (_cell("e", "#REF!"), "error_value", "#REF!"),
        (_cell("str", "about 300"), "text_in_number_cell", "'about 300' is not a number"),
        (_cell("str", "12,34"), "text_in_number_cell", "not a number"),
        (_cell("b", "1"), "text_in_number_cell", "TRUE/FALSE"),
    ],
)
def test_errors_name_the_cell_and_the_rule(catalog: Catalog, cell: RawCell, rule: str, words: str) -> None:
    value, error = parse_number(cell, catalog["env_diesel"], "SAMI_2025.xlsx")
    assert value is None and error is not None
    assert (error.rule, error.sheet, error.cell, error.file) == (rule, "环境 Environmental", "E7", "SAMI_2025.xlsx")
    assert words in error.message and "env_diesel" in error.message


def test_percent_sign_only_where_a_percentage_is_asked(catalog: Catalog) -> None:
    assert parse_number(_cell("str", "85%"), catalog["soc_complaint_resolution_rate"], "f")[0] == Decimal("85")
    assert parse_number(_cell("str", "85%"), catalog["env_diesel"], "f")[1] is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5e3", Decimal("1500")),
        ("-12", Decimal("-12")),  # a sign is read; the range rule judges it later
        ("+7", Decimal("7")),
        (".5", Decimal("0.5")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("\u00a01\u202f234\u00a0", Decimal("1234")),  # no-break and narrow spaces
    ],
)
def test_text_numbers_in_other_notations(catalog: Catalog, text: str, expected: Decimal) -> None:
    assert parse_number(_cell("str", text), catalog["env_diesel"], "f.xlsx") == (expected, None)


@pytest.mark.parametrize(("kind", "text"), [("str", "NaN"), ("str", "inf"), ("n", "NaN"), ("n", "Infinity")])
def test_what_is_not_a_finite_number_is_an_error(catalog: Catalog, kind: str, text: str) -> None:
    value, error = parse_number(_cell(kind, text), catalog["env_diesel"], "f.xlsx")
    assert value is None and error is not None and error.rule == "text_in_number_cell"


def test_a_date_is_not_a_number(catalog: Catalog) -> None:
    value, error = parse_number(_cell("d", "2025-01-31"), catalog["env_diesel"], "f.xlsx")
    assert value is None and error is not None
    assert error.rule == "text_in_number_cell" and "a date (2025-01-31) where a number belongs" in error.message


def test_a_stored_number_keeps_fifteen_significant_digits_and_longer_text_is_refused(catalog: Catalog) -> None:
    digits = "0.12345678901234567"
    assert parse_number(_cell("n", digits), catalog["env_diesel"], "f")[0] == Decimal("0.123456789012346")
    value, error = parse_number(_cell("str", digits), catalog["env_diesel"], "f")
    assert value is None and error is not None and error.rule == "too_many_digits"
    assert parse_number(_cell("str", "0.123456789012345"), catalog["env_diesel"], "f")[0] == Decimal(
        "0.123456789012345"
    )


@pytest.mark.parametrize(
    ("cell", "note"),
    [
        (None, None),
        (_cell("", None), None),
        (_cell("str", "   "), None),
        (_cell("e", "#N/A"), None),
        (_cell("inlineStr", "  新增运输车辆 "), "新增运输车辆"),
        (_cell("n", "2024"), "2024"),
    ],
)
def test_a_note_is_its_text_trimmed(cell: RawCell | None, note: str | None) -> None:
    assert parse_note(cell) == note
