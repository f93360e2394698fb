"""Reads and writes of base years and targets (issue 28.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow.records import BaselineRecord, TargetRecord
from esgflow.warehouse import models as m


def _baseline(row: m.Baseline) -> BaselineRecord:
    return BaselineRecord(row.code, row.year, row.value, row.set_by, row.set_at)


def baselines(session: Session) -> list[BaselineRecord]:
    """Every metric's base year, by code."""
    return [_baseline(r) for r in session.execute(select(m.Baseline).order_by(m.Baseline.code)).scalars()]


def set_baseline(session: Session, code: str, year: int, value: Decimal | None, by: str) -> BaselineRecord | None:
    """Set (or move) a metric's base year with its figure of that year; returns the base year it replaced."""
    row = session.execute(select(m.Baseline).where(m.Baseline.code == code)).scalar_one_or_none()
    before = None if row is None else _baseline(row)
    if row is None:
        row = m.Baseline(code=code)
        session.add(row)
    row.year, row.value, row.set_by, row.set_at = year, value, by, datetime.now(UTC)
    session.flush()
    return before


def _target(row: m.Target) -> TargetRecord:
    milestones = {int(year): Decimal(str(value)) for year, value in (row.milestones or {}).items()}
    return TargetRecord(
        row.code,
        row.scope,
        row.kind,
        row.base_year,
        row.base_value,
        row.target_year,
        row.target_value,
        dict(sorted(milestones.items())),
        row.added_by,
    )


def targets(session: Session) -> list[TargetRecord]:
    """Every target, by metric, scope and target year."""
    rows = session.execute(select(m.Target).order_by(m.Target.code, m.Target.scope, m.Target.target_year))
    return [_target(r) for r in rows.scalars()]


def add_target(session: Session, target: TargetRecord) -> bool:
    """Keep a target; False (and nothing kept) when the metric already has one for that scope and year."""
    exists = session.execute(
        select(m.Target.id).where(
            m.Target.code == target.code, m.Target.scope == target.scope, m.Target.target_year == target.target_year
        )
    ).first()
    if exists is not None:
        return False
    session.add(
        m.Target(
            code=target.code,
            scope=target.scope,
            kind=target.kind,
            base_year=target.base_year,
            base_value=target.base_value,
            target_year=target.target_year,
            target_value=target.target_value,
            # JSON keeps text: a Decimal as its exact digits
            milestones={str(year): str(value) for year, value in target.milestones.items()},
            added_by=target.added_by,
        )
    )
    session.flush()  # two writers at once: the unique key refuses the second
    return True
