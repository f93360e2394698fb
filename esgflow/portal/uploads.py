"""A return sent through the portal: its identity checked before anything is stored, then the same
pipeline as every other channel (archive, read, validate, load, letter), one upload at a time."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.findings import Finding
from esgflow.intake import quarantine
from esgflow.intake.outcome import Outcome
from esgflow.jobs.access import portal_event, recent_uploads
from esgflow.jobs.collection import ingest_bytes, refresh_data_docs
from esgflow.portal.auth import Viewer
from esgflow.records import PortalEvent
from esgflow.workbooks.returns import ParsedReturn, read_one

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Uploads taken in an hour: per sign-in, and per entity (its reporters together).
UPLOADS_PER_SIGNIN, UPLOADS_PER_ENTITY, UPLOAD_WINDOW = 20, 40, 3600
QUARANTINED = (
    f"the refused file is kept for the ESG office for {quarantine.RETENTION_DAYS} days, then deleted",
    f"被拒收的文件将为 ESG 工作办公室保留 {quarantine.RETENTION_DAYS} 天，之后删除",
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")

_INVISIBLE = {"Cf", "Co", "Cs", "Cn", "Zl", "Zp"}  # dropped; controls become _ below

# One validation at a time in this process: the warm Great Expectations context is shared.
_INGEST = threading.Lock()
# Uploads of this process waiting for or in their validation. The Data Docs are built after an answer
# only when none is: a build holds _INGEST as long as a validation, so building after every answer of a
# burst (33 entities at once) made each reporter wait for the pages of those before them. The last
# answer's build renders every result stored since (gx_run.Validator.pending), so no page is lost.
_WAITING = [0]
_WAITING_LOCK = threading.Lock()


def safe_name(name: str | None) -> str:
    """The upload's own file name, without folders, controls, format characters (bidirectional overrides,
    zero-width marks) or a leading dot (hidden files are skipped)."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch) not in _INVISIBLE)
    base = _UNSAFE.sub("_", base).strip().lstrip(".")[:200]
    return base or "upload.xlsx"


def claimed_identity(read: ParsedReturn | Finding) -> tuple[str, str] | None:
    """(entity, period) a workbook says it is for, as the ingest reads it; None when unreadable.

    The signature is not needed here: a workbook naming another entity is turned away whether
    its identity is genuine or edited; one naming the reporter's own entity goes on to the
    pipeline, which verifies the signature and refuses a forged one.
    """
    return (read.entity, read.period) if isinstance(read, ParsedReturn) else None


def submit(
    settings: Settings, viewer: Viewer, data: bytes, filename: str | None, client: str, for_entity: str | None = None
) -> Outcome:
    """Judge one uploaded workbook for `viewer`; 413 or 403 (audited, nothing stored) when it may not be taken.

    for_entity: the entity whose page the form was on; the workbook must be that entity's.
    """
    name = safe_name(filename)
    who = PortalEvent("submission", "", client, viewer.grant.email, viewer.grant.entity, detail=name)
    if viewer.grant.is_auditor:  # read-only, whatever the workbook says
        portal_event(settings, _with(who, "forbidden", f"{name}: an auditor sends no returns"))
        raise HTTPException(403, "an auditor's sign-in is read-only: it sends no returns")
    mine, entitys = recent_uploads(settings, viewer.grant.email, for_entity or viewer.grant.entity, UPLOAD_WINDOW)
    if mine >= UPLOADS_PER_SIGNIN or entitys >= UPLOADS_PER_ENTITY:
        portal_event(settings, _with(who, "rate_limited", name))
        limit = f"{UPLOADS_PER_SIGNIN} per sign-in and {UPLOADS_PER_ENTITY} per entity an hour"
        raise HTTPException(429, f"too many uploads ({limit}); wait an hour or ask the ESG office")
    if len(data) > MAX_UPLOAD_BYTES:
        portal_event(settings, _with(who, "too_large", f"{name}: {len(data)} bytes"))
        raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    read = read_one(data, name, load_catalog())  # the one reading: the ingest takes it as it is
    identity = claimed_identity(read)
    if identity is not None:
        entity, period = identity
        if not viewer.may_write(entity) or (for_entity is not None and entity != for_entity):
            portal_event(settings, _with(who, "forbidden", f"{name}: a workbook of {entity} {period}", entity, period))
            raise HTTPException(403, f"this workbook is {entity}'s; you may send only your own entity's returns")
    with _waiting(), _INGEST:
        outcome = ingest_bytes(settings, data, name, by=viewer.grant.email, read=read)
        if outcome.status == "refused" and outcome.content_hash:  # nothing of it is stored: a bounded quarantine
            quarantine.quarantine(settings.home, settings.archive, outcome.content_hash)
    entity = outcome.entity or (identity[0] if identity else viewer.grant.entity)
    period = outcome.period or (identity[1] if identity else None)
    portal_event(settings, _with(who, outcome.status, name, entity, period, outcome.version))
    return outcome


def _with(
    base: PortalEvent,
    outcome: str,
    detail: str,
    entity: str | None = None,
    period: str | None = None,
    version: int | None = None,
) -> PortalEvent:
    return PortalEvent(base.action, outcome, base.client, base.email, entity or base.entity, period, version, detail)


@contextmanager
def _waiting() -> Iterator[None]:
    with _WAITING_LOCK:
        _WAITING[0] += 1
    try:
        yield
    finally:
        with _WAITING_LOCK:
            _WAITING[0] -= 1


def refresh_docs(settings: Settings) -> bool:
    """The Data Docs pages, built after the reporter has their answer; left (False) to the build after the
    next answer while another upload of this process waits for its own."""
    with _INGEST:
        if _WAITING[0]:
            return False
        refresh_data_docs(settings)
        return True
