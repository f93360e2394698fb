"""The yearly cycle: its deadline, the ESG office's sign-off form, and last year's figures for the templates.

A cycle is opened for a period with `esgflow cycle open` and kept in the warehouse, so the
scheduled runs of a new year need no edited file: a run takes its period from its scheduled
time (esgflow.periods.reporting_year_of) and its deadline from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect.input import RunInput
from pydantic import Field

from esgflow import EsgflowError
from esgflow.periods import Period
from esgflow.records import RestatementRecord, SignoffRecord

# Audit actions of the cycle (audit_event.action).
CYCLE_OPENED, DEADLINE_CHANGED, CYCLE_CLOSED = "cycle_opened", "deadline_changed", "cycle_closed"

# How long a consolidate-and-report run waits, suspended, for the ESG office's sign-off. Long on
# purpose: a suspended run holds no worker, and a sign-off can take weeks of review; a run
# that times out fails, and the next scheduled run asks again.
SIGNOFF_WAIT_SECONDS = 30 * 24 * 3600


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


class SignOff(RunInput):
    """The form the Prefect UI shows a consolidate-and-report run waiting for the ESG office."""

    by: str = Field(description="Your name: the sign-off is recorded under it in the audit trail")
    confirm: bool = Field(
        default=False,
        description="I have reviewed the provisional report: lock the period's figures for publication",
    )


def signoff_form(period: Period, report: str) -> type[SignOff]:
    """The sign-off form for one period, saying what is signed and where the provisional report is."""
    text = (
        f"**Sign off {period}.** Every entity is approved or excused and the group checks pass, "
        f"or the sign-off is refused with why. The provisional report: `{report}`. "
        f"Once signed, {period}'s figures change only through `esgflow restate`."
    )
    return SignOff.with_initial_data(description=text)


def signer(period: Period, answer: SignOff) -> str:
    """Who signs, from the form's answer; an unconfirmed or nameless answer signs nothing."""
    if not answer.confirm:
        raise EsgflowError(f"the sign-off of {period} was not confirmed: nothing was signed")
    if not answer.by.strip():
        raise EsgflowError(f"the sign-off of {period} needs the name of who signs")
    return answer.by.strip()
