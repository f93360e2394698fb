"""The raw archive: every received file is stored by content hash before it is parsed."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


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


def log_outcome(archived: Path, record: dict[str, Any]) -> None:
    """Append what became of the file beside it, so a refused file keeps its reason."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    with archived.with_suffix(archived.suffix + ".log.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
