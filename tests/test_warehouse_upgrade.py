"""An upgrade from the last landed release: its schema, the rows its code wrote for a whole cycle
(tests/release/, made by scripts/snapshot-release-warehouse), then today's migrations: every return,
figure, sign-off and audit row is still there, unchanged, and today's code reads and writes them."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, insert, select, text

from esgflow.config import Settings
from esgflow.jobs.access import grant_access
from esgflow.jobs.collection import period_statuses
from esgflow.jobs.figures import explain_figure
from esgflow.jobs.signoff import audit_trail
from esgflow.warehouse import db
from tests.returns_factory import P2024

RELEASE = Path(__file__).parent / "release" / "warehouse_0017.json"
KEPT = ("submission", "observation", "consolidated_figure", "figure_source", "period_signoff", "audit_event")


def _typed(value: Any, kind: type | None) -> Any:
    if value is None or kind is None:
        return value
    if isinstance(value, dict) and "base64" in value:
        return base64.b64decode(value["base64"])
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    return value


def _python_type(column: Any) -> type | None:
    try:
        return column.type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return None


def _release_schema_with_its_rows(engine: Engine, url: str, snapshot: dict[str, Any]) -> None:
    with engine.begin() as connection:
        cfg = db.alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, snapshot["revision"])
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as connection:
        for table in meta.sorted_tables:
            rows = snapshot["rows"].get(table.name, [])
            kinds = {c.name: _python_type(c) for c in table.columns}
            if rows:
                connection.execute(insert(table), [{k: _typed(v, kinds[k]) for k, v in r.items()} for r in rows])
            if engine.dialect.name == "postgresql" and rows and "id" in table.columns:  # as the release left them
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {len(rows)})"))


def _rows(engine: Engine, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    meta = MetaData()
    meta.reflect(engine, only=[table])
    found = meta.tables[table]
    kinds = {c.name: _python_type(c) for c in found.columns}
    with engine.connect() as connection:
        key = found.c["id"] if "id" in columns else found.c[columns[0]]
        rows = connection.execute(select(*(found.c[c] for c in columns)).order_by(key)).all()
    return [tuple(_comparable(v, kinds[c]) for v, c in zip(row, columns, strict=True)) for row in rows]


def _comparable(value: Any, kind: type | None) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    if isinstance(value, Decimal) or kind is Decimal:
        return None if value is None else Decimal(str(value)).normalize()
    return value


def test_an_upgrade_from_the_last_release_keeps_every_row_and_todays_code_uses_them(settings: Settings) -> None:
    snapshot = json.loads(RELEASE.read_text(encoding="utf-8"))
    engine = db.engine_for(settings.database_url)
    _release_schema_with_its_rows(engine, settings.database_url, snapshot)
    before = {t: _rows(engine, t, sorted(snapshot["rows"][t][0])) for t in KEPT}
    db.upgrade(settings.database_url)  # today's migrations, as `esgflow init` runs them
    for table in KEPT:
        assert len(before[table]) == len(snapshot["rows"][table]) > 0, table
        assert _rows(engine, table, sorted(snapshot["rows"][table][0])) == before[table], table
    statuses = {s.entity: s.status for s in period_statuses(settings, P2024)}
    assert statuses["SAMI"].startswith("accepted") and statuses["GAMI"].startswith("accepted")
    assert explain_figure(settings, P2024, "env_ghg_total").to_json()["agrees"] is True
    trail = audit_trail(settings, P2024)
    assert len(trail) >= sum(1 for r in snapshot["rows"]["audit_event"] if r["period"] == "2024")
    assert grant_access(settings, "wang.fang@gami.example", "GAMI")  # new rows after the release's
