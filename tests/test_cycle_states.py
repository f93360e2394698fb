"""What a received file can become (esgflow.cycle.states)."""

from __future__ import annotations

import pytest

from esgflow.cycle.states import (
    ACCEPTED,
    APPROVED,
    MOVES,
    RECEIVED,
    REJECTED,
    RETURNED,
    STORED,
    SUPERSEDED,
    RefusedMove,
    judged,
    machine_state,
    move,
)


@pytest.mark.parametrize(
    ("errors", "warnings", "state"),
    [
        (0, 0, "accepted"),
        (0, 1, "accepted_with_warnings"),
        (0, 12, "accepted_with_warnings"),
        (1, 0, "rejected"),
        (3, 5, "rejected"),  # an error blocks acceptance whatever the warnings
    ],
)
def test_judged_by_the_count_of_errors_and_warnings(errors: int, warnings: int, state: str) -> None:
    assert judged(errors, warnings) == state


def test_accepted_states_are_the_ones_with_no_error() -> None:
    assert set(ACCEPTED) == {judged(0, 0), judged(0, 1)}
    assert judged(1, 0) == REJECTED and REJECTED not in ACCEPTED


def test_stored_states_are_the_submission_states() -> None:
    assert set(STORED) == {"accepted", "accepted_with_warnings", "rejected"}
    assert "refused" not in STORED and "duplicate" not in STORED  # never stored as a submission


def test_the_state_machine_names_every_state_of_a_version_once() -> None:
    assert set(MOVES) == {RECEIVED, "accepted", REJECTED, APPROVED, RETURNED, SUPERSEDED}
    assert all(target in MOVES for targets in MOVES.values() for target in targets)
    assert machine_state("accepted_with_warnings") == "accepted" and machine_state(REJECTED) == REJECTED


@pytest.mark.parametrize("status", ACCEPTED)
@pytest.mark.parametrize("target", [APPROVED, RETURNED, SUPERSEDED])
def test_an_accepted_return_may_be_approved_returned_or_superseded(status: str, target: str) -> None:
    assert move(status, target, "SAMI 2025 version 1") == target


@pytest.mark.parametrize(
    ("state", "target", "why"),
    [
        (REJECTED, APPROVED, "cannot approve SAMI 2025 version 1: it was rejected by the checks"),
        (REJECTED, RETURNED, "cannot return SAMI 2025 version 1: it was rejected by the checks"),
        (RECEIVED, APPROVED, "cannot approve SAMI 2025 version 1: it has not been judged by the checks yet"),
        (SUPERSEDED, APPROVED, "cannot approve SAMI 2025 version 1: a newer return took its place"),
        (APPROVED, APPROVED, "cannot approve SAMI 2025 version 1: it is approved already"),
        (RETURNED, APPROVED, "cannot approve SAMI 2025 version 1: it was returned to its reporters"),
        (APPROVED, RETURNED, "cannot return SAMI 2025 version 1: it is approved already"),
    ],
)
def test_a_move_not_allowed_is_refused_with_its_reason(state: str, target: str, why: str) -> None:
    with pytest.raises(RefusedMove, match=why):
        move(state, target, "SAMI 2025 version 1")


def test_every_state_but_superseded_may_be_superseded_once_judged() -> None:
    assert [s for s in MOVES if SUPERSEDED in MOVES[s]] == ["accepted", REJECTED, APPROVED, RETURNED]
    assert MOVES[SUPERSEDED] == frozenset()
