"""The consolidation_input and consolidation_feed tables (esgflow.warehouse.models_provenance): a consolidation's
provenance as one row per submission read and one per (indicator, feeding indicator)."""

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


def test_a_submission_is_an_input_once_per_period_and_basis_and_a_feed_once_per_pair(settings: Settings) -> None:
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
        names = {
            t: inspect(s.get_bind()).get_pk_constraint(t)["name"] for t in ("consolidation_input", "consolidation_feed")
        }
    if settings.database_url.startswith("postgresql"):  # SQLite keeps no name for a primary key
        assert names == {"consolidation_input": "pk_consolidation_input", "consolidation_feed": "pk_consolidation_feed"}
