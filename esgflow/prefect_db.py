"""A migrated empty Prefect database, made once per Prefect install and copied into a new Prefect home.

A temporary Prefect server on an empty PREFECT_HOME first migrates a new SQLite database (114
Alembic migrations, about 6 s of CPU, the longest part of the demo's wait for Prefect) and
registers Prefect's block types in it (1 s). The result is the same for every new home, so it is
made once, by Prefect's own code (what the server runs on start), and kept beside the installed
packages under a name holding the Prefect version, a digest of Prefect's migration scripts and the
Prefect collections installed. A Prefect with other migrations or collections finds no copy under
its own name and makes one; no database file is ever kept in git.

`make` makes it when it installs (`python -m esgflow.prefect_db`); a command that finds none makes
it before its server starts. The copy goes only where the configured database is a SQLite file
that does not exist yet; the server then skips its migrations (the copy is at their head) and the
registration of the block types.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

_SQLITE = ("sqlite+aiosqlite:///", "sqlite:///")
_MADE_BY = "migrations, block types"  # what `_migrate` puts in it: a change makes a new one


def _migrations() -> Path:
    """Prefect's SQLite migration scripts, found without importing Prefect."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "server" / "database" / "_migrations"


def key() -> str:
    """What the database is made from: the Prefect version, every migration script's bytes, and the Prefect
    collections installed (their block types are registered in it)."""
    digest = hashlib.sha256(f"{_MADE_BY}:{importlib.metadata.version('prefect')}".encode())
    for point in sorted(importlib.metadata.entry_points(group="prefect.collections"), key=lambda p: p.name):
        version = point.dist.version if point.dist else ""
        digest.update(f"{point.name}={point.value}@{version}".encode())
    folder = _migrations()
    for path in [folder / "env.py", *sorted((folder / "versions" / "sqlite").glob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"prefect-{importlib.metadata.version('prefect')}-{digest.hexdigest()[:16]}.db"


def folders() -> list[Path]:
    """Where the made database is kept: beside the installed packages, else in the user's cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [Path(sys.prefix) / "share" / "esgflow", cache / "esgflow"]


def made() -> Path | None:
    """The made database of this Prefect install, if there is one."""
    name = key()
    return next((folder / name for folder in folders() if (folder / name).is_file()), None)


def make() -> Path:
    """Make the database (in a new process, as the server would: Prefect's settings are read at its import)."""
    name = key()
    for folder in folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".making-"))
        except OSError:
            continue  # a read-only install: the user's cache
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            env |= {"PREFECT_HOME": str(scratch), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
            subprocess.run([sys.executable, "-m", "esgflow.prefect_db", "--into", str(scratch)], env=env, check=True)
            final = sqlite3.connect(scratch / "prefect.db")
            try:  # one self-contained file, not a database and its write-ahead log
                final.execute("VACUUM INTO ?", (str(scratch / name),))
            finally:
                final.close()
            (scratch / name).rename(folder / name)  # atomic: a second maker merely replaces it
            return folder / name
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    raise OSError(f"no writable folder for the Prefect database among {', '.join(map(str, folders()))}")


def database_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database."""
    for prefix in _SQLITE:
        if url.startswith(prefix):
            return Path(url.removeprefix(prefix).split("?", 1)[0]).expanduser()
    return None


def place(url: str) -> bool:
    """Copy the made database (made now if missing) to the configured database when that is a SQLite
    file not there yet; whether it did, so the server need not migrate."""
    target = database_file(url)
    if target is None or target.exists():
        return False
    source = made() or make()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(source, scratch)
    try:
        os.link(scratch, target)  # never over a database another process made meanwhile
    except FileExistsError:
        return False
    finally:
        scratch.unlink()
    return True


def _migrate() -> None:
    """Run Prefect's migrations on the database its settings name and register its block types (what its
    server does on start)."""
    from prefect.server.database import provide_database_interface
    from prefect.server.models.block_registration import run_block_auto_registration

    async def made() -> None:
        db = provide_database_interface()
        await db.create_db()
        async with await db.session() as session:
            await run_block_auto_registration(session=session)

    asyncio.run(made())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--into"]:
        _migrate()
    else:
        print(made() or make())
