"""The ESG office's Scope 3 screening: each category of a period relevant or not, approved by another person.

Every screening and approval is in the audit trail; a new screening clears the approval, and the
period's figures follow at its next consolidation. A signed-off period keeps its screening: what
was published stands until a restatement.
"""

from __future__ import annotations

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import actor
from esgflow.figures.scope3 import CATEGORIES, CATEGORY_NAMES, category_of, category_rows
from esgflow.jobs.common import require_schema
from esgflow.periods import Period
from esgflow.warehouse import db
from esgflow.warehouse import scope3 as store
from esgflow.warehouse.trail import period_signoff, record_audit

SCREENED, APPROVED = "scope3_screened", "scope3_approved"


def _category(category: int) -> int:
    if category not in CATEGORIES:
        raise EsgflowError(f"Scope 3 has categories 1 to 15, not {category}")
    return category


def _unsigned(session: db.Session, period: Period) -> None:
    if period_signoff(session, period) is not None:
        raise EsgflowError(f"{period} is signed off: its Scope 3 screening stands as published")


def screen(
    settings: Settings, period: Period, category: int, relevant: bool, reason: str, method: str, by: str | None
) -> str:
    """Record a category's screening (audited); it counts once another person approves it."""
    _category(category)
    if not reason.strip():
        raise EsgflowError("a screening needs its reason (--reason)")
    if not method.strip():
        raise EsgflowError("a screening needs its method (--method)")
    require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        _unsigned(session, period)
        again = store.record_screening(session, period, category, relevant, reason.strip(), method.strip(), who)
        detail = {"category": category, "relevant": relevant, "method": method.strip(), "replaced": again}
        record_audit(session, SCREENED, who, period, reason=reason.strip(), detail=detail)
    verdict = "relevant" if relevant else "not relevant"
    name = CATEGORY_NAMES[category][1]
    return f"{period} Scope 3 category {category} ({name}) screened {verdict} by {who}; another person approves it"


def approve(settings: Settings, period: Period, category: int, by: str | None) -> str:
    """Approve a category's screening (audited); the approver must not be its screener."""
    _category(category)
    require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        _unsigned(session, period)
        found = {s.category: s for s in store.screenings(session, period)}.get(category)
        if found is None:
            raise EsgflowError(f"{period} Scope 3 category {category} has not been screened: nothing to approve")
        if found.approved_by is not None:
            raise EsgflowError(f"{period} Scope 3 category {category} was already approved by {found.approved_by}")
        if found.screened_by.casefold() == who.casefold():
            raise EsgflowError(f"{who} screened {period} Scope 3 category {category}: another person must approve it")
        store.approve_screening(session, period, category, who)
        detail = {"category": category, "relevant": found.relevant, "screened_by": found.screened_by}
        record_audit(session, APPROVED, who, period, detail=detail)
    verdict = "relevant" if found.relevant else "not relevant"
    return f"{period} Scope 3 category {category} approved as {verdict} by {who} (screened by {found.screened_by})"


def show(settings: Settings, period: Period) -> list[dict[str, object]]:
    """All fifteen categories of a period: names, state and screening."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return category_rows({s.category: s for s in store.screenings(session, period)})


DEMO_SCREENER, DEMO_APPROVER = "演示·李伟 (demo)", "演示·王芳 (demo)"
# The demo office's reasons for the categories esgflow calculates nothing for, so that its screening is
# complete and answers HKEX D28(c): a real office writes its own (`esgflow scope3 screen`).
DEMO_NOT_RELEVANT = {
    8: "leased offices and equipment are under the group's operational control: their energy is in Scope 1 and 2",
    9: "the group builds on its clients' sites; the transport it pays for is in category 4",
    10: "the group sells engineering services and finished works, no intermediate products",
    11: "the works it hands over are run and fuelled by their owners (demo assumption)",
    12: "the works' end of life is their owners' decision, decades after hand-over (demo assumption)",
    13: "the demo group leases out no assets",
    14: "the demo group has no franchises",
    15: "the demo group holds no investments outside its consolidated entities",
}


def screen_demo(settings: Settings, period: Period) -> list[int]:
    """The demo office's screening of all fifteen categories, each approved by another person: those esgflow
    calculates relevant, the others not relevant with the demo's reason. Returns the relevant ones."""
    categories = sorted(n for code in load_catalog().codes if (n := category_of(code)) is not None)
    relevant = [n for n in categories if n not in DEMO_NOT_RELEVANT]
    with db.session_scope(settings.database_url) as session:
        done = {s.category for s in store.screenings(session, period) if s.approved_by}
    for n in (c for c in categories if c not in done):
        if n in DEMO_NOT_RELEVANT:
            screen(settings, period, n, False, DEMO_NOT_RELEVANT[n], "qualitative screening (demo)", DEMO_SCREENER)
        else:
            reason = "the demo group's returns carry this category's activity data"
            screen(settings, period, n, True, reason, "activity-based with DESNZ 2025 and EPA factors", DEMO_SCREENER)
        approve(settings, period, n, DEMO_APPROVER)
    return relevant
