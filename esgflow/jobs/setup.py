"""Setting up the year: the warehouse's schema and reference data, the published history, and each
period's cycle with its deadline.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle import deadlines
from esgflow.cycle.review import (
    actor,
)
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.figures.history import ImportResult, read_published
from esgflow.jobs.common import require_schema, warehouse_url
from esgflow.mail.contacts import read_contacts_file
from esgflow.periods import Period
from esgflow.portal.access import checked_address
from esgflow.records import (
    CycleRecord,
)
from esgflow.reference_data import LoadCounts, reference_rows
from esgflow.warehouse import contacts, db, trail
from esgflow.warehouse.figures import upsert_published
from esgflow.warehouse.reference import load_reference
from esgflow.warehouse.submissions import open_for_collection
from esgflow.warehouse.trail import record_audit
from esgflow.workbooks.signing import ensure_key


def init_warehouse(settings: Settings) -> LoadCounts:
    """Create or upgrade the schema and load the reference data."""
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        db.upgrade(settings.database_url)
    except Exception as exc:  # the driver's own message is the useful part
        raise EsgflowError(f"cannot reach or upgrade the warehouse at {warehouse_url(settings)}: {exc}") from exc
    ensure_key(settings.home)  # the templates' signing key, made once here and never by a worker
    rows = reference_rows(load_catalog(), load_registry(), load_factors())
    with db.session_scope(settings.database_url) as session:
        load_reference(
            session,
            indicators=rows.indicators,
            entities=rows.entities,
            links=rows.links,
            contacts=rows.contacts,
            factors=rows.factors,
            locations=rows.locations,
        )
    return rows.counts()


def import_history_file(settings: Settings, path: Path, periods: list[Period] | None = None) -> ImportResult:
    """Import published group figures from a CSV (only the years of `periods`, if given)."""
    if not path.is_file():
        raise EsgflowError(f"{path}: no such file")
    require_schema(settings)
    figures = read_published(path, load_catalog(), {p.code for p in periods} if periods else None)
    with db.session_scope(settings.database_url) as session:
        inserted, updated, unchanged = upsert_published(session, load_registry().root(), figures)
    return ImportResult(str(path), inserted, updated, unchanged, sorted({f.year for f in figures}))


# The reporters' contacts (esgflow.mail.contacts, warehouse/contacts.py).


def import_contacts(settings: Settings, path: Path, by: str | None = None) -> dict[str, int]:
    """Give every entity the file names exactly the addresses it lists (audited); counts added/updated/removed."""
    rows = read_contacts_file(path, load_registry())  # the whole file is checked before anything changes
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return contacts.replace_for_entities(session, rows, actor(by))


def list_contacts(settings: Settings, entity: str | None = None) -> list[dict[str, str]]:
    require_schema(settings)
    if entity is not None:
        load_registry()[entity]  # an unknown entity is refused, not listed as having no contacts
    with db.session_scope(settings.database_url) as session:
        return contacts.contact_rows(session, entity)


def remove_contact(settings: Settings, email: str, by: str | None = None) -> list[str]:
    """Remove an address from every entity it reports for (audited); the entities."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return contacts.remove_address(session, checked_address(email), actor(by))


# The yearly cycle (esgflow.cycle.deadlines).


def open_cycle(settings: Settings, period: Period, deadline: date, by: str | None = None) -> deadlines.CycleChange:
    """Open a period's cycle with its deadline, or move the deadline; every change is audited with old and new."""
    checked = deadlines.checked_deadline(period, deadline)
    require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        change = deadlines.CycleChange(period.code, checked, trail.open_cycle(session, period, checked, who), who)
        open_for_collection(session, period)  # an opened cycle takes returns (again, after a close)
        if change.action:
            detail = deadlines.audit_detail(change.previous, checked)
            record_audit(session, change.action, who, period, detail=detail)
    return change


def close_cycle(settings: Settings, period: Period, by: str) -> str:
    """Close a period's collection (audited): its returns are refused and it is nobody's default period.

    `esgflow cycle open` opens it again.
    """
    require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        if not trail.close_collection(session, period, who):
            raise EsgflowError(f"{period} is not open for collection: nothing to close")
        record_audit(session, deadlines.CYCLE_CLOSED, who, period, detail={})
    return f"closed the {period} cycle ({who}): returns for {period} are refused until 'esgflow cycle open'"


def cycle_records(settings: Settings, period: Period | None = None) -> list[CycleRecord]:
    """The cycles opened (one period's, if given), with their deadlines and sign-offs."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return trail.cycles(session, period)


def cycle_deadline(settings: Settings, period: Period, given: date | None = None) -> date:
    """The deadline given, else the one the period's cycle was opened with, else 31 January after it."""
    if given:
        return given
    found = cycle_records(settings, period)
    return deadlines.deadline_for(period, None, found[0].deadline if found else None)
