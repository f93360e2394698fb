"""Consolidated and published figures: the group's figures, their sources and estimates, the factor set a
period is pinned to, and restatements (reads and writes together).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.orm import Session, aliased

from esgflow.cycle.states import ACCEPTED
from esgflow.periods import Period
from esgflow.records import (
    RestatementRecord,
    StoredFigure,
)
from esgflow.warehouse import models as m
from esgflow.warehouse.db import (
    as_utc,
    bulk_insert,
    code_frame,
    code_ids,
    driver_value,
    ensure_period,
    frame_of,
    upsert,
)
from esgflow.warehouse.provenance import Inputs, closure, derivable, replace_inputs, sources_of

if TYPE_CHECKING:  # polars is imported where a frame is made: `status` reads no frames
    import polars as pl

# (indicator, period, basis) -> value of a group figure
GroupFigures = dict[tuple[str, str, str], Decimal]


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


def estimated_sources(session: Session, root: str, periods: list[Period]) -> dict[tuple[str, str, str], list[str]]:
    """(indicator, period, basis) -> the entities, in code order, whose estimated figures a group figure
    was computed from (its sources), for every group figure that rests on at least one."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for period in periods:
        f, reporter = m.ConsolidatedFigure, aliased(m.Entity)
        sources = sources_of(period, f.entity_id == select(m.Entity.id).where(m.Entity.code == root).scalar_subquery())
        rows = session.execute(
            select(m.Indicator.code, f.basis, reporter.code)
            .distinct()
            .select_from(sources)
            .join(f, f.id == sources.c.figure_id)
            .join(m.Observation, m.Observation.id == sources.c.observation_id)
            .join(reporter, reporter.id == m.Observation.entity_id)
            .join(m.Indicator, m.Indicator.id == f.indicator_id)
            .where(m.Observation.estimated, m.Observation.value.is_not(None))
        )
        for code, basis, entity in rows:
            found.setdefault((code, period.code, basis), []).append(entity)
    return {key: sorted(entities) for key, entities in found.items()}


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
    last = as_utc(computed)
    return last is None or as_utc(newest_accepted) >= last  # type: ignore[operator]


def pinned_factor_set(session: Session, period: Period) -> tuple[int, dict[str, Any]] | None:
    """The factor set a period's figures are computed with (id, content), or None before its first consolidation."""
    row = session.execute(
        select(m.FactorSet.id, m.FactorSet.content)
        .join(m.PeriodFactorPin, m.PeriodFactorPin.factor_set_id == m.FactorSet.id)
        .join(m.Period, m.Period.id == m.PeriodFactorPin.period_id)
        .where(m.Period.code == period.code)
    ).first()
    return (row[0], row[1]) if row else None


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
        RestatementRecord(p, n, r, as_utc(at) or at, list(c), bool(s), None if u is None else list(u))
        for p, n, r, at, c, s, u in rows
    ]


def stored_figures(session: Session, period: Period, basis: str) -> pl.DataFrame:
    """Every figure of a period on one basis: scope, indicator, value (exact decimal)."""
    import polars as pl

    from esgflow.decimals import VALUE_DTYPE

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
            sources = sources_of(period, m.ConsolidatedFigure.id == row[0])
            ids = session.scalars(select(sources.c.observation_id).distinct().order_by(sources.c.observation_id)).all()
            return StoredFigure(scope, indicator, basis, row[1], row[2], tuple(ids))
    return None


def figure_sources(session: Session, period: Period, scope: str, basis: str) -> pl.DataFrame:
    """(indicator, observation_id) of every figure of a scope and period on one basis."""
    import polars as pl

    f = m.ConsolidatedFigure
    scope_id = select(m.Entity.id).where(m.Entity.code == scope).scalar_subquery()
    sources = sources_of(period, f.entity_id == scope_id, f.basis == basis)
    query = (
        select(m.Indicator.code, sources.c.observation_id)
        .distinct()
        .select_from(sources)
        .join(f, f.id == sources.c.figure_id)
        .join(m.Indicator, m.Indicator.id == f.indicator_id)
    )
    return frame_of(session, query, {"indicator": pl.Utf8, "observation_id": pl.Int64})


def replace_computed_figures(
    session: Session, period: Period, figures: pl.DataFrame, basis: str = "computed", inputs: Inputs | None = None
) -> None:
    """Replace a period's computed figures (or its restated ones) and their provenance, in bulk.

    figures: scope, indicator, value (the exact decimal's text, as `consolidate.storable`
    writes it), method, observation_ids (list of observation ids). Old figures and their
    provenance go in set-based DELETEs; the new figures go in bulk, without RETURNING
    (`_insert_figures`). With the consolidation's `inputs`, provenance is stored small
    (esgflow.warehouse.provenance): its input submissions and each indicator's feeds, from
    which every figure's ids are derived again; only the figures of an indicator for which
    that would not give back exactly the ids listed keep a figure_source row per id, as every
    figure does without `inputs`.
    """
    import polars as pl

    period_id = ensure_period(session, period)
    figure, source = m.ConsolidatedFigure.__table__, m.FigureSource.__table__  # Core: no ORM bookkeeping per row
    computed = (figure.c.period_id == period_id) & (figure.c.basis == basis)
    session.execute(delete(source).where(source.c.figure_id.in_(select(figure.c.id).where(computed))))
    session.execute(delete(figure).where(computed))
    kept = set(figures["indicator"].unique())  # the unique first: 1.5 million figures at 10,000 entities
    feeds, used = pl.DataFrame(schema={"indicator": pl.Utf8, "source": pl.Utf8}), []
    read = pl.DataFrame(schema={"entity": pl.Utf8, "submission_id": pl.Int64})
    tree = pl.DataFrame(schema={"entity": pl.Utf8, "scope": pl.Utf8})
    if inputs is not None and not figures.is_empty():
        (feeds, kept, used), read, tree = derivable(figures, inputs), inputs.submissions, closure(inputs.parents)
    replace_inputs(session, period_id, basis, feeds, read.filter(pl.col("entity").is_in(used)), tree)
    if figures.is_empty():
        return
    keyed = figures.join(code_frame(session, "entity", "scope"), on="scope", how="left").join(
        code_frame(session, "indicator"), on="indicator", how="left"
    )
    unknown = keyed.filter(pl.col("entity_id").is_null() | pl.col("indicator_id").is_null())
    if not unknown.is_empty():
        row = unknown.row(0, named=True)
        raise KeyError(f"no entity or indicator for ({row['scope']}, {row['indicator']}) in the warehouse")
    now = driver_value(session, figure.c.computed_at, datetime.now(UTC))  # compared with received_at: same clock
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
    kept_ids = code_frame(session, "indicator").filter(pl.col("indicator").is_in(sorted(kept)))["indicator_id"]
    stored = _insert_figures(session, rows, period_id, basis, kept_ids.to_list())
    sources = (
        stored.select("figure_id", pl.col("observation_ids").alias("observation_id"))
        .explode("observation_id")
        .drop_nulls("observation_id")
        .sort("figure_id", "observation_id")  # in the order of figure_source's primary key
    )
    bulk_insert(session, source, sources)


def _insert_figures(
    session: Session, rows: pl.DataFrame, period_id: int, basis: str, wanted: list[int]
) -> pl.DataFrame:
    """Insert computed figures in bulk; the rows of the indicators `wanted` (ids) come back with their ids
    (`figure_id`): only those need them, for their figure_source rows.

    SQLite: the ids are the next rowids, given here: the transaction holds the database's
    only write lock since its DELETE, so no other writer can take them. Elsewhere the
    database gives the ids, and one SELECT on the natural key (entity, period, indicator,
    basis) reads back those of the wanted indicators (not 1.5 million at 10,000 entities).
    """
    import polars as pl

    figure = m.ConsolidatedFigure.__table__
    columns = [c for c in rows.columns if c != "observation_ids"]
    if session.get_bind().dialect.name == "sqlite":
        first = (session.scalar(select(func.max(figure.c.id))) or 0) + 1
        rows = rows.with_columns(pl.int_range(first, first + rows.height, dtype=pl.Int64).alias("figure_id"))
        bulk_insert(session, figure, rows.select(pl.col("figure_id").alias("id"), *columns))
        return rows.filter(pl.col("indicator_id").is_in(wanted))
    bulk_insert(session, figure, rows.select(columns))
    ids = frame_of(
        session,
        select(figure.c.id, figure.c.entity_id, figure.c.indicator_id).where(
            figure.c.period_id == period_id, figure.c.basis == basis, figure.c.indicator_id.in_(wanted)
        ),
        {"figure_id": pl.Int64, "entity_id": pl.Int64, "indicator_id": pl.Int64},
    )
    return rows.filter(pl.col("indicator_id").is_in(wanted)).join(ids, on=["entity_id", "indicator_id"], how="inner")


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
    upsert(
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


def figures_with_sources(session: Session, period: Period, basis: str) -> pl.DataFrame:
    """Every figure of a period on one basis with its method and sources: scope, indicator, value (its decimal's
    text, as stored), method, observation_ids (sorted)."""
    import polars as pl

    figures = frame_of(
        session,
        select(
            m.ConsolidatedFigure.id,
            m.Entity.code,
            m.Indicator.code,
            cast(m.ConsolidatedFigure.value, String),
            m.ConsolidatedFigure.method,
        )
        .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .where(m.Period.code == period.code, m.ConsolidatedFigure.basis == basis),
        {"figure_id": pl.Int64, "scope": pl.Utf8, "indicator": pl.Utf8, "value": pl.Utf8, "method": pl.Utf8},
    )
    sources = sources_of(period, m.ConsolidatedFigure.basis == basis)
    sources = (
        frame_of(
            session,
            select(sources.c.figure_id, sources.c.observation_id),
            {"figure_id": pl.Int64, "observation_id": pl.Int64},
        )
        .unique()
        .group_by("figure_id")
        .agg(pl.col("observation_id").sort().alias("observation_ids"))
    )
    return (
        figures.join(sources, on="figure_id", how="left")
        .with_columns(pl.col("observation_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64))))
        .drop("figure_id")
        .sort("scope", "indicator")
    )
