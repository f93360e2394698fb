"""The form a consolidate-and-report run shows the ESG office while it waits, suspended, for sign-off.

Kept apart from the cycle's rules (esgflow.cycle.deadlines) because it is a Prefect run input:
importing Prefect costs seconds, and only the flow that waits for sign-off needs it, not
`status`, `check` or `explain`.
"""

from __future__ import annotations

from prefect.input import RunInput
from pydantic import Field

from esgflow import EsgflowError
from esgflow.periods import Period

# How long a consolidate-and-report run waits, suspended, for the ESG office's sign-off. Long on
# purpose: a suspended run holds no worker, and a sign-off can take weeks of review; a run
# that times out fails, and the next scheduled run asks again.
SIGNOFF_WAIT_SECONDS = 30 * 24 * 3600


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
