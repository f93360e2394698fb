"""Shared fixtures: a warehouse on SQLite and on a real PostgreSQL, and isolated settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings, load_settings
from esgflow.entities import EntityRegistry, load_registry
from esgflow.factors import FactorRegistry, load_factors
from esgflow.warehouse import db
from tests.pg_server import PostgresServer, start_postgres

SEED = Path(__file__).resolve().parents[1] / "esgflow" / "data"


@pytest.fixture(autouse=True)
def both_engines_agree() -> Iterator[None]:
    """Every validation a test makes is answered by the polars judge; Great Expectations records the same
    frame afterwards. Whatever a test left queued is recorded when it ends, and any row on which the two
    engines differ fails the test (esgflow.checks.recorder)."""
    from esgflow.checks import recorder

    before = len(recorder.FOUND)
    yield
    from esgflow.checks.gx_run import record_all

    record_all()
    assert recorder.FOUND[before:] == [], "the judge and Great Expectations differ"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server for the session's flow and task runs (one for all who ask)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session; a missing server fails, it never skips."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse database: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.sqlite3'}"
        yield url
        db.dispose(url)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"esgflow_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.url(name)
    yield url
    db.dispose(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({"ESGFLOW_HOME": str(tmp_path / "home"), "ESGFLOW_DATABASE_URL": database_url})


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Iterator[Settings]:
    s = load_settings({"ESGFLOW_HOME": str(tmp_path / "home")})
    yield s
    db.dispose(s.database_url)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def registry() -> EntityRegistry:
    return load_registry()


@pytest.fixture(scope="session")
def factors() -> FactorRegistry:
    return load_factors()


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEED


@pytest.fixture(scope="session")
def catalog_v2(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The catalog with template version 2 (tests.returns_factory.catalog_v2_text)."""
    from tests.returns_factory import catalog_v2_text

    path = tmp_path_factory.mktemp("catalog_v2") / "indicators.yaml"
    path.write_text(catalog_v2_text(), "utf-8")
    return load_catalog(path)
