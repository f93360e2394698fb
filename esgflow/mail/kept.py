"""Messages kept aside for the ESG office instead of ingested, and the answer each sender is owed.

Each is kept under `$ESGFLOW_HOME/kept/` as `<key>.eml` (the message as received; only its
headers when it was too large to download) beside `<key>.json` (sender, subject, reason). The
key is the hash of those bytes, so a message judged again by a run after one that died is
kept once. Its answer goes out with `esgflow.jobs.mailing.send_letters`, under a lease file as letters are
(`<key>.sending`), and `<key>.answered` records that it went.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from esgflow.intake.archive import content_hash
from esgflow.intake.outcome import Outcome
from esgflow.mail.auth import vouched
from esgflow.mail.messages import NOT_YOUR_ENTITY, REFUSED, UNAUTHENTICATED, UNKNOWN_SENDER, Arrived, Message
from esgflow.records import MailThread, Origin
from esgflow.workbooks.returns import ParsedReturn


@dataclass(frozen=True)
class KeptMessage:
    key: str
    sender: str | None
    subject: str
    reason: str  # one of the reasons in esgflow.mail.messages
    detail: str
    language: str  # the sender's, when the address is known: zh or en; else both
    message_id: str | None
    references: str
    uid: str
    # Whether the sender is answered: only one the office's mail server authenticated and the
    # registry knows (or whose domain is a reporter's); anyone else's message is only kept.
    answer: bool = True


def folder(home: Path) -> Path:
    return home / "kept"


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".writing-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # whole or not at all


def keep(
    home: Path, arrived: Arrived, reason: str, detail: str, language: str, answer: bool = True
) -> tuple[KeptMessage, Path]:
    """Keep a message aside with its reason; returns it and where its raw copy is."""
    raw = arrived.raw.read_bytes()
    message = arrived.message
    kept = KeptMessage(
        content_hash(raw + arrived.uid.encode())[:20],
        message.sender,
        message.subject,
        reason,
        detail,
        language,
        message.message_id,
        message.references,
        arrived.uid,
        answer,
    )
    root = folder(home)
    root.mkdir(parents=True, exist_ok=True)
    eml = root / f"{kept.key}.eml"
    _write(eml, raw)
    _write(root / f"{kept.key}.json", json.dumps(asdict(kept), ensure_ascii=False, indent=1).encode())
    return kept, eml


def kept_messages(home: Path) -> list[KeptMessage]:
    """Every message kept aside, oldest first (for the ESG office)."""
    root = folder(home)
    paths = sorted(root.glob("*.json"), key=lambda p: p.stat().st_mtime_ns) if root.exists() else []
    return [KeptMessage(**json.loads(p.read_text("utf-8"))) for p in paths]


def answers_owed(home: Path) -> list[KeptMessage]:
    """Kept messages whose sender is owed an answer and has not had it (a message without a sender gets none)."""
    return [
        k for k in kept_messages(home) if k.answer and k.sender and not (folder(home) / f"{k.key}.answered").exists()
    ]


def claim_answer(home: Path, key: str, lease: float) -> bool:
    """Take the lease on answering a kept message; False while another run holds a live one."""
    sending = folder(home) / f"{key}.sending"
    for _ in range(2):
        try:
            os.close(os.open(sending, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            try:
                if time.time() - sending.stat().st_mtime < lease:
                    return False
                sending.unlink()  # the run that took it died: its lease ended
            except FileNotFoundError:
                pass
    return False


def mark_answered(home: Path, key: str) -> None:
    (folder(home) / f"{key}.answered").touch()
    release_answer(home, key)


def release_answer(home: Path, key: str) -> None:
    (folder(home) / f"{key}.sending").unlink(missing_ok=True)


Reasons = dict[str, tuple[str, str]]  # message uid -> (reason, detail) of the messages kept aside


def before_ingest(
    arrived: tuple[Arrived, ...], entities_of: dict[str, set[str]], authserv_id: str | None = None
) -> tuple[dict[Path, Origin], Reasons]:
    """The workbooks to ingest, each with the entities its sender may report for; the messages kept aside unread.

    A sender is its address part, compared in lower case with the reporters' addresses; a
    sender who reports for no entity, or whom the office's mail server (authserv_id) did not
    authenticate, is kept aside before any workbook of theirs is read.
    """
    origins: dict[Path, Origin] = {}
    kept: Reasons = {}
    for a in arrived:
        m = a.message
        if m.kept:
            kept[a.uid] = (m.kept, m.detail)
        elif not m.sender or m.sender not in entities_of:
            kept[a.uid] = (UNKNOWN_SENDER, "")
        elif not vouched(list(m.authentication), authserv_id, m.sender):
            kept[a.uid] = (UNAUTHENTICATED, authserv_id or "")
        else:
            thread = MailThread(m.message_id or "", m.references, m.sender)
            origins.update({f: Origin(frozenset(entities_of[m.sender]), thread) for f in a.files})
    return origins, kept


def after_ingest(arrived: tuple[Arrived, ...], outcomes: list[Outcome], kept: Reasons) -> Reasons:
    """The messages kept aside once their workbooks were judged: one for an entity not the sender's, or none taken."""
    by_path = {o.path: o for o in outcomes}
    out = dict(kept)
    for a in arrived:
        judged = [by_path[f] for f in a.files if f in by_path]
        if a.uid in out or not judged:
            continue
        theirs = [o for o in judged if o.findings and o.findings[0].rule == NOT_YOUR_ENTITY]
        if theirs:
            out[a.uid] = (NOT_YOUR_ENTITY, theirs[0].entity or "")
        elif all(o.status == "refused" or o.same_as is not None for o in judged):  # copies of a refused file too
            first = judged[0].findings[0].message if judged[0].findings else "unreadable"
            out[a.uid] = (REFUSED, first)
    return out


def answerable(message: Message, entities_of: dict[str, set[str]], authserv_id: str | None) -> bool:
    """Whether a kept message is answered: its sender authenticated by the office's mail server, and a
    registered reporter or at a domain one of them writes from. Nobody else gets mail from the office
    (an unknown address would otherwise make the office's sender answer anyone it is told to)."""
    sender = message.sender
    if not sender or not vouched(list(message.authentication), authserv_id, sender):
        return False
    domains = {address.rsplit("@", 1)[-1] for address in entities_of}
    return sender in entities_of or sender.rsplit("@", 1)[-1] in domains


def is_blank(ret: ParsedReturn) -> bool:
    """A template with nothing filled in: no figure, no text, no note, no split row."""
    written = any(r.value is not None or (r.found or "").strip() or (r.note or "").strip() for r in ret.reported)
    return not written and not ret.splits


def blanks_beside_returns(
    arrived: tuple[Arrived, ...], read: Callable[[Path], ParsedReturn | None]
) -> dict[Path, Path]:
    """The blank templates that came in one message beside a filled return of the same entity and period
    (a reporter attaching the template they were sent with their filled copy): path -> the filled file.
    They are set aside, never a new version; anything unreadable is left to the ingest to judge."""
    out: dict[Path, Path] = {}
    for a in arrived:
        if len(a.files) < 2:
            continue
        parsed = {f: read(f) for f in a.files}
        filled = {(p.entity, p.period): f for f, p in parsed.items() if p is not None and not is_blank(p)}
        for f, p in parsed.items():
            if p is not None and is_blank(p) and (p.entity, p.period) in filled:
                out[f] = filled[(p.entity, p.period)]
    return out


def sender_language(sender: str | None, entities_of: dict[str, set[str]], languages: dict[str, str]) -> str:
    """zh or en when every entity the address reports for writes in it; both when unknown or mixed."""
    found = {languages.get(e, "") for e in entities_of.get(sender or "", set())}
    return found.pop() if len(found) == 1 and "" not in found else "both"
