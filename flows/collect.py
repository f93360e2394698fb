"""Ingest whatever has arrived in the inbox and answer each reporter."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from esgflow.intake.outcome import Outcome
from esgflow.jobs.alerts import flow_run_failed
from esgflow.periods import parse_period
from esgflow.tasks import ingest_inbox, mail_letters, publish_status


@flow(name="collect", log_prints=True, on_failure=[flow_run_failed], on_crashed=[flow_run_failed])
def collect(smtp_block: str | None = None, stale_after: float = 3600.0) -> list[Outcome]:
    outcomes = ingest_inbox(str(flow_run.get_id() or "local"), stale_after)
    mail_letters(smtp_block)
    for period in sorted({o.period for o in outcomes if o.period}):
        publish_status(parse_period(period))
    return outcomes
