"""The raw layer: every received file is read once, hashed and stored by its hash before it is parsed."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from esgflow.workbooks.safe_zip import MAX_FILE_BYTES


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_raw(root: Path, data: bytes, digest: str, original_name: str) -> Path:
    """Store the bytes once under their hash (atomic write); returns the archived path."""
    suffix = Path(original_name).suffix.lower()[:10] or ".bin"
    target = root / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    return target


def log_outcome(archived: Path, record: dict[str, Any]) -> bool:
    """Append what became of a file beside its bytes, so a refused file keeps its reason.

    One line per file name: a run that stopped after logging a file and before finishing it
    leaves the file to the next run, which judges it again but does not log it twice.
    Returns whether the line was written.
    """
    log = archived.with_suffix(archived.suffix + ".log.jsonl")
    name = record.get("name")
    if name is not None and name in logged_names(log):
        return False
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    cut = log.exists() and log.stat().st_size > 0 and not log.read_bytes().endswith(b"\n")
    with log.open("a", encoding="utf-8") as f:
        f.write(("\n" if cut else "") + json.dumps(entry, ensure_ascii=False) + "\n")  # never glued to a cut line
    return True


def logged_names(log: Path) -> set[str]:
    """The file names a log has an outcome for (a line cut short by a crash is not one)."""
    if not log.exists():
        return set()
    names = set()
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            names.add(json.loads(line).get("name"))
        except json.JSONDecodeError:
            continue
    return names


@dataclass(frozen=True)
class Received:
    """One file of a batch: its bytes (read once), their hash, and where they are archived."""

    key: int
    path: Path
    data: bytes
    digest: str
    archived: Path
    arrived: float  # when the file arrived: its modification time (kept when an inbox claims it by renaming)


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))  # dot files and folders, Office lock files


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the files inside folders named (recursively, hidden ones aside), in a stable order.

    Symbolic links are listed, never followed: a link to a folder is not walked, and a link
    to a file is refused by `is_link` before anything reads what it points at.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            found = []
            for folder, dirs, names in os.walk(p, followlinks=False):
                links = [d for d in dirs if (Path(folder) / d).is_symlink() and not _hidden(d)]
                dirs[:] = sorted(d for d in dirs if not _hidden(d) and d not in links)
                found += [Path(folder) / n for n in (*names, *links) if not _hidden(n)]
            files += sorted(found)
        else:
            files.append(p)
    return files


def is_link(path: Path) -> bool:
    """Whether a path is a symbolic link: its target may be anything on this machine, so it is refused."""
    return path.is_symlink()


def receive_all(files: list[Path], root: Path) -> tuple[list[Received], list[Path]]:
    """The files read and archived, in the order they arrived (which decides the newer version); and those gone."""
    read_in = [(path, receive(key, path, root)) for key, path in enumerate(files)]
    received = sorted((r for _path, r in read_in if r is not None), key=lambda r: (r.arrived, r.key))
    return received, [path for path, r in read_in if r is None]


def receive(key: int, path: Path, root: Path) -> Received | None:
    """Read a file (one byte past the size limit at most, enough to refuse it) and archive it.

    None when the file is gone since it was listed: another run (a collection claiming its inbox)
    took it, and that run answers for it.
    """
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return None
    with f:
        arrived = os.fstat(f.fileno()).st_mtime
        data = f.read(MAX_FILE_BYTES + 1)
    digest = content_hash(data)
    return Received(key, path, data, digest, archive_raw(root, data, digest, path.name), arrived)
