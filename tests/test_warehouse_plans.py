"""Base years and targets in the warehouse (esgflow.warehouse.plans) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.records import TargetRecord
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.plans import add_target, baselines, set_baseline, targets


def test_a_base_year_is_set_and_moved_and_targets_keep_exact_milestones(settings: Settings) -> None:
    init_warehouse(settings)
    target = TargetRecord(
        "env_ghg_total", "group", "absolute", 2022, Decimal("1000.5"), 2030, Decimal(600),
        {2028: Decimal("700.25"), 2025: Decimal("850.125")}, "Wang Li",
    )  # fmt: skip
    with db.session_scope(settings.database_url) as s:
        assert set_baseline(s, "env_ghg_total", 2022, Decimal("1000.5"), "Wang Li") is None
        add_target(s, target)
    with db.session_scope(settings.database_url) as s:
        before = set_baseline(s, "env_ghg_total", 2023, None, "Zhang Wei")
        assert before is not None and (before.year, before.value, before.set_by) == (2022, Decimal("1000.5"), "Wang Li")
    with db.session_scope(settings.database_url) as s:
        [base] = baselines(s)
        assert (base.code, base.year, base.value, base.set_by) == ("env_ghg_total", 2023, None, "Zhang Wei")
        [kept] = targets(s)
        assert kept == TargetRecord(
            **{**target.__dict__, "milestones": {2025: Decimal("850.125"), 2028: Decimal("700.25")}}
        )
    with db.session_scope(settings.database_url) as s:
        assert add_target(s, target) is False  # one target per metric, scope and target year
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.add(m.Target(**{**target.__dict__, "milestones": {}, "added_by": "x"}))  # the key stands behind it
