"""The yearly cycle: its deadline, and the returns a signed-off period stands on.

A cycle is opened for a period with `esgflow cycle open` and kept in the warehouse, so the
scheduled runs of a new year need no edited file: a run takes its period from its scheduled
time (esgflow.periods.reporting_year_of) and its deadline from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from esgflow import EsgflowError
from esgflow.periods import Period
from esgflow.records import RestatementRecord, SignoffRecord

# Audit actions of the cycle (audit_event.action).
CYCLE_OPENED, DEADLINE_CHANGED, CYCLE_CLOSED = "cycle_opened", "deadline_changed", "cycle_closed"


def checked_deadline(period: Period, deadline: date) -> date:
    """The deadline, refused when it falls before the period has even ended."""
    if deadline < period.ends_on:
        raise EsgflowError(
            f"deadline {deadline} is before the end of {period} ({period.ends_on}): returns cover the whole period"
        )
    return deadline


def deadline_for(period: Period, given: date | None, stored: date | None) -> date:
    """The deadline a run gives the reporters: its own, else the cycle's, else 31 January after the period."""
    return given or stored or period.default_deadline()


def audit_detail(before: date | None, after: date) -> dict[str, Any]:
    """What an opening or a change of deadline records: the new deadline, and the old one it replaced."""
    return {"deadline": after.isoformat(), **({"previous": before.isoformat()} if before else {})}


@dataclass(frozen=True)
class CycleChange:
    """What `cycle open` did: the deadline now, the one before (None: newly opened), and who."""

    period: str
    deadline: date
    previous: date | None
    by: str

    @property
    def action(self) -> str | None:
        """The audit action this change is (None: the same deadline again, nothing changed)."""
        if self.previous is None:
            return CYCLE_OPENED
        return DEADLINE_CHANGED if self.previous != self.deadline else None

    def line(self) -> str:
        if self.previous is None:
            return f"opened the {self.period} cycle with the deadline {self.deadline} ({self.by})"
        if self.previous == self.deadline:
            return f"the {self.period} cycle already has the deadline {self.deadline}: nothing changed"
        return f"moved the {self.period} deadline from {self.previous} to {self.deadline} ({self.by})"


def signed_versions(
    signoff: SignoffRecord | None, restatements: list[RestatementRecord]
) -> list[tuple[str, int]] | None:
    """The (entity, version) returns whose figures a period stands on, when a sign-off fixes them.

    After a restatement, the approved returns it was computed from (a restatement recorded
    before they were kept took in the accepted returns: None). None when never signed off.
    """
    if signoff is None:
        return None
    later = [r for r in restatements if r.restated_at > signoff.signed_at]
    if later:
        used = later[-1].returns
        return None if used is None else [(str(r["entity"]), int(r["version"])) for r in used]
    return [(str(r["entity"]), int(r["version"])) for r in signoff.returns]
