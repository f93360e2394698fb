"""Prefect tasks: each calls one library job. Flows in flows/ wire them together.

Retries cover faults that pass (a mail server or database that is briefly away), never
bad input: an EsgflowError or a rejected return is an answer, not a fault.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from esgflow.config import load_settings
from esgflow.cycle.signoff_form import SignOff, signer
from esgflow.cycle.status import progress
from esgflow.figures.consolidate import ConsolidationResult
from esgflow.findings import Finding
from esgflow.intake.outcome import Outcome
from esgflow.jobs import setup
from esgflow.jobs.collection import collect_inbox, data_docs_index, period_statuses, validation_index, write_templates
from esgflow.jobs.common import TRANSIENT_DB_ERRORS
from esgflow.jobs.figures import check_group, consolidate_period, report_period
from esgflow.jobs.mailing import send_letters, send_reminders, send_templates
from esgflow.jobs.signoff import SignoffResult, period_signoff, signoff_period
from esgflow.mail.sending import TRANSIENT_SMTP_ERRORS
from esgflow.periods import Period
from esgflow.records import SignoffRecord

TRANSIENT = (*TRANSIENT_SMTP_ERRORS, *TRANSIENT_DB_ERRORS)
RETRY_DELAYS = [2, 10, 30]


def transient_only(_task: Any, _run: TaskRun, state: State) -> bool:
    """Retry a task only when it failed on a fault that passes."""
    return isinstance(state.data, TRANSIENT)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def build_templates(period: Period) -> list[Path]:
    """Write this period's template for every entity and open the period for collection."""
    settings = load_settings()
    return write_templates(settings, period, settings.templates / period.code)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def mail_templates(period: Period, deadline: date, templates: list[Path], smtp_block: str | None = None) -> int:
    """Send each entity its template, with the deadline, in its reporters' language."""
    sent = send_templates(load_settings(), period, deadline, templates, smtp_block)
    get_run_logger().info("sent %d templates for %s", len(sent), period)
    return len(sent)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def ingest_inbox(run_id: str, stale_after: float = 3600.0) -> list[Outcome]:
    """Claim what has arrived in the inbox and judge and load it, file by file."""
    outcomes = collect_inbox(load_settings(), run_id, stale_after=stale_after)
    logger = get_run_logger()
    for outcome in outcomes:
        logger.info(outcome.line())
    return outcomes


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def mail_letters(smtp_block: str | None = None) -> int:
    """Send every answered return its letter (and annotated workbook), this run's and any a stopped run owed."""
    return len(send_letters(load_settings(), smtp_block))


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def mail_reminders(period: Period, deadline: date, today: date, smtp_block: str | None = None) -> list[str]:
    """Remind the entities whose return is missing or rejected."""
    return send_reminders(load_settings(), period, deadline, today, smtp_block)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def consolidate(period: Period) -> ConsolidationResult:
    """Consolidate the period's accepted returns along the entity tree."""
    return consolidate_period(load_settings(), period)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def group_checks(period: Period) -> list[Finding]:
    """Check the period's group figures, published history included."""
    return check_group(load_settings(), period)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def write_report(period: Period, out: str | None = None) -> list[Path]:
    """Write the appendix tables and the disclosure index."""
    settings = load_settings()
    target = Path(out) if out else settings.reports / period.code
    return report_period(settings, period, target, ["zh", "en"]).files


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def cycle_deadline(period: Period, given: date | None = None) -> date:
    """The deadline given, else the period's cycle's, else 31 January after the period."""
    return setup.cycle_deadline(load_settings(), period, given)


# never cached: a run resumed from suspension asks again, and the answer may have changed meanwhile
@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def signed_off(period: Period) -> SignoffRecord | None:
    """The period's sign-off, or None while it is open."""
    return period_signoff(load_settings(), period)


@task(retries=3, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only)
def sign_off(period: Period, answer: SignOff) -> SignoffResult:
    """Sign the period off as the ESG office's form answered, or fail naming why it is refused."""
    done = signoff_period(load_settings(), period, signer(period, answer))
    get_run_logger().info("%s signed off by %s: %d figures", period, done.by, done.figure_count)
    return done


@task
def publish_status(period: Period, report: list[Path] | None = None) -> float:
    """Publish the period's submission table, progress and links as Prefect artifacts."""
    settings = load_settings()
    statuses = period_statuses(settings, period)
    done = progress(statuses)
    key = f"esgflow-{period.code.lower()}"
    create_table_artifact(
        [{**row, "received_at": row["received_at"] or ""} for row in (s.to_json() for s in statuses)],
        key=f"{key}-status",
        description=f"Submissions for {period}: {done.accepted} of {done.expected} entities accepted",
    )
    create_progress_artifact(
        done.percent, key=f"{key}-progress", description=f"{period}: entities accepted of expected"
    )
    links = [f"- Data Docs (validation history): {data_docs_index(settings).as_uri()}"]
    links += [f"- Validation runs by entity, indicator and cell: {validation_index(settings).as_uri()}"]
    links += [f"- {p.name}: {p.as_uri()}" for p in report or []]
    create_markdown_artifact("\n".join(links), key=f"{key}-links", description="Where to look")
    return done.percent
