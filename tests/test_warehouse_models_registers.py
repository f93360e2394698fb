"""The register_row table (esgflow.warehouse.models_registers): one row per submission, register and sheet row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import record_values


def test_a_row_is_kept_once_per_submission_register_and_row_with_its_cells_as_text(settings: Settings) -> None:
    init_warehouse(settings)
    submission_id = record_values(settings, "SAMI", "r1", {"env_diesel": Decimal(1)}).submission_id
    cells = {"name": "北京总部", "latitude": "39.904200", "operational_control": "yes"}
    with db.session_scope(settings.database_url) as s:
        s.add(
            m.RegisterRow(
                submission_id=submission_id, table_name="sites", sheet="场所 Sites", row_number=5, cells=cells
            )
        )
        s.commit()
        assert s.scalar(select(m.RegisterRow.cells)) == cells  # the trailing zeros stay: text, never a float
        s.add(
            m.RegisterRow(submission_id=submission_id, table_name="sites", sheet="场所 Sites", row_number=5, cells={})
        )
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
