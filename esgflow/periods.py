"""Reporting periods: '2025', '2025-Q1', '2025-03'."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from esgflow import EsgflowError

_PATTERN = re.compile(r"(?P<year>[0-9]{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")
# The years a period can name at all (a deadline of 31 January after it must still be a date).
FIRST_YEAR, LAST_YEAR = 1900, 2999
# The years the portal and its API take from a request: the registry's reporting history (the
# appendix starts in 2000's decade; nothing earlier is collected) up to the year after today.
EDGE_FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    code: str
    kind: str
    starts_on: date
    ends_on: date

    def __str__(self) -> str:
        return self.code

    @property
    def year(self) -> int:
        return self.starts_on.year

    def shifted_years(self, years: int) -> Period:
        """The same period `years` later (negative: earlier)."""
        return parse_period(str(self.year + years) + self.code[4:])

    def default_deadline(self) -> date:
        """31 January after the period's year: when returns are due unless the cycle says otherwise."""
        return date(self.year + 1, 1, 31)


def reporting_year_of(moment: date) -> Period:
    """The year whose figures a scheduled run collects: the year before the run's (a run in
    January-April 2026 collects 2025), so that no deployment names a year."""
    return parse_period(str(moment.year - 1))


def parse_period(code: str) -> Period:
    """Parse a period code, exactly as written (no space, no line end); raise a clear error for anything else."""
    m = _PATTERN.fullmatch(code)
    if not m:
        raise EsgflowError(f"period {code!r} is not a year (2025), a quarter (2025-Q1) or a month (2025-03)")
    year = int(m["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise EsgflowError(f"period {code!r} is not a year between {FIRST_YEAR} and {LAST_YEAR}")
    if m["quarter"]:
        q = int(m["quarter"])
        start, end_month = date(year, 3 * q - 2, 1), 3 * q
        return Period(code, "quarter", start, date(year, end_month, calendar.monthrange(year, end_month)[1]))
    if m["month"]:
        mo = int(m["month"])
        return Period(code, "month", date(year, mo, 1), date(year, mo, calendar.monthrange(year, mo)[1]))
    return Period(code, "year", date(year, 1, 1), date(year, 12, 31))


def edge_period(code: str, today: date) -> Period:
    """A period taken from a request (the portal, its API): the exact form of parse_period, and a year
    from EDGE_FIRST_YEAR to the year after `today`; anything else is refused here, once."""
    period = parse_period(code)
    if not EDGE_FIRST_YEAR <= period.year <= today.year + 1:
        raise EsgflowError(f"period {code!r} is outside the years collected ({EDGE_FIRST_YEAR} to {today.year + 1})")
    return period
