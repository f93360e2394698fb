"""Import published group-level figures (`esgflow history import`).

Published figures are stored as consolidated figures of the group with basis
'published' (or 'published_restated' for a `<year>_restated` column), apart from
computed ones, exactly as written.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.reference_data import code_ids, ensure_period
from warehouse import models as m

_YEAR_COLUMN = re.compile(r"^(?P<year>\d{4})(?P<restated>_restated)?$")


@dataclass(frozen=True)
class PublishedFigure:
    code: str
    year: str
    basis: str
    value: Decimal
    row: int
    column: str


@dataclass(frozen=True)
class ImportResult:
    file: str
    inserted: int
    updated: int
    unchanged: int
    years: list[str]


def read_published(path: Path, catalog: Catalog, years: set[str] | None = None) -> list[PublishedFigure]:
    """Parse a published-figures CSV; every problem names the file, row and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EsgflowError(f"{path}: cannot read as UTF-8 CSV ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    columns = [c for c in reader.fieldnames or [] if _YEAR_COLUMN.match(c)]
    if "code" not in (reader.fieldnames or []) or not columns:
        raise EsgflowError(f"{path}: needs a 'code' column and year columns such as 2024 or 2022_restated")
    figures: list[PublishedFigure] = []
    for row_number, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        if code not in catalog:
            raise EsgflowError(f"{path}: row {row_number}: indicator {code!r} is not in the catalog")
        for column in columns:
            match = _YEAR_COLUMN.match(column)
            assert match
            if years is not None and match["year"] not in years:
                continue
            raw = (row.get(column) or "").strip()
            if raw in ("", "-", "—", "N/A"):  # not disclosed; never a zero
                continue
            try:
                value = Decimal(raw)
            except InvalidOperation as exc:
                raise EsgflowError(f"{path}: row {row_number}, column {column}: {raw!r} is not a number") from exc
            if not value.is_finite():
                raise EsgflowError(f"{path}: row {row_number}, column {column}: {raw!r} is not a number")
            basis = "published_restated" if match["restated"] else "published"
            figures.append(PublishedFigure(code, match["year"], basis, value, row_number, column))
    return figures


def import_history(
    session: Session, path: Path, catalog: Catalog, group_entity: str, years: set[str] | None = None
) -> ImportResult:
    """Store published figures for the group; running it again changes nothing."""
    figures = read_published(path, catalog, years)
    indicator_ids = code_ids(session, m.Indicator)
    entity_id = code_ids(session, m.Entity)[group_entity]
    inserted = updated = unchanged = 0
    for f in figures:
        period = ensure_period(session, f.year)
        session.flush()
        key = {
            "entity_id": entity_id,
            "period_id": period.id,
            "indicator_id": indicator_ids[f.code],
            "basis": f.basis,
        }
        row = session.scalars(select(m.ConsolidatedFigure).filter_by(**key)).one_or_none()
        method = f"published, {path.name} row {f.row} column {f.column}"
        if row is None:
            session.add(m.ConsolidatedFigure(**key, value=f.value, method=method, source=path.name))
            inserted += 1
        elif row.value != f.value or str(row.value) != str(f.value):
            row.value, row.method, row.source = f.value, method, path.name
            updated += 1
        else:
            unchanged += 1
    return ImportResult(str(path), inserted, updated, unchanged, sorted({f.year for f in figures}))
