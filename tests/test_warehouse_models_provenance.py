"""The consolidation_input, consolidation_member and consolidation_feed tables (esgflow.warehouse.models_provenance):
a consolidation's provenance as one row per submission read, one per (scope, member) of the tree it used and one
per (indicator, feeding indicator)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import P2024, record_values


def test_a_submission_is_an_input_once_per_period_and_basis_and_a_feed_and_a_member_once_per_pair(
    settings: Settings,
) -> None:
    init_warehouse(settings)
    submission_id = record_values(settings, "SAMI", "p1", {"env_diesel": Decimal(1)}).submission_id
    with db.session_scope(settings.database_url) as s:
        period_id = db.ensure_period(s, P2024)
        ids = db.code_ids(s, "indicator")
        s.add(m.ConsolidationInput(period_id=period_id, basis="computed", submission_id=submission_id))
        s.add(m.ConsolidationInput(period_id=period_id, basis="computed_restated", submission_id=submission_id))
        pair = {"indicator_id": ids["env_fuel_total"], "source_id": ids["env_diesel"]}
        s.add(m.ConsolidationFeed(period_id=period_id, basis="computed", **pair))
        s.commit()
        assert s.scalars(select(m.ConsolidationInput.basis).order_by(m.ConsolidationInput.basis)).all() == [
            "computed",
            "computed_restated",
        ]
        s.add(m.ConsolidationFeed(period_id=period_id, basis="computed", **pair))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        entities = db.code_ids(s, "entity")
        member = {"period_id": period_id, "basis": "computed", "scope_id": entities["HQ"]}
        s.add(m.ConsolidationMember(**member, member_id=entities["SAMI"]))
        s.add(m.ConsolidationMember(**member, member_id=entities["HQ"]))
        s.commit()
        s.add(m.ConsolidationMember(**member, member_id=entities["SAMI"]))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        tables = ("consolidation_input", "consolidation_member", "consolidation_feed")
        names = {t: inspect(s.get_bind()).get_pk_constraint(t)["name"] for t in tables}
    if settings.database_url.startswith("postgresql"):  # SQLite keeps no name for a primary key
        assert names == {t: f"pk_{t}" for t in tables}
