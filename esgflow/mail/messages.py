"""What a reporter's e-mail holds: who sent it, when, in which thread, and its workbooks.

Nothing in a message is trusted. Display names are dropped (anyone may call themselves the
ESG reporter of SAMI), a sender is only its address part in lower case, thread headers are
cut down to the message ids in them, attachment names lose any folder, and sizes and counts
are bounded: a message over a bound is kept aside unread with the reason, never parsed
further. Who may report for which entity is decided elsewhere, against the entity the
workbook's signature proves it is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from esgflow.findings import NOT_YOUR_ENTITY as NOT_YOUR_ENTITY  # a reason a message is kept, with the others
from esgflow.workbooks.safe_zip import MAX_FILE_BYTES

# A message larger than this is not fetched whole: two workbooks at their limit, encoded, and the text.
MAX_MESSAGE_BYTES = 3 * MAX_FILE_BYTES
# More attachments than this is not a return: the workbook, a signature logo or two, and the documents
# behind its figures (bills, certificates: kept as evidence of the return, esgflow.jobs.evidence).
MAX_ATTACHMENTS = 8
# What a document behind a return starts with: PDF, PNG, JPEG (its content is checked again when it is kept).
_DOCUMENT_MAGIC = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
# Spreadsheets in any format a reporter's office program saves: each is taken and judged, so
# that a reporter who sends an .ods or a CSV hears how to send it as .xlsx (not "no workbook").
WORKBOOK_SUFFIXES = (
    ".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".ods", ".fods", ".ots", ".numbers", ".et", ".ett",
    ".csv", ".tsv", ".gnumeric",
)  # fmt: skip
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9.-]+$")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII without '<' or '>'
MAX_AUTH_HEADERS = 20  # Authentication-Results headers read, top first
MAX_REFERENCES = 20  # the thread's newest ids are enough for mail programs to place an answer

# Why a message is kept aside for the ESG office instead of ingested (worded in esgflow.mail.notices).
TOO_LARGE = "too_large"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
TOO_MANY_ATTACHMENTS = "too_many_attachments"
NO_WORKBOOK = "no_workbook"
TNEF_WITHOUT_WORKBOOK = "tnef_without_workbook"  # Outlook's winmail.dat, with no workbook inside
NO_SENDER = "no_sender"
UNKNOWN_SENDER = "unknown_sender"
UNAUTHENTICATED = "unauthenticated"  # the office's mail server did not vouch for the sender (esgflow.mail.auth)
REFUSED = "refused"


@dataclass(frozen=True)
class Workbook:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Message:
    sender: str | None  # the one From address, lower case; None when there is not exactly one
    message_id: str | None
    references: str  # the ids of the thread before it, space-separated
    subject: str
    date: datetime | None
    workbooks: tuple[Workbook, ...] = ()
    kept: str | None = None  # why it is kept aside before any workbook is read
    detail: str = ""  # what the reason refers to (a count, a file name)
    authentication: tuple[str, ...] = ()  # its Authentication-Results headers, top first (esgflow.mail.auth)
    documents: tuple[Workbook, ...] = ()  # attached PDFs and pictures: evidence for the return beside them


def sender_of(header_values: list[str]) -> str | None:
    """The address part of the one From address, lower case; None for none, several or a malformed one."""
    found = [addr.strip().lower() for _, addr in getaddresses(header_values) if addr.strip()]
    if len(found) != 1 or not _ADDRESS.match(found[0]):
        return None
    return found[0]


def message_ids(text: str | None) -> list[str]:
    """The message ids in a header value; anything else in it (text, line breaks) is dropped."""
    return _MESSAGE_ID.findall(text or "")


def _date(text: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def safe_name(name: str | None, n: int) -> str:
    """An attachment's name without folders or control characters; a made-up one when nothing is left."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\\/:*?"<>|').strip()
    if not base or base.startswith((".", "~$")):
        return f"attachment-{n}{PurePosixPath(base).suffix.lower()}"
    return base[:200]


def _is_workbook(filename: str, part: EmailMessage) -> bool:
    return filename.lower().endswith(WORKBOOK_SUFFIXES) or "spreadsheet" in part.get_content_type()


def headers_only(raw: bytes, kept: str, detail: str = "") -> Message:
    """A message judged on its headers alone (too large to read): who, when, which thread, why kept."""
    msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    return _envelope(msg, kept, detail)


def _envelope(
    msg: EmailMessage,
    kept: str | None,
    detail: str = "",
    workbooks: tuple[Workbook, ...] = (),
    documents: tuple[Workbook, ...] = (),
) -> Message:
    ids = message_ids(str(msg.get("Message-ID", "")))
    refs = message_ids(str(msg.get("References", ""))) or message_ids(str(msg.get("In-Reply-To", "")))
    subject = " ".join(str(msg.get("Subject", "")).split())[:300]
    sender = sender_of([str(v) for v in msg.get_all("From", [])])
    if sender is None and kept is None:
        kept = NO_SENDER
    results = tuple(str(v) for v in msg.get_all("Authentication-Results", [])[:MAX_AUTH_HEADERS])
    return Message(
        sender, ids[0] if ids else None, " ".join(refs[-MAX_REFERENCES:]), subject, _date(msg.get("Date")),
        workbooks, kept, detail, results, documents,
    )  # fmt: skip


def read_message(raw: bytes) -> Message:
    """Who sent a message, its thread, and its workbook attachments, or why it is kept aside."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return headers_only(raw, TOO_LARGE)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    attachments = [p for p in msg.walk() if not p.is_multipart() and (p.get_filename() or p.is_attachment())]
    if len(attachments) > MAX_ATTACHMENTS:
        return _envelope(msg, TOO_MANY_ATTACHMENTS, str(len(attachments)))
    workbooks, documents, tnef = [], [], False
    for n, part in enumerate(attachments, 1):
        name = safe_name(part.get_filename(), n)
        is_tnef = _is_tnef(name, part)
        if not is_tnef and not _is_workbook(name, part):
            body = part.get_payload(decode=True)
            if part.is_attachment() and isinstance(body, bytes) and body.startswith(_DOCUMENT_MAGIC):
                documents.append(Workbook(name, body))  # a bill or a certificate: evidence, not a return
            continue  # an inline logo, or anything else: not a return, not kept
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        if len(data) > MAX_FILE_BYTES:
            return _envelope(msg, ATTACHMENT_TOO_LARGE, name)
        tnef = tnef or is_tnef
        workbooks.extend(_from_tnef(data, n) if is_tnef else [Workbook(name, data)])
    if len(workbooks) > MAX_ATTACHMENTS:
        return _envelope(msg, TOO_MANY_ATTACHMENTS, str(len(workbooks)))
    if not workbooks:
        return _envelope(msg, TNEF_WITHOUT_WORKBOOK if tnef else NO_WORKBOOK)
    return _envelope(msg, None, "", tuple(workbooks), tuple(documents))


def _is_tnef(filename: str, part: EmailMessage) -> bool:
    """Outlook's rich-text wrapper (winmail.dat, application/ms-tnef), which holds the real attachments."""
    return part.get_content_type() in ("application/ms-tnef", "application/vnd.ms-tnef") or (
        filename.lower() == "winmail.dat"
    )


def _from_tnef(data: bytes, n: int) -> list[Workbook]:
    """The workbooks inside a TNEF container (read with tnefparse; nothing in it is run), each judged
    like any other attachment; an unreadable container gives none."""
    from tnefparse import TNEF

    try:
        container = TNEF(data, do_checksum=False)
        inner = [(a.long_filename(), a.data) for a in container.attachments]
    except Exception:  # a damaged container is a message without a workbook, and said so
        return []
    found = []
    for m, (name, payload) in enumerate(inner, 1):
        filename = safe_name(name if isinstance(name, str) else "", n * 100 + m)
        if isinstance(payload, bytes) and filename.lower().endswith(WORKBOOK_SUFFIXES):
            found.append(Workbook(filename, payload[: MAX_FILE_BYTES + 1]))
    return found


@dataclass(frozen=True)
class Arrived:
    """A message claimed from a mailbox: where its raw bytes and workbooks were written, and when it arrived."""

    uid: str
    message: Message
    raw: Path  # the message as received (.eml), kept aside with its reason when it is not ingested
    files: tuple[Path, ...]  # its workbooks, each with the message's arrival as modification time
    arrived: datetime
    documents: tuple[Path, ...] = ()  # its documents (evidence), written beside the workbooks
