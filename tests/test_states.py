"""What a received file can become (esgflow.states)."""

from __future__ import annotations

import pytest

from esgflow.states import ACCEPTED, REJECTED, STORED, judged


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
