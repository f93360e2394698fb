"""Send each entity its template for the period."""

from __future__ import annotations

from datetime import date

from prefect import flow

from esgflow.periods import parse_period
from esgflow.tasks import build_templates, mail_templates, publish_status


@flow(name="distribute", log_prints=True)
def distribute(period: str, deadline: date, smtp_block: str | None = None) -> int:
    p = parse_period(period)
    templates = build_templates(p)
    sent = mail_templates(p, deadline, templates, smtp_block)
    publish_status(p)
    return sent
