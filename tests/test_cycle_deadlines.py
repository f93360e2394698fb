"""The yearly cycle's rules: deadlines, what an opening records, the returns a period stands on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from esgflow import EsgflowError
from esgflow.cycle.deadlines import (
    CYCLE_OPENED,
    DEADLINE_CHANGED,
    CycleChange,
    audit_detail,
    checked_deadline,
    deadline_for,
    signed_versions,
)
from esgflow.periods import parse_period
from esgflow.records import RestatementRecord, SignoffRecord

P2025 = parse_period("2025")
SIGNED_AT = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


def test_a_deadline_before_the_period_ends_is_refused_in_one_line() -> None:
    with pytest.raises(EsgflowError, match=r"^deadline 2025-12-30 is before the end of 2025 \(2025-12-31\)"):
        checked_deadline(P2025, date(2025, 12, 30))
    assert checked_deadline(P2025, date(2025, 12, 31)) == date(2025, 12, 31)
    assert checked_deadline(parse_period("2025-Q1"), date(2025, 4, 15)) == date(2025, 4, 15)
    with pytest.raises(EsgflowError, match="before the end of 2025-Q1"):
        checked_deadline(parse_period("2025-Q1"), date(2025, 3, 1))


def test_a_runs_deadline_is_its_own_else_the_cycles_else_31_january_after() -> None:
    assert deadline_for(P2025, date(2026, 3, 1), date(2026, 2, 15)) == date(2026, 3, 1)
    assert deadline_for(P2025, None, date(2026, 2, 15)) == date(2026, 2, 15)
    assert deadline_for(P2025, None, None) == date(2026, 1, 31)


def test_an_opening_records_the_new_deadline_and_a_move_the_old_one() -> None:
    assert audit_detail(None, date(2026, 2, 15)) == {"deadline": "2026-02-15"}
    assert audit_detail(date(2026, 2, 15), date(2026, 3, 1)) == {"deadline": "2026-03-01", "previous": "2026-02-15"}
    opened = CycleChange("2025", date(2026, 2, 15), None, "Li")
    moved = CycleChange("2025", date(2026, 3, 1), date(2026, 2, 15), "Wang")
    same = CycleChange("2025", date(2026, 2, 15), date(2026, 2, 15), "Wang")
    assert (opened.action, moved.action, same.action) == (CYCLE_OPENED, DEADLINE_CHANGED, None)
    assert opened.line() == "opened the 2025 cycle with the deadline 2026-02-15 (Li)"
    assert moved.line() == "moved the 2025 deadline from 2026-02-15 to 2026-03-01 (Wang)"
    assert "nothing changed" in same.line()


def _restated(at: datetime) -> RestatementRecord:
    return RestatementRecord("2025", 1, "late correction", at, [], False)


def test_a_signed_off_period_stands_on_its_signed_returns_until_a_later_restatement() -> None:
    signoff = SignoffRecord(
        "2025", "Zhang Wei", SIGNED_AT, 1, [{"entity": "SAMI", "version": 2, "file": "f", "content_hash": "h"}], {}
    )
    assert signed_versions(None, []) is None  # never signed: its accepted returns
    assert signed_versions(signoff, []) == [("SAMI", 2)]
    assert signed_versions(signoff, [_restated(SIGNED_AT - timedelta(days=1))]) == [("SAMI", 2)]
    assert signed_versions(signoff, [_restated(SIGNED_AT + timedelta(days=1))]) is None
