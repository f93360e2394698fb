"""Scope 3 screening rows: each category of a period screened relevant or not, and approved."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow.periods import Period
from esgflow.records import Scope3ScreeningRecord
from esgflow.warehouse import models as m
from esgflow.warehouse.db import as_utc, ensure_period


def screenings(session: Session, period: Period) -> list[Scope3ScreeningRecord]:
    """The categories of a period screened so far, by category number."""
    query = (
        select(m.Scope3Screening, m.Period.code)
        .join(m.Period, m.Period.id == m.Scope3Screening.period_id)
        .where(m.Period.code == period.code)
        .order_by(m.Scope3Screening.category)
    )
    return [
        Scope3ScreeningRecord(
            code,
            row.category,
            row.relevant,
            row.reason,
            row.method,
            row.screened_by,
            as_utc(row.screened_at) or row.screened_at,
            row.approved_by,
            as_utc(row.approved_at),
        )
        for row, code in session.execute(query)
    ]


def record_screening(
    session: Session, period: Period, category: int, relevant: bool, reason: str, method: str, by: str
) -> bool:
    """Write a category's screening; a new one replaces the old and clears its approval.

    Returns whether the category had been screened before.
    """
    period_id = ensure_period(session, period)
    row = session.scalars(
        select(m.Scope3Screening).where(
            m.Scope3Screening.period_id == period_id, m.Scope3Screening.category == category
        )
    ).one_or_none()
    now = datetime.now(UTC)
    if row is None:
        session.add(
            m.Scope3Screening(
                period_id=period_id,
                category=category,
                relevant=relevant,
                reason=reason,
                method=method,
                screened_by=by,
                screened_at=now,
            )
        )
        session.flush()  # two screenings at once: the unique key stops the second here
        return False
    row.relevant, row.reason, row.method, row.screened_by, row.screened_at = relevant, reason, method, by, now
    row.approved_by, row.approved_at = None, None
    return True


def approve_screening(session: Session, period: Period, category: int, by: str) -> None:
    """Mark a category's screening approved by `by` (the job checks who may approve)."""
    row = session.scalars(
        select(m.Scope3Screening)
        .join(m.Period, m.Period.id == m.Scope3Screening.period_id)
        .where(m.Period.code == period.code, m.Scope3Screening.category == category)
    ).one()
    row.approved_by, row.approved_at = by, datetime.now(UTC)
