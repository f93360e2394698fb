"""Who has returned what (esgflow.cycle.status): one record per member of the group, and the progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from esgflow.cycle.status import EntityStatus, Progress, period_status, progress
from esgflow.records import NewestSubmission

RECEIVED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def _newest(
    entity: str, status: str, version: int = 1, errors: int = 0, warnings: int = 0, accepted: int | None = None
) -> NewestSubmission:
    in_figures = version if accepted is None and status != "rejected" else accepted
    return NewestSubmission(entity, status, version, RECEIVED, f"{entity}_2025.xlsx", errors, warnings, in_figures)


def test_period_status_follows_the_order_given() -> None:
    newest = [_newest("GAMI", "accepted"), _newest("HQ", "rejected", 2, errors=3, warnings=1)]
    statuses = period_status(newest, members={"GAMI", "HQ", "SAMI"}, order=["HQ", "SAMI", "GAMI"])
    assert statuses == [
        EntityStatus("HQ", "rejected", 2, RECEIVED, 3, 1, "HQ_2025.xlsx"),
        EntityStatus("SAMI", "not_submitted", None, None, 0, 0),
        EntityStatus("GAMI", "accepted", 1, RECEIVED, 0, 0, "GAMI_2025.xlsx", 1),
    ]


def test_members_without_a_submission_are_not_submitted() -> None:
    statuses = period_status([], members=["SAMI", "GAMI"], order=["SAMI", "GAMI"])
    assert [(s.entity, s.status, s.version, s.received_at, s.file) for s in statuses] == [
        ("SAMI", "not_submitted", None, None, None),
        ("GAMI", "not_submitted", None, None, None),
    ]


def test_non_members_are_left_out() -> None:
    newest = [_newest("SAMI", "accepted"), _newest("OLD", "accepted")]  # OLD left the group
    statuses = period_status(newest, members=["SAMI"], order=["OLD", "SAMI", "NEW"])
    assert [s.entity for s in statuses] == ["SAMI"]


def test_entity_status_to_json() -> None:
    [with_return, without] = period_status(
        [_newest("SAMI", "accepted_with_warnings", 2, warnings=4)],
        ["SAMI", "GAMI"],
        ["SAMI", "GAMI"],
        estimated={"SAMI": 3},
    )
    assert with_return.to_json() == {
        "entity": "SAMI",
        "status": "accepted_with_warnings",
        "version": 2,
        "received_at": "2026-01-15T09:30:00+00:00",
        "errors": 0,
        "warnings": 4,
        "file": "SAMI_2025.xlsx",
        "figures_version": 2,
        "review": "pending",
        "estimated": 3,
        "review_reason": None,
        "newer": [],
        "signatories": {},
    }
    assert without.to_json()["received_at"] is None and without.to_json()["status"] == "not_submitted"
    assert without.to_json()["estimated"] == 0


def test_progress_counts_accepted_returns_of_expected_ones() -> None:
    newest = [
        _newest("A", "accepted"),
        _newest("B", "accepted_with_warnings"),
        _newest("C", "rejected"),
    ]
    statuses = period_status(newest, ["A", "B", "C", "D"], ["A", "B", "C", "D"])
    result = progress(statuses)
    assert result == Progress(accepted=2, expected=4)
    assert result.percent == pytest.approx(50.0)


def test_progress_of_nobody_is_zero_percent() -> None:
    assert progress([]) == Progress(0, 0)
    assert progress([]).percent == 0.0
    assert Progress(3, 3).percent == pytest.approx(100.0)


def test_a_rejected_return_after_an_accepted_one_shows_both() -> None:
    [status] = period_status([_newest("SAMI", "rejected", 3, errors=2, accepted=2)], ["SAMI"], ["SAMI"])
    assert (status.status, status.version, status.figures_version) == ("rejected", 3, 2)
    assert status.to_json()["figures_version"] == 2


def test_each_record_carries_the_review_of_its_entity() -> None:
    newest = [_newest("A", "accepted"), _newest("B", "accepted"), _newest("C", "rejected")]
    reviews = {"A": "approved", "B": "returned", "D": "excused"}
    statuses = period_status(newest, ["A", "B", "C", "D"], ["A", "B", "C", "D"], reviews)
    assert [(s.entity, s.status, s.review) for s in statuses] == [
        ("A", "accepted", "approved"),
        ("B", "accepted", "returned"),
        ("C", "rejected", "pending"),
        ("D", "not_submitted", "excused"),
    ]
    assert statuses[3].to_json()["review"] == "excused"


def test_a_received_time_without_its_zone_is_given_in_utc_with_its_offset() -> None:
    """SQLite hands the stored UTC time back without a zone; JSON readers still get the offset."""
    naive = replace(_newest("SAMI", "accepted", 1), received_at=datetime(2026, 1, 15, 9, 30))
    [status] = period_status([naive], ["SAMI"], ["SAMI"])
    assert status.to_json()["received_at"] == "2026-01-15T09:30:00+00:00"
