"""The tables of what the report answers beyond figures (esgflow.warehouse.models_answers): one row per natural key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.db import ensure_period


def _target(year: int) -> m.Target:
    return m.Target(
        code="env_ghg_total", scope="group", kind="absolute", base_year=2024, base_value=Decimal("100.5"),
        target_year=year, target_value=Decimal(80), milestones={"2027": "90"}, added_by="Wang Li",
    )  # fmt: skip


def test_answers_are_kept_once_per_natural_key_with_exact_quantities(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        period_id = ensure_period(s, parse_period("2026"))
        s.add(_target(2030))
        s.add(m.Baseline(code="env_ghg_total", year=2024, value=Decimal("35442.17"), set_by="Wang Li"))
        s.add(
            m.Scope3Screening(
                period_id=period_id,
                category=6,
                relevant=True,
                reason="site travel",
                method="distance-based",
                screened_by="Li Wei",
                screened_at=datetime(2027, 1, 5, tzinfo=UTC),
            )
        )
    with db.session_scope(settings.database_url) as s:
        assert s.scalars(select(m.Baseline.value)).one() == Decimal("35442.17")  # Numeric: no float on the way
        assert s.scalars(select(m.Target.base_value)).one() == Decimal("100.5")
        assert s.scalars(select(m.Scope3Screening.approved_by)).one() is None  # screened, not yet approved
    for duplicate in (_target(2030), m.Baseline(code="env_ghg_total", year=2025, value=None, set_by="Zhang Wei")):
        with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
            s.add(duplicate)
    with db.session_scope(settings.database_url) as s:
        s.add(_target(2035))  # another target year of the same metric is another target
        assert len(s.scalars(select(m.Target)).all()) == 2
