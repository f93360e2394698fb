"""The period and deadline a scheduled run works on, when its parameters do not name them, and the
wait for the ESG office's sign-off."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import get_run_logger
from prefect.flow_runs import suspend_flow_run
from prefect.runtime import deployment, flow_run

from esgflow.cycle.signoff_form import SIGNOFF_WAIT_SECONDS, signoff_form
from esgflow.periods import Period, parse_period, reporting_year_of
from esgflow.tasks import cycle_deadline, sign_off


def run_period(period: str | None) -> Period:
    """The period given, else the reporting year the run's scheduled time belongs to."""
    if period:
        return parse_period(period)
    scheduled = flow_run.scheduled_start_time
    when = scheduled.date() if isinstance(scheduled, datetime) else date.today()
    return reporting_year_of(when)


def run_deadline(period: Period, deadline: date | None) -> date:
    """The deadline given, else the one the period's cycle was opened with, else 31 January after it."""
    return cycle_deadline(period, deadline)


def wait_for_signoff(period: Period, provisional: list[Path]) -> bool:
    """Suspend the run until the ESG office signs the period off in the Prefect UI's form, then sign it.

    A suspended run holds no worker process, and waits for weeks (a pause would hold its
    process, and times out after an hour). On resume the run starts again from the top; the
    steps before are idempotent, and the same key makes this suspend hand back the form's
    answer instead of suspending again. Only a deployment's run can be suspended: a run
    without one (the command line, the demo) leaves the provisional report and says so.
    Returns whether the period was signed here.
    """
    if deployment.id is None:
        get_run_logger().warning("%s is not signed off: its report is provisional", period)
        return False
    where = str(provisional[0].parent) if provisional else "(none written)"
    answer = suspend_flow_run(
        wait_for_input=signoff_form(period, where), timeout=SIGNOFF_WAIT_SECONDS, key=f"signoff-{period.code}"
    )
    sign_off(period, answer)
    return True
