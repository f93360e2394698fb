from datetime import date

import pytest

from esgflow import EsgflowError
from esgflow.periods import parse_period, reporting_year_of


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


def test_a_scheduled_run_collects_the_year_before_it() -> None:
    assert reporting_year_of(date(2026, 1, 5)).code == "2025"
    assert reporting_year_of(date(2026, 4, 30)).code == "2025"
    assert reporting_year_of(date(2027, 1, 5)).code == "2026"
