"""The appendix key-performance table: three years of group figures, in the published order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from esgflow.catalog import Catalog, Indicator
from esgflow.display import SMALL, is_tiny, readable, written_places
from esgflow.figures.targets import Progress
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.records import RestatementRecord, SignoffRecord
from esgflow.registers import RegisterRow
from esgflow.report.coverage import Coverage


@dataclass(frozen=True)
class Cell:
    value: Decimal
    basis: str  # published | published_restated | computed | computed_restated

    def text(self, decimals: int) -> str:
        """Plain number: a published figure exactly as written, a computed one at published precision."""
        computed = self.basis.startswith("computed")
        value = self.value.quantize(Decimal(1).scaleb(-decimals)) if computed else self.value
        return format(abs(value) if value == 0 else value, "f")

    def places(self, decimals: int) -> int:
        """A computed figure has the catalog's places; a published one the places it was published with."""
        return decimals if self.basis.startswith("computed") else written_places(self.value)

    def shown(self, decimals: int, places: int | None = None) -> str:
        """The figure as a person reads it: separators, a tiny one in scientific notation, at `places` (its
        row's, see Row.places) or else its own. A computed figure is first rounded to the catalog's
        `decimals` (what the CSV says), so that widening a row only adds zeros, never a digit."""
        rounded = self.basis.startswith("computed") and not is_tiny(self.value, decimals)  # a tiny one keeps its digits
        value = self.value.quantize(Decimal(1).scaleb(-decimals)) if rounded else self.value
        if places is None or (value != 0 and abs(value) < SMALL):  # scientific notation: its own digits
            places = self.places(decimals)
        return readable(abs(value) if value == 0 else value, places)


@dataclass(frozen=True)
class Column:
    key: str  # "2024" or "2022_restated"
    year: str
    basis: tuple[str, ...]  # bases to take, in order of preference


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    cells: dict[str, Cell | None]

    def places(self) -> int:
        """One precision for every year of the row (issue 26.13): the catalog's places, widened to the places a
        published figure of the row was published with, so that no published digit is dropped and no year
        reads 11 beside another's 11.00. Only zeros are added; a value never changes."""
        cells = [c for c in self.cells.values() if c and not c.basis.startswith("computed")]
        published = [written_places(c.value) for c in cells if abs(c.value) >= SMALL]  # not those in 10⁻ⁿ form
        return max([self.indicator.decimals, *published])


@dataclass(frozen=True)
class AppendixTable:
    period: str
    columns: list[Column]
    rows: list[Row]
    published_now: dict[str, Decimal]  # the period's published figures, where its column shows computed ones
    contradictions: tuple[Finding, ...] = ()  # where the published figures of the years shown disagree
    restatements: tuple[RestatementRecord, ...] = ()  # why a year's computed figures were restated
    signoff: SignoffRecord | None = None  # the period is locked: who signed off its figures, and when
    # (indicator, year, basis) -> entities whose estimated figures that group figure was computed from
    estimates: Mapping[tuple[str, str, str], list[str]] = field(default_factory=dict)
    coverage: Coverage | None = None  # not signed off: provisional, resting on these entities' returns
    targets: tuple[Progress, ...] = ()  # each target's progress in the years up to the period (issue 28.3)
    # The period's Scope 3 screening, one row per category (esgflow.figures.scope3.category_rows)
    scope3: tuple[Mapping[str, object], ...] = ()
    # The group's registers: (entity, version, row) of each entity's newest accepted return (esgflow.report.registers)
    registers: tuple[tuple[str, int, RegisterRow], ...] = ()

    def empty_years(self) -> list[str]:
        """Year columns without a single figure: they stay in the table, with the reason said."""
        return [c.key for c in self.columns if not any(r.cells.get(c.key) for r in self.rows)]

    def estimated_from(self, row: Row, column: Column) -> list[str]:
        """The entities whose estimates the figure shown in a cell includes (none for a published figure)."""
        cell = row.cells.get(column.key)
        return list(self.estimates.get((row.indicator.code, column.year, cell.basis), [])) if cell else []

    def differing(self) -> dict[str, Decimal]:
        """indicator -> published figure, for every computed figure of the period that differs from it."""
        return {row.indicator.code: published for row, published, _ in self.differences()}

    def not_published(self) -> set[str]:
        """Indicators the period's computed figures show although the published report of that year had none."""
        if not self.published_now:
            return set()  # nothing of the year was published: no report to be missing from
        return {
            row.indicator.code
            for row in self.rows
            if (cell := row.cells.get(self.period))
            and cell.basis == "computed"
            and row.indicator.code not in self.published_now
        }

    def contradicted(self) -> dict[tuple[str, str], list[Finding]]:
        """(indicator, year) -> the contradictions found on that published figure."""
        found: dict[tuple[str, str], list[Finding]] = {}
        for f in self.contradictions:
            if f.indicators and f.period:
                found.setdefault((f.indicators[0], f.period), []).append(f)
        return found

    def differences(self) -> list[tuple[Row, Decimal, Cell]]:
        """Rows whose computed figure for the period differs from the published one at published precision."""
        out = []
        for row in self.rows:
            cell, published = row.cells.get(self.period), self.published_now.get(row.indicator.code)
            if cell and cell.basis == "computed" and published is not None:
                shown = cell.value.quantize(Decimal(1).scaleb(min(published.as_tuple().exponent, 0)))  # type: ignore[arg-type]
                if shown != published:
                    out.append((row, published, cell))
        return out


# A restatement esgflow computed is newer than one imported from a published report.
RESTATED_BASES = ("computed_restated", "published_restated")


def appendix_years(period: Period) -> list[Period]:
    """The periods an appendix for `period` shows: P-2, P-1 and P."""
    return [period.shifted_years(-2), period.shifted_years(-1), period]


def build_appendix(figures: Mapping[tuple[str, str, str], Decimal], catalog: Catalog, period: Period) -> AppendixTable:
    """P-2, P-1 and P for every appendix indicator, with restated columns where there are any.

    For P the computed figure wins over a published one; for earlier years what was
    published stands, and a computed figure fills in only where nothing was published.
    """
    years = [p.code for p in appendix_years(period)]
    restated = {year for (_, year, basis) in figures if basis in RESTATED_BASES}
    columns: list[Column] = []
    for year in years:
        prefer = ("computed", "published") if year == period.code else ("published", "computed")
        columns.append(Column(year, year, prefer))
        if year in restated:
            columns.append(Column(f"{year}_restated", year, RESTATED_BASES))
    rows = []
    for ind in catalog.appendix():
        cells: dict[str, Cell | None] = {}
        for col in columns:
            found = [(b, figures[(ind.code, col.year, b)]) for b in col.basis if (ind.code, col.year, b) in figures]
            cells[col.key] = Cell(found[0][1], found[0][0]) if found else None
        rows.append(Row(ind, cells))
    published_now = {
        code: v for (code, year, basis), v in figures.items() if year == period.code and basis == "published"
    }
    return AppendixTable(period.code, columns, rows, published_now)
