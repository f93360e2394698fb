"""The made Prefect database: the one Prefect's own server migrates on a new home, kept under its Prefect's key."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from esgflow import prefect_db

# Prefect's own temporary server started on a new home, as every flow command started it before: it migrates.
_PREFECTS_OWN = """
from prefect.server.api.server import SubprocessASGIServer
server = SubprocessASGIServer()
server.start()
server.stop()
"""


def _schema(path: Path) -> tuple[set[tuple[str, ...]], list[tuple[str]]]:
    """Every table, index and trigger with its SQL, every block type and schema registered, and the migrations'
    head. A table's clauses are compared as a set: Alembic's batch migrations rebuild some tables with their
    constraints in a different order from one run to the next (two of Prefect's own migrations of a new home
    differ so)."""
    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        found = {(kind, name, table, *_clauses(sql or "")) for kind, name, table, sql in kept}
        columns = {
            (table, *map(str, column))
            for (_, table, *_) in found
            for column in db.execute(f"PRAGMA table_info('{table}')")  # every column, in its order
        }
        blocks = {("block type", *row) for row in db.execute("SELECT slug, name FROM block_type")}
        schemas = {("block schema", *row) for row in db.execute("SELECT checksum, version FROM block_schema")}
        return found | columns | blocks | schemas, db.execute("SELECT version_num FROM alembic_version").fetchall()


def _clauses(sql: str) -> list[str]:
    """A statement's parenthesised clauses (a table's columns and constraints), in any order."""
    if "(" not in sql:
        return [sql]
    head, body = sql[: sql.index("(")], sql[sql.index("(") + 1 : sql.rindex(")")]
    return [head.strip(), *sorted(" ".join(part.split()) for part in body.split(","))]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test keeps the made database (not the installed one)."""
    folder = tmp_path / "cache"
    unwritable = tmp_path / "a-file" / "share"  # a folder that cannot be made, as in a read-only install
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(prefect_db, "folders", lambda: [unwritable, folder])
    return folder


@pytest.mark.slow  # the migrations twice and Prefect's server: about 40 s on the loaded machine
def test_the_made_database_is_the_one_prefects_server_migrates_on_a_new_home(tmp_path: Path, cache: Path) -> None:
    """Every table, index and trigger, with its SQL, every block type and schema, and the migrations' head; kept
    in the first writable folder."""
    made = prefect_db.make()
    assert made.parent == cache and made.name == prefect_db.key() and prefect_db.made() == made
    assert list(cache.iterdir()) == [made]  # its scratch is gone, one file (no write-ahead log beside it)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    subprocess.run([sys.executable, "-c", _PREFECTS_OWN], env=env, check=True, timeout=300, capture_output=True)
    migrated, ours = _schema(tmp_path / "prefect" / "prefect.db"), _schema(made)
    assert len(migrated[0]) > 500 and migrated[1]
    assert ours == migrated


def test_the_key_holds_the_prefect_version_every_migration_and_the_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    now = prefect_db.key()
    assert now.startswith(f"prefect-{importlib.metadata.version('prefect')}-") and now.endswith(".db")
    collection = importlib.metadata.EntryPoint("prefect_email", "prefect_email", "prefect.collections")
    points = importlib.metadata.entry_points

    def with_a_collection(group: str) -> list[importlib.metadata.EntryPoint]:
        return [*points(group=group), collection] if group == "prefect.collections" else list(points(group=group))

    monkeypatch.setattr(importlib.metadata, "entry_points", with_a_collection)
    assert prefect_db.key() != now  # its block types would be registered by the server
    monkeypatch.setattr(importlib.metadata, "entry_points", points)
    copy = tmp_path / "_migrations"
    shutil.copytree(prefect_db._migrations(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(prefect_db, "_migrations", lambda: copy)
    assert prefect_db.key() == now
    newest = sorted((copy / "versions" / "sqlite").glob("*.py"))[-1]
    newest.write_text(newest.read_text() + "\n# another migration\n")
    assert prefect_db.key() != now
    newest.unlink()
    assert prefect_db.key() != now


def test_the_copy_goes_only_to_a_sqlite_file_not_there_yet(tmp_path: Path, cache: Path) -> None:
    cache.mkdir()
    made = cache / prefect_db.key()
    with sqlite3.connect(made) as db:  # a stand-in: placing copies whatever is made, byte for byte
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
    home = tmp_path / "prefect"
    assert prefect_db.place(f"sqlite+aiosqlite:///{home}/prefect.db")
    assert (home / "prefect.db").read_bytes() == made.read_bytes()
    assert sorted(p.name for p in home.iterdir()) == ["prefect.db"]
    (home / "prefect.db").write_bytes(b"someone's database")
    assert not prefect_db.place(f"sqlite+aiosqlite:///{home}/prefect.db")
    assert (home / "prefect.db").read_bytes() == b"someone's database"
    assert not prefect_db.place("postgresql+asyncpg://prefect@db/prefect")
    assert prefect_db.database_file("sqlite:///~/x.db?mode=rwc") == Path("~/x.db").expanduser()
