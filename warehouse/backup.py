"""A consistent copy of the warehouse database, and its loading into an empty one.

SQLite is copied with its online backup API (a snapshot of one moment while others write, WAL
included); PostgreSQL with `pg_dump` in its custom format (one transaction, so one moment too) and
loaded with `pg_restore`. The password goes to the client tools in their environment, never on
their command line (where `ps` shows it).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import URL

from esgflow.warehouse.db import dispose, engine_for, sqlite_file

SQLITE_COPY, PG_DUMP = "warehouse.sqlite3", "warehouse.pgdump"


def kind(url: str) -> str:
    """'sqlite' or 'postgresql': how a warehouse URL is copied."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"no backup for a {backend} warehouse (SQLite and PostgreSQL only)")
    return backend


def schema_revision(url: str) -> str | None:
    """The Alembic revision the warehouse is at (None without a schema)."""
    with engine_for(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def client_tool(name: str) -> str:
    """pg_dump or pg_restore: the one on PATH, else the newest Debian installed."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise FileNotFoundError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the client tools, and the environment that carries the password."""
    options = ["--dbname", str(url.database or "")]
    if url.host:
        options += ["--host", url.host]
    if url.port:
        options += ["--port", str(url.port)]
    if url.username:
        options += ["--username", url.username]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return options, env


def dump(url: str, folder: Path) -> Path:
    """Write the warehouse as one consistent file into `folder`; its path."""
    if kind(url) == "sqlite":
        source, target = sqlite_file(url), folder / SQLITE_COPY
        if source is None or not source.exists():
            raise FileNotFoundError("the SQLite warehouse file does not exist")
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
        return target
    target = folder / PG_DUMP
    options, env = _libpq(make_url(url))
    command = [client_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    subprocess.run([*command, *options], env=env, check=True, capture_output=True, text=True)
    return target


def load(url: str, copy: Path) -> None:
    """Load a copy written by `dump` into the warehouse at `url`, which must have no schema yet."""
    if schema_revision(url) is not None:
        raise ValueError("the warehouse to restore into already has a schema; restore only into an empty one")
    if kind(url) == "sqlite":
        target = sqlite_file(url)
        if target is None:
            raise ValueError("restore needs a SQLite file, not an in-memory database")
        dispose(url)  # no pooled connection of ours holds the file while it is replaced
        with closing(sqlite3.connect(copy)) as source, closing(sqlite3.connect(target)) as live:
            source.backup(live)
        return
    options, env = _libpq(make_url(url))
    command = [client_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    subprocess.run([*command, *options, str(copy)], env=env, check=True, capture_output=True, text=True)
