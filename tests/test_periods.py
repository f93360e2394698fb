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


def test_a_period_is_taken_exactly_as_written_and_only_within_the_years_collected() -> None:
    from esgflow.periods import edge_period

    for bad in ["2024 ", " 2024", "2024\n", "２０２４", "0000", "9999-Q1"]:
        with pytest.raises(EsgflowError):
            edge_period(bad, date(2026, 12, 7))
    for outside in ["1999", "2028", "2028-03"]:
        with pytest.raises(EsgflowError, match="outside the years collected"):
            edge_period(outside, date(2026, 12, 7))
    assert edge_period("2027-Q4", date(2026, 12, 7)).code == "2027-Q4"
    for never in ["0000", "9999"]:  # no date of its deadline exists, whoever asks
        with pytest.raises(EsgflowError, match="not a year between"):
            parse_period(never)
