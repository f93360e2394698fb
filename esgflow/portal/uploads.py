"""A return sent through the portal: its identity checked before anything is stored, then the same
pipeline as every other channel (archive, read, validate, load, letter).

Uploads that wait at the same moment are judged as one batch, because each validation is a Great
Expectations checkpoint run of about a second: when 33 entities upload at once, one run instead of
33 in a row. An upload queues its ticket; whoever of the waiting uploads finds no batch running (the
leader) takes every ticket queued for its home and ingests them together, and each waiting upload is
answered as soon as its own return is loaded. A batch holds at most one upload per entity and period
and per content, so each answer is the one it would get alone (a second version is judged against
the first; the same bytes twice are a duplicate of the stored version); the others wait for the next
batch. If the batch fails, the uploads it had not answered are judged again one by one, so a poisonous
file gets its own failure and cannot make the others' answers wrong; every upload was archived under
its hash before validation, so a crash loses none. Across worker processes each process batches its
own uploads and the home's validation lock orders the runs.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import HTTPException

from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.findings import Finding
from esgflow.intake import quarantine
from esgflow.intake.archive import content_hash
from esgflow.intake.outcome import Outcome
from esgflow.jobs.access import portal_event, recent_uploads
from esgflow.jobs.collection import Upload, ingest_uploads, record_apart, refresh_data_docs, release_judged
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

# One validation at a time in this process.
_INGEST = threading.Lock()
# Uploads of this process waiting for or in their validation. Great Expectations records the answered
# ones (and builds their Data Docs) only when none is: recording after every answer of a burst (33
# entities at once) made each reporter wait for the record of those before them. The last answer's
# refresh records every run queued since (esgflow.checks.recorder), so no record or page is lost.
_WAITING = [0]
_WAITING_LOCK = threading.Lock()
_RECORDING = threading.Lock()  # one thread at a time records the home's queue (esgflow.checks.recorder)
QUIET = 0.5  # seconds a refresh waits after an answer before it records (a background task: nobody waits)
MAX_BATCH = 64  # uploads judged in one run at most (each holds its bytes and its reading in memory)


@dataclass(eq=False)
class _Ticket:
    """One upload waiting for its answer."""

    settings: Settings
    upload: Upload
    keys: tuple[Hashable, ...]  # what two uploads of one batch may not share
    outcome: Outcome | None = None
    error: Exception | None = None
    done: bool = False


_QUEUE: list[_Ticket] = []
_BUSY = [False]  # a leader is judging a batch in this process
_TURN = threading.Condition()  # guards _QUEUE, _BUSY and each ticket's answer


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
    with _waiting():  # from its reading on: Great Expectations' record waits while an upload is on its way
        read = read_one(data, name, load_catalog())  # the one reading: the ingest takes it as it is
        identity = claimed_identity(read)
        if identity is not None:
            entity, period = identity
            if not viewer.may_write(entity) or (for_entity is not None and entity != for_entity):
                event = _with(who, "forbidden", f"{name}: a workbook of {entity} {period}", entity, period)
                portal_event(settings, event)
                raise HTTPException(403, f"this workbook is {entity}'s; you may send only your own entity's returns")
        outcome = judge(settings, Upload(data, name, viewer.grant.email, read), identity)
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


def judge(settings: Settings, upload: Upload, identity: tuple[str, str] | None) -> Outcome:
    """The upload's outcome, judged in a batch with whatever else waits at the same moment."""
    keys: tuple[Hashable, ...] = (content_hash(upload.data),) + ((identity,) if identity else ())
    ticket = _Ticket(settings, upload, keys)
    with _TURN:
        _QUEUE.append(ticket)
    while True:
        with _TURN:
            _TURN.wait_for(lambda: ticket.done or not _BUSY[0])
            if ticket.done:
                break
            _BUSY[0] = True
            batch = _take(settings)
        try:
            with _INGEST:
                _judge_batch(settings, batch)
        finally:
            with _TURN:
                for left in (t for t in batch if not t.done):  # only an interrupt leaves one: never wait forever
                    left.error, left.done = left.error or RuntimeError("the upload's batch was interrupted"), True
                _BUSY[0] = False
                _TURN.notify_all()
    if ticket.error is not None:
        raise ticket.error
    assert ticket.outcome is not None
    return ticket.outcome


def _take(settings: Settings) -> list[_Ticket]:
    """The queued tickets of this home, oldest first, at most one per entity and period and per content."""
    batch: list[_Ticket] = []
    taken: set[Hashable] = set()
    for ticket in list(_QUEUE):
        same_home = (ticket.settings.home, ticket.settings.database_url) == (settings.home, settings.database_url)
        if same_home and len(batch) < MAX_BATCH and not taken.intersection(ticket.keys):
            taken.update(ticket.keys)
            batch.append(ticket)
            _QUEUE.remove(ticket)
    return batch


def _judge_batch(settings: Settings, batch: list[_Ticket]) -> None:
    """Ingest a batch as one; one by one what it had not answered when it failed."""

    def answer(ticket: _Ticket, outcome: Outcome) -> None:
        if outcome.status == "refused" and outcome.content_hash:  # nothing of it is stored: a bounded quarantine
            quarantine.quarantine(settings.home, settings.archive, outcome.content_hash)
        with _TURN:
            ticket.outcome, ticket.done = outcome, True
            _TURN.notify_all()

    def early(n: int, outcome: Outcome) -> None:
        # a stored return is answered at once; a refused one once the batch has logged why (then quarantined)
        if outcome.status != "refused":
            answer(batch[n], outcome)

    try:
        outcomes = ingest_uploads(settings, [t.upload for t in batch], on_answer=early)
    except Exception as exc:
        if len(batch) == 1:
            batch[0].error = exc
            return
        for ticket in (t for t in batch if not t.done):
            try:
                [outcome] = ingest_uploads(settings, [ticket.upload])
            except Exception as alone:
                ticket.error = alone
                continue
            answer(ticket, outcome)
        return
    for ticket, outcome in zip(batch, outcomes, strict=True):
        if not ticket.done:
            answer(ticket, outcome)


def refresh_docs(settings: Settings, apart: bool = False) -> bool:
    """Great Expectations' record of the answered uploads and their Data Docs pages, made after the reporter
    has the answer; left (False) to the next answer's refresh while another upload of this process waits.

    The judged runs are queued under the ingest lock (no batch is half noted then); the recording runs
    outside it, so that a burst of uploads arriving meanwhile is judged at once, not after the record.
    apart: a recorder process records them (`esgflow portal`): Great Expectations never shares this
    process's interpreter with an answer, nor the processors at the same priority."""
    time.sleep(QUIET)  # uploads sent at the same moment as the one just answered are on their way in by then
    with _INGEST:
        if _WAITING[0]:
            return False
        release_judged(settings)
    if apart:
        record_apart(settings)
        return True
    with _RECORDING:  # after another thread's recording, this one takes what was queued since
        refresh_data_docs(settings, release=False)
    return True
