"""Strict parsing of one cell: numbers, text numbers, not reported, and errors."""

from decimal import Decimal

import pytest

from esgflow.catalog import Catalog
from esgflow.workbooks.parse import parse_number
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


@pytest.mark.parametrize("text", ["", "-", "—", "N/A", "n/a", "－", "不适用"])
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
