"""Evidence documents: who attached what to which return or figure, when and how (reads and writes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esgflow.catalog import Catalog
from esgflow.cycle.evidence_needs import WAIVED, open_needs
from esgflow.periods import Period
from esgflow.records import EvidenceRecord
from esgflow.warehouse import models as m
from esgflow.warehouse.db import as_utc
from esgflow.warehouse.trail import audit_events

_COLUMNS = (
    m.Evidence.id,
    m.Evidence.sha256,
    m.Evidence.size,
    m.Evidence.kind,
    m.Evidence.file_name,
    m.Evidence.entity,
    m.Evidence.period,
    m.Evidence.indicator,
    m.Evidence.channel,
    m.Evidence.sent_by,
    m.Evidence.sent_at,
)


def _record(row: tuple) -> EvidenceRecord:  # type: ignore[type-arg]
    *head, at = row
    return EvidenceRecord(*head, as_utc(at) or at)


def evidence_count(session: Session, entity: str, period: str) -> int:
    """How many documents an entity's return of a period has (all its figures together)."""
    query = select(func.count()).where(m.Evidence.entity == entity, m.Evidence.period == period)
    return int(session.scalar(query) or 0)


def same_evidence(
    session: Session, sha256: str, entity: str, period: str, indicator: str | None
) -> EvidenceRecord | None:
    """The row that already attaches these bytes to this return or figure, if any."""
    query = select(*_COLUMNS).where(
        m.Evidence.sha256 == sha256,
        m.Evidence.entity == entity,
        m.Evidence.period == period,
        m.Evidence.indicator.is_(None) if indicator is None else m.Evidence.indicator == indicator,
    )
    row = session.execute(query.order_by(m.Evidence.id)).first()
    return _record(tuple(row)) if row else None


def record_evidence(
    session: Session,
    sha256: str,
    size: int,
    kind: str,
    file_name: str,
    entity: str,
    period: str,
    indicator: str | None,
    channel: str,
    sent_by: str,
) -> EvidenceRecord:
    row = m.Evidence(
        sha256=sha256, size=size, kind=kind, file_name=file_name, entity=entity, period=period,
        indicator=indicator, channel=channel, sent_by=sent_by,
    )  # fmt: skip
    session.add(row)
    session.flush()
    found = session.execute(select(*_COLUMNS).where(m.Evidence.id == row.id)).one()
    return _record(tuple(found))


def evidence_of(session: Session, period: str, entity: str | None = None) -> list[EvidenceRecord]:
    """The documents of a period (or of one entity's return), oldest first."""
    query = select(*_COLUMNS).where(m.Evidence.period == period)
    if entity is not None:
        query = query.where(m.Evidence.entity == entity)
    return [_record(tuple(r)) for r in session.execute(query.order_by(m.Evidence.id))]


@dataclass(frozen=True)
class PeriodDocuments:
    """What closes a period's needs: each entity's documents (the indicators they name, None for a whole
    return) and what the office waived. An ingest reads it once per period of its batch, not once per return:
    nothing in an ingest attaches documents or waives (the mail's documents are attached after its batch)."""

    documented: dict[str, list[str | None]]
    waived: dict[str, list[str]]


def period_documents(session: Session, period: Period) -> PeriodDocuments:
    documented: dict[str, list[str | None]] = {}
    for d in evidence_of(session, period.code):
        documented.setdefault(d.entity, []).append(d.indicator)
    waived: dict[str, list[str]] = {}
    for e in audit_events(session, period, (WAIVED,)):
        waived.setdefault(str(e.entity), []).append(str((e.detail or {}).get("indicator")))
    return PeriodDocuments(documented, waived)


def return_needs(
    session: Session,
    catalog: Catalog,
    period: Period,
    entity: str,
    figures: pl.DataFrame,
    read: dict[str, PeriodDocuments],
) -> tuple[tuple[str, str, str], ...]:
    """(indicator, what to attach in zh, en) for each figure of a return being stored (`figures`: its observations,
    in the catalog's units) that needs documents the entity has not sent yet and the office has not waived: what
    its letter names, as the review page does before the approve button. read: each period's documents as the
    batch first read them (filled here)."""
    if not figures.height:
        return ()  # a rejected return stores no figure: nothing to document
    if period.code not in read:
        read[period.code] = period_documents(session, period)
    documents = read[period.code]
    values = {r["indicator"]: Decimal(str(r["value"])) for r in figures.iter_rows(named=True) if r["value"] is not None}
    documented, waived = documents.documented.get(entity, []), documents.waived.get(entity, [])
    return tuple((n.indicator, n.what_zh, n.what_en) for n in open_needs(catalog, values, documented, waived))
