"""Where returned workbooks arrive. The folder inbox is the embedded default; a mailbox (IMAP)
or object storage is another InboxSource, and the collect flow does not change.

Every source hands files over by claiming them: a claimed file belongs to one run only, so
two runs at the same time never take the same file, and a run that stopped halfway leaves
its claims for the next run to take over. Loading is idempotent besides (a file's content
hash is unique per entity and period), so a file taken over is still loaded only once.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from esgflow import EsgflowError

CLAIMS = ".claimed"
DONE = "processed"


@dataclass(frozen=True)
class Claim:
    run_id: str
    files: list[Path]


class InboxSource(Protocol):
    def claim(self, run_id: str, stale_after: float) -> Claim:
        """Take the files that have arrived (and claims older than `stale_after` seconds)."""
        ...

    def done(self, claim: Claim) -> None:
        """The claimed files were judged: keep them out of the next run."""
        ...


@dataclass
class FolderInbox:
    """A folder (local or shared by every worker, e.g. an NFS or SMB mount) that returns are dropped into."""

    root: Path

    def _arrived(self) -> list[Path]:
        return (
            sorted(p for p in self.root.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
            if self.root.exists()
            else []
        )

    def claim(self, run_id: str, stale_after: float = 3600.0) -> Claim:
        target = self.root / CLAIMS / run_id
        target.mkdir(parents=True, exist_ok=True)
        taken: list[Path] = []
        sources = self._arrived()
        claims = self.root / CLAIMS
        for other in claims.iterdir() if claims.exists() else []:
            if other.name != run_id and other.is_dir() and time.time() - other.stat().st_mtime > stale_after:
                sources += sorted(p for p in other.iterdir() if p.is_file())  # a stopped run's claims
        for source in sources:
            dest = target / source.name
            if dest.exists():
                dest = target / f"{source.stem}-{time.time_ns()}{source.suffix}"
            try:
                os.rename(source, dest)  # atomic: exactly one run gets each file
            except FileNotFoundError:
                continue  # another run claimed it first
            taken.append(dest)
        for other in claims.iterdir() if claims.exists() else []:
            if other.name != run_id and other.is_dir() and not any(other.iterdir()):
                shutil.rmtree(other, ignore_errors=True)
        return Claim(run_id, sorted(taken))

    def done(self, claim: Claim) -> None:
        folder = self.root / DONE / claim.run_id
        folder.mkdir(parents=True, exist_ok=True)
        for path in claim.files:
            if path.exists():
                os.replace(path, folder / path.name)
        shutil.rmtree(self.root / CLAIMS / claim.run_id, ignore_errors=True)


# URL scheme -> source. A mailbox or object store is added here (e.g. "imaps": ImapInbox),
# and chosen with ESGFLOW_INBOX; the collect flow does not change.
SOURCES: dict[str, type[FolderInbox]] = {"": FolderInbox, "file": FolderInbox}


def inbox_for(location: str | Path) -> InboxSource:
    """The inbox source for a location: a folder path, file:// URL, or a URL of a registered scheme."""
    text = str(location)
    scheme = urlparse(text).scheme if "://" in text else ""
    if scheme not in SOURCES:
        known = ", ".join(sorted(s for s in SOURCES if s)) or "none"
        raise EsgflowError(f"no inbox source for {scheme}:// (ESGFLOW_INBOX={text}); registered schemes: {known}")
    return SOURCES[scheme](Path(urlparse(text).path if scheme else text))
