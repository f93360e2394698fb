"""A mailbox as the inbox: reporters reply to the template e-mail with the filled workbook attached.

`ESGFLOW_INBOX=imaps://USER@HOST[:PORT]/MAILBOX` (`imap://` only for a server on this machine,
since it sends the password in the clear); the password comes from `ESGFLOW_INBOX_PASSWORD` or
the Prefect Secret block named by `ESGFLOW_INBOX_PASSWORD_BLOCK`, never from the repository.

Messages are taken by UID and read with BODY.PEEK, so reading changes nothing on the server.
A message is marked handled (the keyword `$esgflow-handled`, and seen) only in `done`, after
every outcome of the run was committed and every kept-aside message written; a run that dies
before leaves its messages for the next, which judges them again: their workbooks are then
duplicates by content hash, so nothing is loaded twice and a letter is not owed twice.

Two runs at once: IMAP has no atomic claim (a keyword can be set by both runs), so the
mailbox is read by one run at a time under a lock on `$ESGFLOW_HOME/mailbox/.lock`, which
the operating system lets go when the run dies, as the folder inbox's claims are; a second
run finds the lock taken and collects nothing from the mailbox this time. The content-hash
check stays as the second guard.
"""

from __future__ import annotations

import fcntl
import imaplib
import os
import re
import shutil
import ssl
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.mail.inbox import Claim
from esgflow.mail.messages import MAX_MESSAGE_BYTES, TOO_LARGE, Arrived, Message, headers_only, read_message

HANDLED = "$esgflow-handled"
KEPT = "$esgflow-kept"
MAX_PER_RUN = 100  # messages one run takes; the rest wait for the next
_LOCAL = {"localhost", "127.0.0.1", "::1"}


@dataclass
class MailboxInbox:
    host: str
    port: int
    user: str
    mailbox: str
    secure: bool
    home: Path
    password: str | None = field(default=None, repr=False)
    password_block: str | None = None
    _lock: IO[bytes] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> MailboxInbox:
        settings = settings or load_settings()
        parts = urlparse(url)
        if not parts.hostname or not parts.username:
            raise EsgflowError(f"ESGFLOW_INBOX={url}: a mailbox is imaps://USER@HOST[:PORT]/MAILBOX")
        secure = parts.scheme == "imaps"
        if not secure and parts.hostname not in _LOCAL:
            raise EsgflowError(f"ESGFLOW_INBOX={url}: imap:// sends the password in the clear; use imaps://")
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if secure else 143),
            user=unquote(parts.username),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
            secure=secure,
            home=settings.home,
            password=settings.inbox_password,
            password_block=settings.inbox_password_block,
        )

    @property
    def _folder(self) -> Path:
        return self.home / "mailbox"

    def _secret(self) -> str:
        if self.password:
            return self.password
        if self.password_block:
            from prefect.blocks.system import Secret

            return str(Secret.load(self.password_block).get())
        raise EsgflowError("the mailbox needs a password: set ESGFLOW_INBOX_PASSWORD or ESGFLOW_INBOX_PASSWORD_BLOCK")

    def _connect(self) -> imaplib.IMAP4:
        try:
            if self.secure:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=ssl.create_default_context(), timeout=60
                )
            else:
                imap = imaplib.IMAP4(self.host, self.port, timeout=60)
        except OSError as exc:  # the run fails saying so, and the office is alerted (esgflow.jobs.alerts)
            raise EsgflowError(f"cannot reach the mailbox at {self.host}:{self.port}: {exc}") from None
        try:
            imap.login(self.user, self._secret())
            status, _ = imap.select(_quoted(self.mailbox))
        except imaplib.IMAP4.error as exc:
            imap.shutdown()
            raise EsgflowError(f"mailbox {self.user}@{self.host}/{self.mailbox}: {exc}") from None
        if status != "OK":
            imap.logout()
            raise EsgflowError(f"mailbox {self.user}@{self.host}: no folder {self.mailbox!r}")
        return imap

    def _take_lock(self) -> bool:
        self._folder.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            lock = (self._folder / ".lock").open("ab")
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                return False  # another run is reading the mailbox
            self._lock = lock
        return True

    def release(self) -> None:
        """Let go of the mailbox (after `done`, or when the run failed before it)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def claim(self, run_id: str, stale_after: float = 3600.0) -> Claim:
        """Fetch the messages not handled yet; write each one's workbooks under the run's claim folder."""
        if not self._take_lock():
            return Claim(run_id, [])
        claimed = self._folder / "claimed"
        shutil.rmtree(claimed, ignore_errors=True)  # a killed run's copies: its messages are fetched again
        imap = self._connect()
        try:
            _, found = imap.uid("SEARCH", "UNDELETED", "NOT", "KEYWORD", HANDLED)
            uids = (found[0] or b"").decode().split()[:MAX_PER_RUN]
            arrived = [self._fetch(imap, uid, size, when, claimed / uid) for uid, size, when in _sizes(imap, uids)]
        finally:
            imap.logout()
        return Claim(run_id, [f for a in arrived for f in a.files], messages=tuple(arrived))

    def _fetch(self, imap: imaplib.IMAP4, uid: str, size: int, received: datetime | None, folder: Path) -> Arrived:
        if size > MAX_MESSAGE_BYTES:  # kept aside on its headers alone: the body is never downloaded
            raw = _body(imap, uid, "BODY.PEEK[HEADER]<0.65536>")  # what is kept aside: the headers
            message = headers_only(raw, TOO_LARGE, f"{size} bytes")
        else:
            raw = _body(imap, uid, "BODY.PEEK[]")
            message = read_message(raw)
        # When the office's server took the message (INTERNALDATE), never the Date: its sender wrote:
        # a message dated ahead or back must not reorder the versions.
        when = min(d for d in (received, datetime.now(UTC)) if d is not None)
        folder.mkdir(parents=True, exist_ok=True)
        eml = folder / "message.eml"
        eml.write_bytes(raw)
        files = []
        if message.kept is None:
            for n, workbook in enumerate(message.workbooks, 1):
                path = folder / str(n) / workbook.filename
                path.parent.mkdir()
                path.write_bytes(workbook.data)
                stamp = int(when.timestamp() * 1e9)
                os.utime(path, ns=(stamp, stamp))  # the ingest takes a file's arrival from its modification time
                files.append(path)
        documents = []
        for n, document in enumerate(message.documents if message.kept is None else (), 1):
            path = folder / "documents" / str(n) / document.filename
            path.parent.mkdir(parents=True)
            path.write_bytes(document.data)
            documents.append(path)
        return Arrived(uid, _without_bytes(message), eml, tuple(files), when, tuple(documents))

    def done(self, claim: Claim) -> list[Path]:
        """Mark the claim's messages handled (kept-aside ones flagged too), then let go of the mailbox."""
        try:
            if claim.messages:
                imap = self._connect()
                try:
                    handled = ",".join(a.uid for a in claim.messages)
                    imap.uid("STORE", handled, "+FLAGS", f"(\\Seen {HANDLED})")
                    if claim.kept:
                        imap.uid("STORE", ",".join(sorted(claim.kept)), "+FLAGS", f"(\\Flagged {KEPT})")
                finally:
                    imap.logout()
            shutil.rmtree(self._folder / "claimed", ignore_errors=True)
        finally:
            self.release()
        return []


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sizes(imap: imaplib.IMAP4, uids: list[str]) -> list[tuple[str, int, datetime | None]]:
    """Each message's size and the time the server took it, before anything is downloaded."""
    if not uids:
        return []
    _, data = imap.uid("FETCH", ",".join(uids), "(RFC822.SIZE INTERNALDATE)")
    out = []
    for item in data:
        line = item.decode() if isinstance(item, bytes) else ""
        uid, size = re.search(r"UID (\d+)", line), re.search(r"RFC822\.SIZE (\d+)", line)
        date = re.search(r'INTERNALDATE "([^"]+)"', line)
        if uid and size:
            when = datetime.strptime(date.group(1), "%d-%b-%Y %H:%M:%S %z") if date else None
            out.append((uid.group(1), int(size.group(1)), when))
    return sorted(out, key=lambda t: int(t[0]))


def _body(imap: imaplib.IMAP4, uid: str, what: str) -> bytes:
    _, data = imap.uid("FETCH", uid, f"({what})")
    return next((item[1] for item in data if isinstance(item, tuple)), b"")


def _without_bytes(message: Message) -> Message:
    """The message as the run keeps it in memory: its workbooks are on disk now."""
    return replace(
        message,
        workbooks=tuple(replace(w, data=b"") for w in message.workbooks),
        documents=tuple(replace(d, data=b"") for d in message.documents),
    )
