"""The ESG office's review page: each entity's return with its check result and review, the forms that
approve, return or excuse, what stands in the way of the period's sign-off, and the audit trail.

The moves are the library's (review_return, signoff_period); a move they refuse is shown
on the page with its reason, and nothing is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from esgflow import EsgflowError, glossary
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import DECISIONS, undecided
from esgflow.cycle.states import APPROVED, EXCUSED, PENDING, RETURNED
from esgflow.cycle.status import EntityStatus
from esgflow.entities import load_registry
from esgflow.feedback import letter_files
from esgflow.jobs.collection import period_statuses
from esgflow.jobs.evidence import Pending, pending_reviews
from esgflow.jobs.signoff import audit_trail, open_checks, review_return, signoff_period
from esgflow.periods import Period
from esgflow.portal import signing
from esgflow.portal.auth import Viewer, check_csrf
from esgflow.portal.pages import _page, _period, _portal, _viewer, page_lang
from esgflow.portal.render import word
from esgflow.portal.views import FindingRow, finding_rows
from esgflow.records import AuditRecord

router = APIRouter()
SIGNED_OFF = "signed_off"


@dataclass(frozen=True)
class ReviewRow:
    """One entity: its newest version as judged, and the version a review decides on."""

    status: EntityStatus
    name: str
    target: int | None  # the version reviewed: the one in the figures, else the newest
    letter: bool  # whether the newest version has a letter and an annotated workbook to link to
    annotated: bool
    decision: AuditRecord | None  # the office's decision behind the review shown (who, when, why)
    # the warnings of the version to decide on (unit slips, changes needing a note), shown before its approve button
    warnings: tuple[FindingRow, ...] = ()
    needs: tuple[tuple[str, str], ...] = ()  # (figure, documents) of that version still without them, unwaived

    @property
    def reviewable(self) -> bool:
        """An accepted return nobody has decided on yet: approve or return."""
        return self.status.review == PENDING and self.status.figures_version is not None

    @property
    def excusable(self) -> bool:
        """No usable return and no excuse yet: the office may say why it will not come."""
        return self.status.review == PENDING and self.status.figures_version is None


@dataclass(frozen=True)
class Signoff:
    """Who signed the period and when, or what stops it being signed."""

    signed: AuditRecord | None
    waiting: list[tuple[str, str]]  # (entity, state) of those neither approved nor excused
    errors: list[str]  # open group check errors on the period's computed figures
    checks: list[signing.OpenCheck] = field(default_factory=list)  # every open error and warning
    checked: bool = False  # whether the group checks ran (once every entity is decided)
    coverage: str = ""  # which entities the figures rest on, and which are missing or waiting
    report: str | None = None  # the provisional report page being signed

    @property
    def ready(self) -> bool:
        return self.signed is None and not self.waiting and not self.errors


def _decisions(statuses: list[EntityStatus], trail: list[AuditRecord]) -> dict[str, AuditRecord]:
    """entity -> the decision its review shows: the latest of its kind, on the version reviewed."""
    reviews = {s.entity: (s.review, s.figures_version) for s in statuses}
    found: dict[str, AuditRecord] = {}
    for r in trail:
        shown = reviews.get(r.entity or "")
        if shown and shown[0] == r.action and (r.action == EXCUSED or r.version == shown[1]):
            found[r.entity or ""] = r
    return found


def review_rows(
    settings: Settings, period: Period, statuses: list[EntityStatus], trail: list[AuditRecord], lang: str
) -> list[ReviewRow]:
    registry, letters = load_registry(), settings.home / "letters"
    decided = _decisions(statuses, trail)
    # every pending version's needs and findings in one job call, whatever the number of entities
    targets = {s.entity: s.figures_version or s.version for s in statuses if s.review == PENDING}
    pending = pending_reviews(settings, period, {e: v for e, v in targets.items() if v is not None})
    rows = []
    for s in statuses:
        files = letter_files(letters, s.entity, period.code, s.version) if s.version else None
        found = pending.get(s.entity)
        rows.append(
            ReviewRow(
                s,
                registry[s.entity].short_zh if lang == "zh" else registry[s.entity].name_en,
                s.figures_version or s.version,
                bool(files and files[0].is_file()),
                bool(files and files[1].is_file()),
                decided.get(s.entity),
                _warnings(found, lang),
                _needs(found, lang) if s.figures_version is not None else (),
            )
        )
    return rows


def _needs(found: Pending | None, lang: str) -> tuple[tuple[str, str], ...]:
    catalog = load_catalog()
    return tuple((catalog[n.indicator].name(lang), n.what(lang)) for n in (found.needs if found else ()))


def _warnings(found: Pending | None, lang: str) -> tuple[FindingRow, ...]:
    """The warnings of the version awaiting a decision, worded as the reporter's page words them."""
    warned = [f for f in found.findings if f.severity == "warning"] if found else []
    return tuple(finding_rows(warned, {}, load_catalog(), lang)) if warned else ()


def signoff_state(
    settings: Settings, period: Period, statuses: list[EntityStatus], trail: list[AuditRecord], lang: str = "zh"
) -> Signoff:
    """What signoff_period would answer now, without signing: its refusals in the same order."""
    signed = next((r for r in reversed(trail) if r.action == SIGNED_OFF), None)
    if signed is not None:
        return Signoff(signed, [], [])
    reviews = {s.entity: s.review for s in statuses}
    waiting = undecided(reviews, load_registry().codes)
    # The group checks run on the figures (seconds); only worth it once every entity is decided,
    # and it is the same check signoff_period makes, so the page and the refusal agree. A GET
    # does not consolidate: figures older than a return are checked as they stand, and the
    # sign-off consolidates again before its own check.
    found = [] if waiting else open_checks(settings, period, lang)
    errors = [f.message for f in found if f.severity == "error"]
    shown = signing.open_checks(found, lang)
    coverage = signing.coverage_line(period, statuses, lang)
    return Signoff(None, waiting, errors, shown, not waiting, coverage, signing.report_link(settings, period, lang))


# The checks' own line in the trail, kept as recorded ("2 errors, 1 warnings"), read in the page's language.
_JUDGED = re.compile(r"(\d+) errors, (\d+) warnings")


def trail_reason(record: AuditRecord, lang: str) -> str:
    """A trail row's reason as the page shows it: a person's reason as written, the checks' counts in words."""
    counted = _JUDGED.fullmatch(record.reason or "") if record.action == "judged" else None
    if counted is None:
        return record.reason or ""
    errors, warnings = (int(n) for n in counted.groups())
    if lang == "zh":
        return f"{errors} 个{glossary.severity('error', 'zh')}、{warnings} 个{glossary.severity('warning', 'zh')}"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _office(viewer: Viewer) -> Viewer:
    if not viewer.grant.is_office:
        raise HTTPException(403, "for the ESG office")
    return viewer


def _review_page(request: Request, viewer: Viewer, refusal: str | None = None, status: int = 200) -> Response:
    settings, period, lang = _portal(request).settings, _period(request), page_lang(request, viewer)
    statuses = period_statuses(settings, period)
    trail = audit_trail(settings, period)
    done = request.query_params.get("done")
    shown = next((s for s in statuses if s.entity == done), None)
    page = _page(
        request,
        viewer,
        "review.html",
        period=period.code,
        query=f"period={period.code}&lang={lang}",
        rows=review_rows(settings, period, statuses, trail, lang),
        signoff=signoff_state(settings, period, statuses, trail, lang),
        trail=[(a, trail_reason(a, lang)) for a in trail[::-1]],  # newest first, as the overview's log
        refusal=refusal,
        done=shown,
        counts={r: sum(s.review == r for s in statuses) for r in (PENDING, APPROVED, RETURNED, EXCUSED)},
    )
    page.status_code = status
    return page


def _back(request: Request, period: Period, entity: str | None = None) -> RedirectResponse:
    """After a move, the page again by GET, so reloading it moves nothing a second time."""
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    query = {"period": period.code, "lang": lang} | ({"done": entity} if entity else {})
    return RedirectResponse(f"/review?{urlencode(query)}", 303)


@router.get("/review")
def review_page(request: Request) -> Response:
    return _review_page(request, _office(_viewer(request)))


@router.post("/review/{entity}")
def review(
    entity: str,
    request: Request,
    csrf: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    viewer = _viewer(request)
    check_csrf(viewer, csrf)  # before anything of the form is looked at
    _office(viewer)
    if decision not in DECISIONS:
        raise HTTPException(400, "decide approved, returned or excused")
    period = _period(request)
    try:
        review_return(
            _portal(request).settings, period, entity, decision, reason, by=viewer.grant.email, version=version
        )
    except EsgflowError as exc:  # a refused move: say why on the page, nothing was recorded
        return _review_page(request, viewer, exc.said(page_lang(request, viewer)), 409)
    return _back(request, period, entity)


@router.post("/signoff")
def signoff(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    viewer = _viewer(request)
    check_csrf(viewer, csrf)
    _office(viewer)
    period = _period(request)
    if not name.strip() or confirm != signing.CONFIRMED:  # one click signs nothing: name and confirm
        lang = page_lang(request, viewer)
        return _review_page(request, viewer, word("signoff_unconfirmed", lang), 400)
    try:
        signoff_period(_portal(request).settings, period, signing.signer(name, viewer.grant.email))
    except EsgflowError as exc:
        return _review_page(request, viewer, exc.said(page_lang(request, viewer)), 409)
    return _back(request, period)
