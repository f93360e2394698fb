"""Where returned workbooks arrive. The folder inbox is the embedded default; a mailbox (IMAP)
or object storage is another InboxSource, and the collect flow does not change.

Every source hands files over by claiming them: a claimed file belongs to one run only, so
two runs at the same time never take the same file, and a run that stopped halfway leaves
its claims for the next run to take over. Loading is idempotent besides (a file's content
hash is unique per entity and period), so a file taken over is still loaded only once.

Only complete files are claimed. A file under a temporary name (`.part`, `.crdownload`, ...)
is left until it is renamed, and a file is claimed only when its size and modification time
stayed the same for `settle` seconds. A writer that still holds the file open after it was
claimed (a stalled network copy) changes it under the run: such a file goes back to the inbox
when the run is done, so the complete bytes are judged by the next run and never lost.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlparse

from esgflow import EsgflowError
from esgflow.mail.messages import Arrived

if TYPE_CHECKING:
    from esgflow.config import Settings

CLAIMS = ".claimed"
OWNER = ".owner"  # in each claim folder: locked by the run that owns it while it lives
DONE = "processed"


# Names browsers, copy tools and sync clients give a file while it is still being written.
TEMPORARY_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".opdownload", ".filepart", ".tmp", ".temp")

Stamp = tuple[int, int]  # size and modification time (ns): what changes while a file is written


@dataclass(frozen=True)
class Claim:
    run_id: str
    files: list[Path]
    stamps: dict[Path, Stamp] = field(default_factory=dict)  # each claimed file as it was when claimed
    messages: tuple[Arrived, ...] = ()  # a mailbox's claim: the messages the files came in
    kept: frozenset[str] = frozenset()  # uids of the messages kept aside for the ESG office (set before `done`)


class InboxSource(Protocol):
    def claim(self, run_id: str, stale_after: float) -> Claim:
        """Take the files that have arrived (and claims older than `stale_after` seconds)."""
        ...

    def done(self, claim: Claim) -> list[Path]:
        """The claimed files were judged: keep them out of the next run (returns any put back for it)."""
        ...


@dataclass
class FolderInbox:
    """A folder (local or shared by every worker, e.g. an NFS or SMB mount) that returns are dropped into."""

    root: Path
    settle: float = 1.0  # seconds a file must stay unchanged before it is claimed
    _held: dict[Path, int] = field(default_factory=dict, repr=False, compare=False)  # claim folder -> locked fd

    def _arrived(self) -> dict[Path, Stamp]:
        if not self.root.exists():
            return {}
        found = {}
        for p in sorted(self.root.iterdir()):
            if p.name.startswith((".", "~$")) or p.name.lower().endswith(TEMPORARY_SUFFIXES):
                continue
            if p.is_file() or p.is_symlink():  # a link is claimed to be refused, never followed
                try:
                    found[p] = _stamp(p)
                except FileNotFoundError:
                    continue  # another run claimed it between the listing and the look: it is that run's
        return found

    def _complete(self) -> list[Path]:
        """The arrived files that stayed unchanged for `settle` seconds (waiting once, if need be)."""
        first = self._arrived()
        young = [p for p, st in first.items() if time.time_ns() - st[1] < self.settle * 1e9]
        if young:
            time.sleep(self.settle)
            again = self._arrived()
            return [p for p, st in first.items() if again.get(p) == st]
        return list(first)

    def claim(self, run_id: str, stale_after: float = 3600.0) -> Claim:
        target = self.root / CLAIMS / run_id
        target.mkdir(parents=True, exist_ok=True)
        self._hold(target)
        taken: list[Path] = []
        sources = self._complete()
        claims = self.root / CLAIMS
        given_up = [d for d in sorted(claims.iterdir()) if d != target and _abandoned(d, stale_after)]
        for other in given_up:  # a stopped run's claims
            sources += sorted(p for p in other.iterdir() if p.name != OWNER and (p.is_file() or p.is_symlink()))
        for source in sources:
            dest = target / source.name
            if dest.exists():
                dest = target / f"{source.stem}-{time.time_ns()}{source.suffix}"
            try:
                os.rename(source, dest)  # atomic: exactly one run gets each file
            except FileNotFoundError:
                continue  # another run claimed it first
            taken.append(dest)
        for other in given_up:
            if not any(p.name != OWNER for p in other.iterdir()):
                shutil.rmtree(other, ignore_errors=True)
        return Claim(run_id, sorted(taken), {p: _stamp(p) for p in taken})

    def _hold(self, target: Path) -> None:
        """Lock the run's claim folder for as long as the run lives: the OS lets go when the process dies."""
        if target in self._held:
            return
        fd = os.open(target / OWNER, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._held[target] = fd

    def _release(self, target: Path) -> None:
        fd = self._held.pop(target, None)
        if fd is not None:
            os.close(fd)

    def done(self, claim: Claim) -> list[Path]:
        """Move the judged files to `processed/`; a file written to after it was claimed goes back to the inbox.

        Returns the claimed paths of the files put back, which the next run judges again.
        """
        folder = self.root / DONE / claim.run_id
        folder.mkdir(parents=True, exist_ok=True)
        back = []
        for path in claim.files:
            if not path.exists() and not path.is_symlink():
                continue
            if path in claim.stamps and _stamp(path) != claim.stamps[path]:
                dest = self.root / path.name
                if dest.exists():
                    dest = self.root / f"{path.stem}-{time.time_ns()}{path.suffix}"
                os.replace(path, dest)
                back.append(path)
            else:
                os.replace(path, folder / path.name)
        shutil.rmtree(self.root / CLAIMS / claim.run_id, ignore_errors=True)
        self._release(self.root / CLAIMS / claim.run_id)
        return back


def _abandoned(folder: Path, stale_after: float) -> bool:
    """Whether a claim folder's run is gone: nobody holds its lock, or it is older than `stale_after` seconds."""
    try:
        if time.time() - folder.stat().st_mtime > stale_after:
            return True
        fd = os.open(folder / OWNER, os.O_RDWR)
    except FileNotFoundError:
        return False  # just made by a run that is about to lock it, or already cleaned away
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its run is alive
    finally:
        os.close(fd)  # let go at once; runs that both find it abandoned share its files, one rename each
    return True


def _stamp(path: Path) -> Stamp:
    st = path.lstat()
    return st.st_size, st.st_mtime_ns


def _folder(location: str, settings: Settings | None) -> InboxSource:
    return FolderInbox(Path(urlparse(location).path if "://" in location else location))


def _mailbox(location: str, settings: Settings | None) -> InboxSource:
    from esgflow.mail.mailbox import MailboxInbox  # imaplib and the mail parsing only where a mailbox is used

    return MailboxInbox.from_url(location, settings)


# URL scheme -> source, chosen with ESGFLOW_INBOX; the collect flow does not change.
# An object store would be added here beside the mailbox.
SOURCES: dict[str, Callable[[str, Settings | None], InboxSource]] = {
    "": _folder,
    "file": _folder,
    "imap": _mailbox,
    "imaps": _mailbox,
}


def inbox_for(location: str | Path, settings: Settings | None = None) -> InboxSource:
    """The inbox source for a location: a folder path, file:// URL, or a URL of a registered scheme."""
    text = str(location)
    scheme = urlparse(text).scheme if "://" in text else ""
    if scheme not in SOURCES:
        known = ", ".join(sorted(s for s in SOURCES if s)) or "none"
        raise EsgflowError(f"no inbox source for {scheme}:// (ESGFLOW_INBOX={text}); registered schemes: {known}")
    return SOURCES[scheme](text, settings)
