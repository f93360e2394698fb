"""Reads and writes of the disclosure texts: explanations and narratives of framework items per period."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow.periods import Period
from esgflow.records import DisclosureTextRecord
from esgflow.warehouse import models as m
from esgflow.warehouse.db import ensure_period


def _record(row: m.DisclosureText, period: str) -> DisclosureTextRecord:
    return DisclosureTextRecord(
        period,
        row.framework,
        row.item,
        row.kind,
        row.text_zh,
        row.text_en,
        row.written_by,
        row.approved_by,
        row.carried_from,
    )


def disclosure_texts(session: Session, period: Period) -> list[DisclosureTextRecord]:
    """The texts written for a period, by framework and item."""
    rows = session.execute(
        select(m.DisclosureText)
        .join(m.Period, m.Period.id == m.DisclosureText.period_id)
        .where(m.Period.code == period.code)
        .order_by(m.DisclosureText.framework, m.DisclosureText.item)
    ).scalars()
    return [_record(r, period.code) for r in rows]


def earlier_approved_texts(session: Session, period: Period) -> list[DisclosureTextRecord]:
    """Per item, the approved text of the newest period of the same kind before this one that has one."""
    rows = session.execute(
        select(m.DisclosureText, m.Period.code)
        .join(m.Period, m.Period.id == m.DisclosureText.period_id)
        .where(
            m.Period.kind == period.kind,
            m.Period.ends_on < period.starts_on,
            m.DisclosureText.approved_by.is_not(None),
        )
        .order_by(m.Period.ends_on.desc())
    ).all()
    newest: dict[tuple[str, str], DisclosureTextRecord] = {}
    for row, code in rows:
        newest.setdefault((row.framework, row.item), _record(row, code))
    return list(newest.values())


def _row(session: Session, period: Period, framework: str, item: str) -> m.DisclosureText | None:
    return session.execute(
        select(m.DisclosureText)
        .join(m.Period, m.Period.id == m.DisclosureText.period_id)
        .where(m.Period.code == period.code, m.DisclosureText.framework == framework, m.DisclosureText.item == item)
    ).scalar_one_or_none()


def write_text(session: Session, period: Period, text: DisclosureTextRecord) -> DisclosureTextRecord | None:
    """Keep a text for a period's item (any approval it had is cleared); returns the text it replaced."""
    row = _row(session, period, text.framework, text.item)
    before = None if row is None else _record(row, period.code)
    if row is None:
        row = m.DisclosureText(period_id=ensure_period(session, period), framework=text.framework, item=text.item)
        session.add(row)
    row.kind, row.text_zh, row.text_en = text.kind, text.text_zh, text.text_en
    row.written_by, row.written_at = text.written_by, datetime.now(UTC)
    row.approved_by, row.approved_at, row.carried_from = text.approved_by, None, text.carried_from
    if text.approved_by:
        row.approved_at = datetime.now(UTC)
    session.flush()
    return before


def text_of(session: Session, period: Period, framework: str, item: str) -> DisclosureTextRecord | None:
    row = _row(session, period, framework, item)
    return None if row is None else _record(row, period.code)


def approve_text(session: Session, period: Period, framework: str, item: str, by: str) -> None:
    """Mark a period's text of an item approved by `by` (the caller has checked who may)."""
    row = _row(session, period, framework, item)
    if row is not None:
        row.approved_by, row.approved_at = by, datetime.now(UTC)
        session.flush()
