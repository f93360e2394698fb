"""The period and deadline a scheduled run works on, when its parameters do not name them."""

from __future__ import annotations

from datetime import date, datetime

from prefect.runtime import flow_run

from esgflow.periods import Period, parse_period, reporting_year_of


def run_period(period: str | None) -> Period:
    """The period given, else the reporting year the run's scheduled time belongs to."""
    if period:
        return parse_period(period)
    scheduled = flow_run.scheduled_start_time
    when = scheduled.date() if isinstance(scheduled, datetime) else date.today()
    return reporting_year_of(when)


def run_deadline(period: Period, deadline: date | None) -> date:
    """The deadline given, else the period's default (31 January after it)."""
    return deadline or period.default_deadline()
