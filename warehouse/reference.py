"""The reference data and who is who: indicators, entities and their dated tree, locations, contacts,
and the sign-ins granted (reads and writes together).

Results are polars frames or plain rows keyed by codes; no model object leaves the warehouse.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

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


# The columns of an AccessRecord, in its order.
_GRANT = (m.AccessGrant.id, m.AccessGrant.email, m.Entity.code, m.AccessGrant.role, m.AccessGrant.period)


def grant_for_token(session: Session, token_hash: str, now: datetime) -> AccessRecord | None:
    """The script's API token a hash belongs to, or None (unknown, a sign-in link, expired or revoked)."""
    row = session.execute(
        select(*_GRANT)
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(
            m.AccessGrant.token_hash == token_hash,
            m.AccessGrant.kind == "api",
            m.AccessGrant.revoked_at.is_(None),
            m.AccessGrant.expires_at > now,
        )
    ).first()
    return AccessRecord(*row) if row else None


def grant_by_id(session: Session, grant_id: int) -> AccessRecord | None:
    row = session.execute(
        select(*_GRANT).outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id).where(m.AccessGrant.id == grant_id)
    ).first()
    return AccessRecord(*row) if row else None


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


def grant_access(
    session: Session,
    email: str,
    entity: str | None,
    token_hash: str,
    by: str = "esgflow",
    kind: str = "link",
    expires_at: datetime | None = None,
    role: str = "",
    period: str | None = None,
) -> None:
    """Record a sign-in link (or a script's API token, kind 'api') for a reporter of `entity` (None: the
    ESG office), until `expires_at`, and who granted it."""
    entity_id = None
    if entity is not None:
        entity_id = session.scalar(select(m.Entity.id).where(m.Entity.code == entity))
        if entity_id is None:
            raise KeyError(entity)
    address = email.strip().lower()
    session.add(
        m.AccessGrant(
            email=address, entity_id=entity_id, token_hash=token_hash, kind=kind, expires_at=expires_at, role=role,
            period=period,
        )
    )  # fmt: skip
    session.flush()
    action = "access_granted" if kind == "link" else "api_token_issued"
    detail = {"email": address} | ({"expires": expires_at.isoformat()} if expires_at else {})
    detail |= {"role": role, "period": period} if role else {}
    record_audit(session, action, by, entity=entity, detail=detail)


def exchange_link(session: Session, token_hash: str, now: datetime) -> int | None:
    """Use a sign-in link once: the grant's id when it was unused, unexpired and not revoked, else None.

    One UPDATE decides, so two requests with the same link at once start one session.
    """
    result = session.execute(
        update(m.AccessGrant)
        .where(
            m.AccessGrant.token_hash == token_hash,
            m.AccessGrant.kind == "link",
            m.AccessGrant.used_at.is_(None),
            m.AccessGrant.revoked_at.is_(None),
            m.AccessGrant.expires_at > now,
        )
        .values(used_at=now)
    )
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return None
    return session.scalar(select(m.AccessGrant.id).where(m.AccessGrant.token_hash == token_hash))


def start_session(session: Session, sid_hash: str, grant_id: int, csrf: str, now: datetime, until: datetime) -> None:
    session.add(m.PortalSession(sid_hash=sid_hash, grant_id=grant_id, csrf=csrf, started_at=now, expires_at=until))


def end_sessions(session: Session, now: datetime, sid_hash: str | None = None, grant_ids: list[int] | None = None,
                 session_id: int | None = None) -> int:  # fmt: skip
    """End one session (by its id's hash or its row id), or every session of some grants; how many ended."""
    query = update(m.PortalSession).where(m.PortalSession.ended_at.is_(None))
    if sid_hash is not None:
        query = query.where(m.PortalSession.sid_hash == sid_hash)
    elif session_id is not None:
        query = query.where(m.PortalSession.id == session_id)
    else:
        query = query.where(m.PortalSession.grant_id.in_(grant_ids or []))
    return int(session.execute(query.values(ended_at=now)).rowcount or 0)  # type: ignore[attr-defined]


def revoke_grant(session: Session, grant_id: int, by: str = "esgflow") -> bool:
    """End one sign-in link or API token, and its sessions; False when there is no such active one."""
    now = datetime.now(UTC)
    result = session.execute(
        update(m.AccessGrant)
        .where(m.AccessGrant.id == grant_id, m.AccessGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not int(result.rowcount or 0):  # type: ignore[attr-defined]
        return False
    end_sessions(session, now, grant_ids=[grant_id])
    record_audit(session, "access_revoked", by, detail={"grant": grant_id})
    return True


def revoke_access(session: Session, email: str, by: str = "esgflow") -> int:
    """End every active sign-in, API token and session of an address; how many grants were ended (an ending is
    recorded with who ended it)."""
    now = datetime.now(UTC)
    address = email.strip().lower()
    grants = list(session.scalars(select(m.AccessGrant.id).where(m.AccessGrant.email == address)))
    result = session.execute(
        update(m.AccessGrant)
        .where(m.AccessGrant.email == address, m.AccessGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    end_sessions(session, now, grant_ids=grants)
    if ended:
        record_audit(session, "access_revoked", by, detail={"email": email.strip().lower(), "sign_ins": ended})
    return ended


def session_grant(session: Session, sid_hash: str, now: datetime) -> tuple[AccessRecord, str] | None:
    """(grant, CSRF token) of a live browser session whose grant still stands; None otherwise."""
    row = session.execute(
        select(*_GRANT, m.PortalSession.csrf)
        .join(m.AccessGrant, m.AccessGrant.id == m.PortalSession.grant_id)
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(
            m.PortalSession.sid_hash == sid_hash,
            m.PortalSession.ended_at.is_(None),
            m.PortalSession.expires_at > now,
            m.AccessGrant.revoked_at.is_(None),
        )
    ).first()
    return (AccessRecord(*row[:-1]), row[-1]) if row else None


def granted_entity(session: Session, email: str) -> tuple[bool, str | None, str, str | None]:
    """(whether the address holds an unrevoked grant, the entity of its newest one: None for the office or an
    auditor, its role and its period)."""
    row = session.execute(
        select(m.Entity.code, m.AccessGrant.role, m.AccessGrant.period)
        .select_from(m.AccessGrant)
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(m.AccessGrant.email == email, m.AccessGrant.revoked_at.is_(None))
        .order_by(m.AccessGrant.id.desc())
    ).first()
    return (True, row[0], row[1], row[2]) if row else (False, None, "", None)


def access_rows(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every grant and token (id, kind, email, entity, granted, expires, used, revoked) and every session
    (id, grant id, email, started, expires, ended), oldest first."""
    grants = session.execute(
        select(
            m.AccessGrant.id,
            m.AccessGrant.kind,
            m.AccessGrant.email,
            m.Entity.code,
            m.AccessGrant.granted_at,
            m.AccessGrant.expires_at,
            m.AccessGrant.used_at,
            m.AccessGrant.revoked_at,
        )
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .order_by(m.AccessGrant.id)
    )
    sessions = session.execute(
        select(
            m.PortalSession.id,
            m.PortalSession.grant_id,
            m.AccessGrant.email,
            m.PortalSession.started_at,
            m.PortalSession.expires_at,
            m.PortalSession.ended_at,
        )
        .join(m.AccessGrant, m.AccessGrant.id == m.PortalSession.grant_id)
        .order_by(m.PortalSession.id)
    )
    return [tuple(r) for r in grants], [tuple(r) for r in sessions]
