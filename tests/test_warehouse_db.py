"""Engines, sessions, schema upgrades and the shared helpers (esgflow.warehouse.db) on SQLite and a real PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, cast, func, select, text
from sqlalchemy.exc import IntegrityError

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.db import code_frame, code_ids, ensure_period

DAY = date(2020, 1, 1)


def _factor(code: str) -> m.Factor:
    return m.Factor(
        code=code, value=Decimal("1.5"), unit="t", source="test", valid_from=DAY, valid_to=DAY, looked_up=DAY
    )


def _factor_codes(url: str) -> list[str]:
    with db.session_scope(url) as s:
        return list(s.scalars(select(m.Factor.code).order_by(m.Factor.code)))


def test_migrations_build_exactly_the_models(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.engine_for(settings.database_url).connect() as conn:
        opts = {"compare_type": False, "include_object": db.compared(conn.dialect.name)}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), m.Base.metadata)
    assert diff == []


def test_upgrade_twice_changes_nothing_and_keeps_the_data(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.session_scope(settings.database_url) as s:
        s.add(_factor("kept"))
    db.upgrade(settings.database_url)
    assert _factor_codes(settings.database_url) == ["kept"]


def test_has_schema_tells_an_empty_database_from_an_initialised_one(settings: Settings) -> None:
    assert db.has_schema(settings.database_url) is False
    db.upgrade(settings.database_url)
    assert db.has_schema(settings.database_url) is True


def test_session_scope_commits_the_work_as_a_whole(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.session_scope(settings.database_url) as s:
        s.add_all([_factor("a"), _factor("b")])
    assert _factor_codes(settings.database_url) == ["a", "b"]


def test_session_scope_rolls_back_everything_on_an_error(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with pytest.raises(RuntimeError, match="halfway"), db.session_scope(settings.database_url) as s:
        s.add(_factor("a"))
        s.flush()  # the row has reached the database inside the transaction
        raise RuntimeError("halfway")
    assert _factor_codes(settings.database_url) == []


def test_session_factory_objects_stay_readable_after_commit(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    session = db.session_factory(settings.database_url)()
    try:
        row = _factor("read_after_commit")
        session.add(row)
        session.commit()
        session.close()
        assert (row.code, row.value) == ("read_after_commit", Decimal("1.5"))  # no reload needed
    finally:
        session.close()


def test_engine_for_gives_one_engine_per_url_until_disposed(settings: Settings) -> None:
    first = db.engine_for(settings.database_url)
    assert db.engine_for(settings.database_url) is first
    db.dispose(settings.database_url)
    again = db.engine_for(settings.database_url)
    assert again is not first
    with again.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1


def test_sqlite_engine_makes_its_folder_and_sets_its_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'w.sqlite3'}"
    try:
        with db.engine_for(url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert (tmp_path / "deep" / "er").is_dir()
    finally:
        db.dispose(url)


def test_sqlite_foreign_keys_are_enforced(sqlite_settings: Settings) -> None:
    db.upgrade(sqlite_settings.database_url)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.session_scope(sqlite_settings.database_url) as s:
        s.add(m.Contact(entity_id=999, name="x", email="x@example.com", language="zh"))
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Contact)) == 0


def test_display_url_masks_the_password() -> None:
    shown = db.display_url("postgresql+psycopg://esgflow:s3cret@db-host:5432/esgflow")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://esgflow:***@db-host:5432/esgflow"


def test_alembic_config_escapes_percent_signs_in_the_url() -> None:
    url = "postgresql+psycopg://esgflow:p%40ss@db-host/esgflow"
    cfg = db.alembic_config(url)
    assert cfg.get_main_option("sqlalchemy.url") == url
    assert cfg.get_main_option("script_location") == str(db.MIGRATIONS)


def test_an_unreachable_database_raises_a_transient_error() -> None:
    url = "postgresql+psycopg://esgflow:x@127.0.0.1:1/esgflow?connect_timeout=5"
    try:
        with pytest.raises(db.TRANSIENT_ERRORS):
            db.has_schema(url)
    finally:
        db.dispose(url)


def test_asking_a_missing_sqlite_file_for_its_schema_makes_no_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet' / 'esgflow.sqlite3'}"
    assert db.has_schema(url) is False
    assert not (tmp_path / "not-yet").exists()


def test_the_file_of_a_sqlite_url_and_none_for_other_databases(tmp_path: Path) -> None:
    assert db.sqlite_file(f"sqlite:///{tmp_path / 'w.sqlite3'}") == tmp_path / "w.sqlite3"
    assert db.sqlite_file("sqlite://") is None
    assert db.sqlite_file("postgresql+psycopg://esg@db-host/esgflow") is None


# -- the helpers the concerns share: ids of codes, frames, periods --


P2025 = parse_period("2025")


def test_code_ids_map_every_code_to_its_row(settings: Settings, catalog: Catalog, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        period_id = ensure_period(s, P2025)
        entities, indicators = code_ids(s, "entity"), code_ids(s, "indicator")
        periods = code_ids(s, "period")
    assert set(entities) == set(registry.codes)
    assert set(indicators) == {i.code for i in catalog.indicators}
    assert periods == {"2025": period_id}
    assert len(set(entities.values())) == len(entities)  # ids, one per code


def test_code_ids_know_only_the_keyed_tables(settings: Settings) -> None:
    init_warehouse(settings)
    with pytest.raises(KeyError), db.session_scope(settings.database_url) as s:
        code_ids(s, "submission")


def test_code_frame_is_code_ids_as_a_frame(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        frame, ids = code_frame(s, "indicator", "code"), code_ids(s, "indicator")
    assert frame.columns == ["code", "indicator_id"] and dict(frame.iter_rows()) == ids


def _count(settings: Settings, model: type[m.Base]) -> int:
    with db.session_scope(settings.database_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


# -- periods --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["2025", "2025-Q1", "2025-03"])
def test_ensure_period_makes_the_row_once(settings: Settings, code: str) -> None:
    init_warehouse(settings)
    period = parse_period(code)
    with db.session_scope(settings.database_url) as s:
        first = ensure_period(s, period)
    with db.session_scope(settings.database_url) as s:
        assert ensure_period(s, period) == first
        row = s.get_one(m.Period, first)
        assert (row.code, row.kind, row.starts_on, row.ends_on) == (code, period.kind, period.starts_on, period.ends_on)
        assert row.collection_opened_at is None
    assert _count(settings, m.Period) == 1


# -- the keys of consolidated_figure: foreign keys on SQLite, checked once per statement on PostgreSQL (0033) --------


def _figure_keys(settings: Settings) -> tuple[int, int, int]:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        return code_ids(s, "entity")["SAMI"], ensure_period(s, P2025), next(iter(code_ids(s, "indicator").values()))


def _figure(entity: int, period: int, indicator: int) -> dict[str, object]:
    return {
        "entity_id": entity,
        "period_id": period,
        "indicator_id": indicator,
        "basis": "computed",
        "value": Decimal("1.5"),
        "method": "sum",
    }


@pytest.mark.parametrize("missing", ["entity_id", "period_id", "indicator_id"])
def test_a_figure_naming_no_existing_entity_period_or_indicator_is_refused_whole(
    settings: Settings, missing: str
) -> None:
    keys = _figure_keys(settings)
    figure = m.ConsolidatedFigure.__table__
    good, bad = _figure(*keys), {**_figure(*keys), "basis": "published", missing: 999_999}
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(figure.insert(), [good, bad])  # one statement: the good row goes with the bad one
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(figure.insert(), [good])
        s.execute(figure.update().values({missing: 999_999}))
    assert _count(settings, m.ConsolidatedFigure) == 0
    with db.session_scope(settings.database_url) as s:
        s.execute(figure.insert(), [good])
    assert _count(settings, m.ConsolidatedFigure) == 1


@pytest.mark.parametrize("parent", [m.Entity, m.Period, m.Indicator])
def test_an_entity_period_or_indicator_a_figure_names_can_neither_go_nor_change_its_id(
    settings: Settings, parent: type[m.Entity | m.Period | m.Indicator]
) -> None:
    keys = _figure_keys(settings)
    named = dict(zip((m.Entity, m.Period, m.Indicator), keys, strict=True))[parent]
    with db.session_scope(settings.database_url) as s:
        s.execute(m.ConsolidatedFigure.__table__.insert(), [_figure(*keys)])
    table = parent.__table__
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(table.delete().where(table.c.id == named))
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(table.update().where(table.c.id == named).values(id=999_999))
    with db.session_scope(settings.database_url) as s:
        assert s.get(parent, named) is not None
        other = ensure_period(s, parse_period("2026"))  # a row no figure names goes
        s.execute(m.Period.__table__.update().where(m.Period.id == other).values(id=999_998))
        s.execute(m.Period.__table__.delete().where(m.Period.id == 999_998))
    assert _count(settings, m.Period) == 1 and _count(settings, m.ConsolidatedFigure) == 1


def test_a_figures_sources_go_with_it_and_a_source_must_name_an_existing_figure(settings: Settings) -> None:
    keys = _figure_keys(settings)
    figure, source = m.ConsolidatedFigure.__table__, m.FigureSource.__table__
    with db.session_scope(settings.database_url) as s:
        s.execute(figure.insert(), [_figure(*keys), {**_figure(*keys), "basis": "published"}])
        kept, gone = s.scalars(select(figure.c.id).order_by(figure.c.basis.desc())).all()
        entity, period, indicator = keys
        submission = m.Submission(
            entity_id=entity, period_id=period, version=1, status="accepted", content_hash="0" * 64, file_name="a.xlsx"
        )
        s.add(submission)
        s.flush()
        observation = m.Observation(
            submission_id=submission.id, entity_id=entity, period_id=period, indicator_id=indicator, source_file="a"
        )
        s.add(observation)
        s.flush()
        pairs = [{"figure_id": f, "observation_id": observation.id} for f in (kept, gone)]
        s.execute(source.insert(), pairs)
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(source.insert(), [{"figure_id": 999_999, "observation_id": observation.id}])
    with pytest.raises(IntegrityError), db.session_scope(settings.database_url) as s:
        s.execute(figure.update().where(figure.c.id == kept).values(id=999_999))
    with db.session_scope(settings.database_url) as s:
        s.execute(figure.delete().where(figure.c.id == gone))  # its source row goes with it, the other stays
        assert s.execute(select(source.c.figure_id)).scalars().all() == [kept]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_checks_a_figures_keys_once_per_statement_not_once_per_row(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.session_scope(settings.database_url) as s:
        triggers = s.execute(
            text(
                "SELECT t.tgname, t.tgfoid::regproc::text LIKE 'RI_FKey_check%', (t.tgtype & 1) = 1 "
                "FROM pg_trigger t WHERE t.tgrelid IN ('consolidated_figure'::regclass, 'figure_source'::regclass) "
                "AND t.tgconstrrelid <> 'observation'::regclass"  # figure_source's key to observation stays
            )
        ).all()
    row_checks = [name for name, key_check, per_row in triggers if key_check and per_row]  # a foreign key's check
    per_statement = {name for name, key_check, per_row in triggers if not key_check and not per_row}
    assert row_checks == [], "1.5 million figures would be checked a row at a time"
    assert per_statement == {
        "consolidated_figure_keys_insert",
        "consolidated_figure_keys_update",
        "figure_source_keys_insert",
        "figure_source_keys_update",
        "figure_source_consolidated_figure_delete",  # the cascade to a figure's sources
        "figure_source_consolidated_figure_update",
    }


def test_a_frame_by_copy_is_the_frame_of_the_same_query(settings: Settings) -> None:
    keys = _figure_keys(settings)
    figure = m.ConsolidatedFigure.__table__
    values = ["1.5", "-0.000000000001", "123456789012345678.25"]
    with db.session_scope(settings.database_url) as s:
        rows = [{**_figure(*keys), "basis": f"b{n}", "value": Decimal(v)} for n, v in enumerate(values)]
        s.execute(figure.insert(), rows)
        query = (
            select(figure.c.id, figure.c.entity_id, cast(figure.c.value, String))
            .where(figure.c.period_id == keys[1], figure.c.basis.in_(["b0", "b1", "b2"]))
            .order_by(figure.c.id)
        )
        schema = {"id": pl.Int64, "entity_id": pl.Int64, "value": pl.Utf8}
        copied, fetched = db.frame_by_copy(s, query, schema), db.frame_of(s, query, schema)
        nothing = db.frame_by_copy(s, query.where(figure.c.id < 0), schema)
    assert copied.equals(fetched) and copied.schema == fetched.schema and copied.height == 3
    assert [Decimal(v) for v in copied["value"]] == [Decimal(v) for v in values]
    assert nothing.is_empty() and nothing.schema == fetched.schema
