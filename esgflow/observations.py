"""Submissions and their observations: writing a judged return, reading accepted figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from esgflow.reference_data import code_ids, ensure_period
from warehouse import models as m

ACCEPTED = ("accepted", "accepted_with_warnings")
VALUE_DTYPE = pl.Decimal(38, 12)


@dataclass(frozen=True)
class ObservationIn:
    """One figure as read from a return, already in the indicator's reporting unit."""

    code: str
    value: Decimal | None
    original_value: str | None = None
    original_unit: str | None = None
    sheet: str | None = None
    cell: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Recorded:
    submission_id: int
    version: int
    duplicate: bool


def record_submission(
    session: Session,
    *,
    entity: str,
    period: str,
    content_hash: str,
    file_name: str,
    status: str,
    observations: list[ObservationIn],
    archive_path: str | None = None,
    template_version: str | None = None,
    ids: tuple[dict[str, int], dict[str, int]] | None = None,
    period_id: int | None = None,
) -> Recorded:
    """Store a judged submission as the entity's next version; the same bytes again change nothing.

    `ids` (entity and indicator code -> id) and `period_id` save look-ups when recording many files.
    """
    entity_ids, indicator_ids = ids or (code_ids(session, m.Entity), code_ids(session, m.Indicator))
    entity_id = entity_ids[entity]
    if period_id is None:
        period_row = ensure_period(session, period)
        session.flush()
        period_id = period_row.id
    existing = session.scalars(
        select(m.Submission).filter_by(entity_id=entity_id, period_id=period_id, content_hash=content_hash)
    ).one_or_none()
    if existing is not None:
        return Recorded(existing.id, existing.version, duplicate=True)
    version = (
        session.scalar(select(func.max(m.Submission.version)).filter_by(entity_id=entity_id, period_id=period_id)) or 0
    ) + 1
    submission_id = session.scalars(
        insert(m.Submission.__table__).returning(m.Submission.id),
        [
            {
                "entity_id": entity_id,
                "period_id": period_id,
                "version": version,
                "content_hash": content_hash,
                "file_name": file_name,
                "archive_path": archive_path,
                "template_version": template_version,
                "status": status,
                "received_at": datetime.now(UTC),
            }
        ],
    ).one()
    if observations:
        session.execute(  # Core executemany: the ORM's per-row bulk machinery is not needed here
            insert(m.Observation.__table__),
            [
                {
                    "submission_id": submission_id,
                    "entity_id": entity_id,
                    "period_id": period_id,
                    "indicator_id": indicator_ids[o.code],
                    "value": o.value,
                    "original_value": o.original_value,
                    "original_unit": o.original_unit,
                    "source_file": file_name,
                    "sheet": o.sheet,
                    "cell": o.cell,
                    "note": o.note,
                }
                for o in observations
            ],
        )
    return Recorded(submission_id, version, duplicate=False)


def latest_accepted(period: str):  # type: ignore[no-untyped-def]
    """Subquery: each entity's newest accepted submission version for a period."""
    return (
        select(m.Submission.entity_id, func.max(m.Submission.version).label("version"))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period, m.Submission.status.in_(ACCEPTED))
        .group_by(m.Submission.entity_id)
        .subquery()
    )


def accepted_observations(session: Session, period: str) -> pl.DataFrame:
    """Reported values of each entity's newest accepted submission for a period.

    Columns: observation_id, entity, indicator, value (exact decimal). Values reported
    as 'not reported' are left out, so they can never be summed as zero.
    """
    latest = latest_accepted(period)
    rows = session.execute(
        select(m.Observation.id, m.Entity.code, m.Indicator.code, m.Observation.value)
        .join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .join(
            latest,
            (latest.c.entity_id == m.Submission.entity_id) & (latest.c.version == m.Submission.version),
        )
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(m.Period.code == period, m.Observation.value.is_not(None))
    ).all()
    return pl.DataFrame(
        rows,
        schema={"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )
