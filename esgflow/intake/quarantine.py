"""Refused portal uploads: kept a while for the ESG office, in a bounded folder, never for good.

A refused upload holds nothing the warehouse needs (no version refers to it), yet the pipeline
archived it under its hash like every file. The portal moves it, with its log of why, to
`$ESGFLOW_HOME/quarantine/`, where it stays for RETENTION_DAYS; the folder never holds more
than MAX_BYTES (the oldest files go first) nor more than MAX_FILES files. So three junk uploads
can cost at most the quarantine's bound, never the disk, and the uploader is told how long the
file is kept.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

RETENTION_DAYS = 30
MAX_BYTES = 200 * 1024 * 1024
MAX_FILES = 500


def folder(home: Path) -> Path:
    return home / "quarantine"


def archived_copy(archive: Path, digest: str) -> Path | None:
    """Where the archive holds a file's bytes (by its hash), if it does."""
    if len(digest) < 3:
        return None
    found = [p for p in (archive / digest[:2]).glob(f"{digest}.*") if not p.name.endswith(".log.jsonl")]
    return found[0] if found else None


def quarantine(home: Path, archive: Path, digest: str) -> Path | None:
    """Move a refused file (and its log) from the archive to the quarantine, then prune it; where it went."""
    source = archived_copy(archive, digest)
    if source is None:
        return None
    target = folder(home) / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    os.utime(target)  # its retention starts now
    log = source.with_suffix(source.suffix + ".log.jsonl")
    if log.exists():
        os.replace(log, target.with_suffix(target.suffix + ".log.jsonl"))
    prune(home)
    return target


def prune(home: Path, now: float | None = None) -> list[Path]:
    """Delete what is past its retention, then the oldest until the bounds hold; what was deleted."""
    root = folder(home)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    files = sorted((p for p in root.iterdir() if p.is_file() and not p.name.endswith(".log.jsonl")),
                   key=lambda p: p.stat().st_mtime)  # fmt: skip
    gone = []
    total = sum(p.stat().st_size for p in files)
    for p in files:
        expired = now - p.stat().st_mtime > RETENTION_DAYS * 86400
        if expired or total > MAX_BYTES or len(files) - len(gone) > MAX_FILES:
            total -= p.stat().st_size
            p.unlink(missing_ok=True)
            p.with_suffix(p.suffix + ".log.jsonl").unlink(missing_ok=True)
            gone.append(p)
    return gone
