"""The ESG office's review (esgflow.cycle.review): states of versions and entities, the version reviewed, the actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from esgflow import EsgflowError
from esgflow.cycle.review import (
    Newer,
    Standing,
    actor,
    figures_version,
    review_states,
    signoff_refusals,
    standings,
    target,
    undecided,
    version_states,
)
from esgflow.records import AuditRecord, SubmissionVersion

T0 = datetime(2026, 1, 10, tzinfo=UTC)


def _v(entity: str, version: int, status: str) -> SubmissionVersion:
    return SubmissionVersion(entity, version, status, T0 + timedelta(hours=version), f"{entity}_v{version}.xlsx", "h")


def _d(action: str, entity: str, version: int | None = None, reason: str | None = None) -> AuditRecord:
    return AuditRecord(T0, "li", action, "2025", entity, version, action, reason)


def test_versions_are_judged_reviewed_or_superseded() -> None:
    versions = [
        _v("A", 1, "accepted"),
        _v("A", 2, "rejected"),  # a newer rejected return leaves v1 in the figures
        _v("B", 1, "accepted"),
        _v("B", 2, "accepted_with_warnings"),
        _v("C", 1, "rejected"),
        _v("C", 2, "rejected"),
    ]
    states = version_states(versions, [_d("approved", "A", 1), _d("returned", "B", 1)])
    assert states == {
        ("A", 1): "approved",
        ("A", 2): "rejected",
        ("B", 1): "superseded",
        ("B", 2): "accepted",
        ("C", 1): "superseded",
        ("C", 2): "rejected",
    }


def test_an_entity_is_reviewed_by_its_newest_accepted_version_or_excused() -> None:
    versions = [_v("A", 1, "accepted"), _v("A", 2, "rejected"), _v("B", 1, "accepted"), _v("C", 1, "rejected")]
    decisions = [_d("approved", "A", 1), _d("excused", "C", reason="closed in 2025"), _d("excused", "D", reason="new")]
    reviews = review_states(versions, decisions, ["A", "B", "C", "D", "E"])
    assert reviews == {"A": "approved", "B": "pending", "C": "excused", "D": "excused", "E": "pending"}
    assert signoff_refusals(reviews, ["E", "D", "C", "B", "A"]) == ["E (pending)", "B (pending)"]
    assert undecided(reviews, ["E", "D", "C", "B", "A"]) == [("E", "pending"), ("B", "pending")]
    # an excuse is for an entity with no usable return: a later accepted one waits for review
    assert review_states([_v("D", 1, "accepted")], decisions, ["D"]) == {"D": "pending"}


def test_a_standing_names_the_version_in_the_figures_its_review_and_reason_and_the_newer_ones() -> None:
    versions = [_v("A", 1, "accepted"), _v("A", 2, "accepted"), _v("B", 1, "accepted"), _v("C", 1, "rejected")]
    decisions = [
        _d("returned", "A", 2, "diesel is last year's"),
        _d("approved", "B", 1),
        _d("excused", "D", None, "sold"),
    ]
    open_ = standings(versions, decisions, ["A", "B", "C", "D"])
    assert open_["A"] == Standing(2, "returned", "diesel is last year's", ())
    assert open_["B"] == Standing(1, "approved", None, ())
    assert open_["C"] == Standing(None, "pending", None, (Newer(1, "rejected", False),))
    assert open_["D"] == Standing(None, "excused", "sold", ())


def test_after_signoff_the_signed_version_stands_and_later_ones_are_late_corrections() -> None:
    signed_at = T0 + timedelta(hours=1, minutes=30)  # after every version 1, before every version 2 and 3
    versions = [_v("A", 1, "accepted"), _v("A", 2, "accepted"), _v("A", 3, "accepted"), _v("B", 1, "accepted")]
    decisions = [_d("approved", "A", 1), _d("approved", "B", 1), _d("returned", "A", 3, "wrong unit")]
    signed = standings(versions, decisions, ["A", "B"], [("A", 1), ("B", 1)], signed_at)
    assert signed["A"] == Standing(
        1,
        "approved",
        None,
        (Newer(2, "superseded", True), Newer(3, "returned", True, "wrong unit")),
    )
    assert signed["B"] == Standing(1, "approved", None, ())


def test_the_version_reviewed_is_the_newest_unless_named() -> None:
    versions = [_v("A", 1, "accepted"), _v("A", 2, "rejected")]
    assert target(versions, "A", "2025", None).version == 2
    assert target(versions, "A", "2025", 1).version == 1
    assert figures_version(versions) == versions[0]
    with pytest.raises(EsgflowError, match="A has no version 3 for 2025 \\(it has 1, 2\\)"):
        target(versions, "A", "2025", 3)
    with pytest.raises(EsgflowError, match="A has no return for 2025 to review"):
        target([], "A", "2025", None)


def test_the_actor_is_the_name_given_else_this_user() -> None:
    assert actor("  Wang Li ") == "Wang Li"
    assert actor(None) and actor("") == actor(None)
