"""The pages for people: sign-in, a reporter's entity page, upload results, the ESG office's overview,
and read-only Data Docs and reports for the office."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.status import EntityStatus, progress
from esgflow.entities import load_registry
from esgflow.feedback import letter_files
from esgflow.intake.evidence import MAX_EVIDENCE_BYTES, EvidenceRefused
from esgflow.jobs.access import portal_event, portal_events
from esgflow.jobs.collection import (
    data_docs_index,
    entity_versions,
    is_open,
    open_period,
    period_statuses,
    write_templates,
)
from esgflow.jobs.evidence import attach_evidence, evidence_needs, period_evidence
from esgflow.jobs.setup import cycle_deadline
from esgflow.jobs.signoff import period_signoff
from esgflow.periods import Period, edge_period, parse_period
from esgflow.portal import uploads
from esgflow.portal.access import token_hash
from esgflow.portal.auth import COOKIE, Viewer, browser_viewer, check_csrf, client_address
from esgflow.portal.render import refused_why, render, word
from esgflow.portal.views import finding_rows, is_late, versions
from esgflow.records import PortalEvent

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _portal(request: Request) -> Any:
    return request.app.state.portal


def _viewer(request: Request) -> Viewer:
    found = browser_viewer(_portal(request).settings, request, _portal(request).sessions)
    if found is None:
        raise HTTPException(401, word("not_signed_in_text", "zh") + " " + word("not_signed_in_text", "en"))
    request.state.viewer = found  # a refusal later in the request is worded in this viewer's language
    return found


def page_lang(request: Request, viewer: Viewer | None) -> str:
    """A reporter reads their entity's language; the office chooses (Chinese unless ?lang=en)."""
    if viewer and viewer.grant.entity:
        return load_registry()[viewer.grant.entity].language
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _entity(viewer: Viewer, entity: str) -> str:
    """Another entity's pages are forbidden to a reporter, whatever the URL; an unknown entity is not found."""
    if not viewer.may_see(entity):
        raise HTTPException(403, "not your entity")
    if entity not in load_registry().codes:
        raise HTTPException(404, "no such entity")
    return entity


def request_period(given: str) -> Period:
    """A period named in a request, validated here once: 400 for anything but a collected year's form."""
    try:
        return edge_period(given, datetime.now(UTC).date())
    except EsgflowError as exc:
        raise HTTPException(400, str(exc)) from None


def _period(request: Request) -> Period:
    """The period asked for (validated), else the open cycle's; reading a page never opens one."""
    given = request.query_params.get("period")
    period = request_period(given) if given is not None else open_period(_portal(request).settings)
    if period is None:
        raise HTTPException(404, word("no_period", "en"))
    if not _viewer(request).may_read_period(period.code):
        raise HTTPException(403, "this sign-in is for another period")
    return period


def evidence_needed(
    settings: Settings, period: Period, entity: str, version: int | None, lang: str
) -> list[tuple[str, str]]:
    """(figure's name, what to attach) for each figure of a version still without its documents, in `lang`."""
    catalog = load_catalog()
    return [(catalog[n.indicator].name(lang), n.what(lang)) for n in evidence_needs(settings, period, entity, version)]


def _page(request: Request, viewer: Viewer, template: str, **context: Any) -> HTMLResponse:
    csrf = viewer.session.csrf if viewer.session else ""
    return HTMLResponse(render(template, page_lang(request, viewer), viewer=viewer, csrf=csrf, **context))


@router.get("/signin/{token}")
def sign_in(token: str, request: Request) -> Response:
    portal, client = _portal(request), client_address(request)
    if not portal.signins.allow(client):
        raise HTTPException(429, "too many sign-in attempts from this address; wait a minute")
    started = portal.sessions.start(token_hash(token))  # the link is spent here, once
    sid, grant = started if started else (None, None)
    if grant is None:
        portal.signins.failed(client, "sign-in link")
        text = f"{word('signin_failed', 'zh')}。{word('signin_failed_text', 'zh')} / {word('signin_failed', 'en')}. "
        raise HTTPException(401, text + word("signin_failed_text", "en"))
    portal_event(portal.settings, PortalEvent("signin", "ok", client, grant.email, grant.entity))
    lang = load_registry()[grant.entity].language if grant.entity else "zh"
    # A page that moves on by itself rather than a redirect: a Strict cookie set on a navigation
    # that came from a mail program is only sent once the browser is on our own page.
    page = render("message.html", lang, viewer=None, heading=word("signing_in", lang), text="", back="/")
    page = page.replace("<head>", '<head><meta http-equiv="refresh" content="0;url=/">', 1)
    response = HTMLResponse(page)
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, str(sid), httponly=True, samesite="strict", secure=secure, path="/")
    return response


@router.post("/signout")
def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    viewer = _viewer(request)
    check_csrf(viewer, csrf)
    _portal(request).sessions.end(request.cookies.get(COOKIE))
    page = render(
        "message.html",
        page_lang(request, viewer),
        viewer=None,
        heading="",
        text=word("signed_out", page_lang(request, viewer)),
        back=None,
    )
    response = HTMLResponse(page)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    viewer = _viewer(request)
    if viewer.grant.entity:
        if "period" in request.query_params:  # checked even though the reporter's page is where it goes
            request_period(request.query_params["period"])
        return RedirectResponse(f"/entities/{viewer.grant.entity}", 303)
    if viewer.grant.is_auditor:  # the assurance provider's pages are its own, for its period
        return RedirectResponse(f"/assurance?{urlencode(request.query_params)}", 303)
    settings, period = _portal(request).settings, _period(request)
    statuses = period_statuses(settings, period)
    deadline, today = cycle_deadline(settings, period), datetime.now(UTC).date()
    registry, lang = load_registry(), page_lang(request, viewer)
    rows = [
        (
            s,
            is_late(s.status, s.received_at, deadline, today),
            registry[s.entity].short_zh if lang == "zh" else registry[s.entity].name_en,
        )
        for s in statuses
    ]
    counts = {
        "not_submitted": sum(s.status == "not_submitted" for s in statuses),
        "rejected": sum(s.status == "rejected" for s in statuses),
        "late": sum(late for _, late, _ in rows),
    }
    report_dir = settings.reports / period.code
    reports = sorted(p.name for p in report_dir.glob("appendix*") if p.is_file()) if report_dir.is_dir() else []
    return _page(
        request,
        viewer,
        "office.html",
        period=period.code,
        deadline=deadline,
        done=progress(statuses),
        counts=counts,
        rows=rows,
        docs=data_docs_index(settings).is_file(),
        reports=reports,
        audit=portal_events(settings, 50),
    )


@router.get("/entities/{entity}")
def entity_page(entity: str, request: Request) -> Response:
    viewer = _viewer(request)
    entity, period = _entity(viewer, entity), _period(request)
    settings, lang = _portal(request).settings, page_lang(request, viewer)
    shown = versions(entity_versions(settings, entity, period), load_catalog(), lang)
    status = shown[0].status if shown else "not_submitted"
    deadline = cycle_deadline(settings, period)
    late = is_late(status, shown[0].received_at if shown else None, deadline, datetime.now(UTC).date())
    registry_entry = load_registry()[entity]
    # the same record as `status` and /api/status: which version is in the (signed) figures, its review, the newer
    own = [s for s in period_statuses(settings, period) if s.entity == entity]
    standing = own[0] if own else EntityStatus(entity, "not_submitted", None, None, 0, 0)  # not in P's tree
    return _page(
        request,
        viewer,
        "entity.html",
        entity_name=registry_entry.short_zh if lang == "zh" else registry_entry.name_en,
        period=period.code,
        deadline=deadline,
        late=late,
        status=status,
        versions=shown,
        standing=standing,
        newer={n.version: n for n in standing.newer},
        signed=period_signoff(settings, period) is not None,
        base=f"/entities/{entity}",
        documents=period_evidence(settings, period.code, entity),
        may_attach=viewer.may_write(entity),
        needs=evidence_needed(settings, period, entity, standing.figures_version, lang),
        figures=[(i.code, i.name(lang)) for i in load_catalog().inputs_for_kind(registry_entry.kind)],
    )


@router.get("/entities/{entity}/template")
def template(entity: str, request: Request) -> Response:
    viewer = _viewer(request)
    entity, period = _entity(viewer, entity), _period(request)
    settings = _portal(request).settings
    if not is_open(settings, period):  # a download never opens a period: the office does
        raise HTTPException(404, f"{period} is not open for collection")
    with tempfile.TemporaryDirectory() as out:
        try:
            [path] = write_templates(settings, period, Path(out), [entity], open_collection=False)
        except EsgflowError as exc:
            raise HTTPException(404, str(exc)) from None
        data = path.read_bytes()
    disposition = f'attachment; filename="{path.name}"'
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.post("/entities/{entity}/returns")
def upload(
    entity: str,
    request: Request,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    viewer = _viewer(request)
    check_csrf(viewer, csrf)  # before anything of the form is looked at
    entity = _entity(viewer, entity)
    settings, lang = _portal(request).settings, page_lang(request, viewer)
    data = file.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    outcome = uploads.submit(settings, viewer, data, file.filename, client_address(request), entity)
    background.add_task(uploads.refresh_docs, settings, _portal(request).record_apart)
    written = {code: (typed or "—", unit or "") for code, (typed, unit) in outcome.written.items()}  # read once
    base = f"/entities/{entity}"
    annotated = f"{base}/versions/{outcome.version}/annotated?period={outcome.period}" if outcome.annotated else None
    return _page(
        request,
        viewer,
        "result.html",
        file=uploads.safe_name(file.filename),
        status=outcome.answer,
        version=outcome.version,
        period=outcome.period,
        # a template of another year than the one collected now: the answer names its year
        collected=None if outcome.period is None or (now := open_period(settings)) is None else now.code,
        rows=finding_rows(outcome.findings, written, load_catalog(), lang),
        # a figure that needs its documents is said beside the findings, as a warning: it refuses nothing
        needs=evidence_needed(settings, parse_period(outcome.period), entity, outcome.version, lang)
        if outcome.period and outcome.version
        else [],
        annotated=annotated,
        quarantined=uploads.QUARANTINED[lang == "zh"] if outcome.status == "refused" else "",
        back=f"{base}?period={outcome.period}" if outcome.period else base,
    )


@router.post("/entities/{entity}/evidence")
def attach(
    entity: str,
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    indicator: Annotated[str, Form()] = "",
) -> Response:
    """A document behind the return (or one figure of it), beside the figures on the reporter's page."""
    viewer = _viewer(request)
    check_csrf(viewer, csrf)  # before anything of the form is looked at
    entity, period = _entity(viewer, entity), _period(request)
    settings, lang = _portal(request).settings, page_lang(request, viewer)
    name = uploads.safe_name(file.filename)
    event = PortalEvent("evidence", "", client_address(request), viewer.grant.email, entity, period.code, None, name)
    if not viewer.may_write(entity):
        portal_event(settings, replace(event, outcome="forbidden"))
        raise HTTPException(403, word("read_only", lang))
    code = indicator or None  # an unknown code is refused by attach_evidence, and audited, like any bad document
    data = file.file.read(MAX_EVIDENCE_BYTES + 1)
    try:
        kept = attach_evidence(settings, entity, period.code, code, data, name, "portal", viewer.grant.email)
    except EvidenceRefused as exc:
        portal_event(settings, replace(event, outcome="refused", detail=f"{name}: {exc}"))
        text = word("evidence_refused", lang) + refused_why(exc, lang)  # why, in the reporter's language
        page = render("message.html", lang, viewer=viewer, heading=word("evidence", lang), text=text, back="")
        return HTMLResponse(page, status_code=422)
    portal_event(settings, replace(event, outcome="kept", detail=f"{name}: {kept.sha256}"))
    return RedirectResponse(f"/entities/{entity}?period={period.code}#evidence", status_code=303)


def _feedback(request: Request, entity: str, version: int) -> tuple[Path, Path]:
    viewer = _viewer(request)
    entity, period = _entity(viewer, entity), _period(request)
    return letter_files(_portal(request).settings.home / "letters", entity, period.code, version)


@router.get("/entities/{entity}/versions/{version}/annotated")
def annotated(entity: str, version: int, request: Request) -> Response:
    path = _feedback(request, entity, version)[1]
    if not path.is_file():
        raise HTTPException(404, "no annotated workbook for this version")
    return FileResponse(path, media_type=XLSX, filename=path.name)


@router.get("/entities/{entity}/versions/{version}/letter")
def letter(entity: str, version: int, request: Request) -> Response:
    path = _feedback(request, entity, version)[0]
    if not path.is_file():
        raise HTTPException(404, "no letter for this version")
    return PlainTextResponse(path.read_text("utf-8"))


def _office_file(request: Request, root: Path, relative: str) -> Response:
    """A file under `root`, read-only, for the ESG office; nothing outside `root` is ever served."""
    if not _viewer(request).grant.is_office:
        raise HTTPException(403, "for the ESG office")
    if "\x00" in relative or any(ord(ch) < 32 for ch in relative):
        raise HTTPException(404, "not found")  # no file name holds a NUL or a control character
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise HTTPException(404, "not found")
    return FileResponse(target)


@router.get("/docs/{relative:path}")
def data_docs(relative: str, request: Request) -> Response:
    return _office_file(request, data_docs_index(_portal(request).settings).parent, relative)


@router.get("/reports/{relative:path}")
def reports(relative: str, request: Request) -> Response:
    return _office_file(request, _portal(request).settings.reports, relative)
