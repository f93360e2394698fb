"""The registers' rows: stored with their submission, and read back as each entity's rows of a period."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
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


def period_rows(session: Session, period: Period) -> list[tuple[str, int, RegisterRow]]:
    """(entity, version, row) of each entity's newest accepted return of a period: the version its figures
    are consolidated from, so the registers and the figures stand on the same returns."""
    newest = newest_versions(period, ACCEPTED)
    query = (
        select(m.Entity.code, newest.c.version, m.RegisterRow)
        .join(newest, newest.c.id == m.RegisterRow.submission_id)
        .join(m.Entity, m.Entity.id == newest.c.entity_id)
        .order_by(m.RegisterRow.table_name, m.Entity.code, m.RegisterRow.row_number)
    )
    return [
        (code, version, RegisterRow(r.table_name, r.sheet, r.row_number, dict(r.cells)))
        for code, version, r in session.execute(query).tuples()
    ]
