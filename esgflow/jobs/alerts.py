"""Telling the ESG office when the machinery stops: a flow run that failed or crashed, a collection that
has not run for a day in the collection months, a mailbox that cannot be reached.

A failed or crashed run calls `flow_run_failed` (the flows' own `on_failure`/`on_crashed` hooks: the
worker that ran it, or the one that saw it crash, sends the mail); a collect run that cannot reach its
mailbox fails saying so, and is alerted the same way. The `watch` flow (hourly, `prefect.yaml`) asks the
Prefect API when `collect` last completed and alerts when that is over a day ago in January to March.
An alert goes to ESGFLOW_OFFICE_EMAIL, else to the mail sender's own address; by SMTP when configured,
else into the outbox folder like every other mail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from esgflow.config import Settings, load_settings
from esgflow.mail.sending import Mail, mailer_for

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
COLLECTION_MONTHS = (1, 2, 3)  # prefect.yaml: `collect` runs every 15 minutes from January to March
STALE_AFTER = timedelta(days=1)


def office_addresses(settings: Settings) -> tuple[str, ...]:
    if settings.office_email:
        return settings.office_email
    return (settings.smtp.sender if settings.smtp else "esg-office@example.com",)


def send_alert(settings: Settings, subject: str, body: str, smtp_block: str | None = None) -> list[str]:
    """Mail the office one alert; where it went."""
    mail = Mail(office_addresses(settings), f"[esgflow alert] {subject}", body)
    return mailer_for(settings, smtp_block).send([mail])


def flow_run_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """A Prefect flow hook: mail the office that a run failed or crashed, with its reason.

    A hook that raised would hide the run's own failure in the logs, so a mail that cannot go is logged.
    """
    started = flow_run.start_time or flow_run.expected_start_time
    when = started.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M UTC+8") if started else "unknown"
    body = (
        f"The {flow.name} run {flow_run.name} ({flow_run.id}), started {when}, ended {state.type.value.lower()}:\n\n"
        f"{state.message or 'no reason given'}\n\n"
        f"Parameters: {dict(flow_run.parameters or {})}\n"
        "Its log is in the Prefect UI (Runs). Scheduled runs go on at their next time; "
        "a run that keeps failing needs the ESG office or IT."
    )
    try:
        send_alert(load_settings(), f"{flow.name} run {state.type.value.lower()}: {flow_run.name}", body)
    except Exception:
        logger.exception("could not mail the alert for flow run %s", flow_run.id)


def stale_collection(last_completed: datetime | None, now: datetime) -> str | None:
    """Why the collection looks stopped (None: it does not): in a collection month, no completed run for a day."""
    if now.astimezone(BEIJING).month not in COLLECTION_MONTHS:
        return None
    if last_completed is None:
        return "no collect run has ever completed"
    if now - last_completed <= STALE_AFTER:
        return None
    hours = int((now - last_completed).total_seconds() // 3600)
    shown = last_completed.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M UTC+8")
    return f"the last collect run completed {hours} hours ago ({shown})"


def last_completed(flow_name: str) -> datetime | None:
    """When a flow's newest completed run ended, from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
            ),
            sort=FlowRunSort.END_TIME_DESC,
            limit=1,
        )
    return runs[0].end_time if runs else None


def check_collection(
    settings: Settings, last: datetime | None, now: datetime | None = None, smtp_block: str | None = None
) -> str | None:
    """Alert the office when the collection looks stopped; the reason, or None when all is well."""
    why = stale_collection(last, now or datetime.now(UTC))
    if why:
        body = (
            f"{why}. During January to March `collect` runs every 15 minutes from 08:00 to 20:45 (Beijing time).\n"
            "Check the Prefect server, its workers and their work pool in the Prefect UI."
        )
        send_alert(settings, "the collection has not run for a day", body, smtp_block)
    return why
