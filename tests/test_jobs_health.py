"""What `/healthz` checks: the warehouse, the shared home, its archive and letters, the signing key."""

from __future__ import annotations

from pathlib import Path

from esgflow.config import Settings, load_settings
from esgflow.jobs.health import health
from esgflow.jobs.setup import init_warehouse
from esgflow.workbooks.signing import KEY_FILE


def test_every_check_passes_on_an_initialised_home(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    assert health(sqlite_settings, {}) == {
        "warehouse": "ok",
        "home": "ok",
        "archive": "ok",
        "letters": "ok",
        "signing_key": "ok",
    }


def test_a_missing_home_key_or_warehouse_is_named(sqlite_settings: Settings, tmp_path: Path) -> None:
    gone = load_settings({"ESGFLOW_HOME": str(tmp_path / "nowhere")})
    assert health(gone, {}) == {"warehouse": "unreachable or without schema", "home": "missing"}
    assert not (tmp_path / "nowhere").exists()  # asking made nothing
    init_warehouse(sqlite_settings)
    (sqlite_settings.home / KEY_FILE).unlink()
    (sqlite_settings.home / "letters").write_text("not a folder")
    found = health(sqlite_settings, {})
    assert found["signing_key"] == "missing" and found["letters"] == "not a folder" and found["warehouse"] == "ok"
    assert health(sqlite_settings, {"ESGFLOW_SECRET": "k"})["signing_key"] == "ok"  # the key from the environment
    broken = load_settings(
        {"ESGFLOW_HOME": str(sqlite_settings.home), "ESGFLOW_DATABASE_URL": "sqlite:////proc/x/y.db"}
    )
    assert health(broken, {})["warehouse"] == "unreachable or without schema"
