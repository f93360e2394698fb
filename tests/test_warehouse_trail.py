"""The audit trail and what it records (esgflow.warehouse.trail) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.records import PortalEvent
from esgflow.warehouse import db
from esgflow.warehouse.figures import pin_factor_set
from esgflow.warehouse.trail import (
    audit_events,
    cycles,
    open_cycle,
    period_signoff,
    portal_events,
    record_audit,
    record_portal_event,
    record_signoff,
)

P2024 = parse_period("2024")
P2025 = parse_period("2025")


def test_the_audit_trail_is_read_oldest_first_by_period_and_action(settings: Settings) -> None:
    init_warehouse(settings)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with db.session_scope(settings.database_url) as s:
        record_audit(s, "approved", "Wang Li", P2025, entity="SAMI", version=2, state="approved", at=start)
        record_audit(s, "returned", "Wang Li", P2024, entity="GAMI", version=1, reason="old", at=start)
        record_audit(s, "excused", "Zhang Wei", P2025, entity="KMSI", reason="sold", at=start + timedelta(hours=1))
    with db.session_scope(settings.database_url) as s:
        of_2025 = [(r.action, r.actor, r.entity, r.version, r.reason) for r in audit_events(s, P2025)]
        approved = [r.entity for r in audit_events(s, P2025, ("approved",))]
        everything = audit_events(s)
    assert of_2025 == [("approved", "Wang Li", "SAMI", 2, None), ("excused", "Zhang Wei", "KMSI", None, "sold")]
    assert approved == ["SAMI"]
    assert len(everything) == 3 and everything[-1].at == start + timedelta(hours=1)


def test_a_cycle_is_opened_once_and_its_deadline_moved(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        assert open_cycle(s, P2025, date(2026, 1, 31), "Li Na") is None  # nothing before
    with db.session_scope(settings.database_url) as s:
        assert open_cycle(s, P2025, date(2026, 2, 20), "Li Na") == date(2026, 1, 31)  # the deadline it replaced
    with db.session_scope(settings.database_url) as s:
        [cycle] = cycles(s, P2025)
        assert cycles(s, P2024) == []
    assert (cycle.period, cycle.deadline, cycle.opened_by, cycle.signed_by) == (
        "2025",
        date(2026, 2, 20),
        "Li Na",
        None,
    )


def test_a_signoff_is_read_back_with_its_signer(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        assert period_signoff(s, P2025) is None
        factor_set = pin_factor_set(s, P2025, {"factors": []}, "digest-1")
        at = record_signoff(s, P2025, "Zhang Wei", factor_set, [{"entity": "SAMI", "version": 1}], {"KMSI": "sold"})
    with db.session_scope(settings.database_url) as s:
        signed = period_signoff(s, P2025)
    assert signed is not None and (signed.signed_by, signed.signed_at) == ("Zhang Wei", at)
    assert (signed.factor_set_id, signed.returns, signed.excused) == (
        factor_set,
        [{"entity": "SAMI", "version": 1}],
        {"KMSI": "sold"},
    )


def test_portal_events_come_newest_first_and_as_many_as_asked(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        record_portal_event(s, PortalEvent("signin", "ok", "127.0.0.1", "li@sami.example", "SAMI"))
        record_portal_event(s, PortalEvent("submission", "accepted", "127.0.0.1", "li@sami.example", "SAMI", "2025", 1))
    with db.session_scope(settings.database_url) as s:
        events = portal_events(s)
        [newest] = portal_events(s, 1)
    assert [e.action for e in events] == ["submission", "signin"]
    assert (newest.outcome, newest.version) == ("accepted", 1) and newest.at is not None
