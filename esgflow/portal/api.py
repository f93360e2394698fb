"""The portal's API for scripts (INTERFACE.md, 'The portal's API'): the same token as the sign-in link,
sent as `Authorization: Bearer <token>`; no cookie is read here, so no CSRF token is needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Request, UploadFile

from esgflow.jobs.collection import period_statuses
from esgflow.portal import uploads
from esgflow.portal.auth import client_address, script_viewer
from esgflow.portal.pages import request_period

router = APIRouter(prefix="/api")


@router.post("/returns")
def post_return(request: Request, background: BackgroundTasks, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Ingest one workbook as the token's reporter: the outcome and its findings (as `check --json`)."""
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    data = file.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    outcome = uploads.submit(portal.settings, viewer, data, file.filename, client_address(request))
    background.add_task(uploads.refresh_docs, portal.settings)
    return {
        "file": uploads.safe_name(file.filename),
        "status": outcome.answer,  # late_correction for a return of a signed-off period (INTERFACE.md)
        "entity": outcome.entity,
        "period": outcome.period,
        "version": outcome.version,
        "findings": [f.to_json() for f in outcome.findings],
        **({"note": uploads.QUARANTINED[0]} if outcome.status == "refused" else {}),
    }


@router.get("/status")
def get_status(request: Request, period: str) -> list[dict[str, Any]]:
    """The records of `status --json`: the token's own entity, or every entity for an office token."""
    portal = request.app.state.portal
    viewer = script_viewer(portal.settings, request, portal.signins)
    statuses = period_statuses(portal.settings, request_period(period))
    return [s.to_json() for s in statuses if viewer.may_see(s.entity)]
