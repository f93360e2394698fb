"""The returns received: periods opened for collection, judged returns with their versions, lineage and
findings, and the bytes already seen (reads and writes together).

Callers hand over plain rows and frames keyed by codes; ids are looked up here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esgflow.cycle.states import ACCEPTED
from esgflow.decimals import tidy
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.records import (
    KnownBytes,
    MailThread,
    NewestSubmission,
    SubmissionRecord,
    SubmissionVersion,
)
from esgflow.registers import RegisterRow
from esgflow.warehouse import models as m
from esgflow.warehouse.db import as_utc, code_ids, ensure_period
from esgflow.warehouse.trail import JUDGE, record_audit

if TYPE_CHECKING:  # polars is imported where a frame is made: `status` reads no frames
    import polars as pl


def open_periods(session: Session) -> dict[str, int]:
    """code -> id of the periods whose templates have been issued (returns are taken for them)."""
    query = select(m.Period.code, m.Period.id).where(m.Period.collection_opened_at.is_not(None))
    return dict(session.execute(query).tuples().all())


def newest_versions(period: Period, states: tuple[str, ...] | None = None) -> Any:
    """Subquery: each entity's newest submission of a period (among `states`, if given): the one that arrived last.

    Two runs at once may store an earlier file after a later one; arrival, not the version
    number, says which is newest (the version number breaks ties).
    """
    order = func.row_number().over(
        partition_by=m.Submission.entity_id, order_by=(m.Submission.arrived_at.desc(), m.Submission.version.desc())
    )
    query = (
        select(m.Submission.id, m.Submission.entity_id, m.Submission.version, order.label("place"))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period.code)
    )
    if states is not None:
        query = query.where(m.Submission.status.in_(states))
    ranked = query.subquery()
    return select(ranked.c.id, ranked.c.entity_id, ranked.c.version).where(ranked.c.place == 1).subquery()


def in_newest_accepted(query: Select[Any], period: Period) -> Select[Any]:
    """Restrict a query over observations to each entity's newest accepted submission of a period."""
    newest = newest_versions(period, ACCEPTED)
    return (
        query.join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .join(newest, (newest.c.entity_id == m.Submission.entity_id) & (newest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(m.Period.code == period.code)
    )


def estimated_counts(session: Session, period: Period) -> dict[str, int]:
    """entity -> how many figures of its newest accepted return (the one in the figures) are marked estimated."""
    query = select(m.Entity.code, func.count()).select_from(m.Observation)
    query = in_newest_accepted(query, period)
    rows = session.execute(
        query.where(m.Observation.estimated, m.Observation.value.is_not(None)).group_by(m.Entity.code)
    )
    return {entity: int(n) for entity, n in rows}


def newest_submissions(session: Session, period: Period) -> list[NewestSubmission]:
    """Each entity's newest submission of a period, whatever its status."""
    newest = newest_versions(period)
    counts = (
        select(
            m.Finding.submission_id,
            func.sum(func.cast(m.Finding.severity == "error", Integer)).label("errors"),
            func.sum(func.cast(m.Finding.severity == "warning", Integer)).label("warnings"),
        )
        .group_by(m.Finding.submission_id)
        .subquery()
    )
    accepted = newest_versions(period, ACCEPTED)
    rows = session.execute(
        select(
            m.Entity.code,
            m.Submission.status,
            m.Submission.version,
            m.Submission.received_at,
            m.Submission.file_name,
            counts.c.errors,
            counts.c.warnings,
            accepted.c.version,
            m.Submission.signatories,
        )
        .join(newest, (newest.c.entity_id == m.Submission.entity_id) & (newest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .outerjoin(counts, counts.c.submission_id == m.Submission.id)
        .outerjoin(accepted, accepted.c.entity_id == m.Submission.entity_id)
        .where(m.Period.code == period.code)
    )
    return [
        NewestSubmission(e, s, v, r, f, int(err or 0), int(warn or 0), a, dict(who or {}))
        for e, s, v, r, f, err, warn, a, who in rows
    ]


def known_hashes(session: Session, digests: list[str]) -> dict[str, KnownBytes]:
    """content hash -> the submission that holds those bytes."""
    rows = session.execute(
        select(
            m.Submission.content_hash,
            m.Entity.code,
            m.Period.code,
            m.Submission.version,
            m.Submission.status,
            m.Submission.answered_at.is_not(None),
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Submission.content_hash.in_(set(digests)))
    )
    return {h: KnownBytes(e, p, v, s, bool(a)) for h, e, p, v, s, a in rows}


def _findings(session: Session, owners: dict[int, str], period: Period) -> dict[int, list[Finding]]:
    """submission id -> its findings, for the submissions named (id -> their entity), in one query."""
    found: dict[int, list[Finding]] = {}
    if not owners:
        return found
    stored = session.execute(
        select(m.Finding).where(m.Finding.submission_id.in_(list(owners))).order_by(m.Finding.id)
    ).scalars()
    for f in stored:
        found.setdefault(f.submission_id or 0, []).append(_as_finding(f, owners[f.submission_id or 0], period))
    return found


def submission_findings(
    session: Session, period: Period, versions: list[tuple[str, int]]
) -> dict[tuple[str, int], list[Finding]]:
    """(entity, version) -> the findings of that version of its return, for every version named at once."""
    wanted = set(versions)
    if not wanted:
        return {}
    rows = session.execute(
        select(m.Submission.id, m.Entity.code, m.Submission.version)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period.code, m.Entity.code.in_(sorted({e for e, _ in wanted})))
    ).all()
    chosen = {sid: (entity, version) for sid, entity, version in rows if (entity, version) in wanted}
    found = _findings(session, {sid: key[0] for sid, key in chosen.items()}, period)
    return {key: found.get(sid, []) for sid, key in chosen.items()}


def entity_submissions(session: Session, entity: str, period: Period) -> list[SubmissionRecord]:
    """Every version an entity sent for a period, oldest first, each with its findings."""
    rows = session.execute(
        select(
            m.Submission.id,
            m.Submission.version,
            m.Submission.status,
            m.Submission.received_at,
            m.Submission.file_name,
            m.Submission.archive_path,
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Entity.code == entity, m.Period.code == period.code)
        .order_by(m.Submission.version)
    ).all()
    found = _findings(session, {r[0]: entity for r in rows}, period)
    return [
        SubmissionRecord(version, status, as_utc(received) or received, name, archived, tuple(found.get(sid, ())))
        for sid, version, status, received, name, archived in rows
    ]


def newest_return_findings(session: Session, period: Period, entity: str | None = None) -> list[Finding]:
    """The findings of each entity's newest return of a period (or one entity's), as its letter gave them, each
    naming the file and version they were found in; entities in code order, findings in the order stored."""
    newest = newest_versions(period)
    query = (
        select(m.Finding, m.Entity.code, m.Submission.file_name, m.Submission.version)
        .join(m.Submission, m.Submission.id == m.Finding.submission_id)
        .join(newest, newest.c.id == m.Submission.id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .order_by(m.Entity.code, m.Finding.id)
    )
    if entity is not None:
        query = query.where(m.Entity.code == entity)
    return [
        _as_finding(f, code, period, file=name, version=version) for f, code, name, version in session.execute(query)
    ]


def _as_finding(
    f: m.Finding, entity: str, period: Period, file: str | None = None, version: int | None = None
) -> Finding:
    return Finding(
        rule=f.rule,
        severity=f.severity,  # type: ignore[arg-type]
        message=f.message,
        indicators=tuple(f.indicators or ()),
        entity=entity,
        period=period.code,
        file=file,
        sheet=f.sheet,
        cell=f.cell,
        expected=f.expected,
        actual=f.actual,
        version=version,
    )


def submission_versions(session: Session, period: Period, entity: str | None = None) -> list[SubmissionVersion]:
    """Every stored version of each entity's return for a period (or one entity's), in the order they arrived."""
    arrived = func.coalesce(m.Submission.arrived_at, m.Submission.received_at)
    query = (
        select(
            m.Entity.code,
            m.Submission.version,
            m.Submission.status,
            arrived,
            m.Submission.file_name,
            m.Submission.content_hash,
            m.Submission.signatories,
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period.code)
        .order_by(m.Entity.code, arrived, m.Submission.version)
    )
    if entity is not None:
        query = query.where(m.Entity.code == entity)
    return [
        SubmissionVersion(e, v, s, as_utc(a) or a, f, h, dict(who or {}))
        for e, v, s, a, f, h, who in session.execute(query)
    ]


# Columns of an observations frame (one row per figure of a return, in reporting units).
OBSERVATION_COLUMNS = ("indicator", "value", "original_value", "original_unit", "sheet", "cell", "note")


# Columns of a splits frame (one row per place an observation's amount was split to, in reporting units).
SPLIT_COLUMNS = ("indicator", "location", "value", "original_value", "sheet", "cell")


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
    thread: MailThread | None = None  # the message a return came in by mail
    # how it came and who sent it, kept in the audit trail's judgement (issue 26.12): mail and its sender,
    # portal and the signed-in address, or folder and the folder it was taken from
    channel: str | None = None
    submitted_by: str | None = None
    signatories: Mapping[str, str] | None = None  # meta_preparer ... meta_contact_email, as the reporter typed them


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
    session: Session,
    sub: SubmissionIn,
    observations: pl.DataFrame,
    findings: list[Finding],
    ids: Ids,
    splits: pl.DataFrame | None = None,
    registers: Sequence[RegisterRow] = (),
) -> Recorded:
    import polars as pl

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
                "mail_message_id": sub.thread.message_id if sub.thread else None,
                "mail_references": sub.thread.references if sub.thread else None,
                "mail_from": sub.thread.sender if sub.thread else None,
                "signatories": dict(sub.signatories) if sub.signatories else None,
            }
        ],
    ).one()
    if observations.height:
        if "estimated" not in observations.columns:  # figures nobody marked (history, older frames) are actual
            observations = observations.with_columns(pl.lit(False).alias("estimated"))
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
                    "estimated": bool(o["estimated"]),
                }
                for o in observations.select(*OBSERVATION_COLUMNS, "estimated").iter_rows(named=True)
            ],
        )
    if splits is not None and splits.height:
        observation_of = dict(
            session.execute(select(m.Observation.indicator_id, m.Observation.id).filter_by(submission_id=submission_id))
            .tuples()
            .all()
        )
        session.execute(
            insert(m.ObservationSplit.__table__),
            [
                {
                    "observation_id": observation_of[ids.indicator[s["indicator"]]],
                    "location": s["location"],
                    "value": tidy(s["value"]),
                    "original_value": s["original_value"],
                    "sheet": s["sheet"],
                    "cell": s["cell"],
                }
                for s in splits.select(SPLIT_COLUMNS).iter_rows(named=True)
            ],
        )
    if registers:  # imported here: the registers' module reads submissions through this one
        from esgflow.warehouse.registers import insert_rows

        insert_rows(session, submission_id, registers)
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
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    record_audit(
        session,
        "judged",
        JUDGE,
        sub.period,
        entity=sub.entity,
        version=version,
        state=sub.status,
        reason=f"{errors} errors, {warnings} warnings",
        detail={
            "file": sub.file_name,
            "content_hash": sub.content_hash,
            **({"channel": sub.channel, "submitted_by": sub.submitted_by} if sub.channel else {}),
        },
        at=now,
    )
    return Recorded(submission_id, version, duplicate=False, arrived_later=later)


def record_submission(
    session: Session,
    sub: SubmissionIn,
    observations: pl.DataFrame,
    findings: list[Finding] | None = None,
    ids: Ids | None = None,
    splits: pl.DataFrame | None = None,
    registers: Sequence[RegisterRow] = (),
) -> Recorded:
    """Store a judged return as its entity's next version, with its figures, their splits and findings, and commit.

    The same bytes again change nothing. When another run stores the same bytes or takes the
    same version number at the same moment, the unique constraints tell: the bytes are then
    a duplicate, or the return takes the version after. `ids` saves look-ups over a batch.
    """
    current = ids or Ids.read(session)
    for attempt in range(2):
        try:
            recorded = _insert_submission(session, sub, observations, findings or [], current, splits, registers)
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
