"""Writes: reference data, periods, judged returns, consolidated and published figures.

Callers hand over plain rows and frames keyed by codes; ids are looked up here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import polars as pl
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esgflow.decimals import tidy
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.warehouse import models as m
from esgflow.warehouse.queries import code_ids, known_hashes

T = TypeVar("T", bound=m.Base)
Row = Mapping[str, Any]

# Columns of an observations frame (one row per figure of a return, in reporting units).
OBSERVATION_COLUMNS = ("indicator", "value", "original_value", "original_unit", "sheet", "cell", "note")


def _upsert(session: Session, model: type[T], key: dict[str, Any], values: dict[str, Any]) -> T:
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def load_reference(
    session: Session,
    *,
    indicators: list[Row],
    entities: list[Row],
    links: list[Row],
    contacts: list[Row],
    factors: list[Row],
) -> None:
    """Bring the reference tables in step with the rows given; links not given are removed."""
    for row in indicators:
        _upsert(session, m.Indicator, {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"})
    for row in entities:
        _upsert(session, m.Entity, {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"})
    session.flush()
    ids = code_ids(session, "entity")
    wanted = set()
    for link in links:
        kept = _upsert(
            session,
            m.EntityLink,
            {"entity_id": ids[link["entity"]], "valid_from": link["valid_from"]},
            {"parent_id": ids[link["parent"]] if link["parent"] else None, "valid_to": link["valid_to"]},
        )
        session.flush()
        wanted.add(kept.id)
    for stale in session.scalars(select(m.EntityLink).where(m.EntityLink.id.not_in(wanted))):
        session.delete(stale)
    for c in contacts:
        _upsert(
            session,
            m.Contact,
            {"entity_id": ids[c["entity"]], "email": c["email"]},
            {"name": c["name"], "language": c["language"]},
        )
    for f in factors:
        key = {"code": f["code"], "valid_from": f["valid_from"]}
        _upsert(session, m.Factor, key, {k: v for k, v in f.items() if k not in key})


def ensure_period(session: Session, period: Period) -> int:
    """The id of a period's row, made on first use."""
    row = _upsert(
        session,
        m.Period,
        {"code": period.code},
        {"kind": period.kind, "starts_on": period.starts_on, "ends_on": period.ends_on},
    )
    session.flush()
    return row.id


def open_for_collection(session: Session, period: Period) -> None:
    """Mark a period as collected from now on (templates issued); opening it again changes nothing."""
    period_id = ensure_period(session, period)
    row = session.get_one(m.Period, period_id)
    if row.collection_opened_at is None:
        row.collection_opened_at = datetime.now(UTC)


@dataclass(frozen=True)
class SubmissionIn:
    """A judged return to store: what it is, where its bytes are kept, and what became of it."""

    entity: str
    period: Period
    content_hash: str
    file_name: str
    status: str
    archive_path: str | None = None
    template_version: str | None = None
    arrived_at: datetime | None = None  # when the file arrived (its modification time); now, if not known


@dataclass
class Ids:
    """code -> id of entities, indicators and periods, looked up once for a batch of returns."""

    entity: dict[str, int]
    indicator: dict[str, int]
    period: dict[str, int]

    @classmethod
    def read(cls, session: Session) -> Ids:
        return cls(code_ids(session, "entity"), code_ids(session, "indicator"), code_ids(session, "period"))


@dataclass(frozen=True)
class Recorded:
    submission_id: int
    version: int
    duplicate: bool
    arrived_later: int | None = None  # a version stored before this one that arrived after it, and stays newest


def _insert_submission(
    session: Session, sub: SubmissionIn, observations: pl.DataFrame, findings: list[Finding], ids: Ids
) -> Recorded:
    entity_id = ids.entity[sub.entity]
    if sub.period.code not in ids.period:
        ids.period[sub.period.code] = ensure_period(session, sub.period)
    period_id = ids.period[sub.period.code]
    existing = session.execute(
        select(m.Submission.id, m.Submission.version).filter_by(
            entity_id=entity_id, period_id=period_id, content_hash=sub.content_hash
        )
    ).one_or_none()
    if existing is not None:
        return Recorded(existing[0], existing[1], duplicate=True)
    newest = select(func.max(m.Submission.version)).filter_by(entity_id=entity_id, period_id=period_id)
    version = (session.scalar(newest) or 0) + 1
    now = datetime.now(UTC)
    arrived = sub.arrived_at or now
    later = session.scalar(
        select(func.max(m.Submission.version))
        .filter_by(entity_id=entity_id, period_id=period_id)
        .where(m.Submission.arrived_at > arrived)
    )
    submission_id = session.scalars(
        insert(m.Submission.__table__).returning(m.Submission.id),
        [
            {
                "entity_id": entity_id,
                "period_id": period_id,
                "version": version,
                "content_hash": sub.content_hash,
                "file_name": sub.file_name,
                "archive_path": sub.archive_path,
                "template_version": sub.template_version,
                "status": sub.status,
                "received_at": now,
                "arrived_at": arrived,
            }
        ],
    ).one()
    if observations.height:
        session.execute(  # Core executemany: no ORM object per figure
            insert(m.Observation.__table__),
            [
                {
                    "submission_id": submission_id,
                    "entity_id": entity_id,
                    "period_id": period_id,
                    "indicator_id": ids.indicator[o["indicator"]],
                    "value": None if o["value"] is None else tidy(o["value"]),
                    "original_value": o["original_value"],
                    "original_unit": o["original_unit"],
                    "source_file": sub.file_name,
                    "sheet": o["sheet"],
                    "cell": o["cell"],
                    "note": o["note"],
                }
                for o in observations.select(OBSERVATION_COLUMNS).iter_rows(named=True)
            ],
        )
    if findings:
        session.execute(
            insert(m.Finding.__table__),
            [
                {
                    "period_id": period_id,
                    "submission_id": submission_id,
                    "entity_id": entity_id,
                    "rule": f.rule,
                    "severity": f.severity,
                    "indicators": list(f.indicators),
                    "message": f.message,
                    "expected": f.expected,
                    "actual": f.actual,
                    "sheet": f.sheet,
                    "cell": f.cell,
                }
                for f in findings
            ],
        )
    return Recorded(submission_id, version, duplicate=False, arrived_later=later)


def record_submission(
    session: Session,
    sub: SubmissionIn,
    observations: pl.DataFrame,
    findings: list[Finding] | None = None,
    ids: Ids | None = None,
) -> Recorded:
    """Store a judged return as its entity's next version, with its figures and findings, and commit.

    The same bytes again change nothing. When another run stores the same bytes or takes the
    same version number at the same moment, the unique constraints tell: the bytes are then
    a duplicate, or the return takes the version after. `ids` saves look-ups over a batch.
    """
    current = ids or Ids.read(session)
    for attempt in range(2):
        try:
            recorded = _insert_submission(session, sub, observations, findings or [], current)
            session.commit()
            return recorded
        except IntegrityError:
            session.rollback()
            current = Ids.read(session)  # a period made in the rolled-back transaction is gone
            seen = known_hashes(session, [sub.content_hash]).get(sub.content_hash)
            if seen is not None:
                return Recorded(-1, seen.version, duplicate=True)
            if attempt:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def mark_answered(session: Session, content_hashes: list[str], by_mail: bool = False) -> None:
    """Record that the submissions holding these bytes have their letters and outcomes logged.

    by_mail: the return came through the inbox, so its letter is owed by mail (jobs.send_letters).
    """
    session.execute(
        update(m.Submission)
        .where(m.Submission.content_hash.in_(content_hashes), m.Submission.answered_at.is_(None))
        .values(answered_at=datetime.now(UTC), letter_owed=by_mail)
    )
    session.commit()


def claim_letter(session: Session, submission_id: int, lease: timedelta) -> bool:
    """Take the lease on mailing a letter; False when it went out or another run holds a live lease."""
    now = datetime.now(UTC)
    taken = session.execute(
        update(m.Submission)
        .where(
            m.Submission.id == submission_id,
            m.Submission.letter_mailed_at.is_(None),
            or_(m.Submission.letter_claimed_at.is_(None), m.Submission.letter_claimed_at < now - lease),
        )
        .values(letter_claimed_at=now)
    )
    session.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def mark_mailed(session: Session, submission_id: int) -> None:
    """Record that a letter went out."""
    session.execute(
        update(m.Submission).where(m.Submission.id == submission_id).values(letter_mailed_at=datetime.now(UTC))
    )
    session.commit()


def release_letters(session: Session, submission_ids: list[int]) -> None:
    """Give up the leases of letters that did not go out, so that a retry sends them at once."""
    session.execute(
        update(m.Submission)
        .where(m.Submission.id.in_(submission_ids), m.Submission.letter_mailed_at.is_(None))
        .values(letter_claimed_at=None)
    )
    session.commit()


def replace_computed_figures(session: Session, period: Period, figures: pl.DataFrame) -> None:
    """Replace a period's computed figures and their provenance.

    figures: scope, indicator, value (Decimal), method, observation_ids (list of observation ids).
    """
    period_id = ensure_period(session, period)
    entity_ids, indicator_ids = code_ids(session, "entity"), code_ids(session, "indicator")
    old = select(m.ConsolidatedFigure.id).filter_by(period_id=period_id, basis="computed")
    session.execute(delete(m.FigureSource).where(m.FigureSource.figure_id.in_(old)))
    session.execute(delete(m.ConsolidatedFigure).where(m.ConsolidatedFigure.id.in_(old)))
    rows = list(figures.iter_rows(named=True))
    if not rows:
        return
    now = datetime.now(UTC)
    figure_ids = session.scalars(
        insert(m.ConsolidatedFigure).returning(m.ConsolidatedFigure.id, sort_by_parameter_order=True),
        [
            {
                "entity_id": entity_ids[row["scope"]],
                "period_id": period_id,
                "indicator_id": indicator_ids[row["indicator"]],
                "basis": "computed",
                "value": row["value"],
                "method": row["method"],
                "computed_at": now,  # compared with submissions' received_at: both from this clock
            }
            for row in rows
        ],
    ).all()
    sources = [
        {"figure_id": figure_id, "observation_id": i}
        for figure_id, row in zip(figure_ids, rows, strict=True)
        for i in row["observation_ids"] or []
    ]
    if sources:
        session.execute(insert(m.FigureSource), sources)


class Published(Protocol):
    """A published group figure as it stands in a report's table."""

    @property
    def indicator(self) -> str: ...
    @property
    def period(self) -> Period: ...
    @property
    def basis(self) -> str: ...  # published | published_restated
    @property
    def value(self) -> Decimal: ...
    @property
    def method(self) -> str: ...
    @property
    def source(self) -> str: ...


def upsert_published(session: Session, root: str, rows: Iterable[Published]) -> tuple[int, int, int]:
    """Store published figures of the group; (inserted, updated, unchanged)."""
    indicator_ids = code_ids(session, "indicator")
    entity_id = code_ids(session, "entity")[root]
    inserted = updated = unchanged = 0
    for r in rows:
        key = {
            "entity_id": entity_id,
            "period_id": ensure_period(session, r.period),
            "indicator_id": indicator_ids[r.indicator],
            "basis": r.basis,
        }
        row = session.scalars(select(m.ConsolidatedFigure).filter_by(**key)).one_or_none()
        if row is None:
            session.add(m.ConsolidatedFigure(**key, value=r.value, method=r.method, source=r.source))
            inserted += 1
        elif str(row.value) != str(r.value):  # 1.50 and 1.5 differ: the figure keeps how it was written
            row.value, row.method, row.source = r.value, r.method, r.source
            updated += 1
        else:
            unchanged += 1
    return inserted, updated, unchanged
