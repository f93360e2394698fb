"""The audit trail and what it records: decisions, sign-offs, cycles and the portal's log
(reads and writes together).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from esgflow.periods import Period
from esgflow.records import (
    AuditRecord,
    CycleRecord,
    PortalEvent,
    SignoffRecord,
)
from esgflow.warehouse import models as m
from esgflow.warehouse.db import as_utc, ensure_period


def portal_events(session: Session, limit: int = 200) -> list[PortalEvent]:
    """The newest portal audit rows, newest first."""
    rows = session.scalars(select(m.PortalEvent).order_by(m.PortalEvent.id.desc()).limit(limit))
    return [
        PortalEvent(r.action, r.outcome, r.client, r.email, r.entity, r.period, r.version, r.detail, as_utc(r.at))
        for r in rows
    ]


def recent_uploads(session: Session, since: datetime, email: str, entity: str | None) -> tuple[int, int]:
    """(uploads by this sign-in, uploads for this entity) since a time: portal submissions the portal
    took in (those it turned away for the rate itself are not counted)."""
    base = select(func.count()).where(
        m.PortalEvent.action == "submission", m.PortalEvent.outcome != "rate_limited", m.PortalEvent.at >= since
    )
    mine = session.scalar(base.where(m.PortalEvent.email == email)) or 0
    theirs = session.scalar(base.where(m.PortalEvent.entity == entity)) or 0 if entity else 0
    return int(mine), int(theirs)


def failed_signins(session: Session, since: datetime, client: str) -> int:
    """Failed sign-ins (links and API tokens) from one client address since a time, by every portal process."""
    query = select(func.count()).where(
        m.PortalEvent.action == "signin",
        m.PortalEvent.outcome == "failed",
        m.PortalEvent.client == client[:64],
        m.PortalEvent.at >= since,
    )
    return int(session.scalar(query) or 0)


def audit_events(
    session: Session, period: Period | None = None, actions: tuple[str, ...] | None = None
) -> list[AuditRecord]:
    """The audit trail (of one period, and of some actions, if given), in the order it was written."""
    query = select(
        m.AuditEvent.at,
        m.AuditEvent.actor,
        m.AuditEvent.action,
        m.AuditEvent.period,
        m.AuditEvent.entity,
        m.AuditEvent.version,
        m.AuditEvent.state,
        m.AuditEvent.reason,
        m.AuditEvent.detail,
    ).order_by(m.AuditEvent.id)
    if period is not None:
        query = query.where(m.AuditEvent.period == period.code)
    if actions is not None:
        query = query.where(m.AuditEvent.action.in_(actions))
    return [AuditRecord(as_utc(row[0]) or row[0], *row[1:]) for row in session.execute(query)]


def period_signoff(session: Session, period: Period) -> SignoffRecord | None:
    """A period's sign-off, or None while it is open."""
    row = session.execute(
        select(
            m.PeriodSignoff.signed_by,
            m.PeriodSignoff.signed_at,
            m.PeriodSignoff.factor_set_id,
            m.PeriodSignoff.returns,
            m.PeriodSignoff.excused,
        )
        .join(m.Period, m.Period.id == m.PeriodSignoff.period_id)
        .where(m.Period.code == period.code)
    ).first()
    if row is None:
        return None
    return SignoffRecord(period.code, row[0], as_utc(row[1]) or row[1], row[2], list(row[3]), dict(row[4]))


def cycles(session: Session, period: Period | None = None) -> list[CycleRecord]:
    """The collection cycles opened (one period's, if given), oldest period first, with their sign-offs."""
    query = (
        select(
            m.Period.code,
            m.Cycle.deadline,
            m.Cycle.opened_by,
            m.Cycle.opened_at,
            m.Cycle.changed_at,
            m.PeriodSignoff.signed_by,
            m.PeriodSignoff.signed_at,
            m.Cycle.closed_by,
            m.Cycle.closed_at,
        )
        .join(m.Period, m.Period.id == m.Cycle.period_id)
        .outerjoin(m.PeriodSignoff, m.PeriodSignoff.period_id == m.Cycle.period_id)
        .order_by(m.Period.starts_on, m.Period.ends_on)
    )
    if period is not None:
        query = query.where(m.Period.code == period.code)
    return [
        CycleRecord(
            row[0],
            row[1],
            row[2],
            as_utc(row[3]) or row[3],
            as_utc(row[4]),
            row[5],
            as_utc(row[6]),
            row[7],
            as_utc(row[8]),
        )
        for row in session.execute(query)
    ]


def open_cycle(session: Session, period: Period, deadline: date, by: str) -> date | None:
    """Open a period's cycle with its deadline, or move the deadline; returns the deadline it had (None: new)."""
    period_id = ensure_period(session, period)
    row = session.scalars(select(m.Cycle).where(m.Cycle.period_id == period_id)).one_or_none()
    if row is None:
        session.add(m.Cycle(period_id=period_id, deadline=deadline, opened_by=by, opened_at=datetime.now(UTC)))
        session.flush()  # two openings at once: the unique key on the period stops the second here
        return None
    row.closed_at, row.closed_by = None, None  # opened again after a close
    before = row.deadline
    if before != deadline:
        row.deadline = deadline
        row.changed_at = datetime.now(UTC)
    return before


def close_collection(session: Session, period: Period, by: str) -> bool:
    """Stop collecting a period (its cycle, if any, records who closed it); False when it was not open."""
    row = session.scalars(select(m.Period).where(m.Period.code == period.code)).one_or_none()
    if row is None or row.collection_opened_at is None:
        return False
    row.collection_opened_at = None
    cycle = session.scalars(select(m.Cycle).where(m.Cycle.period_id == row.id)).one_or_none()
    if cycle is not None:
        cycle.closed_at, cycle.closed_by = datetime.now(UTC), by
    return True


# Who judges a return: the checks, not a person.
JUDGE = "esgflow"


def record_audit(
    session: Session,
    action: str,
    actor: str,
    period: Period | None = None,
    *,
    entity: str | None = None,
    version: int | None = None,
    state: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append a row to the audit trail (it is never changed or deleted afterwards)."""
    # Core insert: the judgement of every return writes one, and no ORM object is needed for it
    session.execute(
        insert(m.AuditEvent.__table__),
        [
            {
                "at": at or datetime.now(UTC),
                "actor": actor,
                "action": action,
                "period": period.code if period else None,
                "entity": entity,
                "version": version,
                "state": state,
                "reason": reason,
                "detail": detail,
            }
        ],
    )


def record_signoff(
    session: Session,
    period: Period,
    by: str,
    factor_set_id: int,
    returns: list[dict[str, Any]],
    excused: dict[str, str],
) -> datetime:
    """Lock a period: who signed, the factor set and the returns its figures came from; returns when."""
    now = datetime.now(UTC)
    session.add(
        m.PeriodSignoff(
            period_id=ensure_period(session, period),
            signed_by=by,
            signed_at=now,
            factor_set_id=factor_set_id,
            returns=returns,
            excused=excused,
        )
    )
    session.flush()  # a second sign-off of the period breaks the unique key here
    return now


def record_portal_event(session: Session, event: PortalEvent) -> None:
    """Add one row to the portal's audit log (its time is the database's)."""
    session.add(
        m.PortalEvent(
            action=event.action,
            outcome=event.outcome,
            client=(event.client or None) and event.client[:64],
            email=event.email,
            entity=event.entity,
            period=event.period,
            version=event.version,
            detail=event.detail,
        )
    )
    session.flush()
