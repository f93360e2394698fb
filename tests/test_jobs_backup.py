"""`esgflow backup` / `restore`: a copy of the warehouse and its files that a fresh machine brings back whole."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.jobs.backup import MANIFEST, backup, restore, sha256
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.figures import consolidate_period, explain_figure, report_period
from esgflow.warehouse import db
from esgflow.workbooks.signing import KEY_FILE
from tests.returns_factory import P2024, fill, open_collection


@pytest.fixture
def fresh(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Another machine: a new ESGFLOW_HOME and an empty warehouse of the same kind."""
    home = tmp_path / "fresh-home"
    if settings.database_url.startswith("sqlite"):
        restored = load_settings({"ESGFLOW_HOME": str(home)})
        yield restored
        db.dispose(restored.database_url)
        return
    server = request.getfixturevalue("postgres")
    name = f"esgflow_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    restored = load_settings({"ESGFLOW_HOME": str(home), "ESGFLOW_DATABASE_URL": server.url(name)})
    yield restored
    db.dispose(restored.database_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _seen(settings: Settings, out: Path) -> tuple[list[dict], dict, str]:
    """What the office sees: `status --json`, `explain --json` and the report's appendix.csv."""
    statuses = [s.to_json() for s in period_statuses(settings, P2024)]
    explained = explain_figure(settings, P2024, "env_ghg_total").to_json()
    report_period(settings, P2024, out, ["en"])
    return statuses, explained, (out / "appendix.csv").read_text(encoding="utf-8")


def test_a_restore_on_a_fresh_machine_gives_the_same_status_explain_and_report(
    settings: Settings, fresh: Settings, tmp_path: Path
) -> None:
    templates = open_collection(settings, P2024, tmp_path / "tpl", ["SAMI", "GAMI"])
    returns = [fill(templates[e], tmp_path / "in", {"env_diesel": 1234}) for e in ("SAMI", "GAMI")]
    assert all(o.status.startswith("accepted") for o in ingest_files(settings, returns, docs=False))
    consolidate_period(settings, P2024)
    before = _seen(settings, tmp_path / "report-before")
    copy = tmp_path / "backup"
    made = backup(settings, copy)
    listed = {f["path"]: f["sha256"] for f in made["files"]}
    assert f"home/{KEY_FILE}" in listed and any(p.startswith("home/archive/") for p in listed)
    assert any(p.startswith("home/letters/") for p in listed)
    assert json.loads((copy / MANIFEST).read_text())["files"] == made["files"]
    assert all(sha256(copy / p) == h for p, h in listed.items())
    restore(fresh, copy)
    assert _seen(fresh, tmp_path / "report-after") == before
    assert (fresh.home / KEY_FILE).read_bytes() == (settings.home / KEY_FILE).read_bytes()
    with pytest.raises(EsgflowError, match="already"):  # never over a warehouse or home in use
        restore(fresh, copy)


def test_a_changed_backup_or_a_used_folder_is_refused(sqlite_settings: Settings, tmp_path: Path) -> None:
    open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    copy = tmp_path / "backup"
    backup(sqlite_settings, copy)
    with pytest.raises(EsgflowError, match="not empty"):
        backup(sqlite_settings, copy)
    (copy / "home" / KEY_FILE).write_text("another key")
    elsewhere = load_settings({"ESGFLOW_HOME": str(tmp_path / "elsewhere")})
    with pytest.raises(EsgflowError, match=f"home/{KEY_FILE}"):
        restore(elsewhere, copy)
    assert not (tmp_path / "elsewhere").exists()  # nothing written before every hash is checked
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["files"].append({"path": "../outside", "sha256": "0" * 64, "bytes": 0})
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(EsgflowError, match="outside"):
        restore(elsewhere, copy)
