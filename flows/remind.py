"""Remind the entities whose return is missing or rejected."""

from __future__ import annotations

from datetime import date

from prefect import flow

from esgflow.flows.cycle import run_deadline, run_period
from esgflow.jobs.alerts import flow_run_failed
from esgflow.tasks import mail_reminders, publish_status


@flow(name="remind", log_prints=True, on_failure=[flow_run_failed], on_crashed=[flow_run_failed])
def remind(
    period: str | None = None, deadline: date | None = None, today: date | None = None, smtp_block: str | None = None
) -> list[str]:
    p = run_period(period)
    reminded = mail_reminders(p, run_deadline(p, deadline), today or date.today(), smtp_block)
    publish_status(p)
    return reminded
