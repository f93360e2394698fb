"""The entities' reporter addresses: read, replaced per entity from the office's file, removed; each change audited.

Reads and writes of this one concern live together. The packaged `contacts.csv` holds
placeholders (`@example.com`) for the demo and a first installation; once the office has
maintained the contacts here (any `contact_*` row in the audit trail), `esgflow init` leaves
them alone, so a removed placeholder never comes back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from esgflow.warehouse import models as m
from esgflow.warehouse.db import Row, code_ids
from esgflow.warehouse.trail import record_audit

ADDED, UPDATED, REMOVED = "contact_added", "contact_updated", "contact_removed"


def contact_rows(session: Session, entity: str | None = None) -> list[Row]:
    """Every contact (or one entity's) as {entity, name, email, language}, by entity then address."""
    query = (
        select(m.Entity.code, m.Contact.name, m.Contact.email, m.Contact.language)
        .join(m.Entity, m.Entity.id == m.Contact.entity_id)
        .order_by(m.Entity.code, m.Contact.email)
    )
    if entity is not None:
        query = query.where(m.Entity.code == entity)
    return [{"entity": e, "name": n, "email": a, "language": lang} for e, n, a, lang in session.execute(query)]


def maintained(session: Session) -> bool:
    """Whether the office has changed the contacts itself (then `init` no longer loads the packaged ones)."""
    found = select(m.AuditEvent.id).where(m.AuditEvent.action.in_((ADDED, UPDATED, REMOVED))).limit(1)
    return session.scalar(found) is not None


def replace_for_entities(session: Session, rows: Iterable[Row], by: str) -> dict[str, int]:
    """Make each entity named in `rows` have exactly the contacts given for it; the others stay as they are."""
    ids = code_ids(session, "entity")
    wanted: dict[str, dict[str, Row]] = {}
    for row in rows:
        wanted.setdefault(row["entity"], {})[row["email"]] = row
    counts = {"added": 0, "updated": 0, "removed": 0}
    for entity, by_email in wanted.items():
        existing = {c.email: c for c in session.scalars(select(m.Contact).where(m.Contact.entity_id == ids[entity]))}
        for email, row in by_email.items():
            old = existing.get(email)
            if old is None:
                session.add(m.Contact(entity_id=ids[entity], name=row["name"], email=email, language=row["language"]))
                record_audit(session, ADDED, by, entity=entity, detail={"email": email, "name": row["name"]})
                counts["added"] += 1
            elif (old.name, old.language) != (row["name"], row["language"]):
                detail = {"email": email, "name": [old.name, row["name"]], "language": [old.language, row["language"]]}
                old.name, old.language = row["name"], row["language"]
                record_audit(session, UPDATED, by, entity=entity, detail=detail)
                counts["updated"] += 1
        for email, old in existing.items():
            if email not in by_email:
                session.delete(old)
                record_audit(session, REMOVED, by, entity=entity, detail={"email": email, "name": old.name})
                counts["removed"] += 1
    session.flush()
    return counts


def remove_address(session: Session, email: str, by: str) -> list[str]:
    """Remove an address from every entity it reports for; the entities it was removed from."""
    found = session.execute(
        select(m.Contact.id, m.Entity.code, m.Contact.name)
        .join(m.Entity, m.Entity.id == m.Contact.entity_id)
        .where(m.Contact.email == email)
        .order_by(m.Entity.code)
    ).all()
    if found:
        session.execute(delete(m.Contact).where(m.Contact.id.in_([i for i, _, _ in found])))
    for _, entity, name in found:
        record_audit(session, REMOVED, by, entity=entity, detail={"email": email, "name": name})
    return [entity for _, entity, _ in found]
