"""What a received file can become. A submission is stored as accepted, accepted with
warnings, or rejected; a file that is no return at all is refused, and the same bytes
again are a duplicate (neither is stored as a submission)."""

from __future__ import annotations

ACCEPTED = ("accepted", "accepted_with_warnings")
REJECTED = "rejected"
STORED = (*ACCEPTED, REJECTED)


def judged(errors: int, warnings: int) -> str:
    """The state of a return with this many error and warning findings."""
    if errors:
        return REJECTED
    return "accepted_with_warnings" if warnings else "accepted"
