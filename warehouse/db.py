"""Engines, sessions and schema upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["TRANSIENT_ERRORS", "Session", "session_factory", "session_scope"]

MIGRATIONS = Path(__file__).parent / "migrations"
# A database that is briefly away or locked: worth another try, unlike bad input.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError,)


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL, made on first use."""
    if url not in _ENGINES:
        _ENGINES[url] = _make_engine(url)
    return _ENGINES[url]


def dispose(url: str) -> None:
    """Close and forget a URL's engine (before its database is dropped)."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    """Close every engine this process opened."""
    for url in list(_ENGINES):
        dispose(url)


def _make_engine(url: str) -> Engine:
    """SQLite gets foreign keys, WAL and a busy timeout; other databases a pre-ping pool."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def display_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def has_schema(url: str) -> bool:
    """Whether the warehouse has been initialised; connection problems raise.

    A SQLite file that is not there has no schema: asking must not leave an empty file (and
    its folder) behind, which would look like a warehouse to the next person.
    """
    file = sqlite_file(url)
    if file is not None and not file.exists():
        return False
    with engine_for(url).connect() as connection:
        return inspect(connection).has_table("alembic_version")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    engine = engine_for(url)
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def session_factory(url: str) -> sessionmaker[Session]:
    """Sessions on a URL's engine, for callers that manage their own transactions."""
    return sessionmaker(engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session whose work is committed as a whole, or rolled back as a whole."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
