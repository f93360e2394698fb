"""Column types (esgflow.warehouse.types): exact quantities on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m

DAY = date(2000, 1, 1)


def _store(settings: Settings, value: object, code: str = "t") -> Decimal | None:
    with db.session_scope(settings.database_url) as s:
        s.add(m.Factor(code=code, value=value, unit="t", source="test", valid_from=DAY, valid_to=DAY, looked_up=DAY))
    with db.session_scope(settings.database_url) as s:
        return s.scalars(select(m.Factor.value).filter_by(code=code)).one()


@pytest.mark.parametrize("text", ["4094380.30", "7.17E-8", "0.0192", "12327323.56", "100"])
def test_quantities_keep_their_exact_digits(settings: Settings, text: str) -> None:
    init_warehouse(settings)
    stored = _store(settings, Decimal(text))
    assert stored == Decimal(text) and format(stored, "f") == format(Decimal(text), "f")


def test_trailing_zeros_are_kept(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    assert str(_store(settings, Decimal("1.50"))) == "1.50"


def test_long_quantities_are_not_rounded_through_a_float(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    digits = "123456789012345678.123456789012"  # more digits than a double holds
    assert str(_store(settings, Decimal(digits))) == digits


@pytest.mark.parametrize(("given", "expected"), [(0.1, "0.1"), (3, "3"), ("2.50", "2.50")])
def test_other_numbers_are_stored_as_the_decimal_of_their_text(
    settings: Settings, given: object, expected: str
) -> None:
    db.upgrade(settings.database_url)
    assert str(_store(settings, given)) == expected


def test_null_stays_null(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        period = m.Period(code="2025", kind="year", starts_on=DAY, ends_on=DAY)
        s.add(period)
        s.flush()
        s.add(m.Finding(period_id=period.id, rule="r", severity="error", indicators=[], message="m"))
    with db.session_scope(settings.database_url) as s:
        assert s.execute(select(m.Finding.expected, m.Finding.actual)).one() == (None, None)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_quantity_must_be_finite(settings: Settings, value: str) -> None:
    db.upgrade(settings.database_url)
    with pytest.raises(StatementError, match="not a finite quantity"):
        _store(settings, Decimal(value))


def test_sqlite_stores_the_text_of_the_decimal(sqlite_settings: Settings) -> None:
    db.upgrade(sqlite_settings.database_url)
    _store(sqlite_settings, Decimal("4094380.30"))
    with db.engine_for(sqlite_settings.database_url).connect() as conn:
        raw = conn.execute(text("SELECT value, typeof(value) FROM factor")).one()
    assert tuple(raw) == ("4094380.30", "text")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_stores_an_unconstrained_numeric(settings: Settings) -> None:
    db.upgrade(settings.database_url)
    with db.engine_for(settings.database_url).connect() as conn:
        column = next(c for c in inspect(conn).get_columns("factor") if c["name"] == "value")
    assert type(column["type"]).__name__ == "NUMERIC"
    assert (column["type"].precision, column["type"].scale) == (None, None)
