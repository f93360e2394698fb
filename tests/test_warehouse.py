"""The warehouse on SQLite and on a real PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from esgflow import jobs
from esgflow.config import Settings
from esgflow.observations import ObservationIn, accepted_observations, record_submission
from warehouse import db
from warehouse import models as m


def test_migrations_build_exactly_the_models(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.engine_for(settings.database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), m.Base.metadata)
    assert diff == []


def test_init_loads_reference_data_and_is_safe_to_rerun(settings: Settings) -> None:
    first = jobs.init_warehouse(settings)
    second = jobs.init_warehouse(settings)
    assert first == second
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Indicator)) == first.indicators == 126
        assert s.scalar(select(func.count()).select_from(m.Entity)) == 33
        assert s.scalar(select(func.count()).select_from(m.EntityLink)) == 34
        assert s.scalar(select(func.count()).select_from(m.Contact)) == 33
        factor = s.scalars(select(m.Factor).filter_by(code="sce_diesel")).one()
        assert factor.value == Decimal("1.4571") and "GB/T 2589" in factor.source


@pytest.mark.parametrize("text", ["4094380.30", "7.17E-8", "0.0192", "12327323.56", "100"])
def test_quantities_keep_their_exact_digits(settings: Settings, text: str) -> None:
    jobs.init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        day = date(2000, 1, 1)
        s.add(
            m.Factor(
                code="t",
                value=Decimal(text),
                unit="t",
                source="test",
                valid_from=day,
                valid_to=day,
                looked_up=day,
            )
        )
    with db.session_scope(settings.database_url) as s:
        stored = s.scalars(select(m.Factor.value).filter_by(code="t")).one()
    assert stored == Decimal(text) and format(stored, "f") == format(Decimal(text), "f")


def test_natural_keys_are_unique(settings: Settings) -> None:
    jobs.init_warehouse(settings)
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


def _record(settings: Settings, content_hash: str, value: str | None, status: str = "accepted"):
    with db.session_scope(settings.database_url) as s:
        return record_submission(
            s,
            entity="SAMI",
            period="2025",
            content_hash=content_hash,
            file_name=f"{content_hash}.xlsx",
            status=status,
            observations=[
                ObservationIn("env_diesel", None if value is None else Decimal(value), sheet="环境", cell="D5")
            ],
        )


def test_submissions_are_versioned_and_duplicates_change_nothing(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    first = _record(settings, "a" * 64, "10")
    again = _record(settings, "a" * 64, "10")
    second = _record(settings, "b" * 64, "12.5")
    rejected = _record(settings, "c" * 64, "99", status="rejected")
    assert (first.version, again.duplicate, again.version, second.version, rejected.version) == (
        1,
        True,
        1,
        2,
        3,
    )
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, "2025")
        assert frame["value"].to_list() == [Decimal("12.5")]  # newest accepted version only
        old = s.execute(
            select(m.Observation.value, m.Observation.cell).join(m.Submission).where(m.Submission.version == 1)
        ).one()
        assert old == (Decimal("10"), "D5")  # the old version stays queryable


def test_not_reported_is_never_a_zero(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    _record(settings, "d" * 64, None)
    with db.session_scope(settings.database_url) as s:
        assert accepted_observations(s, "2025").is_empty()
        assert s.scalars(select(m.Observation.value)).one() is None
