"""`esgflow backup --out DIR` and `esgflow restore DIR`: the warehouse with the files it refers to.

The database is copied first and the files after it: every file is archived before any row names
it, so a copy taken while returns arrive may hold a file no row names yet, never a row whose file
is missing. `manifest.json` lists every file with its SHA-256; a restore checks them all before it
writes anything, loads the database into an empty warehouse, upgrades its schema to this release's
and puts the files under the new ESGFLOW_HOME.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from esgflow import EsgflowError
from esgflow.assurance.pack import sha256_of as sha256  # one way to hash a file for a manifest
from esgflow.config import Settings
from esgflow.jobs.common import require_schema, warehouse_url
from esgflow.warehouse import backup as copies
from esgflow.warehouse import db

MANIFEST = "manifest.json"
FILES = "home"
# What under ESGFLOW_HOME the warehouse refers to or the office keeps: returns (archived, kept aside,
# quarantined, not yet collected), letters, evidence, templates, reports and the signing key. Left out:
# caches made again at will (Great Expectations' site, locks) and the SQLite file, copied on its own.
KEPT = ("archive", "letters", "evidence", "kept", "quarantine", "inbox", "outbox", "templates", "reports", "mailbox")
KEY = ".signing-key"


def _home_files(home: Path) -> list[Path]:
    found = [home / KEY] if (home / KEY).is_file() else []
    for name in KEPT:
        found += sorted(p for p in (home / name).rglob("*") if p.is_file() and not p.is_symlink())
    return found


def backup(settings: Settings, out: Path) -> dict[str, Any]:
    """Write the copy into `out` (new or empty); returns its manifest."""
    require_schema(settings)
    if out.exists() and any(out.iterdir()):
        raise EsgflowError(f"{out} is not empty: back up into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    try:
        database = copies.dump(settings.database_url, out)
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise EsgflowError(f"cannot copy the warehouse at {warehouse_url(settings)}: {_why(exc)}") from exc
    files = []
    for source in _home_files(settings.home):
        relative = source.relative_to(settings.home)
        target = out / FILES / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        files.append(relative.as_posix())
    listed = [database.relative_to(out), *(Path(FILES) / f for f in files)]
    manifest = {
        "format": 1,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"kind": copies.kind(settings.database_url), "file": database.name},
        "schema_revision": copies.schema_revision(settings.database_url),
        "files": [{"path": p.as_posix(), "sha256": sha256(out / p), "bytes": (out / p).stat().st_size} for p in listed],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The manifest of a backup whose every file is there with its hash; else refused naming what differs."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EsgflowError(f"{folder} has no readable {MANIFEST}: not a backup made by 'esgflow backup'") from exc
    unsafe = [f["path"] for f in manifest["files"] if Path(f["path"]).is_absolute() or ".." in Path(f["path"]).parts]
    if unsafe:
        raise EsgflowError(f"the manifest names files outside the backup: {', '.join(unsafe[:10])}")
    wrong = [f["path"] for f in manifest["files"] if not _intact(folder / f["path"], f["sha256"])]
    if wrong:
        raise EsgflowError(f"the backup differs from its manifest (missing or changed): {', '.join(wrong[:10])}")
    return manifest


def _intact(path: Path, digest: str) -> bool:
    return path.is_file() and sha256(path) == digest


def restore(settings: Settings, folder: Path) -> dict[str, Any]:
    """Bring a backup back into this environment's (empty) warehouse and ESGFLOW_HOME; returns its manifest."""
    manifest = verify(folder)
    if manifest["database"]["kind"] != copies.kind(settings.database_url):
        raise EsgflowError(
            f"the backup holds a {manifest['database']['kind']} warehouse; ESGFLOW_DATABASE_URL names "
            f"a {copies.kind(settings.database_url)} one"
        )
    clashes = [
        f["path"]
        for f in manifest["files"]
        if f["path"].startswith(f"{FILES}/") and (settings.home / f["path"].removeprefix(f"{FILES}/")).exists()
    ]
    if clashes:
        raise EsgflowError(f"ESGFLOW_HOME already holds files of the backup ({clashes[0]} ...): use a fresh home")
    try:
        copies.load(settings.database_url, folder / manifest["database"]["file"])
    except (ValueError, FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise EsgflowError(f"cannot restore the warehouse at {warehouse_url(settings)}: {_why(exc)}") from exc
    db.upgrade(settings.database_url)  # a backup of an older release is brought to this one's schema
    for entry in manifest["files"]:
        if entry["path"].startswith(f"{FILES}/"):
            target = settings.home / entry["path"].removeprefix(f"{FILES}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / entry["path"], target)
    return manifest


def _why(exc: Exception) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        return (exc.stderr or "").strip().splitlines()[-1] if exc.stderr else f"exit status {exc.returncode}"
    return str(exc)
