from datetime import date

import pytest

from esgflow import EsgflowError
from esgflow.periods import parse_period


def test_year_quarter_month() -> None:
    assert parse_period("2024").ends_on == date(2024, 12, 31)
    assert parse_period("2025-Q1").ends_on == date(2025, 3, 31)
    assert parse_period("2024-02").ends_on == date(2024, 2, 29)
    assert parse_period("2024").shifted_years(-2).code == "2022"
    assert parse_period("2025-Q3").shifted_years(-1).code == "2024-Q3"


@pytest.mark.parametrize("bad", ["24", "2024-Q5", "2024-13", "FY2024", ""])
def test_bad_period_is_named(bad: str) -> None:
    with pytest.raises(EsgflowError, match="is not a year"):
        parse_period(bad)
