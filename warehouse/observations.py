"""The values the returns reported: the newest accepted version's observations and splits, the notes
beside them, and the observations behind a figure (reads).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from esgflow.cycle.states import ACCEPTED
from esgflow.decimals import VALUE_DTYPE
from esgflow.periods import Period
from esgflow.records import (
    ReporterNote,
)
from esgflow.warehouse import models as m
from esgflow.warehouse.db import code_frame, frame_by_copy, frame_of
from esgflow.warehouse.submissions import in_newest_accepted, newest_versions


def accepted_observations(session: Session, period: Period) -> pl.DataFrame:
    """Reported values of each entity's newest accepted submission, by observation id.

    Columns: observation_id, entity, indicator, value (exact decimal). Figures reported as
    'not reported' are left out, so they can never be summed as zero. Values travel as
    text and become decimals in polars: no Python Decimal per figure.
    """
    query = select(
        m.Observation.id, m.Observation.entity_id, m.Observation.indicator_id, cast(m.Observation.value, String)
    ).where(
        m.Observation.submission_id.in_(select(newest_versions(period, ACCEPTED).c.id)),
        m.Observation.value.is_not(None),
    )
    schema = {"observation_id": pl.Int64, "entity_id": pl.Int64, "indicator_id": pl.Int64, "value": pl.Utf8}
    return (
        frame_by_copy(session, query, schema)  # ids and decimal texts: never null, never empty
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
    newest = select(newest_versions(period, ACCEPTED).c.id)
    return _splits(session, m.Observation.submission_id.in_(newest))


def splits_of(session: Session, observation_ids: list[int]) -> pl.DataFrame:
    """Split rows of some observations (the sources of a stored figure), as accepted_splits gives them."""
    return _splits(session, m.ObservationSplit.observation_id.in_(observation_ids))


def reporter_notes(session: Session, period: Period) -> list[ReporterNote]:
    """Notes written beside the figures of each entity's newest accepted submission."""
    query = in_newest_accepted(
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
