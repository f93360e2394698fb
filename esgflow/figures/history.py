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

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.periods import Period, parse_period

_YEAR_COLUMN = re.compile(r"^(?P<year>\d{4})(?P<restated>_restated)?$")


@dataclass(frozen=True)
class PublishedFigure:
    code: str
    year: str
    basis: str
    value: Decimal
    row: int
    column: str
    file: str

    @property
    def indicator(self) -> str:
        return self.code

    @property
    def period(self) -> Period:
        return parse_period(self.year)

    @property
    def method(self) -> str:
        return f"published, {self.file} row {self.row} column {self.column}"

    @property
    def source(self) -> str:
        return self.file


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
            figures.append(PublishedFigure(code, match["year"], basis, value, row_number, column, path.name))
    return figures
