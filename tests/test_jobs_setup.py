"""The setup jobs (esgflow.jobs.setup): schema and reference data, published history, cycles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings, load_settings
from esgflow.demo.group import bundled_history
from esgflow.jobs.setup import cycle_deadline, cycle_records, import_history_file, init_warehouse, open_cycle
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period

P2024 = parse_period("2024")


def test_init_counts_what_it_loaded_and_can_run_again(settings: Settings) -> None:
    first = init_warehouse(settings)
    again = init_warehouse(settings)
    assert first == again and (first.indicators, first.entities) == (len(load_catalog().codes), 33)


def test_history_import_takes_only_the_periods_asked_for(settings: Settings) -> None:
    init_warehouse(settings)
    result = import_history_file(settings, bundled_history(), [parse_period("2023")])
    assert result.years == ["2023"] and result.inserted > 0
    again = import_history_file(settings, bundled_history(), [parse_period("2023")])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, result.inserted)


def test_a_cycle_is_opened_its_deadline_moved_and_both_audited(settings: Settings) -> None:
    init_warehouse(settings)
    p2025 = parse_period("2025")
    with pytest.raises(EsgflowError, match="before the end of 2025"):
        open_cycle(settings, p2025, date(2025, 6, 1), by="Li Na")
    assert cycle_records(settings) == [] and cycle_deadline(settings, p2025) == date(2026, 1, 31)

    assert open_cycle(settings, p2025, date(2026, 2, 15), by="Li Na").previous is None
    assert open_cycle(settings, p2025, date(2026, 2, 15), by="Li Na").action is None  # the same again
    moved = open_cycle(settings, p2025, date(2026, 3, 1), by="Wang Li")
    assert (moved.previous, moved.deadline) == (date(2026, 2, 15), date(2026, 3, 1))

    [record] = cycle_records(settings)
    assert (record.period, record.deadline, record.opened_by, record.signed_by) == (
        "2025",
        date(2026, 3, 1),
        "Li Na",
        None,
    )
    assert record.changed_at is not None
    assert cycle_deadline(settings, p2025) == date(2026, 3, 1)
    assert cycle_deadline(settings, p2025, date(2026, 4, 1)) == date(2026, 4, 1)  # a run's own wins
    assert cycle_deadline(settings, P2024) == date(2025, 1, 31)  # no cycle opened for 2024
    trail = [(r.action, r.actor, r.detail) for r in audit_trail(settings, p2025)]
    assert trail == [
        ("cycle_opened", "Li Na", {"deadline": "2026-02-15"}),
        ("deadline_changed", "Wang Li", {"deadline": "2026-03-01", "previous": "2026-02-15"}),
    ]


def test_a_password_with_url_characters_is_never_echoed_when_the_warehouse_cannot_be_reached(tmp_path: Path) -> None:
    # the README's encoding of a password with @ and /: the URL parses, and no message repeats the password
    url = "postgresql+psycopg://esgflow:p%40ss%2Fw0rd%3A@127.0.0.1:1/esgflow"
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_DATABASE_URL": url})
    with pytest.raises(EsgflowError) as failed:
        init_warehouse(settings)
    message = str(failed.value)
    assert "cannot reach or upgrade the warehouse at postgresql+psycopg://esgflow:***@127.0.0.1:1/esgflow" in message
    assert "p@ss" not in message and "w0rd" not in message and "%40" not in message
