"""Watch the collection: alert the ESG office when `collect` has not completed for a day in January to March."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from esgflow.config import load_settings
from esgflow.jobs.alerts import check_collection, flow_run_failed, last_completed


@flow(name="watch", log_prints=True, on_failure=[flow_run_failed], on_crashed=[flow_run_failed])
def watch(now: datetime | None = None, smtp_block: str | None = None) -> str | None:
    why = check_collection(load_settings(), last_completed("collect"), now, smtp_block)
    print(f"collection stopped: {why}; the ESG office was mailed" if why else "the collection runs as it should")
    return why
