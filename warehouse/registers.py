"""The registers' rows: stored with their submission, and read back as each entity's rows of a period."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, union
from sqlalchemy.orm import Session

from esgflow.cycle.states import ACCEPTED
from esgflow.periods import Period
from esgflow.registers import RegisterRow
from esgflow.warehouse import models as m
from esgflow.warehouse.submissions import newest_versions


def insert_rows(session: Session, submission_id: int, rows: Sequence[RegisterRow]) -> None:
    """The filled rows of a submission's registers, in the transaction that stores the submission."""
    if rows:
        session.execute(
            insert(m.RegisterRow.__table__),
            [
                {
                    "submission_id": submission_id,
                    "table_name": r.table,
                    "sheet": r.sheet,
                    "row_number": r.row,
                    "cells": dict(r.cells),
                }
                for r in rows
            ],
        )


def submission_rows(session: Session, submission_id: int) -> list[RegisterRow]:
    """The rows one submission stored, register by register, in sheet order."""
    query = (
        select(m.RegisterRow)
        .where(m.RegisterRow.submission_id == submission_id)
        .order_by(m.RegisterRow.table_name, m.RegisterRow.row_number)
    )
    return [RegisterRow(r.table_name, r.sheet, r.row_number, dict(r.cells)) for r in session.scalars(query)]


def period_rows(session: Session, period: Period, basis: str | None = None) -> list[tuple[str, int, RegisterRow]]:
    """(entity, version, row) of the return each entity's figures of the period stand on: the version the
    consolidated figures of `basis` were computed from (their sources: the newest accepted, or the
    approved one a restatement chose), else, for an entity none of them rests on, its newest accepted return."""
    newest = newest_versions(period, ACCEPTED)
    chosen = dict(session.execute(select(newest.c.entity_id, newest.c.id).select_from(newest)).tuples().all())
    if basis is not None:
        kept = (  # figures consolidated before migration 0032, or whose sources could not be derived
            select(m.Observation.entity_id, m.Observation.submission_id)
            .join(m.FigureSource, m.FigureSource.observation_id == m.Observation.id)
            .join(m.ConsolidatedFigure, m.ConsolidatedFigure.id == m.FigureSource.figure_id)
            .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
            .where(m.Period.code == period.code, m.ConsolidatedFigure.basis == basis)
        )
        read = (
            select(m.Submission.entity_id, m.Submission.id)
            .join(m.ConsolidationInput, m.ConsolidationInput.submission_id == m.Submission.id)
            .join(m.Period, m.Period.id == m.ConsolidationInput.period_id)
            .where(m.Period.code == period.code, m.ConsolidationInput.basis == basis)
        )
        chosen |= dict(session.execute(union(kept, read)).tuples().all())
    query = (
        select(m.Entity.code, m.Submission.version, m.RegisterRow)
        .join(m.Submission, m.Submission.id == m.RegisterRow.submission_id)
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .where(m.RegisterRow.submission_id.in_(list(chosen.values())))
        .order_by(m.RegisterRow.table_name, m.Entity.code, m.RegisterRow.row_number)
    )
    return [
        (code, version, RegisterRow(r.table_name, r.sheet, r.row_number, dict(r.cells)))
        for code, version, r in session.execute(query).tuples()
    ]
