"""The jobs behind the commands: each opens its own transaction on the configured warehouse.

The CLI and the Prefect tasks call these; they hold no logic of their own beyond wiring
the library to the settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.checks.group import check_period
from esgflow.config import Settings
from esgflow.consolidate import ConsolidationResult, run_consolidation, tree_on
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.findings import Finding
from esgflow.history import ImportResult, import_history
from esgflow.inbox import InboxSource, inbox_for
from esgflow.ingest import Ingestor, Outcome
from esgflow.mail import mailer_for
from esgflow.notices import letter_mail, reminder_mail, template_mail
from esgflow.observations import accepted_observations
from esgflow.periods import parse_period
from esgflow.reference_data import LoadCounts, ensure_period, load_reference_data
from esgflow.report import ReportFiles, write_report
from esgflow.status import EntityStatus, period_status
from esgflow.workbooks.template import TemplateRequest, write_template
from warehouse import db
from warehouse import models as m


def init_warehouse(settings: Settings) -> LoadCounts:
    """Create or upgrade the schema and load the reference data."""
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        db.upgrade(settings.database_url)
    except Exception as exc:  # the driver's own message is the useful part
        raise EsgflowError(
            f"cannot reach or upgrade the warehouse at {db.display_url(settings.database_url)}: {exc}"
        ) from exc
    with db.session_scope(settings.database_url) as session:
        return load_reference_data(session, load_catalog(), load_registry(), load_factors())


def _require_schema(settings: Settings) -> None:
    try:
        ready = db.has_schema(settings.database_url)
    except Exception as exc:
        raise EsgflowError(f"cannot reach the warehouse at {db.display_url(settings.database_url)}: {exc}") from exc
    if not ready:
        raise EsgflowError("the warehouse has no schema yet: run 'esgflow init' first")


def import_history_file(settings: Settings, path: Path, years: set[str] | None = None) -> ImportResult:
    if not path.is_file():
        raise EsgflowError(f"{path}: no such file")
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return import_history(session, path, load_catalog(), load_registry().root(), years)


def consolidate_period(settings: Settings, period: str) -> ConsolidationResult:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return run_consolidation(session, period, load_catalog(), load_factors(), load_registry().root())


def report_period(settings: Settings, period: str, out: Path, langs: list[str]) -> ReportFiles:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return write_report(session, load_catalog(), period, out, load_registry().root(), langs)


def write_templates(settings: Settings, period: str, out: Path, entities: list[str] | None = None) -> list[Path]:
    """One template per entity of the group in `period` (or the ones named), with last period's values."""
    _require_schema(settings)
    catalog, registry = load_catalog(), load_registry()
    p = parse_period(period)
    prior = p.shifted_years(-1).code
    with db.session_scope(settings.database_url) as session:
        row = ensure_period(session, period)
        if row.collection_opened_at is None:  # returns for the period are taken from now on
            row.collection_opened_at = datetime.now(UTC)
        members = list(tree_on(session, p.ends_on))
        unknown = [e for e in entities or [] if e not in members]
        if unknown:
            raise EsgflowError(f"not an entity of the group in {period}: {', '.join(unknown)}")
        prior_frame = accepted_observations(session, prior)
    chosen = [e for e in registry.codes if e in (entities or members)]
    paths = []
    for code in chosen:
        rows = prior_frame.filter(prior_frame["entity"] == code)
        values = dict(zip(rows["indicator"].to_list(), rows["value"].to_list(), strict=True))
        path = out / f"{code}_{period}.xlsx"
        write_template(path, TemplateRequest(registry[code], period, prior, values), catalog)
        paths.append(path)
    return paths


def ingest_files(settings: Settings, paths: list[Path]) -> list[Outcome]:
    """Ingest returned workbooks (files or folders); every file ends accepted, rejected, refused or duplicate."""
    _require_schema(settings)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise EsgflowError(f"no such file or folder: {', '.join(missing)}")
    ingestor = Ingestor(db.session_factory(settings.database_url), load_catalog(), settings.archive, settings.home)
    return ingestor.ingest(paths)


def check_group(settings: Settings, period: str) -> list[Finding]:
    """Group-level consistency findings for a period (published history included)."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return check_period(session, period, load_catalog(), load_factors(), load_registry().root(), settings.home)


def data_docs_index(settings: Settings) -> Path:
    """Where the Great Expectations Data Docs of this home are (built by every validation run)."""
    return settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def contacts(settings: Settings) -> dict[str, list[str]]:
    """entity -> reporters' addresses, as the warehouse holds them."""
    with db.session_scope(settings.database_url) as session:
        rows = session.execute(
            select(m.Entity.code, m.Contact.email).join(m.Entity, m.Entity.id == m.Contact.entity_id)
        )
        out: dict[str, list[str]] = {}
        for entity, email in rows:
            out.setdefault(entity, []).append(email)
        return out


def send_templates(
    settings: Settings, period: str, deadline: date, templates: list[Path], smtp_block: str | None = None
) -> list[str]:
    """Mail each entity its template (one message per entity, to its reporters)."""
    registry, to = load_registry(), contacts(settings)
    mails = [
        template_mail(registry[t.name.split("_")[0]], to.get(t.name.split("_")[0], []), period, deadline, t)
        for t in templates
        if to.get(t.name.split("_")[0])
    ]
    return mailer_for(settings, smtp_block).send(mails)


def period_statuses(settings: Settings, period: str) -> list[EntityStatus]:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return period_status(session, period, load_registry().codes)


def send_reminders(
    settings: Settings, period: str, deadline: date, today: date, smtp_block: str | None = None
) -> list[str]:
    """Remind the reporters of every entity whose return is missing or rejected; returns the entities reminded."""
    registry, to = load_registry(), contacts(settings)
    due = [
        s for s in period_statuses(settings, period) if s.status in ("not_submitted", "rejected") and to.get(s.entity)
    ]
    mails = [reminder_mail(registry[s.entity], to[s.entity], period, deadline, today, s.status) for s in due]
    mailer_for(settings, smtp_block).send(mails)
    return [s.entity for s in due]


def send_letters(settings: Settings, outcomes: list[Outcome], smtp_block: str | None = None) -> list[str]:
    """Mail every judged return its letter."""
    registry, to = load_registry(), contacts(settings)
    mails = [
        letter_mail(registry[o.entity], to[o.entity], o.period, o.version, o.status, o.letter, o.annotated)
        for o in outcomes
        if o.letter and o.entity and o.period and o.version and to.get(o.entity)
    ]
    return mailer_for(settings, smtp_block).send(mails)


def collect_inbox(
    settings: Settings, run_id: str, source: InboxSource | None = None, stale_after: float = 3600.0
) -> list[Outcome]:
    """Ingest whatever has arrived in the inbox: claim, judge and load, then mark the files done."""
    _require_schema(settings)
    inbox = source or inbox_for(settings.inbox_location or settings.inbox)
    claim = inbox.claim(run_id, stale_after)
    outcomes = ingest_files(settings, claim.files) if claim.files else []
    inbox.done(claim)
    return outcomes
