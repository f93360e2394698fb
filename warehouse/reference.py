"""The reference data and who is who: indicators, entities and their dated tree, locations, contacts,
and the sign-ins granted (reads and writes together).

Results are polars frames or plain rows keyed by codes; no model object leaves the warehouse.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from esgflow.records import (
    AccessRecord,
)
from esgflow.warehouse import models as m
from esgflow.warehouse.db import Row, code_ids, upsert
from esgflow.warehouse.trail import record_audit


def entity_kinds(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Entity.code, m.Entity.kind)).tuples().all())


def entity_links(session: Session) -> list[tuple[str, str | None, date, date]]:
    """(entity, parent, valid_from, valid_to) of every dated link of the entity tree."""
    parent = m.Entity.__table__.alias("parent")
    rows = session.execute(
        select(m.Entity.code, parent.c.code, m.EntityLink.valid_from, m.EntityLink.valid_to)
        .join(m.Entity, m.Entity.id == m.EntityLink.entity_id)
        .outerjoin(parent, parent.c.id == m.EntityLink.parent_id)
    )
    return [(e, p, f, t) for e, p, f, t in rows]


def contacts(session: Session) -> dict[str, list[str]]:
    """entity -> its reporters' addresses."""
    out: dict[str, list[str]] = {}
    for entity, email in session.execute(
        select(m.Entity.code, m.Contact.email).join(m.Entity, m.Entity.id == m.Contact.entity_id).order_by(m.Contact.id)
    ):
        out.setdefault(entity, []).append(email)
    return out


def entity_locations(session: Session, on: date) -> dict[str, str]:
    """Each entity's location on a date: its dated location, else its country."""
    placed = dict(session.execute(select(m.Entity.code, m.Entity.country)).tuples().all())
    dated = session.execute(
        select(m.Entity.code, m.EntityLocation.location)
        .join(m.Entity, m.Entity.id == m.EntityLocation.entity_id)
        .where(m.EntityLocation.valid_from <= on, m.EntityLocation.valid_to >= on)
    )
    placed.update(dict(dated.tuples().all()))
    return placed


def reporter_addresses(session: Session) -> dict[str, set[str]]:
    """entity -> every address that reports for it: its registered contacts and its active grants (lower case)."""
    out: dict[str, set[str]] = {}
    for entity, emails in contacts(session).items():
        out.setdefault(entity, set()).update(e.lower() for e in emails)
    granted = session.execute(
        select(m.Entity.code, m.AccessGrant.email)
        .join(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(m.AccessGrant.revoked_at.is_(None))
    )
    for entity, email in granted:
        out.setdefault(entity, set()).add(email.lower())
    return out


def grant_for_token(session: Session, token_hash: str) -> AccessRecord | None:
    """The active grant a token's hash belongs to, or None (unknown or revoked)."""
    row = session.execute(
        select(m.AccessGrant.id, m.AccessGrant.email, m.Entity.code)
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(m.AccessGrant.token_hash == token_hash, m.AccessGrant.revoked_at.is_(None))
    ).first()
    return AccessRecord(row[0], row[1], row[2]) if row else None


def load_reference(
    session: Session,
    *,
    indicators: list[Row],
    entities: list[Row],
    links: list[Row],
    contacts: list[Row],
    factors: list[Row],
    locations: list[Row],
) -> None:
    """Bring the reference tables in step with the rows given; links not given are removed."""
    for row in indicators:
        upsert(session, m.Indicator, {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"})
    for row in entities:
        upsert(session, m.Entity, {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"})
    session.flush()
    ids = code_ids(session, "entity")
    wanted = set()
    for link in links:
        kept = upsert(
            session,
            m.EntityLink,
            {"entity_id": ids[link["entity"]], "valid_from": link["valid_from"]},
            {"parent_id": ids[link["parent"]] if link["parent"] else None, "valid_to": link["valid_to"]},
        )
        session.flush()
        wanted.add(kept.id)
    for stale in session.scalars(select(m.EntityLink).where(m.EntityLink.id.not_in(wanted))):
        session.delete(stale)
    from esgflow.warehouse.contacts import maintained  # contacts.py builds on this module's helpers

    for c in [] if maintained(session) else contacts:  # the office's own contacts are never overwritten
        upsert(
            session,
            m.Contact,
            {"entity_id": ids[c["entity"]], "email": c["email"]},
            {"name": c["name"], "language": c["language"]},
        )
    for f in factors:
        key = {"code": f["code"], "valid_from": f["valid_from"]}
        upsert(session, m.Factor, key, {k: v for k, v in f.items() if k not in key})
    placed = set()
    for loc in locations:
        kept = upsert(
            session,
            m.EntityLocation,
            {"entity_id": ids[loc["entity"]], "valid_from": loc["valid_from"]},
            {"location": loc["location"], "valid_to": loc["valid_to"]},
        )
        session.flush()
        placed.add(kept.id)
    for stale in session.scalars(select(m.EntityLocation).where(m.EntityLocation.id.not_in(placed))):
        session.delete(stale)


def add_entities(session: Session, entities: list[Row], links: list[Row]) -> None:
    """Add entities the warehouse does not hold yet, and their parent links, in bulk.

    Rows are shaped as `load_reference` takes them (links name entities and parents by
    code); a large tree grown beside the registry (a benchmark's) goes in a few statements.
    """
    if entities:
        session.execute(insert(m.Entity.__table__), [dict(row) for row in entities])
    if links:
        ids = code_ids(session, "entity")
        session.execute(
            insert(m.EntityLink.__table__),
            [
                {
                    "entity_id": ids[link["entity"]],
                    "parent_id": ids[link["parent"]] if link["parent"] else None,
                    "valid_from": link["valid_from"],
                    "valid_to": link["valid_to"],
                }
                for link in links
            ],
        )


def grant_access(session: Session, email: str, entity: str | None, token_hash: str, by: str = "esgflow") -> None:
    """Record a sign-in for a reporter of `entity` (None: the ESG office), and who granted it."""
    entity_id = None
    if entity is not None:
        entity_id = session.scalar(select(m.Entity.id).where(m.Entity.code == entity))
        if entity_id is None:
            raise KeyError(entity)
    session.add(m.AccessGrant(email=email.strip().lower(), entity_id=entity_id, token_hash=token_hash))
    session.flush()
    record_audit(session, "access_granted", by, entity=entity, detail={"email": email.strip().lower()})


def revoke_access(session: Session, email: str, by: str = "esgflow") -> int:
    """End every active sign-in of an address; how many were ended (an ending is recorded with who ended it)."""
    result = session.execute(
        update(m.AccessGrant)
        .where(m.AccessGrant.email == email.strip().lower(), m.AccessGrant.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if ended:
        record_audit(session, "access_revoked", by, detail={"email": email.strip().lower(), "sign_ins": ended})
    return ended
