"""Who has returned what: one record per reporting entity of a period (`esgflow status`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from esgflow.consolidate import tree_on
from esgflow.periods import parse_period
from warehouse import models as m


@dataclass(frozen=True)
class EntityStatus:
    entity: str
    status: str  # not_submitted | accepted | accepted_with_warnings | rejected
    version: int | None
    received_at: datetime | None
    errors: int
    warnings: int
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat() if self.received_at else None
        return data


@dataclass(frozen=True)
class Progress:
    accepted: int
    expected: int

    @property
    def percent(self) -> float:
        return 100.0 * self.accepted / self.expected if self.expected else 0.0


def period_status(session: Session, period: str, order: list[str]) -> list[EntityStatus]:
    """The newest submission of every entity that reports in the period (in `order`)."""
    members = tree_on(session, parse_period(period).ends_on)
    newest = (
        select(m.Submission.entity_id, func.max(m.Submission.version).label("version"))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period)
        .group_by(m.Submission.entity_id)
        .subquery()
    )
    counts = (
        select(
            m.Finding.submission_id,
            func.sum(func.cast(m.Finding.severity == "error", Integer)).label("errors"),
            func.sum(func.cast(m.Finding.severity == "warning", Integer)).label("warnings"),
        )
        .group_by(m.Finding.submission_id)
        .subquery()
    )
    rows = session.execute(
        select(
            m.Entity.code,
            m.Submission.status,
            m.Submission.version,
            m.Submission.received_at,
            m.Submission.file_name,
            counts.c.errors,
            counts.c.warnings,
        )
        .join(newest, (newest.c.entity_id == m.Submission.entity_id) & (newest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .outerjoin(counts, counts.c.submission_id == m.Submission.id)
        .where(m.Period.code == period)
    ).all()
    found = {r[0]: r for r in rows}
    out = []
    for code in [c for c in order if c in members]:
        if code in found:
            _, status, version, received, file, errors, warnings = found[code]
            out.append(EntityStatus(code, status, version, received, int(errors or 0), int(warnings or 0), file))
        else:
            out.append(EntityStatus(code, "not_submitted", None, None, 0, 0))
    return out


def progress(statuses: list[EntityStatus]) -> Progress:
    return Progress(sum(s.status.startswith("accepted") for s in statuses), len(statuses))
