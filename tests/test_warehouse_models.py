"""The warehouse tables (esgflow.warehouse.models): natural keys, defaults and cascades, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.db import ensure_period
from esgflow.warehouse.trail import record_audit
from esgflow.warehouse.types import Quantity

P2025 = parse_period("2025")


def _ids(settings: Settings) -> tuple[int, int, int]:
    """(entity SAMI, indicator env_diesel, period 2025) of an initialised warehouse."""
    with db.session_scope(settings.database_url) as s:
        period_id = ensure_period(s, P2025)
        entity_id = s.scalars(select(m.Entity.id).filter_by(code="SAMI")).one()
        indicator_id = s.scalars(select(m.Indicator.id).filter_by(code="env_diesel")).one()
    return entity_id, indicator_id, period_id


def _submission(entity_id: int, period_id: int, version: int, content_hash: str) -> m.Submission:
    return m.Submission(
        entity_id=entity_id,
        period_id=period_id,
        version=version,
        content_hash=content_hash,
        file_name=f"{content_hash[:4]}.xlsx",
        status="accepted",
    )


def test_natural_keys_are_unique(settings: Settings) -> None:
    init_warehouse(settings)
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.add(
            m.Entity(
                code="HQ",
                name_zh="x",
                short_zh="x",
                name_en="x",
                kind="x",
                relation="x",
                country="CN",
                language="zh",
            )
        )


@pytest.mark.parametrize(("version", "content_hash"), [(1, "b" * 64), (2, "a" * 64)])
def test_a_submission_version_and_its_bytes_are_unique_per_entity_and_period(
    settings: Settings, version: int, content_hash: str
) -> None:
    init_warehouse(settings)
    entity_id, _, period_id = _ids(settings)
    with db.session_scope(settings.database_url) as s:
        s.add(_submission(entity_id, period_id, 1, "a" * 64))
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.add(_submission(entity_id, period_id, version, content_hash))


def test_the_same_version_may_exist_for_another_period(settings: Settings) -> None:
    init_warehouse(settings)
    entity_id, _, period_id = _ids(settings)
    with db.session_scope(settings.database_url) as s:
        other = ensure_period(s, parse_period("2024"))
        s.add_all([_submission(entity_id, period_id, 1, "a" * 64), _submission(entity_id, other, 1, "a" * 64)])
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Submission)) == 2


def test_received_at_defaults_to_the_database_time(settings: Settings) -> None:
    init_warehouse(settings)
    entity_id, _, period_id = _ids(settings)
    with db.session_scope(settings.database_url) as s:
        s.add(_submission(entity_id, period_id, 1, "a" * 64))
    with db.session_scope(settings.database_url) as s:
        received = s.scalars(select(m.Submission.received_at)).one()
    assert isinstance(received, datetime)


def test_deleting_a_figure_deletes_its_provenance(settings: Settings) -> None:
    init_warehouse(settings)
    entity_id, indicator_id, period_id = _ids(settings)
    with db.session_scope(settings.database_url) as s:
        sub = _submission(entity_id, period_id, 1, "a" * 64)
        s.add(sub)
        s.flush()
        obs = m.Observation(
            submission_id=sub.id,
            entity_id=entity_id,
            period_id=period_id,
            indicator_id=indicator_id,
            value=Decimal("1"),
            source_file="a.xlsx",
        )
        figure = m.ConsolidatedFigure(
            entity_id=entity_id,
            period_id=period_id,
            indicator_id=indicator_id,
            basis="computed",
            value=Decimal("1"),
            method="sum of 1 observations",
        )
        s.add_all([obs, figure])
        s.flush()
        s.add(m.FigureSource(figure_id=figure.id, observation_id=obs.id))
    with db.session_scope(settings.database_url) as s:
        s.execute(delete(m.ConsolidatedFigure))  # the database, not the ORM, removes the sources
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.FigureSource)) == 0
        assert s.scalar(select(func.count()).select_from(m.Observation)) == 1


def test_observation_value_may_be_none_but_a_figure_value_may_not(settings: Settings) -> None:
    assert m.Observation.__table__.c.value.nullable is True  # 'not reported' is stored as NULL
    assert m.ConsolidatedFigure.__table__.c.value.nullable is False
    init_warehouse(settings)
    entity_id, indicator_id, period_id = _ids(settings)
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.add(
            m.ConsolidatedFigure(
                entity_id=entity_id, period_id=period_id, indicator_id=indicator_id, basis="computed", method="x"
            )
        )


def test_every_decimal_column_is_an_exact_quantity() -> None:
    decimals = {
        f"{table.name}.{column.name}"
        for table in m.Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Quantity)
    }
    assert decimals == {
        "factor.value",
        "observation.value",
        "observation_split.value",
        "finding.expected",
        "finding.actual",
        "consolidated_figure.value",
        "baseline.value",
        "target.base_value",
        "target.target_value",
    }


def test_entity_links_name_their_entity_and_parent(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        links = s.scalars(select(m.EntityLink).join(m.EntityLink.entity).where(m.Entity.code == "CSSI")).all()
        assert sorted((link.parent.code, link.valid_from.year) for link in links if link.parent) == [
            ("CINF", 2024),
            ("HQ", 1900),
        ]
        root = s.scalars(select(m.EntityLink).join(m.EntityLink.entity).where(m.Entity.code == "HQ")).one()
        assert root.parent is None


def test_audit_rows_cannot_be_changed_or_deleted(settings: Settings) -> None:
    """The trail is append-only in the database itself (triggers of migration 0010), not only in the code."""
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        record_audit(s, "approved", "Wang Li", P2025, entity="SAMI", version=1, state="approved")
    for change in (
        update(m.AuditEvent).values(actor="someone else"),
        update(m.AuditEvent).values(reason="rewritten"),
        delete(m.AuditEvent),
    ):
        with pytest.raises(DatabaseError, match="append-only"), db.session_scope(settings.database_url) as s:
            s.execute(change)
    with db.session_scope(settings.database_url) as s:
        assert s.execute(select(m.AuditEvent.actor, m.AuditEvent.reason)).all() == [("Wang Li", None)]
        record_audit(s, "excused", "Wang Li", P2025, entity="KMSI", state="excused", reason="closed")
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == 2  # appending still works
    if settings.database_url.startswith("postgresql"):
        with pytest.raises(DatabaseError, match="append-only"), db.session_scope(settings.database_url) as s:
            s.execute(text("TRUNCATE audit_event"))
