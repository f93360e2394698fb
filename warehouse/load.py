"""Writes: reference data, periods, judged returns, consolidated and published figures.

Callers hand over plain rows and frames keyed by codes; ids are looked up here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any, Protocol, TypeVar

import polars as pl
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esgflow.decimals import tidy
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.records import MailThread, PortalEvent
from esgflow.warehouse import models as m
from esgflow.warehouse.queries import code_frame, code_ids, frame_of, known_hashes

T = TypeVar("T", bound=m.Base)
Row = Mapping[str, Any]

# Columns of an observations frame (one row per figure of a return, in reporting units).
OBSERVATION_COLUMNS = ("indicator", "value", "original_value", "original_unit", "sheet", "cell", "note")
# Columns of a splits frame (one row per place an observation's amount was split to, in reporting units).
SPLIT_COLUMNS = ("indicator", "location", "value", "original_value", "sheet", "cell")


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
    locations: list[Row],
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
    placed = set()
    for loc in locations:
        kept = _upsert(
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


def open_cycle(session: Session, period: Period, deadline: date, by: str) -> date | None:
    """Open a period's cycle with its deadline, or move the deadline; returns the deadline it had (None: new)."""
    period_id = ensure_period(session, period)
    row = session.scalars(select(m.Cycle).where(m.Cycle.period_id == period_id)).one_or_none()
    if row is None:
        session.add(m.Cycle(period_id=period_id, deadline=deadline, opened_by=by, opened_at=datetime.now(UTC)))
        session.flush()  # two openings at once: the unique key on the period stops the second here
        return None
    before = row.deadline
    if before != deadline:
        row.deadline = deadline
        row.changed_at = datetime.now(UTC)
    return before


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
                "mail_message_id": sub.thread.message_id if sub.thread else None,
                "mail_references": sub.thread.references if sub.thread else None,
                "mail_from": sub.thread.sender if sub.thread else None,
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
        detail={"file": sub.file_name, "content_hash": sub.content_hash},
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
) -> Recorded:
    """Store a judged return as its entity's next version, with its figures, their splits and findings, and commit.

    The same bytes again change nothing. When another run stores the same bytes or takes the
    same version number at the same moment, the unique constraints tell: the bytes are then
    a duplicate, or the return takes the version after. `ids` saves look-ups over a batch.
    """
    current = ids or Ids.read(session)
    for attempt in range(2):
        try:
            recorded = _insert_submission(session, sub, observations, findings or [], current, splits)
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


def replace_computed_figures(session: Session, period: Period, figures: pl.DataFrame, basis: str = "computed") -> None:
    """Replace a period's computed figures (or its restated ones) and their provenance, in bulk.

    figures: scope, indicator, value (the exact decimal's text, as `consolidate.storable`
    writes it), method, observation_ids (list of observation ids). Old figures and their
    figure_source rows go in two set-based DELETEs; the new figures go in bulk, without
    RETURNING (`_insert_figures`), and figure_source is their observation ids exploded
    beside their ids, inserted in bulk too. Every id of every list becomes a row.
    """
    period_id = ensure_period(session, period)
    figure, source = m.ConsolidatedFigure.__table__, m.FigureSource.__table__  # Core: no ORM bookkeeping per row
    computed = (figure.c.period_id == period_id) & (figure.c.basis == basis)
    session.execute(delete(source).where(source.c.figure_id.in_(select(figure.c.id).where(computed))))
    session.execute(delete(figure).where(computed))
    if figures.is_empty():
        return
    keyed = figures.join(code_frame(session, "entity", "scope"), on="scope", how="left").join(
        code_frame(session, "indicator"), on="indicator", how="left"
    )
    unknown = keyed.filter(pl.col("entity_id").is_null() | pl.col("indicator_id").is_null())
    if not unknown.is_empty():
        row = unknown.row(0, named=True)
        raise KeyError(f"no entity or indicator for ({row['scope']}, {row['indicator']}) in the warehouse")
    now = _driver_value(session, figure.c.computed_at, datetime.now(UTC))  # compared with received_at: same clock
    rows = keyed.select(
        "entity_id",
        pl.lit(period_id, dtype=pl.Int64).alias("period_id"),
        "indicator_id",
        pl.lit(basis).alias("basis"),
        "value",
        "method",
        pl.lit(now, dtype=pl.Utf8).alias("computed_at"),
        "observation_ids",
    ).sort("entity_id", "indicator_id")  # in the order of the natural key's index
    stored = _insert_figures(session, rows, period_id, basis)
    sources = (
        stored.select("figure_id", pl.col("observation_ids").alias("observation_id"))
        .explode("observation_id")
        .drop_nulls("observation_id")
        .sort("figure_id", "observation_id")  # in the order of figure_source's primary key
    )
    bulk_insert(session, source, sources)


def _insert_figures(session: Session, rows: pl.DataFrame, period_id: int, basis: str) -> pl.DataFrame:
    """Insert computed figures in bulk; the rows come back with their ids (`figure_id`).

    SQLite: the ids are the next rowids, given here: the transaction holds the database's
    only write lock since its DELETE, so no other writer can take them. Elsewhere the
    database gives the ids, and one SELECT on the natural key (entity, period, indicator,
    basis) reads them back.
    """
    figure = m.ConsolidatedFigure.__table__
    columns = [c for c in rows.columns if c != "observation_ids"]
    if session.get_bind().dialect.name == "sqlite":
        first = (session.scalar(select(func.max(figure.c.id))) or 0) + 1
        rows = rows.with_columns(pl.int_range(first, first + rows.height, dtype=pl.Int64).alias("figure_id"))
        bulk_insert(session, figure, rows.select(pl.col("figure_id").alias("id"), *columns))
        return rows
    bulk_insert(session, figure, rows.select(columns))
    ids = frame_of(
        session,
        select(figure.c.id, figure.c.entity_id, figure.c.indicator_id).where(
            figure.c.period_id == period_id, figure.c.basis == basis
        ),
        {"figure_id": pl.Int64, "entity_id": pl.Int64, "indicator_id": pl.Int64},
    )
    return rows.join(ids, on=["entity_id", "indicator_id"], how="inner")


def _driver_value(session: Session, column: Any, value: Any) -> str:
    """A value as the text SQLAlchemy's type for `column` binds on this database (SQLite keeps datetimes as text)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    bound = process(value) if process else value
    return bound.isoformat() if isinstance(bound, datetime) else str(bound)


# Rows per COPY write or per batch of statements: large, yet a bounded amount of text and tuples.
BULK_ROWS = 200_000


def bulk_insert(session: Session, table: Any, frame: pl.DataFrame) -> None:
    """Insert a frame's rows (columns named as the table's, values as the driver takes them) in bulk.

    PostgreSQL (psycopg) takes them by COPY as CSV; SQLite by INSERTs of as many rows as
    its parameter limit allows, bound from flat lists; any other driver by executemany.
    No ORM object, no RETURNING, no SQLAlchemy parameter set per row.
    """
    if frame.is_empty():
        return
    connection = session.connection()
    dialect, driver = connection.dialect, connection.connection.driver_connection
    names = ", ".join(frame.columns)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT csv)") as copy:
            for chunk in frame.iter_slices(BULK_ROWS):
                copy.write(chunk.write_csv(include_header=False))
        return
    if dialect.name != "sqlite":
        for chunk in frame.iter_slices(BULK_ROWS):
            connection.execute(insert(table), chunk.to_dicts())
        return
    width = frame.width
    per_statement = max(min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width, BULK_ROWS), 1)
    row = "(" + ", ".join("?" * width) + ")"

    def statement(rows: int) -> str:
        return f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join([row] * rows)

    full = statement(per_statement)
    cursor = driver.cursor()
    try:
        for chunk in frame.iter_slices(per_statement):
            values = list(chain.from_iterable(zip(*(chunk[c].to_list() for c in chunk.columns), strict=True)))
            cursor.execute(full if chunk.height == per_statement else statement(chunk.height), values)
    finally:
        cursor.close()


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


def factor_set_id(session: Session, content: dict[str, Any], digest: str) -> int:
    """The id of a factor set's row, stored once per content."""
    found = session.scalar(select(m.FactorSet.id).where(m.FactorSet.digest == digest))
    if found is not None:
        return found
    row = m.FactorSet(digest=digest, content=content)
    session.add(row)
    session.flush()
    return row.id


def pin_factor_set(session: Session, period: Period, content: dict[str, Any], digest: str) -> int:
    """Pin a period to a factor set (first consolidation, or a restatement); returns the set's id."""
    period_id = ensure_period(session, period)
    set_id = factor_set_id(session, content, digest)
    _upsert(
        session, m.PeriodFactorPin, {"period_id": period_id}, {"factor_set_id": set_id, "pinned_at": datetime.now(UTC)}
    )
    session.flush()
    return set_id


def record_restatement(
    session: Session,
    period: Period,
    reason: str,
    from_set: int | None,
    to_set: int,
    changes: list[dict[str, Any]],
    significant: bool,
    returns: list[dict[str, Any]] | None = None,
) -> int:
    """Record a restatement of a period, with the returns ([{entity, version}]) it rests on; returns its number."""
    period_id = ensure_period(session, period)
    number = (
        session.scalar(select(func.max(m.Restatement.number)).where(m.Restatement.period_id == period_id)) or 0
    ) + 1
    session.add(
        m.Restatement(
            period_id=period_id,
            number=number,
            reason=reason,
            from_factor_set_id=from_set,
            to_factor_set_id=to_set,
            changes=changes,
            significant=significant,
            returns=returns,
        )
    )
    session.flush()
    return number


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
