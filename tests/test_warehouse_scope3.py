"""Scope 3 screening rows (esgflow.warehouse.scope3) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import NoResultFound

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse.scope3 import approve_screening, record_screening, screenings

P2026, P2027 = parse_period("2026"), parse_period("2027")


def test_a_screening_is_kept_per_period_and_category_and_a_new_one_clears_its_approval(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        assert record_screening(s, P2026, 6, True, "site travel", "distance-based", "Li Wei") is False
        assert record_screening(s, P2026, 11, False, "no products sold", "qualitative", "Li Wei") is False
        record_screening(s, P2027, 6, True, "site travel", "distance-based", "Li Wei")
    with db.session_scope(settings.database_url) as s:
        approve_screening(s, P2026, 6, "Wang Fang")
    with db.session_scope(settings.database_url) as s:
        rows = screenings(s, P2026)
    assert [(r.category, r.relevant, r.approved_by) for r in rows] == [(6, True, "Wang Fang"), (11, False, None)]
    assert rows[0].screened_at.tzinfo is not None and rows[0].approved_at is not None
    with db.session_scope(settings.database_url) as s:
        assert record_screening(s, P2026, 6, False, "travel stopped", "spend review", "Zhao Min") is True
    with db.session_scope(settings.database_url) as s:
        again = screenings(s, P2026)[0]
        assert (again.relevant, again.reason, again.screened_by, again.approved_by) == (
            False,
            "travel stopped",
            "Zhao Min",
            None,
        )
        assert [r.category for r in screenings(s, P2027)] == [6]


def test_approving_a_category_never_screened_finds_nothing(settings: Settings) -> None:
    init_warehouse(settings)
    with pytest.raises(NoResultFound), db.session_scope(settings.database_url) as s:
        approve_screening(s, P2026, 3, "Wang Fang")
