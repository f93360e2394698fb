"""Send each entity its template for the period."""

from __future__ import annotations

from datetime import date

from prefect import flow

from esgflow.flows.cycle import run_deadline, run_period
from esgflow.jobs.alerts import flow_run_failed
from esgflow.tasks import build_templates, mail_templates, publish_status


@flow(name="distribute", log_prints=True, on_failure=[flow_run_failed], on_crashed=[flow_run_failed])
def distribute(period: str | None = None, deadline: date | None = None, smtp_block: str | None = None) -> int:
    p = run_period(period)
    due = run_deadline(p, deadline)
    templates = build_templates(p, due)  # the template names the deadline the mail gives
    sent = mail_templates(p, due, templates, smtp_block)
    publish_status(p)
    return sent
