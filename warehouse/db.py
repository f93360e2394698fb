"""Engines, sessions and schema upgrades; and the helpers every concern shares (ids of codes, frames
of queries, upserts, bulk inserts)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    Engine,
    Select,
    create_engine,
    event,
    insert,
    inspect,
    make_url,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from esgflow.periods import Period
from esgflow.warehouse import models as m

if TYPE_CHECKING:  # polars is imported where a frame is made: `status` reads no frames
    import polars as pl
    from alembic.config import Config

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
    # Alembic is imported here, not at the top: only `init` and the tests migrate, and its
    # import costs every other command a second.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Foreign keys of the models that PostgreSQL checks once per statement with triggers instead (migration 0033:
# there, checking 1.5 million figures a row at a time took 41 s, and cascading their deletion to their sources
# 9 s): (table, referred table). Comparing the models with a PostgreSQL database skips them; SQLite keeps them.
STATEMENT_KEYS = frozenset(
    {("consolidated_figure", p) for p in ("entity", "period", "indicator")} | {("figure_source", "consolidated_figure")}
)


def compared(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for comparing the models with a database of `dialect`."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _other: Any) -> bool:
        if type_ != "foreign_key_constraint" or dialect != "postgresql":
            return True
        return (obj.table.name, obj.referred_table.name) not in STATEMENT_KEYS

    return include


def upgrade(url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    engine = engine_for(url)
    with engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        from alembic import command

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


# Helpers the concerns share: ids of codes, frames of queries, upserts and bulk inserts.

KEYED = {"entity": m.Entity, "indicator": m.Indicator, "period": m.Period}


def code_ids(session: Session, table: str) -> dict[str, int]:
    """code -> id for `entity`, `indicator` or `period`."""
    model = KEYED[table]
    return dict(session.execute(select(model.code, model.id)).tuples().all())


def frame_of(session: Session, query: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame, taken straight from the driver's cursor.

    No row object per row: large reads (observations, figure ids) stay cheap. The columns
    must be plain driver values (integers, text): cast decimals to text in the query.
    """
    import polars as pl

    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall() if result.cursor is not None else []  # type: ignore[attr-defined]
    finally:
        result.close()
    return pl.DataFrame(rows, schema=schema, orient="row")


def frame_by_copy(session: Session, query: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """`frame_of` for the largest reads: on PostgreSQL the rows come as one CSV stream (COPY ... TO STDOUT), not
    a Python tuple per row (1.18 million observations at 10,000 entities); elsewhere as `frame_of`.

    Only for columns that hold no null and no empty text: CSV would not tell them apart.
    """
    import polars as pl

    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return frame_of(session, query, schema)
    sql = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    driver = connection.connection.driver_connection  # the session's own psycopg connection: its transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:  # type: ignore[union-attr]
        data = b"".join(bytes(block) for block in copy)
    if not data:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(data, has_header=False, schema=schema)


def code_frame(session: Session, table: str, name: str | None = None) -> pl.DataFrame:
    """code -> id of `entity`, `indicator` or `period` as a frame of `name` (default: the table) and `{table}_id`."""
    import polars as pl

    pairs = code_ids(session, table)
    column = name or table
    return pl.DataFrame(
        {column: list(pairs), f"{table}_id": list(pairs.values())}, schema={column: pl.Utf8, f"{table}_id": pl.Int64}
    )


def as_utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes, PostgreSQL aware ones; everything esgflow writes is UTC
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


T = TypeVar("T", bound=m.Base)


Row = Mapping[str, Any]


def upsert(session: Session, model: type[T], key: dict[str, Any], values: dict[str, Any]) -> T:
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def ensure_period(session: Session, period: Period) -> int:
    """The id of a period's row, made on first use."""
    row = upsert(
        session,
        m.Period,
        {"code": period.code},
        {"kind": period.kind, "starts_on": period.starts_on, "ends_on": period.ends_on},
    )
    session.flush()
    return row.id


def driver_value(session: Session, column: Any, value: Any) -> str:
    """A value as the text SQLAlchemy's type for `column` binds on this database (SQLite keeps datetimes as text)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    bound = process(value) if process else value
    return bound.isoformat() if isinstance(bound, datetime) else str(bound)


# Rows per COPY write or per batch of statements: large, yet a bounded amount of text and tuples.
BULK_ROWS = 200_000


def bulk_insert(session: Session, table: Any, frame: pl.DataFrame) -> None:
    """Insert a frame's rows (columns named as the table's, values as the driver takes them) in bulk.

    PostgreSQL (psycopg) takes them by COPY as CSV; SQLite by INSERTs of as many rows as
    its parameter limit allows, bound from flat lists; any other driver by executemany.
    No ORM object, no RETURNING, no SQLAlchemy parameter set per row.
    """
    if frame.is_empty():
        return
    connection = session.connection()
    dialect, driver = connection.dialect, connection.connection.driver_connection
    names = ", ".join(frame.columns)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT csv)") as copy:
            for chunk in frame.iter_slices(BULK_ROWS):
                copy.write(chunk.write_csv(include_header=False))
        return
    if dialect.name != "sqlite":
        for chunk in frame.iter_slices(BULK_ROWS):
            connection.execute(insert(table), chunk.to_dicts())
        return
    width = frame.width
    per_statement = max(min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width, BULK_ROWS), 1)
    row = "(" + ", ".join("?" * width) + ")"

    def statement(rows: int) -> str:
        return f"INSERT INTO {table.name} ({names}) VALUES " + ", ".join([row] * rows)

    full = statement(per_statement)
    cursor = driver.cursor()
    try:
        for chunk in frame.iter_slices(per_statement):
            values = list(chain.from_iterable(zip(*(chunk[c].to_list() for c in chunk.columns), strict=True)))
            cursor.execute(full if chunk.height == per_statement else statement(chunk.height), values)
    finally:
        cursor.close()
