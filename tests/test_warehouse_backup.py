"""The warehouse's own copy: SQLite's online backup and pg_dump/pg_restore, the password kept off argv."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from esgflow.config import Settings, load_settings
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import backup, db


def test_the_kind_of_a_warehouse_decides_how_it_is_copied() -> None:
    assert backup.kind("sqlite:////tmp/x.sqlite3") == "sqlite"
    assert backup.kind("postgresql+psycopg://u:p@h/esgflow") == "postgresql"
    with pytest.raises(ValueError, match="mysql"):
        backup.kind("mysql://u@h/x")


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line() -> None:
    options, env = backup._libpq(make_url("postgresql+psycopg://esg:s3cret@db.internal:5433/esgflow"))
    assert options == ["--dbname", "esgflow", "--host", "db.internal", "--port", "5433", "--username", "esg"]
    assert env["PGPASSWORD"] == "s3cret" and "s3cret" not in " ".join(options)
    assert Path(backup.client_tool("pg_dump")).name == "pg_dump"


def test_a_database_copy_loads_only_into_an_empty_warehouse(settings: Settings, tmp_path: Path) -> None:
    init_warehouse(settings)
    copy = backup.dump(settings.database_url, tmp_path)
    revision = backup.schema_revision(settings.database_url)
    assert copy.is_file() and revision is not None
    with pytest.raises(ValueError, match="already has a schema"):
        backup.load(settings.database_url, copy)
    if backup.kind(settings.database_url) == "sqlite":  # PostgreSQL's fresh database: tests/test_jobs_backup.py
        fresh = load_settings({"ESGFLOW_HOME": str(tmp_path / "fresh")})
        backup.load(fresh.database_url, copy)
        assert backup.schema_revision(fresh.database_url) == revision
        db.dispose(fresh.database_url)
