"""Remind the entities whose return is missing or rejected."""

from __future__ import annotations

from datetime import date

from prefect import flow

from esgflow.tasks import mail_reminders, publish_status


@flow(name="remind", log_prints=True)
def remind(period: str, deadline: date, today: date | None = None, smtp_block: str | None = None) -> list[str]:
    reminded = mail_reminders(period, deadline, today or date.today(), smtp_block)
    publish_status(period)
    return reminded
