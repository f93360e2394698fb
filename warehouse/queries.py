"""Reads: every question the library asks the warehouse, each written once.

Results are polars frames or plain rows keyed by codes; no model object leaves this module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Integer, Select, String, cast, func, select
from sqlalchemy.orm import Session, aliased

from esgflow.decimals import VALUE_DTYPE
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.records import (
    AccessRecord,
    AuditRecord,
    CycleRecord,
    KnownBytes,
    MailThread,
    NewestSubmission,
    OwedLetter,
    PortalEvent,
    ReporterNote,
    RestatementRecord,
    SignoffRecord,
    StoredFigure,
    SubmissionRecord,
    SubmissionVersion,
)
from esgflow.states import ACCEPTED
from esgflow.warehouse import models as m

# (indicator, period, basis) -> value of a group figure
GroupFigures = dict[tuple[str, str, str], Decimal]
KEYED = {"entity": m.Entity, "indicator": m.Indicator, "period": m.Period}


def code_ids(session: Session, table: str) -> dict[str, int]:
    """code -> id for `entity`, `indicator` or `period`."""
    model = KEYED[table]
    return dict(session.execute(select(model.code, model.id)).tuples().all())


def entity_kinds(session: Session) -> dict[str, str]:
    return dict(session.execute(select(m.Entity.code, m.Entity.kind)).tuples().all())


def open_periods(session: Session) -> dict[str, int]:
    """code -> id of the periods whose templates have been issued (returns are taken for them)."""
    query = select(m.Period.code, m.Period.id).where(m.Period.collection_opened_at.is_not(None))
    return dict(session.execute(query).tuples().all())


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


def _newest(period: Period, states: tuple[str, ...] | None = None) -> Any:
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


def _in_newest_accepted(query: Select[Any], period: Period) -> Select[Any]:
    """Restrict a query over observations to each entity's newest accepted submission of a period."""
    newest = _newest(period, ACCEPTED)
    return (
        query.join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .join(newest, (newest.c.entity_id == m.Submission.entity_id) & (newest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(m.Period.code == period.code)
    )


def frame_of(session: Session, query: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame, taken straight from the driver's cursor.

    No row object per row: large reads (observations, figure ids) stay cheap. The columns
    must be plain driver values (integers, text): cast decimals to text in the query.
    """
    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall() if result.cursor is not None else []  # type: ignore[attr-defined]
    finally:
        result.close()
    return pl.DataFrame(rows, schema=schema, orient="row")


def code_frame(session: Session, table: str, name: str | None = None) -> pl.DataFrame:
    """code -> id of `entity`, `indicator` or `period` as a frame of `name` (default: the table) and `{table}_id`."""
    pairs = code_ids(session, table)
    column = name or table
    return pl.DataFrame(
        {column: list(pairs), f"{table}_id": list(pairs.values())}, schema={column: pl.Utf8, f"{table}_id": pl.Int64}
    )


def accepted_observations(session: Session, period: Period) -> pl.DataFrame:
    """Reported values of each entity's newest accepted submission, by observation id.

    Columns: observation_id, entity, indicator, value (exact decimal). Figures reported as
    'not reported' are left out, so they can never be summed as zero. Values travel as
    text and become decimals in polars: no Python Decimal per figure.
    """
    query = select(
        m.Observation.id, m.Observation.entity_id, m.Observation.indicator_id, cast(m.Observation.value, String)
    ).where(m.Observation.submission_id.in_(select(_newest(period, ACCEPTED).c.id)), m.Observation.value.is_not(None))
    schema = {"observation_id": pl.Int64, "entity_id": pl.Int64, "indicator_id": pl.Int64, "value": pl.Utf8}
    return (
        frame_of(session, query, schema)
        .join(code_frame(session, "entity"), on="entity_id", how="left")
        .join(code_frame(session, "indicator"), on="indicator_id", how="left")
        .select("observation_id", "entity", "indicator", pl.col("value").cast(VALUE_DTYPE))
        .sort("observation_id")
    )


_SPLIT_SCHEMA = {
    "observation_id": pl.Int64,
    "entity": pl.Utf8,
    "indicator": pl.Utf8,
    "location": pl.Utf8,
    "value": pl.Utf8,
    "original_value": pl.Utf8,
    "sheet": pl.Utf8,
    "cell": pl.Utf8,
}


def _splits(session: Session, where: Any) -> pl.DataFrame:
    query = (
        select(
            m.ObservationSplit.observation_id,
            m.Entity.code,
            m.Indicator.code,
            m.ObservationSplit.location,
            cast(m.ObservationSplit.value, String),
            m.ObservationSplit.original_value,
            m.ObservationSplit.sheet,
            m.ObservationSplit.cell,
        )
        .join(m.Observation, m.Observation.id == m.ObservationSplit.observation_id)
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(where)
        .order_by(m.ObservationSplit.observation_id, m.ObservationSplit.id)  # rows as the return wrote them
    )
    return frame_of(session, query, _SPLIT_SCHEMA).with_columns(pl.col("value").cast(VALUE_DTYPE))


def accepted_splits(session: Session, period: Period) -> pl.DataFrame:
    """Split rows of the observations of each entity's newest accepted submission (as accepted_observations).

    Columns: observation_id, entity, indicator, location, value (exact decimal, reporting unit),
    original_value, sheet, cell; in row order of each observation's split.
    """
    newest = select(_newest(period, ACCEPTED).c.id)
    return _splits(session, m.Observation.submission_id.in_(newest))


def splits_of(session: Session, observation_ids: list[int]) -> pl.DataFrame:
    """Split rows of some observations (the sources of a stored figure), as accepted_splits gives them."""
    return _splits(session, m.ObservationSplit.observation_id.in_(observation_ids))


def reporter_notes(session: Session, period: Period) -> list[ReporterNote]:
    """Notes written beside the figures of each entity's newest accepted submission."""
    query = _in_newest_accepted(
        select(
            m.Entity.code,
            m.Indicator.code,
            m.Observation.note,
            m.Submission.file_name,
            m.Observation.sheet,
            m.Observation.cell,
        ),
        period,
    ).where(m.Observation.note.is_not(None))
    return [ReporterNote(*row) for row in session.execute(query.order_by(m.Entity.code, m.Indicator.code))]


def group_figures(session: Session, root: str, periods: list[Period]) -> GroupFigures:
    """Every basis of the group's figures (the root entity's subtree) for some periods."""
    rows = session.execute(
        select(m.Indicator.code, m.Period.code, m.ConsolidatedFigure.basis, m.ConsolidatedFigure.value)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
        .where(m.Entity.code == root, m.Period.code.in_([p.code for p in periods]))
    )
    return {(code, period, basis): value for code, period, basis, value in rows}


def estimated_counts(session: Session, period: Period) -> dict[str, int]:
    """entity -> how many figures of its newest accepted return (the one in the figures) are marked estimated."""
    query = select(m.Entity.code, func.count()).select_from(m.Observation)
    query = _in_newest_accepted(query, period)
    rows = session.execute(
        query.where(m.Observation.estimated, m.Observation.value.is_not(None)).group_by(m.Entity.code)
    )
    return {entity: int(n) for entity, n in rows}


def estimated_sources(session: Session, root: str, periods: list[Period]) -> dict[tuple[str, str, str], list[str]]:
    """(indicator, period, basis) -> the entities, in code order, whose estimated figures a group figure
    was computed from (figure_source), for every group figure that rests on at least one."""
    scope, reporter = aliased(m.Entity), aliased(m.Entity)
    rows = session.execute(
        select(m.Indicator.code, m.Period.code, m.ConsolidatedFigure.basis, reporter.code)
        .distinct()
        .join(m.FigureSource, m.FigureSource.figure_id == m.ConsolidatedFigure.id)
        .join(m.Observation, m.Observation.id == m.FigureSource.observation_id)
        .join(reporter, reporter.id == m.Observation.entity_id)
        .join(scope, scope.id == m.ConsolidatedFigure.entity_id)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .where(
            scope.code == root,
            m.Period.code.in_([p.code for p in periods]),
            m.Observation.estimated,
            m.Observation.value.is_not(None),
        )
    )
    found: dict[tuple[str, str, str], list[str]] = {}
    for code, period, basis, entity in rows:
        found.setdefault((code, period, basis), []).append(entity)
    return {key: sorted(entities) for key, entities in found.items()}


def newest_submissions(session: Session, period: Period) -> list[NewestSubmission]:
    """Each entity's newest submission of a period, whatever its status."""
    newest = _newest(period)
    counts = (
        select(
            m.Finding.submission_id,
            func.sum(func.cast(m.Finding.severity == "error", Integer)).label("errors"),
            func.sum(func.cast(m.Finding.severity == "warning", Integer)).label("warnings"),
        )
        .group_by(m.Finding.submission_id)
        .subquery()
    )
    accepted = _newest(period, ACCEPTED)
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
        )
        .join(newest, (newest.c.entity_id == m.Submission.entity_id) & (newest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .outerjoin(counts, counts.c.submission_id == m.Submission.id)
        .outerjoin(accepted, accepted.c.entity_id == m.Submission.entity_id)
        .where(m.Period.code == period.code)
    )
    return [NewestSubmission(e, s, v, r, f, int(err or 0), int(warn or 0), a) for e, s, v, r, f, err, warn, a in rows]


def letters_owed(session: Session) -> list[OwedLetter]:
    """Answered returns whose letter has not been mailed, oldest first."""
    rows = session.execute(
        select(
            m.Submission.id,
            m.Entity.code,
            m.Period.code,
            m.Submission.version,
            m.Submission.status,
            m.Submission.content_hash,
            m.Submission.mail_message_id,
            m.Submission.mail_references,
            m.Submission.mail_from,
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(
            m.Submission.letter_owed,
            m.Submission.answered_at.is_not(None),
            m.Submission.letter_mailed_at.is_(None),
        )
        .order_by(m.Submission.id)
    )
    return [OwedLetter(*row[:6], MailThread(row[6] or "", row[7] or "", row[8]) if row[8] else None) for row in rows]


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


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes, PostgreSQL aware ones; everything esgflow writes is UTC
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def consolidation_is_stale(session: Session, period: Period) -> bool:
    """Whether a return was accepted for the period after its figures were last computed (or never were)."""
    newest_accepted = session.scalar(
        select(func.max(m.Submission.received_at))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period.code, m.Submission.status.in_(ACCEPTED))
    )
    if newest_accepted is None:
        return False
    computed = session.scalar(
        select(func.max(m.ConsolidatedFigure.computed_at))
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .where(m.Period.code == period.code, m.ConsolidatedFigure.basis.in_(("computed", "computed_restated")))
    )
    last = _utc(computed)
    return last is None or _utc(newest_accepted) >= last  # type: ignore[operator]


def pinned_factor_set(session: Session, period: Period) -> tuple[int, dict[str, Any]] | None:
    """The factor set a period's figures are computed with (id, content), or None before its first consolidation."""
    row = session.execute(
        select(m.FactorSet.id, m.FactorSet.content)
        .join(m.PeriodFactorPin, m.PeriodFactorPin.factor_set_id == m.FactorSet.id)
        .join(m.Period, m.Period.id == m.PeriodFactorPin.period_id)
        .where(m.Period.code == period.code)
    ).first()
    return (row[0], row[1]) if row else None


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


def restatements(session: Session, periods: list[Period]) -> list[RestatementRecord]:
    """Restatements of some periods, oldest first."""
    rows = session.execute(
        select(
            m.Period.code,
            m.Restatement.number,
            m.Restatement.reason,
            m.Restatement.restated_at,
            m.Restatement.changes,
            m.Restatement.significant,
            m.Restatement.returns,
        )
        .join(m.Period, m.Period.id == m.Restatement.period_id)
        .where(m.Period.code.in_([p.code for p in periods]))
        .order_by(m.Period.code, m.Restatement.number)
    )
    return [
        RestatementRecord(p, n, r, _utc(at) or at, list(c), bool(s), None if u is None else list(u))
        for p, n, r, at, c, s, u in rows
    ]


def stored_figures(session: Session, period: Period, basis: str) -> pl.DataFrame:
    """Every figure of a period on one basis: scope, indicator, value (exact decimal)."""
    query = (
        select(m.Entity.code, m.Indicator.code, cast(m.ConsolidatedFigure.value, String))
        .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .where(m.Period.code == period.code, m.ConsolidatedFigure.basis == basis)
    )
    schema = {"scope": pl.Utf8, "indicator": pl.Utf8, "value": pl.Utf8}
    return frame_of(session, query, schema).with_columns(pl.col("value").cast(VALUE_DTYPE))


def stored_figure(
    session: Session, period: Period, scope: str, indicator: str, bases: tuple[str, ...]
) -> StoredFigure | None:
    """A figure of a scope and period, on the first of `bases` it exists on, with its observation ids."""
    for basis in bases:
        row = session.execute(
            select(m.ConsolidatedFigure.id, m.ConsolidatedFigure.value, m.ConsolidatedFigure.method)
            .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
            .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
            .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
            .where(
                m.Period.code == period.code,
                m.Entity.code == scope,
                m.Indicator.code == indicator,
                m.ConsolidatedFigure.basis == basis,
            )
        ).first()
        if row:
            ids = session.scalars(
                select(m.FigureSource.observation_id)
                .where(m.FigureSource.figure_id == row[0])
                .order_by(m.FigureSource.observation_id)
            ).all()
            return StoredFigure(scope, indicator, basis, row[1], row[2], tuple(ids))
    return None


def observations_by_id(session: Session, ids: list[int]) -> pl.DataFrame:
    """Observations with where they came from: entity, indicator, value, as reported, version, file, sheet, cell,
    and whether the reporter marked them estimated."""
    query = (
        select(
            m.Observation.id,
            m.Entity.code,
            m.Indicator.code,
            cast(m.Observation.value, String),
            m.Observation.original_value,
            m.Observation.original_unit,
            m.Submission.version,
            m.Submission.file_name,
            m.Observation.sheet,
            m.Observation.cell,
            m.Observation.estimated,
        )
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .where(m.Observation.id.in_(ids))
    )
    schema = {
        "observation_id": pl.Int64,
        "entity": pl.Utf8,
        "indicator": pl.Utf8,
        "value": pl.Utf8,
        "original_value": pl.Utf8,
        "original_unit": pl.Utf8,
        "version": pl.Int64,
        "file": pl.Utf8,
        "sheet": pl.Utf8,
        "cell": pl.Utf8,
        "estimated": pl.Boolean,
    }
    return frame_of(session, query, schema).with_columns(pl.col("value").cast(VALUE_DTYPE)).sort("observation_id")


def figure_sources(session: Session, period: Period, scope: str, basis: str) -> pl.DataFrame:
    """(indicator, observation_id) of every figure of a scope and period on one basis."""
    query = (
        select(m.Indicator.code, m.FigureSource.observation_id)
        .join(m.ConsolidatedFigure, m.ConsolidatedFigure.id == m.FigureSource.figure_id)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .where(m.Period.code == period.code, m.Entity.code == scope, m.ConsolidatedFigure.basis == basis)
    )
    return frame_of(session, query, {"indicator": pl.Utf8, "observation_id": pl.Int64})


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


def grant_for_token(session: Session, token_hash: str) -> AccessRecord | None:
    """The active grant a token's hash belongs to, or None (unknown or revoked)."""
    row = session.execute(
        select(m.AccessGrant.id, m.AccessGrant.email, m.Entity.code)
        .outerjoin(m.Entity, m.Entity.id == m.AccessGrant.entity_id)
        .where(m.AccessGrant.token_hash == token_hash, m.AccessGrant.revoked_at.is_(None))
    ).first()
    return AccessRecord(row[0], row[1], row[2]) if row else None


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
    found: dict[int, list[Finding]] = {}
    if rows:
        stored = session.execute(
            select(m.Finding).where(m.Finding.submission_id.in_([r[0] for r in rows])).order_by(m.Finding.id)
        ).scalars()
        for f in stored:
            found.setdefault(f.submission_id or 0, []).append(
                Finding(
                    rule=f.rule,
                    severity=f.severity,  # type: ignore[arg-type]
                    message=f.message,
                    indicators=tuple(f.indicators or ()),
                    entity=entity,
                    period=period.code,
                    sheet=f.sheet,
                    cell=f.cell,
                    expected=f.expected,
                    actual=f.actual,
                )
            )
    return [
        SubmissionRecord(version, status, _utc(received) or received, name, archived, tuple(found.get(sid, ())))
        for sid, version, status, received, name, archived in rows
    ]


def portal_events(session: Session, limit: int = 200) -> list[PortalEvent]:
    """The newest portal audit rows, newest first."""
    rows = session.scalars(select(m.PortalEvent).order_by(m.PortalEvent.id.desc()).limit(limit))
    return [
        PortalEvent(r.action, r.outcome, r.client, r.email, r.entity, r.period, r.version, r.detail, _utc(r.at))
        for r in rows
    ]


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
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(m.Period.code == period.code)
        .order_by(m.Entity.code, arrived, m.Submission.version)
    )
    if entity is not None:
        query = query.where(m.Entity.code == entity)
    return [SubmissionVersion(e, v, s, _utc(a) or a, f, h) for e, v, s, a, f, h in session.execute(query)]


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
    return [AuditRecord(_utc(row[0]) or row[0], *row[1:]) for row in session.execute(query)]


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
    return SignoffRecord(period.code, row[0], _utc(row[1]) or row[1], row[2], list(row[3]), dict(row[4]))


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
        )
        .join(m.Period, m.Period.id == m.Cycle.period_id)
        .outerjoin(m.PeriodSignoff, m.PeriodSignoff.period_id == m.Cycle.period_id)
        .order_by(m.Period.starts_on, m.Period.ends_on)
    )
    if period is not None:
        query = query.where(m.Period.code == period.code)
    return [
        CycleRecord(row[0], row[1], row[2], _utc(row[3]) or row[3], _utc(row[4]), row[5], _utc(row[6]))
        for row in session.execute(query)
    ]


def observations_of_versions(session: Session, period: Period, versions: list[tuple[str, int]]) -> pl.DataFrame:
    """Reported values of the named (entity, version) returns of a period, in the shape of accepted_observations."""
    wanted = {(e, v) for e, v in versions}
    query = (
        select(
            m.Observation.id,
            m.Entity.code,
            m.Indicator.code,
            m.Submission.version,
            cast(m.Observation.value, String),
        )
        .join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(
            m.Period.code == period.code,
            m.Entity.code.in_(sorted({e for e, _ in wanted})),
            m.Observation.value.is_not(None),  # not reported stays not reported, never zero
        )
    )
    schema = {
        "observation_id": pl.Int64,
        "entity": pl.Utf8,
        "indicator": pl.Utf8,
        "version": pl.Int64,
        "value": pl.Utf8,
    }
    keep = pl.DataFrame(
        [(e, v) for e, v in sorted(wanted)], schema={"entity": pl.Utf8, "version": pl.Int64}, orient="row"
    )
    return (
        frame_of(session, query, schema)
        .join(keep, on=["entity", "version"], how="semi")
        .select("observation_id", "entity", "indicator", pl.col("value").cast(VALUE_DTYPE))
        .sort("observation_id")
    )
