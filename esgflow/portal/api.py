"""The portal's API for scripts (INTERFACE.md, 'The portal's API'): the same token as the sign-in link,
sent as `Authorization: Bearer <token>`; no cookie is read here, so no CSRF token is needed."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, HTTPException, Request, UploadFile

from esgflow import EsgflowError
from esgflow.intake.evidence import MAX_EVIDENCE_BYTES, EvidenceRefused
from esgflow.jobs.access import portal_event
from esgflow.jobs.assurance import record_result
from esgflow.jobs.collection import period_statuses
from esgflow.jobs.evidence import attach_evidence
from esgflow.portal import uploads
from esgflow.portal.auth import client_address, script_viewer
from esgflow.portal.pages import request_period
from esgflow.records import PortalEvent

router = APIRouter(prefix="/api")


@router.post("/returns")
def post_return(request: Request, background: BackgroundTasks, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Ingest one workbook as the token's reporter: the outcome and its findings (as `check --json`)."""
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    data = file.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    outcome = uploads.submit(portal.settings, viewer, data, file.filename, client_address(request))
    background.add_task(uploads.refresh_docs, portal.settings, portal.record_apart)
    return {
        "file": uploads.safe_name(file.filename),
        "status": outcome.answer,  # late_correction for a return of a signed-off period (INTERFACE.md)
        "entity": outcome.entity,
        "period": outcome.period,
        "version": outcome.version,
        "findings": [f.to_json() for f in outcome.findings],
        **({"note": uploads.QUARANTINED[0]} if outcome.status == "refused" else {}),
    }


@router.post("/evidence")
def post_evidence(
    request: Request,
    file: Annotated[UploadFile, File()],
    period: Annotated[str, Form()],
    indicator: Annotated[str | None, Form()] = None,
    entity: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Attach a document to the token's entity's return of a period, or to one of its figures (`indicator`).

    `entity` defaults to the token's own; another entity's return is 403 (audited), whatever the document.
    """
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    name = uploads.safe_name(file.filename)
    target = entity or viewer.grant.entity
    code = request_period(period).code
    event = PortalEvent("evidence", "", client_address(request), viewer.grant.email, target, code, None, name)
    if not target or not viewer.may_write(target):
        portal_event(portal.settings, replace(event, outcome="forbidden"))
        raise HTTPException(403, f"you may attach documents only to your own entity's returns, not {target}'s")
    data = file.file.read(MAX_EVIDENCE_BYTES + 1)
    try:
        kept = attach_evidence(portal.settings, target, code, indicator or None, data, name, "api", viewer.grant.email)
    except EvidenceRefused as exc:
        portal_event(portal.settings, replace(event, outcome="refused", detail=f"{name}: {exc}"))
        raise HTTPException(413 if len(data) > MAX_EVIDENCE_BYTES else 422, str(exc)) from exc
    portal_event(portal.settings, replace(event, outcome="kept", detail=f"{name}: {kept.sha256}"))
    return {
        "id": kept.id,
        "sha256": kept.sha256,
        "entity": kept.entity,
        "period": kept.period,
        "indicator": kept.indicator,
    }


@router.post("/assurance/results")
def post_result(
    request: Request,
    period: Annotated[str, Form()],
    observation_id: Annotated[int, Form()],
    result: Annotated[str, Form()],
    amount: Annotated[str | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    """An auditor's result on a sampled input, appended to the audit trail; anyone else is 403."""
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    asked = request_period(period)
    if not viewer.grant.is_auditor or not viewer.may_read_period(asked.code):
        raise HTTPException(403, "only an auditor of this period records test results")
    try:
        return record_result(portal.settings, asked, viewer.grant.email, observation_id, result, amount, comment)
    except EsgflowError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/status")
def get_status(request: Request, period: str) -> list[dict[str, Any]]:
    """The records of `status --json`: the token's own entity, or every entity for an office token."""
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    asked = request_period(period)
    if not viewer.may_read_period(asked.code):
        raise HTTPException(403, f"this sign-in is for {viewer.grant.period} only")
    statuses = period_statuses(portal.settings, asked)
    return [s.to_json() for s in statuses if viewer.may_see(s.entity)]
